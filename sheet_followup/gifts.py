"""Choosing each due note's informational gift, and spotting gifts that read as a bribe.

Pure: the choice depends only on the due notes (in row order), the Gifts sheet and the Log.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence

from sheet_followup.columns import normalize_header
from sheet_followup.models import FollowUp, Gift, Kind, LogEntry

_TANGIBLE = re.compile(
    r"gift\s*card|gift\s*certificate|voucher|coupon|(?<![-/])\bcash\b(?!-)|\bmoney\b(?!-)|"
    r"[$€£¥]\s?\d|\d\s?[$€£¥]|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?)\b",
    re.IGNORECASE,
)


def looks_tangible(gift: str) -> bool:
    """A gift card, a voucher, cash or a price: a gift that reads as a bribe."""
    return bool(_TANGIBLE.search(gift))


def assign_gifts(
    followups: Sequence[FollowUp],
    gifts: Sequence[Gift],
    history: Mapping[tuple[str, str], Sequence[LogEntry]],
) -> list[FollowUp]:
    """Give each due note the oldest gift its contact has not had yet.

    The contact's own gifts from the Gifts sheet come first (in sheet order, unsent ones only),
    then their company's, then the tracker row's Gift cell. A gift the Log shows this contact
    already received is never given again, and two people at one company never get the same
    gift in one run.
    """
    given_in_run: dict[str, set[str]] = {}
    chosen: list[FollowUp] = []
    for followup in sorted(followups, key=lambda f: f.contact.row):
        if not followup.kind.is_due:
            chosen.append(followup)
            continue
        contact = followup.contact
        logged = history.get(contact.key, ())
        received = {normalize_header(e.gift) for e in logged if e.gift}
        colleagues = given_in_run.setdefault(normalize_header(contact.company), set())
        pick = _first_available(followup, gifts, received | colleagues)
        ideas_used = {normalize_header(e.idea) for e in logged if e.idea}
        idea = contact.idea if normalize_header(contact.idea) not in ideas_used else ""
        if pick is None:
            chosen.append(
                dataclasses.replace(
                    followup, needs_gift=followup.kind is not Kind.CLOSING, idea=idea
                )
            )
            continue
        text, why, row = pick
        colleagues.add(normalize_header(text))
        chosen.append(
            dataclasses.replace(
                followup,
                gift=text,
                gift_why=why or contact.interests,
                gift_row=row,
                tangible_gift=looks_tangible(text),
                idea=idea,
            )
        )
    order = {id(f.contact): i for i, f in enumerate(followups)}
    return sorted(chosen, key=lambda f: order[id(f.contact)])


def _first_available(
    followup: FollowUp, gifts: Sequence[Gift], taken: set[str]
) -> tuple[str, str, int | None] | None:
    contact = followup.contact
    company, name = contact.key
    own = [
        g
        for g in gifts
        if normalize_header(g.contact) == name
        and (not g.company or normalize_header(g.company) == company)
        and g.sent_on is None
    ]
    shared = [
        g for g in gifts if not g.contact and g.company and normalize_header(g.company) == company
    ]
    for gift in (*own, *shared):
        if normalize_header(gift.text) not in taken:
            return gift.text, gift.why, gift.row
    if contact.gift and normalize_header(contact.gift) not in taken:
        return contact.gift, "", None
    return None
