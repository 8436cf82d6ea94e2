"""How one header names one of the tracker's fields (see :mod:`sheet_followup.fields`).

Real trackers name a column in many ways ("Employer", "Point of contact", "Date of interview",
"Company Name + Link"), so a header names a field when, after folding case, spaces and
punctuation, it *is* one of the field's aliases, or *contains* one with only words around it
that do not change its meaning ("name", "(s)", "1st", "+ link" beside a name). Which column
wins for a field, and whether its content agrees, is decided for the whole header row in
:mod:`sheet_followup.layout`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from sheet_followup.fields import DATE_WORDS, FIELDS, words
from sheet_followup.memo import short_text_cache

# Words any alias may carry around it: "Company (optional)", "Date (yyyy-mm-dd)".
_ANY_EXTRAS = words("s the a an of and or if any to for with my etc optional required here")
_ANY_EXTRAS |= words("yyyy mm dd yy mmddyyyy ddmmyyyy yyyymmdd mdy dmy")
# Words that may stand beside a *name* only: "Company Name + Link", "Contact name/title".
_WITH_NAME = words("link links website site url web hyperlink title titles role position")
# Numbered columns: "Interviewer 2", "2nd interview", "Follow-up #3".
_ORDINALS = words("first second third fourth fifth sixth final 1st 2nd 3rd 4th 5th 6th")
# A header with one of these is about an address: "Recruiter email" is no person.
_EMAIL_WORDS = frozenset({"email", "mail", "emailaddress", "emails", "mails"})
# ...unless it is about something else to do with mail: "Email sent", "Email thread link".
_NOT_AN_ADDRESS = (
    DATE_WORDS
    | words("time")
    | words(
        "sent last thread link url subject template body status response replied received opened"
    )
)


@short_text_cache(maxsize=65536)
def normalize_header(text: str) -> str:
    """Fold a header to letters and digits only, so "E-mail " and "email" compare equal.

    Cached: it also folds every company, contact and stage, a million calls on a large tracker
    where the same few thousand names repeat (benchmarks/README.md).
    """
    folded = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[\W_]+", "", folded)


def header_words(text: str) -> list[str]:
    """A header's words, folded: "Interviewer(s)" -> ["interviewer", "s"].

    camelCase is split first, as job sites' exports name their columns ("statusName").
    """
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    folded = unicodedata.normalize("NFKD", text).casefold()
    return [word for word in re.split(r"[\W_]+", folded) if word]


@dataclass(frozen=True)
class HeaderMatch:
    """A header naming a field, and how well: ``rank`` 0 is an exact first-tier alias.

    Exact aliases rank by tier (0-9), one-word weak ones 10, headers that contain an alias
    20 and up. ``numbered`` marks "Interviewer 2" or "2nd interview": one of several columns.
    """

    field: str
    rank: int
    numbered: bool = False

    @property
    def exact(self) -> bool:
        return self.rank < 20

    @property
    def tier(self) -> int:
        """The alias tier matched: 0 for a field's first-choice names."""
        return self.rank % 10


def _plural_forms(key: str) -> tuple[str, ...]:
    forms = [key]
    if key.endswith("ies"):  # "Companies", "Agencies"
        forms.append(key[:-3] + "y")
    if key.endswith("es"):
        forms.append(key[:-2])
    if key.endswith("s"):
        forms.append(key[:-1])
    return tuple(forms)


def _build_lookups() -> tuple[dict[str, tuple[str, int]], dict[str, tuple[str, int]]]:
    exact: dict[str, tuple[str, int]] = {}
    for name, field in FIELDS.items():
        for tier, aliases in enumerate(field.tiers):
            for alias in aliases:
                exact.setdefault(normalize_header(alias), (name, tier))
        for alias in field.weak:
            exact.setdefault(normalize_header(alias), (name, 10))
    return exact, dict(exact)


_EXACT, _CONTAINED = _build_lookups()
# The longest text a span of words can join into and still be an alias: a plural form (see
# _plural_forms) is at most two letters shorter than what it is made from.
_LONGEST_CONTAINED = max(map(len, _CONTAINED)) + 2


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _ORDINALS


@short_text_cache(maxsize=4096)
def match_header(text: str) -> HeaderMatch | None:
    """The field a header names, or None for a column the tool keeps and ignores.

    A header that gives alternatives or explains itself ("My contact / how I got it",
    "Company name - link to website") names a field when one of its parts does.
    """
    found = _match_whole(text)
    if found is not None:
        return found
    parts = [part for part in _ALTERNATIVES.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    matches = [m for part in parts if (m := _match_whole(part)) is not None]
    if not matches:
        return None
    best = min(matches, key=lambda m: m.rank)
    return HeaderMatch(best.field, max(best.rank, 20) + 5, best.numbered)


_ALTERNATIVES = re.compile(r"\s+[/|–—-]\s+|\s*[()]\s*|\?\s+")


def _match_whole(text: str) -> HeaderMatch | None:
    key = normalize_header(text)
    if not key:
        return None
    for form in _plural_forms(key):
        if form in _EXACT:
            name, tier = _EXACT[form]
            return HeaderMatch(name, tier)
    words = header_words(text)
    if any(word in _EMAIL_WORDS for word in words) or "emailaddress" in key:
        # "Recruiter email", "Email of hiring manager": an address, whoever it belongs to.
        other = any(word in _NOT_AN_ADDRESS for word in words)
        return None if other else HeaderMatch("email", 20)
    # Each word also in its singular: "points_of_contact" holds "point of contact".
    singular = [
        w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in words
    ]
    best: tuple[int, int, int, str, bool] | None = (
        None  # (-coverage, rank, -start, field, numbered)
    )
    for start in range(len(words)):
        # A span longer than every alias (plural endings and all) cannot be one: without this
        # bound a header of a thousand words, a paragraph pasted into a header cell, took
        # minutes (every span, each joined again). Measured on the singular words, the shorter.
        reach, length = start, 0
        while reach < len(words) and length + len(singular[reach]) <= _LONGEST_CONTAINED:
            length += len(singular[reach])
            reach += 1
        for end in range(reach, start, -1):
            found = None
            for candidate_words in (words, singular):
                joined = "".join(candidate_words[start:end])
                found = next(
                    (_CONTAINED[f] for f in _plural_forms(joined) if f in _CONTAINED), None
                )
                if found is not None:
                    break
            if found is None:
                continue
            name, tier = found
            outside = words[:start] + words[end:]
            if not _extras_allowed(name, words[start:end], outside):
                continue
            numbered = any(_is_number(word) for word in outside)
            candidate = (-(end - start), 20 + tier, -start, name, numbered)
            if best is None or candidate < best:
                best = candidate
    if best is None:
        return None
    return HeaderMatch(best[3], best[1], best[4])


def _extras_allowed(name: str, span: Sequence[str], outside: Sequence[str]) -> bool:
    field = FIELDS[name]
    named = "name" in span or "names" in span or "name" in outside
    for word in outside:
        if word in _ANY_EXTRAS or word in field.extras or _is_number(word):
            continue
        if named and word in _WITH_NAME:
            continue
        return False
    return True


def field_for_header(text: object) -> str | None:
    """The field a header cell names, or None for a column the tool keeps and ignores."""
    if not isinstance(text, str):
        return None
    match = match_header(text)
    return match.field if match else None


def field_named(text: str) -> str | None:
    """The field a user means in ``Column: <field> = ...``: its header or any of its aliases."""
    key = normalize_header(text)
    for name, field in FIELDS.items():
        if key in (normalize_header(name), normalize_header(field.shown)):
            return name
    match = match_header(text)
    return match.field if match and match.exact else None


def match_fields(
    cells: Sequence[object], fields: Mapping[str, tuple[str, tuple[str, ...]]]
) -> dict[str, int]:
    """Field -> 1-based column for a small sheet's header row (first match wins)."""
    lookup = {normalize_header(a): name for name, (_, aliases) in fields.items() for a in aliases}
    found: dict[str, int] = {}
    for index, value in enumerate(cells, start=1):
        if isinstance(value, str) and (name := lookup.get(normalize_header(value))):
            found.setdefault(name, index)
    return found


@dataclass(frozen=True)
class ColumnMap:
    """Which 1-based column holds each field, and where the header row is.

    ``also`` holds the further columns of a field read from several ("2nd interview" beside
    "1st interview"); ``columns`` holds the one the tool writes to or names in messages.
    """

    header_row: int
    columns: Mapping[str, int]
    headers: Mapping[int, str]  # every non-empty header cell, column -> text
    also: Mapping[str, tuple[int, ...]] = dataclass_field(default_factory=dict)
    # Person columns read for a row whose own person columns are empty ("Contact name" for a
    # row whose "Interview with" is blank), best first.
    fallback: tuple[int, ...] = ()
    # Yes/no columns that say how an application stands: (column, stage when ticked), or
    # (column, "!" + stage when not ticked) for a column such as "Active".
    flags: tuple[tuple[int, str], ...] = ()

    @property
    def last_column(self) -> int:
        return max(self.headers, default=0)

    def sources(self, field_name: str) -> tuple[int, ...]:
        """Every column the field is read from, the main one first."""
        main = self.columns.get(field_name)
        return ((main,) if main else ()) + tuple(self.also.get(field_name, ()))


def header_texts(cells: Sequence[object]) -> dict[int, str]:
    """The non-empty header cells of a row, column -> text as shown."""
    texts: dict[int, str] = {}
    for index, value in enumerate(cells, start=1):
        if value is None or value == "":
            continue
        text = " ".join(str(value).split())
        if text:
            texts[index] = text
    return texts
