"""Choosing each due note's informational gift, and spotting gifts that read as a bribe.

Pure: the choice depends only on the due notes (in row order), the Gifts sheet and the Log.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence

from sheet_followup.columns import normalize_header
from sheet_followup.models import Contact, FollowUp, Gift, Kind, LogEntry

_TANGIBLE = re.compile(
    r"gift\s*card|gift\s*certificate|voucher|coupon|(?<![-/])\bcash\b(?!-)|\bmoney\b(?!-)|"
    r"[$€£¥]\s?\d|\d\s?[$€£¥]|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?)\b",
    re.IGNORECASE,
)


@functools.lru_cache(maxsize=4096)
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
    shelf = _GiftShelf(gifts)
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
        pick = shelf.first_available(contact, received | colleagues)
        ideas_used = {normalize_header(e.idea) for e in logged if e.idea}
        idea = contact.idea if normalize_header(contact.idea) not in ideas_used else ""
        if pick is None:
            chosen.append(
                _with_gift(
                    followup,
                    gift=followup.gift,
                    gift_why=followup.gift_why,
                    gift_row=followup.gift_row,
                    needs_gift=followup.kind is not Kind.CLOSING,
                    tangible_gift=followup.tangible_gift,
                    idea=idea,
                )
            )
            continue
        text, why, row = pick
        colleagues.add(normalize_header(text))
        chosen.append(
            _with_gift(
                followup,
                gift=text,
                gift_why=why or contact.interests,
                gift_row=row,
                needs_gift=followup.needs_gift,
                tangible_gift=looks_tangible(text),
                idea=idea,
            )
        )
    order = {id(f.contact): i for i, f in enumerate(followups)}
    return sorted(chosen, key=lambda f: order[id(f.contact)])


def _with_gift(
    followup: FollowUp,
    *,
    gift: str,
    gift_why: str,
    gift_row: int | None,
    needs_gift: bool,
    tangible_gift: bool,
    idea: str,
) -> FollowUp:
    """``dataclasses.replace`` of the gift fields, written out: replace looks the fields up
    again for each of a big tracker's due notes (a fifth of the rules' time at 10,000 rows)."""
    return FollowUp(
        contact=followup.contact,
        kind=followup.kind,
        next_follow_up=followup.next_follow_up,
        details=followup.details,
        days_late=followup.days_late,
        number=followup.number,
        gift=gift,
        gift_why=gift_why,
        gift_row=gift_row,
        needs_gift=needs_gift,
        tangible_gift=tangible_gift,
        idea=idea,
    )


class _GiftShelf:
    """The Gifts sheet indexed by contact and by company, so each due note looks up only its own
    candidates instead of scanning the whole sheet (a coach's tracker has thousands of both)."""

    def __init__(self, gifts: Sequence[Gift]) -> None:
        self.own: dict[str, list[tuple[Gift, str]]] = {}
        self.shared: dict[str, list[Gift]] = {}
        for gift in gifts:
            company = normalize_header(gift.company)
            if gift.contact:
                if gift.sent_on is None:
                    self.own.setdefault(normalize_header(gift.contact), []).append((gift, company))
            elif company:
                self.shared.setdefault(company, []).append(gift)

    def first_available(
        self, contact: Contact, taken: set[str]
    ) -> tuple[str, str, int | None] | None:
        company, name = contact.key
        own = [gift for gift, at in self.own.get(name, ()) if not at or at == company]
        for gift in (*own, *self.shared.get(company, ())):
            if normalize_header(gift.text) not in taken:
                return gift.text, gift.why, gift.row
        if contact.gift and normalize_header(contact.gift) not in taken:
            return contact.gift, "", None
        return None
