"""The tool's own exceptions.

Core modules raise these, never Click's; ``cli.py`` turns them into one-line messages and exit
codes in one place, so a user never sees a traceback for a problem they can fix.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sheet_followup.xlsx.errors import PackageChangedError, PackageLockedError, XlsxError


class SheetFollowupError(Exception):
    """Something the user can fix; the message says what and how. Exit code 1."""

    exit_code = 1


class WorkbookError(SheetFollowupError):
    """The workbook cannot be read or written as it is."""


class NotATrackerError(WorkbookError):
    """No sheet holds the Company, Contact and Interview date columns."""


class SheetTooBigError(WorkbookError):
    """A sheet whose values reach so far that reading it would exhaust memory."""


class WorkbookLockedError(WorkbookError):
    """Excel (or another program) holds the workbook open."""


class WorkbookChangedError(WorkbookError):
    """The file changed on disk between reading and writing it."""


class TemplateError(SheetFollowupError):
    """A note template is missing or cannot be rendered."""


class UsageError(SheetFollowupError):
    """A problem with the command line itself (an unknown sheet, say). Exit code 2."""

    exit_code = 2


@contextlib.contextmanager
def from_xlsx() -> Iterator[None]:
    """The xlsx layer's errors as the tool's: the same message, with the tool's classes and
    exit codes (the layer stands alone and knows nothing of them)."""
    try:
        yield
    except PackageLockedError as error:
        raise WorkbookLockedError(str(error)) from error
    except PackageChangedError as error:
        raise WorkbookChangedError(str(error)) from error
    except XlsxError as error:
        raise WorkbookError(str(error)) from error


class MailboxError(SheetFollowupError):
    """The mailbox could not be used: the server was not reached, refused the sign-in, or
    lacks a folder. A run still writes its workbook and local drafts; the message says the
    mailbox was not updated. Exit code 3."""

    exit_code = 3
