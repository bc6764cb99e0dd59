"""Statbank CSV/TSV exports → :class:`~k2020proj.cube.Cube`.

Statbank (SSB's table web pages) saves a table as text in several dialects, and
people keep those files. The recorded 07459 and 10826 population exports show
the variants this reader accepts:

- encoding UTF-8 (with or without BOM), else latin-1;
- separator tab, ``;`` or ``,`` (the one that splits the header line most);
- an optional title line before the header, ``"07459: Population, by region, …"``,
  which gives the table id and title;
- columns ``region``, optionally ``sex``, ``age``, then one column per year
  (``Persons 2019``: contents text and year), English or Norwegian headings;
- regions ``"0101 Halden"``, ``"K-3001 Halden"``, ``"K-Rest Divided …"``,
  ``"030101a Gamle Oslo"``: the code is the first word, the label the rest;
- ages ``"0 years"``, ``"1 year"``, ``"105 years or older"`` (or ``år`` /
  ``år eller eldre``) → SSB's codes ``"000"``, ``"001"``, ``"105+"``;
- sex ``Males``/``Females`` (``Menn``/``Kvinner``) → ``"1"``/``"2"``.

Cells holding an SSB symbol (``..``, ``...``, ``:``, ``.``) are NaN with the
symbol kept in ``status``; ``-`` (nil) is 0 with status ``-``, as in
:mod:`k2020proj.ssb.jsonstat`. The file is parsed by pandas and placed in the
array with NumPy index arithmetic, so a 2 MB export takes a fraction of a second.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.ssb.jsonstat import MISSING_SYMBOLS, NIL

SEPARATORS = ("\t", ";", ",")
_TITLE = re.compile(r"^(\d{5}):\s*\S")
_YEAR_COLUMN = re.compile(r"^(.*?)\s*(\d{4})$")
_REGION = re.compile(r"^(K-[0-9A-Za-z-]+|[0-9][0-9A-Za-z-]*)\s+(.+)$")
_AGE = re.compile(r"^(\d+)\s+(?:years?|år)(\s+(?:or older|eller eldre))?$")
_SEX = {"males": "1", "females": "2", "both sexes": "0",
        "menn": "1", "kvinner": "2", "begge kjønn": "0"}
_HEADINGS = {"region": "region", "sex": "sex", "kjønn": "sex", "age": "age", "alder": "age"}
_HEADER_SEARCH = 10


def read_statbank_csv(path: str | Path, table: str | None = None) -> Cube:
    """Read a Statbank export into a cube with dims ``(region, [sex,] age, year)``.

    ``meta["table"]`` is ``table`` if given, else the id on the title line, else
    inferred from the layout (population by region and age: ``07459`` for
    municipality codes, ``10826`` for city-district codes). Raises
    :class:`DataError` naming the file and line for anything it cannot read.
    """
    path = Path(path)
    text = _decoded(path)
    header_at, sep, title = _locate_header(text, path)
    frame = _frame(text, sep, header_at, path)
    dims, years, contents = _columns(frame, path, header_at + 1)
    headings = {c: h for c in frame.columns if (h := _HEADINGS.get(c.lower()))}
    frame = frame.rename(columns=headings)
    index = {d: _axis(frame, d, path, header_at) for d in dims if d != "year"}
    values, status = _cells(frame, years, path, header_at)
    cube = _assemble(dims, index, years, values, status, path)
    meta = _meta(cube, table, title, contents, path)
    return cube.with_meta(**meta, dim_labels={d: c for c, d in headings.items()})


def _decoded(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"cannot read Statbank export {path}: {error.strerror}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _locate_header(text: str, path: Path) -> tuple[int, str, str | None]:
    """Line number (0-based) of the header, its separator, and the title line if any."""
    title = None
    for number, line in enumerate(text.splitlines()[:_HEADER_SEARCH]):
        if not line.strip():
            continue
        splits = {sep: next(csv.reader([line], delimiter=sep)) for sep in SEPARATORS}
        sep = max(SEPARATORS, key=lambda s: len(splits[s]))
        if len(splits[sep]) >= 3:
            return number, sep, title
        if title is None and _TITLE.match(splits[sep][0]):
            title = splits[sep][0].strip()
        else:
            raise DataError(f"{path} line {number + 1}: neither a title like '07459: …' "
                            "nor a header with region, age and year columns")
    raise DataError(f"{path}: no header line with region, age and year columns "
                    f"in the first {_HEADER_SEARCH} lines")


def _frame(text: str, sep: str, header_at: int, path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skiprows=header_at, dtype=str,
                            keep_default_na=False, skip_blank_lines=False)
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"{path}{_parser_problem(str(error))}") from None
    frame = frame.fillna("")
    frame.columns = [str(c).strip() for c in frame.columns]
    blank = (frame == "").all(axis=1)
    if frame.empty or blank.all():
        raise DataError(f"{path}: Statbank export has a header but no rows")
    return frame[~blank]


def _parser_problem(message: str) -> str:
    """pandas' tokenizer error as ``" line N: what"`` (its line numbers count the whole file)."""
    if match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message):
        expected, line, seen = match.groups()
        return f" line {line}: {seen} fields where the header has {expected}"
    if match := re.search(r"EOF inside string starting at row (\d+)", message):
        return f" line {int(match.group(1)) + 1}: a quoted field is never closed (file cut short?)"
    return f": not a readable Statbank export ({' '.join(message.split())})"


def _line(frame_row: int, header_at: int) -> int:
    """1-based line number of a data row (rows keep their position in the file)."""
    return header_at + 2 + frame_row


def _columns(frame: pd.DataFrame, path: Path, header_line: int) -> tuple[tuple[str, ...], list[str], str]:
    """The cube's dims, the year columns and the contents text (``"Persons"``)."""
    dims, years, contents = [], [], set()
    for column in frame.columns:
        heading = _HEADINGS.get(column.lower())
        year = _YEAR_COLUMN.match(column)
        if heading and not years and heading not in dims:
            dims.append(heading)
        elif year:
            years.append(column)
            contents.add(year.group(1))
        else:
            raise DataError(f"{path} line {header_line}: unexpected column {column!r} "
                            "(expected region, [sex,] age, then year columns like 'Persons 2019')")
    if dims not in (["region", "age"], ["region", "sex", "age"]) or not years or len(contents) != 1:
        raise DataError(f"{path} line {header_line}: columns {list(frame.columns)} are not "
                        "region, [sex,] age and year columns of one contents")
    return (*dims, "year"), years, contents.pop()


def _axis(frame: pd.DataFrame, dim: str, path: Path, header_at: int) -> tuple[np.ndarray, list, list]:
    """Row positions along ``dim`` (order of first appearance), its codes and labels."""
    positions, texts = pd.factorize(frame[dim].str.strip())
    parse = {"region": _region, "sex": _sex, "age": _age}[dim]
    codes, labels = [], []
    for number, text in enumerate(texts):
        parsed = parse(text)
        if parsed is None:
            row = frame.index[np.argmax(positions == number)]
            raise DataError(f"{path} line {_line(row, header_at)}: cannot read {dim} {text!r}")
        codes.append(parsed[0])
        labels.append(parsed[1])
    return positions, codes, labels


def _region(text: str) -> tuple[str, str] | None:
    match = _REGION.match(text)
    return (match.group(1), " ".join(match.group(2).split())) if match else None


def _sex(text: str) -> tuple[str, str] | None:
    code = _SEX.get(text.lower())
    return (code, text) if code else None


def _age(text: str) -> tuple[str, str] | None:
    match = _AGE.match(text)
    if not match:
        return None
    return f"{int(match.group(1)):03d}{'+' if match.group(2) else ''}", text


def _cells(frame: pd.DataFrame, years: list[str], path: Path,
           header_at: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Row × year values (NaN for SSB's missing symbols, 0 for nil) and symbols, if any."""
    raw = frame[years].apply(lambda col: col.str.strip())
    numbers = raw.apply(lambda col: pd.to_numeric(col.str.replace(",", ".", regex=False),
                                                  errors="coerce")).to_numpy(np.float64)
    text = raw.to_numpy(dtype=str)
    symbol = np.isnan(numbers) & np.isin(text, (*MISSING_SYMBOLS, NIL))
    bad = np.isnan(numbers) & ~symbol & (text != "")
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise DataError(f"{path} line {_line(frame.index[row], header_at)}: "
                        f"{years[col]} is {text[row, col]!r}, not a number or an SSB symbol")
    numbers[text == NIL] = 0.0
    return numbers, (np.where(symbol, text, "").astype("<U3") if symbol.any() else None)


def _assemble(dims: tuple[str, ...], index: dict, years: list[str], values: np.ndarray,
              status: np.ndarray | None, path: Path) -> Cube:
    """Place the rows in the (region, [sex,] age, year) array; every cell exactly once."""
    row_dims = dims[:-1]
    shape = tuple(len(index[d][1]) for d in row_dims)
    flat = np.ravel_multi_index(tuple(index[d][0] for d in row_dims), shape)
    if len(np.unique(flat)) != len(flat):
        raise DataError(f"{path}: a {' × '.join(row_dims)} combination occurs on more than one line")
    if len(flat) != np.prod(shape):
        raise DataError(f"{path}: {len(flat)} rows but the {' × '.join(row_dims)} grid "
                        f"needs {np.prod(shape)}; is the file truncated?")
    cube_values = np.empty((int(np.prod(shape)), len(years)))
    cube_values[flat] = values
    cube_status = None
    if status is not None:
        cube_status = np.empty(cube_values.shape, dtype=status.dtype)
        cube_status[flat] = status
        cube_status = cube_status.reshape(*shape, len(years))
    year_codes = [_YEAR_COLUMN.match(y).group(2) for y in years]
    codes = {d: index[d][1] for d in row_dims} | {"year": year_codes}
    labels = {d: index[d][2] for d in row_dims} | {"year": year_codes}
    return Cube(dims=dims, codes=codes, labels=labels,
                values=cube_values.reshape(*shape, len(years)), status=cube_status)


def _meta(cube: Cube, table: str | None, title: str | None, contents: str, path: Path) -> dict:
    """Provenance in the keys :mod:`k2020proj.ssb.jsonstat` maps to JSON-stat."""
    title_table = _TITLE.match(title).group(1) if title else None
    regions = cube.codes["region"]
    meta = {
        "table": table or title_table or _layout_table(regions, contents),
        "title": title, "source": "Statistics Norway", "file": str(path),
        "contents": contents, "synthetic": False,
        "role": {"geo": ["region"], "time": ["year"]},
    }
    if all(code.startswith("K-") for code in regions):
        meta["codelist"] = "agg_KommSummer"
    return {key: value for key, value in meta.items() if value is not None}


def _layout_table(regions: tuple[str, ...], contents: str) -> str | None:
    """The population table a title-less export comes from, judged by its region codes."""
    if contents not in ("Persons", "Personer"):
        return None
    if all(re.fullmatch(r"K-[\w-]+|\d{1,4}", code) for code in regions):
        return "07459"
    if all(re.fullmatch(r"\d{6}[a-z]*", code) for code in regions):
        return "10826"
    return None
