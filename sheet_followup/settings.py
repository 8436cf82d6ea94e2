"""Settings: the defaults, the workbook's Settings sheet, then the command line, in that order.

Keeping settings in the workbook lets a user run one short command every week; a command-line
option still wins, for a one-off change.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sheet_followup.columns import column_letter, normalize_header
from sheet_followup.dates import DateOrder

DEFAULT_CLOSED_STAGES = (
    "Hired",
    "Offer accepted",
    "Rejected",
    "Declined",
    "Withdrawn",
    "Position filled",
    "Closed",
)

# Stages a tracker commonly holds while an application is alive; `check` suggests the nearest
# known stage for a typo, so "Rejectd" does not silently count as active.
ACTIVE_STAGES = (
    "Applied",
    "Phone screen",
    "Screening",
    "Interviewing",
    "Interviewed",
    "Second interview",
    "Final round",
    "Offer",
    "Negotiating",
    "On hold",
)

# Being turned down (not withdrawing, not being hired) is when a closing note keeps the door open.
CLOSING_NOTE_STAGES = ("Rejected", "Position filled")

SETTINGS_SHEET = "Settings"
_CLOSING_KEYS = frozenset(normalize_header(s) for s in CLOSING_NOTE_STAGES)


@dataclass(frozen=True)
class Settings:
    """Every number and word the rules and the drafts use."""

    sender_name: str = ""
    sender_email: str = ""
    signature: str = ""
    every_days: int = 14
    closed_stages: tuple[str, ...] = DEFAULT_CLOSED_STAGES
    skip_weekends: bool = True
    date_order: DateOrder = DateOrder.MDY
    keep_in_touch_days: int = 90
    formats: tuple[str, ...] = ("md",)

    def is_closed(self, stage: str) -> bool:
        key = normalize_header(stage)
        return bool(key) and key in self._closed_keys

    def is_closing_stage(self, stage: str) -> bool:
        """Turned down: the stages that earn one gracious closing note."""
        return normalize_header(stage) in _CLOSING_KEYS

    @functools.cached_property
    def _closed_keys(self) -> frozenset[str]:
        # Asked once per row; folding the stage names once per run keeps it a set lookup.
        return frozenset(normalize_header(s) for s in self.closed_stages)


# Setting name as shown in the Settings sheet -> (field, accepted spellings).
_KEYS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Your name": ("sender_name", ("Your name", "Name", "Sender", "Sender name", "From name")),
    "Your email": ("sender_email", ("Your email", "Email", "Sender email", "From email")),
    "Signature": ("signature", ("Signature", "Sign-off", "Signoff")),
    "Follow up every (days)": (
        "every_days",
        ("Follow up every (days)", "Follow up every", "Follow-up every", "Every", "Every (days)"),
    ),
    "Closed stages": ("closed_stages", ("Closed stages", "Closed stage")),
    "Keep in touch every (days)": (
        "keep_in_touch_days",
        ("Keep in touch every (days)", "Keep in touch every", "Keep in touch days"),
    ),
    "Skip weekends": ("skip_weekends", ("Skip weekends", "Skip weekend", "No weekends")),
    "Date order": ("date_order", ("Date order", "Date format")),
    "Format": ("formats", ("Format", "Formats", "Draft format", "Draft formats")),
}
_LOOKUP = {
    normalize_header(spelling): (shown, field_name)
    for shown, (field_name, spellings) in _KEYS.items()
    for spelling in spellings
}
_YES = {"yes", "y", "true", "1", "on"}
_NO = {"no", "n", "false", "0", "off"}


@dataclass(frozen=True)
class SettingRow:
    """One row of the Settings sheet, with the cell of its value for messages."""

    key: str
    value: object
    cell: str


def known_setting_names() -> list[str]:
    return list(_KEYS)


def setting_fields() -> dict[str, str]:
    """Each setting's name as the Settings sheet shows it -> its Settings field."""
    return {shown: field_name for shown, (field_name, _) in _KEYS.items()}


def settings_from_rows(rows: Iterable[SettingRow]) -> tuple[dict[str, object], list[str]]:
    """The values a Settings sheet sets, and a message for each row the tool cannot use."""
    values: dict[str, object] = {}
    problems: list[str] = []
    for row in rows:
        key = normalize_header(row.key)
        if key in ("setting", "settings", "name") and normalize_header(str(row.value)) in (
            "value",
            "values",
            "",
        ):
            continue  # the sheet's own header row
        if key not in _LOOKUP:
            if row.value is None or row.value == "":
                continue  # a note or a heading in the sheet, not a setting
            known = ", ".join(known_setting_names())
            problems.append(f"{row.cell}: unknown setting '{row.key}' (known settings: {known})")
            continue
        shown, field_name = _LOOKUP[key]
        if row.value is None or row.value == "":
            continue
        try:
            values[field_name] = _convert(field_name, row.value)
        except ValueError as error:
            problems.append(f"{row.cell}: {shown}: {error}; using the default")
    return values, problems


def _convert(field_name: str, value: object) -> object:
    text = str(value).strip()
    if field_name in ("every_days", "keep_in_touch_days"):
        return parse_every(value)
    if field_name == "closed_stages":
        stages = tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())
        if not stages:
            message = "no stage named"
            raise ValueError(message)
        return stages
    if field_name == "skip_weekends":
        if isinstance(value, bool):
            return value
        if text.casefold() in _YES:
            return True
        if text.casefold() in _NO:
            return False
        message = f"'{text}' is not yes or no"
        raise ValueError(message)
    if field_name == "date_order":
        return parse_date_order(text)
    if field_name == "formats":
        return parse_formats(text)
    return text


def parse_every(value: object) -> int:
    """A number of days between notes: a whole number from 1 to 365."""
    try:
        days = float(str(value).strip())
    except ValueError:
        message = f"'{value}' is not a number of days"
        raise ValueError(message) from None
    if not days.is_integer() or not 1 <= days <= 365:
        message = f"'{value}' is not a whole number of days from 1 to 365"
        raise ValueError(message)
    return int(days)


DRAFT_FORMATS = ("md", "txt", "eml", "html")


def parse_formats(text: str) -> tuple[str, ...]:
    """ "md, eml" -> ("md", "eml"): the draft formats, in the order given, each once."""
    chosen = [part.strip().lower().lstrip(".") for part in text.replace(";", ",").split(",")]
    chosen = [part for part in chosen if part]
    unknown = [part for part in chosen if part not in DRAFT_FORMATS]
    if unknown or not chosen:
        message = f"'{text}' is not a list of {', '.join(DRAFT_FORMATS)}"
        raise ValueError(message)
    return tuple(dict.fromkeys(chosen))


def parse_date_order(text: str) -> DateOrder:
    key = normalize_header(text).upper()
    aliases = {"MDY": DateOrder.MDY, "MMDDYYYY": DateOrder.MDY, "US": DateOrder.MDY}
    aliases |= {"DMY": DateOrder.DMY, "DDMMYYYY": DateOrder.DMY, "UK": DateOrder.DMY}
    aliases |= {"EU": DateOrder.DMY}
    if key not in aliases:
        message = f"'{text}' is not MDY or DMY"
        raise ValueError(message)
    return aliases[key]


def build_settings(
    sheet_values: Mapping[str, object], overrides: Mapping[str, object | None]
) -> Settings:
    """Defaults, overridden by the Settings sheet, overridden by the command line."""
    known = {f.name for f in dataclasses.fields(Settings)}
    merged = {k: v for k, v in sheet_values.items() if k in known}
    merged |= {k: v for k, v in overrides.items() if k in known and v is not None}
    return dataclasses.replace(Settings(), **merged)  # type: ignore[arg-type]


def settings_rows_from_cells(sheet: str, rows: Sequence[Sequence[object]]) -> list[SettingRow]:
    """Each row's first filled cell is the setting, the next cell its value."""
    found: list[SettingRow] = []
    for row_number, cells in enumerate(rows, start=1):
        for index, value in enumerate(cells):
            if value is None or value == "":
                continue
            if not isinstance(value, str):
                break  # a number in the first filled cell is no setting name
            setting_value = cells[index + 1] if index + 1 < len(cells) else None
            cell = f"{sheet}!{column_letter(index + 2)}{row_number}"
            found.append(SettingRow(value.strip(), setting_value, cell))
            break
    return found
