"""What `pip install .` ships: every package of the tool, so the installed command runs.

The package list in pyproject.toml is explicit (the templates folder is mapped into the
package), so a new subpackage must be added to it by hand; a wheel without it installs fine and
fails on first use.
"""

from __future__ import annotations

import ast
import re

from tests.conftest import REPO


def test_every_subpackage_is_in_the_wheel() -> None:
    # The one line, read without a TOML library (tomllib is Python 3.11's; the tool runs on 3.10).
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    line = re.search(r"^packages = (\[.*\])$", text, re.MULTILINE)
    assert line is not None, "pyproject.toml has no packages line"
    listed = set(ast.literal_eval(line.group(1)))
    found = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "sheet_followup").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
