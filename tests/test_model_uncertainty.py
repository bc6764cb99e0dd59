"""Monte Carlo over lever distributions: seeded, reproducible, a draw axis, bands; and the demographic fan."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.models import fan, load_scenario, project, synthetic_inputs
from k2020proj.models.scenario import LEVERS, Scenario
from k2020proj.models.uncertainty import bands, lever_draws


@pytest.fixture(scope="module")
def world():
    return synthetic_inputs(n_regions=8, n_counties=2, horizon=2035)


def test_draws_are_reproducible_and_depend_on_the_seed():
    """Same seed → identical draws; another seed → different ones; element 0 is the central value."""
    scenario = load_scenario("rekruttering")
    first, again, other = (lever_draws(scenario, 200, seed) for seed in (1, 1, 2))
    for name in LEVERS:
        assert np.array_equal(first[name], again[name])
        assert first[name][0] == scenario.values[name] and first[name].shape == (201,)
    assert not np.array_equal(first["inflow_factor"], other["inflow_factor"])


def test_draws_follow_the_stated_distribution_within_the_allowed_range():
    """Normal draws have the stated mean and sd; every draw is clipped into the lever's range."""
    scenario = Scenario.from_mapping({"levers": {
        "inflow_factor": {"value": 1.2, "dist": "normal", "sd": 0.1},
        "exit_factor": {"value": 0.25, "dist": "normal", "sd": 0.5},
        "retirement_delay": {"value": 1.0, "dist": "uniform", "low": 0.0, "high": 2.0}}})
    draws = lever_draws(scenario, 20000, 5)
    assert abs(draws["inflow_factor"][1:].mean() - 1.2) < 0.005 and abs(draws["inflow_factor"][1:].std() - 0.1) < 0.005
    assert draws["exit_factor"].min() >= LEVERS["exit_factor"].low
    assert 0.0 <= draws["retirement_delay"].min() and draws["retirement_delay"].max() <= 2.0
    assert (draws["fulltime"] == 0.0).all()


def test_adding_a_distribution_leaves_other_levers_draws_unchanged():
    """Each lever has its own stream, so the draws of one do not shift when another gets a distribution."""
    one = Scenario.from_mapping({"levers": {"inflow_factor": {"value": 1.0, "dist": "normal", "sd": 0.1}}})
    two = Scenario.from_mapping({"levers": {"inflow_factor": {"value": 1.0, "dist": "normal", "sd": 0.1},
                                            "fulltime": {"value": 0.0, "dist": "normal", "sd": 0.1}}})
    assert np.array_equal(lever_draws(one, 50, 9)["inflow_factor"], lever_draws(two, 50, 9)["inflow_factor"])


def test_monte_carlo_runs_the_draws_as_an_array_axis_and_is_reproducible(world):
    """draws=N gives arrays with N+1 rows (central first); the same seed gives identical results,
    and the central row equals the deterministic run."""
    first = project(world, "referanse", draws=30, seed=11)
    again = project(world, "referanse", draws=30, seed=11)
    single = project(world, "referanse")
    assert first.base["supply_fte"].shape[0] == 31 and first.draws == 30
    assert np.array_equal(first.base["supply_fte"], again.base["supply_fte"])
    np.testing.assert_allclose(first.base["demand_fte"][0], single.base["demand_fte"][0], rtol=1e-12)
    assert first.base["supply_fte"][1:, ..., -1].std(axis=0).max() > 0


def test_bands_are_the_stated_quantiles_of_the_draws():
    """lo95/hi95 are the 2.5/97.5 % quantiles, lo80/hi80 the 10/90 % ones, leaving out the central row."""
    values = np.concatenate([[[1000.0]], np.arange(1, 1001, dtype=float)[:, None]])
    result = bands(values)
    np.testing.assert_allclose([result[k][0] for k in ("lo95", "lo80", "hi80", "hi95")],
                               np.quantile(np.arange(1, 1001), [0.025, 0.1, 0.9, 0.975]))
    assert np.isnan(bands(values[:1])["lo95"]).all()


def test_fan_lays_the_alternatives_side_by_side(world):
    """One run per SSB alternative; the fan has a column each and their low/high envelope."""
    frames = []
    for name, scale in (("LLML", 0.95), ("referanse", 1.0), ("HHMH", 1.05)):
        scenario = load_scenario(name)
        inputs = world.replace(population=world.population * scale, meta={**world.meta, "alternative": scenario.alternative})
        frames.append(project(inputs, scenario).to_frame())
    spread = fan(frames)
    assert {"LLML", "referanse", "HHMH", "low", "high"} <= set(spread.columns)
    demand = spread[spread["variable"] == "demand_fte"]
    assert (demand["low"] <= demand["referanse"]).all() and (demand["referanse"] <= demand["high"]).all()
