"""Yes/no cells as people type them, in one vocabulary.

A Settings line ("Skip weekends: oui"), a ticked column ("Thank-you sent: ✓") and the layout's
judgement of whether a column holds ticks at all must agree on what a tick is: a word read as
yes in one place and as a name in another would make a column both a flag and a contact.
"""

from __future__ import annotations

YES_WORDS = frozenset({"yes", "y", "true", "1", "on", "x", "✓", "✔", "ja", "oui", "si", "sí"})
NO_WORDS = frozenset({"no", "n", "false", "0", "off", "nein", "non", "✗", "✘"})


def parse_yes_no(value: object) -> bool | None:
    """A yes/no cell: True, False, or None when it is neither (blank, or other words)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    text = str(value or "").strip().casefold()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return None


def is_tick(value: object) -> bool:
    """A cell that reads as yes or no by its own look: a checkbox or a word, not a number (a
    column of 1s and 2s is a count, not ticks)."""
    return isinstance(value, bool) or (isinstance(value, str) and parse_yes_no(value) is not None)
