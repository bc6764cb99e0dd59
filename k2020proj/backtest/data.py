"""Build backtest panels from a data source, in the municipality structure of the actuals.

The actuals of every target are in the 2024 structure (the recorded panel's, and the
newest). 07459 exports (each year in its own codes) and projection vintages (in their
vintage's codes) are harmonised to it with the region history (merges summed, splits
by population weights, missing predecessors NaN), and the mappings are kept for the
report. Ages are summed into the scored groups (:mod:`k2020proj.backtest.groups`).

- ``population``: 07459 single years (to 2021) give total, 0–66, 67–79, 80–89, 90+ and 80+;
  after that the panel's age groups (total, 0–66, 67–79, 80+), so 80–89 and 90+ end where
  the single years do. The whole country (``0``) is the sum of the municipalities in years
  where none is missing, else NaN.
- ``demand``: home-care and long-term-care users by age group; a missing 67–79 count is
  the total minus the other two groups where all three are known (12292 has no 67–79).
- ``personnel``: nurse FTEs in municipal care (``spl``), with the single-year population
  of each base year the model needs.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from k2020proj.backtest.engine import NATION, Forecaster, Panel
from k2020proj.backtest.groups import regroup
from k2020proj.backtest.personnel import PersonnelForecaster
from k2020proj.backtest.targets import demand_forecasts, population_forecasts
from k2020proj.backtest.vintages import VINTAGE_TABLES
from k2020proj.cube import Cube, concat
from k2020proj.errors import UsageError
from k2020proj.harmonised import harmonise
from k2020proj.regions import RegionHistory

TARGET_STRUCTURE = "2024"
POPULATION_GROUPS = ("total", "0-66", "67-79", "80-89", "90+", "80+")
SCORED_POPULATION_GROUPS = ("total", "67-79", "80-89", "90+", "80+")
#: the groups service users are recorded in; demand and personnel grow population by these
USER_GROUPS = ("0-66", "67-79", "80+", "total")
SERVICES = ("home_care", "ltc")
#: last year of 07459 single-year ages in the recorded source; the panel's groups after it
LAST_SINGLE_YEAR = 2021
FIRST_YEAR, LAST_YEAR = 2005, 2025
PANEL_YEARS = range(2015, LAST_YEAR + 1)


@dataclass
class Inputs:
    """The data source, its region history and the mapping notes collected while building."""

    source: object
    history: RegionHistory
    notes: list[str]

    def harmonised(self, cube: Cube, what: str, keep: Iterable[str] | None = None) -> Cube:
        """``cube`` in the 2024 structure; the mapping of the ``keep`` codes (or a summary) noted."""
        result, report = harmonise(cube, self.history, TARGET_STRUCTURE)
        rows = report.to_frame()
        if keep is not None:
            chosen = rows[rows["to_code"].isin(set(keep)) & (rows["method"] != "identity")]
            self.notes += [f"{what}: {r.from_code} {r.from_name} → {r.to_code} {r.to_name} ({r.method})"
                           for r in chosen.drop_duplicates(["from_code", "to_code"]).itertuples()]
        else:
            self.notes += [f"{what}: {line.strip()}" for line in str(report).splitlines()]
        return result

    def county_of(self, regions: Sequence[str]) -> dict[str, str]:
        return {r: self.history.county_of(r).code for r in regions if len(r) == 4}


def single_year_population(inputs: Inputs, years: Sequence[int]) -> Cube:
    """07459, both sexes, single years (region, age, year), 2024 structure."""
    cube = inputs.source.population(list(years))
    cube = cube.sum("sex") if "sex" in cube.dims else cube
    return inputs.harmonised(cube, "07459").transpose("region", "age", "year")


def grouped_population(inputs: Inputs, years: Sequence[int]) -> Cube:
    """The panel's population by age group (2024 structure), in the groups it has."""
    cube = inputs.source.population_groups(list(years))
    return regroup(cube, POPULATION_GROUPS).transpose("region", "group", "year")


def actual_population(inputs: Inputs) -> Cube:
    """Scored groups from single years to 2021 and from the panel after; plus the nation."""
    single = regroup(single_year_population(inputs, range(FIRST_YEAR, LAST_SINGLE_YEAR + 1)),
                     POPULATION_GROUPS).transpose("region", "group", "year")
    later = grouped_population(inputs, range(LAST_SINGLE_YEAR + 1, LAST_YEAR + 1))
    regions = [r for r in single.codes["region"] if r in set(later.codes["region"])]
    joined = concat([single.sel(region=regions), later.sel(region=regions)], "year")
    nation = joined.sum("region")
    nation_values = nation.values[None]
    return concat([joined, Cube(joined.dims, {**joined.codes, "region": (NATION,)}, nation_values,
                                {**joined.labels, "region": ("Hele landet",)})], "region")


def projections(inputs: Inputs, keep: Sequence[str], groups: Sequence[str]) -> dict[int, Cube]:
    """Every recorded projection vintage (MMMM) in the 2024 structure, by ``groups``.

    Only the municipalities in ``keep`` and the whole country are kept (counties are
    formed by summing municipalities, so a vintage's own county row is not needed).
    """
    found = {}
    for vintage in VINTAGE_TABLES:
        try:
            cube = inputs.source.projection(vintage, "MMMM")
        except UsageError:
            continue
        cube = cube.sum("sex") if "sex" in cube.dims else cube
        harmonised = inputs.harmonised(cube, f"vintage {vintage} ({cube.meta.get('table')})", keep)
        wanted = [r for r in harmonised.codes["region"] if r in set(keep) or r == NATION]
        found[vintage] = regroup(harmonised.sel(region=wanted), groups).transpose("region", "group", "year")
    return found


def population_panel(inputs: Inputs) -> Panel:
    """Actual population (scored groups) against every recorded projection vintage."""
    actual = actual_population(inputs)
    municipal = [r for r in actual.codes["region"] if r != NATION]
    found = projections(inputs, municipal, POPULATION_GROUPS)
    scored = actual.sel(group=list(SCORED_POPULATION_GROUPS))
    return Panel("population", scored, actual, found, inputs.county_of(municipal),
                 provenance(inputs, found))


def demand_panel(inputs: Inputs) -> Panel:
    """Service users by service and age group against population by the same age groups."""
    population = grouped_population(inputs, PANEL_YEARS).sel(group=list(USER_GROUPS))
    actual = users_by_group(inputs.source.care_users(list(PANEL_YEARS)), population.codes["region"])
    found = projections(inputs, actual.codes["region"], USER_GROUPS)
    return Panel("demand", actual, population, found, inputs.county_of(actual.codes["region"]),
                 provenance(inputs, found))


def users_by_group(users: Cube, regions: Sequence[str]) -> Cube:
    """(region, ``service:age``, year); 67–79 filled as total − 0–66 − 80+ where it is missing."""
    users = users.sel(region=[r for r in users.codes["region"] if r in set(regions)],
                      service=list(SERVICES), age=list(USER_GROUPS)).transpose("region", "service", "age", "year")
    values = users.values.copy()
    young, middle, old, total = range(len(USER_GROUPS))
    derived = values[:, :, total] - values[:, :, young] - values[:, :, old]
    values[:, :, middle] = np.where(np.isnan(values[:, :, middle]) & (derived >= 0), derived, values[:, :, middle])
    codes = [f"{s}:{a}" for s in SERVICES for a in USER_GROUPS]
    return Cube(("region", "group", "year"), {"region": users.codes["region"], "group": codes,
                                              "year": users.codes["year"]},
                values.reshape(values.shape[0], -1, values.shape[-1]), meta=users.meta)


def personnel_panel(inputs: Inputs, scenario: str = "referanse", draws: int = 0) -> tuple[Panel, Forecaster]:
    """Nurse FTEs against population, and the model forecaster with the data it needs.

    The forecaster gets the single-year population of 2015–2021 (the model's age
    structure at t0) and the service users (base-year user rates at t0).
    """
    fte = inputs.source.personnel_fte(list(PANEL_YEARS)).sel(occupation="spl")
    population = grouped_population(inputs, PANEL_YEARS).sel(group=list(USER_GROUPS))
    regions = [r for r in fte.codes["region"] if r in set(population.codes["region"])]
    fte = fte.sel(region=regions).transpose("region", "year")
    actual = Cube(("region", "group", "year"), {"region": regions, "group": ["total"], "year": fte.codes["year"]},
                  fte.values[:, None, :], meta=fte.meta)
    found = projections(inputs, regions, USER_GROUPS)
    single = single_year_population(inputs, range(PANEL_YEARS[0], LAST_SINGLE_YEAR + 1))
    users = users_by_group(inputs.source.care_users(list(PANEL_YEARS)), population.codes["region"])
    panel = Panel("personnel", actual, population, found, inputs.county_of(regions), provenance(inputs, found))
    return panel, PersonnelForecaster(single, users, scenario, draws)


def build(target: str, inputs: Inputs, scenario: str = "referanse", draws: int = 0) -> tuple[Panel, Forecaster]:
    """The panel of ``target`` and the forecaster that goes with it."""
    if target == "population":
        return population_panel(inputs), population_forecasts
    if target == "demand":
        return demand_panel(inputs), demand_forecasts
    if target == "personnel":
        return personnel_panel(inputs, scenario, draws)
    raise UsageError(f"unknown backtest target {target!r}: use population, demand or personnel")


def provenance(inputs: Inputs, found: dict[int, Cube]) -> dict:
    """Tables, vintages, source, structure and mappings, for every output of the run."""
    records = inputs.source.provenance()
    tables = sorted({t for r in records for t in str(r.get("table", "")).split("/")
                     if t and t[0].isdigit()} | {VINTAGE_TABLES[v] for v in found})
    return {"source": inputs.source.name, "tables": tables, "structure": TARGET_STRUCTURE,
            "vintages": {v: VINTAGE_TABLES[v] for v in sorted(found)},
            "synthetic": any(bool(r.get("synthetic")) for r in records),
            "mapping": list(dict.fromkeys(inputs.notes))}


def open_inputs(source: Path | None = None, offline: bool = False) -> Inputs:
    """The data source (``--source``, ``K2020PROJ_SOURCE`` or live) with its region history."""
    from k2020proj.sources import open_source
    opened = open_source(source, offline=offline)
    return Inputs(opened, opened.region_history(), [])


def resolve_filters(history: RegionHistory, kommuner: Iterable[str], fylker: Iterable[str]) -> tuple[set[str], set[str]]:
    """``--kommune``/``--fylke`` texts → municipality and county codes of the 2024 structure."""
    texts = [t.strip() for item in kommuner for t in item.split(",") if t.strip()]
    regions = {code for t in texts for code, _, _ in history.resolve(t).successors}
    counties = {c for item in fylker for t in item.split(",") if t.strip()
                for c in history.resolve_county(t.strip()).today}
    return regions, counties
