"""The template filters that make a user's cell text read right inside a sentence.

Cells are typed as fragments ("wants faster onboarding", "She said she runs marathons"), and a
note quotes them in the middle of its own sentences: ``as_sentence`` ends a fragment,
``lower_first`` lowers a capital that began the cell, and ``mentioned`` turns a Why written
about the interviewer into words written to them ("You mentioned you run marathons").
"""

from __future__ import annotations


def as_sentence(text: str) -> str:
    """A cell's fragment as a sentence: capitalised, ending with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


_REPORTING = frozenset(
    [
        "said",
        "says",
        "mentioned",
        "mentions",
        "told",
        "tells",
        "noted",
        "notes",
        "explained",
        "explains",
    ]
)
_VERBS = frozenset(
    [
        "loves",
        "likes",
        "wants",
        "worries",
        "cares",
        "needs",
        "hopes",
        "plans",
        "thinks",
        "believes",
        "enjoys",
        "runs",
        "manages",
        "leads",
        "struggles",
        "wonders",
        "fears",
        "dreams",
        "is",
        "was",
        "has",
        "had",
        "does",
        "asked",
        "talked",
        "spoke",
        "worried",
        "loved",
        "liked",
        "wanted",
        "struggled",
        "wondered",
        "hoped",
        "planned",
        "thought",
        "believed",
        "enjoyed",
        "cared",
    ]
)
_PRONOUNS = {"she": ("her", "hers"), "he": ("his", "him"), "they": ("their", "them")}
_BASE = {"is": "are", "was": "were", "has": "have", "does": "do", "goes": "go"}


def mentioned(why: str) -> str:
    """What they said, to follow "You mentioned ..." in a note, however the user wrote it down:
    "onboarding" -> "onboarding", "she worries about onboarding" -> "that you worry about
    onboarding", "said their onboarding takes 90 days" -> "that their onboarding takes 90 days".
    """
    text = " ".join(why.split()).rstrip(".;,")
    words = text.split(" ")
    if not text:
        return ""
    first = words[0].casefold()
    subject = first if first in _PRONOUNS else ""
    rest = words[1:] if subject else words
    verb = rest[0].casefold() if rest else ""
    if not subject and verb not in _VERBS and verb not in _REPORTING:
        return lower_first(text)  # a topic: "onboarding", "AWS costs"
    if verb in _REPORTING:
        # "she said (that) ...", "mentioned that ...": what was said is the clause itself.
        clause = rest[1:]
        if clause[:1] and clause[0].casefold() in ("that", "me"):
            clause = clause[1:]
        if clause[:1] and clause[0].casefold() == "that":
            clause = clause[1:]
        words_out = clause
    else:
        words_out = ["you", _base_form(verb), *rest[1:]] if rest else ["you"]
    if subject:
        own = _PRONOUNS[subject]
        words_out = ["your" if w.casefold() == own[0] else w for w in words_out]
    said = " ".join(words_out)
    return f"that {said}" if said else lower_first(text)


def _base_form(verb: str) -> str:
    """ "worries" -> "worry", "is" -> "are": the verb after "you"; a past tense stays."""
    if verb in _BASE:
        return _BASE[verb]
    if verb.endswith("ed") or not verb.endswith("s"):
        return verb
    if verb.endswith("ies"):
        return verb[:-3] + "y"
    if verb.endswith(("ches", "shes", "sses", "xes")):
        return verb[:-2]
    return verb[:-1]


def lower_first(text: str) -> str:
    """ "Late deliveries" -> "late deliveries" mid-sentence, but "AWS costs" stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text
