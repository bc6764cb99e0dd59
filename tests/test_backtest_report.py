"""Backtest outputs: every file written, columns as documented, provenance in each, CI check."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from openpyxl import load_workbook

from k2020proj.backtest.engine import comparable, run
from k2020proj.backtest.summary import summarise
from k2020proj.backtest.targets import population_forecasts
from k2020proj.errors import UsageError
from k2020proj.backtest.runner import BacktestResult
from k2020proj.outputs.backtest_report import write_report
from tests.test_backtest_engine import population_panel


def result() -> BacktestResult:
    pairs = comparable(run(population_panel(), population_forecasts, [2010, 2011], [1, 2, 4], "kommune"),
                       "ssb_mmmm")
    provenance = {"tables": ["07459", "05904", "08109"], "vintages": {2005: "05904", 2010: "08109"},
                  "source": "test panel", "structure": "2024", "synthetic": True}
    return BacktestResult("population", "kommune", "ssb_mmmm", (2010, 2011), (1, 2, 4), pairs, summarise(pairs),
                          provenance, ("a test note",))


def test_every_format_written_with_provenance(tmp_path):
    paths = write_report(result(), tmp_path)
    assert sorted(p.name for p in paths) == ["error_by_horizon.png", "pairs.csv", "summary.json",
                                             "summary.md", "summary.xlsx"]
    pairs = pd.read_csv(tmp_path / "pairs.csv", dtype={"region": str})
    assert list(pairs.columns[:9]) == ["base_year", "horizon", "year", "level", "region", "group",
                                       "method", "forecast", "actual"]
    assert pairs["source"].str.contains("07459").all() and pairs["region"].str.len().eq(4).all()
    markdown = (tmp_path / "summary.md").read_text(encoding="utf-8")
    for needle in ("k2020proj", "05904", "SYNTHETIC", "a test note", "ssb_mmmm", "MAPE % per region",
                   "## Reading", "Scores of all municipalities of the run summed"):
        assert needle in markdown
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert summary["provenance"]["structure"] == "2024" and summary["scores"]
    assert summary["reading"].startswith("Reading (generated from the MAPE of group total")
    sheets = load_workbook(tmp_path / "summary.xlsx").sheetnames
    assert {"overall", "size_class", "county", "sum", "region"} <= set(sheets)
    assert (tmp_path / "error_by_horizon.png").read_bytes()[:4] == b"\x89PNG"


def test_unknown_format_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="unknown format pdf"):
        write_report(result(), tmp_path, ["pdf"])
