"""Weekly interview follow-ups from an Excel job tracker."""

from __future__ import annotations

__version__ = "0.1.0"
