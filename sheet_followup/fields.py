"""The tracker's fields and the names people give their columns: the vocabulary, as data.

Each field lists its aliases from the most to the least specific, gathered from real trackers,
templates and job sites' exports (``tests/data/real_trackers.json`` says where each came from);
how a header is matched against them is :mod:`sheet_followup.columns`.
"""

from __future__ import annotations

from dataclasses import dataclass


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


def words(*text: str) -> frozenset[str]:
    return frozenset(word for part in text for word in part.split())


DATE_WORDS = words("date dates day datetime on when")

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
        extras=words("name names hiring applied target prospective"),
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
        extras=words(
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
        extras=DATE_WORDS | words("scheduled latest last most recent actual next held"),
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
        extras=words("name applied for title job"),
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
        extras=words("current application app job overall latest my process hiring feedback"),
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
        extras=DATE_WORDS | words("sent most recent"),
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
        extras=DATE_WORDS | words("sent done note email letter"),
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
        extras=DATE_WORDS,
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


def display_name(field_name: str) -> str:
    return FIELDS[field_name].shown
