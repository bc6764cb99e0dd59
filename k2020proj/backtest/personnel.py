"""Personnel target: the model's nurse FTEs per municipality against recorded FTEs.

What is recorded is employment actually realised, so the model's forecast is its
realised employment, ``min(supply, demand)`` (MODEL.md, Backtests); supply and demand
alone are scored beside it (``model_supply``, ``model_demand``). The model is
:func:`k2020proj.models.project` run from base year t0 on what was known at t0:

- the stock: nurse FTEs at t0, split by age and sex with the national profile;
- the inflow: the constant inflow that keeps the stock on its recent change, the
  annual growth of the municipality's FTEs over the (up to) five years to t0, capped at
  ±:data:`GROWTH_CAP` (0 where t0 is the first recorded year);
- demand: home care and long-term care (the services the recorded FTEs work in), with
  national user rates per age group (0–66, 67–79, 80+) at t0 as the age profile;
- population: the t0 single-year population carried forward by the growth of each age
  group, from the projection vintage where one is recorded (``model``), from actual
  population everywhere (``model_actual_pop``: the decomposition's perfect-population leg).
  A municipality without single years at t0 (07459 lacks pre-2017 Sandefjord's parts)
  gets its age-group totals spread by the national single-year profile within each group.

Baselines: no change, trend, and FTEs per inhabitant held at the t0 ratio (``per_capita``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from k2020proj.backtest.baselines import per_capita
from k2020proj.backtest.engine import Forecast, Known
from k2020proj.backtest.groups import GROUPS, age_span
from k2020proj.backtest.targets import naive, population_path
from k2020proj.backtest.vintages import known_at
from k2020proj.cube import Cube

#: the services nurse FTEs in municipal care (omsorgstjenestene) work in
SERVICES = ("home_care", "ltc")
AGE_GROUPS = ("0-66", "67-79", "80+")
#: largest annual growth (either sign) carried forward by the calibrated inflow
GROWTH_CAP = 0.10
#: years of FTE history the recent growth is measured over
GROWTH_YEARS = 5


@dataclass(frozen=True)
class PersonnelForecaster:
    """Forecasts nurse FTEs from each base year with the model and the baselines.

    ``single_year`` is population (region, age, year) in single years (for the model's
    age structure at t0); ``users`` are service users (region, ``service:age``, year)
    for the national user rates at t0. Both are cut to t0 before use.
    """

    single_year: Cube
    users: Cube
    scenario: str = "referanse"
    draws: int = 0
    seed: int = 2020

    def __call__(self, view: Known) -> list[Forecast]:
        forecasts = naive(view)
        years = list(range(view.t0, max(view.years) + 1))
        paths = {projected: _bridged(*population_path(view, projected, years)) for projected in (True, False)}
        regions = self._regions(view, [path for path, _ in paths.values()])
        for method, projected in (("model", True), ("model_actual_pop", False)):
            path, covered = paths[projected]
            result = self._project(view, regions, path.sel(region=regions), years)
            legs = frozenset(covered & set(regions))
            forecasts.append(Forecast(method, _cube(result, "realised_fte", regions, view), legs,
                                      _bands(result, regions, view)))
            if projected:
                forecasts += [Forecast(f"model_{v}", _cube(result, f"{v}_fte", regions, view), legs)
                              for v in ("supply", "demand")]
        path, covered = population_path(view, True)
        forecasts.append(Forecast("per_capita", per_capita(
            view.history, view.population.sel(group=["total"]), path.sel(group=["total"]), view.t0,
            list(view.years)), frozenset(covered)))
        return forecasts

    def _regions(self, view: Known, paths: list[Cube]) -> list[str]:
        """Municipalities with FTEs at t0 and a population path (every age group, every
        year) on both legs: the model runs where it can."""
        fte = view.history.sel(year=str(view.t0), group="total")
        ok = {r for r, v in zip(fte.codes["region"], fte.values) if np.isfinite(v) and v > 0}
        for path in paths:
            cut = path.sel(group=list(AGE_GROUPS)).transpose("region", "group", "year")
            ok &= {r for r, v in zip(cut.codes["region"], cut.values.min(axis=(1, 2))) if v > 0}
        return [r for r in fte.codes["region"] if r in ok]

    def _project(self, view: Known, regions: list[str], path: Cube, years: list[int]):
        from k2020proj.models.parameters import default_mix, make_inputs
        from k2020proj.models.projection import project

        population = _single_year_path(known_at(self.single_year, view.t0), path, regions, view.t0)
        counties = [r[:2] for r in regions]
        base = view.history.sel(region=regions, group="total", year=str(view.t0)).values[:, None]
        profiles = _user_profiles(known_at(self.users, view.t0), view.population, view.t0)
        inputs = make_inputs(regions, counties, population, years, base, base_year=view.t0,
                             occupations=("spl",), services=SERVICES, mix=default_mix(("spl",), SERVICES),
                             user_profiles=profiles, recent_growth=recent_growth(view, regions),
                             meta={"structure": "2024", "alternative": "MMMM", "synthetic": False})
        return project(inputs, self.scenario, draws=self.draws, seed=self.seed)


def _bridged(path: Cube, covered: frozenset[str]) -> tuple[Cube, frozenset[str]]:
    """The path with gaps between recorded years filled by straight lines (ends held flat).

    A municipality counted inside another for some years (Haram in Ålesund 2020–2023)
    has no population then; the model still steps through those years to reach the
    years that are recorded. Years with a gap are never scored: their FTEs are missing too.
    """
    values = path.values.copy()
    years = np.arange(values.shape[-1])
    for index in zip(*np.nonzero(np.isnan(values).any(axis=-1) & np.isfinite(values[..., 0]))):
        row = values[index]
        known = np.isfinite(row)
        values[index] = np.interp(years, years[known], row[known])
    return Cube(path.dims, path.codes, values, path.labels, None, path.meta), covered


def recent_growth(view: Known, regions: list[str]) -> np.ndarray:
    """Annual growth of each municipality's FTEs over the up-to-5 recorded years to t0 (K, 1)."""
    history = view.history.sel(region=regions, group="total")
    years = [y for y in history.codes["year"] if view.t0 - GROWTH_YEARS <= int(y) <= view.t0]
    values = history.sel(year=years).values
    first = np.argmax(np.isfinite(values) & (values > 0), axis=1)
    start = values[np.arange(len(regions)), first]
    span = view.t0 - np.array([int(years[i]) for i in first])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(span > 0, (values[:, -1] / start) ** (1.0 / np.maximum(span, 1)) - 1.0, 0.0)
    return np.clip(np.nan_to_num(rate), -GROWTH_CAP, GROWTH_CAP)[:, None]


def _group_index(ages: tuple[str, ...]) -> np.ndarray:
    """Which of :data:`AGE_GROUPS` each single-year age code belongs to."""
    index = []
    for code in ages:
        low = age_span(code)[0]
        index.append(next(i for i, g in enumerate(AGE_GROUPS)
                          if low >= GROUPS[g][0] and (GROUPS[g][1] is None or low <= GROUPS[g][1])))
    return np.array(index)


def _single_year_path(single: Cube, path: Cube, regions: list[str], t0: int) -> np.ndarray:
    """Population (K, 1, 106, T): the t0 single years times each age group's growth since t0.

    Where a municipality has no single years at t0, its age-group totals at t0 are
    spread by the national share of each age within its group.
    """
    at_t0 = single.sel(year=str(t0)).transpose("region", "age")
    index = _group_index(single.codes["age"])
    groups = path.sel(group=list(AGE_GROUPS)).transpose("region", "group", "year").values
    national = np.nansum(at_t0.values, axis=0)
    within = national / np.bincount(index, weights=national)[index]
    known = {r: i for i, r in enumerate(at_t0.codes["region"]) if np.isfinite(at_t0.values[i]).all()}
    base = np.array([at_t0.values[known[r]] if r in known else within * groups[k, index, 0]
                     for k, r in enumerate(regions)])
    return (base[:, :, None] * (groups / groups[..., :1])[:, index, :])[:, None]


def _user_profiles(users: Cube, population: Cube, t0: int) -> np.ndarray:
    """National users per inhabitant by age group at t0, as a step profile (J, 2, 106).

    Only municipalities with every age group of a service recorded at t0 count, so
    suppressed cells do not bias a group's rate downwards.
    """
    ages = _group_index(tuple(f"{a:03d}" for a in range(106)))
    people = population.sel(group=list(AGE_GROUPS), year=str(t0))
    rows = []
    for service in SERVICES:
        counts = users.sel(group=[f"{service}:{g}" for g in AGE_GROUPS], year=str(t0),
                           region=list(people.codes["region"])).values
        complete = np.isfinite(counts).all(axis=1)
        rates = counts[complete].sum(axis=0) / people.values[complete].sum(axis=0)
        rows.append(rates[ages])
    return np.repeat(np.array(rows)[:, None, :], 2, axis=1)


def _cube(result, variable: str, regions: list[str], view: Known, draw: int = 0) -> Cube:
    """One model variable for the target years as a cube (region, group=total, year)."""
    years = list(result.years)
    values = result.variable(variable)[draw, :, 0, :]
    pick = [years.index(y) for y in view.years]
    return Cube(("region", "group", "year"), {"region": regions, "group": ["total"],
                                              "year": [str(y) for y in view.years]},
                values[:, None, pick], meta={"method": variable})


def _bands(result, regions: list[str], view: Known) -> dict[str, Cube] | None:
    """80 and 95 % bands of realised FTEs over the Monte Carlo draws, if any were run."""
    if result.draws == 0:
        return None
    from k2020proj.models.uncertainty import bands
    years = list(result.years)
    pick = [years.index(y) for y in view.years]
    found = bands(result.variable("realised_fte")[:, :, 0, :])
    return {name: Cube(("region", "group", "year"), {"region": regions, "group": ["total"],
                                                     "year": [str(y) for y in view.years]},
                       values[:, None, pick]) for name, values in found.items()}
