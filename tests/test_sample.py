"""The committed sample is what its script makes, so the script is the sample's source."""

import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from tests.conftest import REPO


def shape(xml: bytes) -> object:
    """An XML part as nested tuples of resolved names, attributes and text.

    openpyxl writes the same document with namespace declarations in different places depending
    on whether lxml is installed, so parts are compared by meaning, not by bytes.
    """

    def walk(element: ET.Element) -> object:
        return (
            element.tag,
            sorted(element.attrib.items()),
            (element.text or "").strip(),
            [walk(child) for child in element],
        )

    return walk(ET.fromstring(xml))


def committed_sample(tmp_path: Path) -> Path:
    """The sample as git holds it: the checkout's file may hold a run's statuses (the README's
    first command runs on it), so git's copy, and the file itself only outside a git checkout."""
    try:
        data = subprocess.run(
            ["git", "show", ":sample_tracker.xlsx"],  # as staged, so a regenerated one counts
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return REPO / "sample_tracker.xlsx"
    path = tmp_path / "committed.xlsx"
    path.write_bytes(data)
    return path


def test_the_sample_tracker_is_regenerated_by_its_script(tmp_path: Path) -> None:
    made = tmp_path / "sample.xlsx"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_tracker.py"), str(made)],
        check=True,
        capture_output=True,
    )
    with zipfile.ZipFile(committed_sample(tmp_path)) as kept, zipfile.ZipFile(made) as fresh:
        assert kept.namelist() == fresh.namelist()
        for name in kept.namelist():
            assert shape(kept.read(name)) == shape(fresh.read(name)), name
