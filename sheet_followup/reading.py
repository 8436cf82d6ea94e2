"""Finding the tracker sheet and reading its rows into Contact records that remember their
cells."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.columns import ColumnMap
from sheet_followup.dates import DateOrder, NotADateError, numeric_order
from sheet_followup.errors import (
    NotATrackerError,
    SheetTooBigError,
    UsageError,
)
from sheet_followup.fields import FIELDS, display_name
from sheet_followup.layout import (
    HEADER_SEARCH_ROWS,
    SAMPLE_ROWS,
    SheetLayout,
    best_layout,
    dates_in,
    is_blank,
    judge_layout,
    missing_fields_text,
)
from sheet_followup.models import Contact
from sheet_followup.people import Person, addresses_in, people_in
from sheet_followup.stages import Vocabulary
from sheet_followup.workbook_file import Workbook, cell_at, cell_text
from sheet_followup.xlsx.references import column_letters
from sheet_followup.yes_no import parse_yes_no

# Sheets with a meaning of their own; never mistaken for the tracker.
SPECIAL_SHEETS = frozenset({"settings", "gifts", "log"})

# Fields read from one column as text; the person, email and stage columns may be several.
_TEXT_FIELDS = ("company", "position", "interests", "gift", "why_fit", "idea")
_DATE_FIELDS = ("interview_date", "last_contact", "pause_until")
_INPUT_FIELDS = (*_TEXT_FIELDS, *_DATE_FIELDS, "thank_you")
# Where a note sent may be logged in words with its day: "Thank-you email 03/10/2026".
_IN_WORDS = frozenset({"last_contact"})
# Whether one of several stage columns says the application is over ("Status: Applied",
# "Result: Rejected"): the default words only, the user's own are for the rules.
_DEFAULT_VOCABULARY = Vocabulary()


@dataclass(frozen=True)
class Tracker:
    """The tracker sheet as read: where its columns are, its contacts, and the tool's cells."""

    sheet: str
    columns: ColumnMap
    contacts: tuple[Contact, ...]
    # row -> the values now in the tool's own cells (status, next follow-up, draft): to write
    # only what changes, and to find the draft a row's note went out in
    current: dict[int, tuple[object, object, object]]
    date1904: bool
    # What the reading noticed about the whole sheet: columns that look like a field but are not
    # used, a date order that had to be guessed.
    warnings: tuple[str, ...] = ()
    date_order: DateOrder = DateOrder.MDY  # the order most of its typed dates were read in


def find_tracker_sheet(
    workbook: Workbook,
    requested: str | None,
    column_map: Mapping[str, str] | None = None,
    *,
    today: dt.date,
) -> SheetLayout:
    """The sheet to use and its columns: the named one, else the one that matches best.

    Every worksheet but Settings, Gifts and Log is judged, so a workbook whose first tab is a
    dashboard or last year's search still works without ``--sheet``: the sheet whose headers
    name the most fields wins, the first of equals.
    """
    layouts = judge_sheets(workbook, requested, column_map, today=today)
    chosen = best_layout(layouts)
    assert chosen is not None
    if not chosen.is_tracker:
        raise NotATrackerError(not_a_tracker_message(workbook.path, chosen, layouts))
    if chosen.duplicate:
        raise NotATrackerError(chosen.duplicate)
    return chosen


def judge_sheets(
    workbook: Workbook,
    requested: str | None,
    column_map: Mapping[str, str] | None = None,
    *,
    today: dt.date,
) -> list[SheetLayout]:
    """The layout of the named sheet, or of every sheet that could be the tracker."""
    if requested is not None:
        name = workbook.find_sheet(requested)
        if name is None:
            listed = ", ".join(f"'{n}'" for n in workbook.sheet_names)
            message = f"{workbook.path} has no sheet '{requested}'; its sheets are {listed}"
            raise UsageError(message)
        names = [name]
    else:
        names = [
            s.name
            for s in workbook.info.sheets
            if s.kind == "worksheet" and s.name.casefold() not in SPECIAL_SHEETS
        ]
    if not names:
        message = f"{workbook.path}: no worksheet to use as a tracker"
        raise NotATrackerError(message)
    layouts = []
    too_big: list[SheetTooBigError] = []
    for name in names:
        try:
            head = workbook.head(name, HEADER_SEARCH_ROWS + SAMPLE_ROWS)
        except SheetTooBigError as error:
            too_big.append(error)
            continue
        layouts.append(
            judge_layout(name, head, column_map, today=today, date1904=workbook.info.date1904)
        )
    workbook.release_heads()
    if not layouts:
        raise too_big[0]
    # Another sheet may still be the tracker; the one too big to read is said, not judged.
    workbook.notices.extend(f"{error}; the sheet was not looked at" for error in too_big)
    return layouts


def not_a_tracker_message(path: Path, closest: SheetLayout, layouts: Sequence[SheetLayout]) -> str:
    """Short, and leading somewhere: what is missing, where the tool looked, what to do next."""
    looked = ", ".join(f"'{layout.sheet}'" for layout in layouts)
    if closest.header_row is None:
        found = f"no row of sheet '{closest.sheet}' holds headers the tool knows"
    else:
        shown = [f"'{text}'" for text in closest.headers.values()]
        if len(shown) > 8:
            shown = [*shown[:8], f"and {len(shown) - 8} more"]
        found = (
            f"sheet '{closest.sheet}' comes closest: its header row {closest.header_row} "
            f"({', '.join(shown)}) has no {missing_fields_text(closest.missing)} column"
        )
        # A column the content check turned down is what the user will look at first.
        wanted = tuple(f" looks like {display_name(name)}," for name in closest.missing)
        why = [n for n in closest.notices if any(w in n for w in wanted) and " holds " in n]
        if why:
            found += f" ({why[0]})"
    return (
        f"{path} is not a tracker yet: {found}. Sheets looked at: {looked}. To add the missing "
        f"columns, run: sheet-followup adopt {_quoted(path)} (or rename a column, or add "
        "`Column: Contact = <your header>` to a Settings sheet)"
    )


def _quoted(path: Path) -> str:
    text = str(path)
    return f'"{text}"' if " " in text else text


def read_tracker(
    workbook: Workbook,
    layout: SheetLayout | ColumnMap,
    *,
    date_order: DateOrder | None,
    today: dt.date,
    sheet: str | None = None,
) -> Tracker:
    """Every non-empty row under the header as Contacts; unreadable cells become problems.

    ``date_order`` None reads each column's typed dates in the order its unambiguous ones
    show (25/11/2026 is day first), else the order the sheet's other date columns show, else
    month first, with a warning that it had to be guessed.

    The sheet is released afterwards: its parsed cells are the largest thing a run holds, and
    nothing later needs them.
    """
    if isinstance(layout, SheetLayout):
        sheet, columns, notices = layout.sheet, layout.column_map(), list(layout.notices)
    else:
        assert sheet is not None
        columns, notices = layout, []
    reader = _RowReader(sheet, columns, workbook.info.date1904, date_order, today)
    contacts: list[Contact] = []
    current: dict[int, tuple[object, object, object]] = {}
    status_col = columns.columns.get("status")
    next_col = columns.columns.get("next_follow_up")
    draft_col = columns.columns.get("draft")
    for row_number, cells in enumerate(workbook.iter_rows(sheet), start=1):
        if row_number <= columns.header_row:
            continue
        people = reader.contacts(row_number, cells, len(contacts))
        if not people:
            continue
        contacts.extend(people)
        current[row_number] = (
            _value(cells, status_col),
            _value(cells, next_col),
            _value(cells, draft_col),
        )
    workbook.release(sheet)
    order, order_warnings = reader.settle_date_order(contacts)
    if "interview_date" not in columns.columns:
        notices.append(
            f"sheet '{sheet}' has no Interview date column, so every row is No interview yet; "
            f"run `sheet-followup adopt {_quoted(workbook.path)}` to add it (and the other "
            "columns the tool reads), then fill in the day of each interview"
        )
    return Tracker(
        sheet,
        columns,
        tuple(contacts),
        current,
        workbook.info.date1904,
        tuple(notices + order_warnings),
        order,
    )


def _value(cells: Sequence[object], column: int | None) -> object:
    """A cell of a streamed row, where calamine gives "" for an empty cell."""
    value = cell_at(cells, column)
    return None if value == "" else value


@dataclass
class _OrderEvidence:
    """What one date column's typed dates say about day-first or month-first."""

    day_first: int = 0
    month_first: int = 0
    ambiguous: int = 0


class _RowReader:
    """Turns one sheet's rows into Contacts, with the column lookups done once per sheet.

    A large tracker has a hundred thousand rows; everything that is the same for every row
    (which list index holds which field, the cell letters for messages) is worked out here.
    """

    def __init__(
        self,
        sheet: str,
        columns: ColumnMap,
        date1904: bool,
        date_order: DateOrder | None,
        today: dt.date,
    ) -> None:
        found = columns.columns
        self.sheet = sheet
        self.date1904 = date1904
        self.fixed_order = date_order
        self.order = date_order or DateOrder.MDY  # until the columns have said otherwise
        self.today = today
        self.text_fields = tuple((name, found[name] - 1) for name in _TEXT_FIELDS if name in found)
        self.person_columns = columns.sources("contact")
        self.fallback_columns = columns.fallback
        self.flags = columns.flags
        self.email_columns = columns.sources("email")
        self.stage_columns = columns.sources("stage")
        self.date_sources = tuple(
            (name, columns.sources(name)) for name in _DATE_FIELDS if columns.sources(name)
        )
        self.thank_you = found.get("thank_you")
        keep = found.get("keep_in_touch")
        self.keep_index = None if keep is None else keep - 1
        inputs = [found[name] for name in _INPUT_FIELDS if name in found]
        inputs += [c for _, sources in self.date_sources for c in sources]
        inputs += [*self.person_columns, *self.email_columns, *self.stage_columns]
        inputs += [*self.fallback_columns, *(column for column, _ in self.flags)]
        self.input_indexes = tuple(sorted({column - 1 for column in inputs}))
        # Companies, positions, stages and gifts repeat down a tracker: one string for each.
        self.shared: dict[str, str] = {}
        # One map shared by every Contact of the sheet: field -> column letters.
        self.letters = {name: column_letters(col) for name, col in found.items() if name in FIELDS}
        self.evidence: dict[int, _OrderEvidence] = {}
        self.orders: dict[int, DateOrder] = {}  # once settled: each date column's order
        # Rows whose typed dates could be read either way: (first contact index, count, cells).
        self.unsettled: list[tuple[int, int, int, Sequence[object]]] = []

    def contacts(self, row_number: int, cells: Sequence[object], first: int) -> list[Contact]:
        """The row's contacts (one per person its person cell names), or none for a blank row."""
        width = len(cells)
        if not any(
            _filled(cells[index]) and not is_blank(cells[index])
            for index in self.input_indexes
            if index < width
        ):
            return []
        shared = self.shared
        fields: dict[str, object] = {}
        for name, index in self.text_fields:
            if index < width and (text := cell_text(cells[index])):
                # Companies and positions repeat down a tracker: each text is judged once.
                kept = shared.get(text)
                if kept is None:
                    kept = shared[text] = "" if is_blank(text) else text
                if kept:
                    fields[name] = kept
        stage = self._stage(cells)
        if stage:
            fields["stage"] = shared.setdefault(stage, stage)
        if self.keep_index is not None and self.keep_index < width:
            fields["keep_in_touch"] = parse_yes_no(cells[self.keep_index]) is True
        problems: list[str] = []
        remarks: list[str] = []
        ambiguous = self._dates(row_number, cells, fields, problems, remarks)
        people = self._people(row_number, cells, str(fields.get("company", "")), remarks)
        made = [
            Contact(
                row=row_number,
                problems=tuple(problems),
                remarks=tuple(remarks),
                sheet=self.sheet,
                letters=self.letters,
                **fields,  # type: ignore[arg-type]
                **person,  # type: ignore[arg-type]
            )
            for person in people
        ]
        if ambiguous:
            self.unsettled.append((first, len(made), row_number, list(cells)))
        return made

    def _stage(self, cells: Sequence[object]) -> str:
        """The row's stage: the first stage column's, unless another says it is over (a
        "Result" column, a "Rejected" tick, an "Active" column saying no)."""
        if len(self.stage_columns) == 1 and not self.flags:
            text = cell_text(cell_at(cells, self.stage_columns[0]))
            return "" if not text or is_blank(text) else text
        texts = [
            text
            for column in self.stage_columns
            if (text := cell_text(cell_at(cells, column))) and not is_blank(text)
        ]
        for column, meaning in self.flags:
            ticked = parse_yes_no(cell_at(cells, column))
            if ticked is None:
                continue
            if meaning.startswith("!"):
                if not ticked:
                    texts.append(meaning[1:])
            elif ticked:
                texts.append(meaning)
        if len(texts) > 1:
            closed = [text for text in texts if _DEFAULT_VOCABULARY.is_closed(text)]
            return closed[0] if closed else texts[0]
        return texts[0] if texts else ""

    def _dates(
        self,
        row_number: int,
        cells: Sequence[object],
        fields: dict[str, object],
        problems: list[str],
        remarks: list[str],
    ) -> bool:
        """Each date field's latest date over its columns; True when a typed one was ambiguous."""
        ambiguous = False
        for name, sources in self.date_sources:
            latest: dt.date | None = None
            for position, column in enumerate(sources):
                value = cell_at(cells, column)
                if value is None or value == "" or is_blank(value):
                    continue
                if self.fixed_order is None:
                    ambiguous |= self._note_order(column, value)
                try:
                    days = dates_in(
                        value, self._order_of(column), self.date1904, in_words=name in _IN_WORDS
                    )
                except NotADateError as error:
                    ref = f"{self.sheet}!{column_letters(column)}{row_number}"
                    if position > 0 and not error.hint:
                        # One of several columns ("2nd interview" holding "yes"): a remark.
                        remarks.append(f"{ref}: {error} is not a date, so it is not counted")
                        continue
                    hint = error.hint or "write it as a date"
                    problems.append(
                        f"{ref}: {error} is not a date; {hint} like {self.today:%Y-%m-%d}"
                    )
                    continue
                if days and (latest is None or max(days) > latest):
                    latest = max(days)
            if latest is not None:
                fields[name] = latest
        if self.thank_you is not None:
            ambiguous |= self._thank_you(cells, fields)
        return ambiguous

    def _thank_you(self, cells: Sequence[object], fields: dict[str, object]) -> bool:
        """A Thank-you sent column: a tick, or a date (a note sent that day, too)."""
        column = self.thank_you
        assert column is not None
        value = cell_at(cells, column)
        if value is None or is_blank(value):
            return False
        answer = parse_yes_no(value)
        if answer is not None:
            fields["thanked"] = answer
            return False
        ambiguous = self.fixed_order is None and self._note_order(column, value)
        try:
            days = dates_in(value, self._order_of(column), self.date1904, in_words=True)
        except NotADateError:
            days = []
        if days:
            fields["thanked"] = True
            last = fields.get("last_contact")
            if not isinstance(last, dt.date) or max(days) > last:
                fields["last_contact"] = max(days)
            return ambiguous
        text = cell_text(value).casefold()
        fields["thanked"] = not text.startswith(("no", "not", "pending", "to do", "todo"))
        return False

    def _people(
        self, row_number: int, cells: Sequence[object], company: str, remarks: list[str]
    ) -> list[dict[str, object]]:
        """Each person of the row's person columns, with their address."""
        people: list[Person] = []
        groups: list[tuple[int, ...]] = [(c,) for c in self.fallback_columns]
        if len(self.person_columns) == 1:  # most trackers: one person column
            text = cell_text(cell_at(cells, self.person_columns[0]))
            if text and not is_blank(text):
                people = list(people_in(text, company))
        else:
            groups.insert(0, self.person_columns)
        for columns in groups:
            if people:
                break
            people = [
                person
                for column in columns
                if (text := cell_text(cell_at(cells, column))) and not is_blank(text)
                for person in people_in(text, company)
            ]
            if people:
                break
        email_texts = [
            text
            for column in self.email_columns
            if (text := cell_text(cell_at(cells, column))) and not is_blank(text)
        ]
        addresses = [a for text in email_texts for a in addresses_in(text)]
        if not people:
            return [{"email": email_texts[0] if email_texts else ""}]
        if len(people) == 1:  # most rows: one person, the first address (or what is there)
            person = people[0]
            email = addresses[0] if addresses else person.email
            return [
                {
                    "contact": person.shown,
                    "title": person.title,
                    "greet": person.greet,
                    "email": email or (email_texts[0] if email_texts else ""),
                }
            ]
        emails = _pair_addresses(people, addresses)
        missing = [p.shown for p, e in zip(people, emails, strict=True) if not e]
        if addresses and missing:
            where = f"{self.sheet}!{self.letters.get('email', '')}{row_number}"
            remarks.append(
                f"{where}: {len(addresses)} address{'es' if len(addresses) != 1 else ''} for "
                f"{len(people)} people; no address for {', '.join(missing)} (list the addresses "
                "in the same order as the names)"
            )
        return [
            {
                "contact": person.shown,
                "title": person.title,
                "greet": person.greet,
                "email": email,
                "slot": slot,
                "slots": len(people),
            }
            for slot, (person, email) in enumerate(zip(people, emails, strict=True))
        ]

    def _order_of(self, column: int | None) -> DateOrder:
        return self.orders.get(column or 0, self.order)

    def _note_order(self, column: int, value: object) -> bool:
        said = numeric_order(value)
        if said is None:
            return False
        evidence = self.evidence.setdefault(column, _OrderEvidence())
        if said is True:
            evidence.ambiguous += 1
            return True
        if said is DateOrder.DMY:
            evidence.day_first += 1
        else:
            evidence.month_first += 1
        return False

    def settle_date_order(self, contacts: list[Contact]) -> tuple[DateOrder, list[str]]:
        """Decide the order of the typed dates and read the ambiguous ones again if needed."""
        if self.fixed_order is not None:
            return self.fixed_order, []
        day_first = sum(e.day_first for e in self.evidence.values())
        month_first = sum(e.month_first for e in self.evidence.values())
        sheet_order = DateOrder.DMY if day_first > month_first else DateOrder.MDY
        warnings: list[str] = []
        orders: dict[int, DateOrder] = {}
        for column, evidence in sorted(self.evidence.items()):
            where = f"{self.sheet}!{column_letters(column)}"
            if evidence.day_first and evidence.month_first:
                order = (
                    DateOrder.DMY if evidence.day_first > evidence.month_first else DateOrder.MDY
                )
                warnings.append(
                    f"{where}: some dates are written day first and some month first; read as "
                    f"{_order_words(order)}; write the others as 2026-11-03 to be sure"
                )
            elif evidence.day_first or evidence.month_first:
                order = DateOrder.DMY if evidence.day_first else DateOrder.MDY
            elif day_first or month_first:
                order = sheet_order  # the sheet's other columns tell
            else:
                order = DateOrder.MDY
                if evidence.ambiguous:
                    warnings.append(
                        f"{where}: dates like 03/04/2026 could be 3 April or 4 March; they are "
                        "read month first; if you write the day first, add `Date order: DMY` "
                        "to Settings"
                    )
            orders[column] = order
        if any(order is not DateOrder.MDY for order in orders.values()):
            self._read_again(contacts, orders)
        settled = (
            DateOrder.DMY
            if orders and all(o is DateOrder.DMY for o in orders.values())
            else (sheet_order if (day_first or month_first) else DateOrder.MDY)
        )
        return settled, warnings

    def _read_again(self, contacts: list[Contact], orders: Mapping[int, DateOrder]) -> None:
        """The rows read month first whose columns turned out to be day first."""
        self.orders = dict(orders)
        names = [name for name, _ in self.date_sources]
        for first, count, row_number, cells in self.unsettled:
            fields: dict[str, object] = {}
            self._dates(row_number, cells, fields, [], [])
            changes = {name: fields.get(name) for name in names}
            for index in range(first, first + count):
                contacts[index] = dataclasses.replace(contacts[index], **changes)  # type: ignore[arg-type]


def _order_words(order: DateOrder) -> str:
    return "day first" if order is DateOrder.DMY else "month first"


def _pair_addresses(people: Sequence[Person], addresses: Sequence[str]) -> list[str]:
    """Each person's address from the Email cells: the one that carries their name, else the
    one in the same place as their name; an address in the person's own cell only fills in
    for a person the Email cells give none."""
    by_name = [""] * len(people)
    rest = list(addresses)
    for index, person in enumerate(people):
        words = [w for w in re.split(r"[\W_]+", person.shown.casefold()) if len(w) > 1]
        for address in rest:
            local = address.split("@")[0].casefold()
            if any(word in local for word in words):
                by_name[index] = address
                rest.remove(address)
                break
    if all(by_name) or len(addresses) != len(people):
        emails = by_name
        if len(people) == 1 and not emails[0] and addresses:
            emails = [addresses[0]]
    else:
        emails = list(addresses)  # listed in the same order as the names
    return [email or person.email for email, person in zip(emails, people, strict=True)]


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
