"""Match a sheet's header cells to the tracker's fields.

Users name their columns in many ways ("Employer", "Date interviewed", "E-mail"), so headers are
compared after folding case and dropping spaces and punctuation, against a list of aliases.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Field name -> (header the tool writes or shows, aliases as they would be typed).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "company": (
        "Company",
        ("Company", "Employer", "Organization", "Organisation", "Company name", "Firm", "Org"),
    ),
    "contact": (
        "Contact",
        (
            "Contact",
            "Contact name",
            "Contact person",
            "Interviewer",
            "Interviewer name",
            "Interviewed by",
            "Name",
            "Person",
        ),
    ),
    "interview_date": (
        "Interview date",
        (
            "Interview date",
            "Date interviewed",
            "Interviewed",
            "Interviewed on",
            "Interview",
            "Date of interview",
            "Interview day",
            "Last interview",
            "Latest interview",
            "Last interview date",
        ),
    ),
    "position": (
        "Position",
        (
            "Position",
            "Role",
            "Job title",
            "Title",
            "Job",
            "Position applied for",
            "Role applied for",
        ),
    ),
    "email": ("Email", ("Email", "E-mail", "Email address", "Mail", "Contact email")),
    "stage": (
        "Stage",
        ("Stage", "Application status", "Status", "Application stage", "Job status"),
    ),
    "last_contact": (
        "Last contact",
        (
            "Last contact",
            "Last contacted",
            "Last contact date",
            "Date last contacted",
            "Last note",
            "Last note sent",
            "Last sent",
            "Last follow-up",
            "Last follow up date",
            "Last touch",
        ),
    ),
    "interests": (
        "Interests",
        ("Interests", "Interest", "Hobbies", "Their interests", "Talking points", "Topics"),
    ),
    "gift": ("Gift", ("Gift", "Informational gift", "Next gift", "Gift idea")),
    "why_fit": ("Why I fit", ("Why I fit", "Why fit", "Fit", "Pitch", "Why me")),
    "idea": ("Idea", ("Idea", "Ideas", "Idea for them", "Follow-up idea")),
    "keep_in_touch": ("Keep in touch", ("Keep in touch", "Stay in touch")),
    "pause_until": (
        "Pause until",
        (
            "Pause until",
            "Paused until",
            "Pause",
            "Hold until",
            "Snooze until",
            "Do not contact until",
            "Don't contact until",
        ),
    ),
    "status": ("Follow-up status", ("Follow-up status", "Followup status")),
    "next_follow_up": (
        "Next follow-up",
        ("Next follow-up", "Next follow-up date", "Next follow-up on", "Next followup"),
    ),
    "draft": ("Draft", ("Draft", "Draft file", "Draft link")),
}

# One-word headers that often mean something else in a tracker ("Interview" may hold the kind of
# interview, "Title" the interviewer's job title): they name a field only when no other column
# names it more precisely, so "Interview date" beside "Interview" is not an ambiguity.
WEAK_ALIASES = frozenset(
    {"interview", "name", "title", "job", "status", "mail", "pause", "fit", "person", "org"}
)

REQUIRED = ("company", "contact", "interview_date")

# The Gifts sheet: many gifts per contact, or per company for everyone there.
GIFT_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "contact": ("Contact", ("Contact", "Interviewer", "Name", "For")),
    "company": ("Company", ("Company", "Employer", "Organization", "Organisation")),
    "gift": ("Gift", ("Gift", "Informational gift", "Gift idea")),
    "link": ("Link", ("Link", "URL", "Web site", "Website")),
    "why": ("Why", ("Why", "Why this gift", "Inspired by", "What they said")),
    "sent_on": ("Sent on", ("Sent on", "Sent", "Date sent")),
}

# The Log sheet: one line per note that went out, appended by `sent`, never rewritten.
LOG_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "date": ("Date", ("Date", "Sent on", "Day")),
    "company": ("Company", ("Company", "Employer")),
    "contact": ("Contact", ("Contact", "Interviewer", "Name")),
    "kind": ("Kind", ("Kind", "Note", "Type")),
    "gift": ("Gift", ("Gift",)),
    "draft": ("Draft", ("Draft", "File")),
    "idea": ("Idea", ("Idea",)),
}
LOG_HEADER = tuple(shown for shown, _ in LOG_FIELDS.values())


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


TOOL_COLUMNS = ("status", "next_follow_up", "draft")  # in the order they are added


@functools.lru_cache(maxsize=65536)
def normalize_header(text: str) -> str:
    """Fold a header to letters and digits only, so "E-mail " and "email" compare equal.

    Cached: it also folds every company, contact and stage, a million calls on a large tracker
    where the same few thousand names repeat (benchmarks/README.md).
    """
    folded = unicodedata.normalize("NFKD", text).casefold()
    return re.sub(r"[\W_]+", "", folded)


_ALIASES: dict[str, str] = {
    normalize_header(alias): name for name, (_, aliases) in FIELDS.items() for alias in aliases
}


def field_for_header(text: object) -> str | None:
    """The field a header cell names, or None for a column the tool keeps and ignores."""
    if not isinstance(text, str):
        return None
    return _ALIASES.get(normalize_header(text))


@dataclass(frozen=True)
class ColumnMap:
    """Which 1-based column holds each field, and where the header row is."""

    header_row: int
    columns: Mapping[str, int]
    headers: Mapping[int, str]  # every non-empty header cell, column -> text

    @property
    def last_column(self) -> int:
        return max(self.headers, default=0)


@dataclass(frozen=True)
class DuplicateColumn:
    """Two header cells that both name one field."""

    field: str
    first: int
    second: int


def match_header_row(cells: Sequence[object]) -> tuple[dict[str, int], list[DuplicateColumn]]:
    """Fields found in one row of cells (0-based list -> 1-based columns), and any duplicates."""
    found: dict[str, int] = {}
    weak: dict[str, bool] = {}
    duplicates: list[DuplicateColumn] = []
    for index, value in enumerate(cells, start=1):
        name = field_for_header(value)
        if name is None:
            continue
        is_weak = normalize_header(str(value)) in WEAK_ALIASES
        if name not in found:
            found[name], weak[name] = index, is_weak
        elif weak[name] and not is_weak:
            found[name], weak[name] = index, False
        elif weak[name] == is_weak:
            duplicates.append(DuplicateColumn(name, found[name], index))
    return found, duplicates


def header_texts(cells: Sequence[object]) -> dict[int, str]:
    """The non-empty header cells of a row, column -> text as shown."""
    texts: dict[int, str] = {}
    for index, value in enumerate(cells, start=1):
        if value is None or value == "":
            continue
        texts[index] = str(value).strip()
    return texts


def display_name(field_name: str) -> str:
    return FIELDS[field_name][0]


def accepted_aliases(field_name: str) -> str:
    """The aliases of a field, quoted, for an error message."""
    return ", ".join(f'"{alias}"' for alias in FIELDS[field_name][1])


def column_letter(column: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while column > 0:
        column, remainder = divmod(column - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
