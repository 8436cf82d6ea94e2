"""The tracker's fields, the names people give their columns, and how one header names a field.

Real trackers name a column in many ways ("Employer", "Point of contact", "Date of interview",
"Company Name + Link"), so a header names a field when, after folding case, spaces and
punctuation, it *is* one of the field's aliases, or *contains* one with only words around it
that do not change its meaning ("name", "(s)", "1st", "+ link" beside a name). Which column
wins for a field, and whether its content agrees, is decided for the whole header row in
:mod:`sheet_followup.layout`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field


@dataclass(frozen=True)
class Field:
    """One of the tracker's fields: its header, the names people use for it, what it holds.

    ``tiers`` are aliases from the most to the least specific: when two columns both name the
    field, the better tier is used and the other is pointed out (an "Interviewer" column beats
    a "Recruiter" column for the person to thank). ``weak`` one-word headers ("Name", "Title",
    "Interview") name the field only when nothing more precise does. ``extras`` are the words a
    header may add around an alias and still name the field ("Interview date *scheduled*").
    ``kind`` is what its cells hold, which the content check holds the column to. ``many``
    says which further columns the field reads besides its best one: "all" that name it (the
    latest of "1st interview" and "2nd interview"), or "numbered" ones only ("Interviewer 2"
    beside "Interviewer 1").
    """

    shown: str
    tiers: tuple[tuple[str, ...], ...]
    weak: tuple[str, ...] = ()
    extras: frozenset[str] = frozenset()
    kind: str = "text"  # text, person, date, email, flag (yes/no or a date), tool
    many: str = ""  # "", "all" or "numbered"

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(alias for tier in self.tiers for alias in tier) + self.weak


def _words(*text: str) -> frozenset[str]:
    return frozenset(word for part in text for word in part.split())


_DATE_WORDS = _words("date dates day datetime on when")

FIELDS: dict[str, Field] = {
    "company": Field(
        "Company",
        (
            (
                "Company",
                "Company name",
                "Employer",
                "Employer name",
                "Organization",
                "Organisation",
                "Organization name",
                "Organisation name",
                "Company/Organization",
                "Business",
                "Business name",
                "Firm",
                "Hiring company",
                "Company applied to",
                "Name of company",
                "Name of employer",
                "Employer/Company",
                "companyName",
                "Agency",
                "Institution",
                "School",
                "School district",
                "Business/Organization",
                "Firma",
                "Unternehmen",
                "Arbeitgeber",
                "Empresa",
                "Entreprise",
                "Société",
                "Azienda",
                "Bedrijf",
            ),
        ),
        weak=("Org",),
        extras=_words("name names hiring applied target prospective"),
    ),
    "contact": Field(
        "Contact",
        (
            (
                "Interviewer",
                "Interviewer name",
                "Interviewer names",
                "Interviewed by",
                "Interviewed with",
                "Interview with",
                "Interview panel",
                "Panel",
                "Panel members",
                "Who interviewed me",
            ),
            (
                "Contact",
                "Contact name",
                "Contact person",
                "Contact name/title",
                "Point of contact",
                "POC",
                "Main contact",
                "Primary contact",
                "Key contact",
                "Person contacted",
                "Name of contact",
                "Company contact",
                "Employer contact",
                "Contact at company",
                "Who I spoke with",
                "Spoke with",
                "Spoke to",
                "Met with",
                "People",
                "Contacts name",
                "contactName",
                "Networking contact",
                "Ansprechpartner",
                "Ansprechperson",
                "Kontaktperson",
                "Contacto",
                "Persona de contacto",
                "Interlocuteur",
                "Contactpersoon",
            ),
            ("Hiring manager", "Hiring manager name", "Hiring mgr", "HM", "Manager"),
            (
                "Recruiter",
                "Recruiter name",
                "Recruiter contact",
                "Recruiter/Contact",
                "Recruiter/HR",
                "HR contact",
                "HR",
                "HR person",
                "Talent acquisition",
                "Talent partner",
                "Recruiting contact",
            ),
        ),
        weak=("Name", "Person", "Who"),
        extras=_words(
            "name names person people full main primary key their who i spoke met info "
            "information details"
        ),
        kind="person",
        many="numbered",
    ),
    "interview_date": Field(
        "Interview date",
        (
            (
                "Interview date",
                "Date of interview",
                "Date interviewed",
                "Interviewed on",
                "Interview on",
                "Interview day",
                "Interview date/time",
                "Interview datetime",
                "Last interview",
                "Latest interview",
                "Last interview date",
                "Latest interview date",
                "Most recent interview",
                "Date of last interview",
                "Interview scheduled",
                "Interview scheduled for",
                "Interview held",
                "Interviewed date",
                "Vorstellungsgespräch",
                "Gesprächstermin",
                "Interviewtermin",
                "Fecha de entrevista",
                "Entrevista",
                "Date d'entretien",
                "Entretien",
            ),
            (
                "First interview",
                "Second interview",
                "Third interview",
                "Final interview",
                "Phone interview",
                "Phone screen",
                "Phone screen date",
                "Screening date",
                "Screening call",
                "Video interview",
                "Technical interview",
                "Onsite",
                "Onsite date",
                "On-site interview",
                "Onsite interview",
                "Panel interview",
                "Final round",
                "Next interview",
                "Date phone screen",
                "Date technical screen",
                "Date onsite",
                "Date final round",
                "Date onsite / final round",
            ),
        ),
        weak=("Interview", "Interviewed", "Interviews"),
        extras=_DATE_WORDS | _words("scheduled latest last most recent actual next held"),
        kind="date",
        many="all",
    ),
    "position": Field(
        "Position",
        (
            (
                "Position",
                "Role",
                "Job title",
                "Position applied for",
                "Role applied for",
                "Job applied for",
                "Position title",
                "Job position",
                "Job role",
                "Role title",
                "Job name",
                "Position name",
                "Position/Role",
                "Role/Position",
                "Vacancy",
                "Opening",
                "Opportunity",
                "jobTitle",
                "Stelle",
                "Jobtitel",
                "Stellenbezeichnung",
                "Puesto",
                "Cargo",
                "Poste",
                "Intitulé du poste",
            ),
        ),
        weak=("Title", "Job"),
        extras=_words("name applied for title job"),
    ),
    "email": Field(
        "Email",
        (
            (
                "Email",
                "E-mail",
                "Email address",
                "E-mail address",
                "Contact email",
                "Interviewer email",
                "Recruiter email",
                "Hiring manager email",
                "Email of contact",
                "Contact e-mail",
                "Emails",
                "Correo",
                "Correo electrónico",
                "Courriel",
            ),
        ),
        weak=("Mail",),
        kind="email",
        many="numbered",
    ),
    "stage": Field(
        "Stage",
        (
            (
                "Stage",
                "Application status",
                "Application stage",
                "Status of application",
                "Stage of application",
                "Current status",
                "Current stage",
                "Job status",
                "Outcome",
                "Application outcome",
                "Interview status",
                "Interview stage",
                "Hiring stage",
                "Pipeline stage",
                "Open/Closed",
                "statusName",
                "Progress",
                "Decision",
                "Where it stands",
                "Estado",
                "Statut",
                "Bewerbungsstatus",
                "Stand",
            ),
        ),
        weak=("Status", "Response", "Result", "Results", "List"),
        extras=_words("current application app job overall latest my process hiring feedback"),
        many="all",
    ),
    "last_contact": Field(
        "Last contact",
        (
            (
                "Last contact",
                "Last contacted",
                "Last contact date",
                "Date of last contact",
                "Date last contacted",
                "Last contacted on",
                "Last emailed",
                "Last email",
                "Last email sent",
                "Date last emailed",
                "Last note",
                "Last note sent",
                "Last sent",
                "Last follow-up",
                "Last followed up",
                "Last follow up date",
                "Last follow-up sent",
                "Last touch",
                "Last touchpoint",
                "Last reached out",
                "Last outreach",
                "Last communication",
                "Date of last communication",
                "Last correspondence",
                "Last message",
                "Last message sent",
                "Most recent contact",
                "Contacted on",
                "Date contacted",
                "Contact date",
                "Date of contact",
                "Letzter Kontakt",
                "Último contacto",
                "Dernier contact",
            ),
            (
                "Follow-up",
                "Followed up",
                "Follow-up sent",
                "Follow-up date",
                "Date followed up",
                "Followed up on",
                "Follow-up email sent",
                "First follow-up",
                "Second follow-up",
                "Third follow-up",
            ),
        ),
        extras=_DATE_WORDS | _words("sent most recent"),
        kind="date",
        many="all",
    ),
    "thank_you": Field(
        "Thank-you sent",
        (
            (
                "Thank-you sent",
                "Thank you sent",
                "Thank-you note sent",
                "Thank you note",
                "Thank-you note",
                "Thank you email",
                "Thank you email sent",
                "Thank you letter",
                "Thank you letter sent",
                "Sent thank you",
                "Sent thank-you note",
                "Thank-you",
                "Thanked",
                "TY sent",
                "TY note",
            ),
        ),
        extras=_DATE_WORDS | _words("sent done note email letter"),
        kind="flag",
    ),
    "interests": Field(
        "Interests",
        (
            (
                "Interests",
                "Interest",
                "Hobbies",
                "Their interests",
                "Talking points",
                "Topics",
                "Topics discussed",
                "Discussion topics",
                "Notes about them",
                "Notes about interviewer",
                "Notes on interviewer",
                "Interviewer notes",
                "About them",
                "What they care about",
                "What they cared about",
                "Common ground",
                "Rapport notes",
                "Personal notes",
            ),
        ),
    ),
    "gift": Field(
        "Gift",
        (
            (
                "Gift",
                "Informational gift",
                "Info gift",
                "Next gift",
                "Gift idea",
                "Value add",
                "Value to share",
                "Resource to share",
                "Article to share",
            ),
        ),
    ),
    "why_fit": Field(
        "Why I fit",
        (("Why I fit", "Why fit", "Why I'm a fit", "Why me", "Pitch", "Selling points", "Fit"),),
    ),
    "idea": Field("Idea", (("Idea", "Idea for them", "Follow-up idea", "Ideas to share"),)),
    "keep_in_touch": Field(
        "Keep in touch", (("Keep in touch", "Stay in touch", "Keep in contact"),), kind="flag"
    ),
    "pause_until": Field(
        "Pause until",
        (
            (
                "Pause until",
                "Paused until",
                "Hold until",
                "On hold until",
                "Snooze until",
                "Do not contact until",
                "Don't contact until",
                "Do not contact before",
                "Wait until",
                "Resume on",
                "Out of office until",
                "Away until",
            ),
        ),
        weak=("Pause",),
        extras=_DATE_WORDS,
        kind="date",
    ),
    "status": Field("Follow-up status", (("Follow-up status", "Followup status"),), kind="tool"),
    "next_follow_up": Field(
        "Next follow-up",
        (
            (
                "Next follow-up",
                "Next follow-up date",
                "Next follow-up on",
                "Next followup",
            ),
        ),
        kind="tool",
    ),
    "draft": Field("Draft", (("Draft", "Draft file", "Draft link"),), kind="tool"),
}

# A tracker is a sheet with these two; without an Interview date every row is "No interview yet".
REQUIRED = ("company", "contact")
TOOL_COLUMNS = ("status", "next_follow_up", "draft")  # in the order they are added
# The input columns `adopt` adds when a tracker lacks them, in this order.
ADOPTED = (
    "company",
    "contact",
    "interview_date",
    "last_contact",
    "interests",
    "gift",
    "pause_until",
)

# Words any alias may carry around it: "Company (optional)", "Date (yyyy-mm-dd)".
_ANY_EXTRAS = _words("s the a an of and or if any to for with my etc optional required here")
_ANY_EXTRAS |= _words("yyyy mm dd yy mmddyyyy ddmmyyyy yyyymmdd mdy dmy")
# Words that may stand beside a *name* only: "Company Name + Link", "Contact name/title".
_WITH_NAME = _words("link links website site url web hyperlink title titles role position")
# Numbered columns: "Interviewer 2", "2nd interview", "Follow-up #3".
_ORDINALS = _words("first second third fourth fifth sixth final 1st 2nd 3rd 4th 5th 6th")
# A header with one of these is about an address: "Recruiter email" is no person.
_EMAIL_WORDS = frozenset({"email", "mail", "emailaddress", "emails", "mails"})
# ...unless it is about something else to do with mail: "Email sent", "Email thread link".
_NOT_AN_ADDRESS = (
    _DATE_WORDS
    | _words("time")
    | _words(
        "sent last thread link url subject template body status response replied received opened"
    )
)


@functools.lru_cache(maxsize=65536)
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


def _is_number(word: str) -> bool:
    return word.isdigit() or word in _ORDINALS


@functools.lru_cache(maxsize=4096)
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
        for end in range(len(words), start, -1):
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
    "recorded": ("Recorded", ("Recorded", "Recorded by", "Recorded from", "Source")),
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


def display_name(field_name: str) -> str:
    return FIELDS[field_name].shown
