"""Single-year ages from grouped projections (group totals kept exactly) and splicing actual with projected."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.interpolate import PchipInterpolator

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.models.population import age_bounds, expand_age_cube, expand_age_groups, splice

TELEMARK_GROUPS = ["0", "1-5", "6-12", "13-15", "16-19", "20-44", "45-66", "67-79", "80-89", "90+"]


@st.composite
def grouped(draw):
    """Random contiguous age groups over 0..105, counts (some zero) for a few series, and a guide."""
    cuts = sorted(draw(st.sets(st.integers(1, 105), max_size=12)))
    edges = [0, *cuts, 106]
    bounds = [(lo, hi - 1) for lo, hi in zip(edges[:-1], edges[1:])]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    values = rng.gamma(1.0, 1000.0, (3, len(bounds))) * (rng.random((3, len(bounds))) > 0.2)
    profile = rng.gamma(1.0, 10.0, 106) * (rng.random(106) > 0.3) if draw(st.booleans()) else None
    return values, bounds, profile


@settings(max_examples=80, deadline=None)
@given(grouped())
def test_expansion_keeps_every_group_total_and_is_never_negative(case):
    """Each group's single years sum to the group's value (to rounding); no age is negative."""
    values, bounds, profile = case
    single = expand_age_groups(values, bounds, profile)
    assert single.shape == (3, 106) and (single >= 0).all()
    sums = np.stack([single[:, lo:hi + 1].sum(axis=1) for lo, hi in bounds], axis=1)
    np.testing.assert_allclose(sums, values, rtol=1e-12, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.1, 10.0))
def test_expansion_returns_the_guide_when_every_group_has_the_same_ratio_to_it(seed, ratio):
    """If the groups are a multiple of the guide's group sums, the result is that multiple of the guide."""
    guide = np.random.default_rng(seed).uniform(1.0, 50.0, 106)
    bounds = age_bounds(TELEMARK_GROUPS)
    values = np.array([guide[lo:hi + 1].sum() for lo, hi in bounds]) * ratio
    np.testing.assert_allclose(expand_age_groups(values, bounds, guide), ratio * guide, rtol=1e-9)


def test_expansion_without_a_guide_is_pchip_on_the_cumulative_counts():
    """With no guide the method is SciPy's PCHIP through the cumulative counts at the group edges."""
    bounds = age_bounds(TELEMARK_GROUPS)
    values = np.array([55e3, 300e3, 420e3, 180e3, 250e3, 1.8e6, 1.5e6, 650e3, 230e3, 50e3])
    edges = [lo for lo, _ in bounds] + [106]
    reference = np.diff(PchipInterpolator(edges, np.r_[0.0, np.cumsum(values)])(np.arange(107)))
    np.testing.assert_allclose(expand_age_groups(values, bounds), reference, rtol=1e-9)


def test_age_codes_of_ssb_tables_are_parsed():
    """SSB's codes: single ages, ranges with leading zeros, open groups to 105, English labels."""
    assert age_bounds(["000", "016-019", "090+", "105+"]) == [(0, 0), (16, 19), (90, 105), (105, 105)]
    assert age_bounds(["0 years", "20-44", "80 years or older"]) == [(0, 0), (20, 44), (80, 105)]
    with pytest.raises(DataError, match="'Ialt'"):
        age_bounds(["Ialt"])


def test_groups_must_be_contiguous():
    """A gap or overlap between groups is an error, not a silent hole."""
    with pytest.raises(DataError, match="contiguous"):
        expand_age_groups(np.ones(2), [(0, 5), (7, 10)])


def _cube(years, values, table):
    return Cube(dims=("region", "age", "year"), codes={"region": ["0806"], "age": ["000", "001"], "year": years},
                values=values, meta={"table": table})


def test_expand_age_cube_gives_ssb_single_year_codes():
    """A projection cube with groups becomes one with codes 000…105+ and the same group totals."""
    cube = Cube(dims=("region", "age", "year"), codes={"region": ["0806"], "age": ["000-089", "090+"], "year": ["2030"]},
                values=np.array([[[9000.0], [200.0]]]))
    single = expand_age_cube(cube)
    assert single.codes["age"][0] == "000" and single.codes["age"][-1] == "105+" and len(single.codes["age"]) == 106
    np.testing.assert_allclose(single.values[0, 90:, 0].sum(), 200.0)


def test_splice_appends_projection_years_after_the_base_year():
    """Actual years up to the base year, projected years after it; provenance of both kept."""
    actual = _cube(["2019", "2020"], np.array([[[10.0, 11.0], [20.0, 21.0]]]), "07459")
    projected = _cube(["2020", "2021", "2022"], np.array([[[12.0, 13.0, 14.0], [22.0, 23.0, 24.0]]]), "12882")
    joined = splice(actual, projected, 2020)
    assert joined.codes["year"] == ("2019", "2020", "2021", "2022")
    np.testing.assert_array_equal(joined.values[0, 0], [10, 11, 13, 14])
    assert joined.meta["projection"]["table"] == "12882" and joined.meta["spliced_at"] == 2020


def test_splice_ratio_chains_projected_growth_onto_the_actual_base():
    """'ratio' keeps the projection's growth from the base year but starts at the actual level."""
    actual = _cube(["2020"], np.array([[[11.0], [21.0]]]), "07459")
    projected = _cube(["2020", "2021"], np.array([[[10.0, 12.0], [0.0, 5.0]]]), "12882")
    joined = splice(actual, projected, 2020, method="ratio")
    np.testing.assert_allclose(joined.values[0, :, 1], [11.0 * 1.2, 5.0])


def test_splice_refuses_different_structures():
    """Codes that differ on a non-year axis must be harmonised first."""
    actual = _cube(["2020"], np.ones((1, 2, 1)), "07459")
    other = Cube(dims=("region", "age", "year"), codes={"region": ["3806"], "age": ["000", "001"], "year": ["2021"]},
                 values=np.ones((1, 2, 1)))
    with pytest.raises(DataError, match="harmonise"):
        splice(actual, other, 2020)
