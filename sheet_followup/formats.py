"""A rendered note as a file to open: Markdown, plain text, an unsent email, or a web page.

The ``.eml`` draft is a real message marked ``X-Unsent: 1``, which Outlook, Apple Mail and
Thunderbird open as a draft ready to edit and send. Header values are built from cells, so each
is folded to one line and handed to the email package as a value, never as raw header text: no
cell can add a header.
"""

from __future__ import annotations

import functools
import html
import re

FORMATS = ("md", "txt", "eml", "html")

# Deliberately plain: a draft should open even when the address is odd; a clearly broken one is
# left out of To (with a warning) rather than making a file mail programs reject.
# An address, no more: no space, control character, bracket, quote or separator anywhere.
_NOT = r"@\s\x00-\x1f\x7f<>(),;:\"\[\]\\"
_ADDRESS = re.compile(rf"[^{_NOT}]+@[^{_NOT}]+\.[^{_NOT}.]+")
# The start of an RFC 2047 encoded word. Python's email package (3.10 to 3.12) decodes one found
# in a header value it is given, so "=?utf-8?q?=0D=0ABcc:...?=" in a cell would become a real
# Bcc: header. A word joiner (invisible) after the "=" keeps it text.
_ENCODED_WORD = "=?"
_WORD_JOINER = "=\u2060?"


def one_line(text: str) -> str:
    """A header value: line breaks and control characters become spaces."""
    if not text.isprintable():  # rare, and a pass character by character is slow
        text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())


def header_text(text: str) -> str:
    """A value for an email header: one line, and never an encoded word the email package
    would decode into something else (a line break and a header of its own)."""
    text = one_line(text)
    return text.replace(_ENCODED_WORD, _WORD_JOINER) if _ENCODED_WORD in text else text


@functools.lru_cache(maxsize=64)  # a draft and its index row ask about one address in turn
def valid_address(address: str) -> bool:
    address = address.strip()
    return bool(_ADDRESS.fullmatch(address)) and _ENCODED_WORD not in address


def recipient(name: str, address: str) -> str:
    """ "Jane Doe <jane@example.com>", or the name alone without a usable address (the address
    alone when the contact is known by it only)."""
    name = one_line(name)
    if not valid_address(address):
        return name
    return address.strip() if name in ("", address.strip()) else f"{name} <{address.strip()}>"


def as_markdown(subject: str, name: str, address: str, body: str) -> bytes:
    """Who it is for and the subject (a list, so the lines stay apart when previewed), a rule,
    then the note to copy. Cell text is escaped so that a preview shows it as written."""
    shown = md_text(one_line(name))
    if valid_address(address):
        address = address.strip()
        to = address if one_line(name) in ("", address) else f"{shown} <{address}>"
    else:
        to = shown
    head = f"- **To:** {to}\n- **Subject:** {md_text(one_line(subject))}\n\n---\n\n"
    return (head + md_text(body)).encode()


# What a Markdown preview would not show as written: "<" opens raw HTML (a cell's <script>) or
# an autolink (<javascript:...>), and "[...](" or "[...][" or "[...]:" a link. Backslash escapes
# keep them text; a backslash before them is doubled, so it cannot undo the escape.
_MD_LINK = re.compile(r"\[([^\]\n]*)\](?=[(\[:])")
_MD_BACKSLASH = re.compile(r"\\(?=[<\[\]])")
_MD_ESCAPED = re.compile(r"\\(\\(?=\\?[<\[\]])|[<\[\]])")


def md_text(text: str) -> str:
    """Text for a Markdown draft that a preview shows exactly as written."""
    if "<" not in text and "[" not in text and "]" not in text:
        return text
    text = _MD_BACKSLASH.sub(r"\\\\", text).replace("<", "\\<")
    return _MD_LINK.sub(r"\\[\1\\]", text)


def md_plain(text: str) -> str:
    """The text a Markdown draft's escapes stand for: :func:`md_text` undone."""
    return _MD_ESCAPED.sub(r"\1", text) if "\\" in text else text


def as_text(subject: str, name: str, address: str, body: str) -> bytes:
    to = recipient(name, address)
    return f"To: {to}\nSubject: {one_line(subject)}\n\n{body}".encode()


def as_email(
    subject: str,
    name: str,
    address: str,
    body: str,
    sender_name: str,
    sender_email: str,
    *,
    unsent: bool = True,
) -> bytes:
    """An unsent message: To, From, Subject, plain text with an HTML alternative, UTF-8.

    ``unsent`` marks it X-Unsent for a file to open; a draft put in the mailbox's Drafts is
    one already, by its \\Draft flag."""
    # Imported here: the email package takes longer to import than a small run takes to render
    # its Markdown drafts, and only the .eml format needs it.
    import email.policy
    from email.headerregistry import Address
    from email.message import EmailMessage

    message = EmailMessage(policy=email.policy.default)
    if unsent:
        message["X-Unsent"] = "1"
    if valid_address(address):
        local, _, domain = address.strip().rpartition("@")
        shown = "" if one_line(name) == address.strip() else header_text(name)
        message["To"] = Address(display_name=shown, username=local, domain=domain)
    if valid_address(sender_email):
        local, _, domain = sender_email.strip().rpartition("@")
        shown = header_text(sender_name)
        message["From"] = Address(display_name=shown, username=local, domain=domain)
    message["Subject"] = header_text(subject)
    message.set_content(body, charset="utf-8")
    page_body = _body_html(body)
    message.add_alternative(page_body, subtype="html", charset="utf-8")
    message.set_boundary(
        _boundary(str(message["To"]), str(message["From"]), subject, body, page_body)
    )
    return message.as_bytes(policy=email.policy.default.clone(linesep="\r\n"))


def _boundary(*texts: str) -> str:
    """A MIME boundary made from the message's own text, not at random.

    The same note then makes the same bytes, so running again the same day finds an unchanged
    ``.eml`` draft unchanged instead of rewriting it with a new random boundary. The boundary
    must not occur in the parts: hex digits after a prefix that no encoded part can form (base64
    has no hyphen; quoted-printable keeps text as it is) unless the note itself holds it, which
    the loop rules out.
    """
    import hashlib

    seed = "\x00".join(texts)
    while True:
        boundary = "sheet-followup-" + hashlib.sha256(seed.encode()).hexdigest()[:32]
        if all(boundary not in text for text in texts):
            return boundary
        seed += "\x00"


def as_page(subject: str, name: str, address: str, body: str) -> bytes:
    """A page that shows the note and opens it in the mail program with one click."""
    to = recipient(name, address)
    link = mailto(address, subject, body)
    button = f'<p><a class="send" href="{html.escape(link)}">Open in my mail program</a></p>'
    return page(
        one_line(subject),
        f'<p class="meta">To: {html.escape(to)}<br>Subject: {html.escape(one_line(subject))}</p>'
        f"{button if valid_address(address) else ''}<hr>{_body_html(body)}",
    ).encode()


def mailto(address: str, subject: str, body: str) -> str:
    """A mailto: link with the subject and body filled in (RFC 6068)."""
    to = percent_encode(address.strip(), safe="@") if valid_address(address) else ""
    text = body.replace("\r\n", "\n").replace("\n", "\r\n")  # RFC 6068 line breaks
    return f"mailto:{to}?subject={percent_encode(one_line(subject))}&body={percent_encode(text)}"


_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"


def percent_encode(text: str, safe: str = "") -> str:
    """``urllib.parse.quote(text, safe)``, five times faster on a note's body.

    ``index.html`` holds a ``mailto:`` link per draft, so a big run encodes megabytes, and
    ``quote`` looks each byte up in Python. Here every step is a C loop over bytes: three
    translations laid side by side, then the NUL padding of unreserved bytes dropped. (No byte
    of the text turns into a NUL: a NUL in the text is encoded as ``%00``.)
    """
    kept, percent, high, low = _percent_tables(safe)
    data = text.encode()  # strict, as quote: a lone surrogate raises UnicodeEncodeError
    if not data.translate(None, kept):  # nothing to encode (a file name, an address)
        return text
    columns = bytearray(3 * len(data))
    columns[0::3] = data.translate(percent)
    columns[1::3] = data.translate(high)
    columns[2::3] = data.translate(low)
    return columns.translate(None, b"\0").decode("ascii")


@functools.lru_cache(maxsize=8)
def _percent_tables(safe: str) -> tuple[bytes, bytes, bytes, bytes]:
    """The bytes kept as they are, and one byte-to-byte table per column of the encoding: a
    kept byte maps to itself and then to two NULs, any other to "%" and its two hex digits."""
    kept = _UNRESERVED + safe.encode("ascii")
    digits = b"0123456789ABCDEF"
    return (
        kept,
        bytes(b if b in kept else 0x25 for b in range(256)),
        bytes(0 if b in kept else digits[b >> 4] for b in range(256)),
        bytes(0 if b in kept else digits[b & 15] for b in range(256)),
    )


def _body_html(body: str) -> str:
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(linked(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )


# A web address, or a bare mail address. A URL's last character is never sentence punctuation
# or a closing bracket, quote or apostrophe: "(see https://example.com/a)." links .../a.
_LINK = re.compile(
    r"(?P<url>\b(?:https?://|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)\]}])"
    r"|(?P<mail>\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b)",
    re.IGNORECASE,
)


def linked(text: str) -> str:
    """One line of a note as HTML, its web and mail addresses as links a reader can click: a
    note's gift is often an article or a contact, and a plain-text address in a page is dead."""
    out: list[str] = []
    end = 0
    for match in _LINK.finditer(text):
        out.append(html.escape(text[end : match.start()]))
        shown, end = match.group(), match.end()
        if text[end : end + 1] == ")" and shown.count("(") > shown.count(")"):
            shown, end = shown + ")", end + 1  # https://en.wikipedia.org/wiki/Mercury_(planet)
        if match.group("mail"):
            href = "mailto:" + shown
        else:
            href = shown if "://" in shown else "https://" + shown
        out.append(f'<a href="{html.escape(href)}">{html.escape(shown)}</a>')
    out.append(html.escape(text[end:]))
    return "".join(out)


PAGE_STYLE = (
    "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;max-width:46em;"
    "margin:2em auto;padding:0 1em;color:#1f2328}"
    ".meta{color:#57606a}a.send{display:inline-block;padding:.4em .9em;border-radius:6px;"
    "background:#1f4e78;color:#fff;text-decoration:none}"
    "table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35em .6em;"
    "border-bottom:1px solid #d0d7de;vertical-align:top}th{background:#f6f8fa}"
)


def page(title: str, content: str, *, wide: bool = False) -> str:
    """A self-contained page: inline style, no scripts, nothing fetched from a network."""
    head, tail = page_frame(title, wide=wide)
    return head + content + tail


def page_frame(title: str, *, wide: bool = False) -> tuple[str, str]:
    """What comes before and after a page's content, for a page written piece by piece."""
    style = PAGE_STYLE + ("body{max-width:80em}" if wide else "")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{style}</style></head><body>",
        "</body></html>\n",
    )
