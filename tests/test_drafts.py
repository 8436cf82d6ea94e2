import datetime as dt
import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sheet_followup.draft_store import _manifest_text, write_files
from sheet_followup.drafts import (
    describe_day,
    draft_stems,
    make_environment,
    plan_drafts,
    render_note,
    write_drafts,
)
from sheet_followup.errors import SheetFollowupError, TemplateError
from sheet_followup.models import Contact, FollowUp, Kind
from sheet_followup.people import first_name
from sheet_followup.settings import Settings

TODAY = dt.date(2026, 11, 23)
SETTINGS = Settings(sender_name="Alex Morgan", signature="Alex Morgan\nData analyst")


def due(kind: Kind = Kind.THANK_YOU, **fields: object) -> FollowUp:
    base: dict[str, object] = {
        "row": 5,
        "company": "Acme Corp",
        "contact": "Jane Doe",
        "position": "Data analyst",
        "email": "jane@example.com",
        "interests": "sailing and shorter onboarding",
        "gift": "a guide to onboarding analysts: https://example.com/onboarding",
        "why_fit": "I cut onboarding time in half at my last team.",
        "interview_date": dt.date(2026, 11, 20),
    }
    contact = Contact(**(base | fields))  # type: ignore[arg-type]
    return FollowUp(contact, kind, TODAY, gift=contact.gift, gift_why=contact.interests)


def render(followup: FollowUp, templates: Path | None = None) -> str:
    note = render_note(make_environment(templates), followup, SETTINGS, TODAY)
    return f"To: {note.to}\nSubject: {note.subject}\n\n{note.body}"


def test_thank_you_note() -> None:
    assert render(due()) == (
        "To: Jane Doe <jane@example.com>\n"
        "Subject: Thank you — Data analyst, Acme Corp\n"
        "\n"
        "Dear Jane,\n"
        "\n"
        "Thank you for taking the time to meet with me on Friday about the Data analyst role. "
        "I enjoyed our conversation, and it left me even more interested in joining Acme Corp.\n"
        "\n"
        "I believe I would be a strong fit: I cut onboarding time in half at my last team.\n"
        "\n"
        "You mentioned sailing and shorter onboarding, so I thought you might find this useful: "
        "a guide to onboarding analysts: https://example.com/onboarding\n"
        "\n"
        "If it would help to talk again, or if there is anything more I can send, I would be "
        "glad to. I look forward to hearing from you.\n"
        "\n"
        "Best regards,\n"
        "Alex Morgan\n"
        "Data analyst\n"
    )


def test_follow_up_note_brings_the_gift_and_does_not_thank_again() -> None:
    text = render(due(Kind.FOLLOW_UP, last_contact=dt.date(2026, 11, 9)))
    assert text == (
        "To: Jane Doe <jane@example.com>\n"
        "Subject: Something you might find useful — Data analyst\n"
        "\n"
        "Hi Jane,\n"
        "\n"
        "You mentioned sailing and shorter onboarding, and I came across this: "
        "a guide to onboarding analysts: https://example.com/onboarding\n"
        "\n"
        "I remain very interested in the Data analyst role at Acme Corp, and I would be glad "
        "to talk again whenever it suits you.\n"
        "\n"
        "Best,\n"
        "Alex Morgan\n"
        "Data analyst\n"
    )
    assert "thank" not in text.casefold()


def test_without_a_gift_the_draft_holds_a_visible_placeholder_naming_the_interests() -> None:
    text = render(due(Kind.FOLLOW_UP, gift=""))
    assert (
        "[ADD A GIFT: an article, a contact or a tip for Jane, tied to what they cared about: "
        "sailing and shorter onboarding]" in text
    )
    no_interests = render(due(gift="", interests=""))
    assert "[ADD A GIFT:" in no_interests
    assert "Interests column" in no_interests


def test_a_draft_without_email_or_position_still_renders() -> None:
    text = render(due(email="", position="", why_fit=""))
    assert text.startswith("To: Jane Doe\nSubject: Thank you, Acme Corp\n")
    assert "[One sentence on why you fit" in text
    assert all("  " not in line for line in text.splitlines())


def test_cell_content_is_never_evaluated_as_a_template() -> None:
    text = render(due(gift="{{ 7 * 7 }} {% raw %}", interests="{{ config }}"))
    assert "{{ 7 * 7 }} {% raw %}" in text
    assert "49" not in text


def test_a_users_template_overrides_the_default(tmp_path: Path) -> None:
    (tmp_path / "thank_you.j2").write_text("Subject: Hi {{ first_name }}\n\nShort one.\n")
    assert (
        render(due(), tmp_path)
        == "To: Jane Doe <jane@example.com>\nSubject: Hi Jane\n\nShort one.\n"
    )
    # A kind the user has no template for falls back to the default.
    assert "Hi Jane," in render(due(Kind.FOLLOW_UP), tmp_path)


def test_a_misspelled_variable_names_the_template_line_and_the_variables(tmp_path: Path) -> None:
    (tmp_path / "thank_you.j2").write_text("Subject: x\n\nDear {{ frist_name }},\n")
    with pytest.raises(TemplateError) as raised:
        render(due(), tmp_path)
    message = str(raised.value)
    assert "thank_you.j2, line 3" in message
    assert "'frist_name' is undefined" in message
    assert "first_name" in message


def test_a_template_syntax_error_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "follow_up.j2").write_text("Subject: x\n\n{% if gift %}\nno end\n")
    with pytest.raises(TemplateError, match=r"follow_up.j2, line \d"):
        render(due(Kind.FOLLOW_UP), tmp_path)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Jane Doe", "Jane"),
        ("Dr. Priya Raman", "Priya"),
        ("Raman, Priya", "Priya"),
        ("Prof Ng", "Prof Ng"),  # a surname alone is greeted with its title
        ("R. Gutierrez", "R. Gutierrez"),  # an initial is no name to greet with
        ("Madonna", "Madonna"),
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert first_name(name) == first


@pytest.mark.parametrize(
    ("day", "said"),
    [
        (TODAY, "today"),
        (dt.date(2026, 11, 22), "yesterday"),
        (dt.date(2026, 11, 19), "on Thursday"),
        (dt.date(2026, 11, 2), "on 2 November"),
        (dt.date(2025, 12, 30), "on 30 December 2025"),
    ],
)
def test_describe_day(day: dt.date, said: str) -> None:
    assert describe_day(day, TODAY) == said


@pytest.mark.parametrize(
    ("company", "contact"),
    [
        ("../../etc", "passwd"),
        ("C:\\Windows", "CON"),
        ("NUL", "aux"),
        ("a" * 300, "b" * 300),
        ("Tomás & Sons", "Zoë O'Connor"),
        ("", ""),
        ("王氏集团", "王芳"),
        (".hidden", "/abs"),
    ],
)
def test_draft_names_are_safe_whatever_the_cells_hold(company: str, contact: str) -> None:
    names = {r: s + ".md" for r, s in draft_stems([due(company=company, contact=contact)]).items()}
    name = names[(5, 0)]
    assert "/" not in name and "\\" not in name and ":" not in name
    assert not name.startswith(".")
    assert len(name) <= 120
    assert name.endswith("-thank-you.md")
    assert name.split(".")[0].split("-")[0].upper() not in {"CON", "NUL", "AUX", "PRN"} or (
        name.count("-") >= 2
    )


def test_draft_names_say_company_contact_and_kind_and_never_clash() -> None:
    stems = draft_stems(
        [
            due(company="Tomás & Sons", contact="Zoë O'Connor"),
            due(Kind.FOLLOW_UP, row=6, company="Acme", contact="Jane Doe"),
            due(Kind.FOLLOW_UP, row=7, company="ACME", contact="jane doe"),
        ]
    )
    names = {row: stem + ".md" for (row, _), stem in stems.items()}
    assert names == {
        5: "tomas-sons-zoe-o-connor-thank-you.md",
        6: "acme-jane-doe-follow-up.md",
        7: "acme-jane-doe-follow-up-row7.md",
    }


def test_rerunning_rewrites_the_tools_drafts_but_keeps_the_users_edits(tmp_path: Path) -> None:
    folder = tmp_path / "drafts" / "2026-11-23"
    first = [due(), due(Kind.FOLLOW_UP, row=6, contact="Bob Stone")]
    results = write_drafts(plan_drafts(first, folder, SETTINGS, TODAY), folder)
    assert [r.action for r in results] == ["written", "written"]
    jane, bob = (r.path for r in results)

    edited = jane.read_text(encoding="utf-8").replace("Dear Jane", "Dear Janet")
    jane.write_text(edited, encoding="utf-8")
    changed_gift = [
        due(gift="a new article"),
        due(Kind.FOLLOW_UP, row=6, contact="Bob Stone", gift="a new article"),
    ]
    results = write_drafts(plan_drafts(changed_gift, folder, SETTINGS, TODAY), folder)
    assert [r.action for r in results] == ["kept", "rewritten"]
    assert jane.read_text(encoding="utf-8") == edited
    assert "a new article" in bob.read_text(encoding="utf-8")

    again = write_drafts(plan_drafts(changed_gift, folder, SETTINGS, TODAY), folder)
    assert [r.action for r in again] == ["kept", "unchanged"]
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "acme-corp-bob-stone-follow-up.md",
        "acme-corp-jane-doe-thank-you.md",
    ]


def test_a_draft_the_tool_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-23"
    folder.mkdir()
    (folder / "acme-corp-jane-doe-thank-you.md").write_text("my own words", encoding="utf-8")
    [result] = write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY), folder)
    assert result.action == "kept"
    assert result.path.read_text(encoding="utf-8") == "my own words"


@pytest.mark.parametrize(
    ("cell", "sentence"),
    [
        ("cut costs 12% at my last job", "Cut costs 12% at my last job."),
        ("Done!", "Done!"),
        ("", ""),
    ],
)
def test_a_fragment_becomes_a_sentence(cell: str, sentence: str) -> None:
    from sheet_followup.wording import as_sentence

    assert as_sentence(cell) == sentence


@pytest.mark.parametrize(
    ("text", "lowered"),
    [("Late deliveries", "late deliveries"), ("AWS costs", "AWS costs"), ("I", "I")],
)
def test_lower_first_keeps_acronyms(text: str, lowered: str) -> None:
    from sheet_followup.wording import lower_first

    assert lower_first(text) == lowered


@pytest.mark.parametrize(
    ("why", "said"),
    [
        ("onboarding", "onboarding"),
        ("Late deliveries in winter", "late deliveries in winter"),
        ("AWS costs", "AWS costs"),
        ("she worries about onboarding", "that you worry about onboarding"),
        ("he loves his sailing boat", "that you love your sailing boat"),
        ("said their onboarding takes 90 days.", "that their onboarding takes 90 days"),
        ("She mentioned that the team is hiring", "that the team is hiring"),
        ("wants to cut churn", "that you want to cut churn"),
        ("they are moving to Rust", "that you are moving to Rust"),
        ("worried about vendor lock-in", "that you worried about vendor lock-in"),
    ],
)
def test_what_they_said_reads_naturally_after_you_mentioned(why: str, said: str) -> None:
    from sheet_followup.wording import mentioned

    assert mentioned(why) == said


def test_the_note_names_the_interest_the_gift_speaks_to_not_the_whole_list() -> None:
    from sheet_followup.gifts import interest_for

    interests = "training for the Lisbon marathon; worried about onboarding time for new analysts"
    gift = "Article: 'Cutting analyst onboarding from 90 days to 30'"
    assert interest_for(gift, interests) == "worried about onboarding time for new analysts"
    assert interest_for("A podcast", interests) == "training for the Lisbon marathon"
    assert interest_for("A podcast", "sailing, and shorter onboarding") == (
        "sailing, and shorter onboarding"
    )


def test_a_rerun_carries_an_edit_in_any_format_to_the_others(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-23"
    formats = ("md", "txt", "html")
    [first] = write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY, formats=formats), folder)
    assert first.action == "written"
    md, txt, page = first.files
    txt.write_text("my own words\n", encoding="utf-8")
    planned = plan_drafts([due(gift="a new article")], folder, SETTINGS, TODAY, formats=formats)
    results = write_files(folder, [file for draft in planned for file in draft.files])
    assert results == {md: "rewritten", txt: "kept", page: "rewritten"}
    assert txt.read_text(encoding="utf-8") == "my own words\n"
    # The user's words, not the tool's new gift, are in every format.
    assert md.read_text(encoding="utf-8").endswith("---\n\nmy own words\n")
    assert "a new article" not in page.read_text(encoding="utf-8")
    assert "my own words" in page.read_text(encoding="utf-8")
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_an_empty_draft_is_written_again_not_kept_as_an_edit(tmp_path: Path) -> None:
    # What a power cut can leave: the draft's name in place, its bytes never written.
    folder = tmp_path / "2026-11-23"
    [first] = write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY), folder)
    first.path.write_bytes(b"")
    [again] = write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY), folder)
    assert again.action == "written"
    assert "Jane" in first.path.read_text(encoding="utf-8")
    # A draft the user cut down to a line is theirs, though.
    first.path.write_text("Call her instead.\n", encoding="utf-8")
    [third] = write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY), folder)
    assert third.action == "kept"
    assert first.path.read_text(encoding="utf-8") == "Call her instead.\n"


def test_a_same_day_rerun_leaves_every_format_unchanged_the_email_draft_too(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "2026-11-23"
    formats = ("md", "txt", "eml", "html")
    followups = [due(), due(row=6, contact="Bob Stone", email="bob@example.com")]
    write_drafts(plan_drafts(followups, folder, SETTINGS, TODAY, formats=formats), folder)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    again = write_files(
        folder,
        [
            f
            for d in plan_drafts(followups, folder, SETTINGS, TODAY, formats=formats)
            for f in d.files
        ],
    )
    assert set(again.values()) == {"unchanged"} and len(again) == 8
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # Two notes, two boundaries: each is the message's own.
    boundaries = {
        next(line for line in p.read_text().splitlines() if "boundary=" in line)
        for p in folder.glob("*.eml")
    }
    assert len(boundaries) == 2


def test_a_file_made_piece_by_piece_is_kept_when_edited_and_left_alone_when_the_same(
    tmp_path: Path,
) -> None:
    index = tmp_path / "index.html"
    made: list[int] = []

    def pieces() -> Iterator[bytes]:
        made.append(1)
        yield b"<p>"
        yield b"x" * (3 << 20)  # larger than one write
        yield b"</p>"

    assert write_files(tmp_path, [(index, pieces)]) == {index: "written"}
    assert index.read_bytes() == b"<p>" + b"x" * (3 << 20) + b"</p>"
    assert write_files(tmp_path, [(index, pieces)]) == {index: "unchanged"}
    index.write_bytes(b"edited")
    made.clear()
    assert write_files(tmp_path, [(index, pieces)]) == {index: "kept"}
    assert made == []  # an edited file is not even made again
    assert index.read_bytes() == b"edited"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".sheet-followup.json", "index.html"]


def test_a_disk_that_fills_part_way_leaves_whole_drafts_the_next_run_still_owns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "2026-11-23"
    followups = [due(row=r, contact=f"Person {r}") for r in range(5, 10)]
    real_write = os.write
    calls = 0

    def fills_up(handle: int, data: bytes) -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", fills_up)
    with pytest.raises(SheetFollowupError, match="No space left on device"):
        write_drafts(plan_drafts(followups, folder, SETTINGS, TODAY), folder)
    monkeypatch.setattr(os, "write", real_write)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        ".sheet-followup-notes.json",
        ".sheet-followup.json",
        "acme-corp-person-5-thank-you.md",
        "acme-corp-person-6-thank-you.md",
    ]  # whole files only: the third was never renamed into place
    results = write_drafts(plan_drafts(followups, folder, SETTINGS, TODAY), folder)
    assert [r.action for r in results] == [
        "unchanged",
        "unchanged",
        "written",
        "written",
        "written",
    ]


def test_the_planned_files_still_give_each_formats_bytes(tmp_path: Path) -> None:
    [draft] = plan_drafts([due()], tmp_path, SETTINGS, TODAY, formats=("md", "txt"))
    assert [path.name for path, _ in draft.files] == [
        "acme-corp-jane-doe-thank-you.md",
        "acme-corp-jane-doe-thank-you.txt",
    ]
    assert draft.files[1][1].startswith(b"To: Jane Doe <jane@example.com>\nSubject: Thank you")
    assert not tmp_path.exists() or not list(tmp_path.iterdir())  # planning writes nothing


def test_a_folder_where_a_draft_should_be_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "2026-11-23"
    (folder / "acme-corp-jane-doe-thank-you.md").mkdir(parents=True)
    with pytest.raises(SheetFollowupError, match=r"acme-corp-jane-doe-thank-you\.md"):
        write_drafts(plan_drafts([due()], folder, SETTINGS, TODAY), folder)


@given(st.dictionaries(st.text(), st.text(alphabet="0123456789abcdef")))
def test_the_manifest_is_written_as_indented_json(manifest: dict[str, str]) -> None:
    assert _manifest_text(manifest) == json.dumps(manifest, indent=1, sort_keys=True)


def test_an_edited_template_is_used_at_once_despite_the_compiled_template_cache(
    tmp_path: Path,
) -> None:
    template = tmp_path / "thank_you.j2"
    template.write_text("Subject: One\n\nFirst words.\n", encoding="utf-8")
    assert render(due(), tmp_path).endswith("First words.\n")
    template.write_text("Subject: Two\n\nSecond words.\n", encoding="utf-8")
    assert render(due(), tmp_path).endswith("Second words.\n")


def test_a_damaged_compiled_template_cache_is_compiled_again(tmp_path: Path) -> None:
    env = make_environment(None)
    cache = env.bytecode_cache
    if cache is None:
        pytest.skip("no private temporary folder for the cache here")
    render(due())  # fills the cache
    folder = Path(cache.directory)  # type: ignore[attr-defined]
    files = list(folder.glob("__jinja2_*.cache"))
    assert files
    saved = {path: path.read_bytes() for path in files}
    try:
        from jinja2.bccache import bc_magic

        for path in files:  # the right header, then no pickled checksum: pickle.load fails
            path.write_bytes(bc_magic + b"not a compiled template")
        assert "Dear Jane," in render(due())
    finally:
        for path, data in saved.items():
            path.write_bytes(data)
