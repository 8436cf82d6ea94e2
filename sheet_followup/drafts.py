"""Render one draft note per due contact from Jinja2 templates, and write them safely.

The user edits drafts before sending them, so a draft is rewritten only while it still holds
exactly what the tool wrote: a manifest of content hashes in each day's folder tells the tool's
own files from the user's edits.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import functools
import gc
import hashlib
import json
import os
import re
import shutil
import traceback
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

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
from sheet_followup.people import greeting_name
from sheet_followup.settings import Settings

if TYPE_CHECKING:
    import jinja2

MANIFEST = ".sheet-followup.json"
# Keep names well under every platform's limits (Windows paths of 260 characters included).
_MAX_PART = 40

Action = Literal["written", "rewritten", "unchanged", "kept"]
# A file's content: its bytes, or a function giving them piece by piece, for a file too big to
# hold whole: the index of a 100,000-row run, a mailto: link per draft, is over 40 MB.
Content: TypeAlias = "bytes | Callable[[], Iterable[bytes]]"


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
    need, so the workbook can be edited while another process renders the notes."""

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
        bytecode_cache=_bytecode_cache(),
    )
    env.filters["sentence"] = as_sentence
    env.filters["lower_first"] = lower_first
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
        subject, body = split_subject(text)
        contact = followup.contact
        subject = subject or f"{contact.position or 'Following up'} — {contact.company}"
        return Note(subject, body, contact.contact, contact.email)


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


def gift_placeholder(first: str, interests: str) -> str:
    """A visible gap the user cannot miss: a note never goes out without a gift."""
    first = first or "them"
    if interests:
        return (
            f"[ADD A GIFT: an article, a contact or a tip for {first}, tied to what they cared "
            f"about: {interests}]"
        )
    return (
        f"[ADD A GIFT: an article, a contact or a tip for {first}; note in the Interests column "
        "what they lit up about in the interview]"
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


@functools.lru_cache(maxsize=4096)  # companies come back row after row
def slug(text: str) -> str:
    """A file-name part safe on Windows, macOS and Linux: letters, digits and hyphens only."""
    if not text.isascii():  # ASCII has no accents to take off: NFKD leaves it as it is
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    words = _NOT_WORD.sub("-", text.casefold()).strip("-")
    return words[:_MAX_PART].strip("-")


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
    """Each due contact's note, rendered, and the files it will become, not yet written.

    Rendering every note here, before anything is written, is what lets a broken template stop
    the run with nothing changed; the files' bytes are made as they are written.
    """
    named = name_drafts(followups, folder, formats)
    if warnings is not None:
        warnings.extend(address_warnings(named))
    return render_drafts(named, settings, today, templates_dir)


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
    with _collector_paused():
        return [
            PlannedDraft(d.followup, renderer.note(d.followup), d.paths, d.formats, settings)
            for d in named
        ]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a run's notes are made.

    Every note made is kept until the drafts are written, and making them sets off collections
    that walk the whole heap (a big workbook's every contact) to free nothing: 15% of the
    rendering at 100,000 rows. Objects are still freed as usual when no longer referenced.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_drafts(
    planned: Sequence[PlannedDraft], folder: Path, extra: Sequence[tuple[Path, Content]] = ()
) -> list[DraftResult]:
    """Write the planned drafts (and the run's other files), never over a file the user edited.

    Each draft's files are made as they are written, so one draft's bytes are in memory at a time.
    Each file gets its name as soon as it is whole: a run stopped part way (a full disk) leaves
    the drafts it finished, recorded as the tool's own.
    """
    return draft_results(planned, _write(planned, folder, extra, None) or [])


def write_when_allowed(
    planned: Sequence[PlannedDraft],
    folder: Path,
    extra: Sequence[tuple[Path, Content]],
    allowed: Callable[[], bool],
    cancelled: Callable[[], bool] = lambda: False,
) -> list[Action] | None:
    """Write every file under a temporary name, then ask ``allowed()`` before naming any.

    This is what lets the drafts be written while the workbook is still being edited (see
    :mod:`sheet_followup.alongside`): until ``allowed()`` says so, no draft is visible under its
    own name and nothing is recorded, so a failed edit leaves the folder as it was. Returns each
    draft's action (its first format's), or None when ``allowed()`` said no and every
    temporary file is gone again.

    On the first run of the day the folder does not exist yet: then the files are written under
    their own names into a hidden folder beside it, which is renamed into place at once, one
    rename instead of one a file (a second of a 100,000-row run).

    ``cancelled()`` is asked every few hundred drafts: when it says the run has failed, the
    writing stops there and what was written goes, instead of writing thousands of files only
    to remove them.
    """
    checked = _Checked(planned, cancelled)
    paths = [path for draft in planned for path in draft.paths] + [path for path, _ in extra]
    try:
        if paths and all(path.parent == folder for path in paths) and not folder.exists():
            return _write_new_folder(checked, folder, extra, allowed)
        return _write(checked, folder, extra, allowed)
    except _Cancelled:
        return None


class _Cancelled(Exception):
    """The run failed while its drafts were being written: stop, and remove them."""


class _Checked(Sequence[PlannedDraft]):
    """The planned drafts, asking ``cancelled()`` every ``every`` drafts as they are walked."""

    def __init__(
        self, planned: Sequence[PlannedDraft], cancelled: Callable[[], bool], every: int = 256
    ) -> None:
        self.planned = planned
        self.cancelled = cancelled
        self.every = every

    def __len__(self) -> int:
        return len(self.planned)

    def __getitem__(self, index: Any) -> Any:
        return self.planned[index]

    def __iter__(self) -> Iterator[PlannedDraft]:
        for number, draft in enumerate(self.planned):
            if number % self.every == 0 and self.cancelled():
                raise _Cancelled
            yield draft


STAGING_PREFIX = ".~"  # then the day folder's name, "-", and the writing process's id


def _write_new_folder(
    planned: Sequence[PlannedDraft],
    folder: Path,
    extra: Sequence[tuple[Path, Content]],
    allowed: Callable[[], bool],
) -> list[Action] | None:
    parent = folder.parent
    made = _missing_folders(parent)
    _make_folder(parent, folder, parents=True)
    _remove_abandoned_staging(parent, folder.name)
    staging = parent / f"{STAGING_PREFIX}{folder.name}-{os.getpid()}"
    placed = False
    try:
        shutil.rmtree(staging, ignore_errors=True)  # left by a crashed run with the same id
        _make_folder(staging, folder)
        with _DraftsFolder(staging, direct=True) as target:
            actions = target.write_all(planned, extra, lambda path: staging / path.name)
            if not allowed():
                target.changed = False  # no manifest for a folder about to go
                return None
        # The manifest and the files are on disk (saved and flushed on leaving the block).
        try:
            os.rename(staging, folder)  # noqa: PTH104
        except OSError:
            # The folder appeared meanwhile (another run?): write into it as a rerun would.
            return _write(planned, folder, extra, None)
        placed = True
        _sync_folder(parent)
        return actions
    finally:
        if not placed:
            shutil.rmtree(staging, ignore_errors=True)
            _remove_empty(made)


def _make_folder(folder: Path, drafts: Path, *, parents: bool = False) -> None:
    """Make ``folder`` (the drafts folder ``drafts``, or a folder it needs), or say why not."""
    try:
        folder.mkdir(parents=parents, exist_ok=parents)
    except OSError as error:
        message = f"cannot create the drafts folder {drafts} ({error.strerror}); use --out DIR"
        raise SheetFollowupError(message) from error


def _remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders in order while each is empty: the innermost first."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break


def _missing_folders(folder: Path) -> list[Path]:
    """``folder`` and the parents of it that do not exist, innermost first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def _remove_abandoned_staging(parent: Path, name: str) -> None:
    """Hidden folders a killed run left half written (its process is gone) are removed."""
    prefix = f"{STAGING_PREFIX}{name}-"
    try:
        with os.scandir(parent) as entries:
            abandoned = [
                entry.path
                for entry in entries
                if entry.name.startswith(prefix)
                and entry.name[len(prefix) :].isdigit()
                and entry.is_dir(follow_symlinks=False)
                and not _process_exists(int(entry.name[len(prefix) :]))
            ]
    except OSError:
        return
    for path in abandoned:
        shutil.rmtree(path, ignore_errors=True)


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return False  # this run's own name: a crashed run's, since this run has not started it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, OverflowError):
        return True  # someone else's process, or cannot tell: left alone
    return True


def _sync_folder(folder: Path) -> None:
    """Make the renames in ``folder`` last on disk (POSIX; Windows cannot open a folder)."""
    if os.name == "nt":
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EACCES):
            message = f"cannot write the drafts in {folder} ({error.strerror})"
            raise SheetFollowupError(message) from error


def _write(
    planned: Sequence[PlannedDraft],
    folder: Path,
    extra: Sequence[tuple[Path, Content]],
    allowed: Callable[[], bool] | None,
) -> list[Action] | None:
    if not planned and not extra:
        return [] if allowed is None or allowed() else None
    with _DraftsFolder(folder, deferred=allowed is not None) as target:
        actions = target.write_all(planned, extra)
        if allowed is not None:
            if not allowed():
                target.discard()
                return None
            target.place()
    return actions


def draft_results(
    planned: Sequence[NamedDraft | PlannedDraft], actions: Sequence[Action]
) -> list[DraftResult]:
    """Each planned draft with what happened to it."""
    return [
        DraftResult(draft.followup, draft.path, action, draft.paths)
        for draft, action in zip(planned, actions, strict=True)
    ]


def write_files(folder: Path, files: Sequence[tuple[Path, Content]]) -> dict[Path, Action]:
    """Write files the tool owns in ``folder``; one the user changed since is kept as it is."""
    with _DraftsFolder(folder) as target:
        return {path: target.write(path, content) for path, content in files}


class _DraftsFolder:
    """A drafts folder being written: what it holds, its manifest, and where to write next.

    A file is written under a temporary name and renamed, so none is ever half-written under
    its own name; ``deferred`` keeps every rename until :meth:`place` (or none, after
    :meth:`discard`). Nothing is flushed to disk file by file (that was most of a big run's time):
    the manifest, written last, and the folder are flushed once, at the end. A run that fails
    part way still records the files it wrote, so the next run knows them for the tool's own.
    """

    def __init__(self, folder: Path, *, deferred: bool = False, direct: bool = False) -> None:
        # The folders this run makes, innermost first: discarded drafts take them away again.
        self.made = _missing_folders(folder) if deferred else []
        _make_folder(folder, folder, parents=True)
        self.folder = folder
        self.manifest = _read_manifest(folder)
        self.changed = False
        # direct: a hidden folder of this run's own, where each file is written under its own
        # name, since nothing in it is seen until the folder is renamed.
        self.direct = direct
        # Deferred renames: (temporary name, file, its digest), in the order written.
        self.deferred = deferred
        self.pending: list[tuple[str, Path, str]] = []
        # Temporary names: the process's own, so no random part to make (as mkstemp does), and
        # short whatever the draft's name, which may be near the length limit. Plain strings:
        # a Path each cost more than writing a draft.
        self.temp_prefix = os.path.join(folder, f".~{os.getpid()}-")  # noqa: PTH118
        self.temps = 0
        # One listing instead of a look-up per file: most names are not there yet.
        self.names: set[str] | None
        try:
            with os.scandir(folder) as entries:
                self.names = {entry.name for entry in entries}
        except OSError:
            self.names = None  # ask about each file instead
        self.folded: set[str] | None = None  # the names as a case-insensitive system sees them

    def __enter__(self) -> _DraftsFolder:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        self.discard()  # what is still pending when the folder is left is not wanted
        if error is None:
            self.save()
        elif self.changed:
            with contextlib.suppress(SheetFollowupError):  # the first error is the one to tell
                self.save()

    def write(self, path: Path, content: Content) -> Action:
        """Write one file unless the user changed it since the tool wrote it."""
        name = path.name
        action: Action = "written"
        current = self._current_digest(path) if self._may_exist(name, path) else None
        if current == _EMPTY_DIGEST and self.manifest.get(name) != current:
            # An empty file holds nothing of the user's: what a crash or a power cut leaves of
            # a draft whose bytes never reached the disk. It is written again, as a deleted
            # draft would be, rather than kept as an edit.
            current = None
        if current is not None:
            if current != self.manifest.get(name):
                return "kept"
            action = "rewritten"
        if isinstance(content, bytes):
            digest = _digest(content)
            if digest == current:
                return "unchanged"
            temp = self._stage(path, (content,), None, final=self.direct)
        else:
            hasher = hashlib.sha256()
            temp = self._stage(path, content(), hasher, final=self.direct)
            digest = hasher.hexdigest()
            if digest == current:
                with contextlib.suppress(OSError):
                    os.unlink(temp)  # noqa: PTH108 (a plain string, see temp_prefix)
                return "unchanged"
        if self.direct:
            self.manifest[name] = digest
            self.changed = True
        elif self.deferred:
            self.pending.append((temp, path, digest))
        else:
            self._name(temp, path, digest)
        return action

    def write_all(
        self,
        planned: Iterable[PlannedDraft],
        extra: Iterable[tuple[Path, Content]],
        where: Callable[[Path], Path] = lambda path: path,
    ) -> list[Action]:
        """Write each draft's files, then the run's other files, each at ``where(path)``;
        returns each draft's action (its first format's)."""
        actions = []
        for draft in planned:
            each = [
                self.write(where(path), draft_file(draft.note, fmt, draft.settings))
                for path, fmt in zip(draft.paths, draft.formats, strict=True)
            ]
            actions.append(each[0])
        for path, content in extra:
            self.write(where(path), content)
        return actions

    def place(self) -> None:
        """Give every deferred file its own name."""
        pending, self.pending = self.pending, []
        for done, (temp, path, digest) in enumerate(pending):
            try:
                self._name(temp, path, digest)
            except BaseException:
                self.pending = pending[done + 1 :]  # this one's temporary file is gone already
                raise

    def discard(self) -> None:
        """Remove every deferred file that has not been given its own name, and the folders
        made for them when nothing else went in."""
        if not self.pending:
            return
        for temp, _, _ in self.pending:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # noqa: PTH108
        self.pending.clear()
        if not self.changed:
            _remove_empty(self.made)

    def _name(self, temp: str, path: Path, digest: str) -> None:
        self._replace(path, temp)
        self.manifest[path.name] = digest
        self.changed = True

    def save(self) -> None:
        """Write the manifest, then make it and the renames before it last on disk."""
        if not self.changed:
            return
        path = self.folder / MANIFEST
        data = _manifest_text(self.manifest).encode()
        self._replace(path, self._stage(path, (data,), None, sync=True))
        self.changed = False
        _sync_folder(self.folder)

    def _may_exist(self, name: str, path: Path) -> bool:
        if self.names is None:
            return path.exists()
        if name in self.names:
            return True
        if not self.names:
            return False  # a new folder, as on most runs
        # A case-insensitive file system (Windows, macOS) finds the file under another spelling.
        if self.folded is None:
            self.folded = {_folded(listed) for listed in self.names}
        return _folded(name) in self.folded and path.exists()

    def _current_digest(self, path: Path) -> str | None:
        hasher = hashlib.sha256()
        try:
            with path.open("rb", buffering=0) as stream:
                while chunk := stream.read(1 << 20):
                    hasher.update(chunk)
        except FileNotFoundError:
            return None
        except OSError as error:
            message = f"cannot read {path} ({error.strerror}); move it away, or use --out DIR"
            raise SheetFollowupError(message) from error
        return hasher.hexdigest()

    def _stage(
        self,
        path: Path,
        chunks: Iterable[bytes],
        hasher: hashlib._Hash | None,
        *,
        sync: bool = False,
        final: bool = False,
    ) -> str:
        """Write ``chunks`` to a new temporary file beside ``path`` (or, ``final``, to ``path``
        itself); return its name."""
        while True:
            if final:
                temp = os.fspath(path)
            else:
                self.temps += 1
                temp = f"{self.temp_prefix}{self.temps}.tmp"
            try:
                handle = os.open(temp, _NEW_FILE, 0o600)
                break
            except FileExistsError:  # left by a crashed run of a process with the same id
                if final:
                    raise _write_error(path, FileExistsError(errno.EEXIST, "exists")) from None
                continue
            except OSError as error:
                raise _write_error(path, error) from error
        try:
            try:
                for data in chunks if isinstance(chunks, tuple) else _in_large_pieces(chunks):
                    if hasher is not None:
                        hasher.update(data)
                    _write_all(handle, data)
                if sync:
                    os.fsync(handle)
            finally:
                os.close(handle)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # noqa: PTH108
            raise _write_error(path, error) from error
        return temp

    def _replace(self, path: Path, temp: str) -> None:
        try:
            os.replace(temp, path)  # noqa: PTH105
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # noqa: PTH108
            raise _write_error(path, error) from error


_EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _write_error(path: Path, error: OSError) -> SheetFollowupError:
    return SheetFollowupError(f"cannot write the draft {path} ({error.strerror}); use --out DIR")


def _write_all(handle: int, data: bytes) -> None:
    done = os.write(handle, data)
    while done < len(data):  # a write may stop short (a signal, a nearly full disk)
        written = os.write(handle, memoryview(data)[done:])
        if not written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        done += written


def _in_large_pieces(chunks: Iterable[bytes], size: int = 1 << 20) -> Iterable[bytes]:
    """Chunks joined into pieces of about ``size`` bytes: one system call each, not one a row."""
    pending: list[bytes] = []
    pending_size = 0
    for chunk in chunks:
        pending.append(chunk)
        pending_size += len(chunk)
        if pending_size >= size:
            yield pending[0] if len(pending) == 1 else b"".join(pending)
            pending, pending_size = [], 0
    if pending:
        yield pending[0] if len(pending) == 1 else b"".join(pending)


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifest_text(manifest: dict[str, str]) -> str:
    """``json.dumps(manifest, indent=1, sort_keys=True)``, with json's C encoder.

    Any indent makes json encode in Python, half a second at 100,000 rows; separators put each
    entry on a line of its own just the same (the manifest is one level of strings).
    """
    if not manifest:
        return "{}"
    text = json.dumps(manifest, sort_keys=True, separators=(",\n ", ": "))
    return "{\n " + text[1:-1] + "\n}"


def _read_manifest(folder: Path) -> dict[str, str]:
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no manifest: every existing draft counts as the user's
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
