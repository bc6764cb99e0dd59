"""SSB's municipality classifications: the ``agg_KommSummer`` grouping and KLASS.

Three sources say which municipality codes existed when and what became of them:

- Statbank's grouping ``agg_KommSummer`` ("Kommuner 1994-2024, summert"): every
  historical code (``KODE``, labelled with its validity, ``"Bærum (2020-2023)"``) in the
  group of today's municipality (``GRUPPEKODE`` ``K.3201``), or in ``K.Rest`` when the
  code was split. Recorded as an xlsx, served live as the v2 code list
  ``GET /codelists/agg_KommSummer`` (``values[].code/label/valueMap``).
- KLASS classification 131 (municipalities): ``codes.json`` (validity dates) and
  ``changes.json`` (``oldCode`` → ``newCode`` on ``changeOccurred``); 104 (counties).
- FHI's location table (recorded ``klass/fhidata/norway_locations.xlsx``): start and end
  year and the next code of every municipality up to the 2020 borders.

This module only parses and writes these formats into three plain record types;
:mod:`k2020proj.regions` builds the code history from them. Validity is in whole
years, inclusive; ``None`` is an open end (valid before the record starts, or still
valid). KLASS's ``validTo`` is exclusive (``2020-01-01`` = last valid year 2019).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pandas as pd

from k2020proj.errors import DataError
from k2020proj.ssb.projection_csv import strip_era

AGG_NAME = "agg_KommSummer"
AGG_COLUMNS = ("GRUPPEKODE", "GRUPPETEKST", "KODE", "TEKST")
LOCATION_COLUMNS = ("year_start", "year_end", "municip_code_end", "municip_code", "municip_name")
#: KLASS classification ids
MUNICIPALITIES, COUNTIES = "131", "104"


@dataclass(frozen=True)
class AggMember:
    """One historical code in a group of ``agg_KommSummer``.

    ``group`` is the group's code without ``K.``/``K-`` (``"3201"``, ``"Rest"``,
    ``"21-22"``); ``label`` the code's own text with its validity, if known.
    """

    group: str
    group_name: str
    code: str
    label: str


@dataclass(frozen=True)
class CodeRecord:
    """A code's name and validity in whole years (inclusive; ``None`` = open)."""

    code: str
    name: str
    valid_from: int | None
    valid_to: int | None

    def valid_in(self, year: int) -> bool:
        """True if the code was in use on 1 January of ``year``."""
        return (self.valid_from is None or self.valid_from <= year) and \
            (self.valid_to is None or year <= self.valid_to)


@dataclass(frozen=True)
class CodeChange:
    """``old`` was replaced (wholly or in part) by ``new`` from 1 January ``year``."""

    old: str
    new: str
    year: int


# -- agg_KommSummer -------------------------------------------------------------------
def group_code(text: str) -> str:
    """``"K.3201"`` / ``"K-3201"`` → ``"3201"``; ``"K.Rest"`` → ``"Rest"``."""
    text = str(text).strip()
    return text[2:] if text[:2] in ("K.", "K-") else text


def read_agg_xlsx(path: str | Path) -> list[AggMember]:
    """Read SSB's recorded ``agg_KommSummer`` grouping (``kommuner-1994-2024.xlsx``)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"agg_KommSummer grouping not found: {path}")
    try:
        frame = pd.read_excel(path, dtype=str)
    except (ValueError, OSError) as error:
        raise DataError(f"{path}: not a readable xlsx ({error})") from None
    missing = [c for c in AGG_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: agg_KommSummer grouping lacks column(s) {', '.join(missing)}")
    frame = frame.dropna(subset=["GRUPPEKODE", "KODE"]).fillna("")
    return [AggMember(group_code(g), gt.strip(), k.strip(), t.strip())
            for g, gt, k, t in frame[list(AGG_COLUMNS)].itertuples(index=False)]


def agg_from_codelist(doc: Mapping) -> list[AggMember]:
    """Members of a v2 code list (``GET /codelists/agg_KommSummer``).

    The code list names the groups but not the members, so member labels are empty;
    names and validity then come from KLASS.
    """
    values = doc.get("values")
    if not isinstance(values, list):
        raise DataError(f"code list {doc.get('id', '?')}: no 'values' array")
    members = []
    for value in values:
        try:
            group, name, codes = value["code"], value["label"], value["valueMap"]
        except (KeyError, TypeError):
            raise DataError(f"code list {doc.get('id', '?')}: value without code/label/valueMap") from None
        members.extend(AggMember(group_code(group), name, str(code), "") for code in codes)
    return members


def codelist_document(members: Sequence[AggMember], lang: str = "no") -> dict:
    """The v2 ``CodelistResponse`` for ``members``, as PxWebApi serves it."""
    groups: dict[str, dict] = {}
    for m in members:
        entry = groups.setdefault(m.group, {"code": f"K-{m.group}", "label": m.group_name, "valueMap": []})
        entry["valueMap"].append(m.code)
    return {"id": AGG_NAME, "label": "Kommuner 1994-2024, summert", "language": lang,
            "languages": ["no", "en"], "elimination": False, "type": "Aggregation",
            "values": list(groups.values()), "links": []}


def records_from_agg(members: Iterable[AggMember]) -> list[CodeRecord]:
    """Names and validity parsed from member labels (``"Bærum (2020-2023)"``)."""
    records = []
    for m in members:
        name, first, last = strip_era(m.label) if m.label else ("", None, None)
        records.append(CodeRecord(m.code, name, first, last))
    return records


# -- FHI's location table -------------------------------------------------------------
def read_fhidata_locations(path: str | Path) -> tuple[list[CodeRecord], list[CodeChange]]:
    """Municipalities to the 2020 borders from FHI's ``norway_locations.xlsx``.

    Each row gives a code's start and end year and the code that followed it; a code
    split between several successors has one row per successor.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"location table not found: {path}")
    frame = pd.read_excel(path, dtype=str)
    missing = [c for c in LOCATION_COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: location table lacks column(s) {', '.join(missing)}")
    frame = frame[frame["municip_code"].str.match(r"^municip\d{4}$", na=False)]
    code = frame["municip_code"].str[-4:]
    after = frame["municip_code_end"].str[-4:]
    records = {c: CodeRecord(c, n, _year(s), _year(e)) for c, n, s, e in zip(
        code, frame["municip_name"], frame["year_start"], frame["year_end"])}
    changes = [CodeChange(c, a, _year(e) + 1) for c, a, e in zip(code, after, frame["year_end"])
               if isinstance(a, str) and _year(e) is not None]
    return list(records.values()), changes


def _year(text: object) -> int | None:
    if text is None or (isinstance(text, float) and pd.isna(text)) or str(text).strip() in ("", "nan"):
        return None
    return int(float(str(text)))


# -- KLASS JSON ------------------------------------------------------------------------
def records_from_klass(doc: Mapping) -> list[CodeRecord]:
    """Codes of a KLASS ``codes.json`` answer: ``validFrom``/``validTo`` (``null`` = open),
    or the ``…InRequestedRange`` dates where an answer lacks those keys."""
    codes = doc.get("codes")
    if not isinstance(codes, list):
        raise DataError("KLASS codes.json: no 'codes' array")
    records = []
    for item in codes:
        try:
            first = item["validFrom"] if "validFrom" in item else item.get("validFromInRequestedRange")
            last = item["validTo"] if "validTo" in item else item.get("validToInRequestedRange")
            records.append(CodeRecord(str(item["code"]), str(item["name"]),
                                      _from_date(first), _to_date(last)))
        except (KeyError, TypeError, ValueError):
            raise DataError(f"KLASS codes.json: malformed code entry {item!r}") from None
    return records


def changes_from_klass(doc: Mapping) -> list[CodeChange]:
    """Code changes of a KLASS ``changes.json`` answer; a split is several rows."""
    rows = doc.get("codeChanges")
    if not isinstance(rows, list):
        raise DataError("KLASS changes.json: no 'codeChanges' array")
    try:
        return [CodeChange(str(r["oldCode"]), str(r["newCode"]), _from_date(r["changeOccurred"]))
                for r in rows if r.get("oldCode") and r.get("newCode")]
    except (KeyError, TypeError, ValueError):
        raise DataError("KLASS changes.json: malformed codeChanges entry") from None


def _from_date(text: str | None) -> int | None:
    return int(str(text)[:4]) if text else None


def _to_date(text: str | None) -> int | None:
    """KLASS end dates are exclusive: ``2020-01-01`` means valid through 2019."""
    if not text:
        return None
    year, rest = int(str(text)[:4]), str(text)[4:]
    return year - 1 if rest in ("-01-01", "") else year


def klass_codes_document(records: Iterable[CodeRecord], first: int, last: int) -> dict:
    """A KLASS ``codes.json?from=<first>-01-01&to=<last+1>-01-01`` answer for ``records``.

    Only codes valid at some point in ``first``…``last`` are listed, as KLASS does.
    """
    codes = []
    for r in sorted(records, key=lambda r: r.code):
        if (r.valid_to is not None and r.valid_to < first) or (r.valid_from is not None and r.valid_from > last):
            continue
        start = max(first, r.valid_from) if r.valid_from is not None else first
        stop = min(last, r.valid_to) if r.valid_to is not None else last
        codes.append({
            "code": r.code, "parentCode": None, "level": "1", "name": r.name,
            "shortName": "", "presentationName": "", "notes": "",
            "validFrom": _date(r.valid_from), "validTo": _date(None if r.valid_to is None else r.valid_to + 1),
            "validFromInRequestedRange": _date(start), "validToInRequestedRange": _date(stop + 1),
        })
    return {"codes": codes}


def klass_changes_document(changes: Iterable[CodeChange], names: Mapping[str, str],
                           first: int, last: int) -> dict:
    """A KLASS ``changes.json?from=<first>-01-01&to=<last>-12-31`` answer."""
    rows = [{"oldCode": c.old, "oldName": names.get(c.old, ""), "oldShortName": None,
             "newCode": c.new, "newName": names.get(c.new, ""), "newShortName": None,
             "changeOccurred": _date(c.year)}
            for c in sorted(changes, key=lambda c: (c.year, c.old, c.new)) if first <= c.year <= last]
    return {"codeChanges": rows}


def _date(year: int | None) -> str | None:
    return None if year is None else f"{year}-01-01"


def fetch_klass(client, first: int = 1994, last: int = 2024
                ) -> tuple[list[AggMember], list[CodeRecord], list[CodeChange], list[CodeRecord]]:
    """Fetch the grouping, municipality codes, code changes and counties live.

    ``client`` is an :class:`~k2020proj.ssb.client.SSBClient` (its ``codelist`` and
    ``klass_json``, so answers are cached and rate-limited like every SSB call).
    """
    span = {"from": f"{first}-01-01", "to": f"{last + 1}-01-01"}
    members = agg_from_codelist(client.codelist(AGG_NAME))
    codes = records_from_klass(client.klass_json(f"classifications/{MUNICIPALITIES}/codes.json", span))
    changes = changes_from_klass(client.klass_json(
        f"classifications/{MUNICIPALITIES}/changes.json", {"from": span["from"], "to": f"{last}-12-31"}))
    counties = records_from_klass(client.klass_json(f"classifications/{COUNTIES}/codes.json", span))
    return members, codes, changes, counties
