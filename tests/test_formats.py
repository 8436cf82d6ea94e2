"""Drafts people open: .eml messages, web pages, the run's index and its calendar."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import json
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from sheet_followup.cli import cli
from sheet_followup.formats import mailto, one_line, percent_encode
from tests.conftest import REPO, MakeWorkbook

SAMPLE = REPO / "sample_tracker.xlsx"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    copy = tmp_path / "sample_tracker.xlsx"
    shutil.copyfile(SAMPLE, copy)
    return copy


def run_json(*args: object) -> dict[str, object]:
    result = invoke("run", *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_every_eml_draft_is_an_unsent_message_with_to_subject_and_both_bodies(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "md,eml")
    due = [c for c in report["contacts"] if c["draft"]]  # type: ignore[union-attr]
    assert len(due) == 7
    for contact in due:
        md, eml = (Path(p) for p in contact["drafts"])
        assert (md.suffix, eml.suffix) == (".md", ".eml")
        message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        assert message["X-Unsent"] == "1"
        assert message["From"] == "Alex Morgan <alex.morgan@example.com>"
        subject = md.read_text(encoding="utf-8").splitlines()[1].removeprefix("- **Subject:** ")
        assert message["Subject"] == subject
        assert message.get_content_type() == "multipart/alternative"
        plain = message.get_body(("plain",))
        html_part = message.get_body(("html",))
        assert plain is not None and html_part is not None
        assert plain.get_content().startswith(("Dear ", "Hi "))
        assert "<p>" in html_part.get_content()
    grace = next(c for c in due if c["contact"] == "Grace Okafor")
    no_email = email.message_from_bytes(
        Path(grace["drafts"][1]).read_bytes(), policy=email.policy.default
    )
    assert no_email["To"] is None  # her row has no email: the draft still opens, To is left to fill
    priya = next(c for c in due if c["contact"] == "Priya Raman")
    message = email.message_from_bytes(
        Path(priya["drafts"][1]).read_bytes(), policy=email.policy.default
    )
    assert message["To"] == "Priya Raman <priya.raman@brightwater.example.com>"


def test_no_cell_can_add_a_header_to_an_eml_draft(
    make_workbook: MakeWorkbook, tmp_path: Path
) -> None:
    path = make_workbook(
        [
            [
                "Acme\nBcc: everyone@example.com",
                "Jane Doe\r\nBcc: spy@example.com",
                "Analyst\nX-Priority: 1",
                "jane@example.com\nBcc: spy@example.com",
                "2026-11-23",
                None,
                None,
            ]
        ],
        sheets={
            "Settings": [
                ["Your name", "Alex\nReply-To: x@example.com"],
                ["Your email", "alex@example.com"],
            ]
        },
    )
    report = run_json(path, "--today", "2026-11-23", "--format", "eml")
    [contact] = report["contacts"]  # type: ignore[misc]
    raw = Path(contact["draft"]).read_bytes()
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and message["Reply-To"] is None and message["X-Priority"] is None
    assert sorted(k.lower() for k in message) == sorted(
        ["x-unsent", "from", "subject", "mime-version", "content-type"]
    )
    assert "bcc" not in raw.lower().split(b"\r\n\r\n", 1)[0].decode()
    assert any("is not an email address" in w for w in report["warnings"])  # type: ignore[union-attr]


def test_txt_and_html_drafts(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "txt,html")
    daniel = next(c for c in report["contacts"] if c["contact"] == "Daniel Kowalski")  # type: ignore[union-attr]
    txt, page = (Path(p) for p in daniel["drafts"])
    text = txt.read_text(encoding="utf-8")
    assert text.startswith(
        "To: Daniel Kowalski <d.kowalski@lumenfreight.example.com>\nSubject: Thank you"
    )
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert 'href="mailto:d.kowalski@lumenfreight.example.com?subject=Thank%20you' in html
    assert "<script" not in html and "http://" not in html.split("<body>")[0]


def test_an_unknown_format_is_a_usage_error(sample: Path) -> None:
    result = invoke("run", sample, "--format", "md,pdf")
    assert result.exit_code == 2
    assert "is not a list of md, txt, eml, html" in result.stderr


def test_the_settings_sheet_chooses_the_default_format(make_workbook: MakeWorkbook) -> None:
    path = make_workbook(
        [["Acme", "Jane", None, "jane@example.com", "2026-11-23", None, None]],
        sheets={"Settings": [["Format", "eml, txt"]]},
    )
    report = run_json(path, "--today", "2026-11-23")
    [contact] = report["contacts"]  # type: ignore[misc]
    assert [Path(p).suffix for p in contact["drafts"]] == [".eml", ".txt"]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v for k, v in attrs if tag == "a" and k == "href" and v]


def test_the_index_links_every_draft_and_a_filled_in_mailto(sample: Path) -> None:
    report = run_json(sample, "--today", "2026-11-23", "--format", "md,eml")
    folder = sample.parent / "drafts" / "2026-11-23"
    parser = Links()
    parser.feed((folder / "index.html").read_text(encoding="utf-8"))
    files = [h for h in parser.hrefs if not h.startswith("mailto:")]
    mails = [h for h in parser.hrefs if h.startswith("mailto:")]
    assert len(files) == 14
    assert all((folder / unquote(h)).is_file() for h in files)
    assert len(mails) == 6  # Grace has no email
    first = urlsplit(mails[0])
    assert "subject=" in first.query and "body=" in first.query
    assert len([c for c in report["contacts"] if c["draft"]]) == 7  # type: ignore[union-attr]


def test_reminders_hold_the_next_follow_ups_and_interviews_with_stable_uids(sample: Path) -> None:
    from icalendar import Calendar

    run_json(sample, "--today", "2026-11-23")
    ics = sample.parent / "drafts" / "2026-11-23" / "reminders.ics"
    events = {
        str(e["summary"]): (e.decoded("dtstart"), str(e["uid"]))
        for e in Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    }
    assert events["Follow up with Tomás Ortega (Brightwater Health Analytics)"][0] == dt.date(
        2026, 11, 30
    )
    assert events["Follow up with Hannah Goldberg (Silverpine Software)"][0] == dt.date(2026, 12, 7)
    assert events["Interview with Kofi Mensah (Greenway Mobility)"][0] == dt.date(2026, 11, 26)
    assert not any("Ngozi" in s or "Elena" in s or "Liam" in s for s in events)  # no date, no event

    # A week later the same contacts keep their UIDs, so re-importing moves the events.
    run_json(sample, "--today", "2026-11-30")
    later = sample.parent / "drafts" / "2026-11-30" / "reminders.ics"
    uids = {
        str(e["summary"]): str(e["uid"])
        for e in Calendar.from_ical(later.read_bytes()).walk("VEVENT")
    }
    shared = set(uids) & set(events)
    assert shared
    assert all(uids[s] == events[s][1] for s in shared)


@given(st.text())
def test_percent_encoding_is_exactly_what_urllib_quote_gives(text: str) -> None:
    assert percent_encode(text) == quote(text, safe="")


@given(st.text(), st.text(), st.sampled_from(["jane@example.com", "o'neil&co@example.com", ""]))
def test_a_mailto_link_needs_only_its_ampersands_escaped_in_html(
    subject: str, body: str, address: str
) -> None:
    link = mailto(address, subject, body)
    assert html.escape(link) == link.replace("&", "&amp;")  # what index.html relies on
    assert unquote(urlsplit(link).query.split("&body=")[1]) == body.replace("\r\n", "\n").replace(
        "\n", "\r\n"
    )


@given(st.text())
def test_one_line_turns_every_unprintable_character_and_space_run_into_one_space(text: str) -> None:
    spaced = "".join(c if c.isprintable() else " " for c in text)
    assert one_line(text) == " ".join(spaced.split())
