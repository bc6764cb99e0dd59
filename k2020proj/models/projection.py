"""``project()``: scenario levers → model parameters → supply, demand and gap.

The steps: draw the levers (``draws`` + 1 values each, element 0 the central
run); build the base-year stock and the constant inflow from the inputs at their
own (reference) rates; apply the levers to exit rates, FTE per person, inflow,
transfers and demand; project supply and demand with the draws as a leading
array axis; wrap the arrays in a :class:`~k2020proj.models.result.Projection`.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from k2020proj.errors import DataError, ScenarioError, UsageError
from k2020proj.models import demand as dm
from k2020proj.models import supply as sp
from k2020proj.models.parameters import WORK_AGES, ModelInputs
from k2020proj.models.result import Projection
from k2020proj.models.scenario import Scenario, load_scenario
from k2020proj.models.uncertainty import lever_draws

#: Upskilling channels: lever, source occupation, destination shares, ages at which people move.
#: Nurses specialise as public-health nurses and midwives in proportion to their numbers
#: employed in health and social services in 2013 (3 737 and 2 801, SSB hesospers).
TRANSFERS = (
    ("upskill_ufag_hfa", "ufag", {"hfa": 1.0}, (20, 59)),
    ("further_ed_spl", "spl", {"hsyk": 3737.0, "jord": 2801.0}, (25, 54)),
)
#: Task shifting: lever, occupation whose demand moves, occupation taking it over.
TASK_SHIFTS = (("task_shift_spl_hfa", "spl", "hfa"),)
#: ages whose growth the population-following inflow tracks
WORKING_AGES = (20, 67)


def project(inputs: ModelInputs, scenario: Scenario | str = "referanse", horizon: int | None = None,
            draws: int = 0, seed: int = 2020) -> Projection:
    """Project supply, demand and gap from ``inputs.base_year`` to ``horizon`` (default: last population year).

    ``scenario`` is a :class:`Scenario` or a name/path for :func:`load_scenario`;
    ``draws`` > 0 adds Monte Carlo draws over the scenario's lever distributions
    (seeded by ``seed``) for 80 % and 95 % bands.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    _check_alternative(inputs, scenario)
    if draws < 0:
        raise UsageError(f"draws must be 0 or more, got {draws}")
    years, population = _years(inputs, horizon)
    levers = lever_draws(scenario, draws, seed)
    notes: list[str] = []
    supply, estimated = _supply(inputs, levers, years, population, notes)
    demand, numerator, denominator = _demand(inputs, levers, years, population, notes)
    base = {"supply_fte": supply.fte, "supply_persons": supply.persons, "demand_fte": demand,
            "exits_persons": supply.exits, "exits_fte": supply.exits_fte, "inflow_persons": supply.inflow}
    meta = _meta(inputs, scenario, years, draws, seed, estimated, notes)
    fallback = (inputs.stock_profile * inputs.fte_per_person).sum(axis=(-2, -1)) / inputs.stock_profile.sum(axis=(-2, -1))
    return Projection(regions=inputs.regions, counties=inputs.counties, occupations=inputs.occupations,
                      services=inputs.services, years=tuple(int(y) for y in years), scenario=scenario.name,
                      base=base, index_numerator=numerator, index_denominator=denominator,
                      fte_fallback=fallback, meta=meta)


def _check_alternative(inputs: ModelInputs, scenario: Scenario) -> None:
    held = inputs.meta.get("alternative")
    if held is not None and held != scenario.alternative:
        raise ScenarioError(f"scenario {scenario.name!r} uses SSB alternative {scenario.alternative} but the "
                            f"inputs hold the {held} projection; build the inputs from {scenario.alternative}")


def _years(inputs: ModelInputs, horizon: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Years base..horizon and the population (K, S, 106, T) for them."""
    years = np.asarray(inputs.years)
    horizon = int(years[-1] if horizon is None else horizon)
    wanted = np.arange(inputs.base_year, horizon + 1)
    missing = sorted(set(wanted) - set(years.tolist()))
    if horizon < inputs.base_year or missing:
        raise DataError(f"horizon {horizon}: the population covers {years[0]}–{years[-1]} "
                        f"(base year {inputs.base_year}); choose a horizon within it")
    first = int(np.searchsorted(years, inputs.base_year))
    return wanted, inputs.population[..., first:first + wanted.size]


def _supply(inputs: ModelInputs, levers: Mapping[str, np.ndarray], years: np.ndarray,
            population: np.ndarray, notes: list[str]) -> tuple[sp.SupplyResult, bool]:
    stock, estimated = sp.base_stock(inputs.base_fte, inputs.fte_per_person, inputs.stock_profile, inputs.stock)
    growth = inputs.recent_growth if inputs.recent_growth is not None else np.zeros_like(inputs.base_fte)
    inflow = sp.calibrated_inflow(stock, inputs.exit_rates, growth)
    exits = sp.adjust_exit_rates(inputs.exit_rates, levers["exit_factor"], levers["retirement_delay"])
    alpha, beta = sp.fulltime_weights(levers["fulltime"], sp.ramp(years, inputs.base_year))
    transfers = transfer_channels(inputs.occupations, levers, notes)
    mult = inflow_multiplier(levers, years - inputs.base_year, population)
    result = sp.project_supply(stock, exits, inputs.fte_per_person, inputs.inflow_profile, inflow, mult,
                               transfers, alpha, beta)
    return result, estimated


def inflow_multiplier(levers: Mapping[str, np.ndarray], elapsed: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Recruits relative to the calibrated inflow (D, K, T): factor × growth × population ratio^elasticity."""
    working = population[:, :, slice(*WORKING_AGES)].sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(working[:, :1] > 0, working / working[:, :1], 1.0)
    trend = levers["inflow_factor"][:, None] * (1.0 + levers["inflow_growth"][:, None]) ** elapsed[None, :]
    return trend[:, None, :] * ratio[None] ** levers["inflow_population_elasticity"][:, None, None]


def transfer_channels(occupations: tuple[str, ...], levers: Mapping[str, np.ndarray], notes: list[str]) -> sp.Transfers:
    """Transfer matrices (C, O, O), rates (D, C) and age windows (C, 59) of the channels that apply."""
    position = {o: i for i, o in enumerate(occupations)}
    matrices, rates, windows = [], [], []
    for lever, source, targets, (first, last) in TRANSFERS:
        present = {t: w for t, w in targets.items() if t in position}
        if source not in position or not present:
            if (levers[lever] > 0).any():
                notes.append(f"lever {lever} has no effect: the inputs lack {source} or {'/'.join(targets)}")
            continue
        matrix = np.zeros((len(occupations), len(occupations)))
        matrix[position[source], position[source]] = -1.0
        total = sum(present.values())
        for target, weight in present.items():
            matrix[position[source], position[target]] += weight / total
        matrices.append(matrix)
        rates.append(levers[lever])
        windows.append(((WORK_AGES >= first) & (WORK_AGES <= last)).astype(np.float64))
    draws = len(levers["inflow_factor"])
    return sp.Transfers(matrices=np.array(matrices).reshape(-1, len(occupations), len(occupations)),
                        rates=np.array(rates).reshape(-1, draws).T,
                        windows=np.array(windows).reshape(-1, WORK_AGES.size))


def _demand(inputs: ModelInputs, levers: Mapping[str, np.ndarray], years: np.ndarray,
            population: np.ndarray, notes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    elapsed = (years - inputs.base_year).astype(np.float64)
    shift = (levers["health_improvement"] * levers["life_expectancy_gain"])[:, None] * elapsed[None, :]
    numerator, denominator = dm.index_terms(population, inputs.user_profiles, shift)
    index = dm.service_index(numerator, denominator)
    family = dm.family_factor(population, levers["family_care"])
    family_services = np.array([s in dm.FAMILY_CARE_SERVICES for s in inputs.services], dtype=np.float64)
    growth = dm.standard_growth(levers["standard_change"], levers["welfare_technology"], elapsed)
    shortage = inputs.initial_shortage if inputs.initial_shortage is not None else 0.0
    demand = dm.project_demand(inputs.base_fte + shortage, inputs.mix, index, family, family_services, growth)
    position = {o: i for i, o in enumerate(inputs.occupations)}
    ramped = sp.ramp(years, inputs.base_year)
    for lever, source, target in TASK_SHIFTS:
        if source in position and target in position:
            demand = dm.shift_tasks(demand, position[source], position[target], levers[lever][:, None] * ramped[None])
        elif (levers[lever] > 0).any():
            notes.append(f"lever {lever} has no effect: the inputs lack {source} or {target}")
    return demand, numerator, denominator


def _meta(inputs: ModelInputs, scenario: Scenario, years: np.ndarray, draws: int, seed: int,
          estimated: bool, notes: list[str]) -> dict[str, object]:
    return {
        "scenario": scenario.name, "description": scenario.description, "strategy": scenario.strategy,
        "alternative": scenario.alternative, "scenario_source": scenario.source,
        "levers": dict(scenario.values), "changed_levers": scenario.changed(),
        "distributions": {n: vars(d) for n, d in scenario.distributions.items()},
        "seed": seed, "draws": draws, "base_year": int(years[0]), "horizon": int(years[-1]),
        "structure": inputs.meta.get("structure"), "inputs": dict(inputs.meta),
        "synthetic": inputs.synthetic, "stock_split_estimated": estimated, "notes": notes,
    }
