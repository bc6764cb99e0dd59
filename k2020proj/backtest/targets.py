"""What each backtest target forecasts, and how, from a :class:`~k2020proj.backtest.engine.Known` view.

- ``population``: SSB's main-alternative projection (``ssb_mmmm``) as published, beside
  no change and trend.
- ``demand`` (service users): base-year user rates by age group times population
  (``model``: projected population where a vintage is recorded, else actual;
  ``model_actual_pop``: actual population everywhere), beside no change, trend and a
  constant ratio of users to total population (``per_capita``).
- ``personnel``: see :mod:`k2020proj.backtest.personnel`.

The projected population leg carries SSB's projected *growth* from t0 on the actual
t0 population (``actual[t0] × projection[t] / projection[t0]``), so a forecast does not
jump at t0 when the vintage is a few years older than the base year.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from k2020proj.backtest.baselines import linear_trend, no_change, per_capita
from k2020proj.backtest.engine import Forecast, Known
from k2020proj.cube import Cube
from k2020proj.errors import DataError

#: age groups of the recorded service users (panel), in the order they add to ``total``
USER_AGES = ("0-66", "67-79", "80+")


def naive(view: Known) -> list[Forecast]:
    """The no-change and trend baselines of the series itself."""
    years = list(view.years)
    return [Forecast("no_change", no_change(view.history, view.t0, years)),
            Forecast("trend", linear_trend(view.history, view.t0, years))]


def population_forecasts(view: Known) -> list[Forecast]:
    """SSB's projection for the target years (where it reaches) beside both baselines."""
    forecasts = naive(view)
    if view.projection is None:
        return forecasts
    groups = [g for g in view.history.codes["group"] if g in view.projection.codes["group"]]
    years = [str(y) for y in view.years if str(y) in view.projection.codes["year"]]
    if groups and years:
        cube = view.projection.sel(group=groups, year=years).transpose("region", "group", "year")
        forecasts.append(Forecast("ssb_mmmm", cube, frozenset(cube.codes["region"])))
    return forecasts


def population_path(view: Known, projected: bool, years: Sequence[int] | None = None) -> tuple[Cube, frozenset[str]]:
    """Population (region, group, year) for ``years`` (default: the target years), and the
    regions it projected.

    With ``projected``, regions the vintage covers get its growth on their t0 actual;
    every other region (and every region without ``projected``) gets actual population.
    """
    years = [str(y) for y in (view.years if years is None else years)]
    actual = view.perfect_population.sel(year=years).transpose("region", "group", "year")
    if not projected or view.projection is None:
        return actual, frozenset()
    proj = view.projection
    regions = [r for r in actual.codes["region"] if r in proj.codes["region"]]
    groups = list(actual.codes["group"])
    if not regions or not set(years + [str(view.t0)]) <= set(proj.codes["year"]):
        return actual, frozenset()
    if not set(groups) <= set(proj.codes["group"]):
        raise DataError(f"projection vintage {view.vintage} lacks age group(s) "
                        f"{', '.join(sorted(set(groups) - set(proj.codes['group'])))}")
    cut = proj.sel(region=regions, group=groups).transpose("region", "group", "year")
    growth = cut.sel(year=years).values / cut.sel(year=str(view.t0)).values[..., None]
    base = view.population.sel(region=regions, group=groups, year=str(view.t0)).values
    values = actual.values.copy()
    values[[actual.codes["region"].index(r) for r in regions]] = base[..., None] * growth
    return Cube(actual.dims, actual.codes, values, actual.labels, None, actual.meta), frozenset(regions)


def demand_forecasts(view: Known) -> list[Forecast]:
    """Users by service and age: rate model on both population legs, beside three baselines."""
    forecasts = naive(view)
    for method, projected in (("model", True), ("model_actual_pop", False)):
        path, regions = population_path(view, projected)
        forecasts.append(Forecast(method, users_from_rates(view, path), regions))
    path, regions = population_path(view, True)
    forecasts.append(Forecast("per_capita", per_capita(
        view.history, _total_by_group(view.population, view.history), _total_by_group(path, view.history),
        view.t0, list(view.years)), regions))
    return forecasts


def users_from_rates(view: Known, path: Cube) -> Cube:
    """``users[service, age, t0] / population[age, t0] × population[age, t]``; totals as the sum.

    A service's total is the sum of its age groups when every group has a base-year
    rate, else its own total rate times total population.
    """
    history = view.history.sel(year=str(view.t0))
    regions = list(history.codes["region"])
    base = view.population.sel(region=regions, year=str(view.t0))
    future = path.sel(region=regions)
    codes = history.codes["group"]
    values = np.full((len(regions), len(codes), len(view.years)), np.nan)
    for j, code in enumerate(codes):
        service, age = code.split(":")
        rate = history.values[:, j] / base.sel(group=age).values
        values[:, j] = rate[:, None] * future.sel(group=age).values
    for service in {c.split(":")[0] for c in codes}:
        parts = [codes.index(f"{service}:{a}") for a in USER_AGES if f"{service}:{a}" in codes]
        if f"{service}:total" in codes and len(parts) == len(USER_AGES):
            summed = values[:, parts].sum(axis=1)
            total = codes.index(f"{service}:total")
            values[:, total] = np.where(np.isnan(summed), values[:, total], summed)
    return Cube(("region", "group", "year"), {"region": regions, "group": codes,
                                              "year": [str(y) for y in view.years]}, values,
                meta={**view.history.meta, "method": "rates"})


def _total_by_group(population: Cube, like: Cube) -> Cube:
    """Total population repeated for every group of ``like`` (for ratios to total population)."""
    total = population.sel(group="total", region=list(like.codes["region"]))
    groups = list(like.codes["group"])
    values = np.repeat(total.values[:, None, :], len(groups), axis=1)
    return Cube(("region", "group", "year"), {"region": total.codes["region"], "group": groups,
                                              "year": total.codes["year"]}, values, meta=total.meta)
