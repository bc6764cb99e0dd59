"""The package's tables, built from already-computed results.

Each function returns a :class:`~k2020proj.outputs.formats.Table` with exact values
and machine column names; the writers round, hide small cells and label them. The
same tables feed the XLSX sheets, the CSV files and the HTML pages (a municipality
page shows the rows of its own region).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from k2020proj.outputs import labels
from k2020proj.outputs import results as res
from k2020proj.outputs.formats import Table
from k2020proj.outputs.indicators import NAMES as INDICATOR_NAMES
from k2020proj.outputs.population import DEMAND_GROUPS

FLOWS = ("supply_fte", "supply_persons", "demand_fte", "demand_persons", "gap_fte", "gap_persons",
         "recruitment_need_fte", "recruitment_need_persons")


@dataclass(frozen=True)
class Context:
    """What every table needs to know: names, years, scenarios, language and its notes."""

    names: Mapping[str, str]
    base_year: int
    horizon: int
    scenarios: Sequence[str]
    lang: str
    notes: tuple[str, ...]

    @property
    def years(self) -> list[int]:
        """Base year, the round five-years between, and the horizon."""
        middle = [y for y in range(self.base_year + 1, self.horizon) if y % 5 == 0]
        return [self.base_year, *middle, self.horizon]

    def t(self, key: str, **fields: object) -> str:
        return labels.text(key, self.lang, **fields)


def _named(frame: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    """``frame`` with ``region_name`` after ``region`` (codes stay text)."""
    frame = frame.copy()
    frame.insert(frame.columns.get_loc("region") + 1, "region_name",
                 [ctx.names.get(r, r) for r in frame["region"]])
    return frame


def _base_headers(ctx: Context) -> dict[str, str]:
    return {"region": ctx.t("region_code"), "region_name": ctx.t("name"), "level": ctx.t("level"),
            "occupation": ctx.t("occupation_code"), "occupation_name": ctx.t("occupation"),
            "scenario": ctx.t("scenario"), "year": ctx.t("year"), "service": ctx.t("service_code"),
            "service_name": ctx.t("service"), "age_group": ctx.t("age_group")}


def population(groups: pd.DataFrame, ctx: Context) -> Table:
    """Population by the age groups that drive demand, base year and horizon, with growth."""
    order = [*DEMAND_GROUPS, "total"]
    cut = groups[groups["year"].isin([ctx.base_year, ctx.horizon])]
    wide = cut.pivot_table(index=["region", "age_group"], columns="year", values="persons",
                           sort=False).reset_index()
    wide.columns = ["region", "age_group", "persons_base", "persons_horizon"]
    wide["age_group"] = pd.Categorical(wide["age_group"], order, ordered=True)
    wide = wide.sort_values(["region", "age_group"], kind="stable").astype({"age_group": str})
    wide["change"] = wide["persons_horizon"] - wide["persons_base"]
    wide["growth_pct"] = (wide["persons_horizon"] / wide["persons_base"] - 1) * 100
    headers = {**_base_headers(ctx),
               "persons_base": f"{ctx.t('persons')} {ctx.base_year}",
               "persons_horizon": f"{ctx.t('persons')} {ctx.horizon}",
               "change": ctx.t("change"), "growth_pct": ctx.t("growth")}
    return Table("population", ctx.t("population"), _named(wide.reset_index(drop=True), ctx),
                 headers, ctx.notes, decimals={"growth_pct": 1})


def supply_demand(results: pd.DataFrame, ctx: Context) -> Table:
    """Supply, demand, gap (with its 80 % band) and recruitment need, FTEs and persons side by side."""
    rows = res.wide(results, FLOWS, year=ctx.years)
    rows = rows[rows["occupation"].isin(res.occupations(results))]
    bands = res.select(results, variable="gap_fte", year=ctx.years)[
        ["level", "region", "occupation", "year", "scenario", "lo80", "hi80"]]
    rows = rows.merge(bands.rename(columns={"lo80": "gap_fte_lo80", "hi80": "gap_fte_hi80"}),
                      on=["level", "region", "occupation", "year", "scenario"], how="left")
    rows = _named(rows, ctx)
    rows.insert(rows.columns.get_loc("occupation") + 1, "occupation_name",
                [labels.occupation(o, ctx.lang) for o in rows["occupation"]])
    headers = {**_base_headers(ctx), **{v: labels.variable(v, ctx.lang) for v in FLOWS},
               "gap_fte_lo80": f"{labels.variable('gap_fte', ctx.lang)}, {ctx.t('band80')} {ctx.t('low')}",
               "gap_fte_hi80": f"{labels.variable('gap_fte', ctx.lang)}, {ctx.t('band80')} {ctx.t('high')}"}
    value_columns = [*FLOWS, "gap_fte_lo80", "gap_fte_hi80"]
    return Table("supply_demand", ctx.t("supply_demand"), rows, headers, ctx.notes,
                 persons={c: "supply_persons" for c in value_columns})


def demand_index(results: pd.DataFrame, ctx: Context) -> Table:
    """The demand index per service (base year = 1), one column per reported year."""
    rows = res.select(results, variable="demand_index", year=ctx.years)
    wide = rows.pivot_table(index=["level", "region", "occupation", "scenario"], columns="year",
                            values="value", sort=False).reset_index().rename_axis(columns=None)
    wide = wide.rename(columns={"occupation": "service", **{y: f"index_{y}" for y in ctx.years}})
    wide = _named(wide, ctx)
    wide.insert(wide.columns.get_loc("service") + 1, "service_name",
                [labels.service(s, ctx.lang) for s in wide["service"]])
    headers = {**_base_headers(ctx), **{f"index_{y}": str(y) for y in ctx.years}}
    return Table("demand_index", labels.variable("demand_index", ctx.lang), wide, headers, ctx.notes,
                 decimals={f"index_{y}": 2 for y in ctx.years})


def indicators(values: pd.DataFrame, ctx: Context, groups_included: Sequence[str]) -> Table:
    """The four indicators, base year and horizon, with the staff counts they rest on."""
    rows = values[values["year"].isin([ctx.base_year, ctx.horizon])].reset_index(drop=True)
    rows = _named(rows, ctx)
    included = ", ".join(labels.occupation(g, ctx.lang) for g in groups_included)
    headers = {**_base_headers(ctx), "staff_fte": labels.text("fte", ctx.lang),
               "staff_persons": labels.text("persons", ctx.lang),
               "pop_80plus": f"{ctx.t('population')} 80+",
               **{name: labels.variable(name, ctx.lang) for name in INDICATOR_NAMES}}
    notes = (ctx.t("groups_included", groups=included), *ctx.notes)
    persons = {c: "staff_persons" for c in ("staff_fte", "staff_persons", *INDICATOR_NAMES)}
    return Table("indicators", ctx.t("indicators"), rows, headers, notes, persons=persons,
                 decimals={"staff_per_1000_80plus": 1, "share_staff_55plus": 1,
                           "fte_per_person": 2, "share_without_health_education": 1})


def overview(results: pd.DataFrame, groups: pd.DataFrame, ctx: Context) -> Table:
    """The county overview: one row per municipality and the county, main scenario, at the horizon."""
    main, base, end = ctx.scenarios[0], ctx.base_year, ctx.horizon
    staff = res.sum_occupations(res.select(results, scenario=main),
                                ["supply_fte", "supply_persons", "demand_fte", "gap_fte",
                                 "gap_persons", "recruitment_need_persons"])
    at = {y: staff[staff["year"] == y].set_index("region") for y in (base, end)}
    pop = groups.set_index(["region", "age_group", "year"])["persons"]
    regions = list(ctx.names)
    frame = pd.DataFrame({"region": regions})
    frame["population_base"] = [pop.get((r, "total", base), np.nan) for r in regions]
    frame["pop80_base"] = [pop.get((r, "80+", base), np.nan) for r in regions]
    frame["pop80_horizon"] = [pop.get((r, "80+", end), np.nan) for r in regions]
    frame["pop80_growth_pct"] = (frame["pop80_horizon"] / frame["pop80_base"] - 1) * 100
    frame["staff_persons_base"] = at[base]["supply_persons"].reindex(regions).to_numpy()
    frame["staff_fte_base"] = at[base]["supply_fte"].reindex(regions).to_numpy()
    for column in ("demand_fte", "supply_fte", "gap_fte", "gap_persons"):
        frame[f"{column}_horizon"] = at[end][column].reindex(regions).to_numpy()
    frame["gap_pct_of_demand"] = frame["gap_fte_horizon"] / frame["demand_fte_horizon"] * 100
    frame["recruitment_per_year"] = _mean_recruitment(staff, regions, base, end)
    headers = _overview_headers(ctx)
    persons = {c: "staff_persons_base" for c in headers if c.startswith(("staff", "demand", "supply",
                                                                          "gap", "recruitment"))}
    return Table("overview", f"{ctx.t('overview')} – {ctx.scenarios[0]}, {end}", _named(frame, ctx),
                 headers, ctx.notes, persons=persons,
                 decimals={"pop80_growth_pct": 1, "gap_pct_of_demand": 1})


def _mean_recruitment(staff: pd.DataFrame, regions: list[str], base: int, end: int) -> np.ndarray:
    """Mean yearly recruitment need (persons) over the years after the base year."""
    later = staff[(staff["year"] > base) & (staff["year"] <= end)]
    return later.groupby("region")["recruitment_need_persons"].mean().reindex(regions).to_numpy()


def _overview_headers(ctx: Context) -> dict[str, str]:
    b, h = ctx.base_year, ctx.horizon
    v = lambda name: labels.variable(name, ctx.lang)  # noqa: E731 - local shorthand
    return {**_base_headers(ctx),
            "population_base": f"{ctx.t('population')} {b}",
            "pop80_base": f"{ctx.t('population')} 80+ {b}",
            "pop80_horizon": f"{ctx.t('population')} 80+ {h}",
            "pop80_growth_pct": f"{ctx.t('growth')} 80+",
            "staff_persons_base": f"{v('supply_persons')} {b}",
            "staff_fte_base": f"{v('supply_fte')} {b}",
            "demand_fte_horizon": f"{v('demand_fte')} {h}",
            "supply_fte_horizon": f"{v('supply_fte')} {h}",
            "gap_fte_horizon": f"{v('gap_fte')} {h}",
            "gap_persons_horizon": f"{v('gap_persons')} {h}",
            "gap_pct_of_demand": ctx.t("gap_pct"),
            "recruitment_per_year": v("recruitment_need_persons")}


def scenarios(results: pd.DataFrame, ctx: Context) -> Table:
    """Scenarios side by side at the horizon: supply, demand and gap in FTEs per region and group."""
    rows = res.wide(results, ["supply_fte", "demand_fte", "gap_fte", "supply_persons"], year=ctx.horizon)
    rows = rows[rows["occupation"].isin(res.occupations(results))]
    wide = rows.pivot_table(index=["level", "region", "occupation"], columns="scenario",
                            values=["supply_fte", "demand_fte", "gap_fte", "supply_persons"],
                            sort=False)
    wide.columns = [f"{variable}__{scenario}" for variable, scenario in wide.columns]
    order = [f"{v}__{s}" for s in ctx.scenarios for v in ("supply_fte", "demand_fte", "gap_fte")]
    basis = f"supply_persons__{ctx.scenarios[0]}"
    wide = _named(wide[order + [basis]].reset_index().rename(columns={basis: "supply_persons"}), ctx)
    wide.insert(wide.columns.get_loc("occupation") + 1, "occupation_name",
                [labels.occupation(o, ctx.lang) for o in wide["occupation"]])
    headers = {**_base_headers(ctx), "supply_persons": f"{labels.variable('supply_persons', ctx.lang)} "
               f"({ctx.scenarios[0]})",
               **{c: f"{labels.variable(c.split('__')[0], ctx.lang)} – {c.split('__')[1]}" for c in order}}
    return Table("scenarios", f"{ctx.t('scenario_compare')} {ctx.horizon}", wide, headers, ctx.notes,
                 persons={c: "supply_persons" for c in [*order, "supply_persons"]})


def for_region(table: Table, region: str) -> Table:
    """The rows of ``table`` that belong to ``region``, without the columns naming the region."""
    rows = table.frame[table.frame["region"] == region].reset_index(drop=True)
    return replace(table, frame=rows.drop(columns=["level", "region", "region_name"], errors="ignore"))
