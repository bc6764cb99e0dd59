"""JSON-stat 2.0 ↔ cube: parity with pyjstat on the official samples, SSB's real
response and generated documents; the SSB status conventions; round trips;
one-line errors for malformed documents."""
from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from pyjstat.pyjstat import Dataset

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.ssb.jsonstat import read_jsonstat, write_jsonstat
from k2020proj.testing.strategies import cubes, jsonstat_documents

#: Every dataset among the samples (SOURCES.md); the collections and order.json are tested apart.
SAMPLE_DATASETS = ["canada", "dimOrder", "galicia", "hierarchy", "json-stat-1-dimension",
                   "oecd", "ssb-api", "us-gsp", "us-labor", "us-unr"]


@pytest.fixture(scope="module")
def samples(shared: Path) -> Path:
    return shared / "jsonstat-samples"


def _pyjstat(text: str, naming: str) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Dataset.read(text).write("dataframe", naming=naming)


def assert_matches_pyjstat(cube: Cube, text: str) -> None:
    """The cube's tidy frame and pyjstat's DataFrame agree cell by cell.

    Rows are matched on the category codes; values agree exactly, NaN where
    pyjstat has null, except nil cells (status ``-``, null) which the cube reads as 0.
    Labels agree row by row (both frames are in row-major order).
    """
    ours = cube.to_frame(labels=True)
    by_id = _pyjstat(text, "id").astype({d: str for d in cube.dims}).rename(columns={"value": "ref"})
    merged = ours.merge(by_id, on=list(cube.dims), how="outer", validate="one_to_one", indicator=True)
    assert len(merged) == len(ours) == cube.values.size
    assert (merged["_merge"] == "both").all()
    expected = pd.to_numeric(merged["ref"]).to_numpy(np.float64)
    nil = (merged["status"] == "-").to_numpy() & np.isnan(expected)
    np.testing.assert_array_equal(merged["value"].to_numpy()[~nil], expected[~nil])
    assert np.all(merged["value"].to_numpy()[nil] == 0.0)
    by_label = _pyjstat(text, "label")
    for position, dim in enumerate(cube.dims):
        assert list(ours[f"{dim}_label"]) == list(by_label.iloc[:, position].astype(str)), dim


def assert_same_cube(left: Cube, right: Cube) -> None:
    assert left.dims == right.dims
    assert left.codes == right.codes and left.labels == right.labels
    np.testing.assert_array_equal(left.values, right.values)
    assert (left.status is None) == (right.status is None)
    np.testing.assert_array_equal(left.status_of(), right.status_of())
    assert left.meta == right.meta


# -- official samples and SSB's response --------------------------------------------------
@pytest.mark.parametrize("name", SAMPLE_DATASETS)
def test_every_sample_dataset_agrees_with_pyjstat(samples, name):
    """Each sample dataset (arrays, sparse objects, index forms, 1.x bundle) matches pyjstat."""
    text = (samples / f"{name}.json").read_text(encoding="utf-8")
    assert_matches_pyjstat(read_jsonstat(text), text)


def test_ssb_response_keeps_missing_symbols_and_dimension_order(samples):
    """ssb-api.json (SSB, JSON-stat 1.x): '..' cells are NaN with their symbol, axes in id order."""
    cube = read_jsonstat((samples / "ssb-api.json").read_bytes())
    assert cube.dims == ("Kjonn", "Alder", "ContentsCode", "Tid")
    flat = cube.values.ravel()
    assert cube.status.ravel()[129] == ".." and np.isnan(flat[129])
    assert np.all(np.isnan(flat[cube.status.ravel() == ".."]))
    assert np.all(np.isfinite(flat[cube.status.ravel() == ""]))
    assert cube.meta["source"] == "Statistics Norway"
    assert cube.meta["role"] == {"metric": ["ContentsCode"], "time": ["Tid"]}


def test_single_status_applies_to_every_cell(samples):
    """canada.json gives status ["a"]: one symbol for all 120 cells."""
    cube = read_jsonstat((samples / "canada.json").read_text(encoding="utf-8"))
    assert cube.status.shape == cube.shape and np.all(cube.status == "a")


def test_dimension_order_follows_id_not_the_dimension_object(samples):
    """dimOrder.json lists dimensions B, C, A in 'dimension' but A, B, C in 'id'."""
    cube = read_jsonstat((samples / "dimOrder.json").read_text(encoding="utf-8"))
    assert cube.dims == ("A", "B", "C") and cube.shape == (3, 2, 4)


def test_order_sample_values_land_in_row_major_order(samples):
    """order.json holds strings "AaBbCc": refused as non-numbers; with each string made a
    number abc, every cell sits where its code says (last dimension changes fastest).

    The sample itself has one typo: its 12th value reads "A1B1C4" where "A2B1C4" belongs,
    so exactly that cell (A=2, B=1, C=4) differs."""
    text = (samples / "order.json").read_text(encoding="utf-8")
    with pytest.raises(DataError, match="non-number: 'A1B1C1'"):
        read_jsonstat(text)
    doc = json.loads(text)
    doc["value"] = [int(re.sub(r"\D", "", v)) for v in doc["value"]]
    cube = read_jsonstat(doc)
    misplaced = []
    for a, b, c in np.ndindex(cube.shape):
        code = int(cube.codes["A"][a] + cube.codes["B"][b] + cube.codes["C"][c])
        if cube.values[a, b, c] != code:
            misplaced.append((code, cube.values[a, b, c]))
    assert misplaced == [(214, 114.0)]
    assert_matches_pyjstat(cube, json.dumps(doc))


@pytest.mark.parametrize("name", ["collection", "oecd-canada-col"])
def test_collections_are_refused_by_name(samples, name):
    """A collection is not a dataset: the error says it is a collection and how many items it has."""
    with pytest.raises(DataError, match=r"is a collection of \d+ item"):
        read_jsonstat((samples / f"{name}.json").read_text(encoding="utf-8"))


# -- generated documents ----------------------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(jsonstat_documents())
def test_generated_documents_agree_with_pyjstat(doc):
    """Any valid dataset (value/status/index in any allowed form) matches pyjstat cell by cell."""
    assert_matches_pyjstat(read_jsonstat(doc), json.dumps(doc))


@settings(max_examples=60, deadline=None)
@given(jsonstat_documents())
def test_status_symbols_are_kept_and_missing_is_never_zero(doc):
    """Cells with '..', '...', ':' or '.' are NaN; nil '-' is 0; every symbol given is kept."""
    cube = read_jsonstat(doc)
    status = cube.status_of().ravel()
    values = cube.values.ravel()
    assert np.all(np.isnan(values[np.isin(status, ["..", "...", ":", "."])]))
    assert np.all(values[status == "-"] == 0.0)
    given_status = doc.get("status") or {}
    items = given_status.items() if isinstance(given_status, dict) else enumerate(given_status)
    for position, symbol in items:
        assert status[int(position)] == (symbol or "")


@settings(max_examples=60, deadline=None)
@given(cubes())
def test_write_then_read_is_identity(cube):
    """write_jsonstat → JSON text → read_jsonstat gives back the same cube, meta included."""
    assert_same_cube(read_jsonstat(json.dumps(write_jsonstat(cube))), cube)


@settings(max_examples=40, deadline=None)
@given(jsonstat_documents())
def test_read_write_read_is_stable(doc):
    """A document read, written and read again gives the same cube as the first read."""
    first = read_jsonstat(doc)
    assert_same_cube(read_jsonstat(write_jsonstat(first)), first)


# -- SSB shape and conventions ------------------------------------------------------------------
def _ssb_doc(values: list, status: dict | None = None) -> dict:
    doc = {"version": "2.0", "class": "dataset",
           "label": "07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
           "source": "Statistisk sentralbyrå", "updated": "2024-02-21T07:00:00Z",
           "id": ["Region", "Tid"], "size": [2, 2],
           "dimension": {
               "Region": {"label": "region", "category": {"index": {"0301": 0, "3201": 1},
                                                          "label": {"0301": "Oslo", "3201": "Bærum"}}},
               "Tid": {"label": "år", "category": {"index": {"2023": 0, "2024": 1},
                                                   "label": {"2023": "2023", "2024": "2024"}}}},
           "role": {"time": ["Tid"], "geo": ["Region"]},
           "value": values}
    if status is not None:
        doc["status"] = status
    return doc


def test_nil_symbol_with_null_reads_as_zero_and_other_symbols_as_nan():
    """'-' (nil) with null → 0 and the symbol kept; ':' (confidential) with null → NaN."""
    cube = read_jsonstat(_ssb_doc([709037, None, None, 1], {"1": "-", "2": ":"}))
    np.testing.assert_array_equal(cube.values, [[709037.0, 0.0], [np.nan, 1.0]])
    assert cube.status.tolist() == [["", "-"], [":", ""]]


def test_ssb_meta_table_from_label_prefix_or_px_extension():
    """meta: table from extension.px.tableid, else the '07459: ' label prefix; title, source, updated."""
    doc = _ssb_doc([1, 2, 3, 4])
    cube = read_jsonstat(doc)
    assert cube.meta["table"] == "07459" and cube.meta["title"].startswith("07459: Befolkning")
    assert cube.meta["updated"] == "2024-02-21T07:00:00Z"
    assert cube.meta["dim_labels"] == {"Region": "region", "Tid": "år"}
    doc["extension"] = {"px": {"tableid": "12882", "decimals": 0}}
    cube = read_jsonstat(doc)
    assert cube.meta["table"] == "12882" and cube.meta["px"] == {"decimals": 0}


def test_written_document_has_ssb_shape():
    """write_jsonstat: version 2.0, index objects, null for NaN, integers for whole numbers,
    sparse status, px table id, role — what SSB's API returns."""
    doc = write_jsonstat(read_jsonstat(_ssb_doc([709037, None, 2.5, 1], {"1": ".."})))
    assert doc["version"] == "2.0" and doc["class"] == "dataset" and doc["id"] == ["Region", "Tid"]
    assert doc["dimension"]["Region"]["category"]["index"] == {"0301": 0, "3201": 1}
    assert doc["value"] == [709037, None, 2.5, 1] and doc["status"] == {"1": ".."}
    assert doc["extension"]["px"]["tableid"] == "07459"
    assert doc["role"] == {"time": ["Tid"], "geo": ["Region"]}
    assert write_jsonstat(read_jsonstat(_ssb_doc([1, 2, 3, 4])))["value"] == [1, 2, 3, 4]
    assert all(type(v) is int for v in write_jsonstat(read_jsonstat(_ssb_doc([1, 2, 3, 4])))["value"])


def test_text_bytes_and_parsed_documents_read_alike():
    """A document given as str, bytes or dict gives the same cube."""
    doc = _ssb_doc([1, None, 3, 4], {"1": ".."})
    cube = read_jsonstat(doc)
    assert_same_cube(read_jsonstat(json.dumps(doc)), cube)
    assert_same_cube(read_jsonstat(json.dumps(doc).encode()), cube)


def test_reading_a_large_document_is_fast():
    """Fast path: 200 000 cells read in well under a second (no per-cell Python beyond json)."""
    cells = 200_000
    doc = {"version": "2.0", "class": "dataset", "id": ["a", "b"], "size": [400, 500],
           "dimension": {"a": {"category": {"index": [str(i) for i in range(400)]}},
                         "b": {"category": {"index": [str(i) for i in range(500)]}}},
           "value": [float(i) if i % 7 else None for i in range(cells)],
           "status": {str(i): ".." for i in range(0, cells, 7)}}
    start = time.perf_counter()
    cube = read_jsonstat(doc)
    assert time.perf_counter() - start < 1.0
    assert cube.values[0, 1] == 1.0 and np.isnan(cube.values[0, 0])


# -- malformed documents ------------------------------------------------------------------------
def _broken(**changes) -> dict:
    doc = _ssb_doc([1, 2, 3, 4])
    doc.update(changes)
    return doc


def _without_region_index() -> dict:
    doc = _ssb_doc([1, 2, 3, 4])
    del doc["dimension"]["Region"]["category"]["index"]
    return doc


@pytest.mark.parametrize("doc,message", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "must be an object"),
    ({"class": "dimension", "label": "x"}, "class 'dimension'"),
    ({"foo": 1}, "not a dataset"),
    ({"a": {"dimension": {}}, "b": {"dimension": {}}}, "bundle holds 2 datasets"),
    (_broken(id=["Region", "Alder"]), "'Alder' is listed in 'id' but missing"),
    (_broken(size=[2, 3]), "'Tid' has 2 categories but 'size' says 3"),
    (_broken(size=[2]), "same length"),
    (_broken(value=[1, 2, 3]), "'value' has 3 cells but 'size' needs 4"),
    (_broken(value=[1, 2, "x", 4]), "non-number: 'x'"),
    (_broken(value={"7": 1}), "outside 0…3"),
    (_broken(value=None), "no 'value'"),
    (_broken(status=["..", ".."]), "'status' has 2 cells"),
    (_without_region_index(), "'Region' has no 'index' and 2 labels"),
    (_broken(dimension={"Region": {"category": {"index": {"0301": "0", "3201": 1}}},
                        "Tid": {"category": {"index": ["2023", "2024"]}}}), "index positions are not 0…1"),
    (_broken(dimension={"Region": {"category": {"index": ["0301", "3201"], "label": ["Oslo", "Bærum"]}},
                        "Tid": {"category": {"index": ["2023", "2024"]}}}), "'label' must be an object"),
])
def test_malformed_documents_raise_one_line_data_errors(doc, message):
    """Each malformed document is refused with a DataError of one line naming the problem."""
    with pytest.raises(DataError, match=re.escape(message)) as caught:
        read_jsonstat(doc)
    assert "\n" not in str(caught.value)


def test_benchmark_script_finds_the_same_values_on_a_small_document(capsys):
    """benchmarks/bench_jsonstat.py runs end to end (2 regions) and reports agreement with pyjstat."""
    import importlib.util
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_jsonstat.py"
    spec = importlib.util.spec_from_file_location("bench_jsonstat", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--regions", "2"]) == 0
    assert "same values in every cell: yes" in capsys.readouterr().out
