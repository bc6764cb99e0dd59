"""`k2020proj package` resolves counties and municipalities the way planners name them."""
from __future__ import annotations

import pytest

from k2020proj.commands.package import select_regions
from k2020proj.errors import UsageError
from k2020proj.sources import open_source

TELEMARK = ["4001", "4003", "4005", "4010", "4012", "4014", "4016", "4018", "4020", "4022", "4024",
            "4026", "4028", "4030", "4032", "4034", "4036"]


@pytest.fixture(scope="module")
def history(ssb_data):
    return open_source(ssb_data).region_history()


@pytest.mark.parametrize("text", ["40", "08", "Telemark"])
def test_today_s_old_and_named_county_give_telemark_s_17_municipalities(history, text):
    chosen = select_regions(history, text, ())
    assert (chosen.county.code, chosen.county.name) == ("40", "Telemark")
    assert list(chosen.municipalities) == list(chosen.county.municipalities) == TELEMARK
    assert chosen.messages == (("08 Telemark is today's 40 Telemark",) if text == "08" else ())


def test_old_municipality_codes_and_names_become_today_s_and_say_so(history):
    """Only the municipalities asked for get pages; the whole county is projected."""
    chosen = select_regions(history, None, ("0805", "Skien,4005"))
    assert chosen.county.code == "40" and list(chosen.county.municipalities) == TELEMARK
    assert chosen.municipalities == ("4001", "4003", "4005")
    assert chosen.messages == ("0805 is today's 4001 Porsgrunn",)


@pytest.mark.parametrize("fylke, kommuner, message", [
    ("30", (), "several counties today"),
    (None, ("3201", "4001"), "several counties"),
    ("40", ("4001",), "either --fylke or --kommune"),
    (None, (), "either --fylke or --kommune"),
    ("99", (), "unknown county"),
])
def test_ambiguous_or_unknown_choices_are_one_line_usage_errors(history, fylke, kommuner, message):
    with pytest.raises(UsageError, match=message):
        select_regions(history, fylke, kommuner)


def test_the_command_reports_a_split_county_in_one_line_and_exits_2(ssb_data, tmp_path, capsys):
    from k2020proj.cli import main

    status = main(["package", "--fylke", "30", "--source", str(ssb_data), "--out", str(tmp_path / "p")])
    error = capsys.readouterr().err.strip()
    assert status == 2 and "\n" not in error
    assert error.startswith("k2020proj: error: county 30 Viken is several counties today")
    assert not (tmp_path / "p").exists()
