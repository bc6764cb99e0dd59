"""Uncertainty: Monte Carlo over the levers' distributions, bands, and the demographic fan.

Draws are a leading array axis: every lever becomes an array of length
``draws + 1`` whose element 0 is the scenario's own value (the central run) and
elements 1.. are random draws. The model core runs all of them at once. Each
lever has its own random stream, spawned from ``np.random.default_rng(seed)`` in
the fixed order of :data:`~k2020proj.models.scenario.LEVERS`, so a run is
reproducible and adding a distribution to one lever leaves the others' draws alone.

Bands are quantiles over the random draws: 2.5/97.5 % (95 %) and 10/90 % (80 %).
SSB's demographic alternatives are not drawn: the caller runs the model once per
alternative and :func:`fan` lays the results side by side.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from k2020proj.models.scenario import LEVERS, Scenario

BANDS = {"lo95": 0.025, "lo80": 0.10, "hi80": 0.90, "hi95": 0.975}


def lever_draws(scenario: Scenario, draws: int = 0, seed: int = 2020) -> dict[str, np.ndarray]:
    """Every lever as an array (draws + 1,): the central value, then the random draws."""
    streams = np.random.default_rng(seed).spawn(len(LEVERS))
    out = {}
    for (name, lever), rng in zip(LEVERS.items(), streams):
        value = scenario.values[name]
        dist = scenario.distributions.get(name)
        sample = np.full(draws, value)
        if dist is not None and draws:
            if dist.kind == "normal":
                sample = rng.normal(value, dist.sd, draws)
            elif dist.kind == "uniform":
                sample = rng.uniform(dist.low, dist.high, draws)
            else:
                sample = rng.triangular(dist.low, value, dist.high, draws)
        out[name] = np.concatenate([[value], np.clip(sample, lever.low, lever.high)])
    return out


def bands(values: np.ndarray) -> dict[str, np.ndarray]:
    """80 % and 95 % bands over the draws (axis 0, element 0 the central run is left out).

    With no random draws the bands are NaN.
    """
    draws = values[1:]
    if draws.shape[0] == 0:
        return {name: np.full(values.shape[1:], np.nan) for name in BANDS}
    quantiles = np.quantile(draws, list(BANDS.values()), axis=0)
    return dict(zip(BANDS, quantiles))


def fan(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The demographic fan: one projection frame per SSB alternative, side by side.

    Each frame is a ``Projection.to_frame()`` of a run on one alternative (its
    ``scenario`` column names it). The result has one row per level, region,
    occupation, year and variable, a value column per alternative, and ``low`` /
    ``high``: the smallest and largest of them.
    """
    stacked = pd.concat(frames, ignore_index=True)
    keys = ["level", "region", "occupation", "year", "variable"]
    wide = stacked.pivot_table(index=keys, columns="scenario", values="value", aggfunc="first", sort=False)
    alternatives = list(wide.columns)
    wide["low"] = wide[alternatives].min(axis=1)
    wide["high"] = wide[alternatives].max(axis=1)
    wide.columns.name = None
    return wide.reset_index()
