"""A real, throwaway Dovecot IMAP server for the tests that talk IMAP.

Each :class:`Dovecot` is its own Dovecot instance: its own configuration file, base_dir,
state_dir and log, listening on a free port of 127.0.0.1, with users from a passwd-file and
Maildir storage. It starts in tens of milliseconds; nothing of the system's Dovecot
(/etc/dovecot, port 143, the system instance) is read or touched.

In a test module, make a fixture with :func:`dovecot_fixture` (or take the ready-made
function-scoped :func:`dovecot`)::

    from tests.dovecot import Dovecot, dovecot_fixture, mail

    imap = dovecot_fixture()                      # a fresh server for each test
    old_imap = dovecot_fixture(uidplus=False)     # any option of Dovecot.start

    def test_something(imap: Dovecot) -> None:
        uid = imap.append("INBOX", mail(sender=..., to=..., subject=..., date=...))
        ...  # point the code under test at imap.host, imap.port, "jane", imap.users["jane"]
        assert imap.messages("Drafts") == [...]

The fixture skips the test, loudly, when Dovecot cannot run here (see
:func:`dovecot_available`). Outside pytest, ``with Dovecot.start(folder) as server:`` works.

Where the files are. The given folder holds what Dovecot's root processes read and write: the
configuration ``dovecot.conf``, the log ``dovecot.log`` (read it when a test fails),
``startup.log`` (the daemon's stderr: configuration errors land there), ``state/`` and, for
TLS, ``tls/``. Dovecot's unprivileged processes (mail as nobody, auth as dovecot, login as
dovenull) cannot reach into pytest's tmp_path, whose root is private to root (mode 0700), so
the sockets (base_dir), the passwd-file and the mail live in a private directory of the
system's temporary folder (``Dovecot.runtime``), removed when the server has stopped.

Running as root, as CI does, is required: Dovecot switches to those users itself.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import email.policy
import email.utils
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Final, Literal, NamedTuple, TypedDict

import imapclient  # type: ignore[import-untyped, unused-ignore]
import pytest

if TYPE_CHECKING:
    from typing_extensions import Self, Unpack

HOST: Final = "127.0.0.1"
"""The only address the servers listen on."""

DEFAULT_USERS: Final[Mapping[str, str]] = {"jane": "secret"}
"""The users of a server unless told otherwise: name to password."""

SPECIAL_USE: Final[Mapping[str, str]] = {
    "drafts": "\\Drafts",
    "sent": "\\Sent",
    "trash": "\\Trash",
    "junk": "\\Junk",
    "archive": "\\Archive",
}
"""The roles a folder can have (keys of ``folders``) and their RFC 6154 special-use flag."""

DEFAULT_FOLDERS: Final[Mapping[str, str]] = {"drafts": "Drafts", "sent": "Sent", "trash": "Trash"}
"""The folders every user has besides INBOX, by role; ``folders=`` renames or adds to them."""

NOBODY: Final = 65534
"""The uid and gid the mail is stored as (nobody/nogroup on Debian)."""

START_TIMEOUT: Final = 10.0
"""Seconds to wait for a server to answer before giving up with its log."""

STOP_TIMEOUT: Final = 10.0
"""Seconds to wait after SIGTERM before SIGKILL (Dovecot's own shutdown takes about 1 s)."""

CLIENT_TIMEOUT: Final = 10.0
"""Socket timeout of the clients the helpers open, so a stuck server fails a test, not CI."""

_PORT_ATTEMPTS: Final = 5
_ADDRESS_IN_USE: Final = "Address already in use"


class DovecotError(RuntimeError):
    """The server did not start, or did not do what was asked; the message has its log."""


class StoredMessage(NamedTuple):
    """One message of a folder, as :meth:`Dovecot.messages` reads it."""

    uid: int
    flags: set[str]
    raw: bytes


class Options(TypedDict, total=False):
    """The keyword arguments of :meth:`Dovecot.start`, for the helpers that pass them on."""

    users: Mapping[str, str]
    uidplus: bool
    hide_capabilities: Iterable[str]
    special_use: bool
    folders: Mapping[str, str]
    separator: str | None
    tls: bool


def dovecot_binary() -> str | None:
    """The path of the dovecot program, or None when it is not installed."""
    if Path("/usr/sbin/dovecot").is_file():
        return "/usr/sbin/dovecot"
    return shutil.which("dovecot")


def dovecot_available() -> str | None:
    """None when a test server can run here, else why not (for ``pytest.skip``)."""
    if dovecot_binary() is None:
        return (
            "Dovecot is not installed: no /usr/sbin/dovecot and no dovecot on PATH "
            "(apt-get install dovecot-imapd)"
        )
    if os.geteuid() != 0:
        return "the Dovecot test server must run as root (it switches to nobody, dovecot, dovenull)"
    for user in ("dovecot", "dovenull"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            return f"the system user {user!r} of Dovecot's package is missing"
    return None


class Dovecot:
    """One running Dovecot IMAP server; start it with :meth:`start`, stop it with :meth:`stop`.

    Attributes: ``host`` and ``port`` (plain IMAP; with ``tls=True`` it requires STARTTLS),
    ``tls_port`` (implicit TLS, None without ``tls``), ``cert_path`` (the self-signed
    certificate, None without ``tls``), ``users`` (name to password), ``folders`` (role to
    folder name, e.g. ``{"drafts": "Drafts", ...}``), ``separator`` (the hierarchy separator),
    ``capabilities`` (what the server advertises after login, upper case),
    ``hidden_capabilities`` (what it was told not to advertise), ``folder`` (the
    given folder), ``runtime`` (sockets, passwd-file, mail), ``config_path``, ``log_path``.
    """

    host: str = HOST

    def __init__(
        self,
        folder: Path,
        *,
        users: Mapping[str, str] | None = None,
        uidplus: bool = True,
        hide_capabilities: Iterable[str] = (),
        special_use: bool = True,
        folders: Mapping[str, str] | None = None,
        separator: str | None = None,
        tls: bool = False,
    ) -> None:
        """Prepare a server in ``folder`` without starting it; most callers want :meth:`start`."""
        self.folder = Path(folder).resolve()
        self.users: dict[str, str] = dict(DEFAULT_USERS if users is None else users)
        if not self.users:
            raise ValueError("a Dovecot test server needs at least one user")
        for user, password in self.users.items():
            _check_user(user, password)
        hidden = {capability.upper() for capability in hide_capabilities}
        if not uidplus:
            hidden.add("UIDPLUS")
        self.hidden_capabilities = frozenset(hidden)
        self.special_use = special_use
        self.folders: dict[str, str] = {**DEFAULT_FOLDERS, **(folders or {})}
        for role, name in self.folders.items():
            if role not in SPECIAL_USE:
                raise ValueError(f"unknown folder role {role!r}: one of {', '.join(SPECIAL_USE)}")
            if not name or any(char in name for char in '"\\\r\n{}') or name.upper() == "INBOX":
                raise ValueError(f"unusable folder name {name!r}")
        if len(set(self.folders.values())) < len(self.folders):
            raise ValueError(f"two roles share a folder: {self.folders}")
        if separator is None:
            separator = "/" if any("/" in name for name in self.folders.values()) else "."
        self.separator = separator
        self.tls = tls
        self.port = 0
        self.tls_port: int | None = None
        self.cert_path: Path | None = None
        self.capabilities: tuple[str, ...] = ()
        self.config_path = self.folder / "dovecot.conf"
        self.log_path = self.folder / "dovecot.log"
        self.startup_log_path = self.folder / "startup.log"
        self.state_dir = self.folder / "state"
        self.runtime = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        self.base_dir = self.runtime / "run"
        self.passwd_path = self.runtime / "passwd"
        self.mail_root = self.runtime / "mail"
        self._imap_capability: str | None = None
        self._passwd_mtime_ns = 0
        self._pid: int | None = None
        self._started = False
        self._stopped = False
        _RUNNING.append(self)

    # ---- starting and stopping ----------------------------------------------------------

    @classmethod
    def start(
        cls,
        folder: Path,
        *,
        users: Mapping[str, str] | None = None,
        uidplus: bool = True,
        hide_capabilities: Iterable[str] = (),
        special_use: bool = True,
        folders: Mapping[str, str] | None = None,
        separator: str | None = None,
        tls: bool = False,
    ) -> Dovecot:
        """Start a server in ``folder`` (created if need be) and return it once it answers.

        ``users``: name to password (default ``{"jane": "secret"}``). ``uidplus=False``: the
        server advertises its usual capabilities without UIDPLUS, before and after login (it
        still sends APPENDUID and COPYUID codes: Dovecot cannot switch UIDPLUS off, only stop
        announcing it). ``hide_capabilities``: more to leave out the same way, e.g. ``{"MOVE",
        "SPECIAL-USE"}``. ``special_use=False``: the folders exist but carry no special-use
        flag, so clients must find them by name (Dovecot 2.3 still advertises SPECIAL-USE;
        hide it too for a server that never heard of RFC 6154). ``folders``: role to
        name, merged over :data:`DEFAULT_FOLDERS`, e.g. ``{"drafts": "[Gmail]/Drafts", "sent":
        "[Gmail]/Sent Mail"}``. ``separator``: the hierarchy separator, by default "/" when a
        folder name has one, else Dovecot's usual ".". ``tls=True``: a self-signed certificate
        for 127.0.0.1 (``cert_path``), ``ssl = required``, implicit TLS on ``tls_port`` and
        STARTTLS on ``port``; :meth:`client` then connects with TLS, trusting that certificate.
        """
        reason = dovecot_available()
        if reason is not None:
            raise DovecotError(reason)
        server = cls(
            folder,
            users=users,
            uidplus=uidplus,
            hide_capabilities=hide_capabilities,
            special_use=special_use,
            folders=folders,
            separator=separator,
            tls=tls,
        )
        _reap_pending()
        try:
            server._start()
        except BaseException:
            server.stop()
            raise
        return server

    def _start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(exist_ok=True)
        self.runtime.chmod(0o755)  # nobody, dovecot and dovenull go through it
        self.base_dir.mkdir()
        self.mail_root.mkdir()
        os.chown(self.mail_root, NOBODY, NOBODY)
        self.mail_root.chmod(0o700)
        self._write_passwd()
        if self.tls:
            self.cert_path = _self_signed_certificate(self.folder / "tls")
        self._launch()
        self.capabilities = self._logged_in_capabilities()
        if self.hidden_capabilities & set(self.capabilities):
            self._hide_capabilities()

    def _launch(self) -> None:
        """Run ``dovecot -c``, on new free ports while the last ones turn out taken."""
        binary = dovecot_binary()
        assert binary is not None
        for _attempt in range(_PORT_ATTEMPTS):
            ports = _free_ports(2 if self.tls else 1)
            self.port = ports[0]
            self.tls_port = ports[1] if self.tls else None
            self._write_config()
            log_offset = _size(self.log_path)
            with self.startup_log_path.open("ab") as startup_log:
                # Dovecot forks into the background; stdout and stderr must not be pipes, or
                # this waits for the daemon's end. A file keeps the startup errors readable.
                returncode = subprocess.run(
                    [binary, "-c", str(self.config_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=startup_log,
                    check=False,
                    timeout=START_TIMEOUT,
                ).returncode
            if returncode == 0:
                self._started = True
                self._wait_until_ready()
                return
            news = _read_from(self.log_path, log_offset) + self.startup_log_path.read_text(
                errors="replace"
            )
            if _ADDRESS_IN_USE not in news:
                raise self._error(f"dovecot -c {self.config_path} exited with {returncode}")
            self.startup_log_path.unlink()
        raise self._error(f"no free port for Dovecot after {_PORT_ATTEMPTS} tries")

    def _wait_until_ready(self) -> None:
        """Wait for the master's pid file and a greeting on the port (auth is up by then)."""
        deadline = time.monotonic() + START_TIMEOUT
        pid_file = self.base_dir / "master.pid"
        while time.monotonic() < deadline:
            if self._pid is None and pid_file.exists():
                with contextlib.suppress(ValueError):
                    self._pid = int(pid_file.read_text().strip())
            if self._pid is not None and not _alive(self._pid):
                raise self._error("Dovecot exited right after starting")
            if self._pid is not None and _greets(self.host, self.port):
                return
            time.sleep(0.01)
        raise self._error(f"Dovecot did not answer on {self.host}:{self.port} in {START_TIMEOUT} s")

    def _logged_in_capabilities(self) -> tuple[str, ...]:
        with self.client(next(iter(self.users))) as imap:
            return tuple(_text(capability) for capability in imap.capabilities())

    def _hide_capabilities(self) -> None:
        """Advertise what this very server advertises, less the hidden ones, and reload it.

        ``imap_capability`` replaces Dovecot's whole list, the parts it adds by configuration
        (LITERAL+, NOTIFY, SPECIAL-USE) included, so the list is read off the running server
        rather than written down here for one version of Dovecot. SIGHUP makes Dovecot
        re-read its configuration; the next logins show the new list.
        """
        kept = [c for c in self.capabilities if c not in self.hidden_capabilities]
        self._imap_capability = " ".join(kept)
        self._write_config()
        assert self._pid is not None
        os.kill(self._pid, signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        while self.hidden_capabilities & set(self.capabilities):
            if time.monotonic() > deadline:
                raise self._error("Dovecot still advertises what it should hide after a reload")
            time.sleep(0.01)
            with contextlib.suppress(OSError, imapclient.exceptions.IMAPClientError):
                self.capabilities = self._logged_in_capabilities()

    def stop(self, *, wait: bool = True) -> None:
        """Stop the server: SIGTERM to its master, then wait until it is gone.

        The wait takes about a second: Dovecot 2.3's master, its other processes gone, gives
        its log process a second before it exits itself. ``wait=False`` returns at once (the
        clients are gone by then, the port closes soon after): the process is waited for,
        SIGKILLed if need be, and its runtime directory removed when the next server starts or
        at exit. Stopping twice does nothing.
        """
        if self._stopped:
            return
        self._stopped = True
        if self._pid is not None and _alive(self._pid) and self._is_ours(self._pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)
        if wait:
            self._finish_stop(STOP_TIMEOUT)
        else:
            _PENDING.append(self)

    def _finish_stop(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for the master to go (SIGKILL it after STOP_TIMEOUT)."""
        pid = self._pid
        if pid is not None and not _wait_gone(pid, timeout):
            if timeout < STOP_TIMEOUT:
                return False
            if self._is_ours(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                _wait_gone(pid, 5.0)
        shutil.rmtree(self.runtime, ignore_errors=True)
        if self in _RUNNING:
            _RUNNING.remove(self)
        return True

    def _is_ours(self, pid: int) -> bool:
        """Whether ``pid`` still is this server's master (not a reused pid)."""
        if not Path("/proc/self/cmdline").exists():
            return True  # no /proc to ask: trust the pid file
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return os.fsencode(str(self.config_path)) in cmdline

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else "running" if self._started else "new"
        return f"<Dovecot {state} on {self.host}:{self.port}, log {self.log_path}>"

    # ---- configuration ------------------------------------------------------------------

    def _write_config(self) -> None:
        self.config_path.write_text(self._config())

    def _config(self) -> str:
        """The whole dovecot.conf: nothing comes from /etc/dovecot."""
        mailboxes = []
        for role, name in self.folders.items():
            flag = f"    special_use = {SPECIAL_USE[role]}\n" if self.special_use else ""
            mailboxes.append(f'  mailbox "{name}" {{\n{flag}    auto = create\n  }}\n')
        if self.tls:
            assert self.cert_path is not None
            ssl_lines = (
                "ssl = required\n"
                f"ssl_cert = <{self.cert_path}\n"
                f"ssl_key = <{self.cert_path.with_name('key.pem')}\n"
                "disable_plaintext_auth = yes\n"
            )
        else:
            ssl_lines = "ssl = no\ndisable_plaintext_auth = no\n"
        capability = (
            "" if self._imap_capability is None else f"imap_capability = {self._imap_capability}\n"
        )
        return (
            "# Written by tests/dovecot.py for one throwaway test server.\n"
            f"instance_name = {self.runtime.name}\n"
            f"base_dir = {self.base_dir}\n"
            f"state_dir = {self.state_dir}\n"
            f"log_path = {self.log_path}\n"
            f"listen = {self.host}\n"
            "protocols = imap\n"
            "auth_mechanisms = plain login\n"
            "auth_verbose = yes\n"
            "# A wrong password is answered in 0.5 s (Dovecot's timer), not 2 s.\n"
            "auth_failure_delay = 0\n"
            f"{ssl_lines}"
            f"{capability}"
            "# Dovecot starts as root; then mail runs as nobody, auth as dovecot, login as dovenull.\n"
            "default_internal_user = dovecot\n"
            "default_login_user = dovenull\n"
            "first_valid_uid = 1\n"
            f"mail_uid = {NOBODY}\n"
            f"mail_gid = {NOBODY}\n"
            f"mail_location = maildir:{self.mail_root}/%u\n"
            "mail_fsync = never\n"
            "passdb {\n"
            "  driver = passwd-file\n"
            f"  args = scheme=PLAIN {self.passwd_path}\n"
            "}\n"
            "userdb {\n"
            "  driver = static\n"
            f"  args = uid={NOBODY} gid={NOBODY} home={self.mail_root}/%u\n"
            "}\n"
            "service imap-login {\n"
            "  chroot =\n"
            "  inet_listener imap {\n"
            f"    port = {self.port}\n"
            "  }\n"
            "  inet_listener imaps {\n"
            f"    port = {self.tls_port or 0}\n"
            "  }\n"
            "}\n"
            "service anvil {\n"
            "  chroot =\n"
            "  # No auth penalty: after a failed login from 127.0.0.1 every login of the\n"
            "  # next seconds, right ones too, would wait 2 to 15 s.\n"
            "  unix_listener anvil-auth-penalty {\n"
            "    mode = 0\n"
            "  }\n"
            "}\n"
            "namespace inbox {\n"
            "  inbox = yes\n"
            f"  separator = {self.separator}\n"
            f"{''.join(mailboxes)}"
            "}\n"
        )

    def _write_passwd(self) -> None:
        """Write the passwd-file whole, so that Dovecot sees it change.

        Dovecot re-reads a passwd-file when its mtime (in seconds) or size changes; a rewrite in
        the same second with a password of the same length would go unseen, so the mtime always
        moves on by a second at least. The file is replaced whole, never seen half written.
        """
        lines = "".join(
            f"{user}:{{PLAIN}}{password}::::::\n" for user, password in self.users.items()
        )
        partial = self.passwd_path.with_name("passwd.new")
        partial.write_text(lines)
        partial.chmod(0o644)  # the auth process runs as the dovecot user
        mtime_ns = max(time.time_ns(), self._passwd_mtime_ns + 1_000_000_000)
        os.utime(partial, ns=(mtime_ns, mtime_ns))
        partial.replace(self.passwd_path)
        self._passwd_mtime_ns = mtime_ns

    def set_password(self, user: str, password: str) -> None:
        """Give ``user`` a new password (adding the user if new); logins from now on use it.

        Dovecot looks at a passwd-file at most once a second (and then re-reads it if its
        mtime or size changed), so this waits for the next second: up to 1 s.
        """
        _check_user(user, password)
        self.users[user] = password
        self._write_passwd()
        time.sleep(1.0 - time.time() % 1.0 + 0.02)

    # ---- files --------------------------------------------------------------------------

    def maildir(self, user: str = "jane") -> Path:
        """The root of ``user``'s Maildir (INBOX's cur/new/tmp; ``.Folder`` for the others)."""
        return self.mail_root / user

    def _error(self, message: str) -> DovecotError:
        return DovecotError(f"{message}\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        """The last lines of the server's log and of its startup errors, for messages."""
        parts = []
        for path in (self.startup_log_path, self.log_path):
            text = path.read_text(errors="replace") if path.exists() else ""
            if text.strip():
                tail = "\n".join(text.splitlines()[-lines:])
                parts.append(f"--- {path} ---\n{tail}")
        return "\n".join(parts) or f"(nothing in {self.log_path})"

    # ---- IMAP ---------------------------------------------------------------------------

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this server's self-signed certificate (``tls=True``)."""
        if self.cert_path is None:
            raise DovecotError("this server has no TLS; start it with tls=True")
        return ssl.create_default_context(cafile=str(self.cert_path))

    def client(self, user: str = "jane", password: str | None = None) -> imapclient.IMAPClient:
        """An IMAPClient logged in as ``user``; use it in ``with`` so that it logs out.

        Plain IMAP on ``port``, or implicit TLS on ``tls_port`` for a ``tls=True`` server.
        ``password`` defaults to the user's current one.
        """
        if self.tls_port is not None:
            imap = imapclient.IMAPClient(
                self.host,
                self.tls_port,
                ssl=True,
                ssl_context=self.ssl_context(),
                timeout=CLIENT_TIMEOUT,
            )
        else:
            imap = imapclient.IMAPClient(self.host, self.port, ssl=False, timeout=CLIENT_TIMEOUT)
        try:
            imap.login(user, self.users[user] if password is None else password)
        except BaseException:
            with contextlib.suppress(Exception):
                imap.shutdown()
            raise
        return imap

    def append(
        self,
        folder: str,
        message: bytes,
        flags: Iterable[str] = (),
        when: dt.datetime | None = None,
        user: str = "jane",
    ) -> int:
        """Put ``message`` into ``folder`` with ``flags`` and internal date ``when``; its UID.

        ``when`` should be timezone-aware (IMAPClient takes a naive one as local time).
        """
        with self.client(user) as imap:
            uid_next = int(imap.folder_status(folder, [b"UIDNEXT"])[b"UIDNEXT"])
            response = imap.append(folder, message, flags=tuple(flags), msg_time=when)
            found = re.search(rb"\[APPENDUID \d+ (\d+)\]", bytes(response))
            if found is not None:
                return int(found.group(1))
            imap.select_folder(folder, readonly=True)
            return max(int(uid) for uid in imap.search(["UID", f"{uid_next}:*"]))

    def messages(self, folder: str, user: str = "jane") -> list[StoredMessage]:
        """Every message of ``folder`` by UID, with flags and full text, leaving \\Seen alone.

        The folder is opened read-only (EXAMINE) and read with BODY.PEEK[]. The flags leave
        out \\Recent (as :meth:`flags` does), which only tells which session came first.
        """
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            uids = imap.search(["ALL"])
            if not uids:
                return []
            fetched = imap.fetch(uids, ["FLAGS", "BODY.PEEK[]"])
            return sorted(
                StoredMessage(int(uid), _flags(data[b"FLAGS"]), bytes(data[b"BODY[]"]))
                for uid, data in fetched.items()
            )

    def flags(self, folder: str, uid: int, user: str = "jane") -> set[str]:
        """The flags of message ``uid`` in ``folder``; KeyError when there is no such UID."""
        with self.client(user) as imap:
            imap.select_folder(folder, readonly=True)
            fetched = imap.fetch([uid], ["FLAGS"])
            if uid not in fetched:
                raise KeyError(f"no message with UID {uid} in {folder!r}")
            return _flags(fetched[uid][b"FLAGS"])

    def list_folders(self, user: str = "jane") -> dict[str, set[str]]:
        """Every folder ``user`` has, by name, with the flags LIST shows (special-use too)."""
        with self.client(user) as imap:
            return {_text(name): _flags(flags) for flags, _sep, name in imap.list_folders()}


# ---- pytest ---------------------------------------------------------------------------------

Scope = Literal["session", "package", "module", "class", "function"]


def serve(folder: Path, **options: Unpack[Options]) -> Iterator[Dovecot]:
    """The body of a Dovecot fixture: skip if Dovecot cannot run, start, yield, stop.

    Use it as ``yield from serve(tmp_path, uidplus=False)`` in a fixture of your own. The
    server gets SIGTERM at teardown, whatever the test did; the wait for its exit happens in
    the background (see :meth:`Dovecot.stop`), so a server per test costs about 0.1 s.
    """
    reason = dovecot_available()
    if reason is not None:
        pytest.skip(f"NO DOVECOT, IMAP TESTS SKIPPED: {reason}")
    server = Dovecot.start(folder, **options)
    try:
        yield server
    finally:
        server.stop(wait=False)


def dovecot_fixture(
    *, scope: Scope = "function", **options: Unpack[Options]
) -> Callable[..., object]:
    """A pytest fixture of a server with ``options``; assign it to the fixture's name.

    ``imap = dovecot_fixture(tls=True)`` at module level gives the tests an ``imap``
    parameter. ``scope="module"`` shares one server among a module's tests (mind what they
    leave in it).
    """

    @pytest.fixture(scope=scope)
    def fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
        yield from serve(tmp_path_factory.mktemp("dovecot"), **options)

    return fixture


@pytest.fixture
def dovecot(tmp_path: Path) -> Iterator[Dovecot]:
    """A fresh server with the default options (user jane, password secret) for one test."""
    yield from serve(tmp_path / "dovecot")


# ---- messages -------------------------------------------------------------------------------


def mail(
    *,
    sender: str,
    to: str | Sequence[str],
    subject: str,
    date: dt.datetime,
    body: str = "Hello,\n\nThank you for your time.\n",
    cc: str | Sequence[str] | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> bytes:
    """An RFC 5322 message (CRLF line ends) for :meth:`Dovecot.append`.

    ``message_id`` defaults to a fresh one at the sender's domain. ``in_reply_to`` also sets
    References, as a mail program does, unless ``extra_headers`` has its own.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    message["From"] = sender
    message["To"] = _addresses(to)
    if cc:
        message["Cc"] = _addresses(cc)
    message["Subject"] = subject
    message["Date"] = email.utils.format_datetime(date)
    domain = email.utils.parseaddr(sender)[1].rpartition("@")[2] or "example.com"
    message["Message-ID"] = message_id or email.utils.make_msgid(domain=domain)
    headers = dict(extra_headers or {})
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        if not any(name.lower() == "references" for name in headers):
            message["References"] = in_reply_to
    for name, value in headers.items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


# ---- internals ------------------------------------------------------------------------------

_RUNNING: list[Dovecot] = []
"""Servers started and not yet gone: stopped at exit if a caller forgot."""

_PENDING: list[Dovecot] = []
"""Servers sent SIGTERM by ``stop(wait=False)`` whose exit is still to be waited for."""


def _reap_pending() -> None:
    """Finish the stops of the servers that have exited by now."""
    for server in list(_PENDING):
        if server._finish_stop(0.0):
            _PENDING.remove(server)


@atexit.register
def _stop_everything() -> None:
    for server in list(_RUNNING):
        server.stop(wait=False)
    for server in list(_PENDING):
        server._finish_stop(STOP_TIMEOUT)
    _PENDING.clear()


def _check_user(user: str, password: str) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", user):
        raise ValueError(f"unusable user name {user!r}: letters, digits and . _ - only")
    if not password or any(char in password for char in ":\r\n"):
        raise ValueError(f"unusable password for {user!r}: empty, or a colon or line break")


def _free_ports(count: int) -> list[int]:
    """Ports free on 127.0.0.1 just now, all different (the kernel's pick for port 0)."""
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((HOST, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _greets(host: str, port: int) -> bool:
    """Whether an IMAP greeting comes from ``host:port`` (the login process is up)."""
    try:
        with socket.create_connection((host, port), timeout=1.0) as sock:
            return sock.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie (exited, its parent has not reaped it yet) does not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)
    return True


def _self_signed_certificate(folder: Path) -> Path:
    """A key and a self-signed certificate for 127.0.0.1 (also its SAN), made by openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        raise DovecotError("tls=True needs the openssl program (apt-get install openssl)")
    folder.mkdir(exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    result = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "7",
            "-subj",
            f"/CN={HOST}",
            "-addext",
            f"subjectAltName=IP:{HOST},DNS:localhost",
            "-addext",
            "keyUsage=critical,digitalSignature,keyCertSign",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )
    if result.returncode != 0:
        raise DovecotError(f"openssl could not make a certificate:\n{result.stderr}")
    return cert


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _read_from(path: Path, offset: int) -> str:
    try:
        with path.open("rb") as file:
            file.seek(offset)
            return file.read().decode(errors="replace")
    except FileNotFoundError:
        return ""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _flags(values: Iterable[bytes | str]) -> set[str]:
    """Flags as text, without \\Recent: that one says which session saw a message first."""
    return {_text(value) for value in values} - {"\\Recent"}


def _addresses(value: str | Sequence[str]) -> str:
    return value if isinstance(value, str) else ", ".join(value)
