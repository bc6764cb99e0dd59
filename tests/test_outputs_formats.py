"""Number formats, SSB symbols, suppression, source lines and the CSV/XLSX writers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from k2020proj import __version__
from k2020proj.errors import UsageError
from k2020proj.outputs import formats
from k2020proj.outputs.formats import Table


def test_numbers_are_formatted_the_norwegian_and_the_english_way():
    assert formats.format_number(1234567.891, 1, "no") == "1\u00a0234\u00a0567,9"
    assert formats.format_number(1234567.891, 1, "en") == "1,234,567.9"
    assert formats.format_number(-42.4, 0, "no") == "\u221242"


@given(st.floats(-1e7, 1e7, allow_nan=False), st.integers(0, 3))
@settings(max_examples=60, deadline=None)
def test_a_formatted_norwegian_number_reads_back_as_the_rounded_value(value, decimals):
    """Dropping the group spaces and turning the comma into a point gives round(value)."""
    text = formats.format_number(value, decimals, "no")
    back = float(text.replace("\u00a0", "").replace(",", ".").replace("\u2212", "-"))
    assert back == pytest.approx(round(value, decimals), abs=10 ** -decimals)


def test_cells_for_people_use_ssb_symbols():
    assert formats.cell_text(float("nan")) == ".."
    assert formats.cell_text(float("nan"), status="...") == "..."
    assert formats.cell_text(0.2) == "-"
    assert formats.cell_text(12.0, suppressed=True) == ":"
    assert formats.cell_text(12.4) == "12"


def test_suppression_hides_counts_from_one_to_below_the_threshold_only():
    persons = np.array([0.0, 1.0, 4.9, 5.0, 120.0, np.nan])
    assert formats.suppression_mask(persons, 5).tolist() == [False, True, True, False, False, False]


def test_source_line_names_the_tables_and_the_version_in_both_languages():
    line = formats.source_line(["14288", "07459", "07459"], "no")
    assert line == f"Kilde: Statistisk sentralbyrå (tabell 07459, 14288), beregninger med k2020proj {__version__}"
    assert formats.source_line(["07459"], "en").startswith("Source: Statistics Norway (table 07459)")


def _table() -> Table:
    frame = pd.DataFrame({"region": ["0301", "0301", "3201"], "region_name": ["Oslo", "Oslo", "Bærum"],
                          "fte": [1234.56, 2.5, np.nan], "persons": [1500.0, 3.0, 10.0]})
    return Table("t", "Tittel", frame, {"region": "Region", "region_name": "Navn", "fte": "Årsverk",
                                        "persons": "Personer"},
                 ("Kilde: Statistisk sentralbyrå (tabell 07459)",), persons={"fte": "persons"},
                 decimals={"fte": 1})


def test_no_dialect_csv_has_bom_semicolons_decimal_comma_and_text_codes(tmp_path):
    path = formats.write_csv(formats.machine_frame(_table()), tmp_path / "t.csv", "no")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "region;region_name;fte;fte_status;persons"
    assert lines[1] == "0301;Oslo;1234,56;;1500,0"
    assert lines[3] == "3201;Bærum;;..;10,0"
    back = formats.read_csv(path, "no")
    assert back["region"].tolist() == ["0301", "0301", "3201"]
    assert back["fte"].iloc[0] == 1234.56


def test_en_dialect_csv_has_commas_and_decimal_points(tmp_path):
    path = formats.write_csv(formats.machine_frame(_table()), tmp_path / "t.csv", "en")
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff")
    assert text.splitlines()[1] == "0301,Oslo,1234.56,,1500.0"


def test_unknown_csv_dialect_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="dialect"):
        formats.write_csv(pd.DataFrame({"a": [1]}), tmp_path / "x.csv", "de")


def test_people_frame_rounds_hides_and_labels():
    shown = formats.people_frame(_table(), threshold=5, lang="no")
    assert list(shown.columns) == ["Region", "Navn", "Årsverk", "Personer"]
    assert shown["Årsverk"].tolist() == ["1\u00a0234,6", ":", ".."]
    assert shown["Personer"].tolist() == ["1\u00a0500", "3", "10"]


def test_workbook_has_a_sheet_per_table_with_title_header_numbers_symbols_and_notes(tmp_path):
    other = Table("a/b:c?" * 8, "Annen", pd.DataFrame({"x": [1.0]}), {"x": "X"}, ("Kilde: x",))
    path = formats.write_workbook([_table(), other], tmp_path / "b.xlsx", threshold=5)
    book = load_workbook(path)
    assert book.sheetnames[0] == "t" and len(book.sheetnames[1]) <= 31
    assert not set("[]:*?/\\") & set(book.sheetnames[1])
    rows = list(book["t"].iter_rows(values_only=True))
    assert rows[0][0] == "Tittel"
    assert rows[2] == ("Region", "Navn", "Årsverk", "Personer")
    assert rows[3] == ("0301", "Oslo", 1234.6, 1500)
    assert rows[4][2] == ":" and rows[5][2] == ".."
    assert rows[-1][0] == "Kilde: Statistisk sentralbyrå (tabell 07459)"
