"""The county package: complete, consistent between its files, suppressed for people, exact for machines.

Most tests run on a small SYNTHETIC result (tests/package_sample.py) so they show
what build_package does whatever computed the numbers; the last builds the package
for Telemark from the recorded SSB data through the pipeline, as the command does.
"""
from __future__ import annotations

import hashlib
import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from k2020proj.cli import main
from k2020proj.errors import DataError, UsageError
from k2020proj.outputs import formats
from k2020proj.outputs.package import build_package
from k2020proj.sources import open_source

import package_sample
from package_sample import sample_inputs

CODES = [code for code, _ in package_sample.MUNICIPALITIES]


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return build_package(sample_inputs(), tmp_path_factory.mktemp("pkg") / "fylke-99", make_zip=True,
                         progress=False)


def _pages(root: Path) -> list[Path]:
    return sorted(root.glob("*.html"))


def test_every_municipality_has_a_page_and_the_method_page_exists(package):
    assert all((package.root / f"kommune-{code}.html").is_file() for code in CODES)
    assert (package.root / "metode.html").is_file()


def assert_pages_complete(root: Path, codes: list[str]) -> None:
    """A page per municipality linked from the index; every image and local link exists."""
    index = (root / "index.html").read_text(encoding="utf-8")
    for code in codes:
        assert f'href="kommune-{code}.html"' in index
    for page in _pages(root):
        text = page.read_text(encoding="utf-8")
        images = re.findall(r'<img src="([^"]+)"', text)
        assert images or page.name == "metode.html"
        for target in images + re.findall(r'href="([^"#:]+)"', text):
            assert (root / target).is_file(), f"{page.name} refers to missing {target}"


def test_every_image_and_local_link_of_every_page_exists(package):
    assert_pages_complete(package.root, CODES)


def test_every_table_and_chart_on_a_page_has_the_source_line_beside_it(package):
    for page in _pages(package.root):
        figures = re.findall(r"<figure>.*?</figure>", page.read_text(encoding="utf-8"), re.S)
        for figure in figures:
            assert "Kilde: Statistisk sentralbyrå (tabell 07459, 14288, 14534)" in figure
            assert "Scenario: referanse, heltid. Datagrunnlag: syntetisk testgrunnlag." in figure


def _tidy(root: Path, dialect: str) -> pd.DataFrame:
    return formats.read_csv(root / "csv" / dialect / "tidy.csv", dialect)


def assert_workbook_matches_tidy(root: Path, county: str) -> int:
    """Every shown supply cell of the workbook is the tidy CSV's value rounded, and the
    county's demand is the rounded sum of its municipalities in the tidy CSV; returns the
    number of cells compared."""
    book = load_workbook(next(root.glob("*.xlsx")), read_only=True)
    assert {"Oversikt", "Befolkning", "Tilbud og behov", "Behovsindeks", "Indikatorer"} <= set(book.sheetnames)
    rows = list(book["Tilbud og behov"].iter_rows(values_only=True))
    header = rows[2]
    sheet = pd.DataFrame([r for r in rows[3:] if r and r[0] in ("kommune", "fylke")], columns=header)
    tidy = _tidy(root, "en").set_index(["region", "occupation", "year", "scenario", "variable"])
    shown = sheet[sheet["Tilbud, årsverk"] != ":"]
    for data in shown.to_dict("records"):
        key = (data["Regionnr."], data["Yrkeskode"], int(data["År"]), data["Scenario"], "supply_fte")
        assert data["Tilbud, årsverk"] == round(tidy.loc[key, "value"])
    kommune = tidy.reset_index().query("level == 'kommune' and variable == 'demand_fte'")
    sums = kommune.groupby(["occupation", "year", "scenario"])["value"].sum()
    totals = sheet[sheet["Regionnr."] == county].to_dict("records")
    assert totals
    for data in totals:
        assert data["Behov, årsverk"] == round(sums[data["Yrkeskode"], int(data["År"]), data["Scenario"]])
    return len(shown)


def test_xlsx_opens_and_its_figures_and_totals_equal_the_tidy_csv(package):
    assert assert_workbook_matches_tidy(package.root, "99") > 50


def test_small_cells_are_hidden_for_people_and_exact_for_machines(package):
    """9903 has three nurses: ':' in the workbook and the pages, 3.0 in the tidy CSV."""
    book = load_workbook(next(package.root.glob("*.xlsx")), read_only=True)
    rows = [r for r in book["Tilbud og behov"].iter_rows(values_only=True) if r and r[1] == "9903"
            and r[3] == "spl"]
    assert rows and all(cell == ":" for r in rows for cell in r[7:])
    tidy = _tidy(package.root, "no")
    nurses = tidy.query("region == '9903' and occupation == 'spl' and variable == 'supply_persons' "
                        "and year == 2024")
    assert nurses["value"].tolist() == [3.0, 3.0]
    page = (package.root / "kommune-9903.html").read_text(encoding="utf-8")
    assert '<td class="num">:</td>' in page


def assert_no_dialect(root: Path) -> pd.DataFrame:
    """The no tidy CSV has a BOM, semicolons and decimal commas only, and equals the en one."""
    raw = (root / "csv" / "no" / "tidy.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[:4] == ["level", "region", "region_name", "occupation"]
    assert any(re.search(r";-?\d+,\d+;", line) for line in lines[1:50])
    assert not any(re.search(r";-?\d+\.\d+;", line) for line in lines[1:])
    no = _tidy(root, "no")
    pd.testing.assert_frame_equal(no, _tidy(root, "en"))
    return no


def test_no_csv_opens_with_semicolons_and_decimal_commas_and_matches_the_en_csv(package):
    assert set(assert_no_dialect(package.root)["region"]) == {*CODES, "99"}


def test_provenance_lists_every_file_with_its_hash_and_the_inputs(package):
    record = json.loads((package.root / "provenance.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is True and record["seeds"] == {"model": package_sample.SEED}
    assert record["ssb_tables"] == ["07459", "14288", "14534"]
    listed = {entry["path"]: entry["sha256"] for entry in record["files"]}
    on_disk = {p.relative_to(package.root).as_posix() for p in package.files} - {"provenance.json"}
    assert set(listed) == on_disk
    for path, digest in listed.items():
        assert hashlib.sha256((package.root / path).read_bytes()).hexdigest() == digest


def test_zip_holds_the_whole_package(package):
    with zipfile.ZipFile(package.zip) as archive:
        names = {n for n in archive.namelist() if not n.endswith("/")}
    assert names == {f"fylke-99/{p.relative_to(package.root).as_posix()}" for p in package.files}


def test_english_package_has_english_words_and_the_same_codes(tmp_path):
    inputs = sample_inputs(municipalities=package_sample.MUNICIPALITIES[:1])
    pkg = build_package(inputs, tmp_path / "en", lang="en", progress=False)
    index = (pkg.root / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index and "Source: Statistics Norway (table 07459, 14288, 14534)" in index
    book = load_workbook(next(pkg.root.glob("*.xlsx")), read_only=True)
    assert "Supply and demand" in book.sheetnames
    assert set(_tidy(pkg.root, "en")["occupation"]) >= {"spl", "hfa", "ufag"}


def test_a_folder_that_is_not_a_package_is_never_replaced(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not a k2020proj package"):
        build_package(sample_inputs(), tmp_path / "mine", progress=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_results_missing_a_municipality_are_refused_with_its_code(tmp_path):
    results = package_sample.results()
    with pytest.raises(DataError, match="9902"):
        build_package(sample_inputs(results=results[results["region"] != "9902"]), tmp_path / "p",
                      progress=False)


def test_command_builds_telemark_from_the_recorded_data(ssb_data, tmp_path):
    """`k2020proj package --fylke 08` (old Telemark) writes today's county 40 with all 17
    municipalities from the recorded SSB data, consistent between pages, workbook and CSV."""
    history = open_source(ssb_data).region_history()
    codes = history.county_municipalities("40")
    out = tmp_path / "telemark"
    status = main(["package", "--fylke", "08", "--horizon", "2035", "--draws", "20", "--quiet",
                   "--source", str(ssb_data), "--out", str(out)])
    assert status == 0
    assert len(codes) == 17 and all((out / f"kommune-{code}.html").is_file() for code in codes)
    assert_pages_complete(out, codes)
    assert assert_workbook_matches_tidy(out, "40") > 17
    tidy = assert_no_dialect(out)
    assert set(tidy["region"]) == {*codes, "40"} and set(tidy["occupation"]) >= {"spl"}
    record = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert record["synthetic"] is False and "14746" in record["ssb_tables"]
    assert "Kilde: Statistisk sentralbyrå (tabell 04686, 07459" in (out / "index.html").read_text(encoding="utf-8")
