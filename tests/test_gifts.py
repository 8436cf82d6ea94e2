"""Choosing gifts, and the Log's effect on the rules."""

import dataclasses
import datetime as dt

from sheet_followup.cadence import plan_followup, plan_followups
from sheet_followup.gifts import assign_gifts
from sheet_followup.models import Contact, FollowUp, Gift, Kind, LogEntry
from sheet_followup.settings import Settings

TODAY = dt.date(2026, 11, 23)
D = dt.date


def person(row: int, name: str, company: str = "Acme", **fields: object) -> Contact:
    base: dict[str, object] = {
        "row": row,
        "company": company,
        "contact": name,
        "interests": "sailing",
        "interview_date": D(2026, 10, 1),
        "last_contact": D(2026, 11, 2),
    }
    return Contact(**(base | fields))  # type: ignore[arg-type]


def log(name: str, kind: str, day: dt.date, gift: str = "", company: str = "Acme") -> LogEntry:
    return LogEntry(day=day, company=company, contact=name, kind=kind, gift=gift)


def history(*entries: LogEntry) -> dict[tuple[str, str], list[LogEntry]]:
    found: dict[tuple[str, str], list[LogEntry]] = {}
    for entry in entries:
        found.setdefault(entry.key, []).append(entry)
    return found


def plan(contacts: list[Contact], gifts: list[Gift], entries: list[LogEntry]) -> list[FollowUp]:
    past = history(*entries)
    return assign_gifts(plan_followups(contacts, TODAY, Settings(), past), gifts, past)


GIFTS = [
    Gift(
        row=2,
        contact="Jane Doe",
        gift="Sailing knots guide",
        link="https://example.com/knots",
        why="she sails",
    ),
    Gift(row=3, contact="Jane Doe", gift="Regatta calendar"),
    Gift(row=4, company="Acme", gift="Onboarding article"),
    Gift(row=5, company="Acme", gift="Intro to Dr. Lee"),
]


def test_a_contact_takes_their_own_oldest_unsent_gift_with_its_why() -> None:
    [jane] = plan([person(5, "Jane Doe")], GIFTS, [])
    assert jane.gift == "Sailing knots guide https://example.com/knots"
    assert (jane.gift_why, jane.gift_row, jane.needs_gift) == ("she sails", 2, False)


def test_a_sent_gift_is_skipped_and_the_why_falls_back_to_the_interests() -> None:
    sent = [
        Gift(row=2, contact="Jane Doe", gift="Sailing knots guide", sent_on=D(2026, 11, 2)),
        *GIFTS[1:],
    ]
    [jane] = plan([person(5, "Jane Doe")], sent, [])
    assert (jane.gift, jane.gift_why) == ("Regatta calendar", "sailing")


def test_colleagues_share_company_gifts_but_never_the_same_one_in_a_run() -> None:
    bob, ann = plan([person(6, "Bob Stone"), person(7, "Ann Lee")], GIFTS, [])
    assert bob.gift == "Onboarding article"
    assert ann.gift == "Intro to Dr. Lee"


def test_a_gift_is_never_given_twice_to_the_same_person() -> None:
    entries = [log("Bob Stone", "thank_you", D(2026, 11, 2), gift="Onboarding article")]
    [bob] = plan([person(6, "Bob Stone")], GIFTS, entries)
    assert bob.gift == "Intro to Dr. Lee"


def test_the_rows_gift_cell_comes_last_and_is_not_repeated() -> None:
    [sam] = plan([person(8, "Sam Roe", company="Globex", gift="A podcast")], GIFTS, [])
    assert sam.gift == "A podcast"
    entries = [log("Sam Roe", "thank_you", D(2026, 11, 2), gift="A podcast", company="Globex")]
    [again] = plan([person(8, "Sam Roe", company="Globex", gift="A podcast")], GIFTS, entries)
    assert (again.gift, again.needs_gift) == ("", True)
    assert again.status == "Follow-up due (7 days late, add a gift)"


def test_a_tangible_gift_is_never_put_in_a_note() -> None:
    [sam] = plan([person(8, "Sam Roe", company="Globex", gift="$25 coffee gift card")], [], [])
    assert sam.tangible_gift == "$25 coffee gift card"
    assert (sam.gift, sam.needs_gift) == ("", True)  # the note gets the placeholder instead
    assert sam.status.endswith("add a gift, the gift looks tangible: give information instead)")


def test_a_companys_gifts_go_first_to_the_colleague_they_fit() -> None:
    shelf = [
        Gift(row=2, gift="A guide to cloud costs", company="Acme", why="the AWS bill"),
        Gift(row=3, gift="A study of onboarding analysts", company="Acme"),
    ]
    jane = person(5, "Jane", interests="sailing, AWS costs")
    sam = person(6, "Sam", interests="how long onboarding takes")
    first, second = plan([jane, sam], shelf, [])
    assert first.gift == "A guide to cloud costs"
    assert second.gift == "A study of onboarding analysts"
    # In the other order of rows, each still gets the one that fits them.
    sam_first, jane_second = plan([dataclasses.replace(sam, row=4), jane], shelf, [])
    assert (sam_first.gift, jane_second.gift) == (second.gift, first.gift)


def test_follow_ups_are_numbered_from_the_log() -> None:
    entries = [
        log("Jane Doe", "thank_you", D(2026, 10, 1)),
        log("Jane Doe", "follow_up", D(2026, 10, 15)),
        log("Jane Doe", "follow_up", D(2026, 11, 2)),
    ]
    [jane] = plan([person(5, "Jane Doe", gift="x")], [], entries)
    assert jane.status == "Follow-up due (#3, 7 days late)"


def test_a_logged_thank_you_counts_as_contact_and_is_never_asked_twice() -> None:
    jane = person(5, "Jane Doe", last_contact=None, interview_date=D(2026, 11, 16), gift="x")
    assert plan([jane], [], [])[0].kind is Kind.THANK_YOU
    [after] = plan([jane], [], [log("Jane Doe", "thank_you", D(2026, 11, 16))])
    assert (after.kind, after.next_follow_up) == (Kind.WAITING, D(2026, 11, 30))
    # A later interview round with the thank-you already said: a follow-up, not a second thank-you.
    later = person(5, "Jane Doe", last_contact=None, interview_date=D(2026, 11, 20), gift="x")
    [round_two] = plan([later], [], [log("Jane Doe", "thank_you", D(2026, 11, 2))])
    assert round_two.kind is Kind.FOLLOW_UP


def test_a_rejection_after_notes_earns_one_closing_note_then_closed() -> None:
    rejected = person(5, "Jane Doe", stage="Rejected")
    assert plan([rejected], [], [])[0].kind is Kind.CLOSED  # never written to: nothing to close
    written = [log("Jane Doe", "thank_you", D(2026, 10, 1))]
    [closing] = plan([rejected], [], written)
    assert (closing.kind, closing.status, closing.needs_gift) == (
        Kind.CLOSING,
        "Closing note due",
        False,
    )
    [closed] = plan([rejected], [], [*written, log("Jane Doe", "closing", D(2026, 11, 20))])
    assert (closed.kind, closed.status) == (Kind.CLOSED, "Closed (Rejected)")
    withdrawn = person(5, "Jane Doe", stage="Withdrawn")
    assert plan([withdrawn], [], written)[0].kind is Kind.CLOSED


def test_keep_in_touch_gives_a_closed_contact_a_note_every_90_days() -> None:
    friend = person(5, "Jane Doe", stage="Hired", keep_in_touch=True, last_contact=D(2026, 8, 1))
    [due] = plan([friend], [], [])
    assert due.kind is Kind.KEEP_IN_TOUCH
    assert due.next_follow_up == D(2026, 10, 30)
    recent = person(5, "Jane Doe", stage="Hired", keep_in_touch=True, last_contact=D(2026, 11, 2))
    [later] = plan([recent], [], [])
    assert (later.kind, later.next_follow_up) == (
        Kind.CLOSED,
        D(2027, 1, 31) + dt.timedelta(days=1),
    )
    assert later.status == "Closed (Hired, keep in touch)"


def test_log_lines_after_today_are_ignored() -> None:
    jane = person(5, "Jane Doe", last_contact=None, interview_date=D(2026, 11, 20), gift="x")
    followup = plan_followup(
        jane, TODAY, Settings(), [log("Jane Doe", "thank_you", D(2026, 12, 1))]
    )
    assert followup.kind is Kind.THANK_YOU


def test_choosing_a_gift_changes_only_the_gift_fields() -> None:
    # Every field set to something other than its default, so a field the choice dropped or
    # reset would show.
    decided = FollowUp(
        person(5, "Jane", idea="a tip"),
        Kind.FOLLOW_UP,
        D(2026, 11, 20),
        details=("3 days late",),
        days_late=3,
        number=2,
        gift="old gift",
        gift_why="old why",
        gift_row=9,
        needs_gift=True,
        tangible_gift="a gift card",
        idea="old idea",
    )
    shelf = [Gift(row=4, gift="A post on onboarding", contact="Jane", company="Acme")]
    [given] = assign_gifts([decided], shelf, {})
    assert given == dataclasses.replace(
        decided,
        gift="A post on onboarding",
        gift_why="sailing",
        gift_row=4,
        tangible_gift="",
        idea="a tip",
    )
    [none_left] = assign_gifts([dataclasses.replace(decided, gift="")], [], {})
    assert none_left == dataclasses.replace(decided, gift="", idea="a tip")
