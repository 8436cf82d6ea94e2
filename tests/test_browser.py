"""The run's index.html in a real browser: headless Chromium renders it from disk, offline."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner

from sheet_followup.cli import cli
from tests.conftest import pristine_sample

pytestmark = pytest.mark.browser


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.fail("headless Chromium is needed: apt-get install chromium (.ci/run installs it)")


class Rendered(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.rows = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links += [v for k, v in attrs if k == "href" and v]
        if tag == "tr":
            self.rows += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def dump_dom(page_file: Path, profile: Path) -> str:
    return subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page_file.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout


def run_sample(tmp_path: Path) -> list[dict[str, object]]:
    tracker = tmp_path / "tracker.xlsx"
    shutil.copyfile(pristine_sample(), tracker)
    result = CliRunner().invoke(
        cli, ["run", str(tracker), "--today", "2026-11-23", "--format", "md,eml,html", "--json"]
    )
    assert result.exit_code == 0, result.output
    return [c for c in json.loads(result.stdout)["contacts"] if c["draft"]]


def test_index_renders_in_chromium_with_every_link_pointing_at_a_file(tmp_path: Path) -> None:
    due = run_sample(tmp_path)
    index = tmp_path / "drafts" / "2026-11-23" / "index.html"
    page = Rendered()
    page.feed(dump_dom(index, tmp_path / "profile"))
    assert page.rows == 1 + len(due)  # a header row, then one row per draft
    assert "Drafts for Monday 23 November 2026" in "".join(page.text)
    files = [link for link in page.links if not link.startswith("mailto:")]
    assert len(files) == 3 * len(due)
    for link in files:
        assert (index.parent / unquote(link)).is_file(), link
    mailtos = [link for link in page.links if link.startswith("mailto:")]
    assert len(mailtos) == sum(1 for c in due if c["contact"] != "Grace Okafor")
    assert all("?subject=" in link and "&body=" in link for link in mailtos)


def test_a_draft_page_in_chromium_links_the_gifts_web_and_mail_addresses(tmp_path: Path) -> None:
    run_sample(tmp_path)
    folder = tmp_path / "drafts" / "2026-11-23"
    grace = Rendered()
    grace.feed(
        dump_dom(
            folder / "brightwater-health-analytics-grace-okafor-follow-up.html", tmp_path / "p1"
        )
    )
    assert "https://example.com/guides/privacy-by-design" in grace.links
    rosa = Rendered()
    rosa.feed(
        dump_dom(
            folder / "harborview-hospital-network-rosa-delgado-thank-you.html", tmp_path / "p2"
        )
    )
    assert "mailto:lena.fischer@example.org" in rosa.links  # the contact the note introduces
    send = [link for link in rosa.links if link.startswith("mailto:") and "?subject=" in link]
    assert len(send) == 1  # the page's own send button, beside the gift's link
