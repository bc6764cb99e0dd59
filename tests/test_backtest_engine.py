"""The rolling-origin engine on a small hand-made panel: pairs, levels, vintage discipline."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k2020proj.backtest.engine import Panel, comparable, run
from k2020proj.backtest.groups import regroup
from k2020proj.backtest.targets import demand_forecasts, population_forecasts
from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError

YEARS = [str(y) for y in range(2005, 2016)]
COUNTY_OF = {"0101": "01", "0102": "01", "0201": "02"}


def cube(values: np.ndarray, regions, groups, years=YEARS) -> Cube:
    return Cube(("region", "group", "year"), {"region": regions, "group": groups, "year": years},
                np.asarray(values, dtype=float), meta={"table": "test"})


def growing(base: float, rate: float, n: int = len(YEARS)) -> np.ndarray:
    return base * (1 + rate) ** np.arange(n)


def population_panel() -> Panel:
    """Three municipalities growing 1 %, 2 %, 0 % a year; vintages 2005 and 2010 projecting 1 % for all."""
    actual = cube([[growing(1000, 0.01)], [growing(6000, 0.02)], [growing(30000, 0.0)]],
                  list(COUNTY_OF), ["total"])
    projections = {v: cube([[growing(a.sel(year=str(v)).values[0, 0], 0.01, 21)] for a in
                            [actual.sel(region=[r]) for r in ("0101", "0102")]],
                           ["0101", "0102"], ["total"], [str(v + i) for i in range(21)])
                   for v in (2005, 2010)}
    return Panel("population", actual, actual, projections, COUNTY_OF)


def test_projection_pairs_carry_vintage_and_exact_errors():
    pairs = run(population_panel(), population_forecasts, [2006, 2010], [1, 4], "kommune")
    ssb = pairs[pairs["method"] == "ssb_mmmm"].set_index(["base_year", "region", "horizon"])
    assert set(ssb["vintage"]) == {2005, 2010}
    assert ssb.loc[(2006, "0101", 1), "forecast"] == pytest.approx(ssb.loc[(2006, "0101", 1), "actual"])
    expected = 6000 * 1.01 ** 5 / (6000 * 1.02 ** 5)
    assert ssb.loc[(2006, "0102", 4), "forecast"] / ssb.loc[(2006, "0102", 4), "actual"] == pytest.approx(expected)
    assert "0201" not in ssb.index.get_level_values("region")
    assert set(pairs["size_class"]) == {"<5000", "5000-20000", ">20000"}


def test_horizons_stop_where_actuals_end_and_base_years_without_data_are_skipped():
    pairs = run(population_panel(), population_forecasts, [2003, 2013], [1, 2, 3, 5], "kommune")
    assert set(pairs["base_year"]) == {2013}
    assert sorted(pairs["horizon"].unique()) == [1, 2]


def test_county_sums_only_complete_counties_and_nation_needs_every_municipality():
    fylke = run(population_panel(), population_forecasts, [2010], [2], "fylke")
    ssb = fylke[fylke["method"] == "ssb_mmmm"]
    assert ssb["region"].tolist() == ["01"] and ssb["n_regions"].tolist() == [2]
    assert ssb["forecast"].iloc[0] == pytest.approx(1000 * 1.01 ** 7 + 6000 * 1.02 ** 5 * 1.01 ** 2)
    land = run(population_panel(), population_forecasts, [2010], [2], "land")
    assert set(land["method"]) == {"no_change", "trend"}
    assert (land["region"] == "0").all() and (land["n_regions"] == 3).all()


def test_comparable_keeps_baselines_only_where_the_reference_method_has_a_pair():
    pairs = comparable(run(population_panel(), population_forecasts, [2010], [2], "kommune"), "ssb_mmmm")
    assert set(pairs.groupby("method")["region"].agg(frozenset)) == {frozenset({"0101", "0102"})}
    with pytest.raises(UsageError, match="no pairs for reference method model"):
        comparable(pairs, "model")


def test_unknown_level_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown level"):
        run(population_panel(), population_forecasts, [2010], [1], "bydel")


def test_no_later_data_leaks_into_a_forecast():
    """Poisoning every actual after t0 and every vintage published after t0 changes no forecast."""
    clean = population_panel()
    t0 = 2008
    poisoned_actual = clean.actual.values.copy()
    poisoned_actual[..., YEARS.index(str(t0)) + 1:] *= 1000
    poisoned = Panel("population", Cube(clean.actual.dims, clean.actual.codes, poisoned_actual),
                     clean.population, {**clean.projections, 2010: _scaled(clean.projections[2010], 1e6)},
                     COUNTY_OF)
    before = run(clean, population_forecasts, [t0], [1, 2, 5], "kommune")
    after = run(poisoned, population_forecasts, [t0], [1, 2, 5], "kommune")
    keys = ["method", "region", "group", "year"]
    merged = before.merge(after, on=keys, suffixes=("", "_poisoned"))
    assert len(merged) == len(before) > 0
    assert np.allclose(merged["forecast"], merged["forecast_poisoned"], equal_nan=True)
    assert not np.allclose(merged["actual"], merged["actual_poisoned"])


def _scaled(c: Cube, factor: float) -> Cube:
    return Cube(c.dims, c.codes, c.values * factor, c.labels, None, c.meta)


def demand_panel() -> Panel:
    """Users at fixed rates per age group: 1 % of 0-66, 10 % of 67-79, 40 % of 80+."""
    ages = np.stack([growing(900, 0.0), growing(80, 0.03), growing(20, 0.05)], axis=0)
    population_values = np.stack([np.vstack([ages, ages.sum(0)]) * k for k in (1, 5, 30)])
    population = cube(population_values, list(COUNTY_OF), ["0-66", "67-79", "80+", "total"])
    rates = np.array([0.01, 0.10, 0.40])
    users_by_age = population_values[:, :3] * rates[None, :, None]
    users = np.concatenate([users_by_age, users_by_age.sum(1, keepdims=True)], axis=1)
    actual = cube(users, list(COUNTY_OF), ["home_care:0-66", "home_care:67-79", "home_care:80+",
                                           "home_care:total"])
    return Panel("demand", actual, population, {}, COUNTY_OF)


def test_rate_model_recovers_users_exactly_when_rates_stay_constant():
    pairs = run(demand_panel(), demand_forecasts, [2010], [1, 5], "kommune")
    model = pairs[pairs["method"] == "model_actual_pop"]
    assert len(model) == 3 * 4 * 2
    assert np.allclose(model["forecast"], model["actual"])
    assert (model["population_leg"] == "actual").all()
    per_capita = pairs[(pairs["method"] == "per_capita") & (pairs["group"] == "home_care:total")]
    assert (per_capita["forecast"] < per_capita["actual"]).all()


def test_regroup_sums_ages_and_refuses_straddling_bands():
    ages = Cube(("region", "age", "year"), {"region": ["r"], "age": ["000", "001-066", "067-079", "080-089", "090+"],
                                            "year": ["2020"]}, np.array([[[1], [2], [3], [4], [5]]], float))
    grouped = regroup(ages, ["total", "0-66", "80+", "80-89"])
    assert grouped.dims == ("region", "group", "year")
    assert grouped.values[0, :, 0].tolist() == [15, 3, 9, 4]
    assert np.isnan(regroup(ages.sel(age=["000", "067-079"]), ["total"]).values).all()
    straddling = Cube(ages.dims, {**ages.codes, "age": ["000", "001-070", "071-079", "080-089", "090+"]},
                      ages.values)
    with pytest.raises(DataError, match="age 001-070 straddles group 0-66"):
        regroup(straddling, ["0-66"])


def test_pairs_frame_columns_are_the_documented_ones():
    pairs = run(population_panel(), population_forecasts, [2010], [1], "kommune")
    assert list(pairs.columns[:9]) == ["base_year", "horizon", "year", "level", "region", "group",
                                       "method", "forecast", "actual"]
    assert isinstance(pairs, pd.DataFrame) and pairs["region"].map(type).eq(str).all()
