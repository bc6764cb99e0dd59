"""`k2020proj project` prints a readable projection per occupation, writes CSV/XLSX/JSON and a
chart, accepts old codes, names and counties, refuses anything else in one line, and works
against the live API (the replay server with synthetic tables for what is not recorded)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from openpyxl import load_workbook

from k2020proj.cli import main
from k2020proj.models import OCCUPATIONS
from k2020proj.outputs import labels
from k2020proj.outputs.formats import read_csv
from k2020proj.sources import RecordedSource
from k2020proj.ssb.jsonstat import read_jsonstat
from k2020proj.ssb.live import occupation_weights
from k2020proj.ssb.selection import Variable
from k2020proj.testing.synthetic_ssb import fte_document, projection_document, served_table, synthetic_replay

FTE_YEARS = list(range(2015, 2022))


@pytest.fixture(scope="module")
def recorded(ssb_data) -> RecordedSource:
    return RecordedSource(ssb_data)


@pytest.fixture
def one_source(recorded, monkeypatch):
    """The command reads one already-opened recorded source (saves re-reading files per test)."""
    monkeypatch.setattr("k2020proj.pipeline.run.open_source", lambda *args, **kwargs: recorded)
    return recorded


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["project", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the table ------------------------------------------------------------------------------------
def test_kommune_3024_from_the_recorded_data_is_today_s_baerum_with_every_figure(ssb_data, monkeypatch, capsys):
    monkeypatch.setenv("K2020PROJ_SOURCE", str(ssb_data))
    code, out, err = run(capsys, "--kommune", "3024")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "3024 Bærum er i dag 3201 Bærum (2024-struktur)."
    assert "scenario referanse (SSB-alternativ MMMM)" in lines[1] and "k2020proj 0.1.0" in lines[2]
    header = next(i for i, line in enumerate(lines) if line.startswith("Sykepleier (spl) – 3201 Bærum"))
    assert lines[header + 1].split() == ["2025", "2030", "2035", "2050"]
    assert lines[header + 2].split()[-4] == "575"          # base-year FTEs: the recorded 2025 nurse FTEs
    for variable in ("supply_fte", "demand_fte", "gap_fte", "recruitment_need_fte", "gap_persons",
                     "recruitment_need_persons"):
        assert any(line.startswith(labels.variable(variable, "no")) for line in lines[header:header + 10])
    assert "ikke SSBs framskriving for kommunen" in out and "Tabeller: 07459" in out
    assert "Kilde: Statistisk sentralbyrå (tabell 04686, 07459, 11645, 11924, 12292, 14534, 14746)" in out
    assert "Datagrunnlag: 14746 (2026), alternativ MMMM; basisår 2025." in out


def test_english_labels_and_names_and_counties_are_accepted(one_source, capsys):
    code, out, _ = run(capsys, "--kommune", "Bærum", "--lang", "en", "--horizon", "2040")
    assert code == 0 and "Registered nurse (spl) – 3201 Bærum" in out and "is today's" not in out
    lines = out.splitlines()
    assert lines[lines.index("Registered nurse (spl) – 3201 Bærum") + 1].split() == ["2025", "2030", "2035", "2040"]
    code, out, _ = run(capsys, "--fylke", "08")
    assert code == 0 and out.startswith("08 Telemark er i dag 40 Telemark") and "– 40 Telemark" in out
    code, out, _ = run(capsys, "--land", "--horizon", "2030")
    assert code == 0 and "Framskriving for Hele landet" in out and "– 0 Hele landet" in out


def test_draws_add_a_band_and_the_same_seed_gives_the_same_numbers(one_source, capsys):
    first = run(capsys, "--kommune", "4001", "--draws", "30", "--seed", "7", "--horizon", "2035")
    second = run(capsys, "--kommune", "4001", "--draws", "30", "--seed", "7", "--horizon", "2035")
    assert first[0] == 0 and first[1] == second[1]
    assert "80 % intervall" in first[1] and "for 1 av 1 kommuner" in first[1]


@pytest.mark.parametrize("args, message", [
    (["--kommune", "4999"], "unknown municipality code '4999'"),
    (["--kommune", "1850"], "Tysfjord (1869–2019) was split between 1806 Narvik"),
    (["--kommune", "9999"], "is not a municipality"),
    (["--fylke", "30"], "county 30 Viken is several counties today"),
    (["--kommune", "3201", "--base-year", "2014"], "base year 2014"),
    (["--kommune", "3201", "--horizon", "2060"], "horizon 2060 is beyond projection 14746's last year 2050"),
    (["--kommune", "3201", "--occupation", "nurse"], "unknown occupation 'nurse'"),
    (["--kommune", "3201", "--occupation", "hfa"], "occupation hfa is not in the data"),
    (["--kommune", "3201", "--alternative", "MMML"], "no alternative 'MMML'"),
    (["--kommune", "3201", "--fylke", "32"], "exactly one of --kommune, --fylke or --land"),
    ([], "exactly one of --kommune, --fylke or --land"),
])
def test_bad_input_is_one_line_and_a_non_zero_exit(one_source, capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and err.startswith("k2020proj: error: ") and message in err


def test_offline_without_a_cache_says_what_is_missing_in_one_line(capsys):
    code, out, err = run(capsys, "--kommune", "3201", "--offline")
    assert code == 4 and out == "" and err.count("\n") == 1 and "run without --offline" in err


def test_a_bad_scenario_file_is_one_line_naming_the_key(one_source, capsys, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[levers]\nfulltime = 5\n', encoding="utf-8")
    code, out, err = run(capsys, "--kommune", "3201", "--scenario", str(bad))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "levers.fulltime = 5 is outside the allowed range [-1, 1]" in err


# -- files and the chart --------------------------------------------------------------------------------
def test_csv_in_both_dialects_holds_the_tidy_results_with_codes_as_text(one_source, capsys, tmp_path):
    code, out, _ = run(capsys, "--kommune", "3024", "--format", "csv", "--out", str(tmp_path), "--horizon", "2035")
    assert code == 0 and "k2020proj-kommune-3201.csv" in out
    frame = read_csv(tmp_path / "k2020proj-kommune-3201.csv", "no")
    assert set(frame["region"]) == {"3201"} and set(frame["level"]) == {"kommune"}
    assert not frame["synthetic"].any() and frame["year"].max() == 2035
    provenance = json.loads((tmp_path / "k2020proj-kommune-3201.provenance.json").read_text(encoding="utf-8"))
    assert provenance["area"]["given"] == {"code": "3024", "name": "Bærum"}
    assert provenance["provenance"]["population_method"] == {"3201": "national"}
    assert provenance["scenarios"][0]["name"] == "referanse" and provenance["scenarios"][0]["sha256"]
    run(capsys, "--kommune", "3201", "--format", "csv", "--out", str(tmp_path / "en"), "--lang", "en",
        "--horizon", "2035")
    english = read_csv(tmp_path / "en" / "k2020proj-kommune-3201.csv", "en")
    assert np.allclose(english["value"], frame["value"])


def test_xlsx_has_a_summary_and_an_all_figures_sheet_with_the_source_line(one_source, capsys, tmp_path):
    code, _, _ = run(capsys, "--fylke", "40", "--format", "xlsx", "--out", str(tmp_path), "--horizon", "2035")
    assert code == 0
    book = load_workbook(tmp_path / "k2020proj-fylke-40.xlsx")
    assert book.sheetnames == ["Sammendrag", "Alle tall"]
    texts = [str(row[0]) for row in book["Sammendrag"].iter_rows(values_only=True) if row[0]]
    assert any(t.startswith("Kilde: Statistisk sentralbyrå") for t in texts)
    assert any(t.startswith("Framskriving for 40 Telemark") for t in texts)


def test_json_on_stdout_and_in_a_file_carries_summary_results_and_provenance(one_source, capsys, tmp_path):
    code, out, _ = run(capsys, "--kommune", "3024", "--format", "json", "--horizon", "2035", "--lang", "en")
    doc = json.loads(out)
    assert code == 0 and doc["area"]["code"] == "3201" and doc["synthetic"] is False
    assert {row["year"] for row in doc["summary"]} == {2025, 2030, 2035}
    assert any("Hamilton–Perry" in note for note in doc["notes"])
    assert doc["source_line"].startswith("Source: Statistics Norway")
    run(capsys, "--kommune", "3024", "--format", "json", "--horizon", "2035", "--out", str(tmp_path))
    saved = json.loads((tmp_path / "k2020proj-kommune-3201.json").read_text(encoding="utf-8"))
    assert saved["results"] == doc["results"]


def test_plot_draws_supply_against_demand_to_a_png(one_source, capsys, tmp_path):
    target = tmp_path / "chart.png"
    code, out, _ = run(capsys, "--kommune", "4001", "--draws", "20", "--plot", str(target), "--horizon", "2035")
    assert code == 0 and str(target) in out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# -- the live path, synthetic where nothing is recorded ---------------------------------------------------
@pytest.fixture(scope="module")
def synthetic_documents(recorded):
    """14534 for every group 2015–2021 in each year's codes (sizes from the recorded 07459), and a
    single-year 13600 for Bærum (3024) and the country starting from their recorded 2021 population."""
    history = recorded.region_history()
    people = recorded.population(FTE_YEARS).sum("sex").sum("age")
    size = {c.removeprefix("K-"): float(np.nanmax(v)) for c, v in zip(people.codes["region"], people.values)
            if np.isfinite(v).any()}
    codes = sorted(c for c, r in history.records.items()
                   if history.is_municipal(c) and any(r.valid_in(y) for y in FTE_YEARS))
    lineage = {c: min(history.targets(c)) for c in codes if history.targets(c)}
    fte = fte_document({c: history.records[c].name for c in codes}, FTE_YEARS, size=size,
                       valid=history.valid_in, lineage=lineage)
    base = recorded.population([2021]).sel(year="2021")
    national = np.nansum(base.values, axis=0)
    projection = projection_document({"3024": "Bærum", "0": "Hele landet"}, range(2022, 2051), table="13600",
                                     base={"3024": base.sel(region="K-3024").values, "0": national})
    return fte, projection


def test_synthetic_tables_are_shaped_like_ssb_s_and_say_they_are_synthetic(synthetic_documents):
    fte, projection = (read_jsonstat(doc) for doc in synthetic_documents)
    assert fte.dims == ("KOKkommuneregion0000", "KOKstillingkode0000", "KOKutdanningoms0000", "ContentsCode", "Tid")
    assert projection.dims == ("Region", "Kjonn", "Alder", "ContentsCode", "Tid")
    assert projection.codes["ContentsCode"] == ("Personer", "Personer1", "Personer2")
    assert len(projection.codes["Alder"]) == 106 and projection.codes["Alder"][-1] == "105+"
    for cube, doc in zip((fte, projection), synthetic_documents):
        assert cube.meta["synthetic"] is True and "SYNTETISKE DATA" in cube.meta["title"]
        assert "ikke" in doc["note"][0] and "Statistisk sentralbyrå" not in doc["source"].split(",")[0][:22]
    total = fte.sel(KOKutdanningoms0000="00").values
    parts = fte.sel(KOKutdanningoms0000=list(fte.codes["KOKutdanningoms0000"][1:])).values.sum(axis=2)
    assert np.allclose(total, parts, equal_nan=True)
    assert np.isnan(fte.sel(KOKkommuneregion0000="3024", Tid="2019").values).all()   # not in use before 2020
    assert synthetic_documents[1] == projection_document({"3024": "Bærum", "0": "Hele landet"}, range(2022, 2051),
                                                         table="13600", base={
        "3024": projection.sel(Region="3024", ContentsCode="Personer", Tid="2022").values,
        "0": projection.sel(Region="0", ContentsCode="Personer", Tid="2022").values})
    assert served_table(synthetic_documents[0]).elimination["KOKutdanningoms0000"] is True


@pytest.mark.parametrize("table, dim", [("14534", "KOKutdanningoms0000"), ("11924", "KOKkyrk200000")])
def test_both_fte_tables_name_every_group_the_way_the_live_source_reads_them(table, dim):
    """Every MODEL.md group is found in the education labels; 11924's four nurse categories
    all count as nurses; the total category is left out, as SSB's own is."""
    cube = read_jsonstat(fte_document({"3201": "Bærum"}, [2024], table=table, seed=1))
    variable = Variable(dim, "utdanning", cube.codes[dim], cube.labels[dim])
    weights, occupations, left_out = occupation_weights(variable)
    assert sorted(occupations) == sorted(OCCUPATIONS) and left_out == [cube.codes[dim][0]]
    nurses = [code for code, row in zip(cube.codes[dim], weights) if row[occupations.index("spl")]]
    assert nurses == (["01"] if table == "14534" else ["KF01", "KF02", "KF03", "KF04"])


def test_live_kommune_3024_projects_every_group_and_labels_the_synthetic_tables(ssb_data, synthetic_documents,
                                                                                monkeypatch, capsys):
    with synthetic_replay(ssb_data, synthetic_documents) as server:
        monkeypatch.setenv("K2020PROJ_API", server.url_v2)
        monkeypatch.setenv("K2020PROJ_API_V1", server.url_v1)
        monkeypatch.setenv("K2020PROJ_KLASS", server.url_klass)
        monkeypatch.setenv("K2020PROJ_TIMEOUT", "5")
        code, out, err = run(capsys, "--kommune", "3024", "--horizon", "2035")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == labels.text("synthetic_warning", "no") and lines[1].startswith("3024 Bærum er i dag 3201")
    for occupation in OCCUPATIONS:
        assert f"{labels.occupation(occupation, 'no')} ({occupation}) – 3201 Bærum" in out
    assert "Syntetiske data, ikke tall fra SSB: 14534, 13600." in out
    assert "ltc: ingen kommune har alle aldersgrupper" in out          # the replayed 11645 has 67–79 only
    assert "den syntetiske framskriving 13600 (2022)" in out and "basisår 2021" in out
    source_line = next(line for line in lines if line.startswith("Kilde:"))
    assert "14534" not in source_line and "13600" not in source_line and "07459" in source_line
