"""The mailbox against a real IMAP server: Dovecot, started by the tests on a free port.

Each test gets a fresh server (user jane, password secret, Maildir in a temporary folder) and
a tracker whose Settings point at it with ``Mail security: none``, which the tool accepts for
a server on this machine only. Everything the issue asks of the mailbox is checked the way a
user would see it: the messages in Drafts, the Log lines, the statuses, the exit code.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
from collections.abc import Iterator, Sequence
from pathlib import Path

import keyring
import openpyxl
import pytest
from click.testing import CliRunner, Result

from sheet_followup import api
from sheet_followup.cli import cli
from sheet_followup.mail.marker import HEADER, parse_marker
from sheet_followup.mail.password import ENVIRONMENT_VARIABLE, KEYRING_SERVICE
from tests.conftest import MakeWorkbook, read_cells
from tests.dovecot import Dovecot, dovecot_fixture, mail
from tests.memory_keyring import MemoryKeyring

imap = dovecot_fixture()
old_imap = dovecot_fixture(uidplus=False)
tls_imap = dovecot_fixture(tls=True)

TODAY = dt.date(2026, 11, 23)  # a Monday
NEXT_WEEK = dt.date(2026, 11, 30)
ME = "alex@example.com"
UTC = dt.timezone.utc
HEADER_ROW = [
    "Company",
    "Contact",
    "Position",
    "Email",
    "Interview date",
    "Stage",
    "Last contact",
    "Interests",
]
ROWS = [
    # A follow-up is due: thanked on the interview day, 21 days ago.
    ["Acme", "Jane Doe", "Analyst", "jane@acme.example", dt.date(2026, 11, 2), "Interviewing",
     dt.date(2026, 11, 2), "onboarding"],
    # A thank-you is due: interviewed on Friday.
    ["Globex", "Sam Lee", "Engineer", "sam@globex.example", dt.date(2026, 11, 20), "Final round",
     None, "testing"],
    # Waiting until next week.
    ["Initech", "Ana Ruiz", "Designer", "ana@initech.example", dt.date(2026, 11, 2), "Interviewing",
     dt.date(2026, 11, 16), "fonts"],
]  # fmt: skip
GIFTS = [
    ["Contact", "Gift", "Link"],
    ["Jane Doe", "The onboarding article", "https://example.com/onboarding"],
    ["Jane Doe", "A second article", "https://example.com/second"],
]


@pytest.fixture(autouse=True)
def own_keyring(monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryKeyring]:
    """A keyring of the test's own; the password in the environment unless a test says not."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "secret")
    yield backend
    keyring.set_keyring(previous)


def tracker_for(
    make_workbook: MakeWorkbook,
    server: Dovecot,
    *,
    drafts: bool = True,
    port: int | None = None,
    security: str = "none",
    rows: Sequence[Sequence[object]] = ROWS,
) -> Path:
    settings = [
        ["Setting", "Value"],
        ["Your name", "Alex Morgan"],
        ["Your email", ME],
        ["Mail server", f"{server.host}:{port or server.port}"],
        ["Mail user", "jane"],
        ["Mail security", security],
        ["Put drafts in mailbox", "yes" if drafts else "no"],
    ]
    return make_workbook(rows, header=HEADER_ROW, sheets={"Settings": settings, "Gifts": GIFTS})


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def drafts_in(server: Dovecot, folder: str = "Drafts") -> list[email.message.EmailMessage]:
    out = []
    for stored in server.messages(folder):
        message = email.message_from_bytes(stored.raw, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        out.append(message)
    return out


def recipients(messages: Sequence[email.message.Message]) -> list[str]:
    return sorted(str(m["To"]) for m in messages)


def send(server: Dovecot, draft: email.message.Message, when: dt.datetime) -> None:
    """What a mail program does when the user sends a draft: a copy in Sent, dated now; the
    tool's header dropped (as Gmail does), the draft gone."""
    sent = email.message_from_bytes(draft.as_bytes(), policy=email.policy.SMTP)
    del sent[HEADER]
    del sent["Date"]
    sent["Date"] = email.utils.format_datetime(when)
    server.append("Sent", sent.as_bytes(), flags=[r"\Seen"], when=when)
    with server.client() as client:
        client.select_folder("Drafts")
        uids = client.search(["HEADER", "To", str(draft["To"]).split("<")[-1].rstrip(">")])
        client.add_flags(uids, [b"\\Deleted"])
        client.uid_expunge(uids)


def save_again(server: Dovecot, uid: int, message: bytes) -> None:
    """What a mail program does when the user saves an edited draft: a new message in its
    place."""
    with server.client() as client:
        client.append("Drafts", message, flags=[b"\\Draft"])
        client.select_folder("Drafts")
        client.add_flags([uid], [b"\\Deleted"])
        client.uid_expunge([uid])


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def status_of(path: Path, row: int) -> str:
    cells = read_cells(path)
    header = cells[0]
    return str(cells[row - 1][header.index("Follow-up status")])


# --- drafts into the mailbox ------------------------------------------------------------------


def test_each_due_note_lands_in_drafts_flagged_and_as_the_eml_has_it(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    result = api.run(path, today=TODAY, formats=["eml", "md"])
    assert result.mailbox is not None and result.mailbox.problem == ""
    stored = imap.messages("Drafts")
    assert len(stored) == 2
    assert all(s.flags == {r"\Draft"} for s in stored)
    messages = drafts_in(imap)
    assert recipients(messages) == ["Jane Doe <jane@acme.example>", "Sam Lee <sam@globex.example>"]
    for message in messages:
        assert message["X-Unsent"] is None
        marker = parse_marker(str(message[HEADER]))
        assert marker is not None and marker.day == TODAY and marker.tracker == "tracker"
        # The same note as the local .eml draft, which is still written.
        local = next((result.drafts_folder).glob(f"*{marker.contact.split()[0].lower()}*.eml"))
        eml = email.message_from_bytes(local.read_bytes(), policy=email.policy.default)
        assert eml["X-Unsent"] == "1"
        assert message["Subject"] == eml["Subject"] and message["From"] == eml["From"]
        body = message.get_body(("plain",))
        eml_body = eml.get_body(("plain",))
        assert body is not None and eml_body is not None
        assert body.get_content() == eml_body.get_content()
    jane = next(m for m in messages if "jane@" in str(m["To"]))
    assert parse_marker(str(jane[HEADER])).kind == "follow_up"  # type: ignore[union-attr]
    jane_body = jane.get_body(("plain",))
    assert jane_body is not None and "The onboarding article" in jane_body.get_content()


def test_a_rerun_the_same_day_adds_nothing_and_next_week_replaces_its_own(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    first = imap.messages("Drafts")
    again = api.run(path, today=TODAY)
    assert imap.messages("Drafts") == first  # the very same messages, none added
    assert again.mailbox is not None and again.mailbox.drafts is not None
    assert sorted(again.mailbox.drafts.already) == ["Jane Doe", "Sam Lee"]
    later = api.run(path, today=NEXT_WEEK)
    assert later.mailbox is not None and later.mailbox.drafts is not None
    messages = drafts_in(imap)
    # Ana is due now too; Jane and Sam's old drafts were replaced, not duplicated.
    assert recipients(messages) == [
        "Ana Ruiz <ana@initech.example>",
        "Jane Doe <jane@acme.example>",
        "Sam Lee <sam@globex.example>",
    ]
    assert {parse_marker(str(m[HEADER])).day for m in messages} == {NEXT_WEEK}  # type: ignore[union-attr]
    assert sorted(later.mailbox.drafts.replaced) == ["Jane Doe", "Sam Lee"]
    assert later.mailbox.drafts.removed == []  # nobody's draft went for want of being due


def test_a_draft_edited_in_the_mail_program_is_kept(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    stored = next(s for s in imap.messages("Drafts") if b"jane@acme.example" in s.raw)
    head, _, text = stored.raw.partition(b"\r\n\r\n")
    edited = head + b"\r\n\r\n" + text.replace(b"Jane", b"Janey", 1)
    save_again(imap, stored.uid, edited)
    result = api.run(path, today=NEXT_WEEK)
    assert result.mailbox is not None and result.mailbox.drafts is not None
    assert result.mailbox.drafts.kept_edited == ["Jane Doe"]
    janes = [s for s in imap.messages("Drafts") if b"jane@acme.example" in s.raw]
    assert [s.raw for s in janes] == [edited]  # theirs, alone: no second draft beside it


def test_the_users_own_deleted_mail_is_left_alone(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    mine = mail(sender=ME, to="friend@example.org", subject="my own", date=at(TODAY))
    deleted = imap.append("Drafts", mine, flags=[r"\Draft", r"\Deleted"])
    kept = imap.append("Drafts", mine, flags=[r"\Draft"])
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    api.run(path, today=NEXT_WEEK)  # removes the tool's old drafts: by UID, nothing else
    assert imap.flags("Drafts", deleted) == {r"\Draft", r"\Deleted"}
    assert imap.flags("Drafts", kept) == {r"\Draft"}


def test_without_uidplus_the_old_draft_stays_and_the_run_says_so(
    old_imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, old_imap)
    api.run(path, today=TODAY)
    result = invoke("run", path, "--today", NEXT_WEEK.isoformat())
    assert result.exit_code == 0, result.output
    assert "lacks UIDPLUS" in result.output
    janes = [m for m in drafts_in(old_imap) if "jane@" in str(m["To"])]
    assert len(janes) == 2  # the old one kept beside the new one, nothing removed


def test_local_drafts_and_workbook_only_when_put_drafts_is_off(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap, drafts=False)
    result = api.run(path, today=TODAY)
    assert imap.messages("Drafts") == []
    assert result.mailbox is not None and result.mailbox.problem == ""  # Sent was read
    assert len(result.drafts) == 2
    invoke("run", path, "--today", TODAY.isoformat(), "--mailbox")
    assert len(imap.messages("Drafts")) == 2


def test_a_dry_run_reads_the_mailbox_and_changes_nothing_in_it(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    imap.append("Sent", mail(sender=ME, to="jane@acme.example", subject="Hi", date=at(TODAY, 8)))
    before = path.read_bytes()
    result = invoke("run", path, "--today", TODAY.isoformat(), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Would record from your Sent folder (1)" in result.output
    assert "would put 1 in Drafts" in result.output  # Sam's thank-you: Jane's note went out
    assert imap.messages("Drafts") == []
    assert path.read_bytes() == before
    api.run(path, today=TODAY)
    stored = imap.messages("Drafts")
    again = invoke("run", path, "--today", NEXT_WEEK.isoformat(), "--dry-run")
    assert "would put 2 in Drafts (replacing 1 older)" in again.output, again.output
    assert imap.messages("Drafts") == stored


# --- Sent: notes recorded without `sent` -----------------------------------------------------


def test_a_draft_sent_from_the_mailbox_is_recorded_with_its_gift(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    jane = next(m for m in drafts_in(imap) if "jane@" in str(m["To"]))
    send(imap, jane, at(dt.date(2026, 11, 24), 9))
    result = api.run(path, today=NEXT_WEEK)
    log = read_cells(path, "Log")
    assert log[0][:5] == ["Date", "Company", "Contact", "Kind", "Gift"]
    assert log[1][:5] == [
        dt.datetime(2026, 11, 24),
        "Acme",
        "Jane Doe",
        "follow_up",
        "The onboarding article https://example.com/onboarding",
    ]
    gifts = read_cells(path, "Gifts")
    assert gifts[0][3] == "Sent on" and gifts[1][3] == dt.datetime(2026, 11, 24)
    assert gifts[2][3] is None  # the second article is still to give
    cells = read_cells(path)
    assert cells[1][HEADER_ROW.index("Last contact")] == dt.datetime(2026, 11, 24)
    assert status_of(path, 2) == "Waiting"
    assert [(n.contact.contact, n.line.entry.kind) for n in result.mailbox.recorded] == [  # type: ignore[union-attr]
        ("Jane Doe", "follow_up")
    ]
    # Recorded once: the next run finds the day in the Log and adds nothing.
    api.run(path, today=NEXT_WEEK)
    assert len(read_cells(path, "Log")) == 2


def test_a_note_the_user_wrote_themselves_is_logged_as_own_note(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap, drafts=False)
    own = mail(sender=ME, to="Sam Lee <sam@globex.example>", subject="Lovely to meet you",
               date=at(dt.date(2026, 11, 20), 17))  # fmt: skip
    imap.append("Sent", own)
    result = invoke("run", path, "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "Recorded from your Sent folder (1)" in result.output
    log = read_cells(path, "Log")
    assert log[1][:5] == [dt.datetime(2026, 11, 20), "Globex", "Sam Lee", "own_note", None]
    # It was the thank-you's day: Sam is no longer due one.
    assert status_of(path, 3).startswith("Waiting")


# --- the Inbox: replies -------------------------------------------------------------------------


def test_a_reply_holds_that_weeks_follow_up_until_it_is_answered(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    reply = mail(sender="Jane Doe <jane@acme.example>", to=ME, subject="Re: Thank you",
                 date=at(dt.date(2026, 11, 20)))  # fmt: skip
    uid = imap.append("INBOX", reply)
    result = api.run(path, today=TODAY)
    assert status_of(path, 2) == 'Replied (2026-11-20): answer them ("Re: Thank you")'
    assert result.followups[0].kind.value == "replied"
    assert not any("jane" in p.name for p in result.drafts_folder.glob("*"))
    assert recipients(drafts_in(imap)) == ["Sam Lee <sam@globex.example>"]
    assert imap.flags("INBOX", uid) == set()  # still unread
    calendar = (result.drafts_folder / "reminders.ics").read_text(encoding="utf-8")
    event = calendar.split("SUMMARY:Answer Jane Doe (Acme)")[1].split("END:VEVENT")[0]
    assert f"DTSTART;VALUE=DATE:{TODAY:%Y%m%d}" in event  # owed since Friday: today's to do
    # The user answers; the next follow-up counts from the answer.
    answer = mail(sender=ME, to="jane@acme.example", subject="Re: Re: Thank you",
                  date=at(dt.date(2026, 11, 24)))  # fmt: skip
    imap.append("Sent", answer)
    api.run(path, today=NEXT_WEEK)
    cells = read_cells(path)
    assert status_of(path, 2) == "Waiting"
    assert cells[1][HEADER_ROW.index("Last contact")] == dt.datetime(2026, 11, 24)
    assert cells[1][cells[0].index("Next follow-up")] == dt.datetime(2026, 12, 8)
    assert read_cells(path, "Log")[-1][3] == "own_note"


def test_a_reply_that_reads_like_a_rejection_is_pointed_out_and_the_stage_kept(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    body = "Dear Alex,\n\nUnfortunately we have decided to move forward with other candidates.\n"
    imap.append("INBOX", mail(sender="jane@acme.example", to=ME, subject="Your application",
                              date=at(dt.date(2026, 11, 21)), body=body))  # fmt: skip
    api.run(path, today=TODAY)
    assert status_of(path, 2) == (
        'Replied (2026-11-21): answer them ("Your application"); reads like a rejection: set '
        "the stage to Rejected if so"
    )
    assert read_cells(path)[1][HEADER_ROW.index("Stage")] == "Interviewing"


def test_hostile_subjects_and_senders_reach_no_cell_as_a_formula_nor_the_terminal(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    subject = '=HYPERLINK("http://evil.example","x")\x1b]0;owned\x07\x1b[2J'
    hostile = mail(sender='"=cmd|\' /C calc\'!A0" <jane@acme.example>', to=ME,
                   subject=subject, date=at(dt.date(2026, 11, 20)))  # fmt: skip
    imap.append("INBOX", hostile)
    result = invoke("run", path, "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.worksheets[0]
    status = sheet.cell(2, HEADER_ROW.__len__() + 1)
    assert status.data_type == "s"  # text, never a formula
    assert str(status.value).startswith('Replied (2026-11-20): answer them ("=HYPERLINK')
    assert "\x1b" not in str(status.value) and "\x07" not in str(status.value)
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate


# --- failures ----------------------------------------------------------------------------------


def test_a_wrong_password_says_what_to_use_and_the_run_still_writes(
    imap: Dovecot, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "Xq7-not-it-42")
    path = tracker_for(make_workbook, imap)
    result = invoke("run", path, "--today", TODAY.isoformat())
    assert result.exit_code == 3, result.output
    assert "refused the sign-in for jane at 127.0.0.1" in result.output
    assert "the password came from the environment" in result.output
    assert "the mailbox was not updated" in result.output
    assert "Xq7-not-it-42" not in result.output  # a password is never shown
    assert status_of(path, 2).startswith("Follow-up due")  # written as without a mailbox
    assert len(list((path.parent / "drafts" / TODAY.isoformat()).glob("*.md"))) == 2


def test_a_server_that_is_down_leaves_a_run_without_a_mailbox_and_exit_3(
    imap: Dovecot, make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    path = tracker_for(make_workbook, imap, port=free)
    without = make_workbook(ROWS, header=HEADER_ROW, name="plain.xlsx",
                            sheets={"Gifts": GIFTS, "Settings": [["Your name", "Alex Morgan"]]})  # fmt: skip
    result = invoke("run", path, "--today", TODAY.isoformat(), "--json")
    assert result.exit_code == 3
    report = json.loads(result.output)
    assert report["exit_code"] == 3
    assert "could not reach the mail server" in report["error"]
    assert "nothing answers on port" in report["mailbox"]["problem"]
    invoke("run", without, "--today", TODAY.isoformat())
    assert [r[8:] for r in read_cells(path)] == [r[8:] for r in read_cells(without)]


def test_a_certificate_that_cannot_be_verified_is_refused(
    tls_imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    assert tls_imap.tls_port is not None
    path = tracker_for(make_workbook, tls_imap, port=tls_imap.tls_port, security="ssl")
    result = api.run(path, today=TODAY)
    assert result.mailbox is not None
    assert "could not be verified" in result.mailbox.problem
    path2 = tracker_for(make_workbook, tls_imap, security="starttls")
    result2 = api.run(path2, today=TODAY)
    assert result2.mailbox is not None and "could not be verified" in result2.mailbox.problem


def test_a_failed_save_takes_the_new_drafts_out_of_the_mailbox_again(
    imap: Dovecot, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheet_followup import batch
    from sheet_followup.errors import WorkbookError

    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    before = imap.messages("Drafts")
    workbook = path.read_bytes()

    def refuse(*args: object, **kwargs: object) -> None:
        raise WorkbookError("the disk is full")

    monkeypatch.setattr(batch, "replace_with_backup", refuse)
    with pytest.raises(WorkbookError):
        api.run(path, today=NEXT_WEEK)
    assert imap.messages("Drafts") == before
    assert path.read_bytes() == workbook


def test_mailbox_without_a_mail_server_is_a_usage_error(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(ROWS, header=HEADER_ROW)
    result = invoke("run", path, "--today", TODAY.isoformat(), "--mailbox")
    assert result.exit_code == 2
    assert "--mailbox needs a mailbox" in result.output


# --- the mailbox command and the password ---------------------------------------------------------


def test_mailbox_names_the_folders_it_found(imap: Dovecot, make_workbook: MakeWorkbook) -> None:
    path = tracker_for(make_workbook, imap)
    result = invoke("mailbox", path)
    assert result.exit_code == 0, result.output
    assert f"Signed in to 127.0.0.1:{imap.port} as jane" in result.output
    assert "Drafts: Drafts (found by special-use flag)" in result.output
    assert "Sent:   Sent (found by special-use flag)" in result.output
    shown = json.loads(invoke("mailbox", path, "--json").output)
    assert shown["drafts"] == "Drafts" and shown["uidplus"] is True


def test_the_keyring_holds_the_password_and_forget_removes_it(
    imap: Dovecot,
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
    own_keyring: MemoryKeyring,
) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    path = tracker_for(make_workbook, imap)
    result = invoke("mailbox", path)
    assert result.exit_code == 3
    assert "no password for the mail user jane" in result.output
    own_keyring.set_password(KEYRING_SERVICE, "jane", "secret")
    assert invoke("mailbox", path).exit_code == 0
    assert "password from the keyring" in invoke("mailbox", path).output
    forgot = invoke("mailbox", path, "--forget")
    assert forgot.exit_code == 0 and "Removed the saved password for jane" in forgot.output
    assert own_keyring.passwords == {}
    assert "No password for jane was saved" in invoke("mailbox", path, "--forget").output


def test_a_wrong_password_in_the_keyring_says_how_to_forget_it(
    imap: Dovecot,
    make_workbook: MakeWorkbook,
    monkeypatch: pytest.MonkeyPatch,
    own_keyring: MemoryKeyring,
) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE)
    own_keyring.set_password(KEYRING_SERVICE, "jane", "stale")
    path = tracker_for(make_workbook, imap)
    result = invoke("mailbox", path)
    assert result.exit_code == 3
    assert "the password came from the keyring" in result.output
    assert "--forget" in result.output


def test_a_draft_saved_again_without_the_tools_header_is_still_seen_as_the_users(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    stored = next(s for s in imap.messages("Drafts") if b"jane@acme.example" in s.raw)
    resaved = email.message_from_bytes(stored.raw, policy=email.policy.SMTP)
    del resaved[HEADER]  # some mail programs keep only the headers they know
    save_again(imap, stored.uid, resaved.as_bytes())
    result = api.run(path, today=TODAY)
    assert result.mailbox is not None and result.mailbox.drafts is not None
    assert result.mailbox.drafts.kept_edited == ["Jane Doe"]
    assert len([s for s in imap.messages("Drafts") if b"jane@acme.example" in s.raw]) == 1


def test_a_failed_save_on_a_server_without_uidplus_says_what_it_left_in_drafts(
    old_imap: Dovecot, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheet_followup import batch
    from sheet_followup.errors import WorkbookError

    path = tracker_for(make_workbook, old_imap)

    def refuse(*args: object, **kwargs: object) -> None:
        raise WorkbookError("the disk is full")

    monkeypatch.setattr(batch, "replace_with_backup", refuse)
    with pytest.raises(WorkbookError) as raised:
        api.run(path, today=TODAY)
    assert str(raised.value).startswith("the disk is full; the 2 new drafts this run put in")
    assert "delete them in your mail program" in str(raised.value)
    assert len(old_imap.messages("Drafts")) == 2  # what the message says is there


@pytest.mark.parametrize("searched", [True, False], ids=["server-side search", "fetch all"])
def test_mail_to_a_contact_in_cc_counts_and_other_mail_is_ignored(
    imap: Dovecot, make_workbook: MakeWorkbook, monkeypatch: pytest.MonkeyPatch, searched: bool
) -> None:
    from sheet_followup.mail import headers

    if not searched:  # as for a tracker with more addresses than a search should carry
        monkeypatch.setattr(headers, "SEARCH_ADDRESSES", 0)
    path = tracker_for(make_workbook, imap, drafts=False)
    imap.append("Sent", mail(sender=ME, to="hr@globex.example", cc="Sam Lee <sam@globex.example>",
                             subject="Thanks to you both", date=at(dt.date(2026, 11, 20), 18)))  # fmt: skip
    imap.append("Sent", mail(sender=ME, to="xsam@globex.example", subject="Not Sam",
                             date=at(dt.date(2026, 11, 21))))  # fmt: skip
    imap.append("INBOX", mail(sender="news@acme.example", to=ME, subject="Acme newsletter",
                              date=at(dt.date(2026, 11, 21))))  # fmt: skip
    result = api.run(path, today=TODAY)
    assert result.mailbox is not None
    assert [(n.contact.contact, n.line.entry.day) for n in result.mailbox.recorded] == [
        ("Sam Lee", dt.date(2026, 11, 20))
    ]
    assert result.mailbox.replies == {}


def test_the_tools_draft_for_someone_who_replied_is_taken_out_of_drafts(
    imap: Dovecot, make_workbook: MakeWorkbook
) -> None:
    path = tracker_for(make_workbook, imap)
    api.run(path, today=TODAY)
    imap.append("INBOX", mail(sender="jane@acme.example", to=ME, subject="Re: Following up",
                              date=at(dt.date(2026, 11, 24))))  # fmt: skip
    result = invoke("run", path, "--today", NEXT_WEEK.isoformat())
    assert result.exit_code == 0, result.output
    assert "removed the tool's drafts for Jane Doe, no longer due" in result.output
    assert "Jane Doe <jane@acme.example>" not in recipients(drafts_in(imap))
