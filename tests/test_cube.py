"""The labelled cube: selection, sums, axis mapping and tidy frames keep values and NaN right."""
import numpy as np
import pandas as pd
import pytest

from k2020proj.cube import Cube, concat
from k2020proj.errors import DataError


def small() -> Cube:
    values = np.arange(12, dtype=float).reshape(2, 3, 2)
    values[1, 2, 0] = np.nan
    return Cube(dims=("region", "age", "year"),
                codes={"region": ["0301", "3201"], "age": ["000", "001", "002"], "year": ["2020", "2021"]},
                labels={"region": ["Oslo", "Bærum"], "age": ["0", "1", "2"], "year": ["2020", "2021"]},
                values=values, meta={"table": "07459"})


def test_sel_single_code_drops_axis_and_list_keeps_order():
    cube = small()
    assert cube.sel(region="3201").dims == ("age", "year")
    picked = cube.sel(age=["002", "000"])
    assert picked.codes["age"] == ("002", "000")
    np.testing.assert_array_equal(picked.values[0, :, 0], [4.0, 0.0])


def test_unknown_code_is_a_clear_error():
    with pytest.raises(DataError, match="no code 9999"):
        small().sel(region="9999")


def test_sum_propagates_nan_unless_skipna():
    cube = small()
    assert np.isnan(cube.sum("age").values[1, 0])
    assert cube.sum("age", skipna=True).values[1, 0] == 6.0 + 8.0


def test_map_axis_merges_and_keeps_missing_as_nan():
    cube = small()
    weights = np.array([[1.0], [1.0], [0.0]])  # ages 0-1 into one group, age 2 left out
    grouped = cube.map_axis("age", weights, ["0-1"])
    np.testing.assert_array_equal(grouped.values[:, 0, :], [[2.0, 4.0], [14.0, 16.0]])
    weights_all = np.ones((3, 1))
    assert np.isnan(cube.map_axis("age", weights_all, ["all"]).values[1, 0, 0])


def test_tidy_frame_round_trip():
    cube = small()
    frame = cube.to_frame(labels=True)
    assert list(frame.columns) == ["region", "region_label", "age", "age_label", "year", "year_label",
                                   "value", "status"]
    assert len(frame) == cube.values.size
    back = Cube.from_frame(frame, ["region", "age", "year"])
    np.testing.assert_array_equal(back.values, cube.values)


def test_from_frame_rejects_repeated_rows():
    frame = pd.DataFrame({"region": ["0301", "0301"], "value": [1.0, 2.0]})
    with pytest.raises(DataError, match="repeated"):
        Cube.from_frame(frame, ["region"])


def test_concat_joins_years_and_rejects_mismatch():
    cube = small()
    joined = concat([cube.sel(year=["2020"]), cube.sel(year=["2021"])], "year")
    np.testing.assert_array_equal(joined.values, cube.values)
    with pytest.raises(DataError):
        concat([cube.sel(year=["2020"]), cube.sel(year=["2020"], region=["0301"])], "year")


def test_shape_mismatch_is_rejected():
    with pytest.raises(DataError, match="shape"):
        Cube(dims=("a",), codes={"a": ["x", "y"]}, values=np.zeros(3))


def test_reindex_adds_missing_codes_as_nan_and_never_drops():
    """Aligning exports with different region lists: absent codes are NaN ('..'), kept ones unchanged."""
    cube = small().reindex("region", ["0219", "3201", "0301"], labels=["Bærum (-2019)", "x", "y"])
    assert cube.codes["region"] == ("0219", "3201", "0301")
    assert cube.labels["region"] == ("Bærum (-2019)", "Bærum", "Oslo")
    assert np.isnan(cube.values[0]).all() and (cube.status[0] == "..").all()
    np.testing.assert_array_equal(cube.values[2], small().values[0])
    with pytest.raises(DataError, match="would drop 3201"):
        small().reindex("region", ["0301"])
