"""Benchmark: JSON-stat 2.0 → cube fast path vs pyjstat's DataFrame path.

Builds a document shaped like SSB's table 07459 (Region × Kjonn × Alder ×
ContentsCode × Tid: 430 regions, 2 sexes, 106 ages, 1 contents, 11 years =
1 002 760 cells) with seeded population counts, some missing (``..``),
confidential (``:``) and nil (``-``) cells, serialises it to JSON text as it
would arrive from the API, then times

- ``read_jsonstat(text)``: parse + reshape into a cube (best of 3), and
- ``pyjstat.Dataset.read(text).write("dataframe", naming="id")`` (one run),

checks that both give the same value for every cell (rows matched on codes;
NaN where pyjstat has null; nil cells 0 in the cube, null in pyjstat) and
prints both times and their ratio (target ≥ 20×). Also prints the times
without JSON parsing and of ``cube.to_frame()``, the cube's own DataFrame path.

Run: ``python benchmarks/bench_jsonstat.py`` (``--regions N`` to resize).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from collections import OrderedDict

import numpy as np
import pandas as pd
from pyjstat.pyjstat import Dataset

from k2020proj.cube import Cube
from k2020proj.ssb.jsonstat import read_jsonstat, write_jsonstat

TARGET_RATIO = 20.0


def build_cube(regions: int, seed: int = 20240101) -> Cube:
    """A 07459-shaped cube with seeded counts and SSB status symbols on about 1 % of cells."""
    rng = np.random.default_rng(seed)
    codes = {
        "Region": [f"{3000 + i:04d}" for i in range(regions)],
        "Kjonn": ["1", "2"],
        "Alder": [f"{a:03d}" for a in range(105)] + ["105+"],
        "ContentsCode": ["Personer1"],
        "Tid": [str(y) for y in range(2014, 2025)],
    }
    shape = tuple(len(c) for c in codes.values())
    values = rng.poisson(60, size=shape).astype(np.float64)
    status = np.full(shape, "", dtype="<U2")
    draw = rng.random(shape)
    for symbol, low, high in (("..", 0.0, 0.004), (":", 0.004, 0.008), ("-", 0.008, 0.010)):
        hit = (draw >= low) & (draw < high)
        status[hit] = symbol
        values[hit] = np.nan if symbol != "-" else 0.0
    labels = {"Kjonn": ["Menn", "Kvinner"], "ContentsCode": ["Personer"]}
    return Cube(dims=tuple(codes), codes=codes, values=values, status=status,
                labels={d: labels.get(d, c) for d, c in codes.items()},
                meta={"table": "07459", "title": "07459: Befolkning, etter region, kjønn, alder, "
                      "statistikkvariabel og år", "source": "Statistisk sentralbyrå (benchmark data)",
                      "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}})


def document_text(cube: Cube) -> str:
    """The cube as JSON-stat text, nil cells null as the API may send them."""
    doc = write_jsonstat(cube)
    for position in np.flatnonzero(cube.status.ravel() == "-"):
        doc["value"][position] = None
    return json.dumps(doc)


def timed(function, repeats: int = 1):
    """(best wall time in seconds, result of the last call)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def pyjstat_frame(data) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Dataset.read(data).write("dataframe", naming="id")


def same_values(cube: Cube, frame: pd.DataFrame) -> bool:
    """Every cell equal, rows matched on the codes of every dimension (both are row-major)."""
    ours = cube.to_frame()
    if len(ours) != len(frame):
        return False
    if any((ours[d].to_numpy() != frame[d].astype(str).to_numpy()).any() for d in cube.dims):
        return False
    expected = pd.to_numeric(frame["value"]).to_numpy(np.float64)
    nil = (ours["status"] == "-").to_numpy() & np.isnan(expected)
    got = ours["value"].to_numpy()
    return bool(np.array_equal(got[~nil], expected[~nil], equal_nan=True) and np.all(got[nil] == 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=430, help="regions in the document (430 → 1 002 760 cells)")
    args = parser.parse_args(argv)
    text = document_text(build_cube(args.regions))
    print(f"document: {len(text) / 1e6:.1f} MB of JSON text")
    fast, cube = timed(lambda: read_jsonstat(text), repeats=3)
    print(f"cells: {cube.values.size:,}  shape: {dict(zip(cube.dims, cube.shape))}")
    slow, frame = timed(lambda: pyjstat_frame(text))
    parsed = json.loads(text)
    fast_parsed, _ = timed(lambda: read_jsonstat(parsed), repeats=3)
    ordered = json.loads(text, object_pairs_hook=OrderedDict)
    slow_parsed, _ = timed(lambda: pyjstat_frame(ordered))
    to_frame, _ = timed(cube.to_frame)
    agree = same_values(cube, frame)
    ratio = slow / fast
    print(f"read_jsonstat (text → cube):             {fast:8.3f} s")
    print(f"pyjstat (text → DataFrame):               {slow:8.3f} s")
    print(f"ratio:                                    {ratio:8.1f}x  (target ≥ {TARGET_RATIO:.0f}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'})")
    print(f"without JSON parsing: cube {fast_parsed:.3f} s, pyjstat {slow_parsed:.3f} s, "
          f"ratio {slow_parsed / fast_parsed:.1f}x")
    print(f"cube.to_frame() (cube → tidy DataFrame):  {to_frame:8.3f} s")
    print(f"same values in every cell: {'yes' if agree else 'NO'}")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
