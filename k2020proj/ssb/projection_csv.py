"""Read a recorded SSB population-projection vintage in the Telemark layout.

The recorded vintages (``projections/telemark-vintages/Framskrevet_folkemengde_<first>-<last>.csv``)
are long CSV files with the columns ``region, statistikkvariabel, år, alder, value,
Framskriving, Tabell``: one vintage (``Framskriving``, the base year) of one SSB table
(``Tabell``, e.g. ``05904``) per file, three demographic alternatives, functional age
groups, and regions as *names* in the labelling of the vintage's era
(``"Porsgrunn (2020-2023)"``, ``"Telemark (-2019)"``, ``"Hele landet"``).

:func:`read_projection_csv` turns one file into a :class:`~k2020proj.cube.Cube` with dims
``(region, alternative, age, year)``:

- ``alternative``: SSB's four-letter code taken from the ``statistikkvariabel`` text
  (``"Middels nasjonal vekst (Alternativ MMMM)"`` and ``"Hovedalternativet (MMMM)"`` are both ``MMMM``);
- ``age``: SSB's zero-padded codes, ``"0 år"`` → ``000``, ``"1-5 år"`` → ``001-005``,
  ``"90 år eller eldre"`` / ``"90+"`` → ``090+``;
- ``region``: codes from ``resolve(name, year)`` when a resolver is given (e.g. one built on
  the region history, looking names up in the vintage year), else the name with the era
  suffix removed. Labels always keep the file's own text, so nothing is lost.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

import pandas as pd

from k2020proj.cube import Cube
from k2020proj.errors import DataError

COLUMNS = ("region", "statistikkvariabel", "år", "alder", "value", "Framskriving", "Tabell")

_ALTERNATIVE = re.compile(r"\(\s*(?:Alternativ\s+)?([A-Z]{4})\s*\)")
_ERA = re.compile(r"\s*\((\d{4})?-(\d{4})?\)\s*$")
_AGE_RANGE = re.compile(r"^(\d+)\s*-\s*(\d+)\s*år$")
_AGE_SINGLE = re.compile(r"^(\d+)\s*år$")
_AGE_OPEN = re.compile(r"^(\d+)\s*(?:år eller eldre|\+|år\+)$")

#: A resolver maps a region name (era suffix removed) and the vintage year to a code.
Resolver = Callable[[str, int], str]


def strip_era(label: str) -> tuple[str, int | None, int | None]:
    """Split ``"Kragerø (1960-2019)"`` into ``("Kragerø", 1960, 2019)``.

    Open ends are ``None`` (``"Porsgrunn (-2019)"`` → ``("Porsgrunn", None, 2019)``);
    a label without an era comes back whole. A disambiguating part such as
    ``"Bø (Telemark)"`` is kept: it is part of the name.
    """
    match = _ERA.search(label)
    if not match:
        return label.strip(), None, None
    first, last = match.groups()
    return label[: match.start()].strip(), _int_or_none(first), _int_or_none(last)


def _int_or_none(text: str | None) -> int | None:
    return int(text) if text else None


def alternative_code(text: str) -> str:
    """SSB's four-letter alternative code from a ``statistikkvariabel`` label."""
    match = _ALTERNATIVE.search(text)
    if not match:
        raise DataError(f"projection file: no alternative code (e.g. MMMM) in {text!r}")
    return match.group(1)


def age_code(text: str) -> str:
    """SSB's age code for a functional age group label (``"1-5 år"`` → ``"001-005"``)."""
    label = text.strip()
    if match := _AGE_RANGE.match(label):
        low, high = (int(g) for g in match.groups())
        return f"{low:03d}-{high:03d}"
    if match := _AGE_SINGLE.match(label):
        return f"{int(match.group(1)):03d}"
    if match := _AGE_OPEN.match(label):
        return f"{int(match.group(1)):03d}+"
    raise DataError(f"projection file: unknown age group {text!r}")


def read_projection_csv(path: str | Path, resolve: Resolver | None = None) -> Cube:
    """Read one recorded projection vintage into a cube (region, alternative, age, year).

    ``resolve(name, vintage_year)`` gives the region code for a name; without it the
    code is the name itself (era suffix removed). Raises :class:`DataError` when the
    file lacks a column, mixes vintages or tables, or repeats a cell.
    """
    frame = _load(Path(path))
    vintage, table = _single(frame, "Framskriving", path), _single(frame, "Tabell", path)
    names = {label: strip_era(label)[0] for label in pd.unique(frame["region"])}
    codes = {label: (resolve(name, int(vintage)) if resolve else name) for label, name in names.items()}
    _check_unique_codes(codes, path)
    tidy = pd.DataFrame({
        "region": frame["region"].map(codes),
        "alternative": frame["statistikkvariabel"].map(alternative_code),
        "age": frame["alder"].map(age_code),
        "year": frame["år"].astype(str).str.strip(),
        "value": pd.to_numeric(frame["value"], errors="coerce"),
    })
    if tidy.duplicated(["region", "alternative", "age", "year"]).any():
        raise DataError(f"{path}: a (region, alternative, age, year) cell occurs twice")
    cube = Cube.from_frame(tidy, ("region", "alternative", "age", "year"))
    cube = cube.sel(age=sorted(cube.codes["age"]), year=sorted(cube.codes["year"]))
    return _labelled(cube, frame, codes).with_meta(
        table=table, vintage=int(vintage), source="Statistisk sentralbyrå", file=str(path),
        title=f"Framskrevet folkemengde, {vintage}-framskrivingen (tabell {table})",
        region_codes="codes" if resolve else "names", synthetic=False,
    )


def _load(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"projection file not found: {path}")
    try:
        frame = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise DataError(f"{path}: not a readable projection CSV ({error})") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: projection CSV lacks column(s) {', '.join(missing)}")
    if frame.empty:
        raise DataError(f"{path}: projection CSV has no rows")
    return frame


def _single(frame: pd.DataFrame, column: str, path: str | Path) -> str:
    values = pd.unique(frame[column].str.strip())
    if len(values) != 1:
        raise DataError(f"{path}: expected one {column}, found {', '.join(map(str, values))}")
    return str(values[0])


def _check_unique_codes(codes: dict[str, str], path: str | Path) -> None:
    seen: dict[str, str] = {}
    for label, code in codes.items():
        if code in seen:
            raise DataError(f"{path}: regions {seen[code]!r} and {label!r} both map to code {code}")
        seen[code] = label


def _labelled(cube: Cube, frame: pd.DataFrame, codes: dict[str, str]) -> Cube:
    """Attach the file's own region and alternative texts and readable age labels."""
    region_label = {code: label for label, code in codes.items()}
    alt_label = {alternative_code(t): t for t in pd.unique(frame["statistikkvariabel"])}
    age_label = {age_code(t): t for t in pd.unique(frame["alder"])}
    cube = cube.relabel("region", [region_label[c] for c in cube.codes["region"]])
    cube = cube.relabel("alternative", [alt_label[c] for c in cube.codes["alternative"]])
    return cube.relabel("age", [age_label[c] for c in cube.codes["age"]])
