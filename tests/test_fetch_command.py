"""``k2020proj fetch`` and ``k2020proj tables``: what they print, where data land, one-line errors."""
from __future__ import annotations

import json

import pytest

from k2020proj import settings
from k2020proj.cli import main
from k2020proj.processed import read_processed


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command, options", [
    ("fetch", ["--set", "--kommune", "--region", "--years", "--vintage", "--alternative", "--lang",
               "--offline", "--refresh", "--source", "Examples"]),
    ("tables", ["--json"]),
])
def test_help_names_every_option(capsys, command, options):
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert all(option in out for option in options)


def test_tables_lists_what_each_table_is_for(capsys):
    code, out, _ = run(capsys, "tables")
    assert code == 0
    assert "07459" in out and "14534" in out and "11645" in out and "14288" in out
    assert "base-year FTEs" in out and "discontinued" in out


def test_tables_json_is_machine_readable(capsys):
    code, out, _ = run(capsys, "tables", "--json")
    rows = json.loads(out)
    assert code == 0 and {"id", "title", "years", "dims", "role"} <= set(rows[0])


def test_fetch_a_table_then_read_it_from_the_cache(replay, capsys):
    code, out, err = run(capsys, "fetch", "07459", "--region", "K-3201,K-0301", "--years", "2019..2021")
    assert code == 0 and err == ""
    assert "Region 2 × Kjonn 2 × Alder 106 × ContentsCode 1 × Tid 3 = 1 272 cells" in out
    assert "fetched" in out and replay.url_v2 in out
    assert list((settings.raw_dir() / "v2" / "07459").glob("data-*.no.json"))
    calls = len(replay.calls)
    code, out, _ = run(capsys, "fetch", "07459", "--region", "K-3201,K-0301", "--years", "2019..2021")
    assert code == 0 and "read" in out and "from the cache" in out and "fetched" not in out
    assert len(replay.calls) == calls


def test_offline_miss_is_one_line_naming_the_table(replay, capsys):
    code, out, err = run(capsys, "fetch", "07459", "--years", "2019", "--offline")
    assert code == 4
    assert err.count("\n") == 1 and "07459" in err and "offline" in err


def test_ssb_down_is_one_line_with_status_and_advice(replay, capsys):
    replay.inject("503", times=100)
    code, _, err = run(capsys, "fetch", "07459", "--years", "2019")
    assert code == 3 and err.count("\n") == 1
    assert "07459" in err and "HTTP 503" in err and "try again later" in err and "Traceback" not in err


@pytest.mark.parametrize("argv, words", [
    ([], "either a TABLE"),
    (["07459", "--set", "model"], "either a TABLE"),
    (["7459x"], "five digits"),
    (["07459", "--years", "2019..x"], "cannot read"),
    (["--set", "model"], "needs --years"),
    (["--set", "model", "--years", "2020", "--region", "0301"], "--region goes with a TABLE"),
    (["07459", "--kommune", "3024"], "--kommune goes with --set"),
    (["07459", "--offline", "--refresh"], "exclude each other"),
])
def test_bad_input_is_a_one_line_usage_error(capsys, argv, words):
    code, out, err = run(capsys, "fetch", *argv)
    assert code == 2 and words in err and err.count("\n") == 1


def test_unknown_kommune_suggests_close_matches(replay, capsys):
    code, _, err = run(capsys, "fetch", "--set", "model", "--kommune", "Bærumm", "--years", "2020")
    assert code == 2 and "Bærum" in err and err.count("\n") == 1


def test_model_set_from_the_replay_reports_each_dataset(replay, capsys):
    """2020–2021: everything but the FTEs is served (14534 was recorded for 2024–2025 only)."""
    code, out, err = run(capsys, "fetch", "--set", "model", "--kommune", "3024", "--years", "2020..2021")
    assert "kommune 3024: 3024 Bærum (2020–2023)" in out
    assert "ok       population (07459)" in out and "ok       projection 2020 MMMM (12882)" in out
    assert "missing  care FTEs" in out and "14534 has no 2020, 2021 (it has 2024–2025)" in out
    assert code == 4 and "1 of 5 datasets" in err and err.count("\n") == 1


def test_model_set_from_a_recorded_folder_is_complete(ssb_data, capsys):
    code, out, err = run(capsys, "fetch", "--set", "model", "--kommune", "3201", "--years", "2020,2021",
                         "--source", str(ssb_data))
    assert code == 0 and err == ""
    assert out.count("  ok  ") == 5 and f"recorded: {ssb_data}" in out


def test_model_set_keeps_each_harmonised_dataset_in_processed(ssb_data, capsys):
    """Every dataset lands in data/processed as JSON-stat with its mapping report, in the
    2024 structure: Bærum 3201's 2019 population is there under its new code although
    07459 recorded it as 0219 that year."""
    code, out, _ = run(capsys, "fetch", "--set", "model", "--years", "2019..2020", "--source", str(ssb_data))
    folder = settings.processed_dir()
    stems = sorted(p.name.removesuffix(".json") for p in folder.glob("*.json"))
    assert code == 0 and stems == ["care_users_2019-2020_s2024", "personnel_fte_2019-2020_s2024",
                                   "population_2019-2020_s2024", "population_groups_2019-2020_s2024",
                                   "projection_2020-MMMM_s2024"]
    assert all((folder / f"{stem}.mapping.csv").exists() for stem in stems)
    population = read_processed(folder / "population_2019-2020_s2024.json")
    assert len(population.codes["region"]) == 357 and population.meta["structure"] == "2024"
    assert population.sel(region="3201", year="2019").values.sum() > 120_000
    assert "0219" in (folder / "population_2019-2020_s2024.mapping.csv").read_text()


@pytest.mark.parametrize("argv, shape", [(["07459", "--years", "2021"], "year 1 "),
                                         (["12882"], "year 31 ")])
def test_table_from_a_recorded_folder(ssb_data, capsys, argv, shape):
    code, out, _ = run(capsys, "fetch", *argv, "--source", str(ssb_data))
    assert code == 0 and "read from recorded" in out and shape in out


def test_table_a_recorded_folder_lacks_is_a_usage_error(ssb_data, capsys):
    code, _, err = run(capsys, "fetch", "13470", "--source", str(ssb_data))
    assert code == 2 and "fetch it live" in err
