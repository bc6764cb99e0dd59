"""Areas a projection is for: a municipality, a county or the whole country, in today's codes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from k2020proj.errors import UsageError
from k2020proj.regions import NATIONAL, RegionHistory, fold

_LAND_WORDS = {"0", "land", "norge", "norway", "hele landet"}


@dataclass(frozen=True)
class Area:
    """What a projection is for: one or more municipalities, a county or the country, in
    today's structure. ``given`` is the code and name asked for when it is not today's
    (``("3024", "Bærum")`` for today's 3201)."""

    level: str
    code: str
    name: str
    municipalities: tuple[str, ...]
    given: tuple[str, str] | None = None
    structure: str = "2024"

    @property
    def regions(self) -> tuple[str, ...]:
        """The result regions a summary shows: the municipalities, or the county / nation."""
        return self.municipalities if self.level == "kommune" else (self.code,)


def resolve_area(history: RegionHistory, area: str | Area | Sequence[str], level: str | None = None) -> Area:
    """An :class:`Area` from what a person types.

    A text is a municipality (``3201``, old ``3024`` or ``0219``, ``K-3024``, ``Bærum``), a
    county (two digits, old ones too, or ``level="fylke"`` with a name) or the whole country
    (``0``, ``land``, ``Norge`` or ``level="land"``); a list is several municipalities.
    Anything that is not one of today's municipalities or counties, or not exactly one, is
    a :class:`UsageError`.
    """
    if isinstance(area, Area):
        return area
    if not isinstance(area, str):
        found = [_municipality(history, str(text)) for text in area]
        if not found:
            raise UsageError("no municipality given")
        codes = tuple(dict.fromkeys(a.code for a in found))
        return Area("kommune", "+".join(codes), ", ".join(history.name(c) for c in codes), codes,
                    structure=str(history.end_year))
    text = area.strip()
    if level == "land" or (level is None and fold(text) in _LAND_WORDS):
        return Area("land", NATIONAL, history.name(NATIONAL), tuple(history.municipalities()),
                    structure=str(history.end_year))
    if level == "fylke" or (level is None and text.isdigit() and len(text) <= 2):
        return _county(history, text)
    return _municipality(history, text)


def _municipality(history: RegionHistory, text: str) -> Area:
    found = history.resolve(text)
    what = f"{found.code} {found.name}" + (f" ({found.validity})" if found.validity else "")
    if not found.municipal:
        raise UsageError(f"{what} is not a municipality")
    if not found.successors:
        raise UsageError(f"{what} has no successor in the {found.target} structure")
    if len(found.successors) > 1:
        parts = ", ".join(f"{c} {n} ({share:.0%})" for c, n, share in found.successors)
        raise UsageError(f"{what} was split between {parts}: choose one of them")
    code, name, _ = found.successors[0]
    return Area("kommune", code, name, (code,), None if found.current else (found.code, found.name),
                str(found.target))


def _county(history: RegionHistory, text: str) -> Area:
    county = history.resolve_county(text)
    if len(county.today) != 1:
        today = ", ".join(f"{c} {history.name(c)}" for c in county.today)
        raise UsageError(f"county {county.code} {county.name} is several counties today ({today}): choose one")
    code = county.today[0]
    given = None if code == county.code else (county.code, county.name)
    return Area("fylke", code, history.name(code), tuple(history.county_municipalities(code)), given,
                str(history.end_year))
