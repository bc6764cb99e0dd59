"""A small SYNTHETIC projection result, shaped exactly like ``Projection.to_frame()``.

Used by the output tests to exercise tables, charts and pages without running the
model. Three municipalities of a made-up county ``99`` (codes ``9901``–``9903``),
three occupation groups, two scenarios, fixed seed; ``9903`` has a group of three
nurses so small-number suppression has something to hide. Labelled synthetic.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from k2020proj.cube import Cube
from k2020proj.outputs.package import PackageInputs

SEED = 20240101
COUNTY = ("99", "Prøvefylke")
MUNICIPALITIES = (("9901", "Åsby"), ("9902", "Elvdal"), ("9903", "Øyvik"))
OCCUPATIONS = ("spl", "hfa", "ufag")
SERVICES = ("home_care", "ltc")
SCENARIOS = ("referanse", "heltid")
BASE, HORIZON = 2024, 2040
#: base-year persons per municipality × occupation; 9903's nurses are three persons
PERSONS = np.array([[400.0, 520.0, 300.0], [60.0, 90.0, 70.0], [3.0, 14.0, 11.0]])
FTE_PER_PERSON = np.array([0.84, 0.76, 0.6])


def _series(rng: np.random.Generator, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Supply and demand growth paths per municipality × occupation × year (1 in the base year)."""
    t = (years - BASE)[None, None, :]
    supply = (1 + rng.uniform(-0.012, 0.004, PERSONS.shape)[..., None]) ** t
    demand = (1 + rng.uniform(0.01, 0.03, PERSONS.shape)[..., None]) ** t
    return supply, demand


def _rows(level: str, region: str, occupation: str, years: np.ndarray, scenario: str,
          variable: str, values: np.ndarray, spread: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "level": level, "region": region, "occupation": occupation, "year": years,
        "scenario": scenario, "variable": variable, "value": values,
        "lo95": values - 1.96 * spread, "lo80": values - 1.28 * spread,
        "hi80": values + 1.28 * spread, "hi95": values + 1.96 * spread,
    })


def results() -> pd.DataFrame:
    """The tidy frame: kommune rows and their exact fylke sums, both scenarios."""
    rng = np.random.default_rng(SEED)
    years = np.arange(BASE, HORIZON + 1)
    supply, demand = _series(rng, years)
    index = (1 + rng.uniform(0.01, 0.04, (len(MUNICIPALITIES), len(SERVICES))))[..., None] ** (
        years - BASE)
    frames = []
    for s, scenario in enumerate(SCENARIOS):
        fte = FTE_PER_PERSON * (1 + 0.05 * s)
        persons = {"supply": PERSONS[..., None] * supply, "demand": PERSONS[..., None] * demand}
        frames += _scenario_rows(scenario, years, persons, fte, index)
    return _add_county(pd.concat(frames, ignore_index=True))


def _scenario_rows(scenario, years, persons, fte, index) -> list[pd.DataFrame]:
    frames = []
    for k, (code, _) in enumerate(MUNICIPALITIES):
        for o, occupation in enumerate(OCCUPATIONS):
            sp, dp = persons["supply"][k, o], persons["demand"][k, o]
            exits = 0.04 * sp
            need = exits + np.maximum(np.diff(dp, prepend=dp[0]), 0)
            values = {"supply_persons": sp, "demand_persons": dp, "gap_persons": sp - dp,
                      "supply_fte": sp * fte[o], "demand_fte": dp * fte[o],
                      "gap_fte": (sp - dp) * fte[o], "exits_persons": exits,
                      "recruitment_need_persons": need, "recruitment_need_fte": need * fte[o],
                      "realised_fte": np.minimum(sp, dp) * fte[o]}
            spread = (years - BASE) * 0.004 * sp
            frames += [_rows("kommune", code, occupation, years, scenario, v, x, spread * x / sp)
                       for v, x in values.items()]
        frames += [_rows("kommune", code, service, years, scenario, "demand_index", index[k, j],
                         (years - BASE) * 0.002) for j, service in enumerate(SERVICES)]
    return frames


def _add_county(frame: pd.DataFrame) -> pd.DataFrame:
    """Fylke rows: exact sums of the municipalities (demand index: population-free mean)."""
    keys = ["occupation", "year", "scenario", "variable"]
    summed = frame.groupby(keys, sort=False)[["value", "lo95", "lo80", "hi80", "hi95"]]
    county = summed.sum().reset_index()
    is_index = county["variable"] == "demand_index"
    county.loc[is_index, ["value", "lo95", "lo80", "hi80", "hi95"]] = summed.mean().reset_index().loc[
        is_index, ["value", "lo95", "lo80", "hi80", "hi95"]]
    county = county.assign(level="fylke", region=COUNTY[0])
    return pd.concat([frame, county[frame.columns]], ignore_index=True)


def population() -> Cube:
    """Population (region, sex, age, year) for the three municipalities: single years, ageing."""
    rng = np.random.default_rng(SEED + 1)
    ages = [f"{a:03d}" for a in range(105)] + ["105+"]
    years = [str(y) for y in range(BASE, HORIZON + 1)]
    shape = np.exp(-((np.arange(106) - 45) / 35.0) ** 2)
    size = np.array([12000.0, 2500.0, 900.0])
    base = size[:, None, None] * shape / shape.sum() * rng.uniform(0.9, 1.1, (3, 2, 106))
    drift = 1 + 0.02 * (np.arange(106) >= 67)
    values = base[..., None] * drift[None, None, :, None] ** np.arange(len(years))
    return Cube(("region", "sex", "age", "year"),
                {"region": [c for c, _ in MUNICIPALITIES], "sex": ["1", "2"], "age": ages, "year": years},
                values, labels={"region": [n for _, n in MUNICIPALITIES]},
                meta={"table": "07459", "structure": "2024", "synthetic": True})


def staff_age() -> pd.DataFrame:
    """Employed persons by age group per municipality in the base year (synthetic)."""
    rows = []
    for k, (code, _) in enumerate(MUNICIPALITIES):
        for o, occupation in enumerate(OCCUPATIONS):
            for age, share in (("16-39", 0.4), ("40-54", 0.35), ("55-74", 0.25)):
                rows.append((code, occupation, BASE, age, PERSONS[k, o] * share))
    return pd.DataFrame(rows, columns=["region", "occupation", "year", "age", "persons"])


def sample_inputs(**changes) -> PackageInputs:
    """Package inputs for the synthetic county, with ``changes`` applied."""
    inputs = PackageInputs(
        results=results(), population=population(), county=COUNTY, municipalities=MUNICIPALITIES,
        base_year=BASE, horizon=HORIZON, scenarios=list(SCENARIOS), tables=["07459", "14288", "14534"],
        vintage="syntetisk testgrunnlag", provenance={"seeds": {"model": SEED}},
        staff_age=staff_age(), synthetic=True)
    return replace(inputs, **changes)
