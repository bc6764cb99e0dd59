"""KLASS classification 131 (municipalities) as far as the recorded data allow.

- ``codes.json?from=…&to=…`` and ``codesAt.json?date=…``: every code of Statbank's
  ``agg_KommSummer`` grouping with the validity written in its label
  (``"Bærum (2020-2023)"``), through :func:`k2020proj.ssb.klass.records_from_agg`;
  today's codes, labelled without a period, start after their group's latest end;
- ``changes.json?from=…&to=…``: the code changes in FHI's recorded location table
  (``klass/fhidata/norway_locations.xlsx``), which reach the 2020 reform.

- ``/classifications/104/codes.json``: the counties of the same FHI table, each valid
  from the first to the last year one of its municipalities was (open where any is).
  That table ends with the 2020 reform; what KLASS says of the 2024 reform (Viken,
  Vestfold og Telemark and Troms og Finnmark ended in 2023, seven new counties) is not
  recorded, so those counties come from the published list in
  :data:`k2020proj.regions.COUNTY_TABLE`.

Other classifications were not recorded and answer 404.
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Mapping

import pandas as pd

from k2020proj.regions import COUNTY_TABLE
from k2020proj.ssb import klass
from k2020proj.testing.replay_data import Reply, problem
from k2020proj.testing.replay_tables import KOMMSUMMER_XLSX

JSON = "application/json; charset=utf-8"
LOCATIONS = Path("klass/fhidata/norway_locations.xlsx")


@lru_cache(maxsize=4)
def _recorded(ssb_data: Path) -> tuple[list[klass.CodeRecord], list[klass.CodeChange]]:
    members = klass.read_agg_xlsx(ssb_data / KOMMSUMMER_XLSX)
    records = _current_codes_start(members, klass.records_from_agg(members))
    _, changes = klass.read_fhidata_locations(ssb_data / LOCATIONS)
    return [r for r in records if r.name], changes


@lru_cache(maxsize=4)
def _counties(ssb_data: Path) -> list[klass.CodeRecord]:
    """Counties (``county01`` …) of FHI's location table with the span of their municipalities."""
    frame = pd.read_excel(ssb_data / LOCATIONS, dtype=str)
    frame = frame[frame["county_code"].str.match(r"^county\d{2}$", na=False)]
    records = []
    for code, rows in frame.groupby("county_code", sort=True):
        starts = pd.to_numeric(rows["year_start"], errors="coerce")
        ends = pd.to_numeric(rows["year_end"], errors="coerce")
        first = int(starts.min()) if starts.min() > 1994 else None
        last = None if ends.isna().any() else int(ends.max())
        records.append(klass.CodeRecord(code[-2:], rows["county_name"].iloc[0], first, last))
    return _with_2024_reform(records)


def _with_2024_reform(recorded: list[klass.CodeRecord]) -> list[klass.CodeRecord]:
    """The recorded counties, ended where the published list ends them, and the counties
    of the 2024 reform the recording does not reach."""
    published = {r.code: r for r in COUNTY_TABLE}
    ended = [replace(r, valid_to=published[r.code].valid_to) if r.valid_to is None and r.code in published
             else r for r in recorded]
    known = {r.code for r in recorded}
    return ended + [r for r in COUNTY_TABLE if r.code not in known]


def _current_codes_start(members, records: list[klass.CodeRecord]) -> list[klass.CodeRecord]:
    """A label without a period (``"Bærum"``) is today's code; it started the year after
    the latest end among the other codes of its group (``"Bærum (2020-2023)"`` → 2024)."""
    ends: dict[str, int] = {}
    for member, record in zip(members, records):
        if record.valid_to is not None:
            ends[member.group] = max(ends.get(member.group, record.valid_to), record.valid_to)
    return [replace(r, valid_from=ends[m.group] + 1)
            if r.valid_from is None and r.valid_to is None and m.group in ends else r
            for m, r in zip(members, records)]


def _year(params: Mapping[str, str], name: str, default: int | None = None) -> int:
    text = params.get(name)
    match = re.match(r"^(\d{4})-\d{2}-\d{2}$", text or "")
    if match:
        return int(match.group(1))
    if default is not None and text is None:
        return default
    raise problem(400, "Bad Request", f"parameter {name} must be a date yyyy-MM-dd, got {text!r}")


#: (classification, resource) pairs the recorded data can answer.
SERVED = {(klass.MUNICIPALITIES, "codes"), (klass.MUNICIPALITIES, "codesAt"),
          (klass.MUNICIPALITIES, "changes"), (klass.COUNTIES, "codes")}


def _codes(records: list[klass.CodeRecord], params: Mapping[str, str]) -> dict:
    """``codes.json?from=…&to=…`` (``to`` exclusive when it is a 1 January)."""
    first = _year(params, "from")
    last = _year(params, "to", default=2100) - (1 if params.get("to", "").endswith("-01-01") else 0)
    return klass.klass_codes_document(records, first, last)


def klass_reply(data, path: str, params: Mapping[str, str]) -> Reply:
    """Answer ``/classifications/131/{codes,codesAt,changes}.json`` and ``104/codes.json``."""
    match = re.fullmatch(r"/classifications/(\d+)/(codes|codesAt|changes)\.json", path)
    if not match or data.ssb_data is None or match.groups() not in SERVED:
        raise problem(404, "Not Found", f"No recorded KLASS resource {path}")
    classification, kind = match.groups()
    if classification == klass.COUNTIES:
        return Reply(200, _codes(_counties(data.ssb_data), params), JSON)
    records, changes = _recorded(data.ssb_data)
    if kind == "codesAt":
        year = _year(params, "date")
        doc = klass.klass_codes_document([r for r in records if r.valid_in(year)], year, year)
    elif kind == "codes":
        doc = _codes(records, params)
    else:
        names = {r.code: r.name for r in records}
        doc = klass.klass_changes_document(changes, names, _year(params, "from"), _year(params, "to", 2100))
    return Reply(200, doc, JSON)
