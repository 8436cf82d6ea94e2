"""The xlsx layer's own errors: it stands alone, and the application says them its own way.

Each message is written for a person: what is wrong with the file, and what to do.
"""

from __future__ import annotations


class XlsxError(Exception):
    """A workbook this layer cannot read or write as asked."""


class PackageLockedError(XlsxError):
    """The workbook is held by another program (Excel on Windows), so it cannot be replaced."""


class PackageChangedError(XlsxError):
    """The workbook changed on disk while it was being edited: the edit is not written."""
