"""Backtest scores computed by hand on small pair tables."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k2020proj.backtest.metrics import score, size_class


def pairs(forecast, actual, **extra) -> pd.DataFrame:
    frame = pd.DataFrame({"forecast": forecast, "actual": actual, "method": "m"})
    for key, value in extra.items():
        frame[key] = value
    return frame


def test_scores_match_hand_computation():
    table = score(pairs([110, 90, 200, 100], [100, 100, 100, 100]), ["method"])
    row = table.iloc[0]
    assert row["n"] == 4
    assert row["mape"] == pytest.approx((10 + 10 + 100 + 0) / 4)
    assert row["mdape"] == pytest.approx(10)
    assert row["wape"] == pytest.approx(120 / 400 * 100)
    assert row["bias"] == pytest.approx((10 - 10 + 100 + 0) / 4)
    assert row["within5"] == pytest.approx(25)


def test_wape_weights_by_size_while_mape_does_not():
    table = score(pairs([2, 1010], [1, 1000]), ["method"]).iloc[0]
    assert table["mape"] == pytest.approx((100 + 1) / 2)
    assert table["wape"] == pytest.approx(11 / 1001 * 100)


def test_missing_and_zero_actuals_left_out_of_n():
    table = score(pairs([1, np.nan, 5, 3], [1, 2, 0, np.nan]), ["method"]).iloc[0]
    assert table["n"] == 1 and table["mape"] == 0


def test_scores_per_group_and_empty_input():
    frame = pairs([110, 100, 50], [100, 100, 100], horizon=[1, 1, 5])
    table = score(frame, ["method", "horizon"]).set_index("horizon")
    assert table.loc[1, "n"] == 2 and table.loc[5, "bias"] == pytest.approx(-50)
    empty = score(frame.iloc[:0], ["method"])
    assert empty.empty and "wape" in empty.columns


def test_interval_coverage_counts_actuals_inside_band():
    frame = pairs([100, 100, 100, 100], [95, 105, 130, 100],
                  lo80=[90, 90, 90, np.nan], hi80=[110, 110, 110, np.nan])
    table = score(frame, ["method"]).iloc[0]
    assert table["coverage80"] == pytest.approx(200 / 3)


def test_size_classes_at_the_stated_limits():
    assert size_class([4999, 5000, 20000, 20001, np.nan]).tolist() == [
        "<5000", "5000-20000", "5000-20000", ">20000", ""]
