"""Stage words as real trackers write them: which mean the application is over, which alive.

People write "Rejected", "Rejection email", "Application rejected", "Rejected after onsite",
"Not moving forward", "I said no" or "No Response 🔇". So a stage is read as its words' stems,
and it is closed when it holds every stem of a closed entry, in any order ("Offer declined" and
"Declined offer" alike), unless a "not" or a "no" stands right before that word ("Not
rejected yet"). Closed wins over active: "Rejected after onsite" is over, though "Onsite" is
alive. A stage that matches nothing is treated as active, and warned about.
"""

from __future__ import annotations

import difflib
import enum
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sheet_followup.memo import short_text_cache


class Outcome(str, enum.Enum):
    """How an application ended, which decides whether a closing note is due."""

    HIRED = "hired"
    TURNED_DOWN = "turned_down"  # rejected or the position went: one gracious closing note
    ENDED = "ended"  # the user withdrew, said no, or gave up waiting: no note at all


# The default vocabulary. Closed entries by outcome, then the active ones: a stage holding
# every word of an entry, in any order and any form of the word, is that entry.
CLOSED_STAGES: dict[Outcome, tuple[str, ...]] = {
    Outcome.HIRED: (
        "Hired",
        "Accepted",
        "Offer accepted",
        "Accepted offer",
        "Offer signed",
        "Contract signed",
        "Zusage",
        "Contratado",
        "Embauché",
    ),
    Outcome.TURNED_DOWN: (
        "Rejected",
        "Reject",
        "Denied",
        "Not selected",
        "Not moving forward",
        "Not progressing",
        "Not proceeding",
        "Unsuccessful",
        "Turned down",
        "Position filled",
        "Role filled",
        "Job filled",
        "Position cancelled",
        "Position canceled",
        "Role cancelled",
        "Job cancelled",
        "Position closed",
        "Role closed",
        "Job closed",
        "Posting closed",
        "No longer available",
        "Dinged",
        "Rescinded",
        "Offer rescinded",
        "Declined by employer",
        "Removed",
        "Deactivated",
        "Job removed",
        "Posting removed",
        "Abgesagt",
        "Absage",
        "Rechazado",
        "Refusé",
        "Refusée",
    ),
    Outcome.ENDED: (
        "Withdrawn",
        "Withdrew",
        "I withdrew",
        "Declined",
        "Offer declined",
        "Declined offer",
        "I said no",
        "Said no",
        "Not interested",
        "No longer interested",
        "Ghosted",
        "No response",
        "No reply",
        "Never heard back",
        "No answer",
        "No feedback",
        "Did not accept",
        "Not for me",
        "Cancelled",
        "Archived",
        "Inactive",
        "Not active",
        "Closed",
        "Dead",
        "Dropped",
        "Abandoned",
        "Expired",
    ),
}

ACTIVE_STAGES: tuple[str, ...] = (
    "Applied",
    "Application started",
    "Application accepted",
    "Application received",
    "Application sent",
    "Application review",
    "Re-applied",
    "New",
    "Initial",
    "Sourced",
    "Reached out",
    "Responded",
    "Viewed",
    "Reviewed",
    "Downloaded",
    "Submitted",
    "Interview",
    "Interviewing",
    "Interviewed",
    "Interview scheduled",
    "Phone screen",
    "Screening",
    "Screen",
    "Recruiter call",
    "Recruiter screen",
    "Hiring manager interview",
    "Technical interview",
    "Second interview",
    "Third interview",
    "Onsite",
    "On site",
    "Final round",
    "Final interview",
    "Panel interview",
    "Face to face",
    "Video interview",
    "Stage",
    "Assignment",
    "Assessment",
    "Take home",
    "Coding challenge",
    "Case study",
    "Test",
    "References",
    "Reference check",
    "Background check",
    "Offer",
    "Offer received",
    "Offer extended",
    "Offer made",
    "Negotiating",
    "Negotiation",
    "On hold",
    "Pending",
    "Waiting",
    "Awaiting",
    "Awaiting response",
    "No response yet",
    "In progress",
    "In review",
    "Under review",
    "Under consideration",
    "Shortlisted",
    "Follow up",
    "Followup",
    "Email sent",
    "Message sent",
    "Draft",
    "Prospective",
    "Followed up",
    "Contacted",
    "Networking",
    "Referred",
    "Wishlist",
    "Bookmarked",
    "Saved",
    "Interested",
    "To apply",
    "Applying",
    "Prospect",
    "Researching",
    "Active",
    "Open",
    "Next steps",
    "Beworben",
    "Eingeladen",
    "In Bearbeitung",
    "Aplicado",
    "Entrevista",
    "Candidature envoyée",
    "Entretien",
)

_NEGATIONS = frozenset({"no", "not", "never", "non", "nt"})
# Words whose stem would make them look like another: "hiring manager" is not "hired".
_KEEP_WHOLE = {"hiring": "hiring", "interviewer": "interviewer", "offering": "offering"}
_IRREGULAR = {
    "withdrew": "withdraw",
    "withdrawn": "withdraw",
    "withdrawal": "withdraw",
    "cancelled": "cancel",
    "canceled": "cancel",
    "cancellation": "cancel",
    "cancelation": "cancel",
    "said": "say",
    "dinged": "ding",
    "denial": "deni",
    "heard": "hear",
    "lost": "lose",
}
_SUFFIXES: tuple[str, ...] = ("ations", "ation", "ions", "ion", "ings", "ing", "ments", "ment")
_SUFFIXES += ("ances", "ance", "ed", "es", "s", "e", "y")


@short_text_cache(maxsize=4096)
def stem(word: str) -> str:
    """A word reduced to what its forms share: rejected, rejection, rejects -> "reject"."""
    word = _IRREGULAR.get(word) or _KEEP_WHOLE.get(word) or word
    if word in _KEEP_WHOLE.values():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if word.endswith("i") and len(word) > 3:
        word = word[:-1]  # applied / apply, denied / deny
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # filled / fill, cancelled / cancel
    return word


@short_text_cache(maxsize=16384)
def stage_stems(text: str) -> tuple[str, ...]:
    """A stage's words as stems, in order: "Rejected after on-site" -> (reject, after, on, sit)."""
    folded = unicodedata.normalize("NFKD", text).casefold().replace("n't", " not")
    return tuple(stem(word) for word in re.findall(r"[a-z0-9]+", folded))


@dataclass(frozen=True)
class _Entry:
    shown: str
    stems: frozenset[str]
    outcome: Outcome | None  # None: active


def _entries(names: Iterable[str], outcome: Outcome | None) -> list[_Entry]:
    return [_Entry(name, frozenset(stage_stems(name)), outcome) for name in names]


@dataclass(frozen=True)
class StageMatch:
    """What a stage means: closed (with how it ended) or active, and whether it was known."""

    closed: bool
    outcome: Outcome | None
    known: bool


class Vocabulary:
    """The stage words a run knows: the defaults plus the user's Closed and Active stages.

    The user's own words come first and are matched exactly (ignoring case and punctuation), so
    an Active stage of theirs named "Closed round" stays active.
    """

    def __init__(self, closed: Sequence[str] = (), active: Sequence[str] = ()) -> None:
        self.user_closed = {_key(s): s for s in closed if _key(s)}
        self.user_active = {_key(s): s for s in active if _key(s)}
        self.closed = [
            entry for outcome, names in CLOSED_STAGES.items() for entry in _entries(names, outcome)
        ]
        self.active = _entries(ACTIVE_STAGES, None)
        self.user_entries = _entries(closed, Outcome.ENDED) + _entries(active, None)
        closed_words = {w for e in self.closed for w in e.stems} - _NEGATIONS
        active_words = {w for e in self.active for w in e.stems} - _NEGATIONS
        self.closed_only = frozenset(closed_words - active_words)
        self.active_only = frozenset(active_words - closed_words)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 (one vocabulary a run, few distinct stages)
    def match(self, stage: str) -> StageMatch:
        key = _key(stage)
        if not key:
            return StageMatch(False, None, True)
        if key in self.user_active:
            return StageMatch(False, None, True)
        if key in self.user_closed:
            return StageMatch(True, _outcome_of_words(stage) or Outcome.ENDED, True)
        words = stage_stems(stage)
        closed = _best(words, self.closed) or _best(
            words, [e for e in self.user_entries if e.outcome is not None]
        )
        active = _best(words, self.active) or _best(
            words, [e for e in self.user_entries if e.outcome is None]
        )
        if closed is not None and not (active is not None and closed.stems < active.stems):
            # Closed wins ("Rejected after phone screen") unless its word is part of an active
            # phrase ("Application accepted" is still alive).
            return StageMatch(True, closed.outcome, True)
        return StageMatch(False, None, active is not None)

    def is_closed(self, stage: str) -> bool:
        return self.match(stage).closed

    def suggestion(self, stage: str) -> str | None:
        """The nearest known stage for an unknown one, never across active and closed.

        A stage with a word that only active stages use ("Offer *pending*") is offered active
        ones only, and one with a word only closed stages use closed ones only; one with both
        is offered none. A stage with neither (a misspelling such as "Rejectd") is offered
        whichever it is spelled very like, since there is no meaning to cross.
        """
        words = set(stage_stems(stage))
        active = [*self.user_active.values(), *ACTIVE_STAGES]
        closed = [*self.user_closed.values(), *known_closed()]
        leans_active = bool(words & self.active_only)
        leans_closed = bool(words & self.closed_only)
        if leans_active and leans_closed:
            return None
        if leans_active or leans_closed:
            pool, cutoff = (active if leans_active else closed), 0.7
        else:
            pool, cutoff = [*active, *closed], 0.85
        keys = {_key(name): name for name in pool}
        nearest = difflib.get_close_matches(_key(stage), list(keys), n=1, cutoff=cutoff)
        return keys[nearest[0]] if nearest else None


def _best(words: Sequence[str], entries: Sequence[_Entry]) -> _Entry | None:
    """The entry with the most words that the stage holds, none of them negated."""
    present = set(words)
    negated = {words[i + 1] for i, word in enumerate(words[:-1]) if word in _NEGATIONS}
    best: _Entry | None = None
    for entry in entries:
        if not entry.stems or not entry.stems <= present:
            continue
        if not entry.stems & _NEGATIONS and entry.stems & negated:
            continue  # "not rejected": the entry's own word is negated
        if entry.stems & _NEGATIONS and "yet" in present and "yet" not in entry.stems:
            continue  # "no response yet" is still waiting
        if best is None or len(entry.stems) > len(best.stems):
            best = entry
    return best


def _outcome_of_words(stage: str) -> Outcome | None:
    found = _best(stage_stems(stage), _DEFAULT.closed)
    return found.outcome if found else None


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[\W_]+", "", folded)


_DEFAULT = Vocabulary()


def known_closed() -> list[str]:
    return [name for names in CLOSED_STAGES.values() for name in names]
