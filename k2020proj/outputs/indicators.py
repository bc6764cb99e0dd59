"""Indicators planners use, computed from the projection and the population.

Per region, year and scenario:

- ``staff_per_1000_80plus``: FTEs of all groups in the results per 1 000 inhabitants
  aged 80 or over (the age group that drives demand for care);
- ``share_staff_55plus``: per cent of employed persons aged 55 or over (those who
  retire within about ten years); needs the workforce by age, else missing;
- ``fte_per_person``: FTEs per employed person (position size; full-time culture);
- ``share_without_health_education``: per cent of FTEs held by staff without
  health or social education (group ``ufag``); missing if that group is not in the data.

"Staff" is the sum of the occupation groups the results hold; with the recorded
data that is nurses only, and tables say which groups are included.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from k2020proj.outputs import results as res
from k2020proj.outputs.population import age_interval

NAMES = ("staff_per_1000_80plus", "share_staff_55plus", "fte_per_person",
         "share_without_health_education")
UNSKILLED = "ufag"
SENIOR_AGE = 55


def indicators(results: pd.DataFrame, groups: pd.DataFrame,
               staff_age: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per level, region, year and scenario with the four indicators.

    ``groups`` is :func:`~k2020proj.outputs.population.demand_groups`' frame;
    ``staff_age`` (optional) has columns ``region, occupation, year, age, persons``.
    Also returns ``staff_fte`` and ``staff_persons`` (the basis, for suppression).
    """
    staff = res.sum_occupations(results, ["supply_fte", "supply_persons"])
    staff = staff.rename(columns={"supply_fte": "staff_fte", "supply_persons": "staff_persons"})
    old = groups[groups["age_group"] == "80+"][["region", "year", "persons"]]
    staff = staff.merge(old.rename(columns={"persons": "pop_80plus"}), on=["region", "year"], how="left")
    staff["staff_per_1000_80plus"] = _ratio(staff["staff_fte"], staff["pop_80plus"]) * 1000
    staff["fte_per_person"] = _ratio(staff["staff_fte"], staff["staff_persons"])
    staff["share_without_health_education"] = _unskilled_share(results, staff)
    staff["share_staff_55plus"] = _senior_share(staff, staff_age)
    return staff[["level", "region", "year", "scenario", "staff_fte", "staff_persons",
                  "pop_80plus", *NAMES]]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is zero or missing."""
    denominator = denominator.where(denominator > 0)
    return numerator / denominator


def _unskilled_share(results: pd.DataFrame, staff: pd.DataFrame) -> pd.Series:
    """Per cent of FTEs in group ``ufag``, aligned with ``staff``'s rows."""
    if UNSKILLED not in set(results["occupation"]):
        return pd.Series(np.nan, index=staff.index)
    rows = res.select(results, variable="supply_fte", occupation=UNSKILLED)
    keyed = staff.merge(rows[["level", "region", "year", "scenario", "value"]],
                        on=["level", "region", "year", "scenario"], how="left")
    return pd.Series(_ratio(keyed["value"], keyed["staff_fte"]).to_numpy() * 100, index=staff.index)


def _senior_share(staff: pd.DataFrame, staff_age: pd.DataFrame | None) -> pd.Series:
    """Per cent of employed persons aged 55+, per region and year (same for every scenario)."""
    if staff_age is None or staff_age.empty:
        return pd.Series(np.nan, index=staff.index)
    ages = staff_age.assign(senior=[age_interval(a)[0] >= SENIOR_AGE for a in staff_age["age"]])
    ages = ages.assign(year=ages["year"].astype(int), region=ages["region"].astype(str))
    total = ages.groupby(["region", "year"])["persons"].sum()
    senior = ages[ages["senior"]].groupby(["region", "year"])["persons"].sum()
    share = (senior.reindex(total.index, fill_value=0.0) / total.where(total > 0) * 100).rename("share")
    keyed = staff.merge(share.reset_index(), on=["region", "year"], how="left")
    return pd.Series(keyed["share"].to_numpy(), index=staff.index)
