"""``k2020proj package``: the county statistics package in one command.

Resolves the county (today's number, an old one such as 08 Telemark, or a name) or
a list of municipalities (old codes and names too), projects every scenario asked
for, and writes the package with :func:`k2020proj.outputs.package.build_package`.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click

from k2020proj.errors import UsageError
from k2020proj.pipeline import Area, resolve_area
from k2020proj.regions import RegionHistory
from k2020proj.commands.options import data_options


@dataclass(frozen=True)
class Selection:
    """The county to project (today's structure), the municipalities the package shows,
    and what was resolved to what (old codes, old county numbers)."""

    county: Area
    municipalities: tuple[str, ...]
    messages: tuple[str, ...]


def select_regions(history: RegionHistory, fylke: str | None, kommuner: tuple[str, ...]) -> Selection:
    """The county and municipalities of a package from ``--fylke`` or ``--kommune``.

    A county may be today's number, an old one that is one county today (08 Telemark) or a
    name. Municipalities (old codes and names too, comma-separated or repeated) must lie in
    one county, since the package is a county's: the whole county is projected, so its
    total is the real county's, and only the municipalities asked for get pages.
    """
    if bool(fylke) == bool(kommuner):
        raise UsageError("give either --fylke or --kommune (not both)")
    if fylke:
        county = resolve_area(history, fylke, level="fylke")
        given = [f"{county.given[0]} {county.given[1]} is today's {county.code} {county.name}"] if county.given else []
        return Selection(county, county.municipalities, tuple(given))
    texts = [part.strip() for item in kommuner for part in item.split(",") if part.strip()]
    found = [(text, resolve_area(history, [text])) for text in texts]
    codes = tuple(sorted({area.code for _, area in found}))
    counties = sorted({code[:2] for code in codes})
    if len(counties) != 1:
        raise UsageError(f"the municipalities lie in several counties ({', '.join(counties)}): "
                         "a package is for one county; run once per county")
    messages = tuple(f"{text} is today's {area.code} {area.name}" for text, area in found
                     if text not in (area.code, area.name))
    return Selection(resolve_area(history, counties[0], level="fylke"), codes, messages)


@click.command()
@click.option("--fylke", default=None, help="County: today's number (40), an old one (08, 38 if whole) or a name.")
@click.option("--kommune", "kommuner", multiple=True,
              help="Municipality codes or names (old ones too), repeated or comma-separated; one county.")
@click.option("--base-year", type=int, default=None,
              help="Base year (default: the newest year with personnel FTEs and population).")
@click.option("--horizon", type=int, default=2040, show_default=True, help="Last projected year.")
@click.option("--scenario", "scenarios", multiple=True, default=("referanse",), show_default=True,
              help="Scenario name or TOML file; repeat to compare (the first is the main one).")
@click.option("--draws", type=int, default=200, show_default=True, help="Monte Carlo draws for the bands.")
@click.option("--seed", type=int, default=2020, show_default=True, help="Seed of the draws.")
@click.option("--lang", type=click.Choice(["no", "en"]), default="no", show_default=True,
              help="Language of the labels and texts (codes stay the same).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write (default: k2020proj-fylke-<code>).")
@click.option("--zip", "make_zip", is_flag=True, help="Also write <folder>.zip.")
@click.option("--threshold", type=int, default=5, show_default=True,
              help="Hide cells resting on fewer persons than this in tables for people.")
@data_options
def package(fylke, kommuner, base_year, horizon, scenarios, draws, seed, lang, out, make_zip, threshold,
            source, offline, quiet) -> None:
    """Write the statistics package for a county (or some of its municipalities).

    One page per municipality (findings in plain language, population pyramid, demand
    index per service, supply against demand with 80/95 % bands, gap, recruitment need,
    indicators), a county overview, a method page, an XLSX workbook, CSV in the no and
    en dialects, a tidy long CSV, PNG charts and provenance.json.
    """
    from k2020proj.outputs.from_model import package_inputs
    from k2020proj.outputs.package import build_package
    from k2020proj.pipeline import run_projection
    from k2020proj.sources import open_source

    data = open_source(source, offline=offline)
    chosen = select_regions(data.region_history(), fylke, kommuner)
    for message in chosen.messages:
        click.echo(message, err=True)
    progress = not quiet and sys.stderr.isatty()
    run = run_projection(chosen.county, source=data, scenario=list(scenarios), base_year=base_year,
                         horizon=horizon, draws=draws, seed=seed, progress=progress)
    projected = set(run.runs[0][0].regions)
    history = data.region_history()
    shown = [(code, history.name(code)) for code in chosen.municipalities if code in projected]
    inputs = package_inputs(run.runs, (run.area.code, run.area.name), shown, run.table_ids(),
                            run.vintage_text(lang), provenance=run.provenance(),
                            limits=[note.text(lang) for note in run.notes])
    target = out or Path(f"k2020proj-fylke-{run.area.code}")
    made = build_package(inputs, target, lang=lang, threshold=threshold, make_zip=make_zip,
                         progress=progress)
    click.echo(f"{run.area.code} {run.area.name}: {len(shown)} municipalities, {len(made.files)} files "
               f"in {made.root}" + (f", {made.zip}" if made.zip else ""))
