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

import re
from dataclasses import dataclass

from sheet_followup.memo import short_text_cache

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
    tech technical manager's managing general gm md
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


@short_text_cache(maxsize=16384)
def people_in(cell: str, company: str = "") -> tuple[Person, ...]:
    """The people a Contact cell names, in order; empty for an empty cell."""
    cell = cell.strip()
    if not cell:
        return ()
    if _plain_name(cell, company):
        return (Person(cell, greet=first_name(cell)),)
    company_key = _fold(company)
    lower = cell == cell.casefold()  # "jane doe, sam lee": typed without capitals
    people: list[Person] = []
    for chunk in _STRONG_SEPARATORS.split(cell):
        chunk = chunk.strip(" ,\t")
        kinds = [k for part in _parts(chunk) for k in _classify(part, company_key, lower)]
        if not kinds:
            continue
        if _PHONE.search(chunk):
            # "Direct No 551 555 0137", "Office: ...": a line of contact details, no person.
            kinds = [("note" if kind == "name" else kind, part) for kind, part in kinds]
        if people and kinds[0][0] != "name":
            # A line of a signature block ("HR Director", "US IT Recruiter | Acme Corp", an
            # address): it belongs to the person on the line above.
            people[-1] = _attach(people[-1], kinds)
            continue
        people.extend(_chunk_people(kinds))
    return tuple(people)


_NOT_PLAIN = re.compile(r"[,;\n\r|/&(<\[@:\d\u2028\u2029-]| and ", re.IGNORECASE)


def _plain_name(cell: str, company: str) -> bool:
    """ "Jane Doe": what nearly every person cell holds, told at once (a big tracker has a
    hundred thousand of them, each different), with the result the full reading would give."""
    if _NOT_PLAIN.search(cell):
        return False
    words = cell.split()
    if not 1 <= len(words) <= 4:
        return False
    folded = [word.casefold().strip(".'’") for word in words]
    if not (_TITLE_WORDS.isdisjoint(folded) and _ORG_WORDS.isdisjoint(folded)):
        return False
    if not all(word[:1].isupper() or word in _PARTICLES for word in words):
        return False
    if sum(map(str.isalpha, cell)) < 2:
        return False
    # The company's own name in the person column is no person ("Acme" for Acme).
    return (
        not company
        or cell[:1].casefold() != company[:1].casefold()
        or (_fold(cell) != _fold(company))
    )


_BRACKETED = re.compile(r"\s*[(\[]([^()\[\]]*)[)\]]")
_ANGLED = re.compile(r"\s*<([^<>\s]+@[^<>\s]+)>")
_ASIDE = "\x00"  # marks what stood in brackets: a note on the name before it
_LABEL = re.compile(r"^\W*[A-Za-z]{0,8}\s*:\W*$")  # what a phone number leaves: "P:", "Direct:"
# Lower-case words a name may hold: "Ana de la Cruz", "Ludwig van Beethoven".
_PARTICLES = _word_set("de da di del della der den van von la le du dos das bin al el y")


def _parts(chunk: str) -> list[str]:
    chunk = _PHONE.sub(" ", chunk)
    chunk = _ANGLED.sub(r", \1", chunk)
    chunk = _BRACKETED.sub(lambda m: f", {_ASIDE}{m.group(1).replace(',', ' ·')}, ", chunk)
    parts = [p.strip(" ()[]\t") for p in _WEAK_SEPARATORS.split(chunk)]
    return [p for p in parts if p.strip(_ASIDE + " ") and not _LABEL.match(p.strip(_ASIDE))]


def _classify(part: str, company_key: str, lower: bool) -> list[tuple[str, str]]:
    """What one part of a cell is: ("name" | "title" | "email" | "aside" | "note", text); a
    part holding a title and a name ("recruiter Sam Cho") or words and a name ("asked
    Priyanka") is both."""
    if part.startswith(_ASIDE):
        text = part[1:]
        if _ADDRESS.search(text):
            return [("email", text)]
        names = [p for p in text.split(" · ") if _name_like(p.strip(), lower)]
        if names:
            return [("aside", names[0].strip())]
        return [("title" if any(map(_is_title_word, text.split())) else "note", text)]
    if _ADDRESS.search(part):
        return [("email", part)]
    if _URL.search(part) or _PHONE.fullmatch(part.strip()):
        return [("note", part)]
    if company_key and _fold(part) == company_key:
        return [("note", part)]
    words = part.split()
    titled = [_is_title_word(w) for w in words]
    if any(titled) or re.search(r"\bof\b", part):
        split = _title_and_name(words, titled, lower)
        if split:
            return split
        if len(words) > 5 or (not _capitalised(part) and not lower):
            return [("note", part)]
        return [("title", part)]
    folded = {w.casefold().strip(".,") for w in re.split(r"[\s.,'’/-]+", part) if w}
    if folded & _ORG_WORDS or any(ch.isdigit() for ch in part) or len(words) > 5:
        return [("note", part)]
    if sum(map(str.isalpha, part)) < 2:
        return [("note", part)]
    if _name_like(part, lower):
        return [("name", part)]
    # "asked Priyanka", "info from Meaghan": words, then a name.
    run = _trailing_name(words)
    if run:
        return [("note", " ".join(words[: -len(run)])), ("name", " ".join(run))]
    return [("note", part)]


def _is_title_word(word: str) -> bool:
    folded = word.casefold()
    if folded in _TITLE_WORDS:
        return True
    if folded.isalpha():
        return False
    return any(w in _TITLE_WORDS for w in _WORD_PUNCTUATION.split(folded) if w)


_WORD_PUNCTUATION = re.compile(r"[.,'’/-]+")


def _name_like(part: str, lower: bool) -> bool:
    words = part.split()
    if not 1 <= len(words) <= 4 or any(ch.isdigit() for ch in part):
        return False
    if any(_is_title_word(w) for w in words):
        return False
    return lower or all(w[:1].isupper() or w.casefold() in _PARTICLES for w in words)


def _trailing_name(words: list[str]) -> list[str]:
    """The capitalised words a part ends with ("Sam Cho" of "recruiter Sam Cho")."""
    run: list[str] = []
    for word in reversed(words):
        if word[:1].isupper() and not _is_title_word(word) and word.isalpha():
            run.insert(0, word)
        else:
            break
    return run if 1 <= len(run) <= 4 and len(run) < len(words) else []


def _title_and_name(words: list[str], titled: list[bool], lower: bool) -> list[tuple[str, str]]:
    """ "recruiter Sam Cho" or "HR Director Linda Hayes" (a title, then a name), or "Linda
    Hayes HR Director" (a name, then a title)."""
    if lower:
        return []
    run = _trailing_name(words)
    if run and all(titled[: len(words) - len(run)]):
        return [("title", " ".join(words[: -len(run)])), ("name", " ".join(run))]
    lead = 0
    while lead < len(words) and not titled[lead] and words[lead][:1].isupper():
        lead += 1
    if 2 <= lead < len(words) and all(titled[lead:]) and lead <= 4:
        return [("name", " ".join(words[:lead])), ("title", " ".join(words[lead:]))]
    return []


def _chunk_people(kinds: list[tuple[str, str]]) -> list[Person]:
    names = [part for kind, part in kinds if kind == "name"]
    if len(names) == 2 and all(len(n.split()) == 1 for n in names) and kinds[0][0] == "name":
        # "Doe, Jane": one person, surname first.
        merged = f"{names[1]} {names[0]}"
        kinds = [("name", merged)] + [(k, p) for k, p in kinds if k != "name"]
    if not names:
        # "I have talked to the recruiter (Dev Anand)": the name only stood in brackets.
        kinds = [("name" if kind == "aside" else kind, part) for kind, part in kinds]
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
    if not people:
        # No name at all: a role ("Hiring manager", "Rattler Team") or only an address.
        roles = [p for k, p in pending if k == "title" and _a_role(p)]
        email = next((_ADDRESS.search(p).group(0) for k, p in pending if k == "email"), "")  # type: ignore[union-attr]
        if roles or email:
            people.append(Person("" if roles else email, title=", ".join(roles), email=email))
    return people


def _a_role(part: str) -> bool:
    """ "Hiring manager", "HR Dept.", "Rattler Team", but not "have recruiter contact"."""
    words = part.split()
    return len(words) <= 4 and all(
        _is_title_word(w) or w[:1].isupper() or w.casefold() in ("of", "the", "&", "and")
        for w in words
    )


def _capitalised(part: str) -> bool:
    return any(word[:1].isupper() for word in part.split())


def _attach(person: Person, kinds: list[tuple[str, str]]) -> Person:
    title, email = person.title, person.email
    for kind, part in kinds:
        if kind in ("title", "aside") and not title:
            title = part
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
    if honorific and (len(words) == 1 or len(words[0].rstrip(".")) <= 1):
        # "Mr. Smith", "Mr D. Patel": a surname is greeted with its title.
        return f"{honorific} {words[-1]}"
    if len(words[0].rstrip(".")) <= 1:
        return " ".join(words)
    return words[0]


def _fold(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())
