"""Render one draft note per due contact from Jinja2 templates, and write them safely.

The user edits drafts before sending them, so a draft is rewritten only while it still holds
exactly what the tool wrote: a manifest of content hashes in each day's folder tells the tool's
own files from the user's edits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
import traceback
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sheet_followup.controls import without_controls
from sheet_followup.draft_store import Action, Content, DraftsFolder
from sheet_followup.errors import TemplateError
from sheet_followup.formats import (
    as_email,
    as_markdown,
    as_page,
    as_text,
    recipient,
    valid_address,
)
from sheet_followup.memo import short_text_cache
from sheet_followup.models import FollowUp, Kind
from sheet_followup.note_records import NoteRecord, paragraph_hash, paragraphs_of
from sheet_followup.people import greeting_name
from sheet_followup.settings import Settings
from sheet_followup.wording import as_sentence, lower_first, mentioned
from sheet_followup.xlsx.collector import cyclic_gc_paused

if TYPE_CHECKING:
    import jinja2

# Keep names well under every platform's limits (Windows paths of 260 characters included).
_MAX_PART = 40
_MAX_PART_BYTES = 80


@dataclass(frozen=True, slots=True)
class Note:
    """A rendered note: its subject, its body and who it is for."""

    subject: str
    body: str
    name: str
    email: str

    @property
    def to(self) -> str:
        return recipient(self.name, self.email)


@dataclass(frozen=True, slots=True)
class NamedDraft:
    """A due contact's draft files, named but not yet rendered: all the workbook's Draft cells
    need, so the Draft links are planned from the names alone."""

    followup: FollowUp
    paths: tuple[Path, ...]  # one per format, in the order of ``formats``
    formats: tuple[str, ...]

    @property
    def path(self) -> Path:
        """The first format's file: the one the summary, --json and the Log point at."""
        return self.paths[0]


@dataclass(frozen=True, slots=True)
class PlannedDraft:
    """A due contact's note and the files it becomes, one per format, not yet written.

    The files' bytes are made when asked for, not kept: a big run holds every note until the
    drafts are written, and their bytes in up to four formats would be several times more.
    """

    followup: FollowUp
    note: Note
    paths: tuple[Path, ...]  # one per format, in the order of ``formats``
    formats: tuple[str, ...]
    settings: Settings  # the sender, for the .eml draft's From
    record: NoteRecord | None = None  # what the tool remembers of the note it wrote
    carried: tuple[str, ...] = ()  # the formats the user edited, whose note this is
    conflict: tuple[str, ...] = ()  # formats the user edited differently: each kept

    @property
    def path(self) -> Path:
        """The first format's file: the one the summary, --json and the Log point at."""
        return self.paths[0]

    @property
    def files(self) -> tuple[tuple[Path, bytes], ...]:
        """Each format's file and its bytes."""
        return tuple(
            (path, draft_file(self.note, fmt, self.settings))
            for path, fmt in zip(self.paths, self.formats, strict=True)
        )


@dataclass(frozen=True, slots=True)
class DraftResult:
    """Where a contact's draft is and what happened to it in this run."""

    followup: FollowUp
    path: Path
    action: Action  # "kept": the user edited the draft, so it was left as it was
    files: tuple[Path, ...] = ()
    carried: tuple[str, ...] = ()  # the user's edit of these formats went to the others
    conflict: tuple[str, ...] = ()  # the user edited these formats differently


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


def own_templates(folder: Path) -> list[str]:
    """The note templates in a user's folder that differ from the defaults: what a summary
    names, so the copy `init` made, still untouched, is not reported as the user's own (and a
    file no note is named after, as `stray_templates` finds, is not either)."""
    defaults = default_templates_dir()
    own = []
    for path in sorted(folder.glob("*.j2")):
        default = defaults / path.name
        if not default.is_file():
            continue
        try:
            if default.is_file() and default.read_bytes() == path.read_bytes():
                continue
        except OSError:
            pass
        own.append(path.name)
    return own


def stray_templates(folder: Path) -> list[str]:
    """Warnings for the ``.j2`` files in a user's folder that no note is named after and no
    template includes: a ``thank_you.md.j2`` the user expects to be their thank-you note is
    otherwise never used, and nothing would say so."""
    notes = sorted(path.name for path in default_templates_dir().glob("*.j2"))
    files = sorted(folder.glob("*.j2"))
    texts = []
    for path in files:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            texts.append(path.read_text(encoding="utf-8"))
    warnings = []
    for path in files:
        if path.name in notes or any(path.name in text for text in texts):
            continue
        warnings.append(
            f"{path}: no note is named after it and no template includes it, so it is not used; "
            f"the note templates are {', '.join(notes)}"
        )
    return warnings


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
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["sentence"] = as_sentence
    env.filters["lower_first"] = lower_first
    env.filters["mentioned"] = mentioned
    return env


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept from run to run, so that a small run does not compile them again.

    Compiling the four default templates took 30 ms, a tenth of a 100-row run. Jinja2 keeps them
    in a folder of the user's own in the temporary folder, and compiles a template again when
    its source, Jinja2 or Python changed. A cache that cannot be read or written is no cache:
    the run compiles as it did before.
    """
    import jinja2

    class Cache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # a damaged or unreadable file: compile instead
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    try:
        return Cache()
    except (OSError, RuntimeError):  # no private folder to be had in the temporary folder
        return None


def note_context(followup: FollowUp, settings: Settings, today: dt.date) -> dict[str, object]:
    """The variables a template sees (the README lists them)."""
    contact = followup.contact
    first = contact.greet if contact.greet is not None else greeting_name(contact.contact)
    return {
        "kind": followup.kind.value,
        "row": contact.row,
        "name": contact.contact,
        "first_name": first,
        "title": contact.title,
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
    return _Renderer(env, settings, today).note(followup)


class _Renderer:
    """Renders a run's notes, looking each kind's template up once.

    ``Environment.get_template`` checks the template file's modification time on every call,
    which cost as much as rendering in a big run; a run's templates do not change under it.
    """

    def __init__(self, env: jinja2.Environment, settings: Settings, today: dt.date) -> None:
        import jinja2

        self.env = env
        self.settings = settings
        self.today = today
        self.errors = jinja2.TemplateError
        self.templates: dict[Kind, jinja2.Template] = {}

    def note(self, followup: FollowUp) -> Note:
        template = self.templates.get(followup.kind)
        context = note_context(followup, self.settings, self.today)
        try:
            if template is None:
                template = self.env.get_template(template_name(followup.kind))
                # Every render copies the template's globals into its context; as Jinja keeps
                # them (a ChainMap over the environment's) that copy cost twice the rendering.
                # A run changes no globals, so a plain dict of the same names does the same.
                template.globals = dict(template.globals)
                self.templates[followup.kind] = template
            text = template.render(context)
        except self.errors as error:
            raise _template_error(error, self.env, template_name(followup.kind), context) from error
        except UnicodeDecodeError as error:
            name = template_name(followup.kind)
            message = (
                f"{name} (or a template it includes) is not UTF-8 text ({error.reason} at byte "
                f"{error.start}); save it as UTF-8 in your editor, and run again"
            )
            raise TemplateError(message) from error
        except RecursionError as error:
            name = template_name(followup.kind)
            message = (
                f"{name} includes or extends itself, directly or through another template, "
                "without end; remove the loop, and run again"
            )
            raise TemplateError(message) from error
        subject, body = split_subject(without_controls(text))
        contact = followup.contact
        subject = subject or f"{contact.position or 'Following up'} — {contact.company}"
        return Note(subject, body, without_controls(contact.contact), contact.email)


def _template_error(
    error: jinja2.TemplateError, env: jinja2.Environment, name: str, context: dict[str, object]
) -> TemplateError:
    import jinja2

    if isinstance(error, jinja2.TemplateNotFound):
        message = f"no template '{name}' in {', '.join(env.loader.searchpath)}"  # type: ignore[union-attr]
    elif isinstance(error, jinja2.TemplateSyntaxError):
        message = f"{error.filename or name}, line {error.lineno}: {error.message}"
    else:
        where = _template_line(error, name)
        available = ", ".join(sorted(context))
        message = f"{where}: {error.message}; the variables are: {available}"
    return TemplateError(message)


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


_TRAILING_SPACE = re.compile(r"[ \t]+\n")
# "Dear ," from a template whose contact has no name to greet (an address, a role).
_NAMELESS_GREETING = re.compile(r"^(?:dear|hi|hello|hey)[ \t]*,", re.IGNORECASE | re.MULTILINE)


def _tidy(body: str) -> str:
    # Conditional blocks leave runs of blank lines; a note has one blank line between paragraphs.
    # Plain string searches: a regular expression took five times longer, run on every note.
    if " ," in body[:40] or "\t," in body[:40]:
        body = _NAMELESS_GREETING.sub("Hello,", body, count=1)
    if " \n" in body or "\t\n" in body:
        body = _TRAILING_SPACE.sub("\n", body)
    while "\n\n\n" in body:  # each pass shortens every run of three or more newlines
        body = body.replace("\n\n\n", "\n\n")
    return body.strip("\n") + "\n"


def draft_file(note: Note, fmt: str, settings: Settings) -> bytes:
    """The note as a file of one format."""
    if fmt == "eml":
        return note_message(note, settings)
    render = {"md": as_markdown, "txt": as_text, "html": as_page}[fmt]
    return render(note.subject, note.name, note.email, note.body)


def note_message(note: Note, settings: Settings, *, unsent: bool = True) -> bytes:
    """The note as an email message: the ``.eml`` draft, or (not ``unsent``) the message put
    in the mailbox's Drafts."""
    return as_email(
        note.subject,
        note.name,
        note.email,
        note.body,
        settings.sender_name,
        settings.sender_email,
        unsent=unsent,
    )


PLACEHOLDER_PREFIX = "[ADD A GIFT:"


def gift_placeholder(first: str, interests: str) -> str:
    """A visible gap the user cannot miss: a note never goes out without a gift."""
    first = first or "them"
    if interests:
        return (
            f"{PLACEHOLDER_PREFIX} an article, a contact or a tip for {first}, tied to what they "
            f"cared about: {interests}]"
        )
    return (
        f"{PLACEHOLDER_PREFIX} an article, a contact or a tip for {first}; note in the "
        "Interests column what they lit up about in the interview]"
    )


@functools.lru_cache(maxsize=1024)  # a run has few interview days, and strftime is slow
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


_NOT_WORD = re.compile(r"[\W_]+")


@short_text_cache(maxsize=4096)  # companies come back row after row
def slug(text: str) -> str:
    """A file-name part safe on Windows, macOS and Linux: letters, digits and hyphens only."""
    if not text.isascii():  # ASCII has no accents to take off: NFKD leaves it as it is
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NOT_WORD.sub("-", text.casefold()).strip("-")[:_MAX_PART]
    if not words.isascii():
        # A file name may be 255 bytes: 40 Chinese characters are 120. Cut by bytes, whole
        # characters only, so the longest name (two parts, a kind, a row) still fits.
        words = words.encode()[:_MAX_PART_BYTES].decode(errors="ignore")
    return words.strip("-")


def draft_stem(company: str, contact: str, kind: Kind) -> str:
    """A draft's file name without extension: "<company>-<contact>-<kind>"."""
    parts = [slug(company) or "company", slug(contact) or "contact"]
    return "-".join([*parts, kind.value.replace("_", "-")])


def draft_stems(followups: Sequence[FollowUp]) -> dict[tuple[int, int], str]:
    """Contact (row, slot) -> file name without extension; a clash adds the row number (and
    the person's place in the row, for the same name twice in one cell)."""
    names: dict[tuple[int, int], str] = {}
    taken: set[str] = set()
    for followup in followups:
        contact = followup.contact
        stem = draft_stem(contact.company, contact.contact, followup.kind)
        if stem.casefold() in taken:  # case-insensitive file systems (Windows, macOS)
            stem = f"{stem}-row{contact.row}"
            if stem.casefold() in taken:
                stem = f"{stem}-{contact.slot + 1}"
        taken.add(stem.casefold())
        names[contact.ident] = stem
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
    """Each due contact's note, rendered (or as the user edited it), and the files it will
    become, not yet written.

    Rendering every note here, before anything is written, is what lets a broken template stop
    the run with nothing changed; the files' bytes are made as they are written.
    """
    from sheet_followup.draft_edits import carry_edits

    named = name_drafts(followups, folder, formats)
    if warnings is not None:
        warnings.extend(address_warnings(named))
    return carry_edits(render_drafts(named, settings, today, templates_dir), folder)


def name_drafts(
    followups: Iterable[FollowUp], folder: Path, formats: Sequence[str] = ("md",)
) -> list[NamedDraft]:
    """Each due contact's draft files, named (a clash of names adds the row number)."""
    due = [f for f in followups if f.kind.is_due]
    stems = draft_stems(due)
    formats = tuple(formats)
    return [
        NamedDraft(f, tuple(folder / f"{stems[f.contact.ident]}.{fmt}" for fmt in formats), formats)
        for f in due
    ]


def address_warnings(named: Sequence[NamedDraft]) -> list[str]:
    """An .eml draft needs a recipient: each due contact whose address is not one."""
    return [
        f"{contact.cell('email')}: '{contact.email}' is not an email address; "
        "the .eml draft has no recipient"
        for draft in named
        if "eml" in draft.formats
        and (contact := draft.followup.contact).email
        and not valid_address(contact.email)
    ]


def render_drafts(
    named: Sequence[NamedDraft],
    settings: Settings,
    today: dt.date,
    templates_dir: Path | None = None,
) -> list[PlannedDraft]:
    """Render each named draft's note (a broken template raises TemplateError)."""
    if not named:
        return []
    renderer = _Renderer(make_environment(templates_dir), settings, today)
    with cyclic_gc_paused():
        planned = []
        for d in named:
            note = renderer.note(d.followup)
            record = note_record(d.followup, note, d.formats)
            planned.append(PlannedDraft(d.followup, note, d.paths, d.formats, settings, record))
        return planned


def note_record(followup: FollowUp, note: Note, formats: Sequence[str]) -> NoteRecord:
    """What the tool remembers of a note it wrote: whose it is, its kind, its gift, and where
    the gift (or the placeholder asking for one) stands among its paragraphs."""
    contact = followup.contact
    paragraphs = paragraphs_of(note.body)
    marker = " ".join(followup.gift.split()) if followup.gift else PLACEHOLDER_PREFIX
    gift_at = next((i for i, p in enumerate(paragraphs) if marker and marker in p), -1)
    return NoteRecord(
        row=contact.row,
        slot=contact.slot,
        company=contact.company,
        contact=contact.contact,
        kind=followup.kind.value,
        gift=followup.gift,
        gift_row=followup.gift_row,
        idea=followup.idea,
        paragraphs=tuple(paragraph_hash(p) for p in paragraphs),
        gift_at=gift_at,
        formats=tuple(formats),
        subject=note.subject,
    )


def write_drafts(
    planned: Sequence[PlannedDraft], folder: Path, extra: Sequence[tuple[Path, Content]] = ()
) -> list[DraftResult]:
    """Write the planned drafts (and the run's other files), never over a file the user edited.

    Each file gets its name as soon as it is whole: a run stopped part way (a full disk) leaves
    the drafts it finished, recorded as the tool's own. A run that must leave nothing when it
    fails writes through a deferred :class:`~sheet_followup.draft_store.DraftsFolder` instead
    (see :func:`stage_drafts`).
    """
    if not planned and not extra:
        return []
    with DraftsFolder(folder) as target:
        return stage_drafts(target, planned, extra)


def stage_drafts(
    target: DraftsFolder, planned: Sequence[PlannedDraft], extra: Sequence[tuple[Path, Content]]
) -> list[DraftResult]:
    """Write each draft's files (made one at a time), then the run's other files, into
    ``target``, and remember each note; returns what happened to each draft."""
    results = []
    for draft in planned:
        actions = [
            target.write(path, draft_file(draft.note, fmt, draft.settings))
            for path, fmt in zip(draft.paths, draft.formats, strict=True)
        ]
        if draft.record is not None:
            target.remember(draft.path.stem, draft.record)
        results.append(
            DraftResult(
                draft.followup,
                draft.path,
                actions[0],
                draft.paths,
                carried=draft.carried,
                conflict=draft.conflict,
            )
        )
    for path, content in extra:
        target.write(path, content)
    return results
