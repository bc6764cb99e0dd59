"""``k2020proj kommune``: what a municipality (or county) code was, is and became."""
from __future__ import annotations

import json
import re

import click

from k2020proj.errors import UsageError
from k2020proj.regions import County, Municipality, RegionHistory, span
from k2020proj.sources import open_source

_COUNTY = re.compile(r"^(?:F-)?\d{2}$", re.IGNORECASE)


def _entry(code: str, name: str, first: int | None, last: int | None) -> str:
    validity = span(first, last)
    return f"{code} {name} ({validity})" if validity else f"{code} {name}"


def municipality_text(m: Municipality, history: RegionHistory) -> str:
    """The lines ``k2020proj kommune`` prints for one municipality code."""
    county = f", county {m.county} {m.county_name}" if m.county_name else ""
    lines = [_entry(m.code, m.name, m.valid_from, m.valid_to) + county]
    if not m.municipal:
        lines.append(f"  not a municipality: no place in the {m.target} structure")
    elif m.current:
        lines.append(f"  in use in the {m.target} structure")
    elif not m.successors:
        lines.append(f"  no successor in the {m.target} structure")
    else:
        now = ", ".join(f"{_entry(c, n, *_validity(history, c))}"
                        + (f" {s:.1%}" if len(m.successors) > 1 else "") for c, n, s in m.successors)
        county = history.county_of(m.successors[0][0])
        lines.append(f"  now:      {now}, county {county.code} {county.name}")
        if len(m.successors) > 1:
            lines.append(f"  split:    shares from {history.basis(m.code) or 'equal shares'}")
    if m.formerly:
        lines.append("  formerly: " + ", ".join(_entry(*e) for e in m.formerly))
    if len(m.chain) > 1:
        lines.append("  chain:    " + " → ".join(_entry(*e) for e in m.chain))
    return "\n".join(lines)


def _validity(history: RegionHistory, code: str) -> tuple[int | None, int | None]:
    record = history.records[code]
    return record.valid_from, record.valid_to


def county_text(c: County, history: RegionHistory) -> str:
    """The lines ``k2020proj kommune`` prints for a county code."""
    today = ", ".join(f"{k} {history.counties[k].name}" for k in c.today)
    members = history.county_municipalities(c.code)
    return "\n".join([
        f"county {_entry(c.code, c.name, c.valid_from, c.valid_to)}",
        f"  in the {history.end_year} structure: {today}",
        f"  {len(members)} municipalities: " + ", ".join(f"{m} {history.records[m].name}" for m in members),
    ])


@click.command()
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="Print the record as JSON.")
@click.option("--target", type=int, default=None,
              help="Structure (year) to show successors in; default the newest (2024).")
@click.option("--source", "source", type=click.Path(file_okay=False), default=None,
              help="Folder of recorded SSB data (layout of shared/ssb-data); default K2020PROJ_SOURCE, "
                   "else SSB's KLASS and Statbank live.")
@click.option("--offline", is_flag=True, help="Use the response cache only, never the network.")
def kommune(code: str, as_json: bool, target: int | None, source: str | None, offline: bool) -> None:
    """Look up a municipality CODE (e.g. 3024, 0219, K-3201) or name (e.g. Bærum).

    Prints the name and years of validity, the municipality it is part of in the
    newest structure (with population shares if it was split), the codes it replaced
    and the whole chain of codes, and its county. A two-digit code is a county
    (also old ones: 02 Akershus → 32 Akershus). An unknown code is an error that
    lists close matches.
    """
    history = open_source(source, offline=offline).region_history()
    if _COUNTY.match(code.strip()):
        payload, text = _county(history.resolve_county(code), history)
    else:
        try:
            found = history.resolve(code, target)
            payload, text = found.to_dict(), municipality_text(found, history)
        except UsageError as not_municipality:
            try:  # a county name ("Viken") is fine too
                payload, text = _county(history.resolve_county(code), history)
            except UsageError:
                raise not_municipality from None
    click.echo(json.dumps(payload, ensure_ascii=False, indent=2) if as_json else text)


def _county(county: County, history: RegionHistory) -> tuple[dict, str]:
    payload = {"county": {"code": county.code, "name": county.name, "valid_from": county.valid_from,
                          "valid_to": county.valid_to, "today": list(county.today),
                          "municipalities": history.county_municipalities(county.code)}}
    return payload, county_text(county, history)
