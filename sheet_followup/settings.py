"""Settings: the defaults, the workbook's Settings sheet, then the command line, in that order.

Keeping settings in the workbook lets a user run one short command every week; a command-line
option still wins, for a one-off change.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sheet_followup.columns import field_named, normalize_header
from sheet_followup.dates import DateOrder
from sheet_followup.errors import UsageError
from sheet_followup.fields import FIELDS
from sheet_followup.stages import Outcome, Vocabulary
from sheet_followup.xlsx.references import column_letters
from sheet_followup.yes_no import parse_yes_no

# The stages the tracker's Stage dropdown offers (`init`, the sample). The tool knows many more
# (sheet_followup.stages): these are the words it suggests.
DEFAULT_CLOSED_STAGES = (
    "Hired",
    "Offer accepted",
    "Rejected",
    "Declined",
    "Withdrawn",
    "Position filled",
    "Closed",
)
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

SETTINGS_SHEET = "Settings"


@dataclass(frozen=True)
class Settings:
    """Every number and word the rules and the drafts use.

    ``closed_stages`` and ``active_stages`` are the user's own stage words, known besides the
    built-in vocabulary. ``date_order`` None means: work it out from each column's dates.
    ``column_map`` is field -> header from ``Column: <field> = <header>`` lines.
    """

    sender_name: str = ""
    sender_email: str = ""
    signature: str = ""
    every_days: int = 14
    closed_stages: tuple[str, ...] = ()
    active_stages: tuple[str, ...] = ()
    skip_weekends: bool = True
    date_order: DateOrder | None = None
    keep_in_touch_days: int = 90
    formats: tuple[str, ...] = ("md",)
    column_map: tuple[tuple[str, str], ...] = ()
    close_panel: bool = True
    holidays: str = ""  # a country code, optionally with a region: "US", "DE-BY"
    templates: str = ""  # a folder of the user's note templates, beside the workbook if relative
    # The mailbox (all optional; without a server the tool never connects to one). The
    # password is never a setting: see sheet_followup.mail.password.
    mail_server: str = ""  # "host" or "host:port"
    mail_user: str = ""
    mail_security: str = "ssl"  # "ssl", "starttls" or "none" (none: this machine only)
    mailbox_drafts: bool = False  # Put drafts in mailbox: each due note in Drafts too

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.closed_stages, self.active_stages)

    def is_closed(self, stage: str) -> bool:
        return self.vocabulary.match(stage).closed

    def is_closing_stage(self, stage: str) -> bool:
        """Turned down: the stages that earn one gracious closing note."""
        return self.vocabulary.match(stage).outcome is Outcome.TURNED_DOWN


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
    "Active stages": ("active_stages", ("Active stages", "Active stage", "Open stages")),
    "Keep in touch every (days)": (
        "keep_in_touch_days",
        ("Keep in touch every (days)", "Keep in touch every", "Keep in touch days"),
    ),
    "Skip weekends": ("skip_weekends", ("Skip weekends", "Skip weekend", "No weekends")),
    "Holidays": ("holidays", ("Holidays", "Public holidays", "Holiday calendar", "Country")),
    "Close the whole panel": (
        "close_panel",
        ("Close the whole panel", "Close whole panel", "Close panel", "Close the panel"),
    ),
    "Date order": ("date_order", ("Date order", "Date format")),
    "Format": ("formats", ("Format", "Formats", "Draft format", "Draft formats")),
    "Templates": ("templates", ("Templates", "Templates folder", "Template folder")),
    "Mail server": ("mail_server", ("Mail server", "IMAP server", "Mail host", "IMAP host")),
    "Mail user": (
        "mail_user",
        ("Mail user", "Mail login", "Mail username", "IMAP user", "IMAP login", "IMAP username"),
    ),
    "Mail security": (
        "mail_security",
        ("Mail security", "IMAP security", "Mail encryption", "IMAP encryption"),
    ),
    "Put drafts in mailbox": (
        "mailbox_drafts",
        ("Put drafts in mailbox", "Drafts in mailbox", "Put drafts in the mailbox"),
    ),
}
# A password typed into the workbook would sit in a file that is mailed, synced and backed up:
# the tool refuses to read one, and says where a password goes instead.
_PASSWORD_KEYS = frozenset(
    normalize_header(name)
    for name in ("Mail password", "Password", "IMAP password", "Email password", "App password")
)
_LOOKUP = {
    normalize_header(spelling): (shown, field_name)
    for shown, (field_name, spellings) in _KEYS.items()
    for spelling in spellings
}
# The Settings line that maps a field to a header of the user's: "Column: Contact = Recruiter".
_COLUMN_LINE = re.compile(r"\s*columns?\s*(?:[:\-]\s*(?P<rest>.*))?$", re.IGNORECASE | re.DOTALL)


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
    column_map: dict[str, str] = {}
    for row in rows:
        if (line := _COLUMN_LINE.match(row.key)) is not None:
            problem = _column_line(line["rest"] or "", row.value, column_map)
            if problem:
                problems.append(f"{row.cell}: {problem}")
            continue
        key = normalize_header(row.key)
        if key in ("setting", "settings", "name") and normalize_header(str(row.value)) in (
            "value",
            "values",
            "",
        ):
            continue  # the sheet's own header row
        if key in _PASSWORD_KEYS:
            if row.value not in (None, ""):
                problems.append(
                    f"{row.cell}: the tool never reads a password from the workbook; delete it "
                    "from the sheet (and change it if the file was shared), then set "
                    "SHEET_FOLLOWUP_MAIL_PASSWORD or let `sheet-followup mailbox` save it in "
                    "your keyring"
                )
            continue
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
    if column_map:
        values["column_map"] = tuple(column_map.items())
    return values, problems


def _column_line(rest: str, value: object, column_map: dict[str, str]) -> str | None:
    """Read ``Column: <field> = <header>`` however it is split over the two cells.

    "Column: Contact = Recruiter" in one cell, "Column: Contact" with "Recruiter" beside it, or
    "Column" with "Contact = Recruiter" beside it all say the same.
    """
    text = rest.strip()
    value_text = "" if value is None else str(value).strip()
    if value_text:
        text = f"{text} = {value_text.lstrip('=').strip()}" if text else value_text
    field_text, equals, header = text.partition("=")
    field_text, header = field_text.strip().rstrip(":").strip(), header.strip()
    fields = ", ".join(f.shown for name, f in FIELDS.items())
    if not equals or not field_text or not header:
        return (
            f"'{text}' is not a column line; write it as `Column: <field> = <your header>`, "
            "for example `Column: Contact = Recruiter`"
        )
    name = field_named(field_text)
    if name is None:
        return f"`Column: {field_text} = {header}`: no field '{field_text}' (fields: {fields})"
    column_map[name] = header
    return None


def _convert(field_name: str, value: object) -> object:
    text = str(value).strip()
    if field_name in ("every_days", "keep_in_touch_days"):
        return parse_every(value)
    if field_name in ("closed_stages", "active_stages"):
        stages = tuple(part.strip() for part in text.replace(";", ",").split(",") if part.strip())
        if not stages:
            message = "no stage named"
            raise ValueError(message)
        return stages
    if field_name == "holidays":
        return parse_holidays(text)
    if field_name == "mail_security":
        return parse_mail_security(text)
    if field_name == "mail_server":
        return parse_mail_server(text)
    if field_name in ("skip_weekends", "close_panel", "mailbox_drafts"):
        answer = parse_yes_no(value)
        if answer is None:
            message = f"'{text}' is not yes or no"
            raise ValueError(message)
        return answer
    if field_name == "date_order":
        return parse_date_order(text)
    if field_name == "formats":
        return parse_formats(text)
    return text


def parse_holidays(text: str) -> str:
    """A country code, optionally with a region ("US", "GB-SCT", "DE-BY"); "" for none."""
    code = text.strip().upper().replace(" ", "").replace("_", "-")
    if code in ("", "NONE", "NO"):
        return ""
    from sheet_followup.workdays import holiday_code_problem

    problem = holiday_code_problem(code)
    if problem:
        message = (
            f"'{text}' names no holiday calendar ({problem}); write a country code such as "
            "US, GB or DE-BY"
        )
        raise ValueError(message)
    return code


MAIL_SECURITY = ("ssl", "starttls", "none")


def parse_mail_security(text: str) -> str:
    """ssl (port 993), starttls (port 143) or none; the spellings mail programs show too."""
    key = normalize_header(text)
    aliases = {"ssl": "ssl", "tls": "ssl", "ssltls": "ssl", "implicittls": "ssl", "imaps": "ssl"}
    aliases |= {"starttls": "starttls", "none": "none", "plain": "none", "no": "none"}
    if key not in aliases:
        message = f"'{text}' is not ssl, starttls or none"
        raise ValueError(message)
    return aliases[key]


def parse_mail_server(text: str) -> str:
    """ "imap.gmail.com" or "imap.gmail.com:993"; an address with a scheme or a path is not."""
    from sheet_followup.mail.account import split_server

    split_server(text)  # raises ValueError with what is wrong
    return text.strip()


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


def parse_date_order(text: str) -> DateOrder | None:
    """MDY or DMY; None for "auto" (each column's unambiguous dates tell)."""
    key = normalize_header(text).upper()
    if key in ("AUTO", "AUTOMATIC", "DETECT", ""):
        return None
    aliases = {"MDY": DateOrder.MDY, "MMDDYYYY": DateOrder.MDY, "US": DateOrder.MDY}
    aliases |= {"DMY": DateOrder.DMY, "DDMMYYYY": DateOrder.DMY, "UK": DateOrder.DMY}
    aliases |= {"EU": DateOrder.DMY}
    if key not in aliases:
        message = f"'{text}' is not MDY, DMY or auto"
        raise ValueError(message)
    return aliases[key]


def build_settings(
    sheet_values: Mapping[str, object], overrides: Mapping[str, object | None]
) -> Settings:
    """Defaults, overridden by the Settings sheet, overridden by the command line."""
    known = {f.name for f in dataclasses.fields(Settings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        # A misspelt setting from a caller must not run with the default instead.
        message = (
            f"unknown setting {', '.join(map(repr, unknown))}; the settings are "
            f"{', '.join(sorted(known))}"
        )
        raise UsageError(message)
    merged = {k: v for k, v in sheet_values.items() if k in known}
    merged |= {k: v for k, v in overrides.items() if v is not None}
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
            cell = f"{sheet}!{column_letters(index + 2)}{row_number}"
            found.append(SettingRow(value.strip(), setting_value, cell))
            break
    return found
