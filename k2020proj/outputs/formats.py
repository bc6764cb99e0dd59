"""Number formatting, SSB table symbols, suppression, source lines and file writers.

Two kinds of output, as CONVENTIONS.md asks:

- **tables for people** (HTML pages, the XLSX workbook): FTEs and persons rounded to
  whole numbers, SSB's symbols (``..`` missing, ``:`` suppressed, ``-`` zero), cells
  resting on fewer than ``threshold`` persons shown as ``:``;
- **files for machines** (CSV in the ``no`` and ``en`` dialects, the tidy long file):
  exact values, empty cells where a value is missing and a status column saying why.

Every table carries its source line («Kilde: Statistisk sentralbyrå (tabell …),
beregninger med k2020proj <version>») and the scenario and data vintage.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from k2020proj import __version__
from k2020proj.atomic import atomic_write
from k2020proj.errors import UsageError
from k2020proj.outputs import labels

#: default small-number threshold: cells resting on fewer persons are shown as ``:``
THRESHOLD = 5

MISSING, SUPPRESSED, ZERO = "..", ":", "-"

#: CSV dialects: name -> pandas ``to_csv`` keywords
DIALECTS: dict[str, dict[str, str]] = {
    "no": {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"},
    "en": {"sep": ",", "decimal": ".", "encoding": "utf-8"},
}


def format_number(value: float, decimals: int = 0, lang: str = "no") -> str:
    """``value`` as people read it: ``12 345,6`` in bokmål, ``12,345.6`` in English.

    Bokmål groups thousands with a no-break space and uses a decimal comma; a minus
    sign is the typographic one in both languages.
    """
    text = f"{abs(value):,.{decimals}f}"
    if labels.check_lang(lang) == "no":
        text = text.replace(",", "\u00a0").replace(".", ",")
    negative = round(value, decimals) < 0
    return ("\u2212" if negative else "") + text


def cell_text(value: float, decimals: int = 0, lang: str = "no", suppressed: bool = False,
              status: str = "") -> str:
    """The text of one table cell for people, with SSB's symbols.

    A suppressed cell is ``:``, a missing one ``..`` (or the status symbol it came
    with), a value that rounds to zero ``-``.
    """
    if suppressed:
        return SUPPRESSED
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return status or MISSING
    if round(float(value), decimals) == 0:
        return ZERO
    return format_number(float(value), decimals, lang)


def suppression_mask(persons: np.ndarray | pd.Series, threshold: int = THRESHOLD) -> np.ndarray:
    """True where a cell rests on more than zero but fewer than ``threshold`` persons.

    Zero is not confidential (it is shown as ``-``); a missing count suppresses nothing
    by itself (the cell is already ``..``).
    """
    persons = np.asarray(persons, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return (persons > 0) & (np.round(persons, 6) < threshold)


def source_line(tables: Iterable[str], lang: str = "no", version: str = __version__) -> str:
    """«Kilde: Statistisk sentralbyrå (tabell 07459, 14288), beregninger med k2020proj 0.1.0»."""
    listed = ", ".join(sorted(dict.fromkeys(str(t) for t in tables))) or "–"
    return labels.text("source", lang, tables=listed, version=version)


def scenario_line(scenarios: Sequence[str], vintage: str, lang: str = "no") -> str:
    """«Scenario: referanse, heltid. Datagrunnlag: …» for beside every table and chart."""
    return labels.text("scenario_line", lang, scenario=", ".join(scenarios), vintage=vintage)


@dataclass(frozen=True)
class Table:
    """One table of the package: a frame for people plus what must stand beside it.

    ``frame`` holds exact values (numbers, NaN where missing) with machine column
    names; ``headers`` maps those names to the labels people read; ``persons``
    names, per value column, the column of persons that decides suppression (a
    cell is ``:`` where that count is below the threshold); ``decimals`` gives the
    rounding per value column for people (0 unless listed).
    """

    name: str
    title: str
    frame: pd.DataFrame
    headers: dict[str, str]
    notes: tuple[str, ...]
    persons: dict[str, str] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)

    def value_columns(self) -> list[str]:
        """Columns holding numbers (everything that is not text)."""
        return [c for c in self.frame.columns if pd.api.types.is_numeric_dtype(self.frame[c])
                and not c.endswith("_code") and c != "year"]

    def suppressed(self, column: str, threshold: int) -> np.ndarray:
        """Which cells of ``column`` a table for people must hide."""
        basis = self.persons.get(column)
        if basis is None:
            return np.zeros(len(self.frame), dtype=bool)
        return suppression_mask(self.frame[basis], threshold)


def people_frame(table: Table, threshold: int = THRESHOLD, lang: str = "no") -> pd.DataFrame:
    """The table as people read it: rounded numbers as text with SSB's symbols, labelled headers."""
    shown = table.frame.copy()
    for column in table.value_columns():
        hide = table.suppressed(column, threshold)
        decimals = table.decimals.get(column, 0)
        shown[column] = [cell_text(v, decimals, lang, bool(h))
                         for v, h in zip(table.frame[column], hide)]
    return shown.rename(columns=table.headers)


def workbook_cells(table: Table, threshold: int = THRESHOLD) -> pd.DataFrame:
    """The table for the XLSX sheet: rounded numbers stay numbers, hidden/missing cells become symbols."""
    cells = table.frame.astype(object).copy()
    for column in table.value_columns():
        hide = table.suppressed(column, threshold)
        decimals = table.decimals.get(column, 0)
        values = table.frame[column].to_numpy(dtype=np.float64)
        cells[column] = [SUPPRESSED if h else MISSING if np.isnan(v)
                         else (round(v, decimals) if decimals else int(round(v)))
                         for v, h in zip(values, hide)]
    return cells.rename(columns=table.headers)


def machine_frame(table: Table) -> pd.DataFrame:
    """The table for a CSV file: exact values, empty cells, a ``<column>_status`` where any is missing."""
    frame = table.frame.copy()
    for column in table.value_columns():
        missing = frame[column].isna()
        if missing.any():
            frame.insert(frame.columns.get_loc(column) + 1, f"{column}_status",
                         np.where(missing, MISSING, ""))
    return frame


def write_csv(frame: pd.DataFrame, path: Path, dialect: str) -> Path:
    """Write ``frame`` as CSV in dialect ``no`` (``;``, decimal comma, UTF-8 with BOM) or ``en``.

    The file appears whole or not at all (written beside, then renamed).
    """
    if dialect not in DIALECTS:
        raise UsageError(f"unknown CSV dialect {dialect!r}: use one of {', '.join(DIALECTS)}")
    options = DIALECTS[dialect]
    return atomic_write(path, lambda tmp: frame.to_csv(
        tmp, index=False, sep=options["sep"], decimal=options["decimal"],
        encoding=options["encoding"], lineterminator="\r\n" if dialect == "no" else "\n"))


def read_csv(path: Path, dialect: str) -> pd.DataFrame:
    """Read a CSV this module wrote, codes kept as text."""
    options = DIALECTS[dialect]
    return pd.read_csv(path, sep=options["sep"], decimal=options["decimal"],
                       encoding=options["encoding"], keep_default_na=False,
                       na_values=[""], dtype={c: str for c in TEXT_COLUMNS})


#: columns that are codes or names: always read back as text (leading zeros kept)
TEXT_COLUMNS = ("level", "region", "region_code", "region_name", "occupation", "occupation_name",
                "scenario", "variable", "variable_name", "status", "service", "service_name")


def write_workbook(tables: Sequence[Table], path: Path, threshold: int = THRESHOLD) -> Path:
    """One XLSX workbook, one sheet per table: title, labelled header, rows, then the notes.

    Numbers are numeric cells shown with thousands separators (Excel uses the reader's
    locale); hidden and missing cells are SSB's symbols as text; codes stay text.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(_sheet_name(table.name, book.sheetnames))
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True, size=12)
        sheet.append([])
        cells = workbook_cells(table, threshold)
        sheet.append(list(cells.columns))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in cells.itertuples(index=False):
            sheet.append([_excel_value(v) for v in row])
        _number_formats(sheet, cells, table)
        sheet.append([])
        for note in table.notes:
            sheet.append([note])
        _column_widths(sheet, cells)
    return atomic_write(path, book.save)


def _excel_value(value: object) -> object:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _number_formats(sheet, cells: pd.DataFrame, table: Table) -> None:
    """Thousands separators on numeric columns, decimals where the table asks for them."""
    names = list(table.headers.get(c, c) for c in table.frame.columns)
    for column in table.value_columns():
        decimals = table.decimals.get(column, 0)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
        col = names.index(table.headers.get(column, column)) + 1
        for row in range(4, 4 + len(cells)):
            sheet.cell(row=row, column=col).number_format = pattern


def _column_widths(sheet, cells: pd.DataFrame) -> None:
    for index, column in enumerate(cells.columns, start=1):
        longest = max([len(str(column))] + [len(str(v)) for v in cells.iloc[:, index - 1]])
        sheet.column_dimensions[sheet.cell(row=3, column=index).column_letter].width = min(
            max(10, longest + 2), 45)


def _sheet_name(name: str, taken: Sequence[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)[:31]
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[:31 - len(suffix)] + suffix, n + 1
    return candidate

