"""Styles written inside markup-compatibility blocks (Hancom Office does) count once: the
date style the tool adds has the number after the last real one, so a new date reads as a
date, not 46349."""

from __future__ import annotations

import csv
import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli
from sheet_followup.xlsx.styles import StylesEditor
from tests.lossless_helpers import soffice, soffice_convert

MC = 'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"'


def hancom_like(source: Path, target: Path) -> None:
    """Every cell format after the first given twice, as a Choice and its Fallback."""

    def wrap(match: re.Match[bytes]) -> bytes:
        xfs = re.findall(rb"<xf\b[^>]*?(?:/>|>.*?</xf>)", match.group(2), re.S)
        first, rest = xfs[0], xfs[1:]
        blocks = b"".join(
            b"<mc:AlternateContent " + MC.encode() + b'><mc:Choice Requires="x14ac">' + xf
            + b"</mc:Choice><mc:Fallback>" + xf + b"</mc:Fallback></mc:AlternateContent>"
            for xf in rest
        )  # fmt: skip
        return match.group(1) + first + blocks + b"</cellXfs>"

    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name in old.namelist():
            data = old.read(name)
            if name == "xl/styles.xml":
                data = re.sub(rb"(<cellXfs[^>]*>)(.*?)</cellXfs>", wrap, data, flags=re.S)
                assert b"mc:Fallback" in data
            new.writestr(name, data)


def test_a_style_given_as_choice_and_fallback_is_one_style() -> None:
    xf = b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    styles = (
        b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<fonts count="1"><font/></fonts><cellXfs count="2">' + xf
        + b"<mc:AlternateContent " + MC.encode() + b'><mc:Choice Requires="x14ac">' + xf
        + b"</mc:Choice><mc:Fallback>" + xf + b"</mc:Fallback></mc:AlternateContent>"
        b"</cellXfs></styleSheet>"
    )  # fmt: skip
    editor = StylesEditor.parse(styles)
    assert editor.date_style(1) == 2  # after the two real styles, not the three tags
    assert b'<cellXfs count="3">' in editor.to_bytes()


@pytest.mark.libreoffice
def test_libreoffice_shows_the_new_dates_of_a_hancom_like_workbook_as_dates(
    tmp_path: Path,
) -> None:
    if soffice() is None:
        pytest.fail("LibreOffice is needed: apt-get install libreoffice-calc-nogui")
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Tracker"
    sheet.append(["Company", "Contact", "Interview date", "Last contact"])
    sheet.append(["Acme", "Jane Doe", dt.date(2026, 11, 2), dt.date(2026, 11, 3)])
    sheet["A1"].font = openpyxl.styles.Font(bold=True)  # a second and third cell format
    sheet["C2"].number_format = "yyyy-mm-dd"
    sheet["D2"].number_format = "yyyy-mm-dd"
    plain = tmp_path / "plain.xlsx"
    workbook.save(plain)
    path = tmp_path / "hancom.xlsx"
    hancom_like(plain, path)
    result = CliRunner().invoke(cli, ["run", str(path), "--today", "2026-11-23"])
    assert result.exit_code == 0, result.output
    done = soffice_convert([path], tmp_path / "csv", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader((tmp_path / "csv" / "hancom.csv").open(encoding="utf-8")))
    assert rows[0][4:6] == ["Follow-up status", "Next follow-up"]
    assert rows[1][4] == "Follow-up due (6 days late, add a gift)"
    assert rows[1][5] == "2026-11-17"  # a date, as the tracker writes its dates
