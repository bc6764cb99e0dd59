"""Speed of the projection model: vectorised national run vs a per-municipality loop, and Monte Carlo.

Run: ``python benchmarks/bench_projection.py`` (about a minute on a 2-core machine).

1. A full national deterministic projection on the synthetic world (357 municipalities
   × 12 occupations × 2 sexes × ages 16–74 × 2024–2050, 26 projected years), timed as
   the best of several runs, against the same model run as a plain Python loop that
   calls the core on one municipality at a time. Prints both times and the ratio and
   checks that every municipal array agrees. Targets: ≤ 2 s and ≥ 20× faster.
2. 1000 Monte Carlo draws for one county (about 25 municipalities), target ≤ 30 s.

Exits with status 1 if the loop and the vectorised run disagree; timing targets are
reported (PASS/MISS), not enforced, since the machine may be shared. BLAS runs on one
thread unless OPENBLAS_NUM_THREADS / OMP_NUM_THREADS say otherwise: the loop cannot use
more, and on a shared machine idle-spinning BLAS threads make timings erratic.
"""
from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import sys  # noqa: E402  (BLAS threads must be set before NumPy loads)
import time  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

from k2020proj.models import ModelInputs, Projection, load_scenario, project, synthetic_inputs  # noqa: E402

SCENARIO = "referanse"
REPEATS = 5
DRAWS = 1000
CHECKED = ("supply_fte", "supply_persons", "demand_fte", "exits_persons", "exits_fte", "inflow_persons")


def per_municipality(inputs: ModelInputs, scenario) -> list[Projection]:
    """The same model, called on one municipality at a time."""
    return [project(inputs.subset([region]), scenario) for region in inputs.regions]


def disagreement(joint: Projection, pieces: list[Projection]) -> float:
    """Largest relative difference between the joint run and the stacked per-municipality runs."""
    worst = 0.0
    for name in CHECKED:
        stacked = np.concatenate([piece.base[name] for piece in pieces], axis=1)
        scale = max(np.abs(joint.base[name]).max(), 1.0)
        worst = max(worst, float(np.abs(stacked - joint.base[name]).max() / scale))
    return worst


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def national(inputs: ModelInputs) -> bool:
    """Vectorised vs loop; returns whether they agree."""
    scenario = load_scenario(SCENARIO)
    project(inputs, scenario)                                   # warm-up
    vectorised = min(timeit.repeat(lambda: project(inputs, scenario), number=1, repeat=REPEATS))
    joint = project(inputs, scenario)
    start = time.perf_counter()
    pieces = per_municipality(inputs, scenario)
    looped = time.perf_counter() - start
    gap = disagreement(joint, pieces)
    ratio = looped / vectorised
    shape = (len(inputs.regions), len(inputs.occupations), 2, 59, len(joint.years) - 1)
    print(f"national deterministic projection, scenario {SCENARIO}, "
          f"{shape[0]} municipalities × {shape[1]} groups × {shape[2]} sexes × {shape[3]} ages × {shape[4]} years")
    print(f"  vectorised (best of {REPEATS}): {vectorised:8.3f} s   target ≤ 2 s   {verdict(vectorised <= 2.0)}")
    print(f"  per-municipality loop:        {looped:8.3f} s")
    print(f"  ratio loop / vectorised:      {ratio:8.1f} ×   target ≥ 20 ×  {verdict(ratio >= 20.0)}")
    print(f"  largest relative difference:  {gap:.2e}   {'agree' if gap < 1e-9 else 'DISAGREE'}")
    start = time.perf_counter()
    rows = len(joint.to_frame())
    print(f"  tidy frame (3 levels, {rows:,} rows): {time.perf_counter() - start:.3f} s")
    return gap < 1e-9


def monte_carlo(inputs: ModelInputs) -> None:
    """1000 draws for the county closest to 25 municipalities, for two scenarios."""
    counties = sorted(set(inputs.counties), key=lambda c: (abs(inputs.counties.count(c) - 25), c))
    regions = [r for r, c in zip(inputs.regions, inputs.counties) if c == counties[0]]
    county = inputs.subset(regions)
    for name in (SCENARIO, "kompetanseloft"):
        start = time.perf_counter()
        result = project(county, name, draws=DRAWS, seed=2020)
        elapsed = time.perf_counter() - start
        start = time.perf_counter()
        frame = result.to_frame()
        framing = time.perf_counter() - start
        print(f"Monte Carlo, {DRAWS} draws, county {counties[0]} ({len(regions)} municipalities), scenario {name}: "
              f"{elapsed:.2f} s   target ≤ 30 s   {verdict(elapsed <= 30.0)}   (+ bands and frame {framing:.2f} s, "
              f"{len(frame):,} rows)")


def main() -> int:
    print(f"BLAS threads: {os.environ['OPENBLAS_NUM_THREADS']} (OPENBLAS_NUM_THREADS)")
    inputs = synthetic_inputs()
    agree = national(inputs)
    monte_carlo(inputs)
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
