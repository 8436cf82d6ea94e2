"""Writing a few cells into the user's workbook without disturbing anything else in it.

The workbook is the user's, and it holds things no Python library round-trips (charts,
slicers, macros, pivot caches). So the package is rebuilt member by member, and inside each
edited sheet only the target cells' bytes change. Formulas and merged areas are left alone and
reported back, and a rerun that changes nothing writes nothing.

One :class:`WorkbookEditor` takes every change a command makes (cells in several sheets, a new
sheet) and builds the package once and reads it back once: ``sent`` changes the tracker, the
Gifts sheet and the Log, and a rebuild and check per sheet would cost a whole-file pass each.
"""

from __future__ import annotations

import contextlib
import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from sheet_followup.xlsx.cells import (
    MAX_CELL_TEXT,
    CellEdit,
    SheetPlanner,
    SkippedEdit,
    clean_cell_text,
    last_edit_per_cell,
)
from sheet_followup.xlsx.collector import cyclic_gc_paused
from sheet_followup.xlsx.errors import XlsxError
from sheet_followup.xlsx.hyperlinks import SheetHyperlinks
from sheet_followup.xlsx.new_sheet import new_sheet_parts
from sheet_followup.xlsx.package import (
    Content,
    Package,
    open_package,
    rebuild_package,
    relationships_part_name,
)
from sheet_followup.xlsx.relationships import (
    add_content_type_override,
    add_relationship,
    with_rels_content_type,
)
from sheet_followup.xlsx.shared_strings import SharedStrings
from sheet_followup.xlsx.sheet_xml import WorksheetXml, check_well_formed
from sheet_followup.xlsx.splice import SplicedPart
from sheet_followup.xlsx.styles import STYLES_CONTENT_TYPE, StylesEditor
from sheet_followup.xlsx.tables import widen_tables
from sheet_followup.xlsx.verify import WrittenPackage, WrittenSheet, verify_package
from sheet_followup.xlsx.workbook import has_formula, read_layout, with_full_calc_on_load

__all__ = [
    "MAX_CELL_TEXT",
    "CellEdit",
    "EditResult",
    "SheetResult",
    "SkippedEdit",
    "WorkbookEditor",
    "add_worksheet",
    "clean_cell_text",
    "edit_package",
]

_CONTENT_TYPES = "[Content_Types].xml"


@dataclass(frozen=True)
class SheetResult:
    """What one sheet's edits did: the edits refused (with reasons) and the cells changed."""

    skipped: tuple[SkippedEdit, ...]
    changed_cells: int
    # The number format of the first date written like another cell (``date_format_like``):
    # what dates look like in this workbook, for dates written into its other sheets.
    date_format: int | None = None


@dataclass(frozen=True)
class EditResult:
    """New package bytes (None when nothing would change) and what was left alone."""

    data: bytes | None
    skipped: tuple[SkippedEdit, ...]
    changed_cells: int
    date_format: int | None = None


class WorkbookEditor:
    """Every change of one command to one workbook, built into new bytes and checked once.

    Sheets are planned one by one as :meth:`edit` is called (each against the styles as the
    sheets before it left them); :meth:`build` then rebuilds the zip a single time and reads
    every changed sheet back (see :mod:`.verify`) before handing the bytes out. The file
    itself is never written here: :func:`.replace.replace_atomically` does that.
    """

    def __init__(self, package: Package) -> None:
        self._package = package
        self._layout = read_layout(package)
        # part name -> new content, members and additions (an edited sheet as its splices)
        self._changed: dict[str, Content] = {}
        self._new_sheets: dict[str, str] = {}  # sheet name -> part
        self._sheets: list[WrittenSheet] = []
        self._edited: set[str] = set()
        styles_part = self._layout.part_of_type("styles")
        self._styles_member = package.find(styles_part) if styles_part else None
        self._styles = StylesEditor.parse(
            package.read(self._styles_member) if self._styles_member else None
        )
        self._shared: list[SharedStrings | None] = []

    @classmethod
    @contextlib.contextmanager
    def open(cls, source: Path) -> Iterator[WorkbookEditor]:
        """An editor of the workbook at ``source``, open while the ``with`` block runs."""
        with cyclic_gc_paused(), open_package(source) as package:
            yield cls(package)

    # --- the parts as the edit has them so far ----------------------------------------------

    def _current(self, part: str) -> bytes | None:
        member = self._package.find(part)
        changed = self._changed.get(member or part)
        if isinstance(changed, SplicedPart):
            return changed.to_bytes()  # an edited sheet read again: never in a run
        if changed is not None:
            return changed
        return self._package.read(member) if member is not None else None

    def _put(self, part: str, data: Content) -> None:
        self._changed[self._package.find(part) or part] = data

    def _shared_strings(self) -> SharedStrings | None:
        if not self._shared:
            part = self._layout.part_of_type("sharedStrings")
            member = self._package.find(part) if part else None
            self._shared.append(SharedStrings(self._package.read(member)) if member else None)
        return self._shared[0]

    # --- the changes ------------------------------------------------------------------------

    def add_sheet(self, name: str) -> None:
        """Add an empty worksheet called ``name`` as the last tab; :meth:`edit` can fill it."""
        if name in self._new_sheets:
            msg = f"{self._package.path.name} already has a sheet named '{name}'."
            raise XlsxError(msg)
        part, changes = new_sheet_parts(self._package, self._layout, name, self._current)
        for changed_part, data in changes.items():
            self._put(changed_part, data)
        self._new_sheets[name] = part

    def edit(self, sheet_name: str, edits: Sequence[CellEdit]) -> SheetResult:
        """Plan ``edits`` into the sheet called ``sheet_name`` (once per sheet)."""
        file = self._package.path.name
        if sheet_name in self._edited:
            msg = f"the sheet {sheet_name!r} of {file} was given its edits twice"
            raise ValueError(msg)
        self._edited.add(sheet_name)
        part = self._sheet_part(sheet_name)
        original = self._current(part) or b""
        sheet = WorksheetXml(original, sheet_name)
        if sheet.is_protected():
            msg = (
                f"The sheet {sheet_name!r} in {file} is protected. "
                "Unprotect it in Excel (Review > Unprotect Sheet), save, and run again."
            )
            raise XlsxError(msg)
        rels_part = relationships_part_name(part)
        old_rels = self._current(rels_part)
        planner = SheetPlanner(
            sheet,
            self._styles,
            self._layout.info.date1904,
            self._shared_strings,
            lambda: SheetHyperlinks(sheet, old_rels),
        )
        planner.plan_all(last_edit_per_cell(edits))
        links = planner.links
        if links is not None:
            for start, end, xml in links.sheet_splices():
                planner.splice.replace_bytes(start, end, xml)
        for start, end, xml in sheet.column_width_splices(planner.widths, planner.column_formats):
            planner.splice.replace_bytes(start, end, xml)
        result = SheetResult(
            tuple(planner.skipped), planner.changed_cells, planner.date_format_used
        )
        if planner.splice.empty:
            return result

        # Well-formedness is proven by verify_package, splice by splice, without a parse of
        # the whole sheet (seconds for a large tracker).
        self._put(part, planner.splice.apply())
        new_rels: bytes | None = None
        if links is not None and links.rels.changed:
            new_rels = links.rels.to_bytes()  # parsed by verify_package
            if old_rels is None:
                content_types = with_rels_content_type(self._current(_CONTENT_TYPES) or b"")
                if content_types is not None:
                    self._put(_CONTENT_TYPES, content_types)
            self._put(rels_part, new_rels)
        for table, data in widen_tables(
            self._package, part, sheet, planner.headers, planner.owned
        ).items():
            self._put(table, data)
        self._sheets.append(
            WrittenSheet(
                sheet_name,
                planner.expected,
                planner.expected_links,
                part,
                new_rels,
                original,
                planner.splice.splices,
            )
        )
        return result

    def _sheet_part(self, sheet_name: str) -> str:
        if sheet_name in self._new_sheets:
            return self._new_sheets[sheet_name]
        file = self._package.path.name
        info = self._layout.info.sheet(sheet_name)
        if info is None:
            names = ", ".join(repr(s.name) for s in self._layout.info.sheets)
            msg = f"{file} has no sheet named {sheet_name!r} (it has {names})."
            raise XlsxError(msg)
        if info.kind != "worksheet":
            msg = f"{info.name!r} in {file} is a {info.kind}, not a worksheet."
            raise XlsxError(msg)
        return info.part

    # --- the new package ---------------------------------------------------------------------

    def build(self) -> bytes | None:
        """The new package, read back and found as intended; None when nothing changed."""
        if not self._changed:
            return None
        new_styles = self._styles.xml if self._styles_member is not None else None
        if self._styles.changed:
            new_styles = self._styles.to_bytes()
            check_well_formed(new_styles, "styles part")
            if self._styles_member is not None:
                self._put(self._styles_member, new_styles)
            else:
                self._add_styles_part(new_styles)
        if self._sheets and self._has_formulas():
            workbook_xml = with_full_calc_on_load(self._current(self._layout.workbook_part) or b"")
            if workbook_xml is not None:
                check_well_formed(workbook_xml, "workbook part")
                self._put(self._layout.workbook_part, workbook_xml)
        package = self._package
        replacements = {name: data for name, data in self._changed.items() if package.find(name)}
        additions = [
            (name, data) for name, data in self._changed.items() if name not in replacements
        ]
        data = rebuild_package(package, replacements, additions)
        verify_package(
            package,
            WrittenPackage(
                data,
                replacements,
                additions,
                tuple(self._sheets),
                new_styles,
                self._layout.info.date1904,
            ),
        )
        return data

    def _has_formulas(self) -> bool:
        """Whether any formula might read the cells we changed, so Excel must recalculate."""
        layout, package = self._layout, self._package
        calc_chain = layout.part_of_type("calcChain")
        if calc_chain is not None and package.find(calc_chain) is not None:
            return True
        # The unchanged sheets first: they are usually small, and a formula there spares a
        # search through the tracker, which may be tens of megabytes.
        edited = {sheet.sheet_part for sheet in self._sheets}
        others = (
            info.part
            for info in layout.info.sheets
            if info.part not in edited and package.find(info.part) is not None
        )
        # An edited sheet has the formulas it had: the writer adds none and leaves every
        # formula cell alone, so the sheet as it was answers without joining the new one.
        return any(has_formula(package.read(part)) for part in others) or any(
            has_formula(sheet.original_sheet) for sheet in self._sheets
        )

    def _add_styles_part(self, styles_xml: bytes) -> None:
        """Give a package that had no styles part one, wired up as Excel expects."""
        layout = self._layout
        folder = posixpath.dirname(layout.workbook_part)
        name, number = "styles.xml", 1
        while self._current(posixpath.join(folder, name)) is not None:
            name, number = f"styles{number}.xml", number + 1
        part = posixpath.join(folder, name)
        strict = any(
            rel.type.startswith("http://purl.oclc.org/") for rel in layout.workbook_relationships
        )
        rel_type = (
            "http://purl.oclc.org/ooxml/officeDocument/relationships/styles"
            if strict
            else "http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"
        )
        rels_part = relationships_part_name(layout.workbook_part)
        rels_xml, _ = add_relationship(self._current(rels_part), rel_type, name)
        content_types = add_content_type_override(
            self._current(_CONTENT_TYPES) or b"", part, STYLES_CONTENT_TYPE
        )
        self._put(_CONTENT_TYPES, content_types)
        self._put(rels_part, rels_xml)
        self._put(part, styles_xml)


def edit_package(source: Path, sheet_name: str, edits: Sequence[CellEdit]) -> EditResult:
    """Apply ``edits`` to one worksheet of the workbook at ``source``; returns new bytes."""
    with WorkbookEditor.open(source) as editor:
        result = editor.edit(sheet_name, edits)
        data = editor.build()
    return EditResult(data, result.skipped, result.changed_cells, result.date_format)


def add_worksheet(source: Path, name: str) -> bytes:
    """The package at ``source`` with an empty worksheet called ``name`` added at the end."""
    with WorkbookEditor.open(source) as editor:
        editor.add_sheet(name)
        data = editor.build()
    if data is None:  # cannot happen: a new sheet always changes the package
        msg = f"adding the sheet {name!r} to {source.name} changed nothing"
        raise XlsxError(msg)
    return data
