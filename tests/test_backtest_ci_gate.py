"""CI gate: the fast batch of backtests on the recorded real data must not get worse.

Runs the batch through the CLI with ``--check tests/baselines/backtest_ci.json``: any
score (MAPE, median APE, WAPE, |bias|, share within ±5 %) of any method, group and
horizon that gets worse than the stored baseline by more than its tolerance (0.5
percentage points) fails the build, naming the score. The batch must stay under two
minutes. To accept a deliberate change, re-run each command with
``--save-baseline tests/baselines/backtest_ci.json`` instead of ``--check`` and commit
the file with the reason.
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest

from k2020proj.cli import main

BASELINE = Path(__file__).parent / "baselines" / "backtest_ci.json"
#: the fast batch: Telemark's population by municipality and as a whole, service users,
#: and nurse FTEs, on the recorded data
BATCH = (
    ["--target", "population", "--fylke", "40", "--base-years", "2005..2020", "--horizons", "1,5,10"],
    ["--target", "population", "--level", "fylke", "--fylke", "40", "--base-years", "2005..2020",
     "--horizons", "1,5,10"],
    ["--target", "demand", "--horizons", "1,3,5"],
    ["--target", "personnel", "--horizons", "1..6"],
)
LIMIT_SECONDS = 120


@pytest.mark.shared
@pytest.mark.slow
def test_fast_batch_is_no_worse_than_the_baseline(ssb_data, capsys):
    started = time.perf_counter()
    failures = []
    for args in BATCH:
        code = main(["backtest", *args, "--source", str(ssb_data), "--check", str(BASELINE)])
        out = capsys.readouterr()
        if code != 0:
            failures.append(f"{' '.join(args)}: exit {code}\n{out.err}")
    elapsed = time.perf_counter() - started
    assert not failures, "backtest regression:\n" + "\n".join(failures)
    assert elapsed < LIMIT_SECONDS, f"CI backtest batch took {elapsed:.0f} s (limit {LIMIT_SECONDS} s)"
    print(f"CI backtest batch: {elapsed:.1f} s")
