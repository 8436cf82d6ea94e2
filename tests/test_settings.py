from sheet_followup.dates import DateOrder
from sheet_followup.settings import (
    DEFAULT_CLOSED_STAGES,
    SettingRow,
    Settings,
    build_settings,
    settings_from_rows,
    settings_rows_from_cells,
)


def rows(*pairs: tuple[str, object]) -> list[SettingRow]:
    return [SettingRow(k, v, f"Settings!B{i}") for i, (k, v) in enumerate(pairs, start=2)]


def test_defaults() -> None:
    settings = Settings()
    assert settings.every_days == 14
    assert settings.skip_weekends is True
    assert settings.date_order is None  # worked out from each column's dates
    assert settings.closed_stages == ()  # the built-in stage words only
    assert all(settings.is_closed(stage) for stage in DEFAULT_CLOSED_STAGES)


def test_the_settings_sheet_sets_every_key() -> None:
    values, problems = settings_from_rows(
        rows(
            ("Setting", "Value"),
            ("Your name", "Alex Morgan"),
            ("Your email", "alex@example.com"),
            ("Signature", "Alex\nAnalyst"),
            ("Follow up every (days)", 10.0),
            ("Closed stages", "Hired; Ghosted, Rejected"),
            ("Skip weekends", "no"),
            ("Date order", "dmy"),
        )
    )
    assert problems == []
    settings = build_settings(values, {})
    assert settings == Settings(
        sender_name="Alex Morgan",
        sender_email="alex@example.com",
        signature="Alex\nAnalyst",
        every_days=10,
        closed_stages=("Hired", "Ghosted", "Rejected"),
        skip_weekends=False,
        date_order=DateOrder.DMY,
    )


def test_the_command_line_overrides_the_sheet() -> None:
    values, _ = settings_from_rows(rows(("Follow up every", 10), ("Your name", "Alex")))
    settings = build_settings(values, {"every_days": 21, "sender_name": None})
    assert (settings.every_days, settings.sender_name) == (21, "Alex")


def test_unknown_settings_and_bad_values_are_reported_not_ignored() -> None:
    values, problems = settings_from_rows(
        rows(("Colour", "blue"), ("Follow up every (days)", "fortnightly"), ("A note", None))
    )
    assert values == {}
    assert problems[0].startswith("Settings!B2: unknown setting 'Colour' (known settings: ")
    assert problems[1] == (
        "Settings!B3: Follow up every (days): 'fortnightly' is not a number of days; "
        "using the default"
    )
    assert len(problems) == 2


def test_setting_rows_take_the_first_filled_cell_and_the_one_beside_it() -> None:
    found = settings_rows_from_cells("Settings", [[None, "Your name", "Alex", "a note"], [], [7]])
    assert found == [SettingRow("Your name", "Alex", "Settings!C1")]


def test_holidays_and_the_panel_setting() -> None:
    values, problems = settings_from_rows(
        rows(("Holidays", "de-by"), ("Close the whole panel", "no"), ("Public holidays", "XX"))
    )
    settings = build_settings(values, {})
    assert (settings.holidays, settings.close_panel) == ("DE-BY", False)
    assert len(problems) == 1 and "'XX' names no holiday calendar" in problems[0]
