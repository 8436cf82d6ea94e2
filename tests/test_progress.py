"""The progress bar of one long run: on a terminal once the run proves long, silent otherwise."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sheet_followup.batch import RunOptions, run_tracker
from sheet_followup.cli import cli
from sheet_followup.progress import StageProgress

from .test_many import small_tracker

STAGES = ["reading", "rendering", "editing", "writing drafts", "saving"]


class Terminal(io.StringIO):
    """What the bar writes to, posing as a terminal."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def run_stages(progress: StageProgress, clock: Clock, seconds_per_stage: float) -> None:
    with progress:
        for stage in STAGES:
            progress(stage)
            clock.now += seconds_per_stage


def test_a_short_run_on_a_terminal_shows_no_bar() -> None:
    screen, clock = Terminal(), Clock()
    run_stages(StageProgress(screen, enabled=True, clock=clock), clock, seconds_per_stage=0.05)
    assert screen.getvalue() == ""


def test_a_long_run_on_a_terminal_shows_the_bar_from_the_stage_it_proved_long() -> None:
    screen, clock = Terminal(), Clock()
    run_stages(StageProgress(screen, enabled=True, clock=clock), clock, seconds_per_stage=0.3)
    shown = screen.getvalue()
    # 0.6 s had gone by when the third stage began: the bar starts there, two stages done.
    assert "editing" in shown and "reading" not in shown and "rendering" not in shown
    assert "40%" in shown and "saving" in shown
    assert "100%" in shown and shown.endswith("\n")  # the summary starts on a line of its own


def test_a_large_workbook_shows_the_bar_from_the_first_stage(tmp_path: Path) -> None:
    workbook = tmp_path / "big.xlsx"
    workbook.write_bytes(b"x" * 2048)
    screen, clock = Terminal(), Clock()
    progress = StageProgress(screen, enabled=True, workbook=workbook, large_bytes=1024, clock=clock)
    run_stages(progress, clock, seconds_per_stage=0.0)
    assert "reading" in screen.getvalue() and "100%" in screen.getvalue()


def test_the_bar_is_silent_when_not_on_a_terminal_or_asked_not_to_be() -> None:
    for stream, enabled in ((io.StringIO(), True), (Terminal(), False)):
        clock = Clock()
        run_stages(StageProgress(stream, enabled=enabled, clock=clock), clock, 10.0)
        assert stream.getvalue() == ""


def test_a_failed_run_leaves_the_bar_where_it_stopped_on_a_line_of_its_own() -> None:
    screen, clock = Terminal(), Clock()
    progress = StageProgress(screen, enabled=True, clock=clock)
    with pytest.raises(RuntimeError), progress:
        for stage in STAGES[:3]:
            clock.now += 1.0
            progress(stage)
        raise RuntimeError("the disk is full")
    shown = screen.getvalue()
    assert "editing" in shown and "100%" not in shown and shown.endswith("\n")


def test_a_run_reports_its_five_stages_in_order_and_a_dry_run_two(tmp_path: Path) -> None:
    small_tracker(tmp_path / "tracker.xlsx", "Acme")
    for dry_run, expected in ((True, 2), (False, 5)):
        copy = tmp_path / f"copy-{dry_run}.xlsx"
        shutil.copyfile(tmp_path / "tracker.xlsx", copy)
        stages: list[str] = []
        options = RunOptions(today=dt.date(2026, 11, 23), out=tmp_path / "drafts", dry_run=dry_run)
        run_tracker(copy, options, stages.append)
        assert len(stages) == expected
        assert stages[:2] == ["reading the workbook", "rendering 2 notes"]
    # The drafts are written (under names nobody sees yet) before the workbook is edited.
    assert stages[2:] == ["writing 2 drafts", "editing the sheet 'Tracker'", "saving the workbook"]


def test_the_command_prints_no_bar_when_its_output_is_not_a_terminal(tmp_path: Path) -> None:
    small_tracker(tmp_path / "tracker.xlsx", "Acme")
    result = CliRunner().invoke(
        cli, ["run", str(tmp_path / "tracker.xlsx"), "--today", "2026-11-23"]
    )
    assert result.exit_code == 0, result.output
    assert "Running" not in result.stderr and "%" not in result.stderr
