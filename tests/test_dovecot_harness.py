"""The throwaway Dovecot of tests/dovecot.py does what the IMAP tests rely on.

Each test gets a server of its own (about 0.06 s to start; the stop finishes in the
background). Without Dovecot the tests skip with the reason; CI installs it, and
``test_ci_does_not_skip_imap_tests`` makes sure they run there.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import socket
import ssl
from pathlib import Path

import imapclient  # type: ignore[import-untyped, unused-ignore]
import pytest

import tests.dovecot
from tests.dovecot import (
    Dovecot,
    dovecot,  # noqa: F401  (the ready-made fixture, tried below)
    dovecot_available,
    dovecot_fixture,
    mail,
)

imap = dovecot_fixture()
other_imap = dovecot_fixture(users={"bob": "hunter2", "jane": "other"})
no_uidplus = dovecot_fixture(uidplus=False)
no_special_use = dovecot_fixture(special_use=False, hide_capabilities={"SPECIAL-USE"})
gmail = dovecot_fixture(folders={"drafts": "[Gmail]/Drafts", "sent": "[Gmail]/Sent Mail"})
tls_imap = dovecot_fixture(tls=True)

NO_DOVECOT = dovecot_available()
needs_dovecot = pytest.mark.skipif(
    NO_DOVECOT is not None, reason=f"NO DOVECOT, IMAP TESTS SKIPPED: {NO_DOVECOT}"
)

UTC = dt.timezone.utc
MONDAY = dt.datetime(2024, 5, 6, 9, 30, tzinfo=UTC)


def a_mail(subject: str = "Following up on Tuesday's interview") -> bytes:
    return mail(
        sender="Jane Doe <jane@example.com>",
        to="Sam Hiring <sam@acme.example>",
        subject=subject,
        date=MONDAY,
        message_id="<follow-up-1@example.com>",
    )


def test_ci_does_not_skip_imap_tests() -> None:
    if not os.environ.get("CI"):
        pytest.skip("only CI must have Dovecot")
    assert dovecot_available() is None


def test_starts_on_a_free_local_port_and_jane_logs_in(imap: Dovecot) -> None:
    assert imap.host == "127.0.0.1"
    assert imap.port not in (0, 143, 993)
    with socket.socket() as probe, pytest.raises(OSError):  # the port is Dovecot's
        probe.bind((imap.host, imap.port))
    client = imapclient.IMAPClient(imap.host, imap.port, ssl=False, timeout=10)
    client.login("jane", "secret")
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    client.logout()
    assert "Login: user=<jane>" in imap.log_path.read_text()


def test_the_ready_made_fixture_serves_jane(dovecot: Dovecot) -> None:  # noqa: F811
    assert dovecot.users == {"jane": "secret"}
    assert dovecot.folders == {"drafts": "Drafts", "sent": "Sent", "trash": "Trash"}
    with dovecot.client() as client:
        assert client.select_folder("Sent")[b"EXISTS"] == 0


def test_a_wrong_password_is_refused(imap: Dovecot) -> None:
    with pytest.raises(imapclient.exceptions.LoginError):
        imap.client("jane", password="not-the-secret")
    with imap.client() as client:  # no penalty delay for the next, right, login
        assert client.capabilities()


def test_a_draft_keeps_its_flag_and_stays_unseen(imap: Dovecot) -> None:
    raw = a_mail()
    uid = imap.append("Drafts", raw, flags=["\\Draft"], when=MONDAY)
    for _ in range(2):  # reading twice: the first read did not set \Seen
        assert imap.messages("Drafts") == [(uid, {"\\Draft"}, raw)]
    assert imap.flags("Drafts", uid) == {"\\Draft"}
    with imap.client() as client:
        client.select_folder("Drafts", readonly=True)
        fetched = client.fetch([uid], ["INTERNALDATE"])[uid]
    assert fetched[b"INTERNALDATE"].astimezone(UTC) == MONDAY
    assert imap.messages("INBOX") == []
    assert any(imap.maildir("jane").glob(".Drafts/cur/*"))


def test_uids_count_up_and_flags_are_the_ones_set(imap: Dovecot) -> None:
    first = imap.append("INBOX", a_mail("one"))
    second = imap.append("INBOX", a_mail("two"), flags=["\\Seen", "$Forwarded"])
    assert second > first
    assert [(m.uid, m.flags) for m in imap.messages("INBOX")] == [
        (first, set()),
        (second, {"\\Seen", "$Forwarded"}),
    ]
    with pytest.raises(KeyError):
        imap.flags("INBOX", second + 1)


def test_two_servers_run_side_by_side(imap: Dovecot, other_imap: Dovecot) -> None:
    assert imap.port != other_imap.port
    assert imap.runtime != other_imap.runtime
    imap.append("INBOX", a_mail())
    assert len(imap.messages("INBOX")) == 1
    assert other_imap.messages("INBOX", user="bob") == []
    assert other_imap.messages("INBOX", user="jane") == []  # her password there: "other"
    assert other_imap.users == {"bob": "hunter2", "jane": "other"}


def test_the_usual_folders_carry_their_special_use(imap: Dovecot) -> None:
    folders = imap.list_folders()
    assert {"INBOX", "Drafts", "Sent", "Trash"} <= folders.keys()
    assert "\\Drafts" in folders["Drafts"]
    assert "\\Sent" in folders["Sent"]
    assert "\\Trash" in folders["Trash"]
    assert "SPECIAL-USE" in imap.capabilities
    assert "UIDPLUS" in imap.capabilities


def test_uidplus_false_hides_only_uidplus(imap: Dovecot, no_uidplus: Dovecot) -> None:
    with no_uidplus.client() as client:
        after_login = {capability.decode() for capability in client.capabilities()}
        # Dovecot still answers APPEND with APPENDUID: it only stops advertising UIDPLUS.
        response = client.append("INBOX", a_mail())
    assert "UIDPLUS" not in after_login
    assert after_login == set(imap.capabilities) - {"UIDPLUS"}
    assert b"APPENDUID" in response
    greeting = imapclient.IMAPClient(no_uidplus.host, no_uidplus.port, ssl=False, timeout=10)
    assert b"UIDPLUS" not in greeting.capabilities()  # before login either
    greeting.shutdown()
    uid = no_uidplus.append("Drafts", a_mail(), flags=["\\Draft"])
    assert no_uidplus.messages("Drafts") == [(uid, {"\\Draft"}, a_mail())]


def test_special_use_false_leaves_the_folders_to_be_found_by_name(
    imap: Dovecot, no_special_use: Dovecot
) -> None:
    folders = no_special_use.list_folders()
    assert {"Drafts", "Sent", "Trash"} <= folders.keys()
    special = {"\\Drafts", "\\Sent", "\\Trash", "\\Junk", "\\Archive", "\\All", "\\Flagged"}
    assert all(not flags & special for flags in folders.values())
    with no_special_use.client() as client:
        after_login = {capability.decode() for capability in client.capabilities()}
    assert after_login == set(imap.capabilities) - {"SPECIAL-USE"}
    uid = no_special_use.append("Sent", a_mail(), flags=["\\Seen"])
    assert no_special_use.flags("Sent", uid) == {"\\Seen"}


def test_gmail_style_folder_names(gmail: Dovecot) -> None:
    assert gmail.separator == "/"
    with gmail.client() as client:
        listed = {name: flags for flags, sep, name in client.list_folders()}
        assert {sep for flags, sep, name in client.list_folders()} == {b"/"}
    assert b"\\Drafts" in listed["[Gmail]/Drafts"]
    assert b"\\Sent" in listed["[Gmail]/Sent Mail"]
    uid = gmail.append("[Gmail]/Sent Mail", a_mail(), flags=["\\Seen"])
    assert gmail.messages("[Gmail]/Sent Mail") == [(uid, {"\\Seen"}, a_mail())]


def test_tls_certificate_is_refused_unless_trusted(tls_imap: Dovecot) -> None:
    assert tls_imap.tls_port is not None
    assert tls_imap.cert_path is not None
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(
            tls_imap.host,
            tls_imap.tls_port,
            ssl=True,
            ssl_context=ssl.create_default_context(),
            timeout=10,
        )
    trusting = ssl.create_default_context(cafile=str(tls_imap.cert_path))
    trusting.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default, on older ones too
    client = imapclient.IMAPClient(
        tls_imap.host, tls_imap.tls_port, ssl=True, ssl_context=trusting, timeout=10
    )
    client.login("jane", "secret")
    client.logout()
    starttls = imapclient.IMAPClient(tls_imap.host, tls_imap.port, ssl=False, timeout=10)
    assert b"STARTTLS" in starttls.capabilities()
    with pytest.raises(ssl.SSLCertVerificationError):
        starttls.starttls(ssl.create_default_context())
    starttls = imapclient.IMAPClient(tls_imap.host, tls_imap.port, ssl=False, timeout=10)
    starttls.starttls(trusting)
    starttls.login("jane", "secret")
    starttls.logout()
    with tls_imap.client() as helper:  # the helpers speak TLS to a TLS server
        assert helper.select_folder("INBOX")[b"EXISTS"] == 0


def test_a_new_password_works_at_once_and_the_old_one_no_more(imap: Dovecot) -> None:
    with imap.client():  # Dovecot has just read the passwd-file
        pass
    imap.set_password("jane", "secreu")  # same length, same second: must still be seen
    with imap.client() as client:
        assert client.select_folder("INBOX")
    with pytest.raises(imapclient.exceptions.LoginError):
        imap.client("jane", password="secret")
    imap.set_password("sam", "welcome")
    with imap.client("sam") as client:
        assert client.select_folder("Drafts")


@needs_dovecot
def test_stop_leaves_nothing_running(tmp_path: Path) -> None:
    with Dovecot.start(tmp_path / "server") as server:
        pid = int((server.base_dir / "master.pid").read_text())
        port, runtime = server.port, server.runtime
    assert not Path(f"/proc/{pid}").exists() or " Z " in Path(f"/proc/{pid}/stat").read_text()
    with pytest.raises(OSError):
        socket.create_connection((server.host, port), timeout=1).close()
    assert not runtime.exists()
    server.stop()  # twice is fine
    assert "Killed with signal 15" in server.log_path.read_text()


@needs_dovecot
def test_a_taken_port_is_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    real_free_ports = tests.dovecot._free_ports
    offered: list[int] = []

    def first_a_taken_port(count: int) -> list[int]:
        ports = [taken] if not offered else real_free_ports(count)
        offered.extend(ports)
        return ports

    monkeypatch.setattr(tests.dovecot, "_free_ports", first_a_taken_port)
    server = Dovecot.start(tmp_path / "server")
    try:
        assert offered[0] == taken
        assert server.port == offered[1] != taken
        with server.client():
            pass
    finally:
        server.stop(wait=False)
        squatter.close()


def test_mail_builds_an_rfc5322_message() -> None:
    raw = mail(
        sender="Jane Doe <jane@example.com>",
        to=["sam@acme.example", "Kim <kim@acme.example>"],
        cc="hr@acme.example",
        subject="Re: Interview – next steps",
        date=MONDAY,
        body="Thanks!\nJane\n",
        in_reply_to="<abc@acme.example>",
        extra_headers={"X-Tracker-Row": "7"},
    )
    assert b"\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["To"] == "sam@acme.example, Kim <kim@acme.example>"
    assert parsed["Cc"] == "hr@acme.example"
    assert parsed["Subject"] == "Re: Interview – next steps"
    assert parsed["Date"].datetime == MONDAY
    assert parsed["In-Reply-To"] == parsed["References"] == "<abc@acme.example>"
    assert parsed["X-Tracker-Row"] == "7"
    assert parsed["Message-ID"].endswith("@example.com>")
    assert parsed.get_content().replace("\r\n", "\n") == "Thanks!\nJane\n"
