"""Backtest panels built from the recorded real data, and what they say about Telemark."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.backtest.data import build, open_inputs, resolve_filters, users_by_group
from k2020proj.backtest.runner import run_backtest
from k2020proj.cube import Cube
from k2020proj.errors import UsageError
from k2020proj.outputs.backtest_reading import reading

pytestmark = pytest.mark.shared
TELEMARK = ["4001", "4003", "4005", "4010", "4012", "4014", "4016", "4018", "4020", "4022", "4024",
            "4026", "4028", "4030", "4032", "4034", "4036"]


@pytest.fixture(scope="module")
def population(ssb_data):
    inputs = open_inputs(ssb_data)
    return inputs, build("population", inputs)


def test_vintages_are_harmonised_to_the_2024_telemark_municipalities(population):
    inputs, (panel, _) = population
    assert sorted(panel.projections) == [2005, 2008, 2009, 2010, 2011, 2012, 2014, 2016, 2018, 2020,
                                         2022, 2024, 2026]
    for vintage, cube in panel.projections.items():
        assert sorted(cube.codes["region"]) == ["0"] + TELEMARK, vintage
    mapping = panel.provenance["mapping"]
    assert "vintage 2018 (11668): 0821 Bø (Telemark) → 4020 Midt-Telemark (merge)" in mapping
    assert "vintage 2018 (11668): 0822 Sauherad → 4020 Midt-Telemark (merge)" in mapping


def test_actuals_join_single_years_and_panel_groups(population):
    _, (panel, _) = population
    actual = panel.actual
    telemark = actual.sel(region=TELEMARK, group="total").values.sum(axis=0)
    assert telemark[actual.codes["year"].index("2005")] == 166289
    assert np.isnan(actual.sel(region="4020", group="90+", year="2022").values)
    assert np.isfinite(actual.sel(region="4020", group="80+", year="2025").values)
    assert np.isnan(actual.sel(region="0", group="total", year="2010").values), "Sandefjord 0706 missing"
    assert actual.sel(region="0", group="total", year="2018").values == 5295619


def test_every_telemark_municipality_scored_at_horizons_1_to_10_beside_both_baselines(population):
    _, (panel, forecaster) = population
    result = run_backtest(panel, forecaster, range(2005, 2021), range(1, 11), "kommune", counties={"40"})
    pairs = result.pairs
    ssb = pairs[pairs["method"] == "ssb_mmmm"]
    assert set(ssb["region"]) == set(TELEMARK)
    assert set(ssb["horizon"]) == set(range(1, 11))
    assert set(ssb["group"]) == {"total", "67-79", "80-89", "90+", "80+"}
    assert {"no_change", "trend"} <= set(pairs["method"])
    assert (pairs.loc[pairs["method"] == "ssb_mmmm", "vintage"] <= pairs.loc[pairs["method"] == "ssb_mmmm",
                                                                               "base_year"]).all()
    overall = result.tables["overall"].set_index(["group", "method", "horizon"])
    assert overall.loc[("67-79", "ssb_mmmm", 5), "mape"] < overall.loc[("67-79", "no_change", 5), "mape"]


def test_filters_resolve_names_old_codes_and_counties(population):
    inputs, _ = population
    regions, counties = resolve_filters(inputs.history, ["Porsgrunn,0821"], ["40"])
    assert regions == {"4001", "4020"} and counties == {"40"}
    with pytest.raises(UsageError, match="unknown municipality"):
        resolve_filters(inputs.history, ["Atlantis"], [])


def test_home_care_67_79_derived_as_remainder_where_missing():
    users = Cube(("region", "service", "age", "year"),
                 {"region": ["a"], "service": ["home_care", "ltc"], "age": ["0-66", "67-79", "80+", "total"],
                  "year": ["2020"]},
                 np.array([[[[10], [np.nan], [30], [55]], [[1], [2], [3], [6]]]], dtype=float))
    grouped = users_by_group(users, ["a"])
    assert grouped.sel(region="a", group="home_care:67-79", year="2020").values == 15
    assert grouped.sel(region="a", group="ltc:67-79", year="2020").values == 2


def test_personnel_backtest_on_recorded_nurse_ftes(ssb_data):
    """Base years 2015–2020, horizons 1–6: every method scored on the same pairs; Telemark
    on projected population, the rest on actual population (and the notes say so)."""
    panel, forecaster = build("personnel", open_inputs(ssb_data))
    result = run_backtest(panel, forecaster, range(2015, 2021), range(1, 7), "kommune")
    pairs = result.pairs
    model = pairs[pairs["method"] == "model"]
    assert set(model.loc[model["population_leg"] == "projected", "region"]) == set(TELEMARK)
    assert model["region"].nunique() > 340 and model["horizon"].max() == 6
    counts = pairs.groupby("method").size()
    for method in ("no_change", "per_capita", "model_actual_pop"):
        assert counts[method] == counts["model"]
    assert any("actual population" in note for note in result.notes)
    sizes = result.tables["size_class"]
    assert set(sizes["size_class"]) == {"<5000", "5000-20000", ">20000"}
    assert not result.tables["decomposition"].empty
    total = result.tables["sum"]
    assert {"model", "no_change", "trend", "per_capita"} <= set(total["method"])
    assert sorted(set(total["horizon"])) == list(range(1, 7))
    text = reading(result)
    for unit in ("municipalities under 5 000", "municipalities of 5 000–20 000", "municipalities over 20 000",
                 "all municipalities summed"):
        assert f"In {unit}" in text
    nation = run_backtest(panel, forecaster, range(2015, 2021), [1], "land").pairs
    model = nation[nation["method"] == "model"]
    assert sorted(model["base_year"]) == list(range(2015, 2021)), "every base year sums all municipalities"
    assert (model["n_regions"] >= 351).all()
