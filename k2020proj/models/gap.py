"""Gap, recruitment need, realised employment, and sums from municipalities to counties and nation.

All derived variables are computed per municipality first and then summed, so
county and national figures are sums of the municipal ones (exact up to
floating-point rounding), whatever the variable:

- ``gap = S - D`` in FTEs, and in persons with the stock's own FTE per person
  (``persons = FTE / f``, f = S / persons of that municipality, occupation and year);
- ``recruitment_need`` = exits during the year + growth of demand over the year;
  negative when demand falls faster than people leave; undefined (NaN) in the base year;
- ``realised = min(S, D)``: employment where the smaller side binds, per municipality
  (what a backtest compares with recorded FTEs).

Aggregation multiplies by an indicator matrix (municipality × county); the nation
is the sum of the counties.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

LEVELS = ("kommune", "fylke", "land")
VARIABLES = ("supply_fte", "demand_fte", "gap_fte", "supply_persons", "demand_persons", "gap_persons",
             "recruitment_need_fte", "recruitment_need_persons", "exits_persons", "realised_fte")


def fte_per_person(supply_fte: np.ndarray, persons: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Average FTE per person (D, K, O, T); ``fallback`` (O,) where nobody is employed."""
    empty = persons <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = supply_fte / np.where(empty, 1.0, persons)
    return np.where(empty, fallback[None, None, :, None], ratio)


def year_change(values: np.ndarray) -> np.ndarray:
    """Change since the previous year along the last axis; NaN in the first year."""
    out = np.full(values.shape, np.nan)
    out[..., 1:] = np.diff(values, axis=-1)
    return out


def derive(name: str, base: Mapping[str, np.ndarray], fallback: np.ndarray) -> np.ndarray:
    """A municipal variable (D, K, O, T) from the model's base arrays.

    ``base`` holds ``supply_fte``, ``supply_persons``, ``demand_fte``, ``exits_persons``,
    ``exits_fte`` (flows 0 in the base year).
    """
    supply, demand, persons = base["supply_fte"], base["demand_fte"], base["supply_persons"]
    if name in ("supply_fte", "demand_fte", "supply_persons"):
        return base[name]
    if name == "gap_fte":
        return supply - demand
    if name == "realised_fte":
        return np.minimum(supply, demand)
    if name == "exits_persons":
        return _flow(base["exits_persons"])
    if name == "recruitment_need_fte":
        return _flow(base["exits_fte"]) + year_change(demand)
    per_person = fte_per_person(supply, persons, fallback)
    if name == "demand_persons":
        return demand / per_person
    if name == "gap_persons":
        return persons - demand / per_person
    if name == "recruitment_need_persons":
        return _flow(base["exits_persons"]) + year_change(demand) / per_person
    raise KeyError(f"unknown variable {name!r}; known: {', '.join(VARIABLES)}")


def _flow(values: np.ndarray) -> np.ndarray:
    """A flow for the year ending at t: NaN in the base year, where no year has ended."""
    out = values.astype(np.float64, copy=True)
    out[..., 0] = np.nan
    return out


def county_matrix(counties: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """County codes (sorted) and the indicator matrix (K, F): 1 where municipality k is in county f."""
    codes = tuple(sorted(set(counties)))
    lookup = {c: i for i, c in enumerate(codes)}
    matrix = np.zeros((len(counties), len(codes)))
    matrix[np.arange(len(counties)), [lookup[c] for c in counties]] = 1.0
    return codes, matrix


def aggregate(values: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Sum the region axis (axis 1 of (D, K, ...)) with an indicator matrix (K, F): (D, F, ...)."""
    return np.moveaxis(np.tensordot(values, matrix, axes=([1], [0])), -1, 1)


def levels(values: np.ndarray, regions: Sequence[str], counties: Sequence[str],
           nation: str) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """The array at each level: codes and (D, R, ...) for kommune, fylke and land."""
    county_codes, matrix = county_matrix(counties)
    by_county = aggregate(values, matrix)
    return {
        "kommune": (tuple(regions), values),
        "fylke": (county_codes, by_county),
        "land": ((nation,), aggregate(by_county, np.ones((len(county_codes), 1)))),
    }
