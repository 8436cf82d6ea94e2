"""The mail password: from the environment, the operating system's keyring, or the person.

It is never read from the workbook (a file that gets mailed, synced and backed up) and never
written to a log or a message. The order suits both ways people run the tool: a script or a
scheduled job sets ``SHEET_FOLLOWUP_MAIL_PASSWORD``; a person at a terminal types it once and
lets the keyring keep it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sheet_followup.errors import MailboxError, SheetFollowupError
from sheet_followup.mail.options import Ask

ENVIRONMENT_VARIABLE = "SHEET_FOLLOWUP_MAIL_PASSWORD"
KEYRING_SERVICE = "sheet-followup"


@dataclass(frozen=True)
class Password:
    """A password and where it came from, which messages name (never the password itself)."""

    value: str = field(repr=False)
    origin: str  # "environment", "keyring" or "prompt"


def find_password(user: str, ask: Ask | None = None) -> Password:
    """The environment's password, else the keyring's, else what the person types."""
    from_environment = os.environ.get(ENVIRONMENT_VARIABLE)
    if from_environment:
        return Password(from_environment, "environment")
    stored, trouble = keyring_password(user)
    if stored:
        return Password(stored, "keyring")
    typed = ask(user) if ask is not None else None
    if typed:
        return Password(typed, "prompt")
    where = f" ({trouble})" if trouble else ""
    message = (
        f"no password for the mail user {user}: set {ENVIRONMENT_VARIABLE}, or run "
        f"`sheet-followup mailbox TRACKER` at a terminal to type it and save it in your "
        f"keyring{where}"
    )
    raise MailboxError(message)


def keyring_password(user: str) -> tuple[str | None, str]:
    """The keyring's password for ``user``, and why there is none when the keyring cannot be
    used (no keyring on this machine, or it is locked)."""
    try:
        import keyring
        import keyring.errors

        return keyring.get_password(KEYRING_SERVICE, user), ""
    except Exception as error:
        return None, f"the keyring could not be read: {_reason(error)}"


def save_password(user: str, password: str) -> str:
    """Keep the password in the keyring; "" when saved, else why it could not be."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, user, password)
    except Exception as error:
        return f"the keyring could not save it: {_reason(error)}"
    return ""


def forget_password(user: str) -> bool:
    """Remove the saved password; False when there was none (or no keyring to hold one)."""
    try:
        import keyring
        import keyring.errors

        if keyring.get_password(KEYRING_SERVICE, user) is None:
            return False
        keyring.delete_password(KEYRING_SERVICE, user)
    except Exception as error:
        message = f"could not remove the saved password for {user}: {_reason(error)}"
        raise SheetFollowupError(message) from error
    return True


def _reason(error: BaseException) -> str:
    name = type(error).__name__
    if name == "NoKeyringError":
        return "this machine has no keyring; use the environment variable instead"
    return str(error) or name
