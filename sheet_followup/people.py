"""Who a Contact cell names: one person or several, with their titles and addresses.

People type more than a name into the person column: "Linda Hayes, HR Director", "Jane Doe;
Sam Lee", one interviewer per line, a pasted signature block, "recruiter@google.com", or only a
role ("Hiring manager"). Each person becomes a contact of their own, greeted by their first
name, or with a plain "Hello" when the cell names no one.

How a comma is read: the parts on either side are sorted into names and titles (a part with a
word such as Director, Manager, Recruiter or HR is a title and belongs to the name before it).
Two names are two people ("Jane Doe, Sam Lee"), but a comma between two single words is one
person written surname first ("Doe, Jane"). Semicolons, new lines, " and " and " & " always
separate people.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.ASCII)
_URL = re.compile(r"https?://|www\.|linkedin\.com", re.IGNORECASE)
_PHONE = re.compile(r"(?:\+?\d[\d\s().-]{6,}\d)")
_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "mme"})


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that make a part a job title or a team rather than a person's name.
_TITLE_WORDS = _word_set(
    """
    director directors manager managers mgr recruiter recruiters recruiting recruitment talent
    acquisition hr human resources people ops operations engineer engineering developer lead
    head vp svp evp avp vice president ceo cto cfo coo cio cmo cpo chro founder cofounder owner
    partner principal senior sr staff chief officer specialist coordinator analyst associate
    consultant advisor adviser administrator admin assistant executive supervisor team hiring
    interviewer interviewers panel sourcer generalist business product program project design
    designer scientist researcher architect professor chair teacher counsel attorney accountant
    controller editor producer strategist marketing sales finance legal data it support
    customer success department dept office committee board group staffing agency
    representative rep contractor intern internship superintendent nurse physician technician
    tech manager's managing general gm md
    """
)
# Words that make a line a company's name ("Acme Corp" under a signature's name).
_ORG_WORDS = _word_set(
    """
    inc llc ltd limited corp corporation co company gmbh ag sa plc group holdings technologies
    technology labs solutions systems services partners consulting bank university college
    school hospital foundation institute linkedin indeed glassdoor dice monster ziprecruiter
    workday greenhouse lever naukri
    """
)
# Between people: a semicolon, a new line (U+2028 too, as some mail programs paste it), " and ",
# " & " or " / ". Between a name and its title: a comma, a bar or a dash.
_STRONG_SEPARATORS = re.compile(
    r"\s*(?:[;\n\r\u2028\u2029]+|\s+&\s+|\s+and\s+|\s+/\s+)\s*", re.IGNORECASE
)
_WEAK_SEPARATORS = re.compile(r"\s*(?:,|\|+|\s[-–—]\s)\s*")


@dataclass(frozen=True, slots=True)
class Person:
    """One person named in a Contact cell (or a role, or only an address)."""

    name: str  # as the summary, the Log and the draft's file name show them
    title: str = ""
    email: str = ""
    greet: str = ""  # the first name a note greets; "" when the cell names no person

    @property
    def shown(self) -> str:
        return self.name or self.title or self.email


def addresses_in(text: str) -> list[str]:
    """Every email address in a cell, in order."""
    return _ADDRESS.findall(text)


@functools.lru_cache(maxsize=16384)
def people_in(cell: str, company: str = "") -> tuple[Person, ...]:
    """The people a Contact cell names, in order; empty for an empty cell."""
    cell = cell.strip()
    if not cell:
        return ()
    company_key = _fold(company)
    people: list[Person] = []
    for chunk in _STRONG_SEPARATORS.split(cell):
        chunk = chunk.strip(" ,\t")
        kinds = [(_kind(part, company_key), part) for part in _parts(chunk)] if chunk else []
        if not kinds:
            continue
        if _PHONE.search(chunk):
            # "Direct No 551 555 0137", "Office: ...": a line of contact details, no person.
            kinds = [("other" if kind == "name" else kind, part) for kind, part in kinds]
        if people and kinds[0][0] != "name":
            # A line of a signature block ("HR Director", "US IT Recruiter | Acme Corp", an
            # address): it belongs to the person on the line above.
            people[-1] = _attach(people[-1], kinds)
            continue
        people.extend(_chunk_people(kinds))
    return tuple(people)


_BRACKETED = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_ANGLED = re.compile(r"\s*<([^<>\s]+@[^<>\s]+)>")
_ASIDE = "\x00"  # marks what stood in brackets: a note on the name before it, never a person


_LABEL = re.compile(r"^\W*[A-Za-z]{0,8}\s*:\W*$")  # what a phone number leaves: "P:", "Direct:"


def _parts(chunk: str) -> list[str]:
    chunk = _PHONE.sub(" ", chunk)
    chunk = _ANGLED.sub(r", \1", chunk)
    chunk = _BRACKETED.sub(lambda m: f", {_ASIDE}{m.group(1)}, ", chunk)
    parts = [p.strip(" ()[]\t") for p in _WEAK_SEPARATORS.split(chunk)]
    return [p for p in parts if p.strip(_ASIDE + " ") and not _LABEL.match(p.strip(_ASIDE))]


def _kind(part: str, company_key: str) -> str:
    if part.startswith(_ASIDE):
        return "email" if _ADDRESS.search(part) else "title"
    if _ADDRESS.search(part):
        return "email"
    if _URL.search(part) or _PHONE.fullmatch(part.strip()):
        return "other"
    words = [w for w in re.split(r"[\s.]+", part) if w]
    folded = [w.casefold() for w in re.split(r"[\s.,'’/-]+", part) if w]
    if company_key and _fold(part) == company_key:
        return "other"
    if any(word in _TITLE_WORDS for word in folded) or re.search(r"\bof\b", part):
        return "title"
    if any(word in _ORG_WORDS for word in folded):
        return "other"
    if any(ch.isdigit() for ch in part) or len(words) > 5 or sum(map(str.isalpha, part)) < 2:
        return "other"
    return "name"


def _chunk_people(kinds: list[tuple[str, str]]) -> list[Person]:
    if any(kind == "name" and _capitalised(part) for kind, part in kinds):
        # "Tomas R - old coworker": beside a capitalised name, a lower-case part is a note.
        kinds = [
            ("other" if kind == "name" and not _capitalised(part) else kind, part)
            for kind, part in kinds
        ]
    names = [part for kind, part in kinds if kind == "name"]
    if len(names) == 2 and all(len(n.split()) == 1 for n in names) and kinds[0][0] == "name":
        # "Doe, Jane": one person, surname first.
        merged = f"{names[1]} {names[0]}"
        kinds = [("name", merged)] + [(k, p) for k, p in kinds if k != "name"]
    # "Anand/Mohan": two people written with a slash.
    kinds = [
        ("name", name.strip()) if kind == "name" else (kind, part)
        for kind, part in kinds
        for name in (part.split("/") if kind == "name" else [part])
        if name.strip()
    ]
    people: list[Person] = []
    pending: list[tuple[str, str]] = []  # a title or an address before any name
    for kind, part in kinds:
        if kind == "name":
            people.append(_attach(Person(part, greet=first_name(part)), pending))
            pending = []
        elif people:
            people[-1] = _attach(people[-1], [(kind, part)])
        else:
            pending.append((kind, part))
    if not people and pending:
        # No name at all: a role ("Hiring manager") or only an address.
        title = ", ".join(p.lstrip(_ASIDE) for k, p in pending if k == "title")
        email = next((_ADDRESS.search(p).group(0) for k, p in pending if k == "email"), "")  # type: ignore[union-attr]
        people.append(Person("" if title else email, title=title, email=email))
    return people


def _capitalised(part: str) -> bool:
    return any(word[:1].isupper() for word in part.split())


def _attach(person: Person, kinds: list[tuple[str, str]]) -> Person:
    title, email = person.title, person.email
    for kind, part in kinds:
        if kind == "title" and not title:
            title = part.lstrip(_ASIDE)
        elif kind == "email" and not email:
            found = _ADDRESS.search(part)
            email = found.group(0) if found else ""
    return Person(person.name, title, email, person.greet)


def greeting_name(cell: str) -> str:
    """The name a note greets for a Contact cell: the first person's, or "" for none."""
    people = people_in(cell)
    return people[0].greet if people else ""


def first_name(name: str) -> str:
    """How a note greets someone: "Dr. Priya Raman" -> "Priya", "R. Gutierrez" -> the whole name.

    An initial is no name to greet with, so a name that starts with one is greeted whole.
    """
    if "," in name:
        surname, _, given = name.partition(",")
        name = f"{given.strip()} {surname.strip()}".strip()
    words = name.split()
    honorific = ""
    while len(words) > 1 and words[0].rstrip(".").casefold() in _HONORIFICS:
        honorific, words = words[0], words[1:]
    if not words:
        return name
    if honorific and len(words) == 1:
        return f"{honorific} {words[0]}"  # "Mr. Smith": a surname is greeted with its title
    if len(words[0].rstrip(".")) <= 1:
        return " ".join(words)
    return words[0]


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
