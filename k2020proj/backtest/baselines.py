"""Naive forecasts every backtest score is shown beside.

- **no change**: the value at t0 held for every later year;
- **linear trend**: a least-squares line through the ``window`` (default 5) years ending
  at t0 (t0-4 … t0), extended; it needs every one of those years, otherwise NaN: a trend
  through fewer points is a different baseline and is not passed off as this one.
  Negative extrapolations are cut at 0 (counts cannot be negative);
- **constant per-capita ratio**: the ratio of the value to population at t0, times the
  population of the later year (projected or actual, whichever leg is being run).

Each takes a cube with a ``year`` axis and returns a cube with the same other axes
and ``year`` = the requested target years. Only years up to t0 are read (vintage
discipline), which :func:`~k2020proj.backtest.vintages.known_at` enforces.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from k2020proj.backtest.vintages import known_at
from k2020proj.cube import Cube
from k2020proj.errors import DataError


def no_change(history: Cube, t0: int, years: Sequence[int]) -> Cube:
    """The value at ``t0`` repeated for each of ``years``."""
    base = _at(known_at(history, t0), t0)
    return _spread(history, base[..., None].repeat(len(years), axis=-1), years, "no_change")


def linear_trend(history: Cube, t0: int, years: Sequence[int], window: int = 5) -> Cube:
    """A straight line through the ``window`` years ending at ``t0``, extended to ``years``."""
    known = known_at(history, t0)
    span = [str(y) for y in range(t0 - window + 1, t0 + 1)]
    if not set(span) <= set(known.codes["year"]):
        nan = np.full(_at(known, t0).shape + (len(years),), np.nan)
        return _spread(history, nan, years, "trend")
    past = np.moveaxis(known.sel(year=span).values, known.axis("year"), -1)
    x = np.arange(-window + 1, 1, dtype=np.float64)
    slope = ((past - past.mean(-1, keepdims=True)) * (x - x.mean())).sum(-1) / ((x - x.mean()) ** 2).sum()
    level = past.mean(-1) - slope * x.mean()
    ahead = np.asarray(years, dtype=np.float64) - t0
    forecast = np.maximum(level[..., None] + slope[..., None] * ahead, 0.0)
    return _spread(history, forecast, years, "trend")


def per_capita(history: Cube, population_t0: Cube, population_path: Cube, t0: int,
               years: Sequence[int]) -> Cube:
    """``history[t0] / population_t0[t0] × population_path[year]`` for each of ``years``.

    ``population_t0`` is the actual population (read up to ``t0`` only);
    ``population_path`` the population leg for the target years. Both must carry the
    history's other axes (e.g. ``region``) in any order of codes.
    """
    others = [d for d in history.dims if d != "year"]
    align = {d: list(history.codes[d]) for d in others}
    ratio = _at(known_at(history, t0), t0) / _at(known_at(population_t0.sel(**align), t0), t0)
    path = population_path.sel(**align, year=[str(y) for y in years]).transpose(*others, "year")
    return _spread(history, ratio[..., None] * path.values, years, "per_capita")


def _at(cube: Cube, year: int) -> np.ndarray:
    """Values at ``year`` with the year axis dropped, other axes in the cube's order."""
    if str(year) not in cube.codes["year"]:
        raise DataError(f"{cube.meta.get('table', 'data')}: no value for base year {year}")
    return cube.sel(year=str(year)).values


def _spread(history: Cube, values: np.ndarray, years: Sequence[int], method: str) -> Cube:
    """A cube with the history's non-year axes (in order) and ``year`` last."""
    others = [d for d in history.dims if d != "year"]
    codes = {d: history.codes[d] for d in others}
    labels = {d: history.labels[d] for d in others}
    codes["year"] = labels["year"] = tuple(str(y) for y in years)
    return Cube(dims=(*others, "year"), codes=codes, labels=labels, values=values,
                meta={**history.meta, "method": method})
