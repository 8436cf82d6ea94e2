"""Choosing each due note's informational gift, and spotting gifts that read as a bribe.

Pure: the choice depends only on the due notes (in row order), the Gifts sheet and the Log.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from sheet_followup.columns import normalize_header
from sheet_followup.memo import short_text_cache
from sheet_followup.models import Contact, FollowUp, Gift, Kind, LogEntry
from sheet_followup.stages import stem

_TANGIBLE = re.compile(
    r"gift\s*card|gift\s*certificate|voucher|coupon|(?<![-/])\bcash\b(?!-)|\bmoney\b(?!-)|"
    r"[$€£¥]\s?\d|\d\s?[$€£¥]|\b\d+(?:[.,]\d+)?\s?(?:usd|eur|gbp|dollars?|euros?|pounds?)\b",
    re.IGNORECASE,
)


@short_text_cache(maxsize=4096)
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
    then their company's, the ones that fit what they care about first, then the tracker row's
    Gift cell. A gift the Log shows this contact already received is never given again, and two
    people at one company never get the same gift in one run. A gift that looks tangible (a
    gift card, cash) is never put in a note: the note gets the placeholder instead.
    """
    shelf = _GiftShelf(gifts)
    due = [f for f in followups if f.kind.is_due]
    fits = shelf.fits((f.contact for f in due), history)
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
        pick = shelf.first_available(contact, received | colleagues, fits)
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
        if looks_tangible(text):
            # Never in a note: it reads as a bribe. The placeholder asks for information.
            chosen.append(
                _with_gift(
                    followup,
                    gift="",
                    gift_why="",
                    gift_row=row,
                    needs_gift=followup.kind is not Kind.CLOSING,
                    tangible_gift=text,
                    idea=idea,
                )
            )
            continue
        chosen.append(
            _with_gift(
                followup,
                gift=text,
                gift_why=why or interest_for(text, contact.interests),
                gift_row=row,
                needs_gift=followup.needs_gift,
                tangible_gift="",
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
    tangible_gift: str,
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


def interest_for(gift: str, interests: str) -> str:
    """The one interest a gift speaks to, for the note's "You mentioned ..." line: Interests
    is often a list ("data privacy; cycling in the Dolomites"), and the whole list in one
    sentence reads like a form letter. The item sharing most words with the gift, else the first.
    """
    items = [item.strip() for item in re.split(r"[;\n]", interests) if item.strip()]
    if len(items) < 2:
        return interests.strip()
    words = topic_words(gift)
    return max(items, key=lambda item: len(words & topic_words(item)))


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

    def fits(
        self,
        contacts: Iterable[Contact],
        history: Mapping[tuple[str, str], Sequence[LogEntry]],
    ) -> dict[int, tuple[int, int]]:
        """Company gift (its sheet row) -> the due contact (row, slot) it fits best, by the
        words of the gift and its Why that the contact's Interests share. Someone who already
        had the gift is out of the running, so it goes on to the colleague who fits next."""
        by_company: dict[str, list[Contact]] = {}
        for contact in contacts:
            if contact.interests:
                by_company.setdefault(contact.key[0], []).append(contact)
        fits: dict[int, tuple[int, int]] = {}
        for company, people in by_company.items():
            for gift in self.shared.get(company, ()):
                words = topic_words(f"{gift.text} {gift.why}")
                gift_key = normalize_header(gift.text)
                scored = [
                    (len(words & topic_words(p.interests)), p)
                    for p in people
                    if all(normalize_header(e.gift) != gift_key for e in history.get(p.key, ()))
                ]
                best = max(scored, key=lambda pair: pair[0], default=(0, None))
                if best[0] and best[1] is not None:
                    fits[gift.row] = best[1].ident
        return fits

    def first_available(
        self, contact: Contact, taken: set[str], fits: Mapping[int, tuple[int, int]]
    ) -> tuple[str, str, int | None] | None:
        company, name = contact.key
        own = [gift for gift, at in self.own.get(name, ()) if not at or at == company]
        shared = self.shared.get(company, ())
        # The company's gifts that fit this contact first, then those that fit nobody in
        # particular; one that fits a colleague better is theirs.
        mine = [g for g in shared if fits.get(g.row) == contact.ident]
        anyone = [g for g in shared if g.row not in fits]
        for gift in (*own, *mine, *anyone):
            if normalize_header(gift.text) not in taken:
                return gift.text, gift.why, gift.row
        if contact.gift and normalize_header(contact.gift) not in taken:
            return contact.gift, "", None
        return None


_STOP = frozenset(
    [
        "about",
        "after",
        "also",
        "and",
        "are",
        "been",
        "but",
        "can",
        "could",
        "for",
        "from",
        "has",
        "have",
        "her",
        "his",
        "how",
        "into",
        "its",
        "just",
        "like",
        "more",
        "most",
        "not",
        "our",
        "out",
        "she",
        "that",
        "the",
        "their",
        "them",
        "then",
        "they",
        "this",
        "those",
        "was",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


@short_text_cache(maxsize=4096)
def topic_words(text: str) -> frozenset[str]:
    """The words that say what a text is about: "Cutting onboarding from 90 days" ->
    {"cutting", "onboarding", "days"}, compared by stems."""
    words = re.findall(r"[a-z]{3,}", _LINK.sub(" ", text.casefold()))
    return frozenset(stem(w) for w in words if w not in _STOP)


# A link's words (a domain, "com", a path) say where a text is, not what it is about.
_LINK = re.compile(r"(?:https?://|www\.)\S*")
