"""Vintage discipline: what was known at a base year t0.

A backtest from base year t0 may use only the SSB population projection published at
or before t0 and data for years up to t0. This module says which vintage that is and
cuts data to what was known, so the engine never sees a later year by accident.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError

#: SSB's municipal population projection tables by vintage (first projection year), MODEL.md.
VINTAGE_TABLES: Mapping[int, str] = {
    2005: "05904", 2008: "06917", 2009: "07268", 2010: "08109", 2011: "08825", 2012: "09482",
    2014: "10213", 2016: "11168", 2018: "11668", 2020: "12882", 2022: "13600", 2024: "14288",
    2026: "14746",
}


def vintage_for(t0: int, available: Iterable[int]) -> int:
    """The newest vintage published at or before ``t0`` among ``available``.

    Raises :class:`UsageError` when every available vintage is later than ``t0``.
    """
    known = [v for v in available if v <= t0]
    if not known:
        first = min(available, default=None)
        raise UsageError(f"no projection vintage published at or before {t0} "
                         f"(earliest available: {first}); choose a later base year")
    return max(known)


def known_at(cube: Cube, t0: int, dim: str = "year") -> Cube:
    """``cube`` cut to years up to ``t0``: the data a forecast from ``t0`` may use."""
    years = [y for y in cube.codes[dim] if int(y) <= t0]
    if not years:
        raise DataError(f"{cube.meta.get('table', 'data')}: no year at or before {t0}")
    return cube.sel(**{dim: years}).with_meta(known_at=t0)
