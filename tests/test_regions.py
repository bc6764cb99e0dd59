"""Municipality codes 1994–2024: every code resolves, chains and splits are right, lookups fail clearly.

Built from the real recorded classifications in ``shared/ssb-data/klass`` (SSB's
``agg_KommSummer`` grouping and FHI's location table) with split shares from the
recorded 07459 population.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from k2020proj.cli import main
from k2020proj.errors import UsageError
from k2020proj.regions import COUNTY_TABLE, build_history, fold
from k2020proj.sources import AGG_XLSX, LOCATIONS, RecordedSource
from k2020proj.ssb import klass
from k2020proj.ssb.klass import AggMember, CodeChange, CodeRecord


@pytest.fixture(scope="module")
def history(ssb_data):
    return RecordedSource(ssb_data).region_history()


@pytest.fixture(scope="module")
def agg_rows(ssb_data) -> pd.DataFrame:
    return pd.read_excel(ssb_data / AGG_XLSX, dtype=str)


def test_every_code_of_the_grouping_resolves_with_its_name(history, agg_rows):
    """All 862 KODE of agg_KommSummer 1994–2024 resolve, named as SSB labels them."""
    assert len(agg_rows) == 862
    for code, label in zip(agg_rows["KODE"], agg_rows["TEKST"]):
        found = history.resolve(code)
        assert found.code == code
        assert label.startswith(found.name)


def test_every_municipal_code_reaches_the_2024_structure_except_unknown(history, agg_rows):
    """Every municipal code maps to 2024 municipalities with weights summing to 1; only
    Svalbard, the shelf and 'unknown' (9999) have no place there."""
    structure = set(history.municipalities(2024))
    for code in agg_rows["KODE"]:
        targets = history.targets(code)
        if history.is_municipal(code):
            assert targets and set(targets) <= structure, code
            assert sum(targets.values()) == pytest.approx(1.0)
        else:
            assert targets == {}, code


def test_structure_sizes_match_the_reforms(history):
    """422 municipalities in 2019, 356 after the 2020 reform, 357 after the 2024 split."""
    assert len(history.municipalities(2019)) == 422
    assert len(history.municipalities(2020)) == 356
    assert len(history.municipalities(2024)) == 357
    assert history.end_year == 2024


def test_baerum_3024_is_2020_to_2023_now_3201_formerly_0219(history):
    found = history.resolve("3024")
    assert (found.name, found.valid_from, found.valid_to) == ("Bærum", 2020, 2023)
    assert found.successors == (("3201", "Bærum", 1.0),)
    assert [c for c, *_ in found.formerly] == ["0219"]
    assert [c for c, *_ in found.chain] == ["0219", "3024", "3201"]
    assert (found.county, found.county_name) == ("30", "Viken")
    assert history.resolve("K-3024") == found


def test_holmestrand_chain_0702_0715_3802_3903(history):
    chain = [c for c, *_ in history.resolve("0702").chain]
    assert chain == ["0702", "0715", "3802", "3903"]
    assert history.mapping()["0702"].method == "merge"  # with Hof 0714 in 2018


def test_asker_merges_0220_0627_0628_into_3203(history):
    mapping = history.mapping()
    for code in ("0220", "0627", "0628"):
        assert mapping[code].targets == {"3203": 1.0}
        assert mapping[code].method == "merge"
    assert mapping["3025"].method == "recode"
    assert {c for c, *_ in history.resolve("3203").formerly} == {"0220", "0627", "0628", "3025"}


def test_tysfjord_split_between_narvik_and_hamaroy_by_population(history):
    """1850 went to 1806 Narvik and 1875 Hamarøy; shares from population sum to one."""
    shares = history.targets("1850")
    assert set(shares) == {"1806", "1875"}
    assert sum(shares.values()) == pytest.approx(1.0)
    assert all(0.2 < s < 0.8 for s in shares.values())
    assert history.mapping()["1850"].method == "split"
    assert "population" in history.basis("1850")
    assert history.split_years() == [2019, 2020]
    assert set(history.targets("1613")) == {"5055", "5056", "5059"}  # Snillfjord, via 5012


def test_haram_follows_statbank_grouping_not_the_2020_merger(history):
    """Haram 1534 was inside Ålesund 1507 in 2020–2023 but SSB groups it into 1580 Haram."""
    assert history.targets("1534") == {"1580": 1.0}
    assert history.targets("1507") == {"1508": 1.0}
    assert history.resolve("1580").valid_from == 2024


def test_names_resolve_case_and_diacritics_insensitively(history):
    for text in ("Bærum", "BÆRUM", "baerum", " bærum "):
        assert history.resolve(text).code == "3201"
    assert history.resolve("Tysfjord").code == "1850"  # one part of "Divtasvuodna - Tysfjord"
    assert history.resolve("Hof").code == "0714"  # only a historical code carries it
    assert fold("Ålesund Øst") == "alesund ost"


def test_ambiguous_name_and_unknown_code_are_usage_errors_with_matches(history):
    with pytest.raises(UsageError, match=r"ambiguous.*3114 Våler \(Østfold\).*3419"):
        history.resolve("Våler")
    with pytest.raises(UsageError, match=r"unknown municipality code '3299' \(close matches: .*3209 Ullensaker"):
        history.resolve("3299")
    with pytest.raises(UsageError, match="close matches: 3201 Bærum"):
        history.resolve("Berum")


def test_code_for_name_picks_the_code_of_the_year_and_counties(history):
    """Projection files label regions by name: the code is read in the vintage's year."""
    assert history.code_for_name("Porsgrunn", 2016) == "0805"
    assert history.code_for_name("Porsgrunn", 2022) == "3806"
    assert history.code_for_name("Porsgrunn", 2026) == "4001"
    assert history.code_for_name("Telemark", 2005) == "08"
    assert history.code_for_name("Telemark", 2026) == "40"
    assert history.code_for_name("Vestfold og Telemark", 2020) == "38"
    assert history.code_for_name("Hele landet", 2020) == "0"


def test_old_counties_resolve_to_todays(history):
    assert history.resolve_county("02").today == ("32",)
    assert history.resolve_county("Viken").today == ("31", "32", "33")
    assert history.resolve_county("01").today == ("31", "32")  # Rømskog went to Aurskog-Høland
    assert len(history.county_municipalities("40")) == 17
    assert "3201" in history.county_municipalities("02")
    with pytest.raises(UsageError, match="unknown county"):
        history.resolve_county("Atlantis")


def test_aggregation_matrix_puts_each_municipality_in_one_county(history):
    codes = history.municipalities(2024)
    matrix, counties = history.aggregation(codes)
    assert len(counties) == 15
    np.testing.assert_array_equal(matrix.sum(axis=1), np.ones(len(codes)))
    nation, _ = history.aggregation(codes, "nation")
    assert nation.shape == (357, 1)


def test_county_table_agrees_with_fhi_county_names(ssb_data):
    """The built-in KLASS 104 table names counties as FHI's recorded location table does."""
    frame = pd.read_excel(ssb_data / LOCATIONS, dtype=str)
    frame = frame[frame["county_code"].str.match(r"^county\d{2}$", na=False)]
    recorded = dict(zip(frame["county_code"].str[-2:], frame["county_name"]))
    table = {r.code: r.name for r in COUNTY_TABLE}
    assert len(recorded) >= 20
    def letters(text):
        return "".join(ch for ch in fold(text) if ch.isalpha())
    for code, name in recorded.items():
        assert letters(table[code]).startswith(letters(name)), code


def test_history_round_trips_through_klass_json_and_the_code_list(history):
    """KLASS codes/changes and the v2 code list written from the history rebuild it exactly,
    so a replay server can serve KLASS from the recorded grouping."""
    records = list(history.records.values())
    codes_doc = klass.klass_codes_document(records, 1800, 2024)
    changes = [CodeChange(old, new, history.records[old].valid_to + 1)
               for old, news in history.successors.items() for new in news]
    names = {c: r.name for c, r in history.records.items()}
    changes_doc = klass.klass_changes_document(changes, names, 1800, 2024)
    members = [AggMember(g, names.get(g, g), c, "") for c, g in history.groups.items()]
    json.dumps([codes_doc, changes_doc])  # JSON-ready
    rebuilt = build_history(klass.agg_from_codelist(klass.codelist_document(members)),
                            klass.records_from_klass(codes_doc), klass.changes_from_klass(changes_doc))
    assert rebuilt.records == history.records
    assert rebuilt.successors == history.successors
    plain = {c: m.targets for c, m in history.mapping().items() if m.method != "split"}
    assert {c: rebuilt.mapping()[c].targets for c in plain} == plain


def test_klass_end_dates_are_exclusive():
    doc = {"codes": [{"code": "0219", "name": "Bærum", "validFrom": "1838-01-01", "validTo": "2020-01-01"}]}
    assert klass.records_from_klass(doc) == [CodeRecord("0219", "Bærum", 1838, 2019)]


def test_split_shares_are_recovered_from_population():
    """A split with known parts: A (100 people) → X gets 30, Y 70; B (50) merges into X.
    The residual method finds 0.3 / 0.7 exactly when nobody moved."""
    members = [AggMember("Rest", "Rest", "0001", "A (-2019)"), AggMember("Rest", "Rest", "0002", "B (-2019)"),
               AggMember("0003", "X", "0003", "X"), AggMember("0004", "Y", "0004", "Y")]
    records = [CodeRecord("0003", "X", 2020, None), CodeRecord("0004", "Y", 2020, None)]
    changes = [CodeChange("0001", "0003", 2020), CodeChange("0001", "0004", 2020), CodeChange("0002", "0003", 2020)]
    history = build_history(members, records, changes)
    assert history.targets("0001") == {"0003": 0.5, "0004": 0.5}  # no population yet: equal, and said so
    assert history.basis("0001").startswith("equal")
    from k2020proj.cube import Cube
    values = np.array([[100.0, np.nan], [50.0, np.nan], [np.nan, 80.0], [np.nan, 70.0]])
    population = Cube(("region", "year"), {"region": ["0001", "0002", "K-0003", "K-0004"],
                                           "year": ["2019", "2020"]}, values)
    shares = history.with_population(population).targets("0001")
    assert shares["0003"] == pytest.approx(0.3) and shares["0004"] == pytest.approx(0.7)


# -- the kommune command ------------------------------------------------------------------
def test_kommune_prints_name_validity_successor_and_chain(ssb_data, capsys):
    assert main(["kommune", "3024", "--source", str(ssb_data)]) == 0
    out = capsys.readouterr().out
    assert "3024 Bærum (2020–2023), county 30 Viken" in out
    assert "now:      3201 Bærum (2024–), county 32 Akershus" in out
    assert "formerly: 0219 Bærum" in out
    assert "0219 Bærum (1838–2019) → 3024 Bærum (2020–2023) → 3201 Bærum (2024–)" in out


def test_kommune_json_and_names_and_counties(ssb_data, capsys, monkeypatch):
    monkeypatch.setenv("K2020PROJ_SOURCE", str(ssb_data))
    assert main(["kommune", "Tysfjord", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["code"] == "1850" and not record["current"]
    assert sum(s["share"] for s in record["successors"]) == pytest.approx(1.0)
    assert main(["kommune", "02", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["county"]["today"] == ["32"]
    assert main(["kommune", "Viken"]) == 0
    assert "31 Østfold, 32 Akershus, 33 Buskerud" in capsys.readouterr().out


def test_kommune_unknown_code_is_one_line_exit_2_with_matches(ssb_data, capsys):
    assert main(["kommune", "3299", "--source", str(ssb_data)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("k2020proj: error: unknown municipality code '3299'")
    assert "close matches" in lines[0]
