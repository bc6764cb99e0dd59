"""Population for the model: single-year ages from grouped projections, and actual + projected.

SSB publishes some projection tables (e.g. the Telemark files) in age groups
(0, 1-5, …, 90+). The model needs single years. :func:`expand_age_groups`
spreads each group over its ages and keeps every group's total exactly:

1. A guide profile (the base year's single-year population of the same place, or
   uniform if none is given) defines a cumulative coordinate ``c(a)``.
2. The cumulative grouped counts are known at the group edges. They are
   interpolated as a function of ``c`` with a monotone piecewise cubic (PCHIP,
   Fritsch–Carlson), evaluated at every single-year edge and differenced.
   Monotone means no negative counts; passing through the edges means every
   group keeps its total; interpolating in the guide's coordinate means the
   result follows the guide's shape inside each group (exactly the guide, scaled,
   when all groups have the same ratio to it) and moves smoothly between groups.
3. A final per-group rescale removes floating-point drift.

:func:`splice` joins actual population up to the base year with a projection after it.
"""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.errors import DataError

#: the open top age of SSB's population grid (105+)
TOP_AGE = 105
_GROUP = re.compile(r"^\s*(\d{1,3})\s*(?:(?:-|–)\s*(\d{1,3}))?\s*(\+)?\s*(?:years?|år)?\s*(or older|og eldre)?\s*$")


def age_bounds(codes: Sequence[str], top: int = TOP_AGE) -> list[tuple[int, int]]:
    """Inclusive (first, last) ages of age codes like ``"016-019"``, ``"90+"``, ``"000"``, ``"105+"``.

    An open group ends at ``top``.
    """
    bounds = []
    for code in codes:
        match = _GROUP.match(str(code))
        if not match:
            raise DataError(f"age code {code!r} is not a single age or an age group like '016-019' or '90+'")
        first = int(match.group(1))
        last = top if match.group(3) or match.group(4) else int(match.group(2) or first)
        bounds.append((first, last))
    return bounds


def _check_bounds(bounds: Sequence[tuple[int, int]]) -> np.ndarray:
    """Group edges (G+1,) of contiguous, ordered groups; an error otherwise."""
    for (lo, hi), (next_lo, _) in zip(bounds, list(bounds[1:]) + [(bounds[-1][1] + 1, 0)]):
        if hi < lo or next_lo != hi + 1:
            raise DataError(f"age groups must be ordered and contiguous, got {list(bounds)}")
    return np.array([lo for lo, _ in bounds] + [bounds[-1][1] + 1])


def expand_age_groups(values: np.ndarray, bounds: Sequence[tuple[int, int]],
                      profile: np.ndarray | None = None) -> np.ndarray:
    """Spread grouped counts (..., G) over single years (..., A), keeping each group's total.

    ``bounds`` are the groups' inclusive (first, last) ages, contiguous; the result
    covers ages ``bounds[0][0]`` .. ``bounds[-1][1]``. ``profile`` (broadcastable to
    (..., A), non-negative) guides the shape within groups; a group whose guide is
    all zero is spread uniformly. Method: module docstring.
    """
    values = np.asarray(values, dtype=np.float64)
    edges = _check_bounds(bounds)
    if values.shape[-1] != len(bounds):
        raise DataError(f"{values.shape[-1]} grouped values for {len(bounds)} age groups")
    if (values < 0).any():
        raise DataError("grouped counts must not be negative")
    width = edges[-1] - edges[0]
    group = np.repeat(np.arange(len(bounds)), np.diff(edges))
    guide = _guide(profile, values.shape[:-1], width, group)
    cum_guide = np.concatenate([np.zeros(guide.shape[:-1] + (1,)), np.cumsum(guide, axis=-1)], axis=-1)
    knots_x = cum_guide[..., edges - edges[0]]
    knots_y = np.concatenate([np.zeros(values.shape[:-1] + (1,)), np.cumsum(values, axis=-1)], axis=-1)
    knots_x, knots_y = np.broadcast_arrays(knots_x, knots_y)
    upper = _pchip(knots_x, knots_y, cum_guide[..., 1:], group)
    single = np.diff(np.concatenate([np.zeros(upper.shape[:-1] + (1,)), upper], axis=-1), axis=-1)
    return _rescale(np.maximum(single, 0.0), values, group, guide)


def _guide(profile: np.ndarray | None, lead: tuple[int, ...], width: int, group: np.ndarray) -> np.ndarray:
    """A guide with positive mass in every group: uniform where the profile's group is empty."""
    if profile is None:
        return np.ones(lead + (width,))
    guide = np.asarray(profile, dtype=np.float64)
    if guide.shape[-1] != width or (guide < 0).any() or np.isnan(guide).any():
        raise DataError(f"the age profile must have {width} non-negative single-year values")
    guide = np.broadcast_to(guide, lead + (width,))
    mass = _group_sums(guide, group)[..., group]
    return np.where(mass > 0, guide, 1.0)


def _group_sums(x: np.ndarray, group: np.ndarray) -> np.ndarray:
    starts = np.flatnonzero(np.r_[True, np.diff(group) != 0])
    return np.add.reduceat(x, starts, axis=-1)


def _rescale(single: np.ndarray, values: np.ndarray, group: np.ndarray, guide: np.ndarray) -> np.ndarray:
    """Make every group sum to its value; an all-zero group takes the guide's shape."""
    sums = _group_sums(single, group)
    empty = (sums <= 0)[..., group]
    single = np.where(empty, guide, single)
    sums = _group_sums(single, group)
    return single * (values / sums)[..., group]


def _pchip(xk: np.ndarray, yk: np.ndarray, query: np.ndarray, interval: np.ndarray) -> np.ndarray:
    """Monotone cubic Hermite interpolation (Fritsch–Carlson, as SciPy's PCHIP), vectorised.

    Knots ``xk``, ``yk`` (..., n) may differ per series; ``query`` (..., m) lies in the
    knot intervals given by ``interval`` (m,), the same for every series.
    """
    h = np.diff(xk, axis=-1)
    delta = np.diff(yk, axis=-1) / h
    slopes = _pchip_slopes(h, delta)
    x0, h_i = xk[..., interval], h[..., interval]
    t = (query - x0) / h_i
    t2, t3 = t * t, t * t * t
    return ((2 * t3 - 3 * t2 + 1) * yk[..., interval] + (t3 - 2 * t2 + t) * h_i * slopes[..., interval]
            + (-2 * t3 + 3 * t2) * yk[..., interval + 1] + (t3 - t2) * h_i * slopes[..., interval + 1])


def _pchip_slopes(h: np.ndarray, delta: np.ndarray) -> np.ndarray:
    """Knot derivatives: weighted harmonic means inside, shape-preserving three-point ends."""
    if h.shape[-1] == 1:
        return np.concatenate([delta, delta], axis=-1)
    h0, h1, d0, d1 = h[..., :-1], h[..., 1:], delta[..., :-1], delta[..., 1:]
    w1, w2 = 2 * h1 + h0, h1 + 2 * h0
    same = (d0 > 0) & (d1 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inner = np.where(same, (w1 + w2) / (w1 / np.where(same, d0, 1) + w2 / np.where(same, d1, 1)), 0.0)
    first = _edge_slope(h[..., 0], h[..., 1], delta[..., 0], delta[..., 1])
    last = _edge_slope(h[..., -1], h[..., -2], delta[..., -1], delta[..., -2])
    return np.concatenate([first[..., None], inner, last[..., None]], axis=-1)


def _edge_slope(h0: np.ndarray, h1: np.ndarray, d0: np.ndarray, d1: np.ndarray) -> np.ndarray:
    slope = ((2 * h0 + h1) * d0 - h0 * d1) / (h0 + h1)
    slope = np.where(np.sign(slope) != np.sign(d0), 0.0, slope)
    return np.where((np.sign(d0) != np.sign(d1)) & (np.abs(slope) > 3 * np.abs(d0)), 3 * d0, slope)


def expand_age_cube(cube: Cube, profile: np.ndarray | None = None, dim: str = "age") -> Cube:
    """A cube with grouped ages (codes like ``"016-019"``, ``"090+"``) in SSB's single-year codes.

    ``profile`` is broadcastable to the result with the age axis last (e.g. the base
    year's single-year population of the same regions and sexes).
    """
    bounds = age_bounds(cube.codes[dim])
    ax = cube.axis(dim)
    single = expand_age_groups(np.moveaxis(cube.values, ax, -1), bounds, profile)
    first, last = bounds[0][0], bounds[-1][1]
    codes = [f"{a:03d}" + ("+" if a == TOP_AGE else "") for a in range(first, last + 1)]
    new_codes, new_labels = dict(cube.codes), dict(cube.labels)
    new_codes[dim] = tuple(codes)
    new_labels[dim] = tuple(codes)
    return replace(cube, codes=new_codes, labels=new_labels, values=np.moveaxis(single, -1, ax),
                   status=None, meta={**cube.meta, "ages_expanded": "monotone cumulative interpolation, group totals kept"})


def splice(actual: Cube, projected: Cube, base_year: int, method: str = "append") -> Cube:
    """Actual population up to ``base_year`` followed by the projection after it.

    Both cubes have a ``year`` axis and the same other axes and codes. ``method``:
    ``"append"`` takes the projected numbers as published; ``"ratio"`` chains the
    projection's growth since ``base_year`` onto the actual base-year population
    (cells the projection has as 0 in the base year are appended unchanged).
    """
    others = [d for d in actual.dims if d != "year"]
    if set(actual.dims) != set(projected.dims) or "year" not in actual.dims:
        raise DataError(f"cannot splice: axes differ ({actual.dims} vs {projected.dims}) or no 'year' axis")
    projected = projected.transpose(*actual.dims)
    for d in others:
        if actual.codes[d] != projected.codes[d]:
            raise DataError(f"cannot splice: the codes on axis {d!r} differ; harmonise both to one structure first")
    past = [y for y in actual.codes["year"] if int(y) <= base_year]
    future = [y for y in projected.codes["year"] if int(y) > base_year]
    if not past or str(base_year) not in past:
        raise DataError(f"actual population lacks the base year {base_year}")
    head = actual.sel(year=past)
    tail = projected.sel(year=future)
    if method == "ratio":
        tail = _chain_growth(head.sel(year=str(base_year)), projected, tail, base_year)
    elif method != "append":
        raise DataError(f"unknown splice method {method!r} (append or ratio)")
    ax = actual.axis("year")
    codes = dict(actual.codes)
    codes["year"] = tuple(past + future)
    labels = dict(actual.labels)
    labels["year"] = codes["year"]
    meta = {**actual.meta, "projection": dict(projected.meta), "spliced_at": base_year, "splice_method": method}
    return replace(actual, codes=codes, labels=labels, status=None, meta=meta,
                   values=np.concatenate([head.values, tail.values], axis=ax))


def _chain_growth(actual_base: Cube, projected: Cube, tail: Cube, base_year: int) -> Cube:
    if str(base_year) not in projected.codes["year"]:
        raise DataError(f"the ratio splice needs the projection's value for {base_year}")
    start = np.expand_dims(projected.sel(year=str(base_year)).values, tail.axis("year"))
    level = np.expand_dims(actual_base.values, tail.axis("year"))
    with np.errstate(divide="ignore", invalid="ignore"):
        chained = np.where(start > 0, tail.values * level / start, tail.values)
    return replace(tail, values=chained)
