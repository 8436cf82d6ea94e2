"""Seven weeks of the routine as a new user lives it, on a tracker from `init`.

Ten interviewers at four companies: a panel of three at Acme that ends in an offer, two at
Globex (one away on holiday) that ends in a rejection, two at Initech (one without an email), and
three at Umbrella, one of whose gift is a gift card. Each Monday the user runs the tool, reads
and edits drafts in whichever format they like, records what went out with `sent` or by typing
Last contact, and changes stages and pauses by hand between runs. Every week asserts what they
would see: statuses, the drafts and their words, the Log, the Gifts sheet and the calendar.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
from pathlib import Path
from urllib.parse import unquote

import openpyxl
from click.testing import CliRunner, Result

from sheet_followup.cli import cli
from sheet_followup.starter import HEADER_ROW

D = dt.date
WEEKS = [D(2026, 11, 2) + dt.timedelta(weeks=n) for n in range(7)]

PEOPLE = [
    # Company, Position, Contact, Email, Interview date, Interests
    ("Acme", "Data analyst", "Ann Archer", "ann@acme.example", D(2026, 11, 2), "team onboarding"),
    ("Acme", "Data analyst", "Bob Baker", "bob@acme.example", D(2026, 11, 2), "demand forecasting"),
    ("Acme", "Data analyst", "Cara Cole", "cara@acme.example", D(2026, 11, 2), "data quality"),
    ("Globex", "Analyst", "Dan Dorn", "dan@globex.example", D(2026, 10, 30), "pricing models"),
    ("Globex", "Analyst", "Eve Eng", "eve@globex.example", D(2026, 10, 30), "hiking; SQL tuning"),
    ("Initech", "BI developer", "Fay Fox", None, D(2026, 11, 5), "dashboards"),
    ("Initech", "BI developer", "Gus Gray", "gus@initech.example", D(2026, 11, 5), "reporting"),
    ("Umbrella", "", "Hal Hill", "hal@umbrella.example", D(2026, 11, 9), "coffee"),
    ("Umbrella", "", "Ivy Ives", "ivy@umbrella.example", D(2026, 11, 9), "supply chains"),
    ("Umbrella", "", "Jo Jones", "jo@umbrella.example", D(2026, 11, 9), "open data"),
]
GIFTS = [
    # Contact, Company, Gift, Link, Why
    (None, "Acme", "Forecasting demand with weather data", "https://ex.com/weather", ""),
    (None, "Acme", "A data-quality checklist", "https://ex.com/dq", ""),
    ("Dan Dorn", None, "Pricing teardown", "https://ex.com/pricing", "he loves pricing puzzles"),
    ("Dan Dorn", None, "Elasticity explained", "https://ex.com/elastic", "pricing models"),
    ("Eve Eng", None, "Query plans, visually", "https://ex.com/plans", "SQL tuning"),
    ("Hal Hill", None, "$25 Starbucks card", "", "he lives on coffee"),
    ("Ivy Ives", None, "The resilient supply chain", "https://ex.com/chain", "supply chains"),
]


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def run(tracker: Path, day: dt.date) -> dict[str, object]:
    result = invoke("run", tracker, "--today", day.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    report: dict[str, object] = json.loads(result.stdout)
    return report


def summary(tracker: Path, day: dt.date) -> str:
    """What the user reads: a dry run's summary (changes nothing)."""
    result = invoke("run", tracker, "--today", day.isoformat(), "--dry-run")
    assert result.exit_code == 0, result.output
    return result.stdout


def people(report: dict[str, object]) -> dict[str, dict[str, object]]:
    return {str(c["contact"]): c for c in report["contacts"]}  # type: ignore[attr-defined]


def statuses(report: dict[str, object]) -> dict[str, object]:
    return {name: c["status"] for name, c in people(report).items()}


def rows(tracker: Path) -> dict[str, int]:
    sheet = openpyxl.load_workbook(tracker)["Job search"]
    names = {c.value: c.column for c in sheet[HEADER_ROW]}
    return {
        str(sheet.cell(r, names["Contact"]).value): r
        for r in range(HEADER_ROW + 1, sheet.max_row + 1)
        if sheet.cell(r, names["Contact"]).value
    }


def type_in(tracker: Path, changes: dict[str, dict[str, object]]) -> None:
    """Type into the tracker as a user does in Excel, by contact and header."""
    workbook = openpyxl.load_workbook(tracker)
    sheet = workbook["Job search"]
    names = {c.value: c.column for c in sheet[HEADER_ROW]}
    where = rows(tracker)
    for contact, cells in changes.items():
        for header, value in cells.items():
            cell = sheet.cell(where[contact], names[header])
            cell.value = value
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    workbook.save(tracker)


def log(tracker: Path) -> list[tuple[object, ...]]:
    """The Log's lines after its header: (day, contact, kind, gift, recorded)."""
    sheet = openpyxl.load_workbook(tracker)["Log"]
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    return [(as_day(r[0]), r[2], r[3], r[4], r[7]) for r in lines if r[0] is not None]


def gifts_sent(tracker: Path) -> dict[str, dt.date | None]:
    sheet = openpyxl.load_workbook(tracker)["Gifts"]
    return {str(r[2]): as_day(r[5]) for r in sheet.iter_rows(min_row=2, values_only=True)}


def as_day(value: object) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else None


def draft(tracker: Path, day: dt.date, stem: str, fmt: str = "md") -> Path:
    return tracker.parent / "drafts" / day.isoformat() / f"{stem}.{fmt}"


def calendar(tracker: Path, day: dt.date) -> dict[str, tuple[dt.date, str]]:
    """reminders.ics as a calendar program imports it: summary -> (day, UID)."""
    from icalendar import Calendar

    ics = tracker.parent / "drafts" / day.isoformat() / "reminders.ics"
    return {
        str(e["summary"]): (e.decoded("dtstart"), str(e["uid"]))
        for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    }


def make_tracker(tmp_path: Path) -> Path:
    tracker = tmp_path / "search" / "tracker.xlsx"
    assert invoke("init", tracker).exit_code == 0
    workbook = openpyxl.load_workbook(tracker)
    settings = workbook["Settings"]
    values = {"Your name": "Alex Morgan", "Your email": "alex@example.com"}
    for row in settings.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    settings.append(["Format", "md, txt, html, eml"])
    settings.append(["Holidays", "US"])
    sheet = workbook["Job search"]
    names = {c.value: c.column for c in sheet[HEADER_ROW]}
    for number, (company, position, contact, address, interview, interests) in enumerate(
        PEOPLE, start=HEADER_ROW + 1
    ):
        cells = {
            "Company": company,
            "Position": position or None,
            "Contact": contact,
            "Email": address,
            "Interview date": interview,
            "Stage": "Interviewing",
            "Interests": interests,
        }
        for header, value in cells.items():
            sheet.cell(number, names[header]).value = value
        sheet.cell(number, names["Interview date"]).number_format = "yyyy-mm-dd"
    gifts = workbook["Gifts"]
    for gift in GIFTS:
        gifts.append(list(gift))
    workbook.save(tracker)
    return tracker


def sent(tracker: Path, day: dt.date, *contacts: str) -> None:
    where = rows(tracker)
    args = [a for c in contacts for a in ("--row", where[c])]
    result = invoke("sent", tracker, *args, "--on", day.isoformat())
    assert result.exit_code == 0, result.output


def edit_paragraph(path: Path, starting: str, new: str | None) -> None:
    """Edit a draft as a person does: the paragraph starting with ``starting`` becomes ``new``
    (or goes, with None), in a text draft or a web page."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        found = re.search(rf"<p>{re.escape(starting)}.*?</p>", text)
        assert found, (path.name, starting)
        text = text.replace(found.group(), f"<p>{new}</p>" if new is not None else "")
    else:
        paragraphs = text.split("\n\n")
        [at] = [i for i, p in enumerate(paragraphs) if p.startswith(starting)]
        paragraphs[at : at + 1] = [new] if new is not None else []
        text = "\n\n".join(paragraphs)
    path.write_text(text, encoding="utf-8")


def test_seven_weeks_of_the_routine(tmp_path: Path) -> None:
    tracker = make_tracker(tmp_path)

    # Week 1: the Acme panel today, Globex last Friday. Thank-yous; company gifts go to whom
    # they fit (Bob forecasts demand, Cara cares about data quality); Ann's needs one.
    monday = WEEKS[0]
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Thank-you due (add a gift)",
        "Bob Baker": "Thank-you due",
        "Cara Cole": "Thank-you due",
        "Dan Dorn": "Thank-you due (3 days late)",
        "Eve Eng": "Thank-you due (3 days late)",
        "Fay Fox": "Interview upcoming",
        "Gus Gray": "Interview upcoming",
        "Hal Hill": "Interview upcoming",
        "Ivy Ives": "Interview upcoming",
        "Jo Jones": "Interview upcoming",
    }
    gifts = {name: c["gift"] for name, c in people(week).items() if c["gift"]}
    assert gifts == {
        "Bob Baker": "Forecasting demand with weather data https://ex.com/weather",
        "Cara Cole": "A data-quality checklist https://ex.com/dq",
        "Dan Dorn": "Pricing teardown https://ex.com/pricing",
        "Eve Eng": "Query plans, visually https://ex.com/plans",
    }
    eve = draft(tracker, monday, "globex-eve-eng-thank-you").read_text(encoding="utf-8")
    assert "meet with me on Friday about the Analyst role" in eve
    assert "You mentioned SQL tuning, so I thought you might find this useful: Query plans" in eve
    dan = draft(tracker, monday, "globex-dan-dorn-thank-you").read_text(encoding="utf-8")
    assert "You mentioned that you love pricing puzzles, so" in dan

    # Ann fills the gift placeholder in the Markdown draft; the next run carries her words to
    # the other formats and to the send links.
    ann = draft(tracker, monday, "acme-ann-archer-thank-you")
    own_gift = "Here is the onboarding podcast I mentioned: https://ex.com/pod"
    edit_paragraph(ann, "[ADD A GIFT", own_gift)
    again = invoke("run", tracker, "--today", monday.isoformat())
    assert again.exit_code == 0, again.output
    print(again.output)
    assert "acme-ann-archer-thank-you.md  (your edit of the .md is in every format)" in again.output
    for fmt in ("txt", "html"):
        assert "onboarding podcast" in draft(tracker, monday, ann.stem, fmt).read_text("utf-8")
    message = email.message_from_bytes(
        draft(tracker, monday, ann.stem, "eml").read_bytes(), policy=email.policy.default
    )
    assert own_gift in message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    index = (ann.parent / "index.html").read_text(encoding="utf-8")
    [ann_link] = [unquote(p) for p in index.split('"') if p.startswith("mailto:ann@")]
    assert "onboarding podcast" in ann_link and "[ADD A GIFT" not in ann_link
    assert ann.read_text(encoding="utf-8").count("onboarding podcast") == 1  # still hers

    sent(tracker, monday, "Ann Archer", "Bob Baker", "Cara Cole", "Dan Dorn", "Eve Eng")
    assert log(tracker) == [
        (monday, "Ann Archer", "thank_you", own_gift, "sent"),
        (
            monday,
            "Bob Baker",
            "thank_you",
            "Forecasting demand with weather data https://ex.com/weather",
            "sent",
        ),
        (monday, "Cara Cole", "thank_you", "A data-quality checklist https://ex.com/dq", "sent"),
        (monday, "Dan Dorn", "thank_you", "Pricing teardown https://ex.com/pricing", "sent"),
        (monday, "Eve Eng", "thank_you", "Query plans, visually https://ex.com/plans", "sent"),
    ]
    assert gifts_sent(tracker) == {
        "Forecasting demand with weather data": monday,
        "A data-quality checklist": monday,
        "Pricing teardown": monday,
        "Elasticity explained": None,
        "Query plans, visually": monday,
        "$25 Starbucks card": None,
        "The resilient supply chain": None,
    }

    # Week 2: Eve is away until the 30th. Initech (Thursday) and Umbrella (today) are thanked;
    # Hal's gift is a gift card, which never goes into a note.
    monday = WEEKS[1]
    type_in(tracker, {"Eve Eng": {"Pause until": D(2026, 11, 30)}})
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Waiting",
        "Bob Baker": "Waiting",
        "Cara Cole": "Waiting",
        "Dan Dorn": "Waiting",
        "Eve Eng": "Waiting (paused until 2026-11-30)",
        "Fay Fox": "Thank-you due (4 days late, add a gift)",
        "Gus Gray": "Thank-you due (4 days late, add a gift)",
        "Hal Hill": "Thank-you due (add a gift, the gift looks tangible: give information instead)",
        "Ivy Ives": "Thank-you due",
        "Jo Jones": "Thank-you due (add a gift)",
    }
    hal = draft(tracker, monday, "umbrella-hal-hill-thank-you").read_text(encoding="utf-8")
    assert "Starbucks" not in hal and "$25" not in hal
    assert "[ADD A GIFT: an article, a contact or a tip for Hal" in hal
    # Fay has no email: her draft is there to send another way, with no send link.
    fay = draft(tracker, monday, "initech-fay-fox-thank-you").read_text(encoding="utf-8")
    assert fay.startswith("- **To:** Fay Fox\n")
    index = (draft(tracker, monday, "index").parent / "index.html").read_text(encoding="utf-8")
    assert index.count('href="mailto:') == 4
    events = calendar(tracker, monday)
    assert events["Thank-you note to Fay Fox (Initech)"][0] == monday  # overdue: today
    assert events["Follow up with Eve Eng (Globex)"][0] == D(2026, 11, 30)
    assert events["Follow up with Ann Archer (Acme)"][0] == D(2026, 11, 16)
    uid_fay = events["Thank-you note to Fay Fox (Initech)"][1]

    # Initech's notes go out with `sent`; Umbrella's she sends from her mail program and types
    # the day into Last contact (Jo's on Thursday).
    sent(tracker, monday, "Fay Fox", "Gus Gray")
    type_in(
        tracker,
        {
            "Hal Hill": {"Last contact": monday},
            "Ivy Ives": {"Last contact": monday},
            "Jo Jones": {"Last contact": D(2026, 11, 12)},
        },
    )

    # Week 3: the typed days are logged as the notes sent (Ivy's gift marked given), Acme and
    # Dan are due their first follow-up, Eve is still away.
    monday = WEEKS[2]
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Follow-up due",
        "Bob Baker": "Follow-up due (add a gift)",
        "Cara Cole": "Follow-up due",
        "Dan Dorn": "Follow-up due",
        "Eve Eng": "Waiting (paused until 2026-11-30)",
        "Fay Fox": "Waiting",
        "Gus Gray": "Waiting",
        "Hal Hill": "Waiting",
        "Ivy Ives": "Waiting",
        "Jo Jones": "Waiting",
    }
    recorded = [(r["contact"], r["kind"], r["on"], r["gift"], r["from"]) for r in week["recorded"]]  # type: ignore[attr-defined]
    assert recorded == [
        ("Hal Hill", "thank_you", "2026-11-09", None, "Last contact"),
        (
            "Ivy Ives",
            "thank_you",
            "2026-11-09",
            "The resilient supply chain https://ex.com/chain",
            "Last contact",
        ),
        ("Jo Jones", "thank_you", "2026-11-12", None, "Last contact"),
    ]
    assert log(tracker)[-3:] == [
        (D(2026, 11, 9), "Hal Hill", "thank_you", None, "Last contact"),
        (
            D(2026, 11, 9),
            "Ivy Ives",
            "thank_you",
            "The resilient supply chain https://ex.com/chain",
            "Last contact",
        ),
        (D(2026, 11, 12), "Jo Jones", "thank_you", None, "Last contact"),
    ]
    assert gifts_sent(tracker)["The resilient supply chain"] == D(2026, 11, 9)
    # The company's gifts go on to the colleague they fit next; Bob has had both.
    gifts = {name: c["gift"] for name, c in people(week).items() if c["gift"]}
    assert gifts == {
        "Ann Archer": "A data-quality checklist https://ex.com/dq",
        "Cara Cole": "Forecasting demand with weather data https://ex.com/weather",
        "Dan Dorn": "Elasticity explained https://ex.com/elastic",
    }
    # Jo's follow-up would fall on Thanksgiving (Holidays: US): the Friday after.
    assert people(week)["Jo Jones"]["next_follow_up"] == "2026-11-27"
    assert calendar(tracker, monday)["Follow up with Jo Jones (Umbrella)"][0] == D(2026, 11, 27)

    # Bob's gift she writes herself, in the web page; Dan's she takes out of the text draft;
    # Cara's she edits twice, differently, in the Markdown and the text draft.
    bob = draft(tracker, monday, "acme-bob-baker-follow-up", "html")
    slides = "Here are the slides from the forecasting talk I mentioned: https://ex.com/talk"
    edit_paragraph(bob, "[ADD A GIFT", slides)
    dan = draft(tracker, monday, "globex-dan-dorn-follow-up", "txt")
    edit_paragraph(dan, "You mentioned pricing models", None)
    cara = draft(tracker, monday, "acme-cara-cole-follow-up")
    edit_paragraph(cara, "Hi Cara,", "Dear Cara,")
    edit_paragraph(cara.with_suffix(".txt"), "Hi Cara,", "Hello Cara,")
    again = invoke("run", tracker, "--today", monday.isoformat())
    assert again.exit_code == 0, again.output
    assert "(your edit of the .html is in every format)" in again.output
    assert "(you edited .md and .txt differently: each kept as it is)" in again.output
    assert slides in draft(tracker, monday, bob.stem).read_text(encoding="utf-8")
    assert "Dear Cara," in cara.read_text(encoding="utf-8")
    assert "Hello Cara," in cara.with_suffix(".txt").read_text(encoding="utf-8")
    sent(tracker, monday, "Bob Baker", "Cara Cole", "Dan Dorn")
    # What went out is what the drafts say: Bob's own gift, none for Dan (his gift stays unsent
    # in the Gifts sheet, to offer again), Cara's from the Markdown her Draft cell links to.
    assert log(tracker)[-3:] == [
        (monday, "Bob Baker", "follow_up", slides, "sent"),
        (
            monday,
            "Cara Cole",
            "follow_up",
            "Forecasting demand with weather data https://ex.com/weather",
            "sent",
        ),
        (monday, "Dan Dorn", "follow_up", None, "sent"),
    ]
    assert gifts_sent(tracker)["Elasticity explained"] is None
    assert gifts_sent(tracker)["Forecasting demand with weather data"] == WEEKS[0]  # the first

    # Week 4: Ann's follow-up is a week late (she never sent it) and on today's calendar;
    # Initech and Umbrella are due, Jo's is after Thanksgiving.
    monday = WEEKS[3]
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Follow-up due (7 days late)",
        "Bob Baker": "Waiting",
        "Cara Cole": "Waiting",
        "Dan Dorn": "Waiting",
        "Eve Eng": "Waiting (paused until 2026-11-30)",
        "Fay Fox": "Follow-up due (add a gift)",
        "Gus Gray": "Follow-up due (add a gift)",
        "Hal Hill": "Follow-up due (add a gift, the gift looks tangible: give information instead)",
        "Ivy Ives": "Follow-up due (add a gift)",
        "Jo Jones": "Waiting",
    }
    events = calendar(tracker, monday)
    assert events["Follow up with Ann Archer (Acme)"][0] == monday  # overdue: on today
    assert events["Follow up with Fay Fox (Initech)"] == (monday, uid_fay)  # one event, moved
    assert events["Follow up with Jo Jones (Umbrella)"][0] == D(2026, 11, 27)
    sent(tracker, monday, "Ann Archer", "Fay Fox", "Gus Gray")
    type_in(tracker, {"Hal Hill": {"Last contact": monday}, "Ivy Ives": {"Last contact": monday}})

    # Week 5: Eve is back today (due, and not late for the days she was away); Dan's gift comes
    # back, as it never went out. Then Acme makes Ann's offer.
    monday = WEEKS[4]
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Waiting",
        "Bob Baker": "Follow-up due (#2)",
        "Cara Cole": "Follow-up due (#2, add a gift)",
        "Dan Dorn": "Follow-up due (#2)",
        "Eve Eng": "Follow-up due (add a gift)",
        "Fay Fox": "Waiting",
        "Gus Gray": "Waiting",
        "Hal Hill": "Waiting",
        "Ivy Ives": "Waiting",
        "Jo Jones": "Follow-up due (3 days late, add a gift)",
    }
    assert people(week)["Eve Eng"]["next_follow_up"] == monday.isoformat()
    assert people(week)["Dan Dorn"]["gift"] == "Elasticity explained https://ex.com/elastic"
    assert [(r["contact"], r["kind"], r["on"]) for r in week["recorded"]] == [  # type: ignore[attr-defined]
        ("Hal Hill", "follow_up", "2026-11-23"),
        ("Ivy Ives", "follow_up", "2026-11-23"),
    ]
    cara = draft(tracker, monday, "acme-cara-cole-follow-up")
    edit_paragraph(cara, "Hi Cara,", "Dear Cara,")
    type_in(tracker, {"Ann Archer": {"Stage": "Offer accepted"}})
    # The rerun closes the whole panel: no more "I remain very interested" to Bob and Cara.
    # Bob's draft goes; Cara's she edited, so it stays, and the summary says so.
    again = invoke("run", tracker, "--today", monday.isoformat())
    assert again.exit_code == 0, again.output
    assert "row 6    Acme · Bob Baker     (Offer accepted, row 5)" in again.output
    assert "No longer due\n  acme-bob-baker-follow-up.md  (its draft removed)\n" in again.output
    assert "  acme-cara-cole-follow-up.md  (kept because you edited it)" in again.output
    folder = sorted(p.name for p in cara.parent.iterdir() if p.name.startswith("acme-"))
    assert folder == ["acme-cara-cole-follow-up.md"]
    sheet = openpyxl.load_workbook(tracker)["Job search"]
    draft_column = next(c.column for c in sheet[HEADER_ROW] if c.value == "Draft")
    # Bob's Draft cell no longer points at a removed file; Cara's still opens her edit.
    assert sheet.cell(6, draft_column).value is None
    assert sheet.cell(7, draft_column).value == "acme-cara-cole-follow-up.md"
    index = (cara.parent / "index.html").read_text(encoding="utf-8")
    assert "acme-" not in index
    sent(tracker, monday, "Dan Dorn", "Eve Eng", "Jo Jones")

    # Week 6: Globex turns Dan down; Eve, of the same panel, was written to, so she gets her
    # own closing note too. Hal's and Ivy's typed follow-ups count: theirs is the second.
    monday = WEEKS[5]
    type_in(tracker, {"Dan Dorn": {"Stage": "Rejected"}})
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Closed (Offer accepted)",
        "Bob Baker": "Closed (Offer accepted, row 5)",
        "Cara Cole": "Closed (Offer accepted, row 5)",
        "Dan Dorn": "Closing note due",
        "Eve Eng": "Closing note due",
        "Fay Fox": "Follow-up due (#2, add a gift)",
        "Gus Gray": "Follow-up due (#2, add a gift)",
        "Hal Hill": "Follow-up due (#2, add a gift, the gift looks tangible: give information instead)",
        "Ivy Ives": "Follow-up due (#2, add a gift)",
        "Jo Jones": "Waiting",
    }
    eve = draft(tracker, monday, "globex-eve-eng-closing").read_text(encoding="utf-8")
    assert "keep me in mind for future roles at Globex" in eve
    assert "I remain very interested" not in eve
    sent(tracker, monday, "Dan Dorn", "Eve Eng", "Fay Fox", "Gus Gray")
    type_in(tracker, {"Hal Hill": {"Last contact": monday}, "Ivy Ives": {"Last contact": monday}})

    # Week 7: Globex is closed, each note of the panel sent once; only Jo is due.
    monday = WEEKS[6]
    week = run(tracker, monday)
    assert statuses(week) == {
        "Ann Archer": "Closed (Offer accepted)",
        "Bob Baker": "Closed (Offer accepted, row 5)",
        "Cara Cole": "Closed (Offer accepted, row 5)",
        "Dan Dorn": "Closed (Rejected)",
        "Eve Eng": "Closed (Rejected, row 8)",
        "Fay Fox": "Waiting",
        "Gus Gray": "Waiting",
        "Hal Hill": "Waiting",
        "Ivy Ives": "Waiting",
        "Jo Jones": "Follow-up due (#2, add a gift)",
    }
    assert [(r["contact"], r["on"]) for r in week["recorded"]] == [  # type: ignore[attr-defined]
        ("Hal Hill", "2026-12-07"),
        ("Ivy Ives", "2026-12-07"),
    ]
    sent(tracker, monday, "Jo Jones")
    # A run with nobody due (the next morning) makes no empty folder.
    tuesday = monday + dt.timedelta(days=1)
    quiet = invoke("run", tracker, "--today", tuesday.isoformat())
    assert quiet.exit_code == 0, quiet.output
    assert "Nobody is due for a note today" in quiet.output
    assert not (tracker.parent / "drafts" / tuesday.isoformat()).exists()

    # Seven weeks in the Log: every note once, numbered in order however it was recorded, no
    # gift twice to anyone, and the Log's dates in the tracker's own format.
    lines = log(tracker)
    kinds: dict[str, list[object]] = {}
    for _, contact, kind, _, _ in lines:
        kinds.setdefault(str(contact), []).append(kind)
    assert kinds["Hal Hill"] == ["thank_you", "follow_up", "follow_up"]
    assert kinds["Dan Dorn"] == ["thank_you", "follow_up", "follow_up", "closing"]
    assert kinds["Eve Eng"] == ["thank_you", "follow_up", "closing"]
    assert kinds["Ann Archer"] == ["thank_you", "follow_up"]
    for contact in kinds:
        given = [g for _, c, _, g, _ in lines if c == contact and g]
        assert len(given) == len(set(given)), contact
    assert sum(1 for line in lines if line[4] == "Last contact") == 7
    workbook = openpyxl.load_workbook(tracker)
    assert {c.number_format for (c,) in workbook["Log"].iter_rows(min_row=2, max_col=1)} == {
        "yyyy-mm-dd"
    }


def test_check_warns_about_a_holiday_calendar_it_does_not_know(tmp_path: Path) -> None:
    tracker = make_tracker(tmp_path)
    workbook = openpyxl.load_workbook(tracker)
    for row in workbook["Settings"].iter_rows(min_row=2):
        if row[0].value == "Holidays":
            row[1].value = "Narnia"
    workbook.save(tracker)
    result = invoke("check", tracker, "--today", WEEKS[0].isoformat())
    assert result.exit_code == 0, result.output
    assert "Holidays: 'Narnia' names no holiday calendar" in result.output
    assert "write a country code such as US, GB or DE-BY" in result.output


def test_the_log_writes_its_dates_the_way_the_tracker_does(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Applications"
    sheet.append(["Company", "Contact", "Interview date", "Last contact"])
    sheet.append(["Acme", "Jane Doe", D(2026, 11, 2), None])
    sheet["C2"].number_format = "dd/mm/yyyy"
    tracker = tmp_path / "tracker.xlsx"
    workbook.save(tracker)
    assert invoke("run", tracker, "--today", "2026-11-02").exit_code == 0
    # She sends it and types the day in, in her own format.
    workbook = openpyxl.load_workbook(tracker)
    workbook["Applications"]["D2"] = D(2026, 11, 3)
    workbook["Applications"]["D2"].number_format = "dd/mm/yyyy"
    workbook.save(tracker)
    result = invoke("run", tracker, "--today", "2026-11-09")
    assert result.exit_code == 0, result.output
    assert "Recorded from Last contact (1)\n  Acme · Jane Doe  thank-you sent 2026-11-03" in (
        result.output
    )
    log_sheet = openpyxl.load_workbook(tracker)["Log"]
    assert log_sheet["A2"].value == dt.datetime(2026, 11, 3)
    assert log_sheet["A2"].number_format == "dd/mm/yyyy"
    assert log_sheet["H2"].value == "Last contact"


def test_check_counts_the_gifts_sheet_and_names_the_tangible_one(tmp_path: Path) -> None:
    tracker = make_tracker(tmp_path)
    result = invoke("check", tracker, "--today", WEEKS[1].isoformat())
    assert result.exit_code == 0, result.output
    no_gift = [line for line in result.output.splitlines() if "no gift for" in line]
    # Ivy's gift is in the Gifts sheet: no warning for her; Jo and the rest have none.
    assert not any("Ivy Ives" in line for line in no_gift)
    assert any("Jo Jones" in line for line in no_gift)
    assert "'$25 Starbucks card' looks like a tangible gift" in result.output
