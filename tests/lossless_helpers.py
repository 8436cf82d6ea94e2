"""Helpers for the lossless tests: a tracker sheet injected into real workbooks, and checks.

The corpus workbooks were written by Excel, LibreOffice, Google Sheets, WPS and libraries. To
run the whole tool on each of them, a tracker is added to the package as a new worksheet part,
wired up the way Excel wires its own sheets (a ``<sheet>`` in workbook.xml, a relationship, a
content-type override), in whatever namespace prefixes and target styles the file already uses.
Everything else in the package is copied as it is, so the run's result can be compared with its
input member by member.

The checks read results with readers independent of the tool (zipfile, openpyxl in read-only
mode, python-calamine) and never with the tool's own xlsx code.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import posixpath
import re
import shutil
import struct
import subprocess
import uuid
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from python_calamine import CalamineWorkbook

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "xlsx"
CORPUS_MISSING = (
    "../shared/corpus/xlsx not found: the lossless tests against real workbooks did not run"
)

TODAY = dt.date(2026, 11, 23)  # a Monday
TRACKER = "Tracker"
HEADER = ("Company", "Contact", "Position", "Email", "Interview date", "Stage", "Last contact")
STATUS_HEADER, NEXT_HEADER = "Follow-up status", "Next follow-up"
STATUS_COLUMN, NEXT_COLUMN = len(HEADER) + 1, len(HEADER) + 2  # H and I: new columns
DRAFT_HEADER, DRAFT_COLUMN = "Draft", len(HEADER) + 3  # J: added because rows are due
DATE_COLUMNS = frozenset({4, 6})  # 0-based: Interview date, Last contact


@dataclass(frozen=True)
class Expected:
    """What PRODUCT.md's rules give for one row on TODAY (worked out by hand, not by the tool).

    A status "starts with the bold word and may add detail": it must start with ``label`` and
    hold ``detail`` (how late a due note is, the closed stage, the cell to fix) when given.
    """

    kind: str
    label: str
    next_follow_up: dt.date | None
    detail: str | None = None

    def matches(self, status: str) -> bool:
        return status.startswith(self.label) and (self.detail is None or self.detail in status)


# One row per rule. Dates are real dates here; the injected sheet stores them as serials in the
# workbook's own date system, the way a date column that lost its format holds them.
TRACKER_ROWS: tuple[tuple[tuple[object, ...], Expected], ...] = (
    (
        ("Brightwater & Co. <Analytics>", "Dr. Priya Raman", "Senior Data Analyst",
         "priya.raman@brightwater.example.com", dt.date(2026, 11, 20), "", None),
        # No note since the interview: the thank-you was due on the interview day.
        Expected("thank_you", "Thank-you due", dt.date(2026, 11, 20), "3 days late"),
    ),
    (
        ("Fernhill Foods", "Hiroshi Tanaka", "Analytics Engineer", "h.tanaka@fernhill.example",
         dt.date(2026, 10, 1), "Second round", dt.date(2026, 10, 31)),
        # 31 Oct + 14 days = Saturday 14 Nov, moved to Monday 16 Nov: a week late.
        Expected("follow_up", "Follow-up due", dt.date(2026, 11, 16), "7 days late"),
    ),
    (
        ("Lumen Freight", "Daniel Kowalski", "BI Developer", "", dt.date(2026, 11, 2), "",
         dt.date(2026, 11, 16)),
        # 16 Nov + 14 days = Monday 30 Nov, after today.
        Expected("waiting", "Waiting", dt.date(2026, 11, 30)),
    ),
    (
        ("Quillstone Publishing", "Sofia Lindqvist", "Data Analyst", "sofia@quillstone.example",
         dt.date(2026, 12, 1), "", None),
        Expected("upcoming", "Interview upcoming", dt.date(2026, 12, 1)),
    ),
    (
        ("Cobalt Reed Insurance", "Amara Nwosu", "Reporting Analyst", "amara.nwosu@cobalt.example",
         dt.date(2026, 10, 5), "Rejected", dt.date(2026, 10, 6)),
        Expected("closed", "Closed", None, "Rejected"),
    ),
    (
        ("Harborview Hospital Network", "Rosa Delgado", "Data Scientist", "", "next tues", "",
         None),
        # A date cell that is no date: the status names the cell.
        Expected("fix_data", "Fix data: Tracker!E7", None, "next tues"),
    ),
    (
        ("Zürich Analytik GmbH", "José Núñez", "Datenanalyst", "jose.nunez@zuerich.example",
         dt.date(2026, 11, 23), "", dt.date(2026, 11, 23)),
        # Thanked on the interview day, today: the first follow-up is two weeks on.
        Expected("waiting", "Waiting", dt.date(2026, 12, 7)),
    ),
)  # fmt: skip
FIRST_ROW = 2
LAST_ROW = FIRST_ROW + len(TRACKER_ROWS) - 1

_TRANSITIONAL_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
_TRANSITIONAL_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
WORKSHEET_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


def column_letter(column: int) -> str:
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def serial(day: dt.date, date1904: bool) -> int:
    epoch = dt.date(1904, 1, 1) if date1904 else dt.date(1899, 12, 30)
    return (day - epoch).days


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def tracker_sheet_xml(main_ns: str, rel_ns: str, date1904: bool) -> bytes:
    """The tracker worksheet: inline strings, date serials in General (s="0") cells."""
    rows = []
    all_rows: list[Sequence[object]] = [HEADER, *(values for values, _ in TRACKER_ROWS)]
    for number, values in enumerate(all_rows, start=1):
        cells = []
        for index, value in enumerate(values):
            ref = f"{column_letter(index + 1)}{number}"
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                cells.append(f'<c r="{ref}" s="0"><v>{serial(value, date1904)}</v></c>')
            else:
                cells.append(
                    f'<c r="{ref}" t="inlineStr"><is><t>{_escape(str(value))}</t></is></c>'
                )
        rows.append(f'<row r="{number}" spans="1:{len(HEADER)}">{"".join(cells)}</row>')
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{main_ns}" xmlns:r="{rel_ns}">'
        f'<dimension ref="A1:{column_letter(len(HEADER))}{len(all_rows)}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        '<cols><col min="1" max="2" width="28" customWidth="1"/>'
        '<col min="3" max="4" width="34" customWidth="1"/></cols>'
        f"<sheetData>{''.join(rows)}</sheetData>"
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    ).encode()


@dataclass(frozen=True)
class Layout:
    """Where one sheet and the parts an edit may touch live in a package (read with zipfile)."""

    workbook_part: str
    styles_part: str | None
    sheet_part: str
    table_parts: tuple[str, ...]
    date1904: bool
    sheet_names: tuple[str, ...]


class InjectionError(Exception):
    """The file is not a package a sheet can be added to."""


def _attr(tag: bytes, name: bytes) -> bytes | None:
    m = re.search(rb"\s" + re.escape(name) + rb"\s*=\s*([\"'])(.*?)\1", tag, re.DOTALL)
    return m.group(2) if m else None


def _relationships(xml: bytes) -> list[bytes]:
    return re.findall(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>", xml)


def _resolve(base_folder: str, target: str) -> str:
    target = target.replace("\\", "/")
    joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base_folder, target)
    return posixpath.normpath(joined).lstrip("/")


def _rels_name(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def _find(names: Iterable[str], wanted: str) -> str | None:
    lowered = {name.lower(): name for name in names}
    return lowered.get(wanted.lower())


def _workbook_part(names: Sequence[str], data: dict[str, bytes]) -> str | None:
    root_rels = data.get(_find(names, "_rels/.rels") or "")
    for rel in _relationships(root_rels or b""):
        if (_attr(rel, b"Type") or b"").endswith(b"/officeDocument"):
            return _find(names, _resolve("", (_attr(rel, b"Target") or b"").decode()))
    return None


def read_layout(path: Path, sheet_name: str = TRACKER) -> Layout:
    """The workbook, styles, sheet and table parts of ``sheet_name``, from the package itself."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        data = {name: archive.read(name) for name in names if name.endswith((".xml", ".rels"))}
    workbook_part = _workbook_part(names, data)
    assert workbook_part is not None, f"{path.name} has no workbook part"
    folder = posixpath.dirname(workbook_part)
    workbook = data[workbook_part]
    rels = _relationships(data.get(_find(names, _rels_name(workbook_part)) or "", b""))
    targets = {
        (_attr(rel, b"Id") or b"").decode(): (
            (_attr(rel, b"Type") or b"").decode().rsplit("/", 1)[-1],
            _find(names, _resolve(folder, (_attr(rel, b"Target") or b"").decode())),
        )
        for rel in rels
    }
    styles_part = next((t for kind, t in targets.values() if kind == "styles"), None)
    sheet_names, sheet_part = [], None
    for tag in re.findall(rb"<(?:[\w.-]+:)?sheet\s[^>]*>", workbook):
        name = (_attr(tag, b"name") or b"").decode()
        sheet_names.append(name)
        rel_id = re.search(rb"\s[\w.-]+:id\s*=\s*[\"']([^\"']*)", tag)
        if name == sheet_name and rel_id:
            sheet_part = targets[rel_id.group(1).decode()][1]
    assert sheet_part is not None, f"{path.name} has no sheet {sheet_name!r}"
    sheet_rels = _relationships(data.get(_find(names, _rels_name(sheet_part)) or "", b""))
    tables = tuple(
        _find(names, _resolve(posixpath.dirname(sheet_part), (_attr(r, b"Target") or b"").decode()))
        or ""
        for r in sheet_rels
        if (_attr(r, b"Type") or b"").endswith(b"/table")
    )
    date1904 = bool(
        re.search(
            rb"<(?:[\w.-]+:)?workbookPr\b[^>]*\sdate1904\s*=\s*[\"'](?:1|true)[\"']", workbook
        )
    )
    return Layout(workbook_part, styles_part, sheet_part, tables, date1904, tuple(sheet_names))


def inject_tracker(source: Path, destination: Path, sheet_name: str = TRACKER) -> None:
    """Copy ``source`` to ``destination`` with a tracker worksheet added as its last tab."""
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise InjectionError(f"{source.name} is not a zip package: {exc}") from exc
    with archive:
        infos = archive.infolist()
        names = [info.filename for info in infos]
        data = {info.filename: archive.read(info) for info in infos}

    if _find(names, "_rels/.rels") is None or "[Content_Types].xml" not in data:
        raise InjectionError(f"{source.name} lacks _rels/.rels or [Content_Types].xml")
    workbook_part = _workbook_part(names, data)
    if workbook_part is None:
        raise InjectionError(f"{source.name} has no workbook part")
    folder = posixpath.dirname(workbook_part)
    workbook = data[workbook_part]
    strict = _STRICT_MAIN.encode() in workbook[:4000]
    main_ns, rel_ns = (
        (_STRICT_MAIN, _STRICT_REL) if strict else (_TRANSITIONAL_MAIN, _TRANSITIONAL_REL)
    )
    date1904 = bool(
        re.search(
            rb"<(?:[\w.-]+:)?workbookPr\b[^>]*\sdate1904\s*=\s*[\"'](?:1|true)[\"']", workbook
        )
    )

    # The workbook's relationships: a fresh Id, and targets written the way the file writes them.
    rels_part = _find(names, _rels_name(workbook_part))
    if rels_part is None:
        raise InjectionError(f"{source.name} has no relationships for {workbook_part}")
    rels = data[rels_part]
    existing = _relationships(rels)
    ids = {(_attr(rel, b"Id") or b"").decode() for rel in existing}
    number = 1
    while f"rId{number}" in ids:
        number += 1
    rel_id = f"rId{number}"
    part_number = 1
    while _find(names, posixpath.join(folder, "worksheets", f"sheet{part_number}.xml")):
        part_number += 1
    sheet_part = posixpath.join(folder, "worksheets", f"sheet{part_number}.xml")
    absolute = any((_attr(rel, b"Target") or b"").startswith(b"/") for rel in existing)
    target = "/" + sheet_part if absolute else posixpath.relpath(sheet_part, folder or ".")
    rels_prefix = re.search(rb"<([\w.-]+:)?Relationships[\s>]", rels)
    prefix = (rels_prefix.group(1) or b"").decode() if rels_prefix else ""
    relationship = (
        f'<{prefix}Relationship Id="{rel_id}" Type="{rel_ns}/worksheet" Target="{target}"/>'
    )
    closing = list(re.finditer(rb"</(?:[\w.-]+:)?Relationships\s*>", rels))
    if not closing:
        raise InjectionError(f"{rels_part} has no closing tag")
    at = closing[-1].start()
    new_rels = rels[:at] + relationship.encode() + rels[at:]

    # The <sheet> element, in the prefix <sheets> uses, linked through the relationships
    # namespace under the prefix the root declares for it (or one declared on the spot).
    sheets_open = re.search(rb"<([\w.-]+:)?sheets(\s[^>]*)?(/?)>", workbook)
    if sheets_open is None:
        raise InjectionError(f"{workbook_part} has no <sheets>")
    sheets_prefix = (sheets_open.group(1) or b"").decode()
    sheet_ids = [
        int(value)
        for tag in re.findall(rb"<(?:[\w.-]+:)?sheet\s[^>]*>", workbook)
        if (value := _attr(tag, b"sheetId")) is not None and value.isdigit()
    ]
    declared = re.search(
        rb"xmlns:([\w.-]+)\s*=\s*[\"']" + re.escape(rel_ns.encode()) + rb"[\"']", workbook
    )
    if declared:
        id_attr = f'{declared.group(1).decode()}:id="{rel_id}"'
    else:
        id_attr = f'xmlns:tr="{rel_ns}" tr:id="{rel_id}"'
    element = f'<{sheets_prefix}sheet name="{sheet_name}" sheetId="{max(sheet_ids, default=0) + 1}" {id_attr}/>'
    if sheets_open.group(3):  # <sheets/>
        replacement = (
            sheets_open.group(0)[:-2]
            + b">"
            + element.encode()
            + f"</{sheets_prefix}sheets>".encode()
        )
        new_workbook = workbook[: sheets_open.start()] + replacement + workbook[sheets_open.end() :]
    else:
        close = re.compile(rb"</" + re.escape(sheets_prefix.encode()) + rb"sheets\s*>").search(
            workbook, sheets_open.end()
        )
        if close is None:
            raise InjectionError(f"{workbook_part} has no </sheets>")
        new_workbook = workbook[: close.start()] + element.encode() + workbook[close.start() :]

    content_types = data["[Content_Types].xml"]
    types_prefix_match = re.search(rb"<([\w.-]+:)?Types[\s>]", content_types)
    types_prefix = (types_prefix_match.group(1) or b"").decode() if types_prefix_match else ""
    override = (
        f'<{types_prefix}Override PartName="/{sheet_part}" ContentType="{WORKSHEET_CONTENT_TYPE}"/>'
    )
    types_close = list(re.finditer(rb"</(?:[\w.-]+:)?Types\s*>", content_types))
    if not types_close:
        raise InjectionError("[Content_Types].xml has no </Types>")
    at = types_close[-1].start()
    new_content_types = content_types[:at] + override.encode() + content_types[at:]

    replaced = {
        workbook_part: new_workbook,
        rels_part: new_rels,
        "[Content_Types].xml": new_content_types,
    }
    with zipfile.ZipFile(destination, "w") as out:
        for info in infos:
            copy = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            copy.compress_type = info.compress_type
            copy.external_attr = info.external_attr
            out.writestr(copy, replaced.get(info.filename, data[info.filename]))
        added = zipfile.ZipInfo(sheet_part, date_time=max(info.date_time for info in infos))
        added.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(added, tracker_sheet_xml(main_ns, rel_ns, date1904))


# --- comparing packages --------------------------------------------------------------------


def members(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def changed_members(
    before: Path, after: Path, added: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(names whose bytes differ, problems with names or order); ``added`` may be appended."""
    old, new = members(before), members(after)
    problems = []
    appended = [name for name, _ in new[len(old) :]]
    if [name for name, _ in old] != [name for name, _ in new[: len(old)]] or not set(
        appended
    ) <= set(added):
        problems.append(
            f"member names or order changed: {[n for n, _ in old]} -> {[n for n, _ in new]}"
        )
    new_by_name = dict(new)
    changed = [name for name, data in old if new_by_name.get(name, data) != data]
    return changed, problems


_CALC_PR_RE = re.compile(
    rb"<(?P<p>[\w.-]+:)?calcPr\b(?P<a>[^>]*?)(?:/>|>.*?</(?P=p)?calcPr\s*>)", re.DOTALL
)
_FULL_CALC_RE = re.compile(rb"\s+fullCalcOnLoad\s*=\s*[\"'](?:1|true)[\"']")


def workbook_change_problem(before: bytes, after: bytes) -> str | None:
    """None when ``after`` is ``before`` with fullCalcOnLoad set, and nothing else changed."""
    if before == after:
        return None
    old_calc = [m.group("a") for m in _CALC_PR_RE.finditer(before)]
    new_calc = [m.group("a") for m in _CALC_PR_RE.finditer(after)]
    if _CALC_PR_RE.sub(b"", before) != _CALC_PR_RE.sub(b"", after):
        return "the workbook part changed outside <calcPr>"
    if len(new_calc) != 1 or not _FULL_CALC_RE.search(new_calc[0]):
        return f"the workbook part changed but fullCalcOnLoad is not set: {new_calc!r}"
    kept = _attributes(_FULL_CALC_RE.sub(b"", new_calc[0]))
    original = _attributes(old_calc[0]) if old_calc else {}
    original.pop(b"fullCalcOnLoad", None)  # it may have said "0"
    if kept != original:
        return f"<calcPr> attributes changed beyond fullCalcOnLoad: {original} -> {kept}"
    return None


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    return {m.group(1): m.group(3) for m in re.finditer(rb"([\w:.-]+)\s*=\s*([\"'])(.*?)\2", raw)}


def _block(xml: bytes, local: bytes, child: bytes) -> tuple[bytes, list[bytes], bytes] | None:
    """(xml before the element, its ``child`` elements' bytes, xml after), or None if absent."""
    m = re.search(
        rb"<(?P<p>[\w.-]+:)?"
        + local
        + rb"\b[^>]*?(?:/>|>(?P<inner>.*?)</(?P=p)?"
        + local
        + rb"\s*>)",
        xml,
        re.DOTALL,
    )
    if m is None:
        return None
    inner = m.group("inner") or b""
    children = [
        found.group(0)
        for found in re.finditer(
            rb"<(?P<p>[\w.-]+:)?" + child + rb"\b[^>]*?(?:/>|>.*?</(?P=p)?" + child + rb"\s*>)",
            inner,
            re.DOTALL,
        )
    ]
    return xml[: m.start()], children, xml[m.end() :]


def styles_change_problem(before: bytes, after: bytes) -> str | None:
    """None when ``after`` only appends cell formats, fonts (a link's look) and number formats."""
    if before == after:
        return None
    old_xfs, new_xfs = _block(before, b"cellXfs", b"xf"), _block(after, b"cellXfs", b"xf")
    if old_xfs is None or new_xfs is None:
        return "a styles part without <cellXfs> changed"
    if new_xfs[1][: len(old_xfs[1])] != old_xfs[1]:
        return "existing cell formats were changed or renumbered"
    old_rest = _without_block(before, b"cellXfs", b"xf")
    new_rest = _without_block(after, b"cellXfs", b"xf")
    old_fonts, new_fonts = _block(old_rest, b"fonts", b"font"), _block(new_rest, b"fonts", b"font")
    if old_fonts is not None and new_fonts is not None and old_fonts[1] != new_fonts[1]:
        if new_fonts[1][: len(old_fonts[1])] != old_fonts[1]:
            return "existing fonts were changed or renumbered"
        old_rest = _without_block(old_rest, b"fonts", b"font")
        new_rest = _without_block(new_rest, b"fonts", b"font")
    old_fmts, new_fmts = (
        _block(old_rest, b"numFmts", b"numFmt"),
        _block(new_rest, b"numFmts", b"numFmt"),
    )
    if new_fmts is not None:
        if old_fmts is not None and not set(old_fmts[1]) <= set(new_fmts[1]):
            return "existing number formats were changed"
        new_rest = _without_block(new_rest, b"numFmts", b"numFmt")
        old_rest = _without_block(old_rest, b"numFmts", b"numFmt")
    if old_rest != new_rest:
        return "the styles part changed outside <cellXfs> and <numFmts>"
    return None


def _without_block(xml: bytes, local: bytes, child: bytes) -> bytes:
    found = _block(xml, local, child)
    return xml if found is None else found[0] + found[2]


# --- reading values back ------------------------------------------------------------------


def openpyxl_rows(path: Path, sheet: str) -> list[tuple[Any, ...]]:
    """The sheet's values in read-only mode (a full load of some corpus files takes minutes)."""
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return [tuple(row) for row in workbook[sheet].iter_rows(values_only=True)]
    finally:
        workbook.close()


def calamine_sheets(path: Path, skip: str | None = None) -> dict[str, object]:
    """Every sheet's values as calamine reads them (or the error it raises), by name."""
    workbook = CalamineWorkbook.from_path(str(path))
    result: dict[str, object] = {}
    for name in workbook.sheet_names:
        if name == skip:
            continue
        try:
            result[name] = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:  # a chartsheet or a sheet calamine cannot read: same before/after
            result[name] = f"{type(exc).__name__}: {exc}"
    return result


def calamine_rows(path: Path, sheet: str) -> list[list[Any]]:
    rows: list[list[Any]] = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(sheet)
        .to_python(skip_empty_area=False)
    )
    return rows


def as_date(value: object) -> dt.date | None:
    """A cell value read back as a date (datetime at midnight counts), else None."""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else None
    if isinstance(value, dt.date):
        return value
    return None


def padded(rows: Sequence[Sequence[Any]], width: int) -> list[tuple[Any, ...]]:
    """Rows cut or padded to ``width`` cells, empty strings as None (readers differ there)."""
    result = []
    for row in rows:
        cells = [None if cell == "" else cell for cell in list(row)[:width]]
        result.append(tuple(cells + [None] * (width - len(cells))))
    while result and all(cell is None for cell in result[-1]):
        result.pop()
    return result


# --- LibreOffice -------------------------------------------------------------------------

SOFFICE_MISSING = (
    "soffice (LibreOffice) is not on PATH: install it with "
    "`apt-get install -y libreoffice-calc-nogui` (CI installs it in .ci/run)"
)


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def soffice_convert(
    inputs: Sequence[Path], out_dir: Path, convert_to: str, timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    """Convert files with LibreOffice headless, in a throwaway profile of their own."""
    binary = soffice()
    assert binary is not None, SOFFICE_MISSING
    profile = Path(f"/tmp/lo-profile-{os.getpid()}-{uuid.uuid4().hex[:12]}")
    out_dir.mkdir(parents=True, exist_ok=True)
    try:
        return subprocess.run(
            [
                binary,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                convert_to,
                "--outdir",
                str(out_dir),
                *map(str, inputs),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


# --- running the tool and checking what it did -------------------------------------------


def run_tool(path: Path) -> dict[str, Any]:
    """The real command line on ``path``, as a user runs it; returns its JSON."""
    from click.testing import CliRunner

    from sheet_followup.cli import cli

    result = CliRunner().invoke(
        cli,
        ["run", str(path), "--today", TODAY.isoformat(), "--sheet", TRACKER, "--json"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def check_json_against_rules(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON's statuses and dates are what PRODUCT.md's rules give for TRACKER_ROWS."""
    contacts: list[dict[str, Any]] = report["contacts"]
    assert [c["row"] for c in contacts] == list(range(FIRST_ROW, LAST_ROW + 1))
    for contact, (values, expected) in zip(contacts, TRACKER_ROWS, strict=True):
        assert contact["company"] == values[0]
        assert contact["kind"] == expected.kind, contact
        assert expected.matches(contact["status"]), contact
        wanted = expected.next_follow_up.isoformat() if expected.next_follow_up else None
        assert contact["next_follow_up"] == wanted, contact
    return contacts


def check_tool_cells(path: Path, contacts: list[dict[str, Any]]) -> None:
    """The tool's columns read back as the JSON says, with openpyxl and with calamine."""
    views = {
        "openpyxl": padded(openpyxl_rows(path, TRACKER), DRAFT_COLUMN + 3),
        "calamine": padded(calamine_rows(path, TRACKER), DRAFT_COLUMN + 3),
    }
    for reader, rows in views.items():
        assert len(rows) == LAST_ROW, f"{reader}: {len(rows)} rows"
        assert rows[0][STATUS_COLUMN - 1] == STATUS_HEADER, (reader, rows[0])
        assert rows[0][NEXT_COLUMN - 1] == NEXT_HEADER, (reader, rows[0])
        for contact in contacts:
            row = rows[contact["row"] - 1]
            assert row[STATUS_COLUMN - 1] == contact["status"], (reader, row)
            shown = row[NEXT_COLUMN - 1]
            if contact["next_follow_up"] is None:
                assert shown is None, (reader, row)
            else:
                day = as_date(shown)
                assert day is not None, f"{reader}: {shown!r} is not a date cell"
                assert day.isoformat() == contact["next_follow_up"], (reader, row)
            draft = Path(contact["draft"]).name if contact["draft"] else None
            assert row[DRAFT_COLUMN - 1] == draft, (reader, row)
            assert all(cell is None for cell in row[DRAFT_COLUMN:]), (reader, row)
        if any(contact["draft"] for contact in contacts):
            assert rows[0][DRAFT_COLUMN - 1] == DRAFT_HEADER, (reader, rows[0])


def check_tracker_kept(before: Path, after: Path, layout: Layout) -> None:
    """Outside the tool's two columns the tracker reads the same, and its XML is the same."""
    from tests.xlsx_helpers import strip_target_cells

    width = len(HEADER)
    for reader in (openpyxl_rows, calamine_rows):
        old = padded(reader(before, TRACKER), width)
        assert len(old) == LAST_ROW, reader.__name__
        assert padded(reader(after, TRACKER), width) == old, reader.__name__
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        old_xml, new_xml = a.read(layout.sheet_part), b.read(layout.sheet_part)
    refs = {
        f"{column_letter(column)}{row}"
        for column in (STATUS_COLUMN, NEXT_COLUMN, DRAFT_COLUMN)
        for row in range(1, LAST_ROW + 1)
    }
    new_xml = _without_draft_links(new_xml, old_xml, refs)
    new_xml = _without_tool_column_widths(new_xml, {STATUS_COLUMN, NEXT_COLUMN, DRAFT_COLUMN})
    assert strip_target_cells(new_xml, refs) == strip_target_cells(old_xml, refs)


def _without_tool_column_widths(new_xml: bytes, columns: set[int]) -> bytes:
    """The sheet without the widths the tool gave the columns it added (each a ``<col>`` of
    one column, and the ``<cols>`` around them when the sheet had none)."""
    text = new_xml.decode("utf-8")
    pattern = r'<(?:[\w.-]+:)?col min="(\d+)" max="\1" width="[\d.]+" customWidth="1"/>'
    added = [int(m.group(1)) for m in re.finditer(pattern, text)]
    assert set(added) <= columns, set(added) - columns
    text = re.sub(pattern, "", text)
    text = re.sub(r"<((?:[\w.-]+:)?cols)></\1>", "", text)
    return text.encode("utf-8")


def _without_draft_links(new_xml: bytes, old_xml: bytes, refs: set[str]) -> bytes:
    """The sheet without the links the tool added to its cells (and the section and the r
    namespace declaration they brought along when the sheet had none)."""
    text = new_xml.decode("utf-8")
    links = re.findall(r"""<(?:[\w.-]+:)?hyperlink ref="([A-Z]+\d+)" [\w.-]+:id="rId\d+"/>""", text)
    assert set(links) <= refs, set(links) - refs
    text = re.sub(
        r"""<(?:[\w.-]+:)?hyperlink ref="[A-Z]+\d+" [\w.-]+:id="rId\d+"/>""",
        lambda m: "" if m.group(0).split('"')[1] in refs else m.group(0),
        text,
    )
    text = re.sub(r"<((?:[\w.-]+:)?hyperlinks)></\1>", "", text)
    if b"officeDocument/2006/relationships" not in old_xml.split(b">", 2)[1]:
        text = re.sub(
            r' xmlns:[\w.-]+="http://schemas.openxmlformats.org/officeDocument/2006/relationships"',
            "",
            text,
            count=1,
        )
    return text.encode("utf-8")


def check_package_kept(before: Path, after: Path, layout: Layout) -> list[str]:
    """Every member but the tool's parts is byte-identical, same names, same order.

    The Draft column's links live in the sheet's relationships part, which may be changed or
    appended (with a Default for .rels parts in [Content_Types].xml if the package had none).
    """
    sheet_rels = _rels_name(layout.sheet_part)
    changed, problems = changed_members(before, after, added=[sheet_rels])
    assert not problems, problems
    allowed = {layout.sheet_part, layout.workbook_part, sheet_rels, *layout.table_parts}
    if layout.styles_part:
        allowed.add(layout.styles_part)
    if "[Content_Types].xml" in changed:
        with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
            old_types, new_types = a.read("[Content_Types].xml"), b.read("[Content_Types].xml")
        assert re.sub(rb'<Default Extension="rels"[^>]*/>', b"", new_types) == old_types
        allowed.add("[Content_Types].xml")
    assert set(changed) <= allowed, f"changed beyond the tool's parts: {set(changed) - allowed}"
    assert layout.sheet_part in changed
    with zipfile.ZipFile(before) as a, zipfile.ZipFile(after) as b:
        problem = workbook_change_problem(
            a.read(layout.workbook_part), b.read(layout.workbook_part)
        )
        assert problem is None, problem
        if layout.styles_part:
            problem = styles_change_problem(a.read(layout.styles_part), b.read(layout.styles_part))
            assert problem is None, problem
    return changed


# --- a rich tracker: everything a user may have put around the tracker ---------------------

RICH_TABLE = "Applications"
STAGES = '"Applied,Interviewing,Second round,Offer,Rejected,Closed"'


def tiny_png() -> bytes:
    """A 4x4 PNG made with the standard library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + bytes([30, 120, 200]) * 4 for _ in range(4))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def build_rich_tracker(path: Path) -> Path:
    """A tracker that is an Excel table, with a dropdown, conditional formatting, comments,
    hyperlinks, frozen panes and defined names, beside a sheet with a chart and an image."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.comments import Comment
    from openpyxl.drawing.image import Image
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.table import Table, TableStyleInfo

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = TRACKER
    sheet.append(list(HEADER))
    for values, _ in TRACKER_ROWS:
        sheet.append([None if v == "" else v for v in values])
    for row in sheet.iter_rows(min_row=FIRST_ROW):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    ref = f"A1:{column_letter(len(HEADER))}{LAST_ROW}"
    table = Table(displayName=RICH_TABLE, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium9", showRowStripes=True)
    sheet.add_table(table)
    stages = DataValidation(type="list", formula1=STAGES, allow_blank=True)
    stages.add("F2:F200")
    sheet.add_data_validation(stages)
    sheet.conditional_formatting.add(
        "F2:F200",
        CellIsRule(operator="equal", formula=['"Rejected"'], fill=PatternFill(bgColor="FFC7CE")),
    )
    sheet["B2"].comment = Comment("Loves sailing; asked about our dashboards", "Me")
    sheet["E3"].comment = Comment("Panel of three", "Me")
    sheet["D2"].hyperlink = "mailto:priya.raman@brightwater.example.com"
    sheet["C3"].hyperlink = "https://fernhill.example/jobs/42"
    sheet.freeze_panes = "A2"
    workbook.defined_names["Cadence"] = DefinedName("Cadence", attr_text="14")
    sheet.defined_names["TrackerRows"] = DefinedName(
        "TrackerRows", attr_text=f"{TRACKER}!$A$1:${column_letter(len(HEADER))}${LAST_ROW}"
    )

    stats = workbook.create_sheet("Stats")
    for row in (("Stage", "Contacts"), ("Applied", 4), ("Interviewing", 3), ("Offer", 1)):
        stats.append(row)
    chart = BarChart()
    chart.title = "Contacts by stage"
    chart.add_data(Reference(stats, min_col=2, min_row=1, max_row=4), titles_from_data=True)
    chart.set_categories(Reference(stats, min_col=1, min_row=2, max_row=4))
    stats.add_chart(chart, "D2")
    stats.add_image(Image(io.BytesIO(tiny_png())), "D20")
    workbook.save(path)
    return path


def features(path: Path) -> dict[str, Any]:
    """What a user put around the tracker, as openpyxl sees it (full load: small files only)."""
    workbook = openpyxl.load_workbook(path)
    sheet = workbook[TRACKER]
    stats = workbook["Stats"]
    return {
        "data_validations": sorted(
            (str(dv.sqref), dv.type, dv.formula1) for dv in sheet.data_validations.dataValidation
        ),
        "conditional_formats": sorted(
            (str(cf.sqref), rule.type, rule.operator, tuple(rule.formula or ()))
            for cf in sheet.conditional_formatting
            for rule in cf.rules
        ),
        "comments": {
            cell.coordinate: cell.comment.text.strip()
            for row in sheet.iter_rows()
            for cell in row
            if cell.comment
        },
        "hyperlinks": {link.ref: link.target or link.location for link in sheet._hyperlinks}
        | {
            cell.coordinate: cell.hyperlink.target or cell.hyperlink.location
            for row in sheet.iter_rows()
            for cell in row
            if cell.hyperlink
        },
        "freeze_panes": sheet.freeze_panes,
        "defined_names": {name: d.attr_text for name, d in workbook.defined_names.items()},
        "sheet_names": {name: d.attr_text for name, d in sheet.defined_names.items()},
        "tables": {
            t.displayName: (t.tableStyleInfo.name if t.tableStyleInfo else None)
            for t in sheet.tables.values()
        },
        "charts": len(stats._charts),
        "images": len(stats._images),
    }


def table_refs(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Each table of the tracker: its range and its column names."""
    workbook = openpyxl.load_workbook(path)
    return {
        t.displayName: (t.ref, [c.name for c in t.tableColumns])
        for t in workbook[TRACKER].tables.values()
    }
