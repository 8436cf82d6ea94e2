"""What `check` reports: every problem in a tracker, each with its cell, errors before warnings.

Errors are the rows `run` would mark "Fix data"; warnings are what would make a weaker note or a
wrong plan (a due contact with no email or no gift, a gift that reads as a bribe, a typo in a
stage, a year mistyped in a date).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sheet_followup.cadence import data_problems
from sheet_followup.columns import normalize_header
from sheet_followup.gifts import looks_tangible
from sheet_followup.models import FollowUp, Kind
from sheet_followup.settings import Settings

Level = Literal["error", "warning"]

# A year is far enough to be a typo ("2062" for "2026"), not a slow hiring process.
FAR_AWAY = dt.timedelta(days=365)


@dataclass(frozen=True)
class Problem:
    level: Level
    message: str  # starts with the cell it is about


@dataclass(frozen=True)
class CheckReport:
    """What ``check`` found in one workbook: every problem, errors first. Iterating over the
    report gives the problems, so ``for problem in check(path)`` reads as it says."""

    path: Path
    sheet: str
    today: dt.date
    contacts: int
    problems: tuple[Problem, ...]

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    @property
    def errors(self) -> list[str]:
        return [p.message for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[str]:
        return [p.message for p in self.problems if p.level == "warning"]


def check_followups(
    followups: Sequence[FollowUp], today: dt.date, settings: Settings
) -> list[Problem]:
    """Every problem in the tracker, errors first, each group in row order."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    seen: dict[tuple[str, str], str] = {}
    for followup in followups:
        contact = followup.contact
        if followup.kind is Kind.FIX_DATA and contact.slot == 0:
            errors.extend(Problem("error", p) for p in data_problems(contact, today))
        who = contact.contact or contact.company
        if followup.kind.is_due:
            what = "a thank-you" if followup.kind is Kind.THANK_YOU else "a follow-up"
            if not contact.email:
                warnings.append(
                    Problem(
                        "warning",
                        f"{contact.cell('email')}: no email for {who}, who is due {what}; "
                        "the draft will have no address",
                    )
                )
            if not (followup.gift or contact.gift):
                hint = (
                    f"their interests: {contact.interests}"
                    if contact.interests
                    else "and no interests noted to choose one"
                )
                warnings.append(
                    Problem(
                        "warning",
                        f"{contact.cell('gift')}: no gift for {who}, who is due {what} ({hint})",
                    )
                )
        gift = followup.tangible_gift or followup.gift or contact.gift
        if gift and looks_tangible(gift):
            where = f"Gifts row {followup.gift_row}" if followup.gift_row else contact.cell("gift")
            warnings.append(
                Problem(
                    "warning",
                    f"{where}: '{gift}' looks like a tangible gift; it reads as a bribe: give "
                    "an article, a contact or a tip instead",
                )
            )
        key = (normalize_header(contact.company), normalize_header(contact.contact))
        if all(key):
            if key in seen:
                warnings.append(
                    Problem(
                        "warning",
                        f"{contact.cell('contact')}: {contact.company} · {contact.contact} is "
                        f"also in {seen[key]}; keep one row per interviewer",
                    )
                )
            else:
                seen[key] = contact.cell("contact")
        warnings.extend(
            Problem("warning", remark) for remark in contact.remarks if contact.slot == 0
        )
        interview = contact.interview_date
        if interview is not None and abs(interview - today) > FAR_AWAY:
            warnings.append(
                Problem(
                    "warning",
                    f"{contact.cell('interview_date')}: interview date {interview:%Y-%m-%d} "
                    "is more than a year away; is the year right?",
                )
            )
    warnings += [Problem("warning", message) for message in stage_warnings(followups, settings)]
    return errors + warnings


def stage_warnings(followups: Sequence[FollowUp], settings: Settings) -> list[str]:
    """One warning per stage the tool does not know, naming its cells (treated as active)."""
    cells: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for followup in followups:
        contact = followup.contact
        stage = contact.stage
        if not stage or contact.slot or settings.vocabulary.match(stage).known:
            continue
        key = normalize_header(stage)
        shown.setdefault(key, stage)
        cells.setdefault(key, []).append(contact.cell("stage"))
    messages = []
    for key, where in cells.items():
        stage = shown[key]
        nearest = settings.vocabulary.suggestion(stage)
        hint = (
            f"did you mean '{nearest}'?"
            if nearest
            else "if it means the application is over, add it to Closed stages in Settings"
        )
        place = where[0] if len(where) == 1 else f"{where[0]} and {len(where) - 1} more rows"
        messages.append(f"{place}: unknown stage '{stage}' (treated as active); {hint}")
    return messages
