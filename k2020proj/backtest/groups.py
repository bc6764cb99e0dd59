"""Age groups the backtests score: the groups that drive care demand.

SSB publishes ages as single years (``"067"``), ranges (``"020-066"``) or open
groups (``"090+"``, ``"105+"``), and the recorded panel as ``"0-66"``, ``"67-79"``,
``"80+"``, ``"total"``. :func:`regroup` sums any of these into the scored groups,
refusing an age band that straddles a group border instead of guessing a split.
"""
from __future__ import annotations

import re
from typing import Mapping, Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.errors import DataError

#: scored group -> (first age, last age or None for open-ended)
GROUPS: Mapping[str, tuple[int, int | None]] = {
    "total": (0, None), "0-66": (0, 66), "67-79": (67, 79), "80-89": (80, 89),
    "90+": (90, None), "80+": (80, None),
}

_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)$")
_OPEN = re.compile(r"^(\d+)\s*\+$")


def age_span(code: str) -> tuple[int, int | None]:
    """The ages an age code covers: ``"067"`` → (67, 67), ``"020-066"`` → (20, 66), ``"090+"`` → (90, None)."""
    text = code.strip().lower()
    if text in GROUPS:
        return GROUPS[text]
    if text.isdigit():
        return int(text), int(text)
    if match := _RANGE.match(text):
        return int(match.group(1)), int(match.group(2))
    if match := _OPEN.match(text):
        return int(match.group(1)), None
    raise DataError(f"unknown age code {code!r}")


def _inside(span: tuple[int, int | None], group: tuple[int, int | None]) -> bool:
    low, high = span
    g_low, g_high = group
    return low >= g_low and (g_high is None or (high is not None and high <= g_high))


def _overlaps(span: tuple[int, int | None], group: tuple[int, int | None]) -> bool:
    low, high = span
    g_low, g_high = group
    return (g_high is None or low <= g_high) and (high is None or high >= g_low)


def regroup(cube: Cube, groups: Sequence[str], dim: str = "age", to: str = "group") -> Cube:
    """Sum the ages of ``cube`` into ``groups`` (codes of :data:`GROUPS`), axis renamed ``to``.

    A cube that already holds a group code (e.g. the panel's ``"total"``) passes it through
    unsummed; a group that no age code fully covers becomes NaN. An age band that lies
    partly inside a group is a :class:`DataError`.
    """
    codes = cube.codes[dim]
    weights = np.zeros((len(codes), len(groups)))
    for j, group in enumerate(groups):
        if group in codes:
            weights[codes.index(group), j] = 1.0
            continue
        weights[:, j] = _members(codes, GROUPS[group], group, cube)
    mapped = cube.map_axis(dim, weights, list(groups))
    empty = weights.sum(axis=0) == 0
    if empty.any():
        values = np.moveaxis(mapped.values.copy(), mapped.axis(dim), -1)
        values[..., empty] = np.nan
        mapped = Cube(mapped.dims, mapped.codes, np.moveaxis(values, -1, mapped.axis(dim)),
                      mapped.labels, None, mapped.meta)
    return _rename(mapped, dim, to)


def _members(codes: Sequence[str], group: tuple[int, int | None], name: str, cube: Cube) -> np.ndarray:
    """0/1 weights of the age codes that make up ``group``; none if the ages do not cover it."""
    spans = [None if c in GROUPS else age_span(c) for c in codes]
    inside = np.array([s is not None and _inside(s, group) for s in spans], dtype=float)
    for code, span in zip(codes, spans):
        if span is not None and _overlaps(span, group) and not _inside(span, group):
            raise DataError(f"{cube.meta.get('table', 'data')}: age {code} straddles group {name}")
    covered = [s for s, w in zip(spans, inside) if w]
    return inside if _covers(covered, group) else np.zeros(len(codes))


def _covers(spans: list[tuple[int, int | None]], group: tuple[int, int | None]) -> bool:
    """Whether the spans tile the group from its first age to its end without a gap."""
    expected, g_high = group
    for low, high in sorted(spans, key=lambda s: s[0]):
        if low != expected:
            return False
        if high is None:
            return g_high is None
        expected = high + 1
    return g_high is not None and expected == g_high + 1


def _rename(cube: Cube, old: str, new: str) -> Cube:
    if old == new:
        return cube
    dims = tuple(new if d == old else d for d in cube.dims)
    codes = {new if d == old else d: c for d, c in cube.codes.items()}
    labels = {new if d == old else d: c for d, c in cube.labels.items()}
    return Cube(dims, codes, cube.values, labels, cube.status, cube.meta)
