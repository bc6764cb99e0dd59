"""Package inputs from the model's own objects: one (ModelInputs, Projection) pair per scenario.

The package itself takes plain frames and cubes; this module is the one place that
knows the model's classes, so the command, the notebook and tests turn projection
runs into :class:`~k2020proj.outputs.package.PackageInputs` the same way.
"""
from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.models import ModelInputs, Projection
from k2020proj.models.parameters import WORK_AGES
from k2020proj.outputs.package import PackageInputs

AGES = tuple(f"{a:03d}" for a in range(105)) + ("105+",)


def population_cube(inputs: ModelInputs) -> Cube:
    """The model's population (K, S, 106, T) as a cube (region, sex, age, year) with SSB's codes."""
    sexes = ("1", "2") if inputs.population.shape[1] == 2 else ("0",)
    return Cube(("region", "sex", "age", "year"),
                {"region": inputs.regions, "sex": sexes, "age": AGES,
                 "year": tuple(str(y) for y in inputs.years)},
                inputs.population, meta=dict(inputs.meta))


def staff_age(inputs: ModelInputs) -> pd.DataFrame | None:
    """Base-year employed persons by single age per region and occupation, if the data gave them.

    Where the model split municipal totals by the national profile (no ``stock``), the
    ages say nothing about the municipality, so there is nothing to report.
    """
    if inputs.stock is None:
        return None
    persons = inputs.stock.sum(axis=2)  # (K, O, ages): both sexes
    k, o, a = np.meshgrid(np.arange(persons.shape[0]), np.arange(persons.shape[1]),
                          np.arange(persons.shape[2]), indexing="ij")
    return pd.DataFrame({"region": np.asarray(inputs.regions, dtype=object)[k.ravel()],
                         "occupation": np.asarray(inputs.occupations, dtype=object)[o.ravel()],
                         "year": inputs.base_year, "age": [str(WORK_AGES[i]) for i in a.ravel()],
                         "persons": persons.ravel()})


def scenario_record(projection: Projection) -> dict[str, object]:
    """Name, description, file and its SHA-256 (when the scenario came from a file) of one run."""
    meta = projection.meta
    source = str(meta.get("scenario_source", ""))
    path = Path(source)
    if source and not path.is_file():  # a shipped scenario is named by its file in the package
        path = Path(str(resources.files("k2020proj") / "scenarios" / path.name))
    digest = hashlib.sha256(path.read_bytes()).hexdigest() if source and path.is_file() else ""
    return {"name": projection.scenario, "description": meta.get("description", ""),
            "alternative": meta.get("alternative", ""), "path": source, "sha256": digest,
            "levers": meta.get("levers", {})}


def package_inputs(runs: Sequence[tuple[ModelInputs, Projection]], county: tuple[str, str],
                   municipalities: Sequence[tuple[str, str]], tables: Sequence[str], vintage: str,
                   provenance: Mapping[str, object] | None = None, limits: Sequence[str] = ()) -> PackageInputs:
    """PackageInputs for ``runs`` (the first is the main scenario; its population is shown).

    ``limits`` are statements on how the inputs were estimated (the pipeline's notes, in
    the package's language); the model's own notes of every run are added after them.
    """
    if not runs:
        raise DataError("no projection runs to package")
    main_inputs, main = runs[0]
    results = pd.concat([projection.to_frame() for _, projection in runs], ignore_index=True)
    limits = list(dict.fromkeys([*limits, *(str(n) for _, p in runs for n in p.meta.get("notes", []))]))
    record = {"scenario_files": [scenario_record(p) for _, p in runs],
              "seeds": {p.scenario: p.meta.get("seed") for _, p in runs},
              "draws": {p.scenario: p.meta.get("draws") for _, p in runs},
              **dict(provenance or {})}
    return PackageInputs(
        results=results, population=population_cube(main_inputs), county=county,
        municipalities=municipalities, base_year=int(main.meta.get("base_year", main.years[0])),
        horizon=int(main.meta.get("horizon", main.years[-1])), scenarios=[p.scenario for _, p in runs],
        tables=tables, vintage=vintage, provenance=record,
        structure=str(main.meta.get("structure") or "2024"), staff_age=staff_age(main_inputs),
        limits=limits, synthetic=any(bool(p.meta.get("synthetic")) for _, p in runs))
