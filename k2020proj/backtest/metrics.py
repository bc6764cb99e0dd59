"""Scores of forecast–actual pairs: how far off, and in which direction.

All percentage scores use the actual value as the base and are in percent:

- ``mape``  mean absolute percentage error, mean of ``|f - a| / a``;
- ``mdape`` median absolute percentage error (robust to a few tiny municipalities);
- ``wape``  weighted APE, ``sum |f - a| / sum a``: the error per unit of the whole;
- ``bias``  mean signed percentage error, mean of ``(f - a) / a`` (positive = over-forecast);
- ``within5`` share of pairs with an APE of at most 5 %;
- ``coverage80`` / ``coverage95`` share of actuals inside the 80 / 95 % band, where bands exist.

Pairs with a missing forecast or actual, or an actual of 0, are left out and not
counted in ``n``. Groups are formed by the columns the caller names, so the same
function scores per horizon, per size class, per county or for the nation.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

SCORES = ("mape", "mdape", "wape", "bias", "within5")
#: municipality size classes by inhabitants at the base year (MODEL.md, issue 4)
SIZE_CLASSES = ("<5000", "5000-20000", ">20000")


def size_class(inhabitants: np.ndarray | pd.Series) -> np.ndarray:
    """``<5000``, ``5000-20000`` or ``>20000`` per municipality; ``""`` where unknown."""
    people = np.asarray(inhabitants, dtype=np.float64)
    classes = np.where(people < 5000, SIZE_CLASSES[0],
                       np.where(people <= 20000, SIZE_CLASSES[1], SIZE_CLASSES[2]))
    return np.where(np.isnan(people), "", classes).astype(object)


def scorable(pairs: pd.DataFrame) -> pd.DataFrame:
    """The pairs a percentage score can use: both values present, actual above 0."""
    ok = np.isfinite(pairs["forecast"]) & np.isfinite(pairs["actual"]) & (pairs["actual"] > 0)
    return pairs.loc[ok]


def score(pairs: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """One row of scores per group of ``by`` columns (``n`` pairs, the scores, coverages)."""
    usable = scorable(pairs).copy()
    if usable.empty:
        return pd.DataFrame(columns=[*by, "n", *SCORES])
    error = usable["forecast"] - usable["actual"]
    usable["_abs"] = error.abs()
    usable["_ape"] = usable["_abs"] / usable["actual"] * 100
    usable["_pe"] = error / usable["actual"] * 100
    usable["_in5"] = (usable["_ape"] <= 5) * 100.0
    bands = [b for b in ("80", "95") if f"lo{b}" in usable and f"hi{b}" in usable]
    for band in bands:
        lo, hi = usable[f"lo{band}"], usable[f"hi{band}"]
        usable[f"_in{band}"] = np.where(lo.notna() & hi.notna(),
                                        (usable["actual"] >= lo) & (usable["actual"] <= hi), np.nan) * 100
    grouped = usable.groupby(list(by), sort=True, dropna=False)
    sums = grouped[["_abs", "actual"]].sum()
    table = pd.DataFrame({
        "n": grouped.size(),
        "mape": grouped["_ape"].mean(),
        "mdape": grouped["_ape"].median(),
        "wape": sums["_abs"] / sums["actual"] * 100,
        "bias": grouped["_pe"].mean(),
        "within5": grouped["_in5"].mean(),
    })
    for band in bands:
        table[f"coverage{band}"] = grouped[f"_in{band}"].mean()
    return table.reset_index()
