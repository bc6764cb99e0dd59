"""Statbank CSV/TSV exports read into cubes: the recorded 07459/10826 files and
the dialects and failures the reader must handle."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from k2020proj.errors import DataError
from k2020proj.ssb.statbank_csv import read_statbank_csv

FOLDER = "population/fhidata-07459"

#: Norway's population on 1 January, as published by SSB (quoted in ssb-data/SOURCES.md).
PUBLISHED_TOTALS = {"2017": 5_258_317, "2018": 5_295_619, "2019": 5_328_212,
                    "2020": 5_367_580, "2021": 5_391_369}


@pytest.fixture(scope="module")
def exports(shared: Path) -> dict:
    """Every recorded export, read once for the whole module."""
    folder = shared / "ssb-data" / FOLDER
    return {path.name: read_statbank_csv(path) for path in sorted(folder.glob("*.csv"))}


def _national_total(cube, year: str) -> float:
    per_year = cube.sel(year=year)
    for dim in [d for d in per_year.dims]:
        per_year = per_year.sum(dim)
    return float(per_year.values)


def test_every_recorded_export_parses_to_a_full_population_cube(exports):
    """All ten files read; every cell a non-negative whole number; SSB's age codes."""
    assert len(exports) == 10
    for name, cube in exports.items():
        assert cube.dims[0] == "region" and cube.dims[-2:] == ("age", "year"), name
        assert cube.codes["age"][0] == "000" and cube.codes["age"][-1] == "105+", name
        assert len(cube.codes["age"]) == 106, name
        assert np.all(cube.values >= 0) and np.all(cube.values == np.round(cube.values)), name


def test_norway_total_on_1_january_2019_is_5328212(exports):
    """The issue's bar: Personer2019.csv sums to SSB's published 5 328 212."""
    assert _national_total(exports["Personer2019.csv"], "2019") == 5_328_212


@pytest.mark.parametrize("year,name", [("2017", "Personer2015-2018.csv"), ("2018", "Personer2015-2018.csv"),
                                       ("2020", "Personer2020.csv"), ("2021", "Personer2021.csv")])
def test_national_totals_match_published_figures(exports, year, name):
    """2017, 2018, 2020 and 2021 totals equal SSB's published national population."""
    assert _national_total(exports[name], year) == PUBLISHED_TOTALS[year]


@pytest.mark.parametrize("year", ["2020", "2021"])
def test_males_plus_females_equal_the_combined_export(exports, year):
    """Sex files: summing sex gives the both-sexes file cell by cell (same regions, ages)."""
    by_sex = exports[f"norway_population_by_age_sex_{year}.csv"]
    combined = exports[f"Personer{year}.csv"]
    assert by_sex.codes["sex"] == ("1", "2")
    assert by_sex.labels["sex"] == ("Males", "Females")
    summed = by_sex.sum("sex")
    assert summed.codes == combined.codes
    np.testing.assert_array_equal(summed.values, combined.values)


def test_region_codes_and_labels_are_split_as_ssb_writes_them(exports):
    """Leading zeros kept, K- codes kept whole, latin-1 and UTF-8 names both decoded."""
    old = exports["Personer2019.csv"]  # UTF-8, comma
    assert old.codes["region"][0] == "0101" and old.labels["region"][0] == "Halden"
    assert "S\ufffdr-Varanger" in old.labels["region"]  # the recorded file itself has U+FFFD
    new = exports["Personer2020.csv"]  # latin-1, tab
    position = new.codes["region"].index("K-3024")
    assert new.labels["region"][position] == "Bærum"
    assert {"K-Rest", "K-21-22", "K-23"} <= set(new.codes["region"])
    assert new.meta["codelist"] == "agg_KommSummer"


def test_title_line_gives_table_and_title(exports):
    """A title line "07459: …" sets the table id and title; title-less files get it from the layout."""
    titled = exports["Personer2021.csv"]
    assert titled.meta["table"] == "07459"
    assert titled.meta["title"] == "07459: Population, by region, age, contents and year"
    assert exports["Personer2019.csv"].meta["table"] == "07459"
    assert "title" not in exports["Personer2019.csv"].meta


def test_city_district_exports_are_table_10826_with_district_codes(exports):
    """Personerward files read as 10826 with the district code as region code."""
    wards = exports["Personerward2001-2020.csv"]
    assert wards.meta["table"] == "10826"
    assert wards.codes["year"] == tuple(str(y) for y in range(2001, 2021))
    assert wards.codes["region"][0] == "030100aa" and wards.labels["region"][0] == "Oslo total"


def test_wide_year_columns_become_the_year_axis(exports):
    """"Persons 2005" … "Persons 2009" → year codes, contents "Persons"."""
    cube = exports["Personer2005-2009.csv"]
    assert cube.codes["year"] == ("2005", "2006", "2007", "2008", "2009")
    assert cube.meta["contents"] == "Persons"


def test_each_export_reads_well_under_a_second(shared):
    """Speed bar: the largest (3 MB, sex) export reads in under a second."""
    import time
    start = time.perf_counter()
    read_statbank_csv(shared / "ssb-data" / FOLDER / "norway_population_by_age_sex_2021.csv")
    assert time.perf_counter() - start < 1.0


def _write(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode(encoding))
    return path


def test_semicolon_latin1_with_symbols_and_norwegian_headings(tmp_path):
    """Norwegian headings and ages, latin-1, and SSB symbols: '..' → NaN, '-' → 0, both kept."""
    text = ('"07459: Befolkning, etter region, kjønn, alder og år"\n\n'
            '"region";"kjønn";"alder";"Personer 2023";"Personer 2024"\n'
            '"3201 Bærum";"Menn";"0 år";"..";12\n'
            '"3201 Bærum";"Menn";"105 år eller eldre";"-";3\n'
            '"3201 Bærum";"Kvinner";"0 år";5;":"\n'
            '"3201 Bærum";"Kvinner";"105 år eller eldre";1;2\n')
    cube = read_statbank_csv(_write(tmp_path, text, "latin-1"))
    assert cube.dims == ("region", "sex", "age", "year")
    assert cube.labels["region"] == ("Bærum",) and cube.codes["age"] == ("000", "105+")
    assert np.isnan(cube.values[0, 0, 0, 0]) and cube.status[0, 0, 0, 0] == ".."
    assert cube.values[0, 0, 1, 0] == 0.0 and cube.status[0, 0, 1, 0] == "-"
    assert np.isnan(cube.values[0, 1, 0, 1]) and cube.status[0, 1, 0, 1] == ":"
    assert cube.values[0, 1, 1, 1] == 2.0


def test_utf8_bom_crlf_and_quoted_commas(tmp_path):
    """A UTF-8 file with BOM, Windows line ends and a comma inside a quoted name reads cleanly."""
    text = ('\ufeff"region","age","Persons 2019","Persons 2020"\r\n'
            '"0301 Oslo, kommune","0 years",9002,9101\r\n'
            '"0301 Oslo, kommune","1 year",8700,8800\r\n')
    cube = read_statbank_csv(_write(tmp_path, text))
    assert cube.codes == {"region": ("0301",), "age": ("000", "001"), "year": ("2019", "2020")}
    assert cube.labels["region"] == ("Oslo, kommune",)
    np.testing.assert_array_equal(cube.values, [[[9002, 9101], [8700, 8800]]])
    assert cube.status is None


@pytest.mark.parametrize("body,line,what", [
    ("region,age,Persons 2019\n0101 Halden,0 years,245\nHalden,1 year,3\n", 3, "region"),
    ("region,age,Persons 2019\n0101 Halden,0 years,245\n0101 Halden,one year,3\n", 3, "age"),
    ("region,age,Persons 2019\n0101 Halden,0 years,245\n0101 Halden,1 year,abc\n", 3, "not a number"),
    ("region,age,colour\n0101 Halden,0 years,red\n", 1, "unexpected column"),
    ("just some text\nmore text\n", 1, "neither a title"),
    ('"07459: Population"\n\n"region";"age";"Persons 2021"\n"K-3001 Halden";"0 ye', 4, "never closed"),
    ("07459: Population\n\nregion;age;Persons 2021\nK-3001 Halden;0 years;1\nK-3001 Halden;1 year;1;5\n", 5,
     "4 fields where the header has 3"),
])
def test_unknown_formats_name_the_file_and_line(tmp_path, body, line, what):
    """A line the reader cannot understand is reported with file, line number and the problem."""
    path = _write(tmp_path, body)
    with pytest.raises(DataError, match=rf"export\.csv line {line}: .*{what}"):
        read_statbank_csv(path)


def test_repeated_and_missing_rows_are_errors(tmp_path):
    """A row given twice or a gap in the region × age grid is refused, not summed or filled."""
    twice = "region,age,Persons 2019\n0101 Halden,0 years,1\n0101 Halden,0 years,2\n"
    with pytest.raises(DataError, match="more than one line"):
        read_statbank_csv(_write(tmp_path, twice))
    gap = ("region,age,Persons 2019\n0101 Halden,0 years,1\n0101 Halden,1 year,2\n"
           "0104 Moss,0 years,3\n")
    with pytest.raises(DataError, match="truncated"):
        read_statbank_csv(_write(tmp_path, gap))


def test_missing_file_is_a_data_error(tmp_path):
    """A path that does not exist gives a DataError naming it."""
    with pytest.raises(DataError, match="nowhere.csv"):
        read_statbank_csv(tmp_path / "nowhere.csv")
