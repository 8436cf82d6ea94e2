"""The mailbox's decisions, without a server: what Sent and the Inbox mean for each row, how
the settings are read, and what a failed sign-in tells the user to do.

The server itself is exercised against a real Dovecot in test_mailbox.py.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from sheet_followup.cadence import plan_followup, plan_followups
from sheet_followup.errors import MailboxError
from sheet_followup.logbook import DraftIndex
from sheet_followup.mail.account import (
    Account,
    account_from_settings,
    is_this_machine,
    provider_hint,
    split_server,
)
from sheet_followup.mail.folders import find_folders
from sheet_followup.mail.headers import Seen, parse_headers, readable_text, safe_text
from sheet_followup.mail.marker import Marker, parse_marker
from sheet_followup.mail.rejection import reads_like_rejection
from sheet_followup.mail.sightings import (
    OWN_NOTE,
    mail_contacts,
    mail_since,
    notes_sent,
    waiting_replies,
)
from sheet_followup.models import Contact, Kind, LogEntry, Reply
from sheet_followup.settings import SettingRow, Settings, build_settings, settings_from_rows

TODAY = dt.date(2026, 11, 30)
UTC = dt.timezone.utc


def person(**fields: object) -> Contact:
    base: dict[str, object] = {
        "row": 5,
        "company": "Acme",
        "contact": "Jane Doe",
        "email": "Jane.Doe@acme.example",
        "interview_date": dt.date(2026, 11, 2),
        "last_contact": dt.date(2026, 11, 2),
        "gift": "an article",
    }
    return Contact(**(base | fields))  # type: ignore[arg-type]


def seen(
    when: str,
    *,
    sender: str = "jane.doe@acme.example",
    to: tuple[str, ...] = ("me@example.com",),
    subject: str = "Re: Thank you",
    folder: str = "INBOX",
    uid: int = 1,
    marker: Marker | None = None,
    automatic: bool = False,
) -> Seen:
    return Seen(
        folder,
        uid,
        dt.datetime.fromisoformat(when).replace(tzinfo=UTC),
        sender,
        to,
        subject,
        marker=marker,
        automatic=automatic,
    )


def sent_to(when: str, subject: str = "Following up", uid: int = 1, **kw: object) -> Seen:
    return seen(
        when,
        sender="me@example.com",
        to=("jane.doe@acme.example",),
        subject=subject,
        folder="Sent",
        uid=uid,
        **kw,  # type: ignore[arg-type]
    )


# --- the rules ------------------------------------------------------------------------------


def test_a_reply_holds_the_canned_follow_up_and_says_answer_them() -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    due = plan_followup(jane, TODAY, Settings())
    assert due.kind is Kind.FOLLOW_UP
    reply = Reply(dt.date(2026, 11, 20), "Re: Thank you")
    held = plan_followup(jane, TODAY, Settings(), reply=reply)
    assert held.kind is Kind.REPLIED
    assert not held.kind.is_due
    assert held.status == 'Replied (2026-11-20): answer them ("Re: Thank you")'
    assert held.next_follow_up == dt.date(2026, 11, 20)


def test_a_rejection_like_reply_says_so_and_leaves_the_stage_alone() -> None:
    jane = person(stage="Final round")
    reply = Reply(dt.date(2026, 11, 20), "Your application", rejection=True)
    held = plan_followup(jane, TODAY, Settings(), reply=reply)
    assert held.status == (
        'Replied (2026-11-20): answer them ("Your application"); reads like a rejection: '
        "set the stage to Rejected if so"
    )
    assert held.contact.stage == "Final round"


@pytest.mark.parametrize(
    ("fields", "kind"),
    [
        ({"stage": "Rejected"}, Kind.CLOSED),  # closed stays closed
        ({"interview_date": dt.date(2026, 12, 10), "last_contact": None}, Kind.UPCOMING),
        ({"company": ""}, Kind.FIX_DATA),
    ],
)
def test_a_reply_does_not_change_what_it_cannot_answer(
    fields: dict[str, object], kind: Kind
) -> None:
    reply = Reply(dt.date(2026, 11, 20), "Hello")
    assert plan_followup(person(**fields), TODAY, Settings(), reply=reply).kind is kind


def test_a_closing_note_still_goes_to_someone_whose_reply_turned_the_user_down() -> None:
    jane = person(stage="Rejected")
    logged = [LogEntry(dt.date(2026, 11, 2), "Acme", "Jane Doe", "thank_you")]
    reply = Reply(dt.date(2026, 11, 20), "Your application", rejection=True)
    decided = plan_followup(jane, TODAY, Settings(), logged, reply=reply)
    assert decided.kind is Kind.CLOSING


def test_a_reply_from_after_today_is_not_seen_yet() -> None:
    reply = Reply(dt.date(2026, 12, 5), "Hello")
    jane = person(last_contact=dt.date(2026, 11, 10))
    assert plan_followup(jane, TODAY, Settings(), reply=reply).kind is Kind.FOLLOW_UP


def test_plan_followups_gives_each_contact_its_own_reply() -> None:
    jane, sam = person(), person(row=6, contact="Sam Lee", email="sam@acme.example")
    replies = {jane.ident: Reply(dt.date(2026, 11, 20), "Hi")}
    kinds = [f.kind for f in plan_followups([jane, sam], TODAY, Settings(), None, replies)]
    assert kinds == [Kind.REPLIED, Kind.FOLLOW_UP]


# --- Sent and the Inbox, read against the tracker --------------------------------------------


def test_a_message_in_sent_after_the_last_note_is_recorded_as_an_own_note(
    tmp_path: Path,
) -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    by_address = mail_contacts([jane])
    index = DraftIndex([tmp_path], until=TODAY)
    sent = [
        sent_to("2026-11-05T10:00:00", uid=1),  # before the last note: already counted
        sent_to("2026-11-10T18:00:00", uid=2),  # the last note's own day: that note
        sent_to("2026-11-24T09:00:00", uid=3),
        sent_to("2026-11-24T15:00:00", uid=4),  # the same day again: one note a day
        sent_to("2026-12-02T09:00:00", uid=5),  # after today
    ]
    found = notes_sent(by_address, {}, sent, index, tmp_path, TODAY)
    assert [(n.message.uid, n.line.entry.kind, n.line.entry.day) for n in found] == [
        (3, OWN_NOTE, dt.date(2026, 11, 24))
    ]
    assert found[0].line.entry.gift == ""
    assert found[0].line.gift_row is None


def test_mail_from_before_the_interview_is_not_a_note(tmp_path: Path) -> None:
    jane = person(interview_date=dt.date(2026, 11, 20), last_contact=None)
    by_address = mail_contacts([jane])
    index = DraftIndex([tmp_path], until=TODAY)
    sent = [sent_to("2026-11-12T10:00:00", "Interview time", uid=1)]
    assert notes_sent(by_address, {}, sent, index, tmp_path, TODAY) == []
    inbox = [seen("2026-11-13T10:00:00", subject="See you on the 20th")]
    assert waiting_replies(by_address, {}, [], inbox, TODAY) == {}


def test_the_logged_notes_count_as_the_last_note(tmp_path: Path) -> None:
    jane = person(last_contact=None)
    history = {jane.key: [LogEntry(dt.date(2026, 11, 24), "Acme", "Jane Doe", "follow_up")]}
    by_address = mail_contacts([jane])
    index = DraftIndex([tmp_path], until=TODAY)
    sent = [sent_to("2026-11-24T09:00:00", uid=1)]
    assert notes_sent(by_address, history, sent, index, tmp_path, TODAY) == []


def test_addresses_match_whatever_their_case_and_only_whole(tmp_path: Path) -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    by_address = mail_contacts([jane])
    assert list(by_address) == ["jane.doe@acme.example"]
    index = DraftIndex([tmp_path], until=TODAY)
    other = dataclasses.replace(
        sent_to("2026-11-24T09:00:00"), recipients=("notjane.doe@acme.example",)
    )
    assert notes_sent(by_address, {}, [other], index, tmp_path, TODAY) == []


def test_a_reply_after_the_last_note_waits_for_an_answer() -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    by_address = mail_contacts([jane])
    inbox = [
        seen("2026-11-09T10:00:00", uid=1),  # before the last note: answered by it
        seen("2026-11-20T10:00:00", uid=2),
        seen("2026-11-21T10:00:00", uid=3, sender="someone@else.example"),
    ]
    waiting = waiting_replies(by_address, {}, [], inbox, TODAY)
    assert {ident: m.uid for ident, m in waiting.items()} == {jane.ident: 2}


def test_an_answer_in_sent_after_the_reply_settles_it_even_the_same_day() -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    by_address = mail_contacts([jane])
    inbox = [seen("2026-11-20T10:00:00", uid=2)]
    answer = sent_to("2026-11-20T16:00:00", "Re: Re: Thank you", uid=9)
    assert waiting_replies(by_address, {}, [answer], inbox, TODAY) == {}
    earlier = sent_to("2026-11-20T08:00:00", "Thank you", uid=8)
    assert jane.ident in waiting_replies(by_address, {}, [earlier], inbox, TODAY)


def test_an_out_of_office_answer_is_no_reply() -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    by_address = mail_contacts([jane])
    inbox = [
        seen("2026-11-20T10:00:00", uid=1, subject="Automatic reply: Thank you"),
        seen("2026-11-20T10:00:00", uid=2, subject="Thanks", automatic=True),
        seen("2026-11-20T10:00:00", uid=3, subject="Out of Office: back Monday"),
    ]
    assert waiting_replies(by_address, {}, [], inbox, TODAY) == {}


def test_the_window_starts_at_the_earliest_last_note_and_not_too_long_ago() -> None:
    jane = person(last_contact=dt.date(2026, 11, 10))
    sam = person(row=6, contact="Sam", email="sam@acme.example", last_contact=None)
    by_address = mail_contacts([jane, sam])
    assert mail_since(by_address, {}, TODAY) == dt.date(2026, 11, 2)  # Sam's interview
    old = person(interview_date=dt.date(2020, 1, 1), last_contact=None)
    assert mail_since(mail_contacts([old]), {}, TODAY) == TODAY - dt.timedelta(days=400)
    assert mail_since(mail_contacts([person(email="")]), {}, TODAY) is None


# --- reading someone else's headers ---------------------------------------------------------


def test_hostile_headers_come_out_as_one_short_safe_line() -> None:
    raw = (
        b"From: =?utf-8?q?Evil=0D=0ABcc=3A_x=40y?= <jane.doe@acme.example>\r\n"
        b"To: me@example.com\r\n"
        b"Subject: =?utf-8?q?=1B]0;owned=07=3DHYPERLINK(=22http://x=22)?=\r\n"
        b"Date: Fri, 20 Nov 2026 10:00:00 +0100\r\n\r\n"
    )
    message = parse_headers("INBOX", 7, raw)
    assert message is not None
    assert message.sender == "jane.doe@acme.example"
    assert "\x1b" not in message.subject and "\x07" not in message.subject
    assert message.subject.isprintable()
    assert message.when == dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    assert len(safe_text("x" * 1000)) <= 120


def test_a_message_without_a_date_takes_the_servers() -> None:
    received = dt.datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    message = parse_headers("INBOX", 1, b"From: a@b.example\r\n\r\n", received)
    assert message is not None and message.when == received
    assert parse_headers("INBOX", 1, b"From: a@b.example\r\nDate: soon\r\n\r\n") is None


def test_the_start_of_a_text_part_is_decoded_however_it_was_cut() -> None:
    import base64

    text = "Unfortunately we went with other candidates. " * 20
    encoded = base64.encodebytes(text.encode())[:301]  # cut mid-line, mid-quantum
    assert readable_text(encoded, "plain", "utf-8", "base64").startswith("Unfortunately we")
    assert readable_text(b"caf=C3=A9 =\r\nok", "plain", "utf-8", "quoted-printable") == "café ok"
    assert readable_text(b"<p>Hi&nbsp;there</p>", "html", "utf-8", "7bit").split() == [
        "Hi",
        "there",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Unfortunately, we have decided to move forward with other candidates.",
        "We regret to inform you that the position has been filled.",
        "After careful consideration we will not be moving forward with your application.",
        "You have not been selected for the next stage.",
        "We have decided to go with another candidate whose experience more closely matches.",
    ],
)
def test_the_usual_ways_of_saying_no_read_like_a_rejection(text: str) -> None:
    assert reads_like_rejection(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the article! Could you do a second interview on Tuesday?",
        "We have decided to offer you the position.",
        "Great to meet you; we are moving forward with the next round.",
    ],
)
def test_a_kind_reply_does_not_read_like_a_rejection(text: str) -> None:
    assert not reads_like_rejection(text)


# --- the tool's header on its drafts ---------------------------------------------------------


def test_the_marker_survives_names_that_would_break_a_header() -> None:
    marker = Marker(
        "tracker", dt.date(2026, 11, 23), "follow_up", "A; B=C\r\nBcc: x@y", "Zoë %20", "ab12"
    )
    value = marker.header_value()
    assert "\r" not in value and "\n" not in value and value.isascii()
    assert parse_marker(value) == marker
    assert parse_marker(value.replace("v=1", "v=9")) is None
    assert parse_marker("garbage") is None


# --- settings ----------------------------------------------------------------------------------


def rows(*pairs: tuple[str, object]) -> list[SettingRow]:
    return [SettingRow(key, value, f"Settings!B{i}") for i, (key, value) in enumerate(pairs, 2)]


def test_the_mail_settings_are_read_in_the_spellings_people_use() -> None:
    values, problems = settings_from_rows(
        rows(
            ("IMAP server", "imap.gmail.com:993"),
            ("Mail login", "me@gmail.com"),
            ("Mail security", "SSL/TLS"),
            ("Put drafts in mailbox", "yes"),
        )
    )
    assert problems == []
    settings = build_settings(values, {})
    assert (settings.mail_server, settings.mail_user, settings.mail_security) == (
        "imap.gmail.com:993",
        "me@gmail.com",
        "ssl",
    )
    assert settings.mailbox_drafts is True


def test_a_password_in_the_workbook_is_refused_and_never_repeated() -> None:
    values, problems = settings_from_rows(rows(("Mail password", "hunter2")))
    assert "mail_password" not in values and values == {}
    assert len(problems) == 1
    assert "Settings!B2" in problems[0] and "never reads a password" in problems[0]
    assert "hunter2" not in problems[0]


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("Mail security", "rot13", "is not ssl, starttls or none"),
        ("Mail server", "https://imap.example.com/", "is not a server name"),
        ("Mail server", "imap.example.com:99999", "is not a port number"),
    ],
)
def test_a_mail_setting_that_cannot_be_used_is_named(key: str, value: str, said: str) -> None:
    _, problems = settings_from_rows(rows((key, value)))
    assert len(problems) == 1 and said in problems[0] and "Settings!B2" in problems[0]


def test_servers_and_ports() -> None:
    assert split_server("imap.gmail.com") == ("imap.gmail.com", None)
    assert split_server(" imap.gmail.com:993 ") == ("imap.gmail.com", 993)
    assert split_server("[::1]:1143") == ("::1", 1143)
    assert split_server("::1") == ("::1", None)
    assert all(is_this_machine(h) for h in ("localhost", "127.0.0.1", "127.5.5.5", "::1"))
    assert not any(is_this_machine(h) for h in ("imap.gmail.com", "10.0.0.1", "localhost.evil"))


def test_no_encryption_is_accepted_only_on_this_machine() -> None:
    remote = Settings(mail_server="imap.example.com", mail_user="me", mail_security="none")
    with pytest.raises(MailboxError, match="accepted only for a server on this machine"):
        account_from_settings(remote)
    local = dataclasses.replace(remote, mail_server="127.0.0.1:1143")
    assert account_from_settings(local) == Account("127.0.0.1", 1143, "none", "me")
    assert account_from_settings(
        Settings(mail_server="imap.example.com", mail_user="me")
    ) == Account("imap.example.com", 993, "ssl", "me")
    with pytest.raises(MailboxError, match="no Mail user"):
        account_from_settings(Settings(mail_server="imap.example.com"))


@pytest.mark.parametrize(
    ("host", "user", "said"),
    [
        ("imap.gmail.com", "me@gmail.com", "Gmail needs an app password"),
        ("imap.mail.me.com", "me@icloud.com", "iCloud needs an app password"),
        ("imap.mail.yahoo.com", "me@yahoo.com", "Yahoo needs an app password"),
        ("imap.fastmail.com", "me@fastmail.com", "Fastmail needs an app password"),
        ("outlook.office365.com", "me@outlook.com", "accept only OAuth"),
        ("mail.example.org", "me", "check Mail user and the password"),
    ],
)
def test_a_refused_sign_in_says_what_kind_of_password_the_provider_needs(
    host: str, user: str, said: str
) -> None:
    assert said in provider_hint(Account(host, 993, "ssl", user))


# --- folders, as servers list them --------------------------------------------------------------


class Listing:
    """A client whose LIST answer is given: the folder finder reads nothing else."""

    def __init__(self, folders: list[tuple[tuple[bytes, ...], bytes, str]]) -> None:
        self.folders = folders

    def list_folders(self) -> list[tuple[tuple[bytes, ...], bytes, str]]:
        return self.folders


def test_special_use_flags_win_over_names() -> None:
    found = find_folders(
        Listing(
            [
                ((b"\\HasNoChildren",), b"/", "INBOX"),
                ((b"\\HasNoChildren",), b"/", "Drafts"),
                ((b"\\HasNoChildren", b"\\Drafts"), b"/", "Entwürfe"),
                ((b"\\Sent",), b"/", "Gesendet"),
            ]
        )
    )
    assert found.drafts is not None and found.drafts.name == "Entwürfe"
    assert found.drafts.special_use
    assert found.sent is not None and found.sent.name == "Gesendet"


def test_without_flags_the_usual_names_are_found_in_any_hierarchy() -> None:
    gmail = find_folders(
        Listing(
            [
                ((), b"/", "INBOX"),
                ((b"\\Noselect",), b"/", "[Gmail]"),
                ((), b"/", "[Gmail]/Drafts"),
                ((), b"/", "[Gmail]/Sent Mail"),
                ((), b"/", "Projects/Sent"),
            ]
        )
    )
    assert gmail.drafts is not None and gmail.drafts.name == "[Gmail]/Drafts"
    assert gmail.sent is not None and gmail.sent.name in ("[Gmail]/Sent Mail", "Projects/Sent")
    courier = find_folders(
        Listing([((), b".", "INBOX"), ((), b".", "INBOX.Drafts"), ((), b".", "INBOX.Sent Items")])
    )
    assert courier.drafts is not None and courier.drafts.name == "INBOX.Drafts"
    assert courier.sent is not None and courier.sent.name == "INBOX.Sent Items"
    bare = find_folders(Listing([((), b"/", "INBOX")]))
    assert bare.drafts is None and bare.sent is None and bare.inbox.name == "INBOX"


def test_a_note_recorded_with_sent_before_it_went_out_is_not_logged_twice(
    tmp_path: Path,
) -> None:
    from sheet_followup.drafts import name_drafts, render_drafts, write_drafts

    jane = person(last_contact=dt.date(2026, 11, 2))
    due = plan_followup(jane, TODAY, Settings())
    folder = tmp_path / TODAY.isoformat()
    write_drafts(render_drafts(name_drafts([due], folder, ("md",)), Settings(), TODAY), folder)
    index = DraftIndex([tmp_path], until=dt.date(2026, 12, 5))
    by_address = mail_contacts([jane])
    subject = next(iter(index.of(jane.key))).record.subject
    # `sent --on 2026-11-30` was typed on Monday; the note itself went out on Tuesday.
    history = {jane.key: [LogEntry(TODAY, "Acme", "Jane Doe", "follow_up")]}
    message = sent_to("2026-12-01T09:00:00", subject)
    later = dt.date(2026, 12, 5)
    assert notes_sent(by_address, history, [message], index, tmp_path, later) == []
    # Without that Log line, the same message is the draft's note, with its kind.
    found = notes_sent(by_address, {}, [message], index, tmp_path, later)
    assert [n.line.entry.kind for n in found] == ["follow_up"]


def test_a_run_without_a_mailbox_loads_nothing_of_one(tmp_path: Path) -> None:
    """A tracker without a Mail server never pays for the mailbox: no network, no email
    parser, no keyring, not even their import (a 100-row run is mostly start-up)."""
    import subprocess
    import sys

    from tests.conftest import REPO, pristine_sample

    script = (
        "import sys, datetime as dt\n"
        "from sheet_followup import api\n"
        f"api.run({str(pristine_sample())!r}, today=dt.date(2026, 11, 23), dry_run=True)\n"
        "loaded = [m for m in ('ssl', 'socket', 'imapclient', 'keyring', 'email.parser',\n"
        "          'sheet_followup.mail.session') if m in sys.modules]\n"
        "print(loaded)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert shown.stdout.strip() == "[]", shown.stdout


def test_the_search_ors_every_address_in_imaps_prefix_form() -> None:
    from sheet_followup.mail.headers import any_of

    assert any_of([("FROM", "a@x")]) == ["FROM", "a@x"]
    keys = [("TO", "a@x"), ("CC", "a@x"), ("TO", "b@y")]
    assert any_of(keys) == ["OR", "TO", "a@x", "OR", "CC", "a@x", "TO", "b@y"]


def test_a_very_long_name_survives_the_folding_of_the_tools_header(tmp_path: Path) -> None:
    import email.parser
    import email.policy

    from sheet_followup.drafts import name_drafts, render_drafts
    from sheet_followup.mail.drafts_box import mailbox_message
    from sheet_followup.mail.marker import HEADER

    long_company = "Société Générale des Très Longs Noms " * 60  # over 2,000 characters
    due = plan_followup(person(company=long_company.strip()), TODAY, Settings())
    planned = render_drafts(name_drafts([due], tmp_path, ("md",)), Settings(), TODAY)
    marker, message = mailbox_message(planned[0], "tracker", TODAY)
    head = message.partition(b"\r\n\r\n")[0] + b"\r\n\r\n"
    assert all(len(line) < 998 for line in head.split(b"\r\n"))
    stored = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(head)
    assert parse_marker(str(stored[HEADER])) == marker
    assert marker.company == long_company.strip()


def test_a_long_subject_read_back_cut_still_matches_its_draft(tmp_path: Path) -> None:
    from sheet_followup.drafts import name_drafts, render_drafts, write_drafts
    from sheet_followup.mail.headers import safe_text

    jane = person(position="Principal " * 30)  # a subject well over what is read back
    due = plan_followup(jane, TODAY, Settings())
    folder = tmp_path / TODAY.isoformat()
    write_drafts(render_drafts(name_drafts([due], folder, ("md",)), Settings(), TODAY), folder)
    index = DraftIndex([tmp_path], until=dt.date(2026, 12, 5))
    subject = next(iter(index.of(jane.key))).record.subject
    assert len(subject) > 120
    message = sent_to("2026-12-01T09:00:00", safe_text(subject))  # as headers.py reads it
    found = notes_sent(mail_contacts([jane]), {}, [message], index, tmp_path, dt.date(2026, 12, 5))
    assert [n.line.entry.kind for n in found] == ["follow_up"]
