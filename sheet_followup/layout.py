"""Where a sheet's header row is and which column holds each field, from headers and content.

Headers alone do not decide. A column is held to what its field holds: an "Interview" column of
Yes/No is no interview date, a "Recruiter" column of ticks is no person, a "Follow-up date" of
days still to come is no record of notes sent. When two columns name one field, the more
precise name wins ("Interviewer" over "Recruiter") and the other is pointed out; fields that
several columns can feed (the latest of "1st interview" and "2nd interview") read them all. A
``Column: <field> = <header>`` line in Settings wins over all of this.

Every column that looks like a field but is not used gets a notice saying how to use it, so a
user never wonders why "Last emailed" made no difference.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sheet_followup.columns import (
    ColumnMap,
    HeaderMatch,
    header_texts,
    header_words,
    match_header,
    normalize_header,
)
from sheet_followup.dates import (
    DateOrder,
    NotADateError,
    dates_within,
    may_be_date_text,
    parse_date,
)
from sheet_followup.fields import FIELDS, REQUIRED, display_name
from sheet_followup.memo import short_text_cache
from sheet_followup.stages import Vocabulary
from sheet_followup.xlsx.references import column_letters
from sheet_followup.yes_no import is_tick

# A title block above the header is a few rows; a header further down is not a tracker's.
HEADER_SEARCH_ROWS = 50
# The rows under the header whose content the columns are held to.
SAMPLE_ROWS = 200

# What people type into a cell to mean "nothing here yet".
BLANK_WORDS = (
    frozenset(
        ("tbd", "tba", "tbc", "n/a", "na", "n.a.", "n/a.", "none", "null", "nil", "unknown", "#n/a")
    )
    | frozenset(("blank", "empty", "nan"))
    | {
        "-",
        "--",
        "---",
        "—",
        "–",
        "?",
        "??",
        "not yet",
        "no date",
        "not applicable",
        "to be decided",
    }
)
_URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_SEPARATED_DATES = re.compile(r"\s*(?:&|;|\band\b|,(?=\s*\d))\s*", re.IGNORECASE)
# Words in an unmatched header that make it look like a note sent ("Emailed on").
_STAGE_WORDS = Vocabulary()
_NAME = HeaderMatch("contact", 10)
_SENT_WORDS = frozenset({"emailed", "contacted", "messaged", "wrote", "reached", "pinged"})
_ORDINAL_WORDS = re.compile(r"\d+(?:st|nd|rd|th)?|first|second|third|fourth|final|last|next")


def is_blank(value: object) -> bool:
    """An empty cell, or one holding a placeholder such as "N/A", "TBD" or "-"."""
    if value is None:
        return True
    if isinstance(value, str):
        if len(value) > 24:  # no placeholder is that long: most cells are answered here
            return not value.strip()
        text = value.strip()
        return not text or text.casefold() in BLANK_WORDS
    return False


def dates_in(
    value: object, order: DateOrder, date1904: bool, *, in_words: bool = False
) -> list[dt.date]:
    """The dates a cell holds: one, or several typed together ("8/5/2019 & 8/14/2019"), or
    with ``in_words`` those written inside a sentence ("Thank-you email 03/10/2026")."""
    try:
        day = parse_date(value, order=order, date1904=date1904)
        return [day] if day else []
    except NotADateError:
        if in_words and isinstance(value, str) and (found := dates_within(value, order=order)):
            return found
        if not isinstance(value, str) or not _SEPARATED_DATES.search(value):
            raise
    days = []
    for part in _SEPARATED_DATES.split(value):
        if part.strip():
            day = parse_date(part, order=order, date1904=date1904)
            if day:
                days.append(day)
    return days


@dataclass(frozen=True)
class SheetLayout:
    """One sheet's header row and columns as judged, whether or not it is a tracker."""

    sheet: str
    header_row: int | None
    headers: Mapping[int, str]
    columns: Mapping[str, int]
    also: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    notices: tuple[str, ...] = ()
    duplicate: str | None = None  # two columns name one field equally well: an error
    mapped: frozenset[str] = frozenset()  # fields the Settings' column map decided
    fallback: tuple[int, ...] = ()  # person columns for rows whose own are empty
    flags: tuple[tuple[int, str], ...] = ()  # yes/no columns that give the stage

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(name for name in REQUIRED if name not in self.columns)

    @property
    def is_tracker(self) -> bool:
        return self.header_row is not None and not self.missing

    @property
    def score(self) -> tuple[int, int, int]:
        """Better layouts sort higher: a tracker, then more fields, then a higher header."""
        return (int(self.is_tracker), len(self.columns), -(self.header_row or 10**6))

    def column_map(self) -> ColumnMap:
        assert self.header_row is not None
        return ColumnMap(
            self.header_row,
            dict(self.columns),
            dict(self.headers),
            dict(self.also),
            self.fallback,
            self.flags,
        )


@dataclass(frozen=True)
class _Candidate:
    column: int
    header: str
    match: HeaderMatch


def judge_layout(
    sheet: str,
    rows: Sequence[Sequence[object]],
    column_map: Mapping[str, str] | None = None,
    *,
    today: dt.date,
    date1904: bool = False,
) -> SheetLayout:
    """Judge one sheet from its first rows: header row, columns, notices."""
    column_map = column_map or {}
    header_row = _find_header_row(rows, column_map)
    if header_row is None:
        return SheetLayout(sheet, None, {}, {})
    headers = header_texts(rows[header_row - 1])
    sample = rows[header_row : header_row + SAMPLE_ROWS]
    judge = _ColumnJudge(sheet, header_row, headers, sample, today, date1904)
    return judge.layout(column_map)


def _find_header_row(rows: Sequence[Sequence[object]], column_map: Mapping[str, str]) -> int | None:
    """The first row with a Company and a person header, else the row naming most fields,
    else the first row of two or more cells (which a message can then show)."""
    mapped = {normalize_header(h): name for name, h in column_map.items() if h}
    best: tuple[int, int] | None = None  # (fields named, -row)
    first: int | None = None
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        texts = header_texts(cells)
        if len(texts) < 2:
            continue  # a title, a note, a logo's caption
        first = first or number
        named: set[str] = set()
        for text in texts.values():
            if normalize_header(text) in mapped:
                named.add(mapped[normalize_header(text)])
            elif (match := match_header(text)) is not None:
                named.add(match.field)
        if all(name in named for name in REQUIRED):
            return number
        if named and (best is None or (len(named), -number) > best):
            best = (len(named), -number)
    return -best[1] if best else first


class _ColumnJudge:
    """Holds each matched column to its field's content, then gives each field its columns."""

    def __init__(
        self,
        sheet: str,
        header_row: int,
        headers: Mapping[int, str],
        sample: Sequence[Sequence[object]],
        today: dt.date,
        date1904: bool,
    ) -> None:
        self.sheet = sheet
        self.header_row = header_row
        self.headers = headers
        self.sample = sample
        self.today = today
        self.date1904 = date1904
        self.notices: list[str] = []
        self.flags: list[tuple[int, str]] = []

    def cell(self, column: int) -> str:
        return f"{self.sheet}!{column_letters(column)}{self.header_row}"

    def layout(self, column_map: Mapping[str, str]) -> SheetLayout:
        chosen, mapped_columns = self._mapped(column_map)
        candidates = self._candidates(chosen, mapped_columns, column_map)
        columns = {name: column for name, column in chosen.items() if column}
        also: dict[str, tuple[int, ...]] = {}
        fallback: list[_Candidate] = []
        duplicate = None
        for name in FIELDS:
            found = sorted(candidates.get(name, ()), key=lambda c: (c.match.rank, c.column))
            if name == "email" and "contact" in columns:
                owner = _owner_words(self.headers[columns["contact"]])
                found.sort(key=lambda c: not owner & set(header_words(c.header)))
            if not found:
                continue
            columns[name] = found[0].column
            joined, lost, clash = self._share(name, found[0], found[1:], columns)
            duplicate = duplicate or clash
            if joined:
                also[name] = tuple(joined)
            if name == "contact":
                fallback = lost
            else:
                for other in lost:
                    self._lost(other, found[0].column)
        if "company" not in columns and "company" not in chosen:
            fallback = self._company_from_name(columns, fallback)
        for other in fallback:
            self._lost(other, columns["contact"], fallback=True)
        return SheetLayout(
            self.sheet,
            self.header_row,
            dict(self.headers),
            columns,
            also,
            tuple(self.notices),
            duplicate,
            frozenset(name for name in column_map if name in FIELDS),
            tuple(c.column for c in fallback),
            tuple(self.flags),
        )

    def _candidates(
        self, chosen: Mapping[str, int], mapped: set[int], column_map: Mapping[str, str]
    ) -> dict[str, list[_Candidate]]:
        """Each field's columns that name it and hold what it holds."""
        candidates: dict[str, list[_Candidate]] = {}
        for column, header in self.headers.items():
            if column in mapped:
                continue
            match = match_header(header)
            if match is None:
                if not self._flag(column, header):
                    self._near_miss(column, header)
                continue
            candidate = _Candidate(column, header, match)
            if match.field in chosen:
                if match.field not in column_map:
                    self._lost(candidate, chosen[match.field])
                continue
            verdict = self._content_verdict(match, column)
            if verdict and match.field == "last_contact" and self._ticks(column):
                # "Follow-up?" of YES/NO: a tick that a note went out, as Thank-you sent is.
                tick = _Candidate(column, header, HeaderMatch("thank_you", 30))
                candidates.setdefault("thank_you", []).append(tick)
                continue
            if verdict:
                self.notices.append(
                    f"{self.cell(column)} '{header}' looks like {display_name(match.field)}, "
                    f"but it holds {verdict}, so it is not used as {display_name(match.field)}"
                )
                continue
            candidates.setdefault(match.field, []).append(candidate)
        return candidates

    def _share(
        self, name: str, best: _Candidate, rest: Sequence[_Candidate], columns: Mapping[str, int]
    ) -> tuple[list[int], list[_Candidate], str | None]:
        """The other columns naming a field: read with the best one, or not used (with an
        error when one names it exactly as well, which only the user can settle)."""
        owner: set[str] = set()
        if name == "email" and "contact" in columns:
            owner = _owner_words(self.headers[columns["contact"]])
        joined: list[int] = []
        lost: list[_Candidate] = []
        duplicate = None
        for other in rest:
            # "Hiring Manager Email" beside "Recruiter Email" for a Hiring Manager column:
            # the person's own address column wins, the other is only pointed out.
            owned = bool(owner & set(header_words(best.header))) and not (
                owner & set(header_words(other.header))
            )
            if self._reads_together(name, best, other):
                joined.append(other.column)
            elif (
                name in REQUIRED
                and other.match.rank == best.match.rank
                and best.match.exact
                and not owned
            ):
                # Only for the employer and the person: a wrong guess there writes to the
                # wrong people; for any other field the first column is used, and the other
                # pointed out.
                duplicate = duplicate or (
                    f"{self.cell(best.column)} '{best.header}' and {self.cell(other.column)} "
                    f"'{other.header}' both look like the {display_name(name)} column; "
                    f"rename one of them, or add `Column: {display_name(name)} = "
                    f"{best.header}` to Settings"
                )
            else:
                lost.append(other)
        return joined, lost, duplicate

    def _company_from_name(
        self, columns: dict[str, int], fallback: list[_Candidate]
    ) -> list[_Candidate]:
        """A bare "Name" column beside another person column names what the row is about: in
        a sheet with no Company column, the employer (as apps' exports have it: "name",
        "points_of_contact")."""
        if "contact" not in columns:
            return fallback
        people = [
            _Candidate(columns["contact"], self.headers[columns["contact"]], _NAME),
            *fallback,
        ]
        named = [c for c in people if normalize_header(c.header) in ("name", "names")]
        others = [c for c in people if c not in named]
        if not named or not others:
            return fallback
        company, person = named[0], others[0]
        columns["company"], columns["contact"] = company.column, person.column
        self.notices.append(
            f"{self.cell(company.column)} '{company.header}' is read as the Company, since "
            f"{self.cell(person.column)} '{person.header}' names the person; if it is not the "
            "employer, add `Column: Company = <its header>` to Settings"
        )
        return list(others[1:])

    def _flag(self, column: int, header: str) -> bool:
        """A yes/no column named after how an application ends ("Rejected", "Archived") or
        after its being alive ("Active"): a stage of its own."""
        words = header_words(header)
        if words[:1] == ["is"]:
            words = words[1:]
        key = "".join(words)
        if not key or not self._ticks(column):
            return False
        if key in ("active", "open", "stillopen", "stillactive", "current"):
            self.flags.append((column, "!Inactive"))
            return True
        if _STAGE_WORDS.match(" ".join(words)).closed:
            self.flags.append((column, " ".join(header.split())))
            return True
        return False

    def _ticks(self, column: int) -> bool:
        values = self._values(column)
        ticks = sum(1 for v in values if is_tick(v))
        return bool(values) and ticks >= 0.8 * len(values)

    def _mapped(self, column_map: Mapping[str, str]) -> tuple[dict[str, int], set[int]]:
        """The fields the Settings' column map gives a column (0: no column at all)."""
        by_text = {normalize_header(text): column for column, text in self.headers.items()}
        chosen: dict[str, int] = {}
        for name, header in column_map.items():
            key = normalize_header(header)
            if key in ("none", "no", "nothing", ""):
                chosen[name] = 0
            elif key in by_text:
                chosen[name] = by_text[key]
            elif re.fullmatch(r"[A-Za-z]{1,3}", header.strip()):
                chosen[name] = _column_number(header.strip())
            else:
                listed = ", ".join(f"'{text}'" for text in self.headers.values())
                self.notices.append(
                    f"Settings: `Column: {display_name(name)} = {header}`: no column of "
                    f"'{self.sheet}' row {self.header_row} is headed '{header}' (its headers: "
                    f"{listed})"
                )
        return chosen, {column for column in chosen.values() if column}

    def _reads_together(self, name: str, best: _Candidate, other: _Candidate) -> bool:
        """Whether ``other`` is one more column of a field read from several."""
        many = FIELDS[name].many
        if many == "numbered":
            # "Interviewer 1", "Interviewer 2": the same header but for its number.
            numbered = best.match.numbered or other.match.numbered
            return numbered and numbered_base(best.header) == numbered_base(other.header)
        return many == "all"

    def _lost(self, candidate: _Candidate, winner: int, *, fallback: bool = False) -> None:
        name = display_name(candidate.match.field)
        if not winner:
            return  # the user said `Column: <field> = none`
        used = self.headers.get(winner, column_letters(winner))
        if fallback:
            self.notices.append(
                f"{self.cell(candidate.column)} '{candidate.header}' looks like {name}: it is "
                f"read for the rows where {self.cell(winner)} '{used}' is empty; to use it "
                f"always, add `Column: {name} = {candidate.header}` to Settings"
            )
            return
        self.notices.append(
            f"{self.cell(candidate.column)} '{candidate.header}' looks like {name}, but "
            f"{self.cell(winner)} '{used}' is used for it; to use '{candidate.header}' "
            f"instead, add `Column: {name} = {candidate.header}` to Settings"
        )

    def _near_miss(self, column: int, header: str) -> None:
        """A header that is not a field's name but is misspelt like one ("Postion Title"), or
        a column of dates that says "emailed" or "messaged"."""
        name = misspelt_field(header)
        if (
            name is None
            and set(header_words(header)) & _SENT_WORDS
            and self._holds_sent_days(column)
        ):
            name = "last_contact"
        if name is None:
            return
        shown = display_name(name)
        self.notices.append(
            f"{self.cell(column)} '{header}' looks like {shown}: rename it, or add "
            f"`Column: {shown} = {header}` to Settings"
        )

    def _holds_sent_days(self, column: int) -> bool:
        return bool(self._values(column)) and self._date_verdict(column, True) is None

    def _values(self, column: int) -> list[object]:
        values = []
        for cells in self.sample:
            if column - 1 < len(cells) and not is_blank(cells[column - 1]):
                values.append(cells[column - 1])
        return values

    def _content_verdict(self, match: HeaderMatch, column: int) -> str | None:
        """Why the column's cells are not what its field holds; None when they are."""
        kind = FIELDS[match.field].kind
        if kind == "date":
            if match.rank == 0:
                return None  # "Interview date" means it: a bad cell there is a row to fix
            # "Follow-up"-like columns count as notes sent only if none is still to come.
            planned = match.field == "last_contact" and match.tier >= 1
            return self._date_verdict(column, planned, in_words=match.field == "last_contact")
        if kind in ("text", "person", "email"):
            return self._text_verdict(column, match.field, kind)
        return None

    def _date_verdict(
        self, column: int, planned_is_no_record: bool, *, in_words: bool = False
    ) -> str | None:
        values = self._values(column)
        if not values:
            return None
        days: list[dt.date] = []
        for value in values:
            if isinstance(value, bool):
                continue
            try:
                days += dates_in(value, DateOrder.MDY, self.date1904, in_words=in_words)
            except NotADateError:
                continue
        if not days:
            return f"no dates ({_examples(values)})"
        if planned_is_no_record:
            later = sorted(day for day in days if day > self.today)
            if later:
                # "Follow-up date" of days to come: reminders the user set, not notes sent.
                return (
                    f"days after today ({later[0]:%Y-%m-%d}): they read as follow-ups planned, "
                    "not notes sent"
                )
        return None

    def _text_verdict(self, column: int, name: str, kind: str) -> str | None:
        values = self._values(column)
        if not values:
            return None
        dated = sum(1 for value in values if _looks_like_date_or_number(value, self.date1904))
        if dated >= 0.8 * len(values):
            return f"dates or numbers ({_examples(values)})"
        if kind == "person":
            ticks = sum(1 for v in values if is_tick(v))
            if ticks >= 0.8 * len(values):
                return f"yes/no answers, not names ({_examples(values)})"
        if name in ("company", "position", "contact"):
            links = sum(1 for v in values if isinstance(v, str) and _URL.match(v))
            if links >= 0.8 * len(values):
                return f"web addresses ({_examples(values)})"
        return None


def _owner_words(person_header: str) -> set[str]:
    """What names whose address a column holds: "recruiter" of "Recruiter Name"."""
    generic = {"name", "names", "contact", "contacts", "person", "s", "of", "the", "full"}
    return set(header_words(person_header)) - generic


def _looks_like_date_or_number(value: object, date1904: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, dt.date)):
        return True
    if isinstance(value, str) and not may_be_date_text(value):
        return False
    try:
        return parse_date(value, date1904=date1904) is not None
    except NotADateError:
        return False


def _examples(values: Iterable[object]) -> str:
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, dt.date):
            text = value.isoformat()
        elif isinstance(value, float) and value.is_integer():
            text = str(int(value))
        else:
            text = str(value).strip()
        seen.setdefault(f"'{text[:30]}'", None)
        if len(seen) == 3:
            break
    return ", ".join(seen)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


_ALIAS_WORDS = [
    (header_words(alias), name)
    for name, f in FIELDS.items()
    for alias in f.aliases
    if len(normalize_header(alias)) >= 5
]


@short_text_cache(maxsize=1024, longest=120)  # no alias is near that long
def misspelt_field(header: str) -> str | None:
    """The field a header would name but for a typo: word for word, each word spelt nearly the
    same ("Intervew date", "Compnay"), so "Resume" is not "Resume on" nor "FollowUpDue" the
    "Follow-up idea".

    Every unmatched header of every sheet is tried against every alias, and a folder of a
    coach's trackers repeats the same headers: the answer is kept per header (see
    :mod:`.memo`).
    """
    words = header_words(header)
    if len("".join(words)) < 5:
        return None
    for alias, name in _ALIAS_WORDS:
        if len(alias) != len(words) or alias == words:
            continue
        if all(
            a == w or (len(w) >= 4 and _nearly(a, w)) for a, w in zip(alias, words, strict=True)
        ):
            return name
    return None


def _nearly(a: str, b: str) -> bool:
    """``SequenceMatcher(None, a, b).ratio() >= 0.8``, with its cheap upper bounds tried
    first (as ``difflib.get_close_matches`` does): most pairs of words fail on length alone."""
    if 2 * min(len(a), len(b)) < 0.8 * (len(a) + len(b)):
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.quick_ratio() >= 0.8 and matcher.ratio() >= 0.8


def numbered_base(header: str) -> str:
    """A header without its number: "Interviewer #2" -> "interviewer", "second_interviewer_name"
    -> "interviewername"."""
    return "".join(w for w in header_words(header) if not _ORDINAL_WORDS.fullmatch(w))


def best_layout(layouts: Sequence[SheetLayout]) -> SheetLayout | None:
    """The layout whose headers match the tracker's fields best (the first among equals)."""
    best = None
    for layout in layouts:
        if best is None or layout.score > best.score:
            best = layout
    return best


def missing_fields_text(missing: Sequence[str]) -> str:
    """ "Contact (the person to write to: ...)" for a not-a-tracker message."""
    explained = {
        "company": "the employer",
        "contact": "the person to write to: Interviewer, Contact, Hiring manager, Recruiter...",
    }
    return " and ".join(f"{display_name(n)} ({explained.get(n, '')})" for n in missing)
