"""Whether a reply reads like a rejection: the phrases recruiters use to say no.

Only a hint. The Stage is the user's, and a "we went with other candidates for the first role,
but..." is not a no, so the tool says what the words read like and never sets the stage.
"""

from __future__ import annotations

import re

# Phrases, not words: "unfortunately" alone is in many a kind reply, but it is also the word
# nearly every rejection opens with, so it counts; "decided to" alone would count offers too.
_PHRASES = (
    r"unfortunately",
    r"regret to (?:inform|tell|let you know)",
    r"other candidates?",
    r"another candidate",
    r"other applicants?",
    r"(?:not|no longer) (?:be )?moving forward",
    r"(?:decided|chosen|elected) to (?:move forward with|go with|pursue|proceed with)"
    r" (?:another|other|a different|someone else)",
    r"decided not to (?:proceed|move|pursue|offer|continue)",
    r"(?:will|would) not be (?:moving|proceeding|progressing|offering|pursuing)",
    r"not (?:been )?selected",
    r"position (?:has|had) (?:now )?been filled",
    r"(?:role|position|vacancy|job) (?:is|was) (?:now )?(?:filled|closed)",
    r"filled the (?:role|position)",
    r"no longer (?:under consideration|being considered|considering)",
    r"not (?:a|the right) (?:good )?(?:fit|match)",
    r"more closely (?:match|matches|aligned|align)",
    r"unable to (?:offer|move forward|proceed)",
    r"keep your (?:cv|resume|résumé|details|application) on file",
    r"wish you (?:the best|every success|all the best|luck) (?:of luck )?in your (?:job )?search",
)
_REJECTION = re.compile(r"\b(?:" + "|".join(_PHRASES) + r")\b", re.IGNORECASE)


def reads_like_rejection(*texts: str) -> bool:
    """True when a subject or text uses a phrase that usually says no."""
    return any(_REJECTION.search(" ".join(text.split())) for text in texts if text)
