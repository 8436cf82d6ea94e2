"""Render one draft note per due contact from Jinja2 templates, and write them safely.

The user edits drafts before sending them, so a draft is rewritten only while it still holds
exactly what the tool wrote: a manifest of content hashes in each day's folder tells the tool's
own files from the user's edits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sheet_followup.errors import SheetFollowupError, TemplateError
from sheet_followup.formats import (
    as_email,
    as_markdown,
    as_page,
    as_text,
    recipient,
    valid_address,
)
from sheet_followup.models import FollowUp, Kind
from sheet_followup.settings import Settings

if TYPE_CHECKING:
    import jinja2

MANIFEST = ".sheet-followup.json"
# Keep names well under every platform's limits (Windows paths of 260 characters included).
_MAX_PART = 40
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})

Action = Literal["written", "rewritten", "unchanged", "kept"]


@dataclass(frozen=True)
class Note:
    """A rendered note: its subject, its body and who it is for."""

    subject: str
    body: str
    name: str
    email: str

    @property
    def to(self) -> str:
        return recipient(self.name, self.email)


@dataclass(frozen=True)
class PlannedDraft:
    """A due contact's note and the files it becomes, one per format, not yet written."""

    followup: FollowUp
    note: Note
    files: tuple[tuple[Path, bytes], ...]

    @property
    def path(self) -> Path:
        """The first format's file: the one the summary, --json and the Log point at."""
        return self.files[0][0]


@dataclass(frozen=True)
class DraftResult:
    """Where a contact's draft is and what happened to it in this run."""

    followup: FollowUp
    path: Path
    action: Action  # "kept": the user edited the draft, so it was left as it was
    files: tuple[Path, ...] = ()


def default_templates_dir() -> Path:
    """The default templates: inside the installed package, or the checkout's ``templates/``.

    A wheel carries the repository's ``templates/`` as ``sheet_followup/templates``; an editable
    install or a source checkout reads them where they are, beside the package.
    """
    here = Path(__file__).resolve().parent
    for folder in (here / "templates", here.parent / "templates"):
        if (folder / template_name(Kind.THANK_YOU)).is_file():
            return folder
    message = f"the default note templates are missing from {here}; reinstall sheet-followup"
    raise TemplateError(message)


def template_name(kind: Kind) -> str:
    return f"{kind.value}.j2"


def make_environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment where a misspelled variable fails loudly instead of rendering blank.

    The user's folder comes first; a kind it has no template for falls back to the default.
    """
    import jinja2

    folders = [str(templates_dir)] if templates_dir else []
    folders.append(str(default_templates_dir()))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folders, encoding="utf-8"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain-text notes; nothing here is HTML
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["sentence"] = as_sentence
    env.filters["lower_first"] = lower_first
    return env


def as_sentence(text: str) -> str:
    """A cell's fragment as a sentence: capitalised, ending with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def lower_first(text: str) -> str:
    """ "Late deliveries" -> "late deliveries" mid-sentence, but "AWS costs" stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def note_context(followup: FollowUp, settings: Settings, today: dt.date) -> dict[str, object]:
    """The variables a template sees (the README lists them)."""
    contact = followup.contact
    first = first_name(contact.contact)
    return {
        "kind": followup.kind.value,
        "row": contact.row,
        "name": contact.contact,
        "first_name": first,
        "company": contact.company,
        "position": contact.position,
        "email": contact.email,
        "interests": contact.interests,
        "gift": followup.gift,
        "gift_why": followup.gift_why,
        "idea": followup.idea,
        "number": followup.number,
        "gift_placeholder": gift_placeholder(first, contact.interests),
        "why_fit": contact.why_fit,
        "interview_date": contact.interview_date,
        "interview_day": describe_day(contact.interview_date, today),
        "last_contact": contact.last_contact,
        "days_late": followup.days_late,
        "today": today,
        "sender_name": settings.sender_name,
        "sender_email": settings.sender_email,
        "signature": settings.signature or settings.sender_name or "[Your name]",
    }


def render_note(
    env: jinja2.Environment, followup: FollowUp, settings: Settings, today: dt.date
) -> Note:
    """Render a contact's note; a broken template raises TemplateError naming file and line."""
    import jinja2

    name = template_name(followup.kind)
    context = note_context(followup, settings, today)
    try:
        template = env.get_template(name)
        text = template.render(context)
    except jinja2.TemplateNotFound as error:
        message = f"no template '{name}' in {', '.join(env.loader.searchpath)}"  # type: ignore[union-attr]
        raise TemplateError(message) from error
    except jinja2.TemplateSyntaxError as error:
        message = f"{error.filename or name}, line {error.lineno}: {error.message}"
        raise TemplateError(message) from error
    except jinja2.TemplateError as error:
        where = _template_line(error, name)
        available = ", ".join(sorted(context))
        message = f"{where}: {error.message}; the variables are: {available}"
        raise TemplateError(message) from error
    subject, body = split_subject(text)
    contact = followup.contact
    subject = subject or f"{contact.position or 'Following up'} — {contact.company}"
    return Note(subject, body, contact.contact, contact.email)


def _template_line(error: Exception, name: str) -> str:
    # Jinja2 rewrites tracebacks so template frames carry the template's file and line.
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith(name):
            return f"{frame.filename}, line {frame.lineno}"
    return name


def split_subject(text: str) -> tuple[str, str]:
    """Templates start with a ``Subject:`` line; the rest is the body."""
    stripped = text.lstrip("\n")
    first, _, rest = stripped.partition("\n")
    if first.casefold().startswith("subject:"):
        return first.split(":", 1)[1].strip(), _tidy(rest)
    return "", _tidy(stripped)


def _tidy(body: str) -> str:
    # Conditional blocks leave runs of blank lines; a note has one blank line between paragraphs.
    body = re.sub(r"[ \t]+\n", "\n", body)
    return re.sub(r"\n{3,}", "\n\n", body).strip("\n") + "\n"


def draft_file(note: Note, fmt: str, settings: Settings) -> bytes:
    """The note as a file of one format."""
    if fmt == "eml":
        return as_email(
            note.subject,
            note.name,
            note.email,
            note.body,
            settings.sender_name,
            settings.sender_email,
        )
    render = {"md": as_markdown, "txt": as_text, "html": as_page}[fmt]
    return render(note.subject, note.name, note.email, note.body)


def first_name(name: str) -> str:
    """How a note greets someone: "Dr. Priya Raman" -> "Priya", "Raman, Priya" -> "Priya"."""
    if "," in name:
        surname, _, given = name.partition(",")
        name = f"{given.strip()} {surname.strip()}".strip()
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".").casefold() in _HONORIFICS:
        words = words[1:]
    return words[0] if words else name


def gift_placeholder(first: str, interests: str) -> str:
    """A visible gap the user cannot miss: a note never goes out without a gift."""
    if interests:
        return (
            f"[ADD A GIFT: an article, a contact or a tip for {first}, tied to what they cared "
            f"about: {interests}]"
        )
    return (
        f"[ADD A GIFT: an article, a contact or a tip for {first}; note in the Interests column "
        "what they lit up about in the interview]"
    )


def describe_day(day: dt.date | None, today: dt.date) -> str:
    """ "today", "yesterday", "on Friday" or "on 12 November", as a note would say it."""
    if day is None:
        return ""
    delta = (today - day).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "yesterday"
    if 1 < delta < 7:
        return f"on {day:%A}"
    return f"on {day.day} {day:%B}" + (f" {day.year}" if day.year != today.year else "")


def slug(text: str) -> str:
    """A file-name part safe on Windows, macOS and Linux: letters, digits and hyphens only."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = re.sub(r"[\W_]+", "-", stripped.casefold()).strip("-")
    return words[:_MAX_PART].strip("-")


def draft_stem(company: str, contact: str, kind: Kind) -> str:
    """A draft's file name without extension: "<company>-<contact>-<kind>"."""
    parts = [slug(company) or "company", slug(contact) or "contact"]
    return "-".join([*parts, kind.value.replace("_", "-")])


def draft_stems(followups: Sequence[FollowUp]) -> dict[int, str]:
    """Row -> file name without extension; a clash adds the row number."""
    names: dict[int, str] = {}
    taken: set[str] = set()
    for followup in followups:
        contact = followup.contact
        stem = draft_stem(contact.company, contact.contact, followup.kind)
        if stem.casefold() in taken:  # case-insensitive file systems (Windows, macOS)
            stem = f"{stem}-row{contact.row}"
        taken.add(stem.casefold())
        names[contact.row] = stem
    return names


def plan_drafts(
    followups: Iterable[FollowUp],
    folder: Path,
    settings: Settings,
    today: dt.date,
    templates_dir: Path | None = None,
    formats: Sequence[str] = ("md",),
    warnings: list[str] | None = None,
) -> list[PlannedDraft]:
    """Each due contact's note, rendered into every format, not yet written."""
    due = [f for f in followups if f.kind.is_due]
    if not due:
        return []
    env = make_environment(templates_dir)
    stems = draft_stems(due)
    planned = []
    for followup in due:
        note = render_note(env, followup, settings, today)
        contact = followup.contact
        bad_address = contact.email and not valid_address(contact.email)
        if "eml" in formats and bad_address and warnings is not None:
            warnings.append(
                f"{contact.cell('email')}: '{contact.email}' is not an email address; "
                "the .eml draft has no recipient"
            )
        files = tuple(
            (folder / f"{stems[contact.row]}.{fmt}", draft_file(note, fmt, settings))
            for fmt in formats
        )
        planned.append(PlannedDraft(followup, note, files))
    return planned


def write_drafts(
    planned: Sequence[PlannedDraft], folder: Path, extra: Sequence[tuple[Path, bytes]] = ()
) -> list[DraftResult]:
    """Write the planned drafts (and the run's other files), never over a file the user edited."""
    files = [item for draft in planned for item in draft.files] + list(extra)
    if not files:
        return []
    actions = write_files(folder, files)
    return [
        DraftResult(
            draft.followup,
            draft.path,
            actions[draft.path],
            tuple(path for path, _ in draft.files),
        )
        for draft in planned
    ]


def write_files(folder: Path, files: Sequence[tuple[Path, bytes]]) -> dict[Path, Action]:
    """Write files the tool owns in ``folder``; one the user changed since is kept as it is."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = f"cannot create the drafts folder {folder} ({error.strerror}); use --out DIR"
        raise SheetFollowupError(message) from error
    manifest = _read_manifest(folder)
    actions: dict[Path, Action] = {}
    for path, data in files:
        action: Action = "written"
        if path.exists():
            current = path.read_bytes()
            if _digest(current) != manifest.get(path.name):
                actions[path] = "kept"
                continue
            if current == data:
                actions[path] = "unchanged"
                continue
            action = "rewritten"
        _write_atomically(path, data)
        manifest[path.name] = _digest(data)
        actions[path] = action
    _write_atomically(folder / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
    return actions


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no manifest: every existing draft counts as the user's
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temp = tempfile.mkstemp(prefix=".~", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temp).replace(path)
    except OSError as error:
        with contextlib.suppress(OSError):
            Path(temp).unlink()
        message = f"cannot write the draft {path} ({error.strerror}); use --out DIR"
        raise SheetFollowupError(message) from error
