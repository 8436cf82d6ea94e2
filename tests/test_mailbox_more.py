"""More of the mailbox against Dovecot: servers shaped unlike the default one, encrypted
connections, a server that never answers, a reply's text in MIME parts, and the password typed
at a real terminal."""

from __future__ import annotations

import base64
import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from sheet_followup import api
from sheet_followup.mail import account
from sheet_followup.mail.password import ENVIRONMENT_VARIABLE
from tests.conftest import REPO, MakeWorkbook, read_cells
from tests.dovecot import Dovecot, dovecot_fixture, mail
from tests.test_mailbox import ME, TODAY, at, own_keyring, status_of, tracker_for

__all__ = ["own_keyring"]  # the autouse fixture: a keyring of the test's own

gmail_like = dovecot_fixture(
    special_use=False,
    hide_capabilities={"SPECIAL-USE"},
    folders={"drafts": "[Gmail]/Drafts", "sent": "[Gmail]/Sent Mail"},
)
tls_imap = dovecot_fixture(tls=True)
imap = dovecot_fixture()


def test_a_server_without_special_use_is_served_by_the_usual_names(
    gmail_like: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, gmail_like)
    gmail_like.append(
        "[Gmail]/Sent Mail",
        mail(sender=ME, to="sam@globex.example", subject="Thank you", date=at(TODAY, 8)),
    )
    result = api.run(path, today=TODAY)
    assert result.mailbox is not None and result.mailbox.problem == ""
    folders = result.mailbox.folders
    assert folders is not None and folders.drafts is not None and folders.sent is not None
    assert (folders.drafts.name, folders.drafts.special_use) == ("[Gmail]/Drafts", False)
    assert folders.sent.name == "[Gmail]/Sent Mail"
    assert len(gmail_like.messages("[Gmail]/Drafts")) == 1  # Jane's; Sam was thanked today
    assert read_cells(path, "Log")[1][2:4] == ["Sam Lee", "own_note"]


def test_ssl_and_starttls_sign_in_to_a_server_whose_certificate_is_trusted(
    tls_imap: Dovecot, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert tls_imap.cert_path is not None and tls_imap.tls_port is not None
    # As a company's own certificate authority is trusted: in the system's store. OpenSSL
    # reads SSL_CERT_FILE for it, and the tool verifies against that store, nothing else.
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_imap.cert_path))
    implicit = tracker_for(make_workbook, tls_imap, port=tls_imap.tls_port, security="ssl")
    result = api.run(implicit, today=TODAY)
    assert result.mailbox is not None and result.mailbox.problem == ""
    assert len(tls_imap.messages("Drafts")) == 2
    upgraded = tracker_for(make_workbook, tls_imap, security="starttls")
    found = api.check_mail(upgraded)
    assert found.account.security == "starttls" and found.folders.drafts is not None


def test_a_server_that_never_answers_is_given_up_on(
    make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch, imap: Dovecot
) -> None:
    monkeypatch.setattr(account, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # accepts the connection, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        path = tracker_for(make_workbook, imap, port=silent.getsockname()[1])
        started = time.monotonic()
        result = api.run(path, today=TODAY)
    assert time.monotonic() - started < 20
    assert result.mailbox is not None
    assert "no answer in" in result.mailbox.problem
    assert status_of(path, 2).startswith("Follow-up due")  # the run itself went on


def test_a_rejection_in_the_text_of_a_multipart_reply_is_read(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    message = EmailMessage()
    message["From"] = "jane@acme.example"
    message["To"] = ME
    message["Subject"] = "Update"
    message["Date"] = "Sat, 21 Nov 2026 10:00:00 +0000"
    message.set_content(
        "Dear Alex,\n\nThank you for your patience. Unfortunately the position has been filled.\n",
        cte="base64",
    )
    message.add_alternative("<p>Dear Alex, <b>unfortunately</b> the position ...</p>", "html")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="x.pdf")
    imap.append("INBOX", message.as_bytes())
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    assert status_of(path, 2).endswith("reads like a rejection: set the stage to Rejected if so")
    kind = EmailMessage()
    kind["From"], kind["To"], kind["Subject"] = "sam@globex.example", ME, "Next steps"
    kind["Date"] = "Sat, 21 Nov 2026 11:00:00 +0000"
    kind.set_content(base64.b64encode(b"Great news: can you do Tuesday?").decode())
    imap.append("INBOX", kind.as_bytes())
    api.run(path, today=TODAY)
    assert status_of(path, 3) == 'Replied (2026-11-21): answer them ("Next steps")'


def test_check_names_a_mail_setting_that_cannot_work(make_workbook: MakeWorkbook) -> None:
    settings = [["Mail server", "imap.example.com"], ["Mail security", "none"]]
    path = make_workbook([["Acme", "Jane"]], sheets={"Settings": settings})
    report = api.check(path, today=TODAY)
    messages = [problem.message for problem in report]
    assert any("no Mail user" in m for m in messages), messages


def _read_until(fd: int, wanted: bytes, seconds: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while wanted not in seen:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"never saw {wanted!r} in {seen!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_at_a_terminal_the_password_is_asked_for_and_saved_to_the_keyring(
    imap: Dovecot, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = tracker_for(make_workbook, imap)
    store = tmp_path / "keyring.json"
    env = {k: v for k, v in os.environ.items() if k != ENVIRONMENT_VARIABLE}
    env |= {
        "PYTHONPATH": str(REPO),
        "PYTHON_KEYRING_BACKEND": "tests.memory_keyring.FileKeyring",
        "SHEET_FOLLOWUP_TEST_KEYRING": str(store),
    }
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "sheet_followup", "mailbox", str(path)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd=tmp_path,
    )
    os.close(follower)
    try:
        shown = _read_until(leader, b"Mail password for jane")
        os.write(leader, b"secret\r")
        shown += _read_until(leader, b"keyring for next time?")
        os.write(leader, b"y\r")
        shown += _read_until(leader, b"Saved in the keyring")
        assert process.wait(30) == 0
    finally:
        process.kill()
        os.close(leader)
    assert b"secret" not in shown  # typed, never echoed
    assert b"Signed in to 127.0.0.1" in shown
    assert json.loads(store.read_text()) == {"sheet-followup\0jane": "secret"}
    # The next time, the keyring has it: no prompt, nothing asked.
    again = subprocess.run(
        [sys.executable, "-m", "sheet_followup", "mailbox", str(path)],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert again.returncode == 0, again.stderr
    assert "password from the keyring" in again.stdout
