"""Population for the model: the base year in single years of age, then SSB's projection or a fallback.

See :mod:`k2020proj.pipeline` for the method; every estimate is returned as a
:class:`~k2020proj.pipeline.notes.Note`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.harmonised import harmonise
from k2020proj.models import age_bounds, expand_age_cube, expand_age_groups
from k2020proj.pipeline.available import SEARCH_YEARS, latest_year
from k2020proj.pipeline.notes import Note
from k2020proj.regions import NATIONAL, RegionHistory
from k2020proj.sources import Source
from k2020proj.ssb.client import TableNotFound
from k2020proj.ssb.tables import PROJECTION_TABLES

#: the guide of grouped base-year ages is moved along the cohorts below this age
SHIFT_BELOW = 80
AGE_GROUPS = ("0-66", "67-79", "80+")
AGE_CODES = tuple(f"{a:03d}" for a in range(105)) + ("105+",)
#: whose projection a note names: SSB's, or a synthetic table's (bokmål, English)
SSB_WHOSE, SYNTHETIC_WHOSE = ("SSBs", "SSB's"), ("den syntetiske", "the synthetic")


def municipal(cube: Cube) -> Cube:
    """The municipalities (four-digit codes) of a harmonised cube."""
    return cube.sel(region=[c for c in cube.codes["region"] if len(c) == 4 and c.isdigit()])


def _sexes_together(cube: Cube) -> Cube:
    """The cube with its ``sex`` axis summed into the single code ``0``."""
    if cube.codes["sex"] == ("0",):
        return cube
    return cube.map_axis("sex", np.ones((len(cube.codes["sex"]), 1)), ["0"], ["Begge kjønn"])


def cohort_shift(guide: np.ndarray, years: int, below: int = SHIFT_BELOW) -> np.ndarray:
    """A single-year profile (..., 106) moved ``years`` along the cohorts below age ``below``.

    Age ``a`` takes the value of age ``a - years`` (ages under ``years``, born since, keep
    their own); from ``below`` on the profile stays as it was, since there mortality
    shapes it more than cohort size.
    """
    ages = np.arange(guide.shape[-1])
    source_age = np.where((ages >= years) & (ages < below), ages - years, ages)
    return guide[..., source_age]


def base_population(source: Source, history: RegionHistory, year: int) -> tuple[Cube, list[Note], list[dict]]:
    """Every municipality's population (region, sex, age) on 1 January ``year``, single years,
    in the newest structure; the notes on how, and the meta of the tables read."""
    target = str(history.end_year)
    try:
        raw = source.population([year])
    except UsageError:
        return _estimated_base(source, history, year)
    cube, _ = harmonise(raw, history, target)
    return municipal(cube).sel(age=list(AGE_CODES), year=str(year)), [], [raw.meta]


def _estimated_base(source: Source, history: RegionHistory, year: int) -> tuple[Cube, list[Note], list[dict]]:
    """Age groups of ``year`` spread over single years (module docstring)."""
    target = str(history.end_year)
    single = latest_year(source.population, year - 1, year - SEARCH_YEARS)
    if single is None:
        raise DataError(f"{source.name} has no single-year population (07459) before {year} to spread "
                        "its age groups with")
    grouped_raw, single_raw = source.population_groups([year]), source.population([single])
    groups = municipal(harmonise(grouped_raw, history, target)[0]).sel(age=list(AGE_GROUPS), year=str(year))
    guide = municipal(harmonise(single_raw, history, target)[0]).sel(age=list(AGE_CODES), year=str(single))
    guide = guide.sum("sex")
    rows = {c: i for i, c in enumerate(guide.codes["region"])}
    national = np.nansum(guide.values, axis=0)
    profile = np.array([guide.values[rows[c]] if c in rows and np.isfinite(guide.values[rows[c]]).all()
                        else national for c in groups.codes["region"]])
    values = expand_age_groups(np.nan_to_num(groups.values), age_bounds(AGE_GROUPS),
                               profile=cohort_shift(profile, year - single))
    values[~np.isfinite(groups.values).all(axis=1)] = np.nan
    cube = Cube(("region", "sex", "age"), {"region": groups.codes["region"], "sex": ("0",), "age": AGE_CODES},
                values[:, None, :], labels={"region": groups.labels["region"], "sex": ("Begge kjønn",)},
                meta={**grouped_raw.meta, "structure": target})
    note = Note("base_groups", {"base": year, "single": single, "shift": year - single})
    return cube, [note], [grouped_raw.meta, single_raw.meta]


def choose_vintage(source: Source, base_year: int, alternative: str, vintage: int | None = None) -> tuple[int, Cube]:
    """The projection vintage (asked for, or the newest starting by ``base_year + 1``) and its cube."""
    if vintage is not None:
        return int(vintage), source.projection(int(vintage), alternative)
    for candidate in sorted((v for v in PROJECTION_TABLES if v <= base_year + 1), reverse=True):
        try:
            main = source.projection(candidate, "MMMM")
        except (UsageError, TableNotFound):
            continue
        return candidate, main if alternative == "MMMM" else source.projection(candidate, alternative)
    raise UsageError(f"{source.name} has no population projection made in {base_year + 1} or earlier")


def cohort_change(base: np.ndarray, national: np.ndarray) -> np.ndarray:
    """Hamilton–Perry: base populations (K, S, A) carried through the years of ``national`` (S, A, T).

    ``national[..., 0]`` is the national base year. Each year every age moves up one with
    the national cohort-change ratio (the open top age takes the two oldest); newborns are
    the national ratio of newborns to people 15–49 (both sexes) times the local 15–49.
    Returns (K, S, A, T) with the base in the first year.
    """
    ratio = _ratio(national[..., 1:-1, 1:], national[..., :-2, :-1])
    top = _ratio(national[..., -1, 1:], national[..., -2, :-1] + national[..., -1, :-1])
    births = _ratio(national[..., 0, 1:], national[..., 15:50, :-1].sum(axis=(0, 1)))
    out = np.empty(base.shape + (national.shape[-1],))
    out[..., 0] = base
    for t in range(1, national.shape[-1]):
        before = out[..., t - 1]
        out[..., 1:-1, t] = before[..., :-2] * ratio[..., t - 1]
        out[..., -1, t] = (before[..., -2] + before[..., -1]) * top[..., t - 1]
        out[..., 0, t] = before[..., 15:50].sum(axis=(-2, -1))[:, None] * births[:, t - 1]
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is not positive (nobody to carry on)."""
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, numerator / safe, 0.0)


@dataclass(frozen=True)
class PopulationPath:
    """Population (region, sex, age, year) from the base year to the horizon, how each
    municipality's future was made (``ssb``, ``national`` or ``constant``), and notes."""

    cube: Cube
    methods: Mapping[str, str]
    notes: tuple[Note, ...]


def population_path(base: Cube, projection: Cube, regions: Sequence[str], base_year: int,
                    horizon: int) -> PopulationPath:
    """``regions``' base population followed by the projection (harmonised; municipalities and
    ``0``) to ``horizon``, with the fallbacks of :mod:`k2020proj.pipeline`."""
    table = str(projection.meta.get("table", ""))
    years = _projection_years(projection, table, base_year, horizon)
    if not (base.codes["sex"] == projection.codes["sex"] == ("1", "2")):
        base, projection = _sexes_together(base), _sexes_together(projection)
    national_base = np.nansum(base.values, axis=0)
    projected, expanded = _single_years(projection.sel(year=years), base, national_base, base_year, table)
    start = base.sel(region=list(regions))
    values, methods = _carried(start, projected, national_base)
    meta = {"table": table, "structure": base.meta.get("structure"), "alternative": projection.meta.get("alternative"),
            "vintage": projection.meta.get("vintage"), "synthetic": bool(projection.meta.get("synthetic"))}
    cube = Cube(("region", "sex", "age", "year"), {"region": tuple(regions), "sex": base.codes["sex"],
                                                  "age": AGE_CODES, "year": (str(base_year), *years)},
                values, labels={"region": start.labels["region"], "sex": base.labels["sex"]}, meta=meta)
    return PopulationPath(cube, methods, tuple(_path_notes(meta, start, methods, base_year, expanded)))


def _carried(start: Cube, projected: Cube, national_base: np.ndarray) -> tuple[np.ndarray, dict[str, str]]:
    """Each region's path (K, S, A, 1 + T) from its base: the projection where it has the region
    (``ssb``), else the national cohort-change ratios (``national``), else held (``constant``)."""
    regions = list(start.codes["region"])
    have = {c: i for i, c in enumerate(projected.codes["region"])}
    ssb = [i for i, r in enumerate(regions) if r in have and np.isfinite(projected.values[have[r]]).all()]
    rest = [i for i in range(len(regions)) if i not in ssb]
    values = np.repeat(start.values[..., None], projected.shape[-1] + 1, axis=-1)
    values[ssb, ..., 1:] = projected.values[[have[regions[i]] for i in ssb]]
    method = "national" if NATIONAL in have else "constant"
    if rest and method == "national":
        national = np.concatenate([national_base[..., None], projected.values[have[NATIONAL]]], axis=-1)
        values[rest] = cohort_change(values[rest, ..., 0], national)
    return values, {r: "ssb" if i in ssb else method for i, r in enumerate(regions)}


def _path_notes(meta: Mapping[str, object], start: Cube, methods: Mapping[str, str], base_year: int,
                expanded: list[Note]) -> list[Note]:
    """Whose projection for how many municipalities, how its ages were spread, the fallbacks."""
    whose = SYNTHETIC_WHOSE if meta["synthetic"] else SSB_WHOSE
    fields = {"base": base_year, "table": meta["table"], "alternative": meta["alternative"], "whose": whose}
    rest = [r for r, m in methods.items() if m != "ssb"]
    notes = [Note("projection", {**fields, "vintage": meta["vintage"], "count": len(methods) - len(rest),
                                 "total": len(methods)}), *expanded]
    if rest:
        notes.append(Note(f"fallback_{methods[rest[0]]}", {**fields, "regions": listed(start, rest)}))
    return notes


def _projection_years(projection: Cube, table: str, base_year: int, horizon: int) -> list[str]:
    have = sorted(int(y) for y in projection.codes["year"])
    if horizon <= base_year:
        raise UsageError(f"horizon {horizon} must come after the base year {base_year}")
    if base_year + 1 not in have:
        raise UsageError(f"projection {table} covers {have[0]}–{have[-1]}, not {base_year + 1}: "
                         f"choose a base year from {have[0] - 1} or an older vintage")
    if horizon > have[-1]:
        raise UsageError(f"horizon {horizon} is beyond projection {table}'s last year {have[-1]}: "
                         f"choose a horizon up to {have[-1]}")
    return [str(y) for y in range(base_year + 1, horizon + 1)]


def _single_years(projection: Cube, base: Cube, national_base: np.ndarray, base_year: int,
                  table: str) -> tuple[Cube, list[Note]]:
    """The projection's municipalities and nation in single years of age (expanded if grouped)."""
    guides = {c: base.values[i] for i, c in enumerate(base.codes["region"])}
    regions = [c for c in projection.codes["region"] if c in guides or c == NATIONAL]
    cut = projection.sel(region=regions).transpose("region", "sex", "age", "year")
    if cut.codes["age"] == AGE_CODES:
        return cut, []
    guide = np.array([np.nan_to_num(guides.get(c, national_base)) for c in regions])
    return expand_age_cube(cut, profile=guide[:, :, None, :]), [Note("expanded", {"table": table, "base": base_year})]


def listed(cube: Cube, regions: Sequence[str], most: int = 8) -> str:
    """``3201 Bærum, 3203 Asker`` (and how many more)."""
    names = dict(zip(cube.codes["region"], cube.labels["region"]))
    shown = ", ".join(f"{r} {names.get(r, r)}" for r in list(regions)[:most])
    return shown + (f" (+{len(regions) - most})" if len(regions) > most else "")
