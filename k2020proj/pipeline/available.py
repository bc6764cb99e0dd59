"""What a source has: the newest year of a dataset, and the default base year.

A :class:`~k2020proj.sources.Source` answers a year it does not have with a
:class:`~k2020proj.errors.UsageError`, so availability is found by asking.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.sources import Source

#: years looked back for the newest year a dataset has before a given year
SEARCH_YEARS = 12
#: the oldest year a default base year is looked for (the KOSTRA FTE tables start in 2015)
OLDEST_BASE_YEAR = 2000


def has_year(fetch: Callable[[list[int]], Cube], year: int) -> bool:
    """Whether a source's dataset method has ``year`` (it answers a missing year with a UsageError)."""
    try:
        fetch([year])
    except UsageError:
        return False
    return True


def latest_year(fetch: Callable[[list[int]], Cube], start: int, stop: int) -> int | None:
    """The newest year from ``start`` down to ``stop`` that ``fetch`` has, or None."""
    return next((y for y in range(start, stop - 1, -1) if has_year(fetch, y)), None)


def _has_population(source: Source, year: int) -> bool:
    return has_year(source.population_groups, year) or has_year(source.population, year)


def choose_base_year(source: Source, base_year: int | None = None) -> int:
    """``base_year`` if the source has FTEs and population for it, else the newest such year."""
    if base_year is not None:
        try:
            source.personnel_fte([base_year])
        except UsageError as error:
            raise UsageError(f"base year {base_year}: {error}") from None
        if not _has_population(source, base_year):
            raise UsageError(f"base year {base_year}: {source.name} has no population (07459) for it")
        return int(base_year)
    now = date.today().year
    newest = latest_year(source.personnel_fte, now, OLDEST_BASE_YEAR)
    if newest is None:
        raise DataError(f"{source.name} has no personnel FTEs for {OLDEST_BASE_YEAR}–{now}")
    year = next((y for y in range(newest, newest - SEARCH_YEARS, -1) if _has_population(source, y)), None)
    if year is None:
        raise DataError(f"{source.name} has no population for any year with personnel FTEs")
    return year
