"""A backtest's scores read out in one paragraph: where the forecast wins, where it loses.

The paragraph is generated from the score tables, never written by hand: for each
municipality size class and for all municipalities summed (or, at county and national
level, for the level itself) it says at which horizons the forecast has a lower MAPE
than every naive baseline, which baseline beats it where it does not, by how much at
the longest horizon, and how far each method's bias strays from zero.
"""
from __future__ import annotations

import pandas as pd

from k2020proj.backtest.runner import BacktestResult, span_text

#: the naive forecasts a method is judged against (those a run has)
BASELINES = ("no_change", "trend", "per_capita")
#: the model on actual population: the forecast issue 4 asks to be judged for personnel
PERFECT_POPULATION = "model_actual_pop"
_UNITS = {"<5000": "municipalities under 5 000 inhabitants",
          "5000-20000": "municipalities of 5 000–20 000 inhabitants",
          ">20000": "municipalities over 20 000 inhabitants"}


def reading(result: BacktestResult, group: str = "total") -> str:
    """The paragraph for ``group`` (one sentence per unit, then one on bias)."""
    methods = set(result.tables["overall"]["method"])
    subject = PERFECT_POPULATION if PERFECT_POPULATION in methods else result.reference
    baselines = [b for b in BASELINES if b in methods]
    units = _units(result, group)
    if not baselines or not units:
        return ""
    label = subject + (" (the model on actual population)" if subject == PERFECT_POPULATION else "")
    opening = (f"Reading (generated from the MAPE of group {group}, base years "
               f"{span_text(result.base_years)}): {label} against the baselines {', '.join(baselines)}.")
    sentences = [_unit_sentence(name, frame, subject, baselines) for name, frame in units]
    return " ".join([opening, *sentences, _bias_sentence(units, subject, baselines)])


def _units(result: BacktestResult, group: str) -> list[tuple[str, pd.DataFrame]]:
    """(name, score rows of that unit and group): size classes and the sum, else the level."""
    units = []
    sizes = result.tables.get("size_class")
    if sizes is not None:
        for size, frame in sizes[sizes["group"] == group].groupby("size_class", sort=False):
            units.append((_UNITS.get(size, size), frame))
    total = result.tables.get("sum")
    if total is not None and not total[total["group"] == group].empty:
        units.append(("all municipalities summed", total[total["group"] == group]))
    if not units:
        overall = result.tables["overall"]
        units.append((f"the {result.level} level", overall[overall["group"] == group]))
    return [(name, frame) for name, frame in units if not frame.empty]


def _unit_sentence(name: str, frame: pd.DataFrame, subject: str, baselines: list[str]) -> str:
    """Where ``subject`` has the lowest MAPE in this unit, which baselines it beats where,
    and every method's MAPE at the longest horizon."""
    wide = frame.pivot_table(index="horizon", columns="method", values="mape").dropna(subset=[subject])
    present = [b for b in baselines if b in wide]
    best = wide[present].idxmin(axis=1)
    wins = [h for h in wide.index if wide.at[h, subject] < wide.at[h, best[h]]]
    if len(wins) == len(wide.index):
        verdict = "has the lowest error at every horizon"
    elif wins:
        verdict = f"has the lowest error {_horizons(wins)}"
    else:
        rival = best.value_counts().index[0]
        verdict = f"never has the lowest error ({rival} has, {_horizons(list(best[best == rival].index))})"
    beats = ", ".join(f"{b} {_horizons([h for h in wide.index if wide.at[h, subject] < wide.at[h, b]])}"
                      for b in present)
    last = wide.index.max()
    figures = ", ".join(f"{m} {wide.at[last, m]:.1f} %" for m in [subject, *present])
    return f"In {name} it {verdict}; it beats {beats} (h{last}: {figures})."


def _bias_sentence(units: list[tuple[str, pd.DataFrame]], subject: str, baselines: list[str]) -> str:
    """The range of each method's mean signed error over the units and horizons."""
    frame = pd.concat([f for _, f in units])
    ranges = []
    for method in [subject, *baselines]:
        bias = frame.loc[frame["method"] == method, "bias"].dropna()
        if not bias.empty:
            ranges.append(f"{method} {_signed(bias.min())} to {_signed(bias.max())} %")
    return f"Bias (mean signed error) across these units and horizons: {'; '.join(ranges)}."


def _horizons(horizons: list[int]) -> str:
    """``at h1–3`` for a run of horizons, ``at h1, h4, h6``, or ``nowhere``."""
    horizons = sorted(int(h) for h in horizons)
    if not horizons:
        return "nowhere"
    if len(horizons) > 1 and horizons == list(range(horizons[0], horizons[-1] + 1)):
        return f"at h{horizons[0]}–{horizons[-1]}"
    return "at " + ", ".join(f"h{h}" for h in horizons)


def _signed(value: float) -> str:
    """``+1.2``, ``-0.4``, and ``0.0`` rather than ``-0.0`` or ``+0.0``."""
    text = f"{value:+.1f}"
    return "0.0" if text in ("+0.0", "-0.0") else text
