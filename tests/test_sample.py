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


def test_the_sample_tracker_is_regenerated_by_its_script(tmp_path: Path) -> None:
    made = tmp_path / "sample.xlsx"
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sample_tracker.py"), str(made)],
        check=True,
        capture_output=True,
    )
    with zipfile.ZipFile(REPO / "sample_tracker.xlsx") as kept, zipfile.ZipFile(made) as fresh:
        assert kept.namelist() == fresh.namelist()
        for name in kept.namelist():
            assert shape(kept.read(name)) == shape(fresh.read(name)), name
