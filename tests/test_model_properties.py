"""Properties of the projection model that must hold for any valid world and scenario.

People are conserved through ageing and transfers except for the stated exits
and inflows; nothing goes negative; zero exits and zero inflow give pure ageing;
municipalities add up to counties and the nation; the demand index is 1 in the
base year; base-year supply equals base-year demand unless a shortage is given;
and the vectorised propagator equals a plain year-by-year simulation of the
cohort equation.
"""
from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from k2020proj.models import project
from k2020proj.models import supply as sp
from k2020proj.models.gap import VARIABLES
from k2020proj.models.projection import inflow_multiplier, transfer_channels
from k2020proj.models.scenario import Scenario
from k2020proj.models.uncertainty import lever_draws
from k2020proj.testing.strategies import model_scenarios, model_worlds

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(model_worlds(), model_scenarios(), st.integers(0, 3))
def test_people_are_conserved_except_exits_and_inflow(world, scenario, draws):
    """Summed over occupations, the stock changes by exactly recruits minus exits each year
    (transfers move people between occupations without creating or losing any)."""
    base = project(world, scenario, draws=draws).base
    persons = base["supply_persons"].sum(axis=2)
    change = np.diff(persons, axis=-1)
    expected = (base["inflow_persons"] - base["exits_persons"]).sum(axis=2)[..., 1:]
    np.testing.assert_allclose(change, expected, rtol=1e-9, atol=1e-9 * max(persons.max(), 1.0))


@PROPERTY
@given(model_worlds(), model_scenarios(transfers=False))
def test_without_transfers_each_occupation_keeps_its_own_balance(world, scenario):
    """With no upskilling, each occupation's stock changes by its own recruits minus exits."""
    base = project(world, scenario).base
    change = np.diff(base["supply_persons"], axis=-1)
    expected = (base["inflow_persons"] - base["exits_persons"])[..., 1:]
    np.testing.assert_allclose(change, expected, rtol=1e-9, atol=1e-9 * max(base["supply_persons"].max(), 1.0))


@PROPERTY
@given(model_worlds(), model_scenarios(), st.integers(0, 3))
def test_nothing_is_negative(world, scenario, draws):
    """Stocks, FTEs, flows, demand and indices are never below zero."""
    projection = project(world, scenario, draws=draws)
    for name, values in projection.base.items():
        assert (values >= 0).all(), name
    assert (projection.index_numerator >= 0).all()


@PROPERTY
@given(model_worlds())
def test_zero_exits_and_zero_inflow_is_pure_ageing(world):
    """With no exits and no recruits each cohort just ages: after t years the stock holds the
    base stock aged t and below 75, its FTEs use f at the new ages, and the only leavers are
    the cohort passing the oldest closed age."""
    world = world.replace(exit_rates=np.zeros_like(world.exit_rates))
    base = project(world, Scenario("still", values={"inflow_factor": 0.0})).base
    stock, _ = sp.base_stock(world.base_fte, world.fte_per_person, world.stock_profile, world.stock)
    ages = stock.shape[-1]
    for t in range(1, base["supply_persons"].shape[-1]):
        aged = np.zeros_like(stock)
        aged[..., t:] = stock[..., :ages - t]
        np.testing.assert_allclose(base["supply_persons"][0, ..., t], aged.sum(axis=(-2, -1)), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(base["supply_fte"][0, ..., t], (aged * world.fte_per_person).sum(axis=(-2, -1)),
                                   rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(base["exits_persons"][0, ..., t], stock[..., ages - t].sum(axis=-1),
                                   rtol=1e-12, atol=1e-9)


@PROPERTY
@given(model_worlds(), model_scenarios(), st.integers(0, 2))
def test_municipalities_add_up_to_counties_and_nation(world, scenario, draws):
    """Every variable's county values are the sums of its municipalities, and the nation the
    sum of the counties, for the central value (bands are quantiles, not sums)."""
    frame = project(world, scenario, draws=draws).to_frame()
    frame = frame[frame["variable"].isin(VARIABLES)]
    county_of = dict(zip(world.regions, world.counties))
    kommune = frame[frame["level"] == "kommune"].assign(county=lambda f: f["region"].map(county_of))
    keys = ["occupation", "year", "variable"]
    by_county = kommune.groupby(["county", *keys])["value"].sum()
    fylke = frame[frame["level"] == "fylke"].set_index(["region", *keys])["value"]
    np.testing.assert_allclose(fylke.sort_index().to_numpy(), by_county.sort_index().to_numpy(), rtol=1e-12, atol=1e-9)
    nation = frame[frame["level"] == "land"].set_index(keys)["value"].sort_index()
    from_counties = frame[frame["level"] == "fylke"].groupby(keys)["value"].sum().sort_index()
    np.testing.assert_allclose(nation.to_numpy(), from_counties.to_numpy(), rtol=1e-12, atol=1e-9)


@PROPERTY
@given(model_worlds(), model_scenarios(), st.integers(0, 3))
def test_demand_index_is_one_in_the_base_year(world, scenario, draws):
    """The service index is exactly 1 in the base year at every level and in every draw."""
    projection = project(world, scenario, draws=draws)
    for level in ("kommune", "fylke", "land"):
        _, index = projection.array("demand_index", level)
        assert (index[..., 0] == 1.0).all()


@PROPERTY
@given(model_worlds(), model_scenarios(), st.integers(0, 3))
def test_base_year_supply_equals_demand_unless_a_shortage_is_given(world, scenario, draws):
    """In the base year demand = supply + the initial shortage (0 when none is given), in every draw."""
    base = project(world, scenario, draws=draws).base
    shortage = world.initial_shortage if world.initial_shortage is not None else 0.0
    expected = base["supply_fte"][..., 0] + shortage
    np.testing.assert_allclose(base["demand_fte"][..., 0], np.broadcast_to(expected, base["demand_fte"][..., 0].shape),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(base["supply_fte"][..., 0], np.broadcast_to(world.base_fte, base["supply_fte"][..., 0].shape),
                               rtol=1e-12, atol=1e-9)


def simulate(world, scenario, draws, seed):
    """The cohort equation stepped year by year on the full stock (the reference the
    propagator must reproduce): exits, transfers among stayers, ageing, recruits."""
    levers = lever_draws(scenario, draws, seed)
    years = np.arange(world.base_year, world.years[-1] + 1)
    stock, _ = sp.base_stock(world.base_fte, world.fte_per_person, world.stock_profile, world.stock)
    growth = world.recent_growth if world.recent_growth is not None else 0.0
    recruits = sp.calibrated_inflow(stock, world.exit_rates, growth)
    exit_rates = sp.with_age_out(sp.adjust_exit_rates(world.exit_rates, levers["exit_factor"], levers["retirement_delay"]))
    alpha, beta = sp.fulltime_weights(levers["fulltime"], sp.ramp(years, world.base_year))
    transfers = transfer_channels(world.occupations, levers, [])
    mult = inflow_multiplier(levers, years - world.base_year, world.population)
    profile = world.inflow_profile / world.inflow_profile.sum(axis=(-2, -1), keepdims=True)
    state = np.repeat(stock[None], len(levers["exit_factor"]), axis=0)          # (D, K, O, S, A)
    persons, fte = [state.sum(axis=(-2, -1))], [(state * world.fte_per_person).sum(axis=(-2, -1))]
    for t in range(1, years.size):
        leaving = state * exit_rates[:, None]
        stay = state - leaving
        moved = np.zeros_like(stay)
        for c in range(transfers.matrices.shape[0]):
            rate = transfers.rates[:, c, None, None, None, None] * transfers.windows[c]
            moved += np.einsum("dkosa,op->dkpsa", stay, transfers.matrices[c]) * rate
        stay = stay + moved
        state = np.zeros_like(stay)
        state[..., 1:] = stay[..., :-1]
        state += (recruits[None, :, :, None, None] * mult[:, :, None, None, None, t]) * profile
        persons.append(state.sum(axis=(-2, -1)))
        fte.append(alpha[:, None, None, t] * (state * world.fte_per_person).sum(axis=(-2, -1))
                   + beta[:, None, None, t] * persons[-1])
    return np.stack(persons, axis=-1), np.stack(fte, axis=-1)


@PROPERTY
@given(model_worlds(max_regions=3, max_years=8), model_scenarios(), st.integers(0, 3), st.integers(0, 99))
def test_propagator_equals_a_year_by_year_simulation(world, scenario, draws, seed):
    """Persons and FTEs from the propagator equal the cohort equation stepped year by year."""
    projection = project(world, scenario, draws=draws, seed=seed)
    persons, fte = simulate(world, scenario, draws, seed)
    scale = max(persons.max(), 1.0)
    np.testing.assert_allclose(projection.base["supply_persons"], persons, rtol=1e-9, atol=1e-9 * scale)
    np.testing.assert_allclose(projection.base["supply_fte"], fte, rtol=1e-9, atol=1e-9 * scale)
