"""Harmonising to one municipality structure: sums are exact, splits reported, nothing dropped, gaps NaN.

The bars of issue 2 on the real 07459 exports 2005–2021 (``shared/ssb-data``), then the
rules on small synthetic cubes whose answers are known by hand.
"""
from __future__ import annotations

import time

import numpy as np
import pytest

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.harmonised import EACH_YEAR, harmonise, projection
from k2020proj.regions import build_history
from k2020proj.sources import POPULATION, RecordedSource
from k2020proj.ssb.klass import AggMember, CodeChange, CodeRecord
from k2020proj.ssb.statbank_csv import read_statbank_csv

#: Norway's population 1 January 2019 as SSB publishes it (SOURCES.md, issue 2)
NORWAY_2019 = 5_328_212
YEARS = range(2005, 2022)


@pytest.fixture(scope="module")
def source(ssb_data):
    return RecordedSource(ssb_data)


@pytest.fixture(scope="module")
def population(source):
    return source.population(YEARS)


@pytest.fixture(scope="module")
def harmonised(source, population):
    """The harmonised panel, and the best of three timings (the CPU is shared)."""
    history, seconds = source.region_history(), []
    for _ in range(3):
        started = time.perf_counter()
        cube, report = harmonise(population, history)
        seconds.append(time.perf_counter() - started)
    return cube, report, min(seconds)


def _raw_total(path, code: str) -> dict[str, float]:
    """Persons per year for one region, straight from a Statbank export."""
    cube = read_statbank_csv(path)
    cube = cube.sel(region=code)
    for dim in [d for d in cube.dims if d != "year"]:
        cube = cube.sum(dim)
    return dict(zip(cube.codes["year"], cube.values))


def test_baerum_3201_equals_its_predecessors_year_by_year(ssb_data, harmonised):
    """3201 Bærum 2005–2021 = 0219 (to 2019) and K-3024 (2020–2021), read from the raw exports."""
    cube, _, _ = harmonised
    got = cube.sel(region="3201", sex="0").sum("age")
    folder = ssb_data / POPULATION
    expected = {}
    for name in ("Personer2005-2009.csv", "Personer2010-2014.csv", "Personer2015-2018.csv", "Personer2019.csv"):
        expected.update(_raw_total(folder / name, "0219"))
    for name in ("Personer2020.csv", "Personer2021.csv"):
        expected.update(_raw_total(folder / name, "K-3024"))
    assert sorted(expected) == [str(y) for y in YEARS]
    for year, value in zip(got.codes["year"], got.values):
        assert value == expected[year], year


def test_norway_total_2019_survives_harmonisation(harmonised):
    """Splits are shared out and nothing is dropped: Norway 1.1.2019 is still 5 328 212."""
    cube, _, _ = harmonised
    total = cube.sel(year="2019").values.sum()
    assert total == pytest.approx(NORWAY_2019, abs=1e-6)


def test_every_input_code_is_in_the_report_and_totals_are_kept(population, harmonised):
    """Each of the 836 input codes has a report row; mapped input = output, per year 2017–2019."""
    cube, report, _ = harmonised
    frame = report.to_frame()
    assert set(frame["from_code"]) == set(population.codes["region"])
    unmapped = report.unmapped()
    assert set(unmapped["from_code"]) == {"K-21-22", "K-23"}
    assert (unmapped["from_total"] == 0).all()
    for year in ("2017", "2018", "2019"):
        assert np.nansum(population.sel(year=year).values) == pytest.approx(cube.sel(year=year).values.sum())


def test_tysfjord_split_is_reported_with_weights_summing_to_one(harmonised):
    _, report, _ = harmonised
    tysfjord = report.splits().query("from_code == '1850'")
    assert set(tysfjord["to_code"]) == {"1806", "1875"}
    assert tysfjord["weight"].sum() == pytest.approx(1.0)
    assert tysfjord["basis"].str.contains("population").all()
    assert report.method_of("0219") == "recode" and report.method_of("K-3024") == "recode"
    assert report.method_of("0220") == "merge" and report.method_of("0301") == "identity"
    assert "split 1850 Divtasvuodna - Tysfjord → 1806 Narvik" in str(report)


def test_missing_predecessors_make_nan_not_zero_and_are_reported(harmonised):
    """The exports before 2017 lack pre-merger Sandefjord 0706, Andebu 0719, Stokke 0720:
    3907 Sandefjord is NaN for 2005–2016 and whole from 2017."""
    cube, report, _ = harmonised
    sandefjord = cube.sel(region="3907", sex="0").sum("age")
    years = [int(y) for y in sandefjord.codes["year"]]
    assert all(np.isnan(v) == (y <= 2016) for y, v in zip(years, sandefjord.values))
    gaps = report.gaps.query("to_code == '3907'")
    assert sorted(gaps["year"]) == list(range(2005, 2017))
    assert set(gaps["missing"]) == {"0706, 0719, 0720"}
    assert "NaN 3907 Sandefjord in 2005–2016: missing 0706, 0719, 0720" in str(report)


def test_haram_2020_2021_is_nan_because_statbank_counts_it_in_alesund(harmonised):
    cube, report, _ = harmonised
    haram = cube.sel(region="1580", sex="0").sum("age")
    assert np.isnan(haram.sel(year="2020").values) and not np.isnan(haram.sel(year="2019").values)
    assert set(report.gaps.query("to_code == '1580'")["year"]) == {2020, 2021}


def test_harmonising_all_municipalities_2005_2021_is_fast(harmonised):
    """Vectorised: the whole 07459 panel (836 codes × 106 ages × 17 years) well under 2 s."""
    cube, _, seconds = harmonised
    assert cube.shape == (357, 1, 106, 17)
    assert seconds < 2.0


def test_projection_in_its_vintage_structure_moves_to_2024(source):
    """2016 vintage (Telemark, 2016 codes): Bø 0821 + Sauherad 0822 merge into 4020 Midt-Telemark,
    county 08 Telemark becomes 40 exactly, the national row stays."""
    cube, report = projection(source, 2016)
    raw = source.projection(2016)
    assert cube.meta["structure"] == "2024" and raw.meta["structure"] == "2016"
    merged = raw.sel(region=["0821", "0822"]).sum("region").values
    np.testing.assert_allclose(cube.sel(region="4020").values, merged)
    np.testing.assert_allclose(cube.sel(region="40").values, raw.sel(region="08").values)
    assert report.method_of("08") == "recode" and report.method_of("0") == "identity"


# -- rules on small cubes --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def toy():
    """A: 0001 (–2019) and 0002 (–2019) merge into 0003 (2020–); 0004 split into 0003/0005."""
    members = [AggMember("0003", "C", "0001", "A (-2019)"), AggMember("0003", "C", "0002", "B (-2019)"),
               AggMember("0003", "C", "0003", "C"), AggMember("0005", "E", "0005", "E"),
               AggMember("Rest", "Rest", "0004", "D (-2019)")]
    records = [CodeRecord("0003", "C", 2020, None), CodeRecord("0005", "E", 2020, None)]
    changes = [CodeChange("0004", "0003", 2020), CodeChange("0004", "0005", 2020)]
    return build_history(members, records, changes)


def _cube(codes, values, years=("2019",), structure=EACH_YEAR):
    values = np.asarray(values, dtype=float).reshape(len(codes), len(years))
    return Cube(("region", "year"), {"region": list(codes), "year": list(years)}, values,
                meta={"structure": structure})


def test_merge_sums_and_split_uses_equal_shares_when_no_population(toy):
    cube, report = harmonise(_cube(["0001", "0002", "0004"], [10, 20, 8]), toy, target=2020)
    assert cube.codes["region"] == ("0003", "0005")
    np.testing.assert_allclose(cube.values[:, 0], [10 + 20 + 4, 4])
    assert set(report.splits()["basis"]) == {"equal shares (no population weights)"}


def test_given_population_weights_set_the_split(toy):
    weights = _cube(["0001", "0002", "0004", "0003", "0005"], [[10, np.nan], [20, np.nan], [8, np.nan],
                    [np.nan, 36], [np.nan, 2]], years=("2019", "2020"))
    cube, report = harmonise(_cube(["0001", "0002", "0004"], [10, 20, 8]), toy, target=2020, weights=weights)
    np.testing.assert_allclose(cube.values[:, 0], [30 + 6, 2])  # 0003 gained 6 of 8, 0005 got 2
    assert report.splits()["weight"].tolist() == pytest.approx([0.75, 0.25])


def test_nan_predecessor_cell_gives_nan_not_zero(toy):
    cube, report = harmonise(_cube(["0001", "0002", "0004"], [10, np.nan, 8]), toy, target=2020)
    assert np.isnan(cube.sel(region="0003").values[0])
    assert cube.sel(region="0005").values[0] == 4
    assert report.gaps["missing"].tolist() == ["0002"]


def test_absent_predecessor_gives_nan(toy):
    cube, report = harmonise(_cube(["0001", "0004"], [10, 8]), toy, target=2020)
    assert np.isnan(cube.sel(region="0003").values[0])  # 0002 was in use in 2019 but is not in the cube
    assert cube.sel(region="0005").values[0] == 4
    assert report.gaps["reason"].tolist() == ["missing 0002"]


def test_codes_not_in_use_that_year_are_ignored_when_missing(toy):
    """A union of exports: 0001/0002 are NaN in 2020 (not in use), K-0003 NaN in 2019."""
    values = [[10, np.nan], [20, np.nan], [0, np.nan], [np.nan, 33]]
    cube, _ = harmonise(_cube(["0001", "0002", "0004", "K-0003"], values, years=("2019", "2020")), toy,
                        target=2020)
    np.testing.assert_allclose(cube.sel(region="0003").values, [30, 33])


def test_the_same_people_in_two_rows_is_refused(toy):
    """0001 and its group K-0003 both with figures for 2019 would be counted twice."""
    with pytest.raises(DataError, match="count them twice"):
        harmonise(_cube(["0001", "0002", "0004", "K-0003"], [10, 20, 0, 30]), toy, target=2020)


def test_unknown_codes_are_listed_not_dropped(toy):
    cube, report = harmonise(_cube(["0001", "0002", "0004", "7777"], [10, 20, 0, 5]), toy, target=2020)
    unmapped = report.unmapped()
    assert unmapped["from_code"].tolist() == ["7777"] and unmapped["from_total"].tolist() == [5]
    assert unmapped["note"].tolist() == ["unknown code"]
    assert "unmapped 7777" in str(report)


def test_any_year_of_the_history_can_be_the_target(source):
    """To the 2020 structure: 0219 → 3024, Tysfjord to 1806/1875, the 2019 total unchanged;
    a structure the history does not cover is a usage error."""
    population = source.population([2019])
    cube, report = harmonise(population, source.region_history(), target="2020")
    assert len(cube.codes["region"]) == 356 and cube.meta["structure"] == "2020"
    assert report.to_frame().query("from_code == '0219'")["to_code"].tolist() == ["3024"]
    assert cube.values.sum() == pytest.approx(NORWAY_2019)
    with pytest.raises(UsageError, match="outside the history"):
        harmonise(population, source.region_history(), target="2030")


def test_renames_in_klass_changes_are_not_successions():
    """KLASS lists a name change as old code = new code; it must not become a successor."""
    members = [AggMember("0001", "A", "0001", "A")]
    history = build_history(members, [CodeRecord("0001", "A", 1990, None)], [CodeChange("0001", "0001", 2005)])
    assert history.successors == {} and history.targets("0001") == {"0001": 1.0}
