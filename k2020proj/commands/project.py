"""``k2020proj project``: supply, demand, gap and recruitment need for a municipality, a
county or the country, from SSB's tables (live, cached or a recorded copy).

Everything is computed by :func:`k2020proj.pipeline.run_projection`; this module reads the
options, prints the readable table (or writes CSV, XLSX or JSON with
:mod:`k2020proj.outputs.projection_report`) and draws the chart when asked.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from k2020proj.commands.options import data_options
from k2020proj.errors import UsageError

FORMATS = ("table", "csv", "xlsx", "json")


def _area(kommune: str | None, fylke: str | None, land: bool) -> tuple[str, str]:
    """(text, level) of the one area asked for."""
    given = [(kommune, "kommune"), (fylke, "fylke"), ("0" if land else None, "land")]
    chosen = [(text, level) for text, level in given if text]
    if len(chosen) != 1:
        raise UsageError("give exactly one of --kommune, --fylke or --land")
    return chosen[0]


@click.command()
@click.option("--kommune", default=None, help="Municipality: today's code (3201), an old one (3024, 0219) or a name.")
@click.option("--fylke", default=None, help="County: today's number (32), an old one (08) or a name.")
@click.option("--land", is_flag=True, help="The whole country.")
@click.option("--horizon", type=int, default=2050, show_default=True, help="Last projected year.")
@click.option("--scenario", "scenarios", multiple=True, default=("referanse",), show_default=True,
              help="Scenario name or TOML file; repeat to compare (the first is the main one).")
@click.option("--alternative", default=None, help="SSB demographic alternative (MMMM, LLML, HHMH …); "
              "default: the scenario's.")
@click.option("--occupation", "occupations", multiple=True,
              help="Occupation code (spl, hfa, …); repeat for several; default: all in the data.")
@click.option("--base-year", type=int, default=None,
              help="Base year (default: the newest with both personnel FTEs and population).")
@click.option("--draws", type=int, default=0, show_default=True, help="Monte Carlo draws for 80/95 % bands.")
@click.option("--seed", type=int, default=2020, show_default=True, help="Seed of the draws.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="table: print; csv, xlsx: files in --out; json: print, or a file in --out.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw supply against demand with bands to this PNG file.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for csv, xlsx and json files (default: the current folder).")
@click.option("--lang", type=click.Choice(["no", "en"]), default="no", show_default=True,
              help="Language of labels, notes and the CSV dialect (codes stay the same).")
@data_options
def project(kommune, fylke, land, horizon, scenarios, alternative, occupations, base_year, draws, seed, fmt,
            plot, out, lang, source, offline, quiet) -> None:
    """Project supply of and demand for care personnel per occupation.

    Prints, per occupation, base-year FTEs and supply, demand, gap and recruitment need in
    FTEs and persons for 2030, 2035 and the horizon, with the scenario, data vintage,
    municipality structure and SSB tables used. Old codes, names and county numbers are
    accepted and said to be today's.
    """
    from k2020proj.outputs import projection_report as report
    from k2020proj.pipeline import run_projection

    text, level = _area(kommune, fylke, land)
    run = run_projection(text, level=level, source=source,
                         scenario=list(scenarios), base_year=base_year, horizon=horizon,
                         alternative=alternative, draws=draws, seed=seed, occupations=list(occupations) or None,
                         offline=offline, progress=not quiet and sys.stderr.isatty())
    if fmt == "table":
        click.echo(report.render_text(run, lang))
    elif fmt == "json" and out is None:
        click.echo(report.json_text(run, lang))
    else:
        for path in report.write_files(run, fmt, out or Path("."), lang):
            click.echo(f"{path}")
    if plot is not None:
        click.echo(f"{report.plot(run, plot, lang)}")
