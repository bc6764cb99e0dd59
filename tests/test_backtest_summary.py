"""Score tables, the error decomposition and the CI regression check."""
from __future__ import annotations

import pandas as pd
import pytest

from k2020proj.backtest.engine import comparable, run
from k2020proj.backtest.summary import check, decompose, score_records, summarise, summed
from k2020proj.backtest.targets import population_forecasts
from tests.test_backtest_engine import population_panel


def overall() -> pd.DataFrame:
    pairs = comparable(run(population_panel(), population_forecasts, [2010, 2011], [1, 2, 4], "kommune"),
                       "ssb_mmmm")
    return summarise(pairs)["overall"]


def test_check_names_the_score_that_got_worse():
    current = score_records("population", overall())
    baseline = {"tolerance": 0.5, "scores": [dict(r) for r in current]}
    assert check(current, baseline) == []
    worse = [dict(r) for r in current]
    target = next(r for r in worse if r["score"] == "wape" and r["method"] == "ssb_mmmm")
    target["value"] = target["value"] - 1.0
    failures = check(current, {"tolerance": 0.5, "scores": worse})
    assert len(failures) == 1 and "wape" in failures[0] and "method=ssb_mmmm" in failures[0]
    assert check(current, {"tolerance": 2.0, "scores": worse}) == []
    missing = check(current[:1], baseline)
    assert any("missing" in f for f in missing)


def test_decomposition_parts_add_up_to_total_bias():
    pairs = pd.DataFrame({
        "base_year": 2015, "year": 2020, "level": "kommune", "region": ["a", "b", "a", "b"],
        "group": "total", "method": ["model", "model", "model_actual_pop", "model_actual_pop"],
        "forecast": [110.0, 95.0, 104.0, 99.0], "actual": [100.0, 100.0, 100.0, 100.0],
        "population_leg": ["projected", "projected", "actual", "actual"], "horizon": 5})
    table = decompose(pairs).iloc[0]
    assert table["bias_total"] == pytest.approx(2.5)
    assert table["bias_population"] == pytest.approx((6 - 4) / 2)
    assert table["bias_model"] == pytest.approx((4 - 1) / 2)
    assert table["bias_population"] + table["bias_model"] == pytest.approx(table["bias_total"])


def test_sum_adds_municipalities_and_keeps_only_full_coverage():
    """Two municipalities: the model's sum is scored; the trend, which lacks one of them
    for that base year, is left out rather than scored on a smaller total."""
    pairs = pd.DataFrame({
        "base_year": 2015, "horizon": 1, "year": 2016, "level": "kommune", "region": ["a", "b", "a", "b", "a"],
        "group": "total", "method": ["model", "model", "no_change", "no_change", "trend"],
        "forecast": [110.0, 50.0, 100.0, 40.0, 90.0], "actual": [100.0, 60.0, 100.0, 60.0, 100.0]})
    table = summed(pairs).set_index("method")
    assert list(table.index) == ["model", "no_change"]
    assert table.loc["model", ["forecast", "actual", "n_regions"]].tolist() == [160.0, 160.0, 2]
    scores = summarise(pairs.assign(size_class="<5000", county="40", population_leg=""), "model")["sum"]
    assert scores.set_index("method").loc["no_change", "mape"] == pytest.approx(20 / 160 * 100)
