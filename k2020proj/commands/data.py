"""``k2020proj fetch`` and ``k2020proj tables``: get SSB tables into the cache, list the known ones.

A thin click layer over :class:`~k2020proj.ssb.client.SSBClient`,
:class:`~k2020proj.ssb.live.LiveSource` / :class:`~k2020proj.sources.RecordedSource`
and the catalogue in :mod:`k2020proj.ssb.tables`. It prints what was fetched,
what came from the cache and from where; every expected failure is one line.
"""
from __future__ import annotations

import json
import re
import click

from k2020proj import harmonised, settings
from k2020proj.backtest.runner import parse_numbers
from k2020proj.cube import Cube
from k2020proj.errors import DataError, K2020Error, UsageError
from k2020proj.processed import processed_name, save_processed
from k2020proj.sources import RecordedSource, Source, open_source
from k2020proj.ssb.client import SSBClient
from k2020proj.ssb.live import LiveSource, find_variable
from k2020proj.ssb.tables import PROJECTION_TABLES, TABLES, table_info, vintage_of

SETS = ("model",)
_TABLE_ID = re.compile(r"^\d{5}$")


def _split(values: tuple[str, ...]) -> list[str]:
    """Repeated and comma-separated option values as one list."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _shape(cube: Cube) -> str:
    sizes = " × ".join(f"{d} {n}" for d, n in zip(cube.dims, cube.shape))
    return f"{sizes} = {cube.values.size:,} cells".replace(",", " ")


def _report_responses(client: SSBClient) -> None:
    """Say how many answers came over the network and how many from the cache, and where."""
    responses = client.responses()
    fetched = [r for r in responses if not r["cached"]]
    cached = [r for r in responses if r["cached"]]
    if fetched:
        apis = sorted({r["api"] for r in fetched})
        click.echo(f"  fetched {len(fetched)} response(s) from " + ", ".join(client.urls[a] for a in apis))
    if cached:
        click.echo(f"  read {len(cached)} response(s) from the cache")
    folders = sorted({str(settings.raw_dir() / r["api"] / r["resource"]) for r in responses
                      if r["kind"] == "data"})
    for folder in folders:
        click.echo(f"  cached in {folder}")


@click.command("fetch")
@click.argument("table", required=False)
@click.option("--set", "named_set", type=click.Choice(SETS),
              help="Fetch a named set instead of one table: 'model' = population (07459), population "
                   "by age group, the projection vintage, care FTEs (14534/11924), care users "
                   "(11645/12292) and the municipality history (KLASS 131, agg_KommSummer).")
@click.option("--kommune", "kommuner", multiple=True,
              help="With --set: municipalities to check and report (code, old code or name; repeat or "
                   "comma-separate). The tables are fetched for all municipalities.")
@click.option("--region", "regions", multiple=True,
              help="With TABLE: codes of the table's region variable (repeat or comma-separate); "
                   "K- codes (K-3201) select through Statbank's agg_KommSummer grouping. Default: all.")
@click.option("--years", default=None,
              help="Years, e.g. 2019..2021 or 2015,2020 (default for TABLE: all; required with --set).")
@click.option("--vintage", type=int, default=None,
              help="With --set model: projection vintage (default: the newest made by the last year).")
@click.option("--alternative", default="MMMM", show_default=True,
              help="With --set model: SSB's demographic alternative (MMMM, LLML, HHMH, …).")
@click.option("--lang", type=click.Choice(["no", "en"]), default="no", show_default=True,
              help="Language of SSB's labels (codes are the same).")
@click.option("--offline", is_flag=True, help="Use the cache only; say exactly what is missing.")
@click.option("--refresh", is_flag=True, help="Fetch again even what the cache holds.")
@click.option("--source", type=click.Path(file_okay=False, exists=True), default=None,
              help="Read from a folder of recorded SSB data instead of the network "
                   "(default: K2020PROJ_SOURCE, else live SSB).")
def fetch(table, named_set, kommuner, regions, years, vintage, alternative, lang, offline, refresh,
          source) -> None:
    """Fetch an SSB table, or the set of tables the model needs, into the cache.

    Live answers are kept exactly as received under data/raw/ (K2020PROJ_DATA),
    one file per response, so later runs (and --offline) read them from there.
    Queries over SSB's cell limit are split and joined back; SSB's call limit is
    respected.

    \b
    Examples:
      k2020proj fetch 07459 --region K-3201,K-0301 --years 2019..2021
      k2020proj fetch 14288 --region 4001 --years 2030
      k2020proj fetch --set model --kommune 3024 --years 2019..2021
      k2020proj fetch --set model --kommune Bærum --years 2020 --offline
    """
    if bool(table) == bool(named_set):
        raise UsageError("give either a TABLE (e.g. 07459) or --set model, not both or neither")
    if offline and refresh:
        raise UsageError("--offline and --refresh exclude each other")
    year_list = list(parse_numbers(years, "year")) if years else None
    if named_set:
        if regions:
            raise UsageError("--region goes with a TABLE; with --set use --kommune")
        if year_list is None:
            raise UsageError("--set model needs --years (e.g. --years 2019..2021)")
        client = None if (source or settings.recorded_source()) else SSBClient(lang=lang, offline=offline,
                                                                               refresh=refresh)
        src = open_source(source) if client is None else LiveSource(client)
        _fetch_set(src, _split(kommuner), year_list, vintage, alternative)
        return
    if kommuner:
        raise UsageError("--kommune goes with --set; with a TABLE use --region")
    if not _TABLE_ID.match(table):
        raise UsageError(f"table {table!r} is not an SSB table number (five digits, e.g. 07459)")
    if source or settings.recorded_source():
        _fetch_recorded(open_source(source), table, year_list, alternative)
    else:
        _fetch_table(SSBClient(lang=lang, offline=offline, refresh=refresh), table, _split(regions), year_list)


def _fetch_table(client: SSBClient, table: str, regions: list[str], years: list[int] | None) -> None:
    """One table from SSB: the chosen regions and years, every value of the other variables."""
    codelists = {}
    variables = client.variables(table)
    region = find_variable(variables, ("Region", "KOKkommuneregion0000"), ("region",))
    time = find_variable(variables, ("Tid",), ("år",), time=True)
    if regions and region is None:
        raise UsageError(f"SSB table {table} has no region variable; leave out --region")
    if regions and all(r.startswith("K-") for r in regions):
        codelists = {region.code: "agg_KommSummer"}
    selection = {v.code: "*" for v in variables}
    if regions:
        selection[region.code] = regions
    if years and time is not None:
        selection[time.code] = [str(y) for y in years]
    cube = client.data(table, selection, codelists)
    click.echo(f"{table} {cube.meta.get('title', '')}")
    click.echo(f"  {_shape(cube)}; SSB updated {cube.meta.get('updated', '?')}; via PxWebApi "
               f"{cube.meta.get('api')} in {cube.meta.get('requests')} call(s)")
    _report_responses(client)


def _fetch_recorded(src: Source, table: str, years: list[int] | None, alternative: str) -> None:
    """A table from a recorded folder, through the dataset that holds it."""
    info = table_info(table)
    if info.dataset is None or not isinstance(src, RecordedSource):
        raise UsageError(f"table {table} is not read from recorded data; fetch it live (without --source)")
    if info.dataset == "projection":
        cube = src.projection(vintage_of(table), alternative)
    elif years is None:
        raise UsageError(f"reading {table} from recorded data needs --years")
    else:
        cube = getattr(src, info.dataset)(years)
    click.echo(f"{table} {info.title}")
    click.echo(f"  {_shape(cube)}; read from {src.name}")


def _fetch_set(src: Source, kommuner: list[str], years: list[int], vintage: int | None, alternative: str) -> None:
    """Every dataset the model needs, harmonised to today's structure and kept in
    data/processed/; a failed one is reported and the rest still fetched."""
    vintage = vintage or max((v for v in PROJECTION_TABLES if v <= max(years)), default=min(PROJECTION_TABLES))
    history = src.region_history()
    for text in kommuner:
        found = history.resolve(text)
        click.echo(f"kommune {text}: {found.code} {found.name} ({found.validity})")
    span = f"{years[0]}-{years[-1]}" if len(years) > 1 else str(years[0])
    steps = [
        ("population (07459)", "population", (years,), span),
        ("population by age group (07459, agg_KommSummer)", "population_groups", (years,), span),
        (f"projection {vintage} {alternative} ({PROJECTION_TABLES.get(vintage, '?')})", "projection",
         (vintage, alternative), f"{vintage}-{alternative}"),
        ("care FTEs by occupation (14534/11924)", "personnel_fte", (years,), span),
        ("care service users (11645/12292)", "care_users", (years,), span),
    ]
    target = str(history.end_year)
    failed = []
    click.echo(f"set model from {src.name}: years {span.replace('-', '–')}, harmonised to the {target} structure")
    for name, dataset, args, what in steps:
        try:
            cube, report = harmonised.load(src, dataset, *args, target=target)
            path = save_processed(processed_name(dataset, what, target), cube, report)
        except K2020Error as error:
            failed.append(name)
            click.echo(f"  missing  {name}: {error}")
            continue
        click.echo(f"  ok       {name}: {_shape(cube)} → {path}")
    if isinstance(src, LiveSource):
        _report_responses(src.client)
    if failed:
        raise DataError(f"{len(failed)} of {len(steps)} datasets of set model could not be fetched "
                        f"({'; '.join(failed)}); see the lines above")


@click.command("tables")
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def tables(as_json: bool) -> None:
    """List the SSB tables k2020proj knows, what each holds and what the model uses it for.

    Discontinued tables are marked; dimension codes SSB.md marks unverified are
    read from the table's metadata when fetched.
    """
    if as_json:
        click.echo(json.dumps([vars(t) for t in TABLES], ensure_ascii=False, indent=1))
        return
    for info in TABLES:
        flag = "" if info.current else "  (discontinued/older)"
        click.echo(f"{info.id}  {info.years:<10} {info.title}{flag}")
        click.echo(f"       dims: {', '.join(info.dims)}")
        click.echo(f"       for:  {info.role}")
