"""``k2020proj backtest``: project from past base years, score against what SSB later recorded.

A thin click layer: it reads the options, builds the target's panel from the data
source, runs :func:`~k2020proj.backtest.runner.run_backtest` with a progress bar over
base years, prints the headline table, writes the report files, and with ``--check``
fails (exit 1) naming every score that got worse than the stored baseline.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import click

from k2020proj import __version__
from k2020proj.backtest.engine import LEVELS
from k2020proj.backtest.runner import DEFAULTS, TARGETS, BacktestResult, parse_numbers, run_backtest
from k2020proj.backtest.summary import check, score_records
from k2020proj.errors import DataError, K2020Error, UsageError
from k2020proj.outputs.backtest_reading import reading
from k2020proj.outputs.backtest_report import FORMATS, overview, provenance_lines, write_report
from k2020proj.atomic import write_text

#: default tolerance of --check, in percentage points of a score
TOLERANCE = 0.5


@click.command("backtest")
@click.option("--target", type=click.Choice(TARGETS), default="population", show_default=True,
              help="What to forecast: population (SSB projection), demand (service users) or "
                   "personnel (nurse FTEs).")
@click.option("--base-years", "base_years", default=None,
              help="Base years, e.g. 2005..2016 or 2005,2010 (default per target: population "
                   "2005..2020, demand and personnel 2015..2020).")
@click.option("--horizons", default=None,
              help="Years ahead, e.g. 1,5,10 or 1..6 (default: population 1..10, others 1..6).")
@click.option("--level", type=click.Choice(LEVELS), default="kommune", show_default=True,
              help="Score municipalities, counties or the nation.")
@click.option("--kommune", "kommuner", multiple=True,
              help="Only these municipalities (code, old code or name; repeat or comma-separate).")
@click.option("--fylke", "fylker", multiple=True, help="Only these counties (code, e.g. 40).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write pairs.csv, summary.md/.xlsx/.json and error_by_horizon.png here.")
@click.option("--format", "formats", default=",".join(FORMATS), show_default=True,
              help="Comma-separated subset of csv, md, xlsx, png, json (with --out).")
@click.option("--check", "baseline", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="Fail when a score is worse than in this baseline JSON.")
@click.option("--tolerance", type=float, default=None,
              help=f"Percentage points a score may worsen before --check fails "
                   f"(default: the baseline's, else {TOLERANCE}).")
@click.option("--save-baseline", "save_baseline", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write this run's scores as a baseline JSON for --check.")
@click.option("--source", type=click.Path(file_okay=False, exists=True, path_type=Path), default=None,
              help="Read recorded SSB data from this folder (default: K2020PROJ_SOURCE, else live SSB).")
@click.option("--offline", is_flag=True, help="Use the cache only; never call SSB.")
@click.option("--scenario", default="referanse", show_default=True,
              help="Model scenario for the personnel target (name or TOML file).")
@click.option("--draws", type=click.IntRange(0, 1000), default=0, show_default=True,
              help="Monte Carlo draws for the personnel target: 80/95 %% bands and their coverage.")
def backtest(target, base_years, horizons, level, kommuner, fylker, out, formats, baseline, tolerance,
             save_baseline, source, offline, scenario, draws) -> None:
    """Backtest projections against what SSB later recorded, beside naive baselines.

    For each base year t0 only data up to t0 and the newest projection vintage
    published at or before t0 are used. Forecasts are scored (MAPE, median APE, WAPE,
    bias, share within ±5 %) per horizon, size class, county and nation, beside
    no change, a 5-year linear trend and (demand, personnel) a constant per-capita ratio.

    \b
    Examples:
      k2020proj backtest --target population --fylke 40 --horizons 1..10
      k2020proj backtest --target personnel --base-years 2015..2020 --out runs/personnel
      k2020proj backtest --target population --check tests/baselines/backtest_ci.json
    """
    default_years, default_horizons = DEFAULTS[target]
    years = parse_numbers(base_years, "year") if base_years else default_years
    steps = parse_numbers(horizons, "horizon") if horizons else default_horizons
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    document = _load(baseline) if baseline is not None else None
    from k2020proj.backtest.data import build, open_inputs, resolve_filters
    inputs = open_inputs(source, offline)
    regions, counties = resolve_filters(inputs.history, kommuner, fylker)
    panel, forecaster = build(target, inputs, scenario, draws)
    result = run_backtest(panel, forecaster, years, steps, level, regions, counties, progress=_progress)
    click.echo(_headline(result))
    if out is not None:
        for path in write_report(result, out, chosen):
            click.echo(f"wrote {path}")
    if save_baseline is not None:
        _save_baseline(result, save_baseline, tolerance)
    if document is not None:
        _check(result, document, baseline, tolerance)


def _progress(years: list[int]):
    """A progress bar over base years on stderr (silent when stderr is not a terminal)."""
    from tqdm import tqdm
    return tqdm(years, desc="base years", unit="year", disable=None, leave=False)


def _headline(result: BacktestResult) -> str:
    """Scores per group and horizon; for several municipalities also WAPE per size class,
    MAPE of their sum, and the paragraph reading the scores."""
    lines = [f"Backtest {result.target}, level {result.level}: {len(result.pairs)} pairs", "", overview(result), ""]
    sizes = result.tables.get("size_class")
    if sizes is not None and sizes["size_class"].nunique() > 1:
        lines += ["Per municipality size class (inhabitants at the base year):", "",
                  overview(result, ("wape",), "size_class"), ""]
    if "sum" in result.tables:
        lines += ["All municipalities of the run summed:", "", overview(result, ("mape",), "sum"), ""]
    text = reading(result)
    lines += [textwrap.fill(text, 100), ""] if text else []
    return "\n".join(lines + provenance_lines(result))


def _save_baseline(result: BacktestResult, path: Path, tolerance: float | None) -> None:
    """Write (or update, per target and level) the baseline JSON with this run's scores."""
    existing = _load(path) if path.exists() else {"scores": [], "runs": {}}
    run = (result.target, result.level)
    kept = [r for r in existing["scores"] if (r["target"], r["level"]) != run]
    runs = {**existing.get("runs", {}), "/".join(run): {
        "base_years": list(result.base_years), "horizons": list(result.horizons),
        "provenance": provenance_lines(result)}}
    header = {"tolerance": tolerance if tolerance is not None else existing.get("tolerance", TOLERANCE),
              "k2020proj_version": __version__, "runs": runs}
    scores = kept + score_records(result.target, result.tables["overall"])
    head = json.dumps(header, ensure_ascii=False, indent=1)[:-2]
    text = head + ',\n "scores": [\n' + ",\n".join(f"  {json.dumps(r, ensure_ascii=False)}" for r in scores)
    write_text(path, text + "\n ]\n}\n")
    click.echo(f"wrote baseline {path}")


def _check(result: BacktestResult, document: dict, path: Path, tolerance: float | None) -> None:
    """Compare with the baseline's scores for this target and level; raise naming each regression."""
    ours = [r for r in document.get("scores", []) if (r["target"], r["level"]) == (result.target, result.level)]
    if not ours:
        raise UsageError(f"baseline {path} has no scores for target {result.target} at level {result.level}")
    failures = check(score_records(result.target, result.tables["overall"]), {**document, "scores": ours},
                     tolerance)
    for failure in failures:
        click.echo(f"regression: {failure}", err=True)
    if failures:
        raise K2020Error(f"backtest check failed: {len(failures)} score(s) worse than {path}; "
                         f"first: {failures[0]}")
    click.echo(f"check passed: {len(ours)} scores within tolerance of {path}")


def _load(path: Path) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise DataError(f"cannot read backtest baseline {path}: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("scores"), list):
        raise DataError(f"backtest baseline {path} has no 'scores' list")
    return document
