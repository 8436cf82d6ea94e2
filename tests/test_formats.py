"""Drafts people open: .eml messages, web pages, the run's index and its calendar."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from sheet_followup.cli import cli
from sheet_followup.drafts import plan_drafts
from sheet_followup.formats import as_email, linked, mailto, one_line, percent_encode
from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.run_files import _content_line, _uid, escape_text, fold, index_page, reminders
from sheet_followup.settings import Settings
from tests.conftest import MakeWorkbook

TODAY = dt.date(2026, 11, 23)


def due_followup(
    row: int = 5,
    contact: str = "Jane Doe",
    company: str = "Acme",
    next_day: dt.date = TODAY,
) -> FollowUp:
    person = Contact(row=row, company=company, contact=contact, email="jane@example.com")
    return FollowUp(person, Kind.FOLLOW_UP, next_day, details=("5 days late",))


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def run_json(*args: object) -> dict[str, object]:
    result = invoke("run", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_every_eml_draft_is_an_unsent_message_with_to_subject_and_both_bodies(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "md,eml")
    due = [c for c in report["contacts"] if c["draft"]]  # type: ignore[union-attr]
    assert len(due) == 7
    for contact in due:
        md, eml = (Path(p) for p in contact["drafts"])
        assert (md.suffix, eml.suffix) == (".md", ".eml")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert message["X-Unsent"] == "1"
        assert message["From"] == "Alex Morgan <alex.morgan@example.com>"
        subject = md.read_text(encoding="utf-8").splitlines()[1].removeprefix("- **Subject:** ")
        assert message["Subject"] == subject
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",))
        html_part = message.get_body(("html",))
        assert plain is not None and html_part is not None
        assert plain.get_content().startswith(("Dear ", "Hi "))
        assert "<p>" in html_part.get_content()
    grace = next(c for c in due if c["contact"] == "Grace Okafor")
    no_email = email.message_from_bytes(
        Path(grace["drafts"][1]).read_bytes(), policy=email.policy.default
    )
    assert no_email["To"] is None  # her row has no email: the draft still opens, To is left to fill
    priya = next(c for c in due if c["contact"] == "Priya Raman")
    message = email.message_from_bytes(
        Path(priya["drafts"][1]).read_bytes(), policy=email.policy.default
    )
    assert message["To"] == "Priya Raman <priya.raman@brightwater.example.com>"


def test_no_cell_can_add_a_header_to_an_eml_draft(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        [
            [
                "Acme\nBcc: everyone@example.com",
                "Jane Doe\r\nBcc: spy@example.com",
                "Analyst\nX-Priority: 1",
                "jane@example.com\nBcc: spy@example.com",
                "2026-11-23",
                None,
                None,
            ]
        ],
        sheets={
            "Settings": [
                ["Your name", "Alex\nReply-To: x@example.com"],
                ["Your email", "alex@example.com"],
            ]
        },
    )
    report = run_json(path, "--today", "2026-11-23", "--format", "eml")
    [contact] = report["contacts"]  # type: ignore[misc]
    raw = Path(contact["draft"]).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and message["Reply-To"] is None and message["X-Priority"] is None
    assert sorted(k.lower() for k in message) == sorted(
        ["x-unsent", "to", "from", "subject", "mime-version", "content-type"]
    )
    # The Email cell's first address is the recipient; the rest of the cell is no header.
    assert message["To"] == "Jane Doe <jane@example.com>"
    head = raw.lower().split(b"\r\n\r\n", 1)[0].decode()
    assert "bcc" not in head and "spy@" not in head


ENCODED_BCC = "=?utf-8?q?=0D=0ABcc:_boss@evil.example?="


def test_an_encoded_word_in_a_cell_is_text_never_a_header(make_workbook: MakeWorkbook) -> None:
    # Python's email package (3.10 to 3.12) decodes an RFC 2047 encoded word it is given in a
    # header value: a CR LF inside one would become a header of its own.
    path = make_workbook(
        [
            [
                f"Acme {ENCODED_BCC}",
                f"Jane {ENCODED_BCC}",
                f"Analyst {ENCODED_BCC}",
                "jane@example.com",
                "2026-11-23",
                None,
                None,
            ],
            ["Globex", "Sam", None, "=?utf-8?q?x?=@evil.example", "2026-11-23", None, None],
        ],
        sheets={
            "Settings": [
                ["Your name", f"Alex {ENCODED_BCC}"],
                ["Your email", "alex\x7f@example.com"],
            ]
        },
    )
    report = run_json(path, "--today", "2026-11-23", "--format", "eml")
    jane, sam = report["contacts"]  # type: ignore[misc]
    for contact, headers in ((jane, ["to"]), (sam, [])):
        raw = Path(contact["draft"]).read_bytes()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        # No Bcc, and no From either: the sender's address with a DEL in it is none.
        assert sorted(k.lower() for k in message) == sorted(
            ["x-unsent", *headers, "subject", "mime-version", "content-type"]
        ), raw
        assert "\r" not in str(message["Subject"]) and "\n" not in str(message["Subject"])
    message = email.message_from_bytes(
        Path(jane["draft"]).read_bytes(), policy=email.policy.default
    )
    # The text reads as written (with an invisible word joiner after each "=").
    assert str(message["Subject"]).replace("\u2060", "").endswith(ENCODED_BCC)
    assert message["To"].addresses[0].addr_spec == "jane@example.com"
    # An address that is an encoded word is no address at all.
    assert email.message_from_bytes(Path(sam["draft"]).read_bytes())["To"] is None


def test_txt_and_html_drafts(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "txt,html")
    daniel = next(c for c in report["contacts"] if c["contact"] == "Daniel Kowalski")  # type: ignore[union-attr]
    txt, page = (Path(p) for p in daniel["drafts"])
    text = txt.read_text(encoding="utf-8")
    assert text.startswith(
        "To: Daniel Kowalski <d.kowalski@lumenfreight.example.com>\nSubject: Thank you"
    )
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert 'href="mailto:d.kowalski@lumenfreight.example.com?subject=Thank%20you' in html
    assert "<script" not in html and "http://" not in html.split("<body>")[0]


def test_an_unknown_format_is_a_usage_error(sample: Path) -> None:
    result = invoke("run", sample, "--format", "md,pdf")
    assert result.exit_code == 2
    assert "is not a list of md, txt, eml, html" in result.stderr


def test_the_settings_sheet_chooses_the_default_format(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Acme", "Jane", None, "jane@example.com", "2026-11-23", None, None]],
        sheets={"Settings": [["Format", "eml, txt"]]},
    )
    report = run_json(path, "--today", "2026-11-23")
    [contact] = report["contacts"]  # type: ignore[misc]
    assert [Path(p).suffix for p in contact["drafts"]] == [".eml", ".txt"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_the_index_links_every_draft_and_a_filled_in_mailto(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "md,eml")
    folder = sample.parent / "drafts" / "2026-11-23"
    parser = Links()
    parser.feed((folder / "index.html").read_text(encoding="utf-8"))
    files = [h for h in parser.hrefs if not h.startswith("mailto:")]
    mails = [h for h in parser.hrefs if h.startswith("mailto:")]
    assert len(files) == 14
    assert all((folder / unquote(h)).is_file() for h in files)
    assert len(mails) == 6  # Grace has no email
    first = urlsplit(mails[0])
    assert "subject=" in first.query and "body=" in first.query
    assert len([c for c in report["contacts"] if c["draft"]]) == 7  # type: ignore[union-attr]


def test_reminders_hold_the_next_follow_ups_and_interviews_with_stable_uids(sample: Path) -> None:
    from icalendar import Calendar

    run_json(sample, "--today", "2026-11-23")
    ics = sample.parent / "drafts" / "2026-11-23" / "reminders.ics"
    events = {
        str(e["summary"]): (e.decoded("dtstart"), str(e["uid"]))
        for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    }
    assert events["Follow up with Tomás Ortega (Brightwater Health Analytics)"][0] == dt.date(
        2026, 11, 30
    )
    assert events["Follow up with Hannah Goldberg (Silverpine Software)"][0] == dt.date(2026, 12, 7)
    assert events["Interview with Kofi Mensah (Greenway Mobility)"][0] == dt.date(2026, 11, 26)
    assert not any("Ngozi" in s or "Elena" in s or "Liam" in s for s in events)  # no date, no event

    # A week later the same contacts keep their UIDs, so re-importing moves the events.
    run_json(sample, "--today", "2026-11-30")
    later = sample.parent / "drafts" / "2026-11-30" / "reminders.ics"
    uids = {
        str(e["summary"]): str(e["uid"])
        for e in Calendar.from_ical(later.read_bytes()).walk("VEVENT")
    }
    shared = set(uids) & set(events)
    assert shared
    assert all(uids[s] == events[s][1] for s in shared)


@given(st.text(), st.sampled_from(["", "@", "/"]))
def test_percent_encoding_is_exactly_what_urllib_quote_gives(text: str, safe: str) -> None:
    assert percent_encode(text, safe) == quote(text, safe=safe)


@given(st.text(), st.text(), st.sampled_from(["jane@example.com", "o'neil&co@example.com", ""]))
def test_a_mailto_link_needs_only_its_ampersands_escaped_in_html(
    subject: str, body: str, address: str
) -> None:
    link = mailto(address, subject, body)
    assert html.escape(link) == link.replace("&", "&amp;")  # what index.html relies on
    assert unquote(urlsplit(link).query.split("&body=")[1]) == body.replace("\r\n", "\n").replace(
        "\n", "\r\n"
    )


@given(st.text())
def test_one_line_turns_every_unprintable_character_and_space_run_into_one_space(text: str) -> None:
    spaced = "".join(c if c.isprintable() else " " for c in text)
    assert one_line(text) == " ".join(spaced.split())


def test_the_index_mailto_links_carry_names_html_would_break(tmp_path: Path) -> None:
    followup = due_followup(contact='Zoë "Z" <O&Brien>', company="R&D; <Labs>")
    planned = plan_drafts([followup], tmp_path, Settings(), TODAY)
    page = index_page(planned, TODAY, "tracker & co.xlsx").decode()
    parser = Links()
    parser.feed(page)
    [mail] = [h for h in parser.hrefs if h.startswith("mailto:")]
    assert mail == mailto(followup.contact.email, planned[0].note.subject, planned[0].note.body)
    assert "<O&Brien>" not in page and "&lt;O&amp;Brien&gt;" in page


def calendar_events(ics: bytes) -> list[dict[str, object]]:
    from icalendar import Calendar

    return [
        {name: event.decoded(name) for name in ("uid", "summary", "description", "dtstart")}
        | {"dtend": event.decoded("dtend"), "dtstamp": event.decoded("dtstamp")}
        for event in Calendar.from_ical(ics).walk("VEVENT")
    ]


def test_the_hand_written_calendar_reads_back_as_the_same_events() -> None:
    names = [
        ("Jane Doe", "Acme, Inc.; Ltd"),
        ("Tomás Ortega-Núñez de la Fuente y Castellanos", "Brightwater Health Analytics Europe"),
        ("王芳" * 20, "株式会社" * 10),
        ("Emoji 😀" * 12, "Tab\there"),
        ("Line\nbreak", "Carriage\r\nreturn\rend"),
    ]
    followups = [
        due_followup(row=i + 5, contact=c, company=k, next_day=TODAY + dt.timedelta(days=i))
        for i, (c, k) in enumerate(names)
    ]
    ics = reminders(followups, TODAY)
    events = calendar_events(ics)
    assert len(events) == len(names)
    for event, followup in zip(events, followups, strict=True):
        contact = followup.contact
        expected = f"Follow up with {contact.contact} ({contact.company})"
        assert event["summary"] == expected.replace("\r\n", "\n").replace("\r", "\n")
        assert event["description"] == f"{followup.status}. Row {contact.row} of the tracker."
        assert event["dtstart"] == followup.next_follow_up
        assert event["dtend"] == followup.next_follow_up + dt.timedelta(days=1)  # type: ignore[operator]
        assert event["dtstamp"] == dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)
        assert event["uid"] == _uid(followup)
    assert_folded(ics)


def assert_folded(ics: bytes) -> None:
    """RFC 5545 lines: CRLF, at most 75 octets, never a character cut in two."""
    assert ics.endswith(b"\r\n") and b"\n" not in ics.replace(b"\r\n", b"")
    for line in ics.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # each physical line holds whole characters


def unfold_and_unescape(value: bytes) -> str:
    """RFC 5545's reading of a folded TEXT value, as a calendar program does it."""
    text = value.replace(b"\r\n ", b"").decode("utf-8")
    escapes = {"\\": "\\", ";": ";", ",": ",", "n": "\n", "N": "\n"}
    out, chars = [], iter(text)
    for char in chars:
        out.append(escapes[next(chars)] if char == "\\" else char)
    return "".join(out)


@given(st.text(min_size=1, max_size=300))
def test_any_text_survives_escaping_and_folding(text: str) -> None:
    line = _content_line("SUMMARY", text).encode()
    assert_folded(line)
    assert not line.replace(b"\r\n ", b"").rstrip(b"\r\n").count(b"\r")
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    expected = "".join(c if c in "\t\n" or not (c < " " or c == "\x7f") else " " for c in expected)
    assert unfold_and_unescape(line.removesuffix(b"\r\n").removeprefix(b"SUMMARY:")) == expected


def test_a_fold_keeps_an_escape_and_a_character_whole() -> None:
    for prefix in range(60, 80):
        for tail in ("\\,", "é", "😀", "\\\\", "\\n€"):
            original = ("x" * prefix + tail * 10).encode()
            pieces = fold(original).split(b"\r\n ")
            assert b"".join(pieces) == original
            for piece in pieces:
                assert len(piece) <= 75 - (piece is not pieces[0])
                piece.decode("utf-8")
            for piece in pieces[:-1]:
                trailing = len(piece) - len(piece.rstrip(b"\\"))
                assert trailing % 2 == 0, piece  # no escape cut after its backslash


def test_text_is_escaped_as_rfc_5545_says() -> None:
    assert escape_text("a\\b;c,d\ne\r\nf\rg\x00h\ti") == "a\\\\b\\;c\\,d\\ne\\nf\\ng h\ti"


@pytest.mark.parametrize(
    ("line", "links"),
    [
        ("Article https://example.com/a.", ["https://example.com/a"]),
        ("(see https://example.com/a?x=1&y=2), then", ["https://example.com/a?x=1&y=2"]),
        (
            "https://en.wikipedia.org/wiki/Mercury_(planet)",
            ["https://en.wikipedia.org/wiki/Mercury_(planet)"],
        ),
        (
            "Contact: Dr. Lena Fischer (lena.fischer@example.org)",
            ["mailto:lena.fischer@example.org"],
        ),
        ("the www.example.org/guide podcast", ["https://www.example.org/guide"]),
        ("no address here, <b>bold</b> & more", []),
    ],
)
def test_addresses_in_a_note_become_links_in_its_html(line: str, links: list[str]) -> None:
    class Anchors(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str] = []
            self.text: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]

        def handle_data(self, data: str) -> None:
            self.text.append(data)

    parsed = Anchors()
    parsed.feed(linked(line))
    assert parsed.hrefs == links
    assert "".join(parsed.text) == line  # the words read exactly as written


def test_the_eml_drafts_html_part_links_the_gift() -> None:
    raw = as_email(
        "Idea", "Jane", "jane@example.com", "Hi,\n\nThis: https://example.com/a\n", "Me", ""
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    assert '<a href="https://example.com/a">https://example.com/a</a>' in part.get_content()
