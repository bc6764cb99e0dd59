"""The paragraph that reads a backtest's scores: generated from the numbers, and right about them."""
from __future__ import annotations

import pandas as pd

from k2020proj.backtest.runner import BacktestResult
from k2020proj.outputs.backtest_reading import reading


def _rows(unit: dict, mape: dict[str, list[float]], bias: float = 0.0) -> list[dict]:
    return [{**unit, "level": "kommune", "group": "total", "method": method, "horizon": h + 1, "n": 10,
             "mape": value, "bias": bias if method == "model" else -bias}
            for method, values in mape.items() for h, value in enumerate(values)]


def _result(size_rows: list[dict], sum_rows: list[dict] = ()) -> BacktestResult:
    sizes = pd.DataFrame(size_rows)
    tables = {"overall": sizes.drop(columns="size_class"), "size_class": sizes}
    if sum_rows:
        tables["sum"] = pd.DataFrame(sum_rows)
    return BacktestResult("personnel", "kommune", "model", (2015, 2016), (1, 2, 3), pd.DataFrame(), tables, {})


def test_says_where_the_model_wins_and_who_beats_it_elsewhere():
    """Small municipalities: model best at h1 only, per capita best at h2–3."""
    result = _result(_rows({"size_class": "<5000"}, {"model": [5.0, 9.0, 12.0], "no_change": [6.0, 8.0, 14.0],
                                                     "per_capita": [5.5, 7.0, 10.0]}, bias=1.25))
    text = reading(result)
    assert "In municipalities under 5 000 inhabitants it has the lowest error at h1;" in text
    assert "it beats no_change at h1, h3, per_capita at h1" in text
    assert "(h3: model 12.0 %, no_change 14.0 %, per_capita 10.0 %)" in text
    assert "model 1.2 to 1.2 %" not in text and "model +1.2 to +1.2 %; no_change -1.2 to -1.2 %" in text


def test_a_unit_where_the_model_always_wins_or_never_does():
    result = _result(
        _rows({"size_class": ">20000"}, {"model": [1.0, 2.0, 3.0], "no_change": [2.0, 3.0, 4.0]}),
        _rows({}, {"model": [3.0, 4.0, 5.0], "no_change": [1.0, 2.0, 3.0]}))
    text = reading(result)
    assert "over 20 000 inhabitants it has the lowest error at every horizon; it beats no_change at h1–3" in text
    assert "In all municipalities summed it never has the lowest error (no_change has, at h1–3); " \
           "it beats no_change nowhere" in text
    assert "0.0 to 0.0 %" in text


def test_the_model_on_actual_population_is_read_when_the_run_has_it():
    """Issue 4 asks how the model fares on actual population; the paragraph says which run it reads."""
    rows = _rows({"size_class": "5000-20000"}, {"model": [9.0, 9.0, 9.0], "model_actual_pop": [1.0, 2.0, 3.0],
                                                "trend": [2.0, 2.5, 2.9]})
    text = reading(_result(rows))
    assert text.count("model_actual_pop (the model on actual population)") == 1
    assert "it has the lowest error at h1–2; it beats trend at h1–2" in text


def test_no_baseline_means_no_paragraph():
    assert reading(_result(_rows({"size_class": "<5000"}, {"model": [1.0, 2.0, 3.0]}))) == ""
