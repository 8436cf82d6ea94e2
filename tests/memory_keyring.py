"""A keyring that lives in memory, so that tests never read or write the developer's own.

The ``keyring`` library is used exactly as the tool uses it; only the backend is the tests'.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise PasswordDeleteError(username)
        del self.passwords[(service, username)]


class FileKeyring(KeyringBackend):
    """A keyring in a JSON file named by SHEET_FOLLOWUP_TEST_KEYRING, for a test that runs the
    command in a process of its own (``PYTHON_KEYRING_BACKEND=tests.memory_keyring.FileKeyring``)."""

    priority = 1

    @property
    def path(self) -> Path:
        return Path(os.environ["SHEET_FOLLOWUP_TEST_KEYRING"])

    def _load(self) -> dict[str, str]:
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {str(k): str(v) for k, v in loaded.items()}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}\0{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        stored = self._load() | {f"{service}\0{username}": password}
        self.path.write_text(json.dumps(stored), encoding="utf-8")

    def delete_password(self, service: str, username: str) -> None:
        stored = self._load()
        if stored.pop(f"{service}\0{username}", None) is None:
            raise PasswordDeleteError(username)
        self.path.write_text(json.dumps(stored), encoding="utf-8")
