"""The folders a command makes on its way to a file, and taking them away when it fails.

A run that stops leaves the user's folders as they were: a backup folder or a drafts folder it
had to make for a file it then could not write goes again, if nothing else went into it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def missing_folders(folder: Path) -> list[Path]:
    """``folder`` and the parents of it that do not exist, innermost first."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    return missing


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders in order while each is empty: the innermost first."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            break
