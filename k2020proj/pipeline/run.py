"""A projection run: model inputs from a source, the model for each scenario, and provenance."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from k2020proj.cube import Cube
from k2020proj.errors import DataError, K2020Error
from k2020proj.harmonised import harmonise
from k2020proj.models import OCCUPATIONS, ModelInputs, Projection, Scenario, load_scenario, make_inputs, project
from k2020proj.pipeline.areas import Area, resolve_area
from k2020proj.pipeline.available import choose_base_year
from k2020proj.pipeline.notes import LACKING, Note
from k2020proj.pipeline.personnel import (SERVICES, base_fte, care_mix, choose_occupations, recent_growth,
                                          user_profiles)
from k2020proj.pipeline.population import PopulationPath, base_population, choose_vintage, listed, population_path
from k2020proj.regions import RegionHistory
from k2020proj.sources import Source, open_source
from k2020proj.ssb.tables import PROJECTION_TABLES

DEFAULT_HORIZON = 2050
#: levels of the results worth keeping for each kind of area (the model also sums a lone
#: municipality into a "county" and "nation" of one, which would mislead)
KEPT_LEVELS = {"kommune": ("kommune",), "fylke": ("kommune", "fylke"), "land": ("fylke", "land")}


@dataclass(frozen=True)
class BaseData:
    """What every scenario of a run shares, read once: the base year, the municipalities
    that have data for it, their base-year population (all municipalities, for the national
    sums), FTEs, the inflow's recent growth, user profiles, service mix, notes and the meta
    of every table read."""

    source: Source
    history: RegionHistory
    base_year: int
    regions: tuple[str, ...]
    occupations: tuple[str, ...]
    population: Cube
    fte: np.ndarray
    growth: np.ndarray
    profiles: np.ndarray
    mix: np.ndarray
    notes: tuple[Note, ...]
    metas: tuple[dict, ...]


def base_data(source: Source, regions: Sequence[str], base_year: int | None = None,
              occupations: Sequence[str] | None = None) -> BaseData:
    """Read what ``regions`` (today's municipality codes) need from ``source`` for a base year
    (default: :func:`choose_base_year`)."""
    history = source.region_history()
    year = choose_base_year(source, base_year)
    population, notes, metas = base_population(source, history, year)
    fte, fte_meta = base_fte(source, history, year)
    chosen = choose_occupations(fte.codes["occupation"], occupations, source.name)
    kept, dropped = _usable(regions, population, fte.sel(occupation=list(chosen), year=str(year)))
    for what, left_out in dropped.items():
        notes.append(Note("dropped", {"what": LACKING[what], "base": year, "regions": listed(population, left_out)}))
    history_values = fte.sel(region=kept, occupation=list(chosen)).values
    national = np.nansum(population.values, axis=(0, 1))
    profiles, users_notes, user_metas = user_profiles(source, history, year, national)
    mix, assumed = care_mix(chosen)
    if len(chosen) < len(OCCUPATIONS) and occupations is None:
        notes.insert(0, Note("occupations", {"occupations": ", ".join(chosen)}))
    first = int(fte.codes["year"][0])
    notes += [*users_notes, Note("inflow" if first < year else "inflow_level", {"first": first, "base": year})]
    if assumed:
        notes.append(Note("mix_assumed", {"occupations": ", ".join(assumed)}))
    return BaseData(source, history, year, tuple(kept), chosen, population, history_values[..., -1],
                    recent_growth(history_values), profiles, mix, tuple(notes),
                    tuple(metas + [fte_meta] + user_metas))


def _usable(regions: Sequence[str], population: Cube, fte: Cube) -> tuple[list[str], dict[str, list[str]]]:
    """The regions with a full base-year population and FTE row; the others by what they lack."""
    def complete(cube: Cube) -> set[str]:
        values = cube.values.reshape(len(cube.codes["region"]), -1)
        return {c for c, ok in zip(cube.codes["region"], np.isfinite(values).all(axis=1)) if ok}
    people, staff = complete(population), complete(fte.transpose("region", "occupation"))
    dropped = {"population": [r for r in regions if r not in people],
               "fte": [r for r in regions if r in people and r not in staff]}
    kept = [r for r in regions if r in people and r in staff]
    if not kept:
        raise DataError(f"no base-year population and FTEs in the data for {', '.join(regions[:5])}")
    return kept, {k: v for k, v in dropped.items() if v}


def inputs_for(data: BaseData, horizon: int = DEFAULT_HORIZON, alternative: str = "MMMM",
               vintage: int | None = None) -> tuple[ModelInputs, PopulationPath, dict]:
    """Model inputs for one SSB alternative (meta: tables, ``synthetic``, vintage, notes …),
    the population path behind them, and the projection table's meta."""
    target = str(data.history.end_year)
    chosen, raw = choose_vintage(data.source, data.base_year, alternative, vintage)
    projection_meta = {**raw.meta, "table": str(raw.meta.get("table") or PROJECTION_TABLES.get(chosen, ""))}
    records = table_records(data.source, (*data.metas, projection_meta))
    synthetic = next(r["synthetic"] for r in records if r["id"] == projection_meta["table"])
    projection, _ = harmonise(raw.with_meta(table=projection_meta["table"]), data.history, target)
    projection = projection.with_meta(vintage=chosen, alternative=alternative, synthetic=synthetic)
    path = population_path(data.population, projection, data.regions, data.base_year, horizon)
    counties = [r[:2] for r in data.regions]  # a municipality's county is its code's first two digits
    meta = {"structure": target, "alternative": alternative, "vintage": chosen,
            "projection_table": projection_meta["table"], "source": data.source.name,
            "tables": [r["id"] for r in records], "synthetic": any(r["synthetic"] for r in records),
            "population_method": dict(path.methods), "notes": [str(n) for n in (*data.notes, *path.notes)]}
    inputs = make_inputs(data.regions, counties, path.cube.values, range(data.base_year, horizon + 1), data.fte,
                         base_year=data.base_year, occupations=data.occupations, services=SERVICES, meta=meta,
                         user_profiles=data.profiles, mix=data.mix, recent_growth=data.growth)
    return inputs, path, projection_meta


def build_inputs(source: Source | str | Path | None, regions: Sequence[str], base_year: int | None = None,
                 horizon: int = DEFAULT_HORIZON, alternative: str = "MMMM",
                 occupations: Sequence[str] | None = None) -> ModelInputs:
    """Model inputs for ``regions`` (codes or names, old ones too) from a source (a
    :class:`~k2020proj.sources.Source`, a recorded folder, or ``None`` for the default)."""
    opened = source if isinstance(source, Source) else open_source(source)
    area = resolve_area(opened.region_history(), list(regions))
    return inputs_for(base_data(opened, area.municipalities, base_year, occupations), horizon, alternative)[0]


# -- provenance -----------------------------------------------------------------------------------
def table_records(source: Source, metas: Iterable[Mapping]) -> list[dict]:
    """One record per table read: id, title, SSB's updated stamp where known, where it came
    from, and whether it is synthetic (its meta says so, or its title does: the replay
    server serves synthetic tables under a synthetic title)."""
    touched = {str(r.get("table")): r for r in source.provenance()}
    records: dict[str, dict] = {}
    for meta in metas:
        table = str(meta.get("table") or "")
        where = str(meta.get("file") or touched.get(table.split("/")[0], {}).get("url") or source.name)
        if table in records and where not in records[table]["source"]:
            records[table]["source"] += f"; {where}"
        if not table or table in records:
            continue
        parts = table.split("/")
        stamps = [str(touched[p]["updated"]) for p in parts if touched.get(p, {}).get("updated")]
        records[table] = {
            "id": table, "title": str(meta.get("title") or ""),
            "updated": ", ".join(stamps) or (str(meta["updated"]) if meta.get("updated") else None),
            "source": where, "synthetic": bool(meta.get("synthetic")) or _titled_synthetic(source, parts)}
    return list(records.values())


def _titled_synthetic(source: Source, tables: Sequence[str]) -> bool:
    """Whether the API's own title of any of ``tables`` calls it synthetic (live sources only)."""
    client = getattr(source, "client", None)
    if client is None:
        return False
    for table in tables:
        try:
            label = str(client.metadata(table).get("label", "")).lower()
        except K2020Error:
            continue
        if "syntetisk" in label or "synthetic" in label:
            return True
    return False


# -- a run ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectionRun:
    """One run of the model for an area: a (ModelInputs, Projection) pair per scenario (the
    first is the main one), the main alternative's population path, the base year and
    horizon, the projection vintage, notes, the tables read and the source."""

    area: Area
    runs: tuple[tuple[ModelInputs, Projection], ...]
    population: Cube
    base_year: int
    horizon: int
    vintage: int
    projection_table: str
    notes: tuple[Note, ...]
    tables: tuple[dict, ...]
    source: str
    population_methods: Mapping[str, str]

    @property
    def projection(self) -> Projection:
        return self.runs[0][1]

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(p.scenario for _, p in self.runs)

    @property
    def alternatives(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(str(p.meta.get("alternative")) for _, p in self.runs))

    @property
    def synthetic(self) -> bool:
        return any(r["synthetic"] for r in self.tables)

    def table_ids(self) -> list[str]:
        """SSB table numbers behind the run (``11924/14534`` counted as both); synthetic
        tables are not SSB's and are left out (the notes name them)."""
        return list(dict.fromkeys(p for r in self.tables if not r["synthetic"]
                                  for p in r["id"].split("/") if p[:1].isdigit()))

    def results(self) -> pd.DataFrame:
        """Every scenario's tidy frame stacked, at the levels that describe the area
        (municipalities of a county run, counties of a national run)."""
        frame = pd.concat([p.to_frame() for _, p in self.runs], ignore_index=True)
        return frame[frame["level"].isin(KEPT_LEVELS[self.area.level])].reset_index(drop=True)

    def vintage_text(self, lang: str = "no") -> str:
        """The data vintage in words, e.g. «14746 (2026), alternativ MMMM; basisår 2025»."""
        word, base = ("alternative", "base year") if lang == "en" else ("alternativ", "basisår")
        return (f"{self.projection_table} ({self.vintage}), {word} {', '.join(self.alternatives)}; "
                f"{base} {self.base_year}")

    def provenance(self) -> dict:
        """Source, tables with stamps, structure, vintage, years, notes, how each municipality's
        population was projected, and whether anything is synthetic (JSON-ready)."""
        return {"source": self.source, "tables": [dict(r) for r in self.tables], "structure": self.area.structure,
                "vintage": {"year": self.vintage, "table": self.projection_table, "alternatives": self.alternatives},
                "base_year": self.base_year, "horizon": self.horizon, "notes": [str(n) for n in self.notes],
                "population_method": dict(self.population_methods), "synthetic": self.synthetic}


def load_scenarios(scenario: str | Path | Scenario | Sequence[str | Path | Scenario],
                   alternative: str | None = None) -> list[Scenario]:
    """Scenarios by name, file or object (one or several), on ``alternative`` if given."""
    items = [scenario] if isinstance(scenario, (str, Path, Scenario)) else list(scenario)
    loaded = [s if isinstance(s, Scenario) else load_scenario(s) for s in items]
    return [s.with_alternative(alternative) if alternative else s for s in loaded]


def run_projection(area: str | Area | Sequence[str], *, source: Source | str | Path | None = None,
                   scenario: str | Path | Scenario | Sequence[str | Path | Scenario] = "referanse",
                   base_year: int | None = None, horizon: int = DEFAULT_HORIZON, alternative: str | None = None,
                   draws: int = 0, seed: int = 2020, occupations: Sequence[str] | None = None,
                   vintage: int | None = None, level: str | None = None, offline: bool = False,
                   progress: bool = False) -> ProjectionRun:
    """Project supply, demand and gap for ``area`` (at ``level``, see :func:`resolve_area`) from ``source``
    (a Source, a recorded folder, or ``None``: K2020PROJ_SOURCE, else SSB live).

    ``scenario`` is one or several names or TOML files; ``alternative`` overrides their SSB
    alternative; ``vintage`` picks a projection vintage instead of the newest; ``progress``
    shows a progress bar on stderr.
    """
    scenarios = load_scenarios(scenario, alternative)
    choose_occupations(OCCUPATIONS, occupations, "k2020proj")  # an unknown code fails before any data is read
    steps = 3 + len({s.alternative for s in scenarios}) + len(scenarios)
    with tqdm(total=steps, desc="k2020proj", unit="step", file=sys.stderr, disable=not progress) as bar:
        opened = source if isinstance(source, Source) else open_source(source, offline=offline)
        _step(bar, "regions")
        where = resolve_area(opened.region_history(), area, level)
        _step(bar, "base year")
        data = base_data(opened, where.municipalities, base_year, occupations)
        _step(bar, "personnel")
        built: dict[str, tuple[ModelInputs, PopulationPath, dict]] = {}
        runs = []
        for chosen in scenarios:
            if chosen.alternative not in built:
                built[chosen.alternative] = inputs_for(data, horizon, chosen.alternative, vintage)
                _step(bar, f"population {chosen.alternative}")
            inputs = built[chosen.alternative][0]
            runs.append((inputs, project(inputs, chosen, horizon=horizon, draws=draws, seed=seed)))
            _step(bar, f"model {chosen.name}")
    return _finished(where, data, built[scenarios[0].alternative], tuple(runs), list(built.values()), horizon)


def _step(bar: tqdm, what: str) -> None:
    bar.set_postfix_str(what)
    bar.update(1)


def _finished(area: Area, data: BaseData, main: tuple[ModelInputs, PopulationPath, dict],
              runs: tuple[tuple[ModelInputs, Projection], ...], built: list, horizon: int) -> ProjectionRun:
    """The run with its notes (synthetic first, then data, population, model) and tables."""
    inputs, path, projection_meta = main
    records = table_records(data.source, (*data.metas, *(meta for _, _, meta in built)))
    notes = [*data.notes, *{str(n): n for _, built_path, _ in built for n in built_path.notes}.values()]
    if any(p.meta.get("stock_split_estimated") for _, p in runs):
        notes.append(Note("stock_split"))
    model_notes = dict.fromkeys(str(n) for _, p in runs for n in p.meta.get("notes", []))
    notes += [Note("model", {"text": text}) for text in model_notes]
    synthetic = [r["id"] for r in records if r["synthetic"]]
    if synthetic:
        notes.insert(0, Note("synthetic", {"tables": ", ".join(synthetic)}))
    return ProjectionRun(area, runs, path.cube.with_meta(synthetic=bool(synthetic)), data.base_year, horizon,
                         int(inputs.meta["vintage"]), str(inputs.meta["projection_table"]), tuple(notes),
                         tuple(records), data.source.name, dict(path.methods))
