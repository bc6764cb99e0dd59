"""Naive baselines and vintage discipline on small hand-made series."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k2020proj.backtest.baselines import linear_trend, no_change, per_capita
from k2020proj.backtest.vintages import VINTAGE_TABLES, known_at, vintage_for
from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError


def series(values: dict[str, list[float]], first_year: int) -> Cube:
    """Cube (region, year) with one row per region starting at ``first_year``."""
    regions = list(values)
    n = len(values[regions[0]])
    return Cube(dims=("region", "year"),
                codes={"region": regions, "year": [str(first_year + i) for i in range(n)]},
                values=np.array([values[r] for r in regions], dtype=float), meta={"table": "T"})


def test_newest_vintage_at_or_before_base_year_is_chosen():
    available = list(VINTAGE_TABLES)
    assert vintage_for(2005, available) == 2005
    assert vintage_for(2007, available) == 2005
    assert vintage_for(2013, available) == 2012
    assert vintage_for(2017, available) == 2016
    with pytest.raises(UsageError, match="no projection vintage published at or before 2004"):
        vintage_for(2004, available)


def test_known_at_drops_every_later_year():
    cube = series({"a": [1, 2, 3, 4]}, 2010)
    assert known_at(cube, 2011).codes["year"] == ("2010", "2011")
    with pytest.raises(DataError, match="no year at or before 2009"):
        known_at(cube, 2009)


def test_no_change_repeats_the_base_year_value():
    forecast = no_change(series({"a": [10, 20, 30], "b": [1, 2, 3]}, 2010), 2011, [2012, 2015])
    assert forecast.codes["year"] == ("2012", "2015")
    assert forecast.values.tolist() == [[20, 20], [2, 2]]


def test_trend_extends_an_exact_line_and_needs_all_five_years():
    history = series({"a": [100, 110, 120, 130, 140, 999]}, 2010)
    forecast = linear_trend(history, 2014, [2015, 2019])
    assert forecast.values.tolist() == [[150.0, 190.0]]
    assert np.isnan(linear_trend(history, 2013, [2015]).values).all()


def test_trend_never_goes_below_zero():
    falling = series({"a": [50, 40, 30, 20, 10]}, 2010)
    assert linear_trend(falling, 2014, [2016]).values.tolist() == [[0.0]]


def test_per_capita_scales_base_ratio_by_population_path():
    staff = series({"a": [10, 20], "b": [5, 5]}, 2010)
    people = series({"b": [100, 100], "a": [1000, 1000]}, 2010)
    path = series({"a": [1000, 1000, 1500], "b": [100, 100, 50]}, 2010)
    forecast = per_capita(staff, people, path, 2011, [2012])
    assert forecast.values.tolist() == [[30.0], [2.5]]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 1e6), min_size=8, max_size=8), st.floats(1e6, 1e9))
def test_baselines_ignore_years_after_t0(values, poison):
    """Poisoning every year after t0 leaves all three baselines unchanged."""
    clean = series({"a": values}, 2010)
    dirty_values = list(values[:5]) + [poison] * 3
    dirty = series({"a": dirty_values}, 2010)
    people = series({"a": [1000.0] * 8}, 2010)
    for fn in (no_change, linear_trend):
        assert np.array_equal(fn(clean, 2014, [2016]).values, fn(dirty, 2014, [2016]).values,
                              equal_nan=True)
    assert np.array_equal(per_capita(clean, people, people, 2014, [2016]).values,
                          per_capita(dirty, people, people, 2014, [2016]).values, equal_nan=True)
