"""Series in one municipality structure, with a report of how every code was mapped.

SSB publishes each year's figures in that year's municipality codes (07459: ``0219``
Bærum to 2019, ``K-3024`` in the 2020 grouping), projections in the structure of their
vintage, and KOSTRA panels already back-cast to the newest. :func:`harmonise` maps any
such cube's ``region`` axis to one target structure:

- recodes and merges are summed (``0219`` and later ``3024`` → ``3201``);
- split codes (Tysfjord 1850, Snillfjord 5012, Statbank's ``K-Rest``) are shared out by
  population weights (:meth:`RegionHistory.with_population`) and reported;
- a code that cannot be mapped (Svalbard, the continental shelf, an unknown code, a
  county whose borders changed) is listed in the report with its total, never dropped
  silently;
- a target cell is NaN, not 0, when a code that was in use that year and belongs to
  the target is missing or NaN in the cube (07459 exports before 2017 lack pre-merger
  Sandefjord 0706, so Sandefjord 3907 is NaN for those years), or when nothing
  in the cube speaks for it.

Which codes were "in use" is read per column of the ``year`` axis when the cube holds
each year in its own structure, or from ``meta["structure"]`` (a year) when the whole
cube is in one structure (projections, back-cast panels). The dataset functions at the
end (:func:`population`, …) return a source's data harmonised, with the report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import sparse

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.regions import NATIONAL, REST, RegionHistory

#: ``meta["structure"]`` of a cube whose every year is in that year's own codes
EACH_YEAR = "each year"
METHODS = ("identity", "recode", "merge", "split", "unmapped")
_COUNTY = re.compile(r"^(?:F-)?(\d{2})$")
_REPORT_COLUMNS = ["from_code", "from_name", "to_code", "to_name", "weight", "method",
                   "basis", "note", "from_total"]


@dataclass(frozen=True)
class RowMap:
    """How one row of the input's region axis maps: target → weight, and which
    historical codes the row's figures stand for (``K-`` groups stand for several)."""

    code: str
    targets: dict[str, float]
    method: str
    covers: tuple[str, ...] = ()
    level: str = "municipality"
    basis: str = ""
    note: str = ""


@dataclass
class HarmonisationReport:
    """What :func:`harmonise` did: one row per (input code, target code), and the
    (target, year) cells it had to leave NaN with the reason (``gaps``: ``to_code``,
    ``to_name``, ``year``, ``missing`` codes, ``reason``). Print it for people;
    :meth:`to_frame` for machines."""

    target: str
    rows: pd.DataFrame
    gaps: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Old code → new code(s), weight, method, basis of the weight, note, input total."""
        return self.rows.copy()

    def method_of(self, code: str) -> str:
        """The method used for input code ``code``."""
        found = self.rows.loc[self.rows["from_code"] == code, "method"]
        if found.empty:
            raise DataError(f"code {code} was not in the harmonised cube")
        return str(found.iloc[0])

    def splits(self) -> pd.DataFrame:
        return self.rows[self.rows["method"] == "split"].reset_index(drop=True)

    def unmapped(self) -> pd.DataFrame:
        return self.rows[self.rows["method"] == "unmapped"].reset_index(drop=True)

    def __str__(self) -> str:
        codes = self.rows.drop_duplicates("from_code")
        counts = codes["method"].value_counts()
        lines = [f"Harmonised to the {self.target} structure: {len(codes)} codes → "
                 f"{self.rows['to_code'].replace('', np.nan).nunique()} regions ("
                 + ", ".join(f"{m} {counts.get(m, 0)}" for m in METHODS) + ")"]
        for code, part in self.splits().groupby("from_code", sort=True):
            shares = ", ".join(f"{r.to_code} {r.to_name} {r.weight:.3f}" for r in part.itertuples())
            lines.append(f"  split {code} {part['from_name'].iloc[0]} → {shares} ({part['basis'].iloc[0]})")
        for r in self.unmapped().itertuples():
            lines.append(f"  unmapped {r.from_code} {r.from_name}: {r.note} (total {r.from_total:g})")
        for (code, name, reason), part in self.gaps.groupby(["to_code", "to_name", "reason"], sort=True):
            lines.append(f"  NaN {code} {name} in {_years(part['year'])}: {reason}")
        return "\n".join(lines)


def _years(years: pd.Series) -> str:
    """Years as runs: ``2005–2016, 2019``."""
    runs: list[list[int]] = []
    for year in sorted(int(y) for y in years):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


# -- planning: what each input row maps to ---------------------------------------------------
def _plan(codes: Sequence[str], history: RegionHistory, target: int, years: list[int],
          fixed: int | None) -> list[RowMap]:
    """One :class:`RowMap` per region code of the input.

    A ``K-`` group stands for every code it sums; so does a code shown in a fixed
    structure it was not valid in (a 2020 name in a 2005 projection stands for its
    predecessors).
    """
    mapping = history.mapping(target)
    groups = set(history.groups.values())
    plans = []
    for code in codes:
        bare = code[2:] if code.upper().startswith("K-") else code
        if code == NATIONAL or code == "00":
            plans.append(RowMap(code, {NATIONAL: 1.0}, "identity", level="nation"))
        elif bare == REST:
            plans.append(_rest_plan(code, history, target))
        elif _COUNTY.match(code):
            plans.append(_county_plan(code, _COUNTY.match(code).group(1), history, target, years))
        elif bare not in history.records:
            note = "a Statbank group that is not a municipality" if bare in groups else "unknown code"
            plans.append(RowMap(code, {}, "unmapped", note=note))
        elif not mapping[bare].targets:
            note = "not a municipality" if not history.is_municipal(bare) else f"no successor in {target}"
            plans.append(RowMap(code, {}, "unmapped", note=note))
        else:
            m = mapping[bare]
            aggregate = bare != code or (fixed is not None and not history.valid_in(bare, fixed))
            covers = history.covered_by(bare) if aggregate else (bare,)
            method = "identity" if m.targets == {bare: 1.0} else m.method
            plans.append(RowMap(code, dict(m.targets), method, covers, basis=m.basis))
    return plans


def _rest_plan(code: str, history: RegionHistory, target: int) -> RowMap:
    members = tuple(c for c, g in history.groups.items() if g == REST and history.is_municipal(c))
    targets = history.rest_targets(target)
    if not targets:
        return RowMap(code, {}, "unmapped", members, note="no population to weight Statbank's K-Rest")
    return RowMap(code, targets, "split", members,
                  basis="population of the split municipalities in their last year")


def _county_plan(code: str, county: str, history: RegionHistory, target: int, years: list[int]) -> RowMap:
    """A county maps only if its area is exactly one county of the target structure in the
    cube's years; otherwise its municipalities must be harmonised and summed instead."""
    if county not in history.counties:
        return RowMap(code, {}, "unmapped", level="county", note="unknown county")
    span = years or [y for y in range(history.first_year, history.end_year + 1)
                     if history.counties[county].valid_in(y)]
    mapping = history.mapping(target)
    inside = {c for c in history.records if c[:2] == county and history.is_municipal(c)
              and any(history.valid_in(c, y) for y in span)}
    reached = {t[:2] for c in inside for t in mapping[c].targets}
    whole = all(len(mapping[c].targets) == 1 for c in inside)
    if len(reached) == 1 and whole:
        (new,) = reached
        intruders = {c for c in history.records if c not in inside and history.is_municipal(c)
                     and any(t[:2] == new for t in mapping[c].targets)
                     and any(history.valid_in(c, y) for y in span)}
        if not intruders:
            return RowMap(code, {new: 1.0}, "identity" if new == county else "recode", level="county")
    return RowMap(code, {}, "unmapped", level="county",
                  note="county borders differ from the target structure's; harmonise its municipalities "
                       "and sum them (RegionHistory.aggregation)")


# -- harmonise ------------------------------------------------------------------------------------
def harmonise(cube: Cube, history: RegionHistory, target: str | int = "2024",
              weights: Cube | None = None) -> tuple[Cube, HarmonisationReport]:
    """Map ``cube``'s ``region`` axis into the municipality structure of ``target``.

    ``weights`` (a population cube with ``region`` and ``year`` axes) re-estimates the
    split shares; by default the history's own are used. Returns the new cube
    (``meta["structure"] = target``) and the report of every mapping.
    """
    target_year = int(target)
    if weights is not None:
        history = history.with_population(weights, label=" (given weights)")
    cube.axis("region")
    fixed = _fixed_structure(cube)
    years = [fixed] if fixed else _year_codes(cube)
    plans = _plan(cube.codes["region"], history, target_year, years, fixed)
    out_codes = _output_codes(plans)
    matrix = _weight_matrix(plans, out_codes)
    filled = replace(cube, values=np.where(np.isnan(cube.values), 0.0, cube.values))
    labels = [history.name(c) for c in out_codes]
    result = filled.map_axis("region", matrix, out_codes, labels)
    bad, gaps = _missing_cells(cube, plans, out_codes, matrix, history, target_year, fixed)
    values = np.where(bad, np.nan, result.values)
    result = replace(result, values=values).with_meta(
        structure=str(target_year), harmonised_from=cube.meta.get("structure", ""))
    return result, HarmonisationReport(str(target_year), _report_rows(cube, plans, history), gaps)


def _fixed_structure(cube: Cube) -> int | None:
    structure = str(cube.meta.get("structure", ""))
    return int(structure) if structure.isdigit() and len(structure) == 4 else None


def _year_codes(cube: Cube) -> list[int]:
    if "year" not in cube.dims:
        return []
    try:
        return [int(y) for y in cube.codes["year"]]
    except ValueError:
        raise DataError(f"year axis has codes that are not years: {cube.codes['year'][:3]}") from None


def _output_codes(plans: list[RowMap]) -> list[str]:
    reached = {t for p in plans for t in p.targets}
    municipal = sorted(t for t in reached if len(t) == 4)
    counties = sorted(t for t in reached if len(t) == 2)
    return municipal + counties + ([NATIONAL] if NATIONAL in reached else [])


def _weight_matrix(plans: list[RowMap], out_codes: list[str]) -> np.ndarray:
    index = {c: j for j, c in enumerate(out_codes)}
    matrix = np.zeros((len(plans), len(out_codes)))
    for i, plan in enumerate(plans):
        for t, w in plan.targets.items():
            matrix[i, index[t]] = w
    return matrix


# -- NaN where data are missing -------------------------------------------------------------------
def _missing_cells(cube: Cube, plans: list[RowMap], out_codes: list[str], matrix: np.ndarray,
                   history: RegionHistory, target: int, fixed: int | None) -> tuple[np.ndarray, pd.DataFrame]:
    """Cells of the result that must be NaN, and a table of why.

    A result cell is NaN when no non-missing input row feeds it, or when a code that
    belongs to it and was in use (that year, or in the cube's fixed structure) is not
    covered by any non-missing input row.
    """
    ax = cube.axis("region")
    present = ~np.isnan(np.moveaxis(cube.values, ax, -1))
    unfed = _dense_at(present, sparse.csr_matrix(matrix != 0, dtype=np.float64)) == 0
    bad = unfed.copy()
    universe = sorted({c for p in plans if p.level == "municipality" for c in p.covers} |
                      {c for c, m in history.mapping(target).items() if any(t in m.targets for t in out_codes)})
    _check_double_counting(cube, plans, universe)
    if fixed is None and "year" not in cube.dims:
        return np.moveaxis(bad, -1, ax), _gap_frame([], history)
    cover = _cover_matrix(plans, universe)
    others = [d for d in cube.dims if d != "region"]
    columns = ([(int(y), (slice(None),) * others.index("year") + (j,)) for j, y in enumerate(cube.codes["year"])]
               if "year" in others else [(fixed, (Ellipsis,))])
    gaps: list[tuple[str, int, str, str]] = []
    for year, index in columns:
        need = _required(universe, out_codes, history, target, fixed or year)
        uncovered = (_dense_at(present[index], cover) == 0).astype(np.float64)
        bad[index] |= _dense_at(uncovered, need) > 0
        gaps.extend(_gap_rows(uncovered, unfed[index], need, universe, out_codes, year))
    return np.moveaxis(bad, -1, ax), _gap_frame(gaps, history)


def _dense_at(left: np.ndarray, right: sparse.csr_matrix) -> np.ndarray:
    """``left @ right`` for a dense (..., n) array and a sparse (n, m) matrix."""
    flat = left.reshape(-1, left.shape[-1]).astype(np.float64)
    return np.asarray((right.T @ flat.T).T).reshape(left.shape[:-1] + (right.shape[1],))


def _cover_matrix(plans: list[RowMap], universe: list[str]) -> sparse.csr_matrix:
    index = {c: k for k, c in enumerate(universe)}
    rows, cols = [], []
    for i, plan in enumerate(plans):
        for c in plan.covers:
            if c in index:
                rows.append(i)
                cols.append(index[c])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(plans), len(universe)))


def _required(universe: list[str], out_codes: list[str], history: RegionHistory,
              target: int, year: int) -> sparse.csr_matrix:
    """Which codes (rows) must be present for each output (columns) in ``year``."""
    mapping, index = history.mapping(target), {c: j for j, c in enumerate(out_codes)}
    rows, cols = [], []
    for k, code in enumerate(universe):
        if history.valid_in(code, year):
            for t in mapping[code].targets:
                if t in index:
                    rows.append(k)
                    cols.append(index[t])
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(universe), len(out_codes)))


def _gap_rows(uncovered: np.ndarray, unfed: np.ndarray, need: sparse.csr_matrix, universe: list[str],
              out_codes: list[str], year: int) -> list[tuple[str, int, str, str]]:
    """(target, year, missing codes, reason) for targets with no figure at all in one year
    column. Single NaN cells (SSB's suppression) just propagate and are not listed."""
    empty = {out_codes[t] for t in np.flatnonzero(unfed.reshape(-1, len(out_codes)).all(axis=0))}
    rows = [(t, year, "", "no input row has data for it") for t in sorted(empty)]
    by_target: dict[str, list[str]] = {}
    for k in np.flatnonzero(uncovered.reshape(-1, uncovered.shape[-1]).all(axis=0)):
        for j in need.indices[need.indptr[k]:need.indptr[k + 1]]:
            if out_codes[j] not in empty:
                by_target.setdefault(out_codes[j], []).append(universe[k])
    return rows + [(t, year, ", ".join(sorted(cs)), "missing " + ", ".join(sorted(cs)))
                   for t, cs in by_target.items()]


def _gap_frame(gaps: list[tuple[str, int, str, str]], history: RegionHistory) -> pd.DataFrame:
    frame = pd.DataFrame(gaps, columns=["to_code", "year", "missing", "reason"])
    frame.insert(1, "to_name", [history.name(c) for c in frame["to_code"]])
    return frame.sort_values(["to_code", "year"]).reset_index(drop=True)


def _check_double_counting(cube: Cube, plans: list[RowMap], universe: list[str]) -> None:
    """Refuse a cube in which two rows with figures stand for the same code in one cell
    (e.g. ``0219`` and ``K-3024`` both for 2019): summing them would count people twice."""
    ax = cube.axis("region")
    nonzero = np.nan_to_num(np.moveaxis(cube.values, ax, -1)) != 0
    counts = _dense_at(nonzero, _cover_matrix(plans, universe))
    twice = np.flatnonzero((counts.reshape(-1, counts.shape[-1]) > 1).any(axis=0))
    if twice.size:
        code = universe[twice[0]]
        rows = [p.code for p in plans if code in p.covers]
        raise DataError(f"rows {', '.join(rows)} both hold figures for municipality {code} in the same "
                        f"cell: harmonising would count them twice")


def _report_rows(cube: Cube, plans: list[RowMap], history: RegionHistory) -> pd.DataFrame:
    totals = np.nansum(np.moveaxis(cube.values, cube.axis("region"), 0).reshape(len(plans), -1), axis=1)
    names = dict(zip(cube.codes["region"], cube.labels["region"]))
    rows = []
    for plan, total in zip(plans, totals):
        base = [plan.code, _name(plan.code, names, history)]
        for t, w in sorted(plan.targets.items()) or [("", np.nan)]:
            to_name = history.name(t) if t else ""
            rows.append(base + [t, to_name, w, plan.method, plan.basis, plan.note, float(total)])
    return pd.DataFrame(rows, columns=_REPORT_COLUMNS)


def _name(code: str, names: dict[str, str], history: RegionHistory) -> str:
    bare = code[2:] if code.upper().startswith("K-") else code
    if bare in history.records:
        return history.records[bare].name
    return names.get(code, code)



# -- datasets of a source, harmonised ----------------------------------------------------------------
DATASETS = ("population", "population_groups", "personnel_fte", "care_users", "projection")


def load(source, dataset: str, *args, target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """``source.<dataset>(*args)`` mapped to the ``target`` structure, with the report.

    ``source`` is any :class:`~k2020proj.sources.Source`; its own region history (and
    split shares) is used, so live and recorded sources harmonise the same way.
    """
    if dataset not in DATASETS:
        raise UsageError(f"unknown dataset {dataset!r} (one of {', '.join(DATASETS)})")
    return harmonise(getattr(source, dataset)(*args), source.region_history(), target)


def population(source, years, target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """07459 population by region, sex, age and year in one structure."""
    return load(source, "population", years, target=target)


def population_groups(source, years, target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """Population by age group (0-66, 67-79, 80+, total) in one structure."""
    return load(source, "population_groups", years, target=target)


def personnel_fte(source, years, target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """FTEs by occupation in one structure."""
    return load(source, "personnel_fte", years, target=target)


def care_users(source, years, target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """Care-service users by service and age group in one structure."""
    return load(source, "care_users", years, target=target)


def projection(source, vintage: int, alternative: str = "MMMM",
               target: str | int = "2024") -> tuple[Cube, HarmonisationReport]:
    """A projection vintage moved from its own structure into ``target``."""
    return load(source, "projection", vintage, alternative, target=target)
