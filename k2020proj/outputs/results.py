"""Selections from the model's tidy result frame, shared by tables, charts and text.

The frame is what ``Projection.to_frame()`` returns, for one or several scenarios
stacked: columns ``level, region, occupation, year, scenario, variable, value,
lo95, lo80, hi80, hi95``. ``occupation`` holds a service code for the rows of
``demand_index``. These helpers cut it without knowing how it was computed.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import pandas as pd

from k2020proj.errors import DataError

COLUMNS = ("level", "region", "occupation", "year", "scenario", "variable",
           "value", "lo95", "lo80", "hi80", "hi95")
BANDS = ("lo95", "lo80", "hi80", "hi95")

#: occupation code of an all-groups total, if the model adds one (never summed again)
TOTAL = "total"


def check(results: pd.DataFrame) -> pd.DataFrame:
    """The frame with codes as text and years as integers; an error naming missing columns."""
    missing = [c for c in COLUMNS if c not in results.columns]
    if missing:
        raise DataError(f"projection results lack the columns {', '.join(missing)}")
    out = results.copy()
    for column in ("level", "region", "occupation", "scenario", "variable"):
        out[column] = out[column].astype(str)
    out["year"] = out["year"].astype(int)
    return out


def wide(results: pd.DataFrame, variables: Sequence[str], **where: object) -> pd.DataFrame:
    """Values of ``variables`` side by side, one row per level, region, occupation, year, scenario.

    ``where`` filters on columns first (a list keeps several values): ``wide(r, ["supply_fte"],
    year=[2024, 2040], scenario="referanse")``.
    """
    cut = select(results, variable=list(variables), **where)
    keys = ["level", "region", "occupation", "year", "scenario"]
    if cut.duplicated(keys + ["variable"]).any():
        raise DataError("projection results repeat a row (same region, occupation, year, scenario, variable)")
    order = pd.MultiIndex.from_frame(cut[keys].drop_duplicates())
    table = cut.set_index(keys + ["variable"])["value"].unstack("variable").reindex(order)
    table = table.reindex(columns=list(variables)).reset_index()
    table.columns.name = None
    return table


def select(results: pd.DataFrame, **where: object) -> pd.DataFrame:
    """Rows of ``results`` whose columns equal the given values (a list: any of them)."""
    mask = pd.Series(True, index=results.index)
    for column, wanted in where.items():
        if isinstance(wanted, (list, tuple, set)):
            mask &= results[column].isin(list(wanted))
        else:
            mask &= results[column] == wanted
    return results[mask]


def occupations(results: pd.DataFrame) -> list[str]:
    """Occupation groups in the results, in order of first appearance (no service codes)."""
    rows = results[results["variable"] != "demand_index"]
    return [o for o in pd.unique(rows["occupation"]) if o != TOTAL]


def services(results: pd.DataFrame) -> list[str]:
    """Service codes of the demand index rows."""
    return list(pd.unique(results.loc[results["variable"] == "demand_index", "occupation"]))


def sum_occupations(results: pd.DataFrame, variables: Iterable[str]) -> pd.DataFrame:
    """``variables`` summed over occupation groups per level, region, year and scenario.

    Only the point values are summed (bands of a sum are not the sum of bands);
    an occupation ``total`` from the model is left out so nothing counts twice.
    """
    rows = select(results, variable=list(variables))
    rows = rows[rows["occupation"] != TOTAL]
    keys = ["level", "region", "year", "scenario", "variable"]
    summed = rows.groupby(keys, sort=False)["value"].sum(min_count=1).reset_index()
    return summed.pivot_table(index=keys[:-1], columns="variable", values="value",
                              sort=False).reset_index().rename_axis(columns=None)
