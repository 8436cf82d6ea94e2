"""Write a realistic, seeded job tracker of any size, for the benchmarks.

``python benchmarks/generate.py ROWS OUT.xlsx [--seed N]``

The workbook is built the way Excel saves one, so that the benchmark measures the tool on the
files it meets in practice rather than on an easy case:

- a sheet "Job search" with the tracker's twelve columns, one row per interviewer, several
  interviewers per company, every stage (closed ones included), dates spread over the months
  before Monday 2026-11-23 (a few upcoming), dates as real date cells with two date formats, a
  few dates typed as text, and a few bad cells (``next tues``, a contact without a company, a
  last contact in the future) that the tool must report rather than stop on;
- every string in a shared-strings table (``xl/sharedStrings.xml`` with count and uniqueCount),
  cells with ``r`` references, rows with ``spans``, a ``dimension``, column widths and a frozen
  header, as Excel writes them;
- an Excel table over the tracker's range, with its autofilter and column list;
- a styles part with a header style (bold, fill, border), date formats and wrapped text;
- a "Settings" sheet the tool reads.

The XML is written directly rather than through openpyxl, so that the 100,000-row tracker takes
seconds instead of a minute. Same rows, seed and code give byte-identical files: there is no
clock and no unseeded randomness, and the zip entries carry a fixed time.
"""

from __future__ import annotations

import argparse
import functools
import random
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

TODAY = date(2026, 11, 23)
ZIP_TIME = (2026, 11, 23, 8, 0, 0)
EXCEL_EPOCH = date(1899, 12, 30)

HEADERS = (
    "Company",
    "Position",
    "Contact",
    "Email",
    "Interview date",
    "Stage",
    "Last contact",
    "Interests",
    "Gift",
    "Why I fit",
    "Pause until",
    "Notes",
)
WIDTHS = (28, 28, 22, 38, 14, 14, 13, 46, 52, 40, 13, 38)
WRAPPED = {"Interests", "Gift", "Why I fit", "Notes"}

# Style indexes in cellXfs (see STYLES below).
S_HEADER, S_DATE, S_DATE_LONG, S_WRAP = 1, 2, 3, 4

FIRST_NAMES = [
    "Priya",
    "Tomás",
    "Grace",
    "Daniel",
    "Amara",
    "Kofi",
    "Isabel",
    "Liam",
    "Elena",
    "Sofia",
    "Mateo",
    "Hannah",
    "Yusuf",
    "Mei",
    "Lars",
    "Chloe",
    "Arjun",
    "Fatima",
    "Noah",
    "Ingrid",
    "Diego",
    "Aisha",
    "Oliver",
    "Zara",
    "Henrik",
    "Nadia",
    "Samuel",
    "Leila",
    "Marco",
    "Ava",
    "Kenji",
    "Olga",
    "Rafael",
    "Beatriz",
    "Tariq",
    "Emma",
    "Lucas",
    "Ines",
    "Jonas",
    "Nia",
]
LAST_NAMES = [
    "Raman",
    "Ortega",
    "Okafor",
    "Kowalski",
    "Nwosu",
    "Mensah",
    "Moreau",
    "O'Connor",
    "Petrova",
    "Rossi",
    "Fernández",
    "Schmidt",
    "Haddad",
    "Chen",
    "Andersen",
    "Dubois",
    "Patel",
    "Rahman",
    "Williams",
    "Johansson",
    "García",
    "Bello",
    "Smith",
    "Khan",
    "Nielsen",
    "Novak",
    "Adeyemi",
    "Hosseini",
    "Bianchi",
    "Murphy",
    "Tanaka",
    "Ivanova",
    "Silva",
    "Costa",
    "Aziz",
    "Müller",
    "Lefebvre",
    "Kim",
    "Berg",
    "Achebe",
]
COMPANY_WORDS = [
    "Brightwater",
    "Lumen",
    "Greenway",
    "Aster",
    "Northbeam",
    "Redwood",
    "Harbor",
    "Cobalt",
    "Meridian",
    "Juniper",
    "Falcon",
    "Silverline",
    "Tidewater",
    "Quarry",
    "Beacon",
    "Orchard",
    "Summit",
    "Ember",
    "Granite",
    "Willow",
    "Polaris",
    "Kestrel",
    "Sequoia",
    "Atlas",
    "Halcyon",
    "Marigold",
    "Copper",
    "Vantage",
    "Nimbus",
    "Lakeshore",
]
COMPANY_KINDS = (
    "Health Analytics",
    "Freight",
    "Mobility",
    "Consulting",
    "Retail",
    "Civic Labs",
    "Bank",
    "Energy",
    "Insurance",
    "Robotics",
    "Media",
    "Logistics",
    "Software",
    "Foods",
)
POSITIONS = (
    "Data Analyst",
    "Senior Data Analyst",
    "Operations Analyst",
    "Analytics Consultant",
    "Junior Data Scientist",
    "Data Scientist",
    "BI Developer",
    "Product Analyst",
    "Analytics Engineer",
    "Head of Analytics",
)
# (stage, weight): mostly active applications, a fair share closed, some left blank.
STAGES = (
    ("", 12),
    ("Applied", 6),
    ("Phone screen", 8),
    ("Interviewing", 22),
    ("Final round", 12),
    ("Offer", 2),
    ("Hired", 1),
    ("Offer accepted", 1),
    ("Rejected", 14),
    ("Declined", 3),
    ("Withdrawn", 3),
    ("Position filled", 4),
    ("Closed", 2),
)
INTERESTS = (
    "Training for a marathon; worried about onboarding time for new analysts",
    "Migrating dashboards from Tableau to Power BI; keen birdwatcher",
    "Data privacy in patient records; just back from a cycling trip",
    "Warehouse slotting and pick-path optimisation",
    "Bike-share rebalancing; a fan of urban sketching",
    "Her talk on data literacy for managers",
    "Store footfall forecasting",
    "Open data for city budgets; ran a half marathon",
    "Cloud costs on AWS; plays jazz piano",
    "A/B testing culture and experiment review boards",
    "Hiring juniors and mentoring; sourdough baking",
    "Demand forecasting for fresh food",
)
GIFTS = (
    "Article: 'Cutting analyst onboarding from 90 days to 30' https://example.com/a/onboarding",
    "Contact: introduce a friend who led the same migration",
    "Tip: the free 'Privacy by design for analysts' checklist https://example.com/g/privacy",
    "Article: 'How cities rebalance bike-share fleets overnight' https://example.com/a/bikes",
    "Podcast episode on experiment review boards https://example.com/p/experiments",
    "Blog post on cutting AWS costs with spot instances https://example.com/b/spot",
    "Book chapter on forecasting fresh-food demand",
    "$50 gift card",
)
WHY_FIT = (
    "Built the onboarding wiki and starter notebooks for my current team",
    "Did the same migration for 40 dashboards last year",
    "Passed the data protection certification in March",
    "Optimised van routes for a delivery start-up",
    "Ran data literacy workshops for 60 managers",
    "Cut our cloud bill by a third",
)
NOTES = (
    "Hiring manager.",
    "Panel interview.",
    "Video call, 10:00.",
    "Recruiter; keep her posted.",
    "Asked for a portfolio link.",
    "Prepare the route optimisation story.",
    "Met at a meetup first.",
)
SETTINGS = (
    ("Setting", "Value"),
    ("Your name", "Alex Candidate"),
    ("Your email", "alex.candidate@example.com"),
    ("Follow up every (days)", 14),
    ("Skip weekends", "yes"),
    ("Date order", "MDY"),
)

Cell = str | int | date | None


@dataclass
class Contact:
    company: str
    position: str
    name: str
    email: str | None


def serial(day: date) -> int:
    """Excel's day number (1900 date system)."""
    return (day - EXCEL_EPOCH).days


def column_letter(index: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@functools.cache
def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def contacts(rng: random.Random, count: int) -> Iterator[Contact]:
    """Interviewers company by company: one to six per company, like panels and recruiters."""
    made = 0
    number = 0
    while made < count:
        number += 1
        word = rng.choice(COMPANY_WORDS)
        kind = rng.choice(COMPANY_KINDS)
        # A suffix keeps companies apart in big trackers, as real names would be.
        company = f"{word} {kind}" if number <= 40 else f"{word} {kind} {number}"
        domain = f"{slug(word)}{slug(kind)}.example.com"
        position = rng.choice(POSITIONS)
        for _ in range(min(rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6)), count - made)):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{slug(first)}.{slug(last)}@{domain}" if rng.random() > 0.08 else None
            yield Contact(company, position, f"{first} {last}", email)
            made += 1


def text_date(rng: random.Random, day: date) -> str:
    """A date typed as text, in one of the spellings the tool reads."""
    return rng.choice(
        (
            day.isoformat(),
            f"{day.day} {day.strftime('%b')} {day.year}",
            f"{day.strftime('%b')} {day.day}, {day.year}",
            f"{day.month}/{day.day}/{day.year}",
        )
    )


def tracker_rows(rows: int, seed: int) -> Iterator[tuple[Cell, ...]]:
    """The tracker's data rows, in HEADERS order."""
    rng = random.Random(seed)
    stages = [stage for stage, _ in STAGES]
    weights = [weight for _, weight in STAGES]
    for person in contacts(rng, rows):
        roll = rng.random()
        interview: Cell
        if roll < 0.05:
            interview = None  # applied, no interview yet
        elif roll < 0.10:
            interview = TODAY + timedelta(days=rng.randint(1, 21))  # upcoming
        else:
            interview = TODAY - timedelta(days=rng.randint(0, 200))
        stage = rng.choices(stages, weights)[0]
        last: Cell = None
        if isinstance(interview, date) and interview <= TODAY and rng.random() > 0.15:
            last = interview + timedelta(days=rng.randint(0, (TODAY - interview).days))
        pause: Cell = None
        if rng.random() < 0.03:
            pause = TODAY + timedelta(days=rng.randint(1, 30))
        # A few dates typed as text, which the tool must read.
        if isinstance(last, date) and rng.random() < 0.02:
            last = text_date(rng, last)
        # A few bad cells, which the tool must report as "Fix data" and carry on.
        company: Cell = person.company
        bad = rng.random()
        if bad < 0.002:
            last = "next tues"
        elif bad < 0.004:
            interview = "Nov 3"
        elif bad < 0.005:
            company = None
        elif bad < 0.006:
            last = TODAY + timedelta(days=rng.randint(3, 40))
        yield (
            company,
            person.position,
            person.name,
            person.email,
            interview,
            stage or None,
            last,
            rng.choice(INTERESTS) if rng.random() > 0.1 else None,
            rng.choice(GIFTS) if rng.random() > 0.35 else None,
            rng.choice(WHY_FIT) if rng.random() > 0.3 else None,
            pause,
            rng.choice(NOTES) if rng.random() > 0.6 else None,
        )


class SharedStrings:
    """Excel's shared-strings table: each distinct string once, cells refer to it by index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.count = 0

    def ref(self, text: str) -> int:
        self.count += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> bytes:
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in self.index)
        return (
            f'{XML_DECL}<sst xmlns="{NS_MAIN}" count="{self.count}" '
            f'uniqueCount="{len(self.index)}">{items}</sst>'
        ).encode()


XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def cell_xml(ref: str, value: Cell, style: int, strings: SharedStrings) -> str:
    """One <c>, as Excel writes it; an empty cell without a style is left out."""
    s = f' s="{style}"' if style else ""
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if isinstance(value, date):
        return f'<c r="{ref}"{s}><v>{serial(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{ref}"{s}><v>{value}</v></c>'
    return f'<c r="{ref}"{s} t="s"><v>{strings.ref(value)}</v></c>'


def sheet_xml(
    rows: list[tuple[Cell, ...]],
    styles: tuple[int, ...],
    strings: SharedStrings,
    widths: tuple[int, ...],
    header_style: int,
    *,
    frozen: bool,
    table: bool,
) -> bytes:
    width = len(rows[0])
    last = column_letter(width)
    letters = [column_letter(i + 1) for i in range(width)]
    parts = [
        XML_DECL,
        f'<worksheet xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">',
        f'<dimension ref="A1:{last}{len(rows)}"/>',
        '<sheetViews><sheetView workbookViewId="0"',
        ' tabSelected="1">' if frozen else ">",
    ]
    if frozen:
        parts.append(
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    parts.append('</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/><cols>')
    parts.extend(
        f'<col min="{i + 1}" max="{i + 1}" width="{w}" customWidth="1"/>'
        for i, w in enumerate(widths)
    )
    parts.append("</cols><sheetData>")
    spans = f' spans="1:{width}"'
    for number, row in enumerate(rows, start=1):
        row_styles = (header_style,) * width if number == 1 else styles
        cells = "".join(
            cell_xml(f"{letters[i]}{number}", value, row_styles[i], strings)
            for i, value in enumerate(row)
        )
        parts.append(f'<row r="{number}"{spans}>{cells}</row>')
    parts.append("</sheetData>")
    parts.append(
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    if table:
        parts.append('<tableParts count="1"><tablePart r:id="rId1"/></tableParts>')
    parts.append("</worksheet>")
    return "".join(parts).encode()


def table_xml(rows: int) -> bytes:
    ref = f"A1:{column_letter(len(HEADERS))}{rows + 1}"
    columns = "".join(
        f'<tableColumn id="{i}" name="{escape(name)}"/>' for i, name in enumerate(HEADERS, 1)
    )
    return (
        f'{XML_DECL}<table xmlns="{NS_MAIN}" id="1" name="Tracker" displayName="Tracker" '
        f'ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
        f'<tableColumns count="{len(HEADERS)}">{columns}</tableColumns>'
        '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" '
        'showRowStripes="1" showColumnStripes="0"/></table>'
    ).encode()


STYLES = (
    f'{XML_DECL}<styleSheet xmlns="{NS_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>'
    '<numFmt numFmtId="165" formatCode="d\\ mmm\\ yyyy"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><color theme="1"/><name val="Calibri"/>'
    '<family val="2"/><scheme val="minor"/></font>'
    '<font><b/><sz val="11"/><color rgb="FFFFFFFF"/><name val="Calibri"/><family val="2"/>'
    '<scheme val="minor"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FF1F4E78"/><bgColor indexed="64"/>'
    "</patternFill></fill></fills>"
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left/><right/><top/><bottom style="medium"><color rgb="FF0B2A45"/></bottom>'
    "<diagonal/></border></borders>"
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" '
    'applyBorder="1" applyAlignment="1"><alignment vertical="center"/></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" applyAlignment="1">'
    '<alignment vertical="top" wrapText="1"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" '
    'defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
).encode()

CONTENT_TYPES = (
    f"{XML_DECL}"
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/worksheets/sheet2.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/tables/table1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    '<Override PartName="/docProps/app.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
    "</Types>"
).encode()

ROOT_RELS = (
    f'{XML_DECL}<Relationships xmlns="{NS_PKG_REL}">'
    f'<Relationship Id="rId3" Type="{REL_TYPE}/extended-properties" Target="docProps/app.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    f'<Relationship Id="rId1" Type="{REL_TYPE}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
).encode()

WORKBOOK = (
    f'{XML_DECL}<workbook xmlns="{NS_MAIN}" xmlns:r="{NS_REL}">'
    '<workbookPr defaultThemeVersion="166925"/>'
    '<bookViews><workbookView xWindow="0" yWindow="0" windowWidth="28800" windowHeight="12300"/>'
    "</bookViews><sheets>"
    '<sheet name="Job search" sheetId="1" r:id="rId1"/>'
    '<sheet name="Settings" sheetId="2" r:id="rId2"/>'
    '</sheets><calcPr calcId="191029"/></workbook>'
).encode()

WORKBOOK_RELS = (
    f'{XML_DECL}<Relationships xmlns="{NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL_TYPE}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL_TYPE}/worksheet" Target="worksheets/sheet2.xml"/>'
    f'<Relationship Id="rId3" Type="{REL_TYPE}/styles" Target="styles.xml"/>'
    f'<Relationship Id="rId4" Type="{REL_TYPE}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
).encode()

SHEET1_RELS = (
    f'{XML_DECL}<Relationships xmlns="{NS_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{REL_TYPE}/table" Target="../tables/table1.xml"/>'
    "</Relationships>"
).encode()

CORE = (
    f"{XML_DECL}"
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>benchmarks</dc:creator>'
    '<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-23T08:00:00Z</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">2026-11-23T08:00:00Z</dcterms:modified>'
    "</cp:coreProperties>"
).encode()

APP = (
    f"{XML_DECL}"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>Microsoft Excel</Application></Properties>"
).encode()


def build(rows: int, seed: int) -> dict[str, bytes]:
    """The workbook's parts, by name, in the order Excel writes them."""
    strings = SharedStrings()
    tracker: list[tuple[Cell, ...]] = [HEADERS, *tracker_rows(rows, seed)]
    data_styles = tuple(
        S_DATE_LONG
        if name == "Last contact"
        else S_DATE
        if name in ("Interview date", "Pause until")
        else S_WRAP
        if name in WRAPPED
        else 0
        for name in HEADERS
    )
    sheet1 = sheet_xml(tracker, data_styles, strings, WIDTHS, S_HEADER, frozen=True, table=True)
    settings: list[tuple[Cell, ...]] = list(SETTINGS)
    sheet2 = sheet_xml(settings, (0, 0), strings, (26, 30), S_HEADER, frozen=False, table=False)
    return {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "docProps/app.xml": APP,
        "docProps/core.xml": CORE,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet1,
        "xl/worksheets/sheet2.xml": sheet2,
        "xl/worksheets/_rels/sheet1.xml.rels": SHEET1_RELS,
        "xl/tables/table1.xml": table_xml(rows),
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": strings.xml(),
    }


def write(rows: int, out: Path, seed: int = 1) -> Path:
    """Write a tracker of ``rows`` interviewers to ``out``; the same arguments, the same bytes."""
    if rows < 1:
        raise ValueError("a tracker needs at least one row")
    parts = build(rows, seed)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, help="number of interviewers (data rows)")
    parser.add_argument("out", type=Path, help="the .xlsx file to write")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    write(args.rows, args.out, args.seed)
    print(f"{args.out}: {args.rows} rows, seed {args.seed}, {args.out.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
