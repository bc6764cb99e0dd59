"""The rolling-origin experiment: forecast from each base year, pair with what happened.

A :class:`Panel` holds everything one target's backtest reads, already in the
municipality structure of the actuals: the series being forecast, actual population,
and the recorded projection vintages. For each base year t0 the engine builds a
:class:`Known` view — data up to t0 and the one vintage published at or before t0 —
and hands it to the target's forecaster; the forecaster cannot see later data
except through ``Known.perfect_population``, the deliberately clairvoyant
"actual population" leg used to split the error (MODEL.md, Backtests §4).

Forecasts and actuals are summed to the requested level (kommune, fylke, land) and
written as tidy pairs (:data:`PAIR_COLUMNS`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from k2020proj.backtest.metrics import size_class
from k2020proj.backtest.vintages import known_at, vintage_for
from k2020proj.cube import Cube
from k2020proj.errors import UsageError

LEVELS = ("kommune", "fylke", "land")
BANDS = ("lo95", "lo80", "hi80", "hi95")
NATION = "0"
PAIR_COLUMNS = ("base_year", "horizon", "year", "level", "region", "group", "method", "forecast",
                "actual", "vintage", "population_leg", "size_class", "county", "n_regions")


@dataclass(frozen=True)
class Panel:
    """One target's data in the structure of the actuals (all cubes: region, group, year).

    ``actual`` is the series forecast and scored; ``population`` the actual population
    (group ``total`` at least: it sets size classes and per-capita ratios); ``projections``
    the recorded vintages by publication year (projected population, main alternative);
    ``county_of`` maps each municipality to its county; ``provenance`` is written into
    every output.
    """

    target: str
    actual: Cube
    population: Cube
    projections: Mapping[int, Cube]
    county_of: Mapping[str, str]
    provenance: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Known:
    """What a forecast from ``t0`` may use.

    ``history`` and ``population`` stop at t0; ``projection`` is the vintage
    ``vintage`` (the newest published at or before t0) or None when none is recorded;
    ``perfect_population`` holds actual population from t0 to the last target year and
    is read only by the "actual population" leg of the decomposition.
    """

    t0: int
    years: tuple[int, ...]
    history: Cube
    population: Cube
    projection: Cube | None
    vintage: int | None
    perfect_population: Cube


@dataclass(frozen=True)
class Forecast:
    """One method's forecast cube (region, group, year).

    ``projected_regions`` lists the regions whose forecast rests on a projection vintage
    (the others used actual population); None for a method that uses no population.
    ``bands`` maps ``lo95, lo80, hi80, hi95`` to cubes like ``cube`` where the method
    gives uncertainty bands (scored as interval coverage at kommune level).
    """

    method: str
    cube: Cube
    projected_regions: frozenset[str] | None = None
    bands: Mapping[str, Cube] | None = None


Forecaster = Callable[[Known], list[Forecast]]


def known(panel: Panel, t0: int, years: Sequence[int]) -> Known:
    """The :class:`Known` view of ``panel`` from base year ``t0``."""
    vintage = _vintage_or_none(t0, panel.projections)
    return Known(
        t0=t0, years=tuple(years), history=known_at(panel.actual, t0),
        population=known_at(panel.population, t0),
        projection=panel.projections[vintage] if vintage is not None else None, vintage=vintage,
        perfect_population=panel.population.sel(year=[y for y in panel.population.codes["year"]
                                                      if t0 <= int(y) <= max(years)]),
    )


def _vintage_or_none(t0: int, projections: Mapping[int, Cube]) -> int | None:
    if not projections or min(projections) > t0:
        return None
    return vintage_for(t0, projections)


def run(panel: Panel, forecaster: Forecaster, base_years: Iterable[int], horizons: Sequence[int],
        level: str, progress: Callable[[list[int]], Iterable[int]] = iter) -> pd.DataFrame:
    """Pairs of every forecast with its actual, over ``base_years`` × ``horizons`` at ``level``."""
    if level not in LEVELS:
        raise UsageError(f"unknown level {level!r}: use one of {', '.join(LEVELS)}")
    last = max(int(y) for y in panel.actual.codes["year"])
    frames = []
    for t0 in progress(list(base_years)):
        years = [t0 + h for h in sorted(set(horizons)) if t0 + h <= last]
        if not years or str(t0) not in panel.actual.codes["year"]:
            continue
        view = known(panel, t0, years)
        sizes = _sizes(panel.population, t0)
        for forecast in forecaster(view):
            frames.append(pairs_frame(forecast, panel, view, level, sizes))
    if not frames:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    return pd.concat(frames, ignore_index=True)


def comparable(pairs: pd.DataFrame, reference: str) -> pd.DataFrame:
    """Every method's pairs cut to the keys where ``reference`` has a pair.

    Scores of a baseline beside a method mean something only on the same municipalities,
    years and groups; this keeps them so.
    """
    keys = ["base_year", "year", "level", "region", "group"]
    ref = pairs.loc[pairs["method"] == reference, keys].drop_duplicates()
    if ref.empty:
        raise UsageError(f"no pairs for reference method {reference}: nothing to compare baselines with")
    return pairs.merge(ref, on=keys, how="inner")[list(pairs.columns)]


def _sizes(population: Cube, t0: int) -> dict[str, str]:
    """Size class of each municipality by its total population at ``t0``."""
    if str(t0) not in population.codes["year"] or "total" not in population.codes["group"]:
        return {}
    people = population.sel(year=str(t0), group="total")
    return dict(zip(people.codes["region"], size_class(people.values)))


def pairs_frame(forecast: Forecast, panel: Panel, view: Known, level: str,
                sizes: Mapping[str, str]) -> pd.DataFrame:
    """Tidy pairs of one forecast with the actuals at ``level`` (see :func:`unit_pairs`)."""
    years = [str(y) for y in view.years]
    matched = _matched(forecast.cube, panel.actual.sel(year=years))
    if level == "kommune":
        frame = _with_bands(matched[matched["region"].isin(panel.county_of)].assign(n_regions=1), forecast)
    else:
        frame = unit_pairs(matched, panel, view.t0, level)
    year = frame["year"].astype(int)
    legs = frame["region"].map(lambda r: _leg(r, level, forecast, panel.county_of))
    return pd.DataFrame({
        "base_year": view.t0, "horizon": year - view.t0, "year": year, "level": level,
        "region": frame["region"], "group": frame["group"], "method": forecast.method,
        "forecast": frame["forecast"], "actual": frame["actual"],
        "vintage": np.where(legs.isin(["projected", "mixed"]), view.vintage, np.nan),
        "population_leg": legs,
        "size_class": frame["region"].map(sizes).fillna("") if level == "kommune" else "",
        "county": frame["region"].map(panel.county_of).fillna("") if level == "kommune"
        else (frame["region"] if level == "fylke" else ""),
        "n_regions": frame["n_regions"],
        **{band: frame[band] for band in BANDS if band in frame},
    }, columns=list(PAIR_COLUMNS) + [band for band in BANDS if band in frame])


def _with_bands(frame: pd.DataFrame, forecast: Forecast) -> pd.DataFrame:
    """``frame`` with the forecast's band columns joined on (region, group, year), if it has bands."""
    for band, cube in (forecast.bands or {}).items():
        values = cube.to_frame()[["region", "group", "year", "value"]].rename(columns={"value": band})
        frame = frame.merge(values, on=["region", "group", "year"], how="left")
    return frame


def _matched(forecast: Cube, actual: Cube) -> pd.DataFrame:
    """Forecast and actual side by side, rows where both are numbers."""
    keys = ["region", "group", "year"]
    predicted = forecast.to_frame()[[*keys, "value"]].rename(columns={"value": "forecast"})
    observed = actual.to_frame()[[*keys, "value"]].rename(columns={"value": "actual"})
    frame = predicted.merge(observed, on=keys)
    return frame[np.isfinite(frame["forecast"]) & np.isfinite(frame["actual"])]


def unit_pairs(matched: pd.DataFrame, panel: Panel, t0: int, level: str) -> pd.DataFrame:
    """County or national pairs: sums over matched municipalities, or a unit's own row.

    A sum is kept only when it covers every municipality of the unit that has an actual
    value both at t0 and in the target year, so a forecast for part of a county (or
    for one county) is never scored as the county's (or the nation's) total. A
    forecast that carries the unit's own row (e.g. a projection's ``0`` for the whole
    country) is paired with the actual's own row instead.
    """
    unit_of = (lambda r: panel.county_of[r]) if level == "fylke" else (lambda r: NATION)
    own = matched[~matched["region"].isin(panel.county_of)]
    own = own[own["region"].isin({unit_of(r) for r in panel.county_of})].assign(n_regions=np.nan)
    munis = matched[matched["region"].isin(panel.county_of)].assign(unit=lambda f: f["region"].map(unit_of))
    sums = munis.groupby(["unit", "group", "year"], as_index=False).agg(
        forecast=("forecast", "sum"), actual=("actual", "sum"), n_regions=("region", "size"))
    scope = _in_scope(panel, t0, unit_of)
    sums = sums.merge(scope, on=["unit", "group", "year"], how="left")
    sums = sums[(sums["n_regions"] == sums["in_scope"]) & ~sums["unit"].isin(own["region"])]
    sums = sums.rename(columns={"unit": "region"}).drop(columns="in_scope")
    return pd.concat([sums, own], ignore_index=True)


def _in_scope(panel: Panel, t0: int, unit_of: Callable[[str], str]) -> pd.DataFrame:
    """Per unit, group and year: how many municipalities have an actual at t0 and that year."""
    frame = panel.actual.to_frame()[["region", "group", "year", "value"]]
    frame = frame[frame["region"].isin(panel.county_of)]
    at_t0 = frame[frame["year"] == str(t0)].set_index(["region", "group"])["value"]
    base = frame.join(at_t0.rename("t0"), on=["region", "group"])
    ok = base[np.isfinite(base["value"]) & np.isfinite(base["t0"])].copy()
    ok["unit"] = ok["region"].map(unit_of)
    return ok.groupby(["unit", "group", "year"], as_index=False).size().rename(columns={"size": "in_scope"})


def _leg(region: str, level: str, forecast: Forecast, county_of: Mapping[str, str]) -> str:
    """Which population the forecast for ``region`` assumed.

    ``projected`` where it rests on a projection vintage, ``actual`` where on actual
    population, ``mixed`` for a sum of both, ``""`` for a method that uses no population.
    """
    projected = forecast.projected_regions
    if projected is None:
        return ""
    if region in projected:
        return "projected"
    if level == "kommune" or region in county_of:
        return "actual"
    members = [r for r, c in county_of.items() if level == "land" or c == region]
    share = sum(r in projected for r in members)
    return "projected" if share == len(members) else ("mixed" if share else "actual")
