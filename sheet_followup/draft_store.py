"""A day's drafts folder: its files written safely, as one transaction with the workbook.

The user edits drafts before sending them, so a file is rewritten only while it still holds
exactly what the tool wrote: a manifest of content hashes in each day's folder
(``.sheet-followup.json``) tells the tool's own files from the user's edits. A second file,
``.sheet-followup-notes.json``, remembers each note as the tool wrote it (see
:mod:`.note_records`).

A run's files are a transaction with its workbook: every file is written under a temporary
name first, given its own name only once the workbook has been replaced (:meth:`DraftsFolder.
commit`), and removed again if the run fails (:meth:`DraftsFolder.discard`). On the day's first
run the folder does not exist yet: the files are then written under their own names into a
hidden folder beside it (``.~2026-11-23-<process id>``), renamed into place in one step, one
rename instead of one a file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeAlias

from sheet_followup.errors import SheetFollowupError
from sheet_followup.made_folders import missing_folders, remove_empty
from sheet_followup.note_records import NOTES, NoteRecord, read_records
from sheet_followup.xlsx.replace import sync_folder

MANIFEST = ".sheet-followup.json"

Action = Literal["written", "rewritten", "unchanged", "kept"]
# A file's content: its bytes, or a function giving them piece by piece, for a file too big to
# hold whole: the index of a 100,000-row run, a mailto: link per draft, is over 40 MB.
Content: TypeAlias = "bytes | Callable[[], Iterable[bytes]]"


def read_manifest(folder: Path) -> dict[str, str]:
    """File name -> digest of what the tool last wrote there; {} without a manifest."""
    try:
        loaded = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # no manifest: every existing draft counts as the user's
    return {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}


def file_digest(path: Path) -> str | None:
    """The digest of a file as it is now; None when there is no such file, or it is empty (what
    a crash leaves of a draft whose bytes never reached the disk: nothing of the user's)."""
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
    digest = hasher.hexdigest()
    return None if digest == _EMPTY_DIGEST else digest


@dataclass(frozen=True)
class Retired:
    """A note of an earlier run of the day that is no longer due: its formats the user never
    touched are removed, one they edited stays."""

    path: Path  # the file the summary names: the one the user edited, when one is kept
    kept: bool  # the user edited it, so it stays
    removed: tuple[str, ...] = ()  # the names of its files this run removes


class DraftsFolder:
    """A day's drafts folder being written: what it holds, its manifest, its note records.

    With ``deferred``, every file goes under a temporary name and keeps it until
    :meth:`commit` (or is removed by :meth:`discard`), so a run that fails leaves the folder as
    it was. :meth:`prepare` writes the new manifest and note records beside them, so that what
    is left for :meth:`commit`, after the workbook is replaced, is renames only. Nothing is
    flushed to disk file by file (that was most of a big run's time): once, at the end. A
    deferred folder is locked for its run: a second run at the same time is refused before it
    reads or writes anything, rather than losing one run's manifest.
    """

    def __init__(self, folder: Path, *, deferred: bool = False) -> None:
        # The folder the drafts are for; on a day's first run they are written into a hidden
        # one beside it (``staged``) that becomes it on commit.
        self.final = folder
        # The folders this run makes, innermost first: a discarded run takes them away again
        # (``tidy``, once the lock beside the day's folder is gone too).
        self.made = missing_folders(folder)
        self.tidy = False
        self.lock: Path | None = None
        try:
            if deferred:
                _make_folder(folder.parent, folder)
                _remove_abandoned_staging(folder.parent)
                self.lock = _take_lock(folder)
            self._open(folder, deferred)
        except BaseException:
            self._unlock()
            remove_empty(made for made in self.made if made != folder)
            raise

    def _open(self, folder: Path, deferred: bool) -> None:
        self.staged = deferred and not self.final.exists()
        if self.staged:
            parent = folder.parent
            self.made = [made for made in self.made if made != folder]
            folder = parent / f"{STAGING_PREFIX}{folder.name}-{os.getpid()}"
            shutil.rmtree(folder, ignore_errors=True)  # left by a crashed run with the same id
        _make_folder(folder, self.final)
        self.folder = folder
        self.manifest = read_manifest(folder)
        self.records = read_records(folder)
        self.changed = False
        self.deferred = deferred
        self.pending: list[tuple[str, Path, str]] = []  # (temporary name, file, its digest)
        self.written: set[str] = set()  # the names this run wrote or kept
        self.retiring: list[Path] = []  # drafts no longer due, removed on commit
        # Temporary names: the process's own, so no random part to make (as mkstemp does), and
        # short whatever the draft's name. Plain strings: a Path each cost more than writing.
        self.temp_prefix = os.path.join(folder, f".~{os.getpid()}-")  # noqa: PTH118
        self.temp_folder = os.path.join(folder, "")  # noqa: PTH118 (the folder, with a "/")
        self.temps = 0
        try:
            with os.scandir(folder) as entries:
                self.names: set[str] | None = {entry.name for entry in entries}
        except OSError:
            self.names = None  # ask about each file instead
        self.folded: set[str] | None = None  # the names as a case-insensitive system sees them
        self.prepared: list[tuple[str, Path]] = []  # the new records and manifest, staged
        if deferred and self.names:
            _remove_abandoned_temps(folder, self.names)

    def __enter__(self) -> DraftsFolder:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        try:
            self.discard()  # what is still pending when the folder is left is not wanted
            if error is None:
                self.save()
            elif self.changed:
                # Files already named are the tool's: recorded, so the next run may rewrite
                # them.
                with contextlib.suppress(SheetFollowupError):  # the first error is the one
                    self.save()
        finally:
            self._unlock()
            if self.tidy:
                remove_empty(self.made)

    def _unlock(self) -> None:
        if self.lock is not None:
            with contextlib.suppress(OSError):
                self.lock.unlink()
            self.lock = None

    def write(self, path: Path, content: Content) -> Action:
        """Write one file unless the user changed it since the tool wrote it (a symbolic link
        in its place is never the tool's: left as it is, and never read)."""
        name = path.name
        self.written.add(name)
        if (self.names is None or name in self.names) and path.is_symlink():
            return "kept"
        if self.staged:
            # Nobody sees the hidden folder: each file goes straight under its own name.
            return self._write_staged(name, content)
        action: Action = "written"
        current = file_digest(path) if self._may_exist(name, path) else None
        if current is not None:
            if current != self.manifest.get(name):
                return "kept"
            action = "rewritten"
        if isinstance(content, bytes):
            digest = _digest(content)
            if digest == current:
                return "unchanged"
            temp = self._stage(path, (content,), None)
        else:
            hasher = hashlib.sha256()
            temp = self._stage(path, content(), hasher)
            digest = hasher.hexdigest()
            if digest == current:
                with contextlib.suppress(OSError):
                    os.unlink(temp)  # noqa: PTH108 (a plain string, see temp_prefix)
                return "unchanged"
        if self.deferred:
            self.pending.append((temp, path, digest))
        else:
            self._name(temp, path, digest)
        return action

    def _write_staged(self, name: str, content: Content) -> Action:
        hasher = hashlib.sha256()
        chunks = (content,) if isinstance(content, bytes) else content()
        # A plain string: a Path made for each of thousands of drafts cost a third of writing
        # them. An error names the file where the user will look for it, not the hidden folder
        # (which the failed run takes away).
        path = self.temp_folder + name
        try:
            handle = os.open(path, _NEW_FILE, 0o600)
        except OSError as error:
            raise _staged_write_error(self.final / name, error) from error
        try:
            try:
                for data in chunks if isinstance(chunks, tuple) else _in_large_pieces(chunks):
                    hasher.update(data)
                    _write_all(handle, data)
            finally:
                os.close(handle)
        except OSError as error:
            raise _staged_write_error(self.final / name, error) from error
        self.manifest[name] = hasher.hexdigest()
        self.changed = True
        return "written"

    def remember(self, stem: str, record: NoteRecord) -> None:
        """Keep what the tool knows of a note it wrote, for `sent` and later runs."""
        if self.records.get(stem) != record:
            self.records[stem] = record
            self.changed = True

    def retire(self, keep: Iterable[str] = ()) -> list[Retired]:
        """The tool's notes that this run did not write again (no longer due), one entry per
        note; their files are removed when the run commits, but one the user edited stays.
        ``keep`` are names that are not drafts (the index, the calendar)."""
        spared = set(keep) | self.written
        notes: dict[str, tuple[list[str], list[Path]]] = {}
        for name in sorted(set(self.manifest) - spared):
            path = self.folder / name
            removed, edited = notes.setdefault(name.rpartition(".")[0] or name, ([], []))
            current = file_digest(path)
            if current is None or current == self.manifest[name]:
                self.retiring.append(path)
                if current is not None:
                    removed.append(name)
            else:
                edited.append(path)
        retired = []
        for removed, edited in notes.values():
            if edited:
                retired.append(Retired(edited[0], kept=True, removed=tuple(removed)))
            elif removed:
                first = min(removed, key=_format_order)
                retired.append(Retired(self.folder / first, kept=False, removed=tuple(removed)))
        return retired

    def nothing_of_the_users(self, keep: Iterable[str]) -> bool:
        """Whether the folder would hold nothing but the tool's bookkeeping (and ``keep``)
        once the drafts being retired are gone: a day with nothing due, better not there."""
        allowed = {MANIFEST, NOTES, *keep, *(path.name for path in self.retiring)}
        try:
            with os.scandir(self.folder) as entries:
                names = {entry.name for entry in entries}
        except OSError:
            return False
        temps = {os.path.basename(temp) for temp, _, _ in self.pending}  # noqa: PTH119
        return names - temps <= allowed

    def commit(self) -> None:
        """Give every deferred file its own name, remove the drafts retired, then write the
        manifest; or, on a day's first run, put the hidden folder in place."""
        if not self.prepared:
            self.prepare()
        if self.staged:
            self._place()
            return
        pending, self.pending = self.pending, []
        for done, (temp, path, digest) in enumerate(pending):
            try:
                self._name(temp, path, digest)
            except BaseException:
                self.pending = pending[done + 1 :]  # this one's temporary file is gone already
                raise
        for path in self.retiring:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            self._forget(path.name)
        self.retiring.clear()
        # The records, then the manifest, written by prepare(): renames, the manifest last.
        prepared, self.prepared = self.prepared, []
        for temp, path in prepared:
            self._replace(path, temp)
        self.changed = False
        _sync_folder(self.folder)

    def prepare(self) -> None:
        """Write the manifest and the note records as they will be once the run commits, under
        temporary names (or, in a day's new hidden folder, under their own), and flush it all:
        after this, committing is only renames, which a full disk cannot stop."""
        if self.prepared or not self.folder.is_dir():
            return
        if self.staged:
            self.save()
            self.prepared = [("", self.folder)]  # a marker: nothing else to write
            return
        manifest = dict(self.manifest)
        manifest.update((path.name, digest) for _, path, digest in self.pending)
        for path in self.retiring:
            manifest.pop(path.name, None)
        staged = []
        notes = self._notes_text(manifest)
        if notes is not None:
            path = self.folder / NOTES
            staged.append((self._stage(path, (notes.encode(),), None, sync=True), path))
        path = self.folder / MANIFEST
        data = _manifest_text(manifest).encode()
        staged.append((self._stage(path, (data,), None, sync=True), path))
        self.prepared = staged

    def _place(self) -> None:
        self.save()  # the manifest and the files, flushed, before the folder is seen
        staging, self.staged = self.folder, False
        try:
            os.rename(staging, self.final)  # noqa: PTH104
        except OSError:
            # The folder appeared meanwhile (another run?): move the drafts into it, keeping
            # whatever is already there, as a rerun would.
            with DraftsFolder(self.final) as into:
                for stem, record in self.records.items():
                    into.remember(stem, record)
                for name in self.manifest:
                    into.write(self.final / name, (staging / name).read_bytes())
            shutil.rmtree(staging, ignore_errors=True)
            return
        self.folder = self.final
        _sync_folder(self.final.parent)

    def discard(self) -> None:
        """Remove every deferred file not yet given its own name, and the folders made for
        them when nothing else went in."""
        if self.staged:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.staged = False
            self.changed = False
            self.prepared.clear()
            self.tidy = True
            return
        for temp in [t for t, _, _ in self.pending] + [t for t, _ in self.prepared if t]:
            with contextlib.suppress(OSError):
                os.unlink(temp)  # noqa: PTH108
        self.pending.clear()
        self.prepared.clear()
        if not self.changed:
            self.tidy = True

    def remove_folder(self) -> None:
        """Take away a folder left with nothing of the user's: a day with nothing due."""
        self.discard()
        for name in (MANIFEST, NOTES, *self.manifest, *(p.name for p in self.retiring)):
            with contextlib.suppress(OSError):
                (self.folder / name).unlink()
        self.changed = False
        self.manifest.clear()
        self.records.clear()
        with contextlib.suppress(OSError):
            self.folder.rmdir()
        self.made = [made for made in self.made if made != self.folder]
        self.tidy = True

    def _forget(self, name: str) -> None:
        self.manifest.pop(name, None)  # and its note's record, once no file of it is left (save)
        self.changed = True

    def _name(self, temp: str, path: Path, digest: str) -> None:
        self._replace(path, temp)
        self.manifest[path.name] = digest
        self.changed = True

    def save(self) -> None:
        """Write the manifest and the note records, then make them last on disk."""
        if not self.changed or not self.folder.is_dir():
            return
        notes = self._notes_text(self.manifest)
        if notes is not None:
            staged = self._stage(self.folder / NOTES, (notes.encode(),), None)
            self._replace(self.folder / NOTES, staged)
        path = self.folder / MANIFEST
        data = _manifest_text(self.manifest).encode()
        self._replace(path, self._stage(path, (data,), None, sync=True))
        self.changed = False
        _sync_folder(self.folder)

    def _notes_text(self, manifest: Mapping[str, str]) -> str | None:
        """The note records of the notes that have a file in ``manifest``, as JSON (None when
        there are none and never were)."""
        stems = {name.rpartition(".")[0] for name in manifest}
        records = {
            stem: record.as_json() for stem, record in sorted(self.records.items()) if stem in stems
        }
        if not records and not (self.folder / NOTES).exists():
            return None
        return json.dumps({"version": 1, "notes": records}, ensure_ascii=False)

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

    def _stage(
        self,
        path: Path,
        chunks: Iterable[bytes],
        hasher: hashlib._Hash | None,
        *,
        sync: bool = False,
    ) -> str:
        """Write ``chunks`` to a new temporary file beside ``path``; return its name."""
        while True:
            self.temps += 1
            temp = f"{self.temp_prefix}{self.temps}.tmp"
            try:
                handle = os.open(temp, _NEW_FILE, 0o600)
                break
            except FileExistsError:  # left by a crashed run of a process with the same id
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


def write_files(folder: Path, files: Sequence[tuple[Path, Content]]) -> dict[Path, Action]:
    """Write files the tool owns in ``folder``; one the user changed since is kept as it is."""
    with DraftsFolder(folder) as target:
        return {path: target.write(path, content) for path, content in files}


def day_folders(root: Path, *, until: str) -> Iterator[Path]:
    """The day folders under a drafts root (``2026-11-23``), newest first, none after ``until``."""
    try:
        names = sorted(
            (entry.name for entry in os.scandir(root) if _is_day(entry.name) and entry.is_dir()),
            reverse=True,
        )
    except OSError:
        return
    for name in names:
        if name <= until:
            yield root / name


def _is_day(name: str) -> bool:
    return len(name) == 10 and name[4] == name[7] == "-" and name.replace("-", "").isdigit()


_EMPTY_DIGEST = hashlib.sha256(b"").hexdigest()
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def _make_folder(folder: Path, drafts: Path) -> None:
    """Make ``folder`` and its parents, or say why not (naming the file in the way, if one is:
    "File exists" about a folder that does not exist helps nobody)."""
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        message = (
            f"cannot create the drafts folder {drafts}: {blocking} is a file, not a folder; "
            "nothing was changed. Move the file away, or name another folder with --out DIR"
        )
        raise SheetFollowupError(message)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        message = (
            f"cannot create the drafts folder {drafts} ({error.strerror}); nothing was "
            "changed. Name a folder you can write to with --out DIR"
        )
        raise SheetFollowupError(message) from error


STAGING_PREFIX = ".~"  # then the day folder's name, "-", and the writing process's id
LOCK_SUFFIX = ".lock"  # .~2026-11-23.lock beside the day's folder, holding the run's process id


def _take_lock(folder: Path) -> Path:
    """Claim the day's folder for this run, or say which run has it; a lock whose process is
    gone (a killed run's) is taken over."""
    lock = folder.parent / f"{STAGING_PREFIX}{folder.name}{LOCK_SUFFIX}"
    for _ in range(3):
        try:
            handle = os.open(lock, _NEW_FILE, 0o600)
        except FileExistsError:
            try:
                holder = int(lock.read_text(encoding="ascii").strip() or "0")
            except (OSError, ValueError):
                holder = 0
            if holder and holder != os.getpid() and _process_exists(holder):
                message = (
                    f"another sheet-followup run (process {holder}) is writing the drafts in "
                    f"{folder}; nothing was changed: wait for it to finish and run again"
                )
                raise SheetFollowupError(message) from None
            with contextlib.suppress(OSError):
                lock.unlink()  # a killed run's
            continue
        except OSError as error:
            raise _write_error(lock, error) from error
        try:
            try:
                _write_all(handle, str(os.getpid()).encode())
            finally:
                os.close(handle)
        except OSError as error:
            with contextlib.suppress(OSError):
                lock.unlink()
            raise _write_error(lock, error) from error
        return lock
    message = f"cannot lock the drafts folder {folder}; nothing was changed: run again"
    raise SheetFollowupError(message)


def _remove_abandoned_temps(folder: Path, names: Iterable[str]) -> None:
    """The temporary files a killed run left in a day's folder (``.~<its process id>-<n>.tmp``)
    are removed, whatever their age; a running process's are left alone."""
    mine = f".~{os.getpid()}-"
    for name in names:
        if not (name.startswith(".~") and name.endswith(".tmp")) or name.startswith(mine):
            continue
        pid = name[2:].partition("-")[0]
        if pid.isdigit() and not _process_exists(int(pid)):
            with contextlib.suppress(OSError):
                (folder / name).unlink()


def _remove_abandoned_staging(parent: Path) -> None:
    """What killed runs left beside the day folders, whatever their day and age, once their
    process is gone: hidden folders half written (``.~2026-11-23-<pid>``) and locks
    (``.~2026-11-23.lock`` holding the pid)."""
    try:
        with os.scandir(parent) as entries:
            names = [(e.name, e.is_dir(follow_symlinks=False)) for e in entries]
    except OSError:
        return
    for name, is_folder in names:
        if not name.startswith(STAGING_PREFIX) or not _is_day(name[2:12]):
            continue
        rest = name[12:]
        if is_folder and rest[:1] == "-" and rest[1:].isdigit():
            if not _process_exists(int(rest[1:])):
                shutil.rmtree(parent / name, ignore_errors=True)
        elif rest == LOCK_SUFFIX and not is_folder:
            try:
                holder = (parent / name).read_text(encoding="ascii").strip()
            except (OSError, UnicodeDecodeError):
                continue
            if holder.isdigit() and not _process_exists(int(holder)):
                with contextlib.suppress(OSError):
                    (parent / name).unlink()


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
    try:
        sync_folder(folder)
    except OSError as error:
        message = f"cannot write the drafts in {folder} ({error.strerror})"
        raise SheetFollowupError(message) from error


def _write_error(path: Path, error: OSError) -> SheetFollowupError:
    return SheetFollowupError(f"cannot write the draft {path} ({error.strerror}); use --out DIR")


def _staged_write_error(path: Path, error: OSError) -> SheetFollowupError:
    """A staged draft fails before the workbook is written, and the staging is taken away:
    the message says so, as a run's other failures do."""
    message = (
        f"cannot write the draft {path} ({error.strerror}); the workbook and the drafts "
        "folder were not changed; free some space or use --out DIR"
    )
    return SheetFollowupError(message)


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


def _format_order(name: str) -> tuple[int, str]:
    """The Markdown file first, as the summary and the Draft cell name a note by it."""
    return (0 if name.endswith(".md") else 1, name)


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
