"""Score tables from backtest pairs, the error decomposition, and the CI regression check.

:func:`summarise` turns pairs into the tables a report shows: scores per method and
horizon (all regions pooled), per municipality size class, per county, for all the run's
municipalities summed (the nation, when the run is not filtered) and per region. :func:`decompose` splits the model's error into the part due to the
population projection and the part due to the model itself. :func:`check` compares
scores with a stored baseline and names every score that got worse beyond the tolerance.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from k2020proj.backtest.metrics import SCORES, SIZE_CLASSES, score, scorable
from k2020proj.errors import DataError

KEY = ["level", "group", "method", "horizon"]
#: scores where a higher value is better; for the others lower (bias: closer to 0) is better
HIGHER_IS_BETTER = ("within5",)


def summarise(pairs: pd.DataFrame, reference: str | None = None,
              groups: Sequence[str] = ()) -> dict[str, pd.DataFrame]:
    """Score tables: ``overall``, ``size_class``, ``county`` and ``sum`` (kommune level),
    ``region``, and ``decomposition`` where the model ran on projected population.

    Rows follow the order of ``groups`` (then the pairs' order of any other group) and
    the pairs' order of methods, with ``reference`` first.
    """
    order = _order(pairs, reference, groups)
    tables = {"overall": order(score(pairs, KEY))}
    municipal = pairs[pairs["level"] == "kommune"]
    if not municipal.empty:
        tables["size_class"] = order(score(municipal[municipal["size_class"] != ""], ["size_class", *KEY]))
        tables["county"] = order(score(municipal[municipal["county"] != ""], ["county", *KEY]))
        tables["sum"] = order(score(summed(municipal), KEY))
    tables["region"] = order(score(pairs, ["region", *KEY]))
    decomposition = decompose(pairs)
    if not decomposition.empty:
        tables["decomposition"] = decomposition
    return tables


def _order(pairs: pd.DataFrame, reference: str | None, first: Sequence[str]):
    """A sorter of score tables: leading columns as given, then groups and methods in order."""
    groups = list(dict.fromkeys([*first, *pairs["group"]]))
    methods = list(dict.fromkeys(([reference] if reference in set(pairs["method"]) else []) + list(pairs["method"])))

    def sort(table: pd.DataFrame) -> pd.DataFrame:
        extra = list(table.columns[:table.columns.get_loc("level")])
        keyed = table.assign(_g=table["group"].map(groups.index), _m=table["method"].map(methods.index))
        if "size_class" in extra:
            keyed["size_class"] = pd.Categorical(keyed["size_class"], SIZE_CLASSES, ordered=True)
        ordered = keyed.sort_values([*extra, "level", "_g", "_m", "horizon"], kind="stable")
        if "size_class" in extra:
            ordered["size_class"] = ordered["size_class"].astype(str)
        return ordered.drop(columns=["_g", "_m"]).reset_index(drop=True)
    return sort


def summed(pairs: pd.DataFrame) -> pd.DataFrame:
    """Municipal pairs summed per base year, target year, group and method (level ``sum``).

    A method's sum is kept only where it covers as many municipalities as the fullest
    method for that base year, year and group (the pairs are already cut to the
    reference method's), so every method's total is over the same municipalities.
    """
    keys = ["base_year", "horizon", "year", "group", "method"]
    usable = scorable(pairs[pairs["level"] == "kommune"])
    sums = usable.groupby(keys, as_index=False).agg(
        forecast=("forecast", "sum"), actual=("actual", "sum"), n_regions=("region", "size"))
    fullest = sums.groupby(["base_year", "year", "group"])["n_regions"].transform("max")
    return sums[sums["n_regions"] == fullest].assign(level="sum", region="sum").reset_index(drop=True)


def decompose(pairs: pd.DataFrame, model: str = "model", perfect: str = "model_actual_pop") -> pd.DataFrame:
    """Split the model's error where it ran on projected population.

    For each pair, ``(f - a)/a = (f - f*)/a + (f* - a)/a`` with ``f*`` the forecast of the
    same model on actual population: the first term is the population projection's
    part, the second the model's own. Means of the signed parts add up exactly to the
    total bias; WAPE of both runs is shown beside them.
    """
    keys = ["base_year", "year", "level", "region", "group"]
    left = pairs[(pairs["method"] == model) & (pairs["population_leg"] == "projected")]
    right = pairs[pairs["method"] == perfect][[*keys, "forecast"]].rename(columns={"forecast": "perfect"})
    both = left.merge(right, on=keys)
    both = both[both["actual"] > 0]
    if both.empty:
        return pd.DataFrame(columns=["level", "group", "horizon", "n", "bias_total",
                                     "bias_population", "bias_model", "wape_total", "wape_model"])
    both = both.assign(
        total=(both["forecast"] - both["actual"]) / both["actual"] * 100,
        population=(both["forecast"] - both["perfect"]) / both["actual"] * 100,
        own=(both["perfect"] - both["actual"]) / both["actual"] * 100,
        abs_total=(both["forecast"] - both["actual"]).abs(),
        abs_own=(both["perfect"] - both["actual"]).abs())
    grouped = both.groupby(["level", "group", "horizon"])
    return pd.DataFrame({
        "n": grouped.size(), "bias_total": grouped["total"].mean(),
        "bias_population": grouped["population"].mean(), "bias_model": grouped["own"].mean(),
        "wape_total": grouped["abs_total"].sum() / grouped["actual"].sum() * 100,
        "wape_model": grouped["abs_own"].sum() / grouped["actual"].sum() * 100,
    }).reset_index()


def score_records(target: str, overall: pd.DataFrame) -> list[dict]:
    """The overall scores as flat records (``target, level, group, method, horizon, score, value``)."""
    records = []
    for row in overall.to_dict("records"):
        for name in SCORES:
            value = row[name]
            records.append({"target": target, **{k: row[k] for k in KEY}, "horizon": int(row["horizon"]),
                            "score": name, "value": None if pd.isna(value) else round(float(value), 4)})
    return records


def check(current: Sequence[Mapping], baseline: Mapping, tolerance: float | None = None) -> list[str]:
    """Every score of ``baseline`` that ``current`` makes worse by more than the tolerance.

    ``baseline`` is ``{"tolerance": <percentage points>, "scores": [records]}``; a score
    is worse when it rises (falls, for ``within5``) by more than the tolerance, or for
    ``bias`` when its distance from 0 grows by more. A baseline score missing from the
    current run is reported too. Returns one message per failure; empty means pass.
    """
    if "scores" not in baseline:
        raise DataError("backtest baseline has no 'scores' list")
    tol = float(tolerance if tolerance is not None else baseline.get("tolerance", 0.5))
    index = {_key(r): r["value"] for r in current}
    failures = []
    for record in baseline["scores"]:
        old, new = record["value"], index.get(_key(record), np.nan)
        if old is None:
            continue
        label = " ".join(f"{k}={record[k]}" for k in ("target", "level", "group", "method", "horizon"))
        if new is None or np.isnan(new):
            failures.append(f"{label}: {record['score']} missing (baseline {old:.2f})")
        elif _worse(record["score"], float(old), float(new), tol):
            failures.append(f"{label}: {record['score']} {new:.2f} is worse than baseline "
                            f"{old:.2f} beyond tolerance {tol:g}")
    return failures


def _key(record: Mapping) -> tuple:
    return tuple(str(record[k]) for k in ("target", "level", "group", "method", "horizon", "score"))


def _worse(name: str, old: float, new: float, tolerance: float) -> bool:
    if name in HIGHER_IS_BETTER:
        return new < old - tolerance
    if name == "bias":
        return abs(new) > abs(old) + tolerance
    return new > old + tolerance
