"""A synthetic world made by the model itself: the backtest must find exactly the error put in.

The world: the model package's seeded synthetic country (population by sex and single
year, base-year nurse FTEs), carried forward by age-group growth, with service users at
fixed rates per age group and nurse FTEs that grew 5 % a year before the base year (so
supply outgrows demand and demand binds). "Actual" nurse FTEs after the base year are the
model's own realised employment from those known parameters. A backtest of the model on this world must find zero
error; with actuals 5 % above the truth it must find a bias of 1/1.05 − 1; with a
projection vintage that over-projects the 80+ population it must put all of the error
in the population part of the decomposition and none in the model.
"""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.backtest.engine import Panel
from k2020proj.backtest.personnel import AGE_GROUPS, SERVICES, PersonnelForecaster
from k2020proj.backtest.runner import run_backtest
from k2020proj.cube import Cube
from k2020proj.models.parameters import default_mix, make_inputs
from k2020proj.models.projection import project
from k2020proj.models.synthetic import synthetic_inputs

T0, LAST = 2015, 2021
YEARS = [str(y) for y in range(T0, LAST + 1)]
HISTORY = [str(y) for y in range(T0 - 5, LAST + 1)]
GROWTH = 0.05
AGES = [f"{a:03d}" for a in range(105)] + ["105+"]
RATES = {"home_care": (0.02, 0.07, 0.27), "ltc": (0.001, 0.012, 0.08)}


def _world():
    """Single-year population (K, 106, T), group totals (K, 3, T), regions and nurse FTEs at T0."""
    inputs = synthetic_inputs(n_regions=24, n_counties=3, base_year=T0, horizon=LAST, seed=11)
    people = inputs.population.sum(axis=1)
    bounds = np.array([0, 67, 80, 106])
    groups = np.stack([people[:, lo:hi].sum(axis=1) for lo, hi in zip(bounds[:-1], bounds[1:])], axis=1)
    index = np.repeat(np.arange(3), np.diff(bounds))
    single = people[:, :, :1] * (groups / groups[..., :1])[:, index, :]
    base = inputs.base_fte[:, list(inputs.occupations).index("spl")]
    return single, groups, list(inputs.regions), base


def _truth(single, regions, base):
    """The model's realised nurse FTEs (K, T) from the known parameters."""
    profiles = np.array([[RATES[s][g] for g in np.repeat(np.arange(3), [67, 13, 26])] for s in SERVICES])
    inputs = make_inputs(regions, [r[:2] for r in regions], single[:, None], list(range(T0, LAST + 1)),
                         base[:, None], base_year=T0, occupations=("spl",), services=SERVICES,
                         mix=default_mix(("spl",), SERVICES), user_profiles=np.repeat(profiles[:, None], 2, 1),
                         recent_growth=np.full((len(regions), 1), GROWTH), meta={"alternative": "MMMM"})
    return project(inputs, "referanse").variable("realised_fte")[0, :, 0, :]


def _cube(values, regions, groups, years=YEARS):
    return Cube(("region", "group", "year"), {"region": regions, "group": groups, "year": years}, values)


def world_panel(actual_factor: float = 1.0, old_age_projection_error: float = 0.0, draws: int = 0):
    """The panel and forecaster of the synthetic world, with optional injected errors."""
    single, groups, regions, base = _world()
    truth = _truth(single, regions, base)
    past = base[:, None] * (1 + GROWTH) ** np.arange(-5, 0)
    actual = np.concatenate([past, truth * np.r_[1.0, np.full(len(YEARS) - 1, actual_factor)]], axis=1)
    population = _cube(np.concatenate([groups, groups.sum(1, keepdims=True)], axis=1), regions,
                       [*AGE_GROUPS, "total"])
    projected = population.values.copy()
    projected[:, 2, 1:] *= 1 + old_age_projection_error
    projected[:, 3] = projected[:, :3].sum(axis=1)
    users = np.concatenate([np.array(RATES[s])[None, :, None] * groups for s in SERVICES], axis=1)
    panel = Panel("personnel", _cube(actual[:, None], regions, ["total"], HISTORY), population,
                  {T0: _cube(projected, regions, population.codes["group"])}, {r: r[:2] for r in regions},
                  {"synthetic": True, "tables": []})
    single_cube = Cube(("region", "age", "year"), {"region": regions, "age": AGES, "year": YEARS}, single)
    users_cube = _cube(users, regions, [f"{s}:{g}" for s in SERVICES for g in AGE_GROUPS])
    return panel, PersonnelForecaster(single_cube, users_cube, draws=draws)


def _model_pairs(panel, forecaster, method):
    result = run_backtest(panel, forecaster, [T0], range(1, 7), "kommune")
    return result, result.pairs[result.pairs["method"] == method]


def test_backtest_of_the_model_on_its_own_world_finds_no_error():
    result, pairs = _model_pairs(*world_panel(), "model_actual_pop")
    assert len(pairs) == 24 * 6
    assert np.allclose(pairs["forecast"], pairs["actual"], rtol=1e-9)
    overall = result.tables["overall"].set_index("method")
    assert overall.loc["model_actual_pop", "mape"].max() < 1e-6
    model = result.pairs.query("method in ['model_supply', 'model_demand']")
    supply, demand = (model[model["method"] == m].set_index(["region", "year"])["forecast"]
                      for m in ("model_supply", "model_demand"))
    assert (demand < supply).mean() > 0.9, "demand must bind, so population matters"
    assert (pairs["actual"] > pairs.groupby("region")["actual"].transform("min")).any()


def test_an_injected_five_percent_error_is_recovered():
    result, pairs = _model_pairs(*world_panel(actual_factor=1.05), "model_actual_pop")
    expected = (1 / 1.05 - 1) * 100
    overall = result.tables["overall"].query("method == 'model_actual_pop'")
    assert np.allclose(overall["bias"], expected) and np.allclose(overall["mape"], -expected)
    assert np.allclose(pairs["forecast"] * 1.05, pairs["actual"])


def test_a_population_projection_error_lands_in_the_population_part():
    result, _ = _model_pairs(*world_panel(old_age_projection_error=0.10), "model")
    table = result.tables["decomposition"]
    assert (table["n"] == 24).all()
    assert np.allclose(table["bias_model"], 0.0, atol=1e-7)
    assert (table["bias_population"] > 0).all()
    assert np.allclose(table["bias_population"], table["bias_total"])


@pytest.mark.parametrize("factor", [0.9, 1.2])
def test_recovered_bias_follows_the_injected_factor(factor):
    result, _ = _model_pairs(*world_panel(actual_factor=factor), "model_actual_pop")
    bias = result.tables["overall"].query("method == 'model_actual_pop'")["bias"]
    assert np.allclose(bias, (1 / factor - 1) * 100)


def test_monte_carlo_bands_are_scored_as_interval_coverage():
    """With draws, realised FTEs get 80/95 % bands; the truth (the central run) is scored against them."""
    result, pairs = _model_pairs(*world_panel(draws=30), "model_actual_pop")
    assert pairs[["lo95", "lo80", "hi80", "hi95"]].notna().all().all()
    assert (pairs["lo95"] <= pairs["lo80"]).all() and (pairs["hi80"] <= pairs["hi95"]).all()
    overall = result.tables["overall"].query("method == 'model_actual_pop'")
    assert ((overall["coverage95"] >= overall["coverage80"]) & (overall["coverage80"] >= 0)).all()
    assert overall["coverage95"].min() > 50, "the central run lies inside its own 95 % band"


def test_personnel_forecasts_use_nothing_recorded_after_the_base_year():
    """Poisoning FTEs, users and single-year population after t0, and adding a vintage
    published after t0, changes no forecast; only the perfect-population leg may read
    later population, and that is left untouched here."""
    panel, forecaster = world_panel()
    clean = run_backtest(panel, forecaster, [T0], range(1, 7), "kommune").pairs
    later = np.array([int(y) > T0 for y in HISTORY])
    fte = panel.actual.values.copy()
    fte[..., later] *= 50
    users = forecaster.users.values.copy()
    users[..., 1:] *= 50
    single = forecaster.single_year.values.copy()
    single[..., 1:] *= 50
    vintage = panel.projections[T0]
    newer = Cube(vintage.dims, vintage.codes, vintage.values * 50)
    poisoned_panel = Panel(panel.target, Cube(panel.actual.dims, panel.actual.codes, fte), panel.population,
                           {**panel.projections, T0 + 1: newer}, panel.county_of, panel.provenance)
    poisoned = PersonnelForecaster(Cube(forecaster.single_year.dims, forecaster.single_year.codes, single),
                                   Cube(forecaster.users.dims, forecaster.users.codes, users))
    dirty = run_backtest(poisoned_panel, poisoned, [T0], range(1, 7), "kommune").pairs
    keys = ["method", "region", "year"]
    merged = clean.merge(dirty, on=keys, suffixes=("", "_poisoned"))
    assert len(merged) == len(clean) > 0
    assert np.allclose(merged["forecast"], merged["forecast_poisoned"])
    assert not np.allclose(merged["actual"], merged["actual_poisoned"])
