"""The committed sample is exactly what its script makes, so the script is the sample's source."""

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import REPO


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
            assert kept.read(name) == fresh.read(name), name
