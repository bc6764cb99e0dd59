"""The county statistics package: pages, workbook, CSV files, charts and provenance in one folder.

:func:`build_package` takes results that are already computed (the tidy projection
frame of every scenario, the population cube, the county and its municipalities,
provenance) and writes::

    index.html              county overview: findings, table, chart, links to every municipality
    kommune-<code>.html     one page per municipality (findings, pyramid, demand index,
                            supply vs demand with bands, tables, indicators)
    metode.html             model, scenarios, SSB tables with their updated stamps, vintage, limits
    charts/*.png            the charts the pages show
    k2020proj-fylke-<code>.xlsx   one sheet per table, labels in the package language
    csv/no/*.csv, csv/en/*.csv    every table and the tidy long file in both CSV dialects
    provenance.json         versions, tables, updated stamps, scenario files, seeds, file hashes

and optionally ``<folder>.zip`` beside it. It neither fetches nor projects, so it
builds the same package from live SSB data, the recorded copy or synthetic tests.
"""
from __future__ import annotations

import hashlib
import json
import platform
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
from tqdm import tqdm

from k2020proj import __version__
from k2020proj.atomic import write_text
from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.outputs import charts, formats, html, indicators, labels, narrative, population
from k2020proj.outputs import results as res
from k2020proj.outputs import tables as tab
from k2020proj.outputs.formats import THRESHOLD, Table

CHARTS = "charts"


@dataclass(frozen=True)
class PackageInputs:
    """Everything a package shows, already computed.

    ``results``: ``Projection.to_frame()`` of every scenario stacked (kommune rows and
    the county's fylke rows); ``population``: (region, [sex,] age, year) for the
    county's municipalities, actual and projected; ``scenarios``: names in the
    order to show, the first is the main one; ``tables``: SSB table ids the numbers
    rest on; ``vintage``: the data vintage in words (projection table, alternative,
    last actual year); ``provenance``: free-form record merged into
    ``provenance.json`` (``tables`` with ``updated`` stamps, ``scenario_files``,
    ``seeds``, ``source`` …); ``limits``: extra known limits for the method page.
    """

    results: pd.DataFrame
    population: Cube
    county: tuple[str, str]
    municipalities: Sequence[tuple[str, str]]
    base_year: int
    horizon: int
    scenarios: Sequence[str]
    tables: Sequence[str]
    vintage: str
    provenance: Mapping[str, object] = field(default_factory=dict)
    structure: str = "2024"
    staff_age: pd.DataFrame | None = None
    limits: Sequence[str] = ()
    synthetic: bool = False


@dataclass(frozen=True)
class Package:
    """What :func:`build_package` wrote: the folder, every file in it, the zip if asked for."""

    root: Path
    files: list[Path]
    zip: Path | None = None


@dataclass(frozen=True)
class _Prepared:
    """Inputs checked and derived once: results, population groups, indicators, tables."""

    inputs: PackageInputs
    results: pd.DataFrame
    groups: pd.DataFrame
    indicators: pd.DataFrame
    ctx: tab.Context
    tables: dict[str, Table]
    threshold: int


def build_package(inputs: PackageInputs, out: Path, lang: str = "no", threshold: int = THRESHOLD,
                  make_zip: bool = False, progress: bool = True) -> Package:
    """Write the county package for ``inputs`` into folder ``out``.

    The package is built in a hidden folder beside ``out`` and moved into place at the
    end, so ``out`` never holds a half-written or stale mix; an existing ``out`` is
    replaced only if it is an earlier package (it has ``provenance.json``) or empty.
    """
    labels.check_lang(lang)
    if threshold < 1:
        raise UsageError(f"suppression threshold must be at least 1 person, got {threshold}")
    out = Path(out)
    _check_target(out)
    prep = _prepare(inputs, lang, threshold)
    work = out.parent / f".{out.name}.partial"
    shutil.rmtree(work, ignore_errors=True)
    try:
        _write_all(prep, work, progress)
        shutil.rmtree(out, ignore_errors=True)
        work.rename(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    files = sorted(p for p in out.rglob("*") if p.is_file())
    archive = Path(shutil.make_archive(str(out), "zip", out.parent, out.name)) if make_zip else None
    return Package(out, files, archive)


def _check_target(out: Path) -> None:
    """Refuse to replace a folder that is neither empty nor an earlier package."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / "provenance.json").exists())):
        raise UsageError(f"{out} exists and is not a k2020proj package: choose a new or empty folder")


def _write_all(prep: _Prepared, out: Path, progress: bool) -> None:
    _write_county_charts(prep, out)
    for code, name in tqdm(prep.inputs.municipalities, desc=labels.text("municipalities", prep.ctx.lang),
                           unit="", disable=not progress):
        _write_municipality(prep, out, code, name)
    _write_index(prep, out)
    _write_method(prep, out)
    _write_files(prep, out)
    _write_provenance(prep, out)


# -- preparation -----------------------------------------------------------------------------
def _prepare(inputs: PackageInputs, lang: str, threshold: int) -> _Prepared:
    results = res.check(inputs.results)
    _check_coverage(inputs, results)
    names = {inputs.county[0]: inputs.county[1], **dict(inputs.municipalities)}
    results = results[results["region"].isin(list(names)) & (results["level"] != "land")]
    groups = _with_county(population.demand_groups(inputs.population), inputs.county[0])
    values = indicators.indicators(results, groups, inputs.staff_age)
    ctx = tab.Context(names, inputs.base_year, inputs.horizon, list(inputs.scenarios), lang,
                      _notes(inputs, lang))
    tables = {"overview": tab.overview(results, groups, ctx), "population": tab.population(groups, ctx),
              "supply_demand": tab.supply_demand(results, ctx),
              "demand_index": tab.demand_index(results, ctx),
              "indicators": tab.indicators(values, ctx, res.occupations(results))}
    if len(inputs.scenarios) > 1:
        tables["scenarios"] = tab.scenarios(results, ctx)
    return _Prepared(inputs, results, groups, values, ctx, tables, threshold)


def _check_coverage(inputs: PackageInputs, results: pd.DataFrame) -> None:
    """Every municipality, the county, every scenario, the base year and horizon must be present."""
    wanted = {inputs.county[0], *(code for code, _ in inputs.municipalities)}
    missing = sorted(wanted - set(results["region"]))
    if missing:
        raise DataError(f"projection results lack region(s) {', '.join(missing)}")
    absent = [s for s in inputs.scenarios if s not in set(results["scenario"])]
    if absent:
        raise DataError(f"projection results lack scenario(s) {', '.join(absent)}")
    years = set(results["year"])
    if inputs.base_year not in years or inputs.horizon not in years:
        raise DataError(f"projection results do not span {inputs.base_year}-{inputs.horizon}")


def _with_county(groups: pd.DataFrame, county: str) -> pd.DataFrame:
    """Population groups with the county's rows (sum of its municipalities) added if absent."""
    if county in set(groups["region"]):
        return groups
    summed = groups.groupby(["year", "age_group"], sort=False)["persons"].sum(min_count=1).reset_index()
    return pd.concat([groups, summed.assign(region=county)[groups.columns]], ignore_index=True)


def _notes(inputs: PackageInputs, lang: str) -> tuple[str, ...]:
    """Source line, scenario and vintage line, structure; a warning if anything is synthetic."""
    notes = [formats.source_line(inputs.tables, lang),
             formats.scenario_line(inputs.scenarios, inputs.vintage, lang),
             f"{labels.text('structure', lang)}: {inputs.structure}"]
    if inputs.synthetic:
        notes.append(labels.text("synthetic_warning", lang))
    return tuple(notes)


# -- charts and pages -------------------------------------------------------------------------
def _chart_names(code: str) -> dict[str, str]:
    return {"pyramid": f"{CHARTS}/pyramide-{code}.png", "index": f"{CHARTS}/behovsindeks-{code}.png",
            "supply": f"{CHARTS}/tilbud-behov-{code}.png"}


def _write_region_charts(prep: _Prepared, out: Path, code: str, name: str, pop: Cube) -> dict[str, str]:
    """Pyramid, demand index and supply-vs-demand charts of one region; their relative paths."""
    ctx, paths = prep.ctx, _chart_names(code)
    years = (ctx.base_year, ctx.horizon)
    charts.pyramid(population.pyramid(pop, code, years[0]), population.pyramid(pop, code, years[1]),
                   years, out / paths["pyramid"], f"{ctx.t('pyramid')} – {name}", ctx.notes, ctx.lang)
    charts.demand_index(prep.results, code, ctx.scenarios[0], out / paths["index"],
                        f"{ctx.t('demand_index_chart')} – {name}", ctx.notes, ctx.lang)
    charts.supply_demand(prep.results, code, out / paths["supply"], f"{ctx.t('supply_demand')} – {name}",
                         ctx.notes, ctx.lang, prep.threshold)
    return paths


def _region_body(prep: _Prepared, code: str, name: str, paths: Mapping[str, str]) -> str:
    """Findings, charts and the region's rows of every table."""
    ctx, t = prep.ctx, prep.tables
    found = narrative.facts(name, code, prep.results, prep.groups, list(ctx.scenarios),
                            ctx.base_year, ctx.horizon, prep.threshold)
    table = lambda key: html.table(tab.for_region(t[key], code), prep.threshold, ctx.lang)  # noqa: E731
    parts = [_synthetic_banner(prep), html.heading(ctx.t("findings")),
             html.lead(narrative.sentences(found, ctx.lang)),
             html.heading(ctx.t("population")), html.image(paths["pyramid"], ctx.t("pyramid"), ctx.notes),
             table("population"),
             html.heading(ctx.t("demand_index_chart")),
             html.image(paths["index"], ctx.t("demand_index_chart"), ctx.notes), table("demand_index"),
             html.heading(ctx.t("supply_demand")),
             html.image(paths["supply"], ctx.t("supply_demand"), ctx.notes), table("supply_demand"),
             html.heading(ctx.t("indicators")), table("indicators")]
    if "scenarios" in t:
        parts += [html.heading(t["scenarios"].title), table("scenarios")]
    return "\n".join(parts)


def _synthetic_banner(prep: _Prepared) -> str:
    return html.warning(prep.ctx.t("synthetic_warning")) if prep.inputs.synthetic else ""


def _subtitle(prep: _Prepared) -> str:
    ctx, inputs = prep.ctx, prep.inputs
    return (f"{ctx.t('county')} {inputs.county[0]} {inputs.county[1]} · {ctx.t('base_year')} "
            f"{ctx.base_year} · {ctx.t('horizon')} {ctx.horizon} · {ctx.t('scenario')}: "
            f"{', '.join(ctx.scenarios)} · {ctx.t('structure')} {inputs.structure}")


def _write_municipality(prep: _Prepared, out: Path, code: str, name: str) -> None:
    paths = _write_region_charts(prep, out, code, name, prep.inputs.population)
    body = _region_body(prep, code, name, paths)
    title = f"{name} ({code})"
    write_text(out / f"kommune-{code}.html",
                html.page(title, body, prep.ctx.lang, _subtitle(prep), home="index.html"))


def _county_population(prep: _Prepared) -> Cube:
    """The municipalities' population summed to the county (for the county pyramid)."""
    pop = prep.inputs.population
    codes = [c for c, _ in prep.inputs.municipalities]
    cut = pop.sel(region=codes)
    return cut.map_axis("region", np.ones((len(codes), 1)), [prep.inputs.county[0]])


def _write_county_charts(prep: _Prepared, out: Path) -> None:
    code, name = prep.inputs.county
    _write_region_charts(prep, out, code, name, _county_population(prep))
    ctx, over = prep.ctx, prep.tables["overview"].frame
    rows = over[over["region"] != code].copy()
    rows["name"] = rows["region_name"]
    headers = prep.tables["overview"].headers
    columns = ["gap_pct_of_demand", "pop80_growth_pct"]
    charts.compare(rows, columns, [headers[c] for c in columns], out / CHARTS / "kommuner.png",
                   f"{ctx.t('compare_chart')} – {ctx.scenarios[0]}, {ctx.horizon}", ctx.notes)


def _write_index(prep: _Prepared, out: Path) -> None:
    ctx, inputs = prep.ctx, prep.inputs
    code, name = inputs.county
    found = narrative.facts(name, code, prep.results, prep.groups, list(ctx.scenarios),
                            ctx.base_year, ctx.horizon, prep.threshold)
    links = [(f"kommune-{c}.html", f"{c} {n}") for c, n in inputs.municipalities]
    body = "\n".join([
        _synthetic_banner(prep), html.heading(ctx.t("findings")),
        html.lead(narrative.sentences(found, ctx.lang)),
        html.heading(ctx.t("municipalities")), html.links(links),
        html.heading(prep.tables["overview"].title),
        html.table(prep.tables["overview"], prep.threshold, ctx.lang, total_region=code),
        html.image(f"{CHARTS}/kommuner.png", ctx.t("compare_chart"), ctx.notes),
        html.heading(ctx.t("supply_demand")),
        html.image(_chart_names(code)["supply"], ctx.t("supply_demand"), ctx.notes),
        html.heading(ctx.t("population")),
        html.image(_chart_names(code)["pyramid"], ctx.t("pyramid"), ctx.notes),
        html.table(tab.for_region(prep.tables["population"], code), prep.threshold, ctx.lang),
        html.heading(ctx.t("demand_index_chart")),
        html.image(_chart_names(code)["index"], ctx.t("demand_index_chart"), ctx.notes),
        html.heading(ctx.t("indicators")),
        html.table(tab.for_region(prep.tables["indicators"], code), prep.threshold, ctx.lang),
        html.heading(ctx.t("files")), html.links(_file_links(prep)),
    ])
    title = f"{ctx.t('package_title')}: {name}"
    write_text(out / "index.html", html.page(title, body, ctx.lang, _subtitle(prep)))


def _file_links(prep: _Prepared) -> list[tuple[str, str]]:
    ctx = prep.ctx
    return [("metode.html", ctx.t("method")), (_workbook_name(prep), "Excel (.xlsx)"),
            ("csv/no/tidy.csv", ctx.t("tidy_file") + " (CSV, no)"),
            ("csv/en/tidy.csv", ctx.t("tidy_file") + " (CSV, en)"),
            ("provenance.json", ctx.t("provenance"))]


def _write_method(prep: _Prepared, out: Path) -> None:
    from k2020proj.outputs.method import method_body

    ctx = prep.ctx
    body = method_body(prep.inputs, res.occupations(prep.results), prep.threshold, ctx.lang,
                       _table_rows(prep.inputs.provenance))
    write_text(out / "metode.html", html.page(ctx.t("method"), body, ctx.lang, _subtitle(prep),
                                                home="index.html"))


def _table_rows(provenance: Mapping[str, object]) -> list[dict]:
    tables = provenance.get("tables", [])
    return [dict(t) for t in tables] if isinstance(tables, (list, tuple)) else []




# -- files for machines and for Excel ----------------------------------------------------------
def _workbook_name(prep: _Prepared) -> str:
    return f"k2020proj-fylke-{prep.inputs.county[0]}.xlsx"


def _write_files(prep: _Prepared, out: Path) -> None:
    """The workbook, every table as CSV in both dialects, and the tidy long file."""
    sheets = [_sheet(prep, table) for table in prep.tables.values()]
    formats.write_workbook(sheets, out / _workbook_name(prep), prep.threshold)
    tidy = tidy_frame(prep)
    for dialect in formats.DIALECTS:
        for name, table in prep.tables.items():
            formats.write_csv(formats.machine_frame(table), out / "csv" / dialect / f"{name}.csv", dialect)
        formats.write_csv(tidy, out / "csv" / dialect / "tidy.csv", dialect)


def _sheet(prep: _Prepared, table: Table) -> Table:
    """The table under its sheet name, with the symbol legend among its notes."""
    from dataclasses import replace

    legend = labels.text("symbols", prep.ctx.lang, threshold=prep.threshold)
    return replace(table, name=prep.ctx.t(f"sheet_{table.name}"), notes=(*table.notes, legend))


def tidy_frame(prep: _Prepared) -> pd.DataFrame:
    """Everything in one long frame shaped like ``Projection.to_frame()`` plus names and status.

    Model results as they are; indicators as variables with occupation ``total``;
    population per age group as variables ``population_<group>`` (occupation empty,
    scenario the main one, since the package shows one population path).
    """
    parts = [prep.results]
    ind = prep.indicators.melt(id_vars=["level", "region", "year", "scenario"],
                               value_vars=list(indicators.NAMES), var_name="variable")
    parts.append(ind.assign(occupation=res.TOTAL))
    pop = prep.groups.assign(variable="population_" + prep.groups["age_group"], occupation="",
                             scenario=prep.ctx.scenarios[0], value=prep.groups["persons"],
                             level=np.where(prep.groups["region"] == prep.inputs.county[0],
                                            "fylke", "kommune"))
    parts.append(pop)
    tidy = pd.concat([p.reindex(columns=list(res.COLUMNS)) for p in parts], ignore_index=True)
    tidy.insert(2, "region_name", [prep.ctx.names.get(r, r) for r in tidy["region"]])
    tidy["status"] = np.where(tidy["value"].isna(), formats.MISSING, "")
    return tidy.sort_values(["level", "region", "variable", "occupation", "scenario", "year"],
                            kind="stable").reset_index(drop=True)


def _write_provenance(prep: _Prepared, out: Path) -> None:
    """provenance.json: versions, inputs, SSB tables and stamps, scenarios, seeds, file hashes."""
    inputs = prep.inputs
    record = {
        "k2020proj": __version__, "python": platform.python_version(),
        "libraries": _library_versions(),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "county": {"code": inputs.county[0], "name": inputs.county[1]},
        "municipalities": [{"code": c, "name": n} for c, n in inputs.municipalities],
        "structure": inputs.structure, "base_year": inputs.base_year, "horizon": inputs.horizon,
        "scenarios": list(inputs.scenarios), "vintage": inputs.vintage, "ssb_tables": list(inputs.tables),
        "language": prep.ctx.lang, "suppression_threshold": prep.threshold,
        "synthetic": inputs.synthetic, "licence": "SSB data: CC BY 4.0 (Kilde: Statistisk sentralbyrå)",
        **dict(inputs.provenance),
        "files": _hashes(out),
    }
    write_text(out / "provenance.json", json.dumps(record, ensure_ascii=False, indent=2, default=str))


def _library_versions() -> dict[str, str]:
    import matplotlib
    import openpyxl

    return {"numpy": np.__version__, "pandas": pd.__version__, "matplotlib": matplotlib.__version__,
            "openpyxl": openpyxl.__version__}


def _hashes(out: Path) -> list[dict[str, object]]:
    """Path, size and SHA-256 of every file written so far (provenance.json itself excluded)."""
    entries = []
    for path in sorted(p for p in out.rglob("*") if p.is_file() and p.name != "provenance.json"):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        entries.append({"path": path.relative_to(out).as_posix(), "bytes": path.stat().st_size,
                        "sha256": digest})
    return entries
