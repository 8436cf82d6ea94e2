"""Weekly interview follow-ups from an Excel job tracker.

The library behind the ``sheet-followup`` command::

    import sheet_followup

    result = sheet_followup.run("tracker.xlsx")
    for followup in result.followups:
        print(followup.contact.row, followup.contact.contact, followup.status)

See :mod:`sheet_followup.api` for ``plan``, ``run``, ``record_sent`` and ``check``. The names
are imported when first used, so that ``sheet-followup --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "plan": "sheet_followup.api",
    "run": "sheet_followup.api",
    "record_sent": "sheet_followup.api",
    "check": "sheet_followup.api",
    "check_mail": "sheet_followup.api",
    "forget_mail_password": "sheet_followup.api",
    "MailboxError": "sheet_followup.errors",
    "Settings": "sheet_followup.settings",
    "Kind": "sheet_followup.models",
    "SheetFollowupError": "sheet_followup.errors",
    "WorkbookError": "sheet_followup.errors",
    "NotATrackerError": "sheet_followup.errors",
    "WorkbookLockedError": "sheet_followup.errors",
    "WorkbookChangedError": "sheet_followup.errors",
    "SheetTooBigError": "sheet_followup.errors",
    "TemplateError": "sheet_followup.errors",
    "UsageError": "sheet_followup.errors",
}
__all__ = [
    "Kind",
    "MailboxError",
    "NotATrackerError",
    "Settings",
    "SheetFollowupError",
    "SheetTooBigError",
    "TemplateError",
    "UsageError",
    "WorkbookChangedError",
    "WorkbookError",
    "WorkbookLockedError",
    "__version__",
    "check",
    "check_mail",
    "forget_mail_password",
    "plan",
    "record_sent",
    "run",
]

if TYPE_CHECKING:
    from sheet_followup.api import check, check_mail, forget_mail_password, plan, record_sent, run
    from sheet_followup.errors import (
        MailboxError,
        NotATrackerError,
        SheetFollowupError,
        SheetTooBigError,
        TemplateError,
        UsageError,
        WorkbookChangedError,
        WorkbookError,
        WorkbookLockedError,
    )
    from sheet_followup.models import Kind
    from sheet_followup.settings import Settings


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        message = f"module 'sheet_followup' has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
