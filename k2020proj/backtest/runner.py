"""One backtest run, from a request to pairs and score tables.

:func:`run_backtest` runs the engine for a target over its panel, keeps every
baseline to the pairs of the target's reference method (so all methods are scored on
the same municipalities, years and groups), applies the region filters, and scores.
It states in ``notes`` what a reader must know to read the numbers right: base years
that gave no pairs, and regions forecast on actual rather than projected population.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import pandas as pd

from k2020proj.backtest.engine import Forecaster, Panel, comparable, run
from k2020proj.backtest.summary import summarise
from k2020proj.errors import UsageError

TARGETS = ("population", "demand", "personnel")
#: the method every baseline is compared with, per target
REFERENCE = {"population": "ssb_mmmm", "demand": "model", "personnel": "model"}
#: default base years and horizons per target (as far as the recorded actuals reach)
DEFAULTS: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "population": (tuple(range(2005, 2021)), tuple(range(1, 11))),
    "demand": (tuple(range(2015, 2021)), tuple(range(1, 7))),
    "personnel": (tuple(range(2015, 2021)), tuple(range(1, 7))),
}


@dataclass(frozen=True)
class BacktestResult:
    """What one backtest run produced: request, pairs, score tables and provenance."""

    target: str
    level: str
    reference: str
    base_years: tuple[int, ...]
    horizons: tuple[int, ...]
    pairs: pd.DataFrame
    tables: Mapping[str, pd.DataFrame]
    provenance: Mapping[str, object]
    notes: tuple[str, ...] = field(default_factory=tuple)
    names: Mapping[str, str] = field(default_factory=dict)


def run_backtest(panel: Panel, forecaster: Forecaster, base_years: Sequence[int], horizons: Sequence[int],
                 level: str, regions: Iterable[str] | None = None, counties: Iterable[str] | None = None,
                 progress: Callable[[list[int]], Iterable[int]] = iter) -> BacktestResult:
    """Backtest ``panel.target`` over ``base_years`` × ``horizons`` at ``level``.

    ``regions`` (municipality codes) and ``counties`` (county codes) restrict the pairs
    scored: at kommune level to those municipalities or counties, at fylke level to
    those counties (or the counties of the municipalities).
    """
    target = panel.target
    pairs = run(panel, forecaster, base_years, horizons, level, progress)
    if not pairs.empty:
        pairs = comparable(pairs, REFERENCE[target])
    pairs = _filtered(pairs, level, set(regions or ()), set(counties or ()), panel.county_of)
    if pairs.empty:
        raise UsageError(f"backtest {target} at level {level}: no forecast could be paired with an "
                         f"actual for base years {span_text(base_years)} and horizons {list(horizons)}")
    return BacktestResult(target, level, REFERENCE[target], tuple(base_years), tuple(horizons),
                          pairs.reset_index(drop=True),
                          summarise(pairs, REFERENCE[target], panel.actual.codes["group"]),
                          used_provenance(panel, pairs),
                          _notes(pairs, base_years, target),
                          dict(zip(panel.actual.codes["region"], panel.actual.labels["region"])))


def used_provenance(panel: Panel, pairs: pd.DataFrame) -> dict:
    """The panel's provenance narrowed to the projection vintages the pairs rest on."""
    provenance = dict(panel.provenance)
    vintages = dict(provenance.get("vintages", {}))
    used = {int(v) for v in pairs["vintage"].dropna().unique()}
    dropped = {t for v, t in vintages.items() if int(v) not in used}
    provenance["vintages"] = {v: t for v, t in vintages.items() if int(v) in used}
    provenance["tables"] = [t for t in provenance.get("tables", []) if t not in dropped]
    provenance["mapping"] = [line for line in provenance.get("mapping", [])
                             if not line.startswith("vintage ") or int(line.split()[1]) in used]
    return provenance


def _filtered(pairs: pd.DataFrame, level: str, regions: set[str], counties: set[str],
              county_of: Mapping[str, str]) -> pd.DataFrame:
    if not regions and not counties:
        return pairs
    if level == "kommune":
        keep = pairs["region"].isin(regions) | pairs["county"].isin(counties)
    elif level == "fylke":
        keep = pairs["region"].isin(counties | {county_of[r] for r in regions if r in county_of})
    else:
        raise UsageError("--kommune/--fylke filters apply to levels kommune and fylke, not land")
    return pairs[keep]


def _notes(pairs: pd.DataFrame, base_years: Sequence[int], target: str) -> tuple[str, ...]:
    notes = []
    missing = sorted(set(base_years) - set(pairs["base_year"]))
    if missing:
        notes.append(f"No pairs for base year(s) {', '.join(map(str, missing))} "
                     f"(no actual at the base year, or no target year within the actuals).")
    reference = pairs[pairs["method"] == REFERENCE[target]]
    legs = reference["population_leg"].value_counts()
    if target != "population" and legs.get("actual", 0):
        share = legs.get("actual", 0) / legs.sum() * 100
        notes.append(f"{share:.0f} % of the {REFERENCE[target]} pairs ran on actual population "
                     f"(no projection vintage recorded for those municipalities): the perfect-population leg.")
    return tuple(notes)


def span_text(years: Sequence[int]) -> str:
    """``2005–2016`` for a run of consecutive years, else the list; ``(none)`` if empty."""
    years = sorted(years)
    if not years:
        return "(none)"
    contiguous = years == list(range(years[0], years[-1] + 1))
    return f"{years[0]}–{years[-1]}" if contiguous and len(years) > 1 else ", ".join(map(str, years))


def parse_numbers(text: str, what: str = "year") -> tuple[int, ...]:
    """``"2005..2016"``, ``"2005-2016"`` or ``"2005,2008,2010"`` (mixable) → sorted numbers."""
    years: set[int] = set()
    for part in (p.strip() for p in text.split(",") if p.strip()):
        bounds = part.replace("..", "-").split("-")
        try:
            numbers = [int(b) for b in bounds]
        except ValueError:
            raise UsageError(f"cannot read {part!r} as a {what} or range (e.g. 2005..2016 or 1,5,10)") from None
        if len(numbers) not in (1, 2) or numbers[0] > numbers[-1]:
            raise UsageError(f"cannot read {part!r} as a {what} or range (e.g. 2005..2016 or 1,5,10)")
        years.update(range(numbers[0], numbers[-1] + 1))
    if not years:
        raise UsageError(f"no {what}s given")
    return tuple(sorted(years))
