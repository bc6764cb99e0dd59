"""Age codes read as intervals; the demand-driving age groups; pyramid bars of true shape."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.outputs import population

import package_sample


@pytest.mark.parametrize("code, interval", [
    ("000", (0, 1)), ("067", (67, 68)), ("105+", (105, None)), ("016-019", (16, 20)),
    ("90+", (90, None)), ("0-66", (0, 67)), ("0 years", (0, 1)), ("105 years or older", (105, None)),
])
def test_age_codes_of_ssb_and_of_published_groups_read_as_intervals(code, interval):
    assert population.age_interval(code) == interval


def test_an_unreadable_age_code_is_a_data_error():
    with pytest.raises(DataError, match="age code"):
        population.age_interval("old")


def test_demand_groups_sum_single_years_and_add_up_to_the_total():
    pop = package_sample.population()
    groups = population.demand_groups(pop).set_index(["region", "year", "age_group"])["persons"]
    values = pop.sel(region="9901", year="2030").values.sum(axis=0)
    assert groups["9901", 2030, "80+"] == pytest.approx(values[80:].sum())
    assert groups["9901", 2030, "67-79"] == pytest.approx(values[67:80].sum())
    parts = sum(groups["9901", 2030, g] for g in population.DEMAND_GROUPS)
    assert parts == pytest.approx(groups["9901", 2030, "total"])


def test_a_group_straddling_two_demand_groups_is_refused():
    cube = Cube(("region", "age", "year"), {"region": ["1"], "age": ["60-69"], "year": ["2024"]},
                np.ones((1, 1, 1)))
    with pytest.raises(DataError, match="60-69"):
        population.demand_groups(cube)


def test_pyramid_bars_divide_grouped_persons_by_band_width():
    """A group of 4 ages holding 400 persons draws 100 per year of age, width 4."""
    cube = Cube(("region", "age", "year"), {"region": ["1"], "age": ["000", "001-004", "90+"],
                                             "year": ["2024"]}, np.array([[[50.0], [400.0], [30.0]]]))
    bars = population.pyramid(cube, "1", 2024)
    assert bars["sex"].tolist() == ["0", "0", "0"]
    assert bars["width"].tolist() == [1, 4, population.OPEN_WIDTH]
    assert bars["persons_per_year"].tolist() == [50.0, 100.0, 3.0]


def test_single_years_are_drawn_in_five_year_bands():
    """Ages 0–9 with 1..10 persons: band 0–4 holds 15 (3 per year), band 5–9 holds 40 (8 per year)."""
    cube = Cube(("region", "age", "year"), {"region": ["1"], "age": [f"{a:03d}" for a in range(10)],
                                             "year": ["2024"]}, np.arange(1.0, 11.0).reshape(1, 10, 1))
    bars = population.pyramid(cube, "1", 2024)
    assert bars["low"].tolist() == [0, 5] and bars["width"].tolist() == [5, 5]
    assert bars["persons_per_year"].tolist() == [3.0, 8.0]
