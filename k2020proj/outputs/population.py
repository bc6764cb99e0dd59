"""Population for the package: age codes read as intervals, the age groups that drive care demand.

Population reaches the package as a :class:`~k2020proj.cube.Cube` with dims
(region, sex, age, year) whose ages are SSB's single years (``"000"`` … ``"104"``,
``"105+"``) or published groups (``"016-019"``, ``"90+"``, ``"0-66"``). Both are read
as intervals ``[low, high)`` so pyramids and the demand-driving groups (0–66, 67–79,
80+) come out the same whichever the source gave.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.models.population import age_bounds

#: the age groups whose growth drives demand for care: code -> [low, high)
DEMAND_GROUPS: dict[str, tuple[int, int]] = {"0-66": (0, 67), "67-79": (67, 80), "80+": (80, 200)}

#: width given to an open top group (``105+``, ``90+``) when drawn
OPEN_WIDTH = 10

#: a stand-in top age that marks an open group in :func:`age_bounds`' answer
_OPEN_TOP = 10**6


def age_interval(code: str) -> tuple[int, int | None]:
    """``[low, high)`` of an age code; ``high`` is None for an open group (``105+``).

    ``"067"`` → (67, 68); ``"016-019"`` → (16, 20); ``"90+"`` → (90, None). Parsing is the
    model's (:func:`~k2020proj.models.population.age_bounds`), so both read ages alike.
    """
    ((low, last),) = age_bounds([code], top=_OPEN_TOP)
    return low, (None if last == _OPEN_TOP else last + 1)


def group_weights(ages: tuple[str, ...], groups: dict[str, tuple[int, int]]) -> np.ndarray:
    """0/1 matrix ages × groups; every age must fall wholly inside one group."""
    weights = np.zeros((len(ages), len(groups)))
    for i, code in enumerate(ages):
        low, high = age_interval(code)
        high = 200 if high is None else high
        inside = [j for j, (a, b) in enumerate(groups.values()) if a <= low and high <= b]
        if len(inside) != 1:
            raise DataError(f"age {code!r} does not fall inside one of the groups {', '.join(groups)}")
        weights[i, inside[0]] = 1.0
    return weights


def demand_groups(population: Cube) -> pd.DataFrame:
    """Persons per region and year in the groups 0–66, 67–79, 80+ and ``total``.

    Returns a tidy frame ``region, year, age_group, persons`` (sexes summed).
    """
    cube = population.sum("sex") if "sex" in population.dims else population
    weights = group_weights(cube.codes["age"], DEMAND_GROUPS)
    grouped = cube.map_axis("age", weights, list(DEMAND_GROUPS))
    frame = grouped.to_frame()[["region", "age", "year", "value"]]
    total = cube.sum("age").to_frame()[["region", "year", "value"]].assign(age="total")
    frame = pd.concat([frame, total], ignore_index=True)
    frame = frame.rename(columns={"age": "age_group", "value": "persons"})
    frame["year"] = frame["year"].astype(int)
    return frame[["region", "year", "age_group", "persons"]]


def pyramid(population: Cube, region: str, year: int, band: int = 5) -> pd.DataFrame:
    """Bars of a population pyramid: ``low, width, sex, persons_per_year`` for one region and year.

    Single years (all ages but an open top) are gathered in ``band``-year bands (0–4,
    5–9, …), as pyramids are usually drawn and so ages spread from published groups do
    not show false detail; published groups stay as they are. Persons are divided by each bar's width so
    bars of unequal width draw a true shape. ``sex`` is ``"1"``/``"2"`` when the cube
    splits the sexes, else ``"0"`` (both sexes).
    """
    cube = population.sel(region=region, year=str(year))
    if "sex" not in cube.dims:
        cube = Cube(("sex",) + cube.dims, {"sex": ("0",), **cube.codes}, cube.values[None],
                    meta=cube.meta)
    cube = cube.transpose("sex", "age")
    spans = [age_interval(code) for code in cube.codes["age"]]
    single = all(high is None or high == low + 1 for low, high in spans)
    rows = []
    for sex, values in zip(cube.codes["sex"], cube.values):
        for (low, high), persons in zip(spans, values):
            if single and high is not None:
                low, high = low - low % band, low - low % band + band
            width = (high if high is not None else low + OPEN_WIDTH) - low
            rows.append((low, width, sex, persons))
    bars = pd.DataFrame(rows, columns=["low", "width", "sex", "persons"])
    bars = bars.groupby(["sex", "low", "width"], sort=False, as_index=False)["persons"].sum()
    bars["persons_per_year"] = bars["persons"] / bars["width"]
    return bars[["low", "width", "sex", "persons_per_year"]]
