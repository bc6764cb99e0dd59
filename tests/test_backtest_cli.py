"""``k2020proj backtest`` from the command line: options, outputs, baseline check, errors."""
from __future__ import annotations

import json

import pytest

from k2020proj.cli import main

SMALL = ["backtest", "--target", "population", "--level", "fylke", "--fylke", "40",
         "--base-years", "2005..2008", "--horizons", "1,5"]


def test_help_lists_every_option(capsys):
    assert main(["backtest", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--target", "--base-years", "--horizons", "--level", "--kommune", "--fylke", "--out",
                   "--format", "--check", "--tolerance", "--save-baseline", "--source", "--draws"):
        assert option in text


def test_bad_years_are_one_line_usage_errors(capsys):
    assert main(["backtest", "--base-years", "20x5", "--source", "."]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("k2020proj: error: cannot read '20x5'") and "\n" not in err


@pytest.mark.shared
def test_run_writes_outputs_and_checks_against_its_own_baseline(ssb_data, tmp_path, capsys):
    baseline = tmp_path / "baseline.json"
    args = [*SMALL, "--source", str(ssb_data)]
    assert main([*args, "--out", str(tmp_path / "out"), "--format", "csv,md,json",
                 "--save-baseline", str(baseline)]) == 0
    printed = capsys.readouterr().out
    assert "Backtest population, level fylke" in printed and "ssb_mmmm" in printed
    assert "Kilde: Statistisk sentralbyrå" in printed and "05904" in printed
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["pairs.csv", "summary.json", "summary.md"]
    assert main([*args, "--check", str(baseline)]) == 0
    assert "check passed" in capsys.readouterr().out

    document = json.loads(baseline.read_text(encoding="utf-8"))
    score = next(r for r in document["scores"] if r["method"] == "ssb_mmmm" and r["score"] == "wape"
                 and r["group"] == "90+" and r["horizon"] == 5)
    score["value"] -= 2.0
    baseline.write_text(json.dumps(document), encoding="utf-8")
    assert main([*args, "--check", str(baseline)]) == 1
    err = capsys.readouterr().err
    assert "group=90+ method=ssb_mmmm horizon=5: wape" in err and "worse than baseline" in err


def test_check_refuses_a_baseline_without_scores_before_any_work(tmp_path, capsys):
    baseline = tmp_path / "broken.json"
    baseline.write_text('{"tolerance": 1}', encoding="utf-8")
    assert main([*SMALL, "--source", str(tmp_path), "--check", str(baseline)]) == 4
    assert "has no 'scores' list" in capsys.readouterr().err
