"""What ``k2020proj project`` shows and writes for a :class:`~k2020proj.pipeline.ProjectionRun`.

- :func:`render_text`: the readable table per occupation (base year, 2030, 2035 and the
  horizon; supply, demand, gap and recruitment need in FTEs and persons, whole numbers),
  with what the area is, the scenario, data vintage, structure, tables with their updated
  stamps, notes, the source line and the k2020proj version;
- :func:`write_files`: the tidy long CSV (``no`` or ``en`` dialect) with a provenance file
  beside it, an XLSX workbook (summary and tidy sheets), or JSON; and the supply-and-demand
  chart with its bands.

Numbers and labels come from the package's own writers (:mod:`k2020proj.outputs.formats`,
:mod:`~k2020proj.outputs.labels`, :mod:`~k2020proj.outputs.tables`,
:mod:`~k2020proj.outputs.charts`); this module only arranges them. A synthetic run says so
first in every output.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from k2020proj import __version__
from k2020proj.outputs import charts, labels
from k2020proj.outputs import results as res
from k2020proj.outputs import tables as tab
from k2020proj.atomic import write_text
from k2020proj.outputs.formats import (Table, cell_text, scenario_line, source_line, write_csv,
                                       write_workbook)
from k2020proj.outputs.from_model import scenario_record
from k2020proj.pipeline import ProjectionRun

#: years shown besides the base year and the horizon
SHOWN_YEARS = (2030, 2035)
#: phrases of this report: key -> (bokmål, English)
PHRASES = {
    "today": ("{code} {name} er i dag {new_code} {new_name} ({structure}-struktur).",
              "{code} {name} is today's {new_code} {new_name} ({structure} structure)."),
    "heading": ("Framskriving for {place}, scenario {scenarios}", "Projection for {place}, scenario {scenarios}"),
    "years": ("Basisår {base}, framskrivingsår {horizon}, kommunestruktur {structure}, k2020proj {version}",
              "Base year {base}, horizon {horizon}, municipality structure {structure}, k2020proj {version}"),
    "alternative": ("SSB-alternativ", "SSB alternative"),
    "notes": ("Merknader", "Notes"),
    "tables": ("Tabeller", "Tables"),
    "updated": ("oppdatert", "updated"),
    "unknown": ("ukjent", "unknown"),
    "kommune": ("kommune", "municipality"),
    "fylke": ("fylke", "county"),
    "summary": ("Sammendrag", "Summary"),
    "all": ("Alle tall", "All figures"),
}
#: rows of the readable table: FTEs, then persons
ROWS = ("supply_fte", "demand_fte", "gap_fte", "recruitment_need_fte",
        "supply_persons", "demand_persons", "gap_persons", "recruitment_need_persons")
#: the base year has no flow: a recruitment need there cannot occur (SSB's ".")
CANNOT_OCCUR = "."


def phrase(key: str, lang: str, **fields: object) -> str:
    """A phrase of this report in ``lang`` with ``{fields}`` filled in."""
    return PHRASES[key][labels.LANGS.index(labels.check_lang(lang))].format(**fields)


def shown_years(run: ProjectionRun) -> list[int]:
    """The base year, 2030 and 2035 where they fall inside, and the horizon."""
    inside = [y for y in SHOWN_YEARS if run.base_year < y < run.horizon]
    return [run.base_year, *inside, run.horizon]


def header_lines(run: ProjectionRun, lang: str) -> list[str]:
    """Synthetic warning, what the area is today, the scenario and the years."""
    area = run.area
    lines = [labels.text("synthetic_warning", lang)] if run.synthetic else []
    if area.given:
        lines.append(phrase("today", lang, code=area.given[0], name=area.given[1], new_code=area.code,
                            new_name=area.name, structure=area.structure))
    scenarios = ", ".join(f"{p.scenario} ({phrase('alternative', lang)} {p.meta.get('alternative')})"
                          for _, p in run.runs)
    place = area.name if area.level == "land" else f"{area.code} {area.name} ({phrase(area.level, lang)})"
    lines.append(phrase("heading", lang, place=place, scenarios=scenarios))
    lines.append(phrase("years", lang, base=run.base_year, horizon=run.horizon, structure=area.structure,
                        version=__version__))
    return lines


def footer_lines(run: ProjectionRun, lang: str) -> list[str]:
    """Notes, tables with their updated stamps, the source line and the scenario line."""
    lines = [f"{phrase('notes', lang)}:"] + [f"  - {note.text(lang)}" for note in run.notes]
    stamps = ", ".join(f"{r['id']} ({phrase('updated', lang)} {r['updated'] or phrase('unknown', lang)})"
                       for r in run.tables)
    lines.append(f"{phrase('tables', lang)}: {stamps}")
    lines.append(source_line(run.table_ids(), lang))
    lines.append(scenario_line(run.scenarios, run.vintage_text(lang), lang))
    return lines


def summary(run: ProjectionRun) -> pd.DataFrame:
    """Supply, demand, gap and recruitment need (FTEs and persons) in the shown years, one
    row per region, occupation, scenario and year, with the gap's 80 % band (NaN without draws)."""
    cut = res.select(run.results(), level=run.area.level, region=list(run.area.regions))
    rows = res.wide(cut, tab.FLOWS, year=shown_years(run))
    rows = rows[rows["occupation"].isin(res.occupations(cut))]
    bands = res.select(cut, variable="gap_fte", year=shown_years(run))[
        ["region", "occupation", "year", "scenario", "lo80", "hi80"]]
    return rows.merge(bands, on=["region", "occupation", "year", "scenario"], how="left")


def _block(rows: pd.DataFrame, lang: str, width: int) -> list[str]:
    """One occupation and scenario: a row per variable, a column per year (and the gap's
    80 % band under it when there are draws)."""
    years = list(rows["year"])
    table = [("", [str(y) for y in years])]
    for variable in ROWS:
        table.append((labels.variable(variable, lang),
                      [CANNOT_OCCUR if variable.startswith("recruitment") and y == years[0] else
                       cell_text(v, 0, lang) for v, y in zip(rows[variable], years)]))
        if variable == "gap_fte" and rows["lo80"].notna().any():
            table.append(("  " + labels.text("band80", lang), [_band(lo, hi, lang)
                                                               for lo, hi in zip(rows["lo80"], rows["hi80"])]))
    column = max(10, *(len(c) + 2 for _, cells in table for c in cells))
    return [f"{name:<{width}}" + "".join(f"{c:>{column}}" for c in cells) for name, cells in table]


def _band(low: float, high: float, lang: str) -> str:
    """«−317–−166»; one number where the band has no width (the base year)."""
    if not np.isfinite(low):
        return CANNOT_OCCUR
    shown = (cell_text(low, 0, lang), cell_text(high, 0, lang))
    return shown[0] if shown[0] == shown[1] else "–".join(shown)


def render_text(run: ProjectionRun, lang: str = "no") -> str:
    """The readable report: header, one table per region, occupation and scenario, footer."""
    table = summary(run)
    names = dict(zip(run.population.codes["region"], run.population.labels["region"]))
    names[run.area.code] = run.area.name
    width = max(len(labels.variable(v, lang)) for v in ROWS) + 2
    lines = header_lines(run, lang) + [""]
    for (region, occupation, scenario), rows in table.groupby(["region", "occupation", "scenario"], sort=False):
        lines.append(f"{labels.occupation(occupation, lang)} ({occupation}) – {region} {names.get(region, '')}"
                     + (f" – {scenario}" if len(run.scenarios) > 1 else ""))
        lines += _block(rows.sort_values("year"), lang, width) + [""]
    return "\n".join(lines + footer_lines(run, lang))


# -- files -----------------------------------------------------------------------------------------
def file_stem(run: ProjectionRun) -> str:
    """``k2020proj-kommune-3201``: what the files of a run are called."""
    return f"k2020proj-{run.area.level}-{run.area.code.replace('+', '-')}"


def record(run: ProjectionRun, lang: str) -> dict:
    """Everything about the run except the numbers, JSON-ready: area, scenarios with their
    files and levers, provenance, notes in ``lang``, version."""
    area = run.area
    return {"k2020proj": __version__, "synthetic": run.synthetic,
            "area": {"level": area.level, "code": area.code, "name": area.name, "structure": area.structure,
                     "municipalities": list(area.municipalities),
                     "given": {"code": area.given[0], "name": area.given[1]} if area.given else None},
            "scenarios": [scenario_record(p) for _, p in run.runs],
            "seeds": {p.scenario: p.meta.get("seed") for _, p in run.runs},
            "draws": {p.scenario: p.meta.get("draws") for _, p in run.runs},
            "provenance": run.provenance(), "notes": [n.text(lang) for n in run.notes],
            "source_line": source_line(run.table_ids(), lang)}


def _frame_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON objects, NaN as null."""
    return json.loads(frame.to_json(orient="records", force_ascii=False))


def json_text(run: ProjectionRun, lang: str) -> str:
    """The run as one JSON document: the record, the summary rows and the tidy results."""
    doc = {**record(run, lang), "summary": _frame_records(summary(run)), "results": _frame_records(run.results())}
    return json.dumps(doc, ensure_ascii=False, indent=1)


def write_files(run: ProjectionRun, fmt: str, out: Path, lang: str) -> list[Path]:
    """Write ``fmt`` (``csv``, ``xlsx`` or ``json``) into folder ``out``; the paths written."""
    stem = Path(out) / file_stem(run)
    if fmt == "json":
        return [write_text(stem.with_suffix(".json"), 
            json_text(run, lang))]
    provenance = write_text(Path(f"{stem}.provenance.json"), 
        json.dumps(record(run, lang), ensure_ascii=False, indent=1))
    if fmt == "csv":
        frame = run.results().assign(synthetic=run.synthetic)
        return [write_csv(frame, stem.with_suffix(".csv"), lang), provenance]
    return [_workbook(run, stem.with_suffix(".xlsx"), lang), provenance]


def _workbook(run: ProjectionRun, path: Path, lang: str) -> Path:
    """Summary sheet (G's supply-and-demand table for the area) and the tidy long sheet."""
    notes = tuple(header_lines(run, lang) + footer_lines(run, lang))
    names = dict(zip(run.population.codes["region"], run.population.labels["region"]))
    names[run.area.code] = run.area.name
    ctx = tab.Context(names, run.base_year, run.horizon, run.scenarios, lang, notes)
    results = run.results()
    main = tab.supply_demand(res.select(results, region=list(run.area.regions)), ctx)
    main = Table(phrase("summary", lang), main.title, main.frame, main.headers, notes, main.persons)
    tidy = Table(phrase("all", lang), phrase("all", lang), results, {}, notes)
    return write_workbook([main, tidy], path, threshold=0)


def plot(run: ProjectionRun, path: Path, lang: str) -> Path:
    """Supply against demand per occupation with 80/95 % bands for the area's (first) region."""
    region = run.area.regions[0]
    names = dict(zip(run.population.codes["region"], run.population.labels["region"]))
    title = f"{labels.text('supply_demand', lang)}: {region} {names.get(region, run.area.name)}"
    notes: Sequence[str] = ([labels.text("synthetic_warning", lang)] if run.synthetic else []) + [
        source_line(run.table_ids(), lang), scenario_line(run.scenarios, run.vintage_text(lang), lang)]
    return charts.supply_demand(run.results(), region, Path(path), title, notes, lang, threshold=0)
