"""How a run is asked to use the mailbox: kept apart from the rest of the package, which
imports the email, ssl and IMAP modules, so that a run without a mailbox never loads them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

# Asks the person for the password of a login; None when no one can be asked (no terminal).
Ask = Callable[[str], "str | None"]


@dataclass(frozen=True)
class MailboxOptions:
    """How a run uses the mailbox. ``use`` None: when Settings name a Mail server (False:
    never, True: it must). ``drafts`` None: with ``use`` True, or as Settings' Put drafts in
    mailbox says. ``ask`` asks the person for the password when neither the environment nor
    the keyring has it (the command line passes a prompt on a terminal; None: nobody to ask)."""

    use: bool | None = None  # None: when Settings name a Mail server; True: --mailbox
    drafts: bool | None = None
    ask: Ask | None = None
