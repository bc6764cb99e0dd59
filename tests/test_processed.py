"""``data/processed``: harmonised cubes written as JSON-stat with their mapping report, read back intact."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k2020proj import __version__, settings
from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.harmonised import HarmonisationReport
from k2020proj.processed import processed_name, read_processed, save_processed

_ROWS = pd.DataFrame({"from_code": ["0219", "1850", "1850"], "from_name": ["Bærum", "Tysfjord", "Tysfjord"],
                      "to_code": ["3201", "1806", "1875"], "to_name": ["Bærum", "Narvik", "Hamarøy"],
                      "weight": [1.0, 0.429, 0.571], "method": ["recode", "split", "split"],
                      "basis": ["", "population 2019", "population 2019"], "note": ["", "", ""],
                      "from_total": [128_000.0, 1_900.0, 1_900.0]})
_GAPS = pd.DataFrame({"to_code": ["1580"], "to_name": ["Haram"], "year": [2020], "missing": [""],
                      "reason": ["no input row has data for it"]})


def _cube() -> Cube:
    values = np.array([[128_000.0, np.nan], [815.0, 1_085.0]])
    return Cube(dims=("region", "year"), codes={"region": ["3201", "1806"], "year": ["2019", "2020"]},
                labels={"region": ["Bærum", "Narvik"], "year": ["2019", "2020"]}, values=values,
                meta={"table": "07459", "updated": "2024-02-21T07:00:00Z", "structure": "2024",
                      "synthetic": False})


def test_name_says_dataset_span_and_structure():
    assert processed_name("population", "2019-2021", 2024) == "population_2019-2021_s2024"
    assert processed_name("projection", "2018 MMMM/x", "2024") == "projection_2018-MMMM-x_s2024"


def test_cube_round_trips_with_its_provenance(tmp_path):
    """Values (NaN stays NaN, never 0), codes, labels and SSB's meta survive; the file
    says which version wrote it and to which structure."""
    path = save_processed("population_2019-2020_s2024", _cube(), HarmonisationReport("2024", _ROWS, _GAPS),
                          folder=tmp_path)
    back = read_processed(path)
    np.testing.assert_array_equal(back.values, _cube().values)
    assert back.codes == _cube().codes and back.labels == _cube().labels
    assert back.meta["table"] == "07459" and back.meta["updated"] == "2024-02-21T07:00:00Z"
    assert back.meta["k2020proj_version"] == __version__ and back.meta["harmonised_to"] == "2024"


def test_report_is_kept_beside_the_cube(tmp_path):
    save_processed("x", _cube(), HarmonisationReport("2024", _ROWS, _GAPS), folder=tmp_path)
    mapping = pd.read_csv(tmp_path / "x.mapping.csv", dtype={"from_code": str, "to_code": str})
    assert mapping["method"].tolist() == ["recode", "split", "split"]
    assert mapping.loc[mapping["method"] == "split", "weight"].sum() == pytest.approx(1.0)
    assert pd.read_csv(tmp_path / "x.gaps.csv")["to_name"].tolist() == ["Haram"]


def test_gaps_file_goes_when_a_later_run_has_none(tmp_path):
    report = HarmonisationReport("2024", _ROWS, _GAPS)
    save_processed("x", _cube(), report, folder=tmp_path)
    save_processed("x", _cube(), HarmonisationReport("2024", _ROWS, _GAPS.iloc[:0]), folder=tmp_path)
    assert not (tmp_path / "x.gaps.csv").exists() and (tmp_path / "x.json").exists()


def test_default_folder_is_data_processed():
    path = save_processed("x", _cube(), HarmonisationReport("2024", _ROWS, _GAPS))
    assert path.parent == settings.processed_dir()


@pytest.mark.parametrize("content", [b"{\"class\": \"dataset\", \"id\": [", b"[1, 2]"])
def test_damaged_file_is_one_line_saying_fetch_again(tmp_path, content):
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(DataError, match="damaged.*fetch --set model"):
        read_processed(path)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="cannot read processed cube"):
        read_processed(tmp_path / "absent.json")
