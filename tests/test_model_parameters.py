"""Default parameters reproduce the published anchors they are documented with, and inputs are validated."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.errors import DataError
from k2020proj.models import OCCUPATIONS, SERVICES, make_inputs, synthetic_inputs
from k2020proj.models.parameters import (AGE_GROUP_COUNTS, FTE_PER_PERSON, USER_RATE_GROUPS, USER_RATES, WORK_AGE_GROUPS,
                                         WORK_AGES, default_exit_rates, default_inflow_profile, default_mix,
                                         default_stock_profiles, default_user_profiles, leaving_sector,
                                         leaving_working_life)

NURSES_2015 = np.array([41.0, 37.8, 19.7, 1.5])


def _groups(by_age: np.ndarray) -> np.ndarray:
    return np.array([by_age[lo - 16:hi - 15].sum() for lo, hi in WORK_AGE_GROUPS])


def test_default_exits_give_the_average_exit_age_of_about_65_7():
    """Leaving working life (the retirement/disability part) gives a worker present at 50 an
    average exit age near NAV's 65.7 (2018): exits during age a count as a + 0.5."""
    hazard = leaving_working_life()
    hazard[-1] = 1.0
    from_50 = hazard[WORK_AGES >= 50]
    staying = np.cumprod(np.r_[1.0, 1.0 - from_50[:-1]])
    leaving = staying * from_50
    assert leaving.sum() == pytest.approx(1.0)
    assert (leaving * (WORK_AGES[WORK_AGES >= 50] + 0.5)).sum() == pytest.approx(65.7, abs=0.2)


def test_default_exits_and_inflow_give_the_nurse_age_distribution_of_2015():
    """A constant inflow with the default recruit ages and exit rates settles at an age
    distribution within 1.5 points of nurses' 2015 (15–39 41.0 %, 40–54 37.8 %, 55–66 19.7 %, 67+ 1.5 %)."""
    keep = 1.0 - default_exit_rates()
    inflow = default_inflow_profile().sum(axis=0)
    stock = np.zeros(WORK_AGES.size)
    for i in range(WORK_AGES.size):
        stock[i] = (stock[i - 1] * keep[i - 1] if i else 0.0) + inflow[i]
    shares = 100 * _groups(stock) / stock.sum()
    np.testing.assert_allclose(shares, NURSES_2015, atol=1.5)


def test_exit_rates_rise_from_62_and_peak_at_pension_age_and_the_age_limit():
    """Retirement rises from 62; the general pension age 67 and the public age limit 70 are peaks;
    the exit rate combines leaving working life and leaving the sector."""
    np.testing.assert_allclose(1 - default_exit_rates(), (1 - leaving_working_life()) * (1 - leaving_sector()))
    rates = dict(zip(WORK_AGES, default_exit_rates()))
    assert rates[62] > 2 * rates[61]
    assert rates[67] > rates[66] and rates[67] > rates[68]
    assert rates[70] == max(rates[a] for a in range(16, 74))


def test_stock_profiles_keep_the_published_age_group_shares():
    """Each occupation's single-year profile sums to 1 and keeps its published age-group shares."""
    profiles = default_stock_profiles()
    assert profiles.shape == (len(OCCUPATIONS), 2, WORK_AGES.size) and (profiles >= 0).all()
    np.testing.assert_allclose(profiles.sum(axis=(1, 2)), 1.0)
    for position, occupation in enumerate(OCCUPATIONS):
        published = np.asarray(AGE_GROUP_COUNTS[occupation], dtype=float)
        np.testing.assert_allclose(_groups(profiles[position].sum(axis=0)), published / published.sum(), rtol=1e-9)


def test_fte_per_person_uses_the_position_sizes():
    """Nurses 84 %, auxiliary nurses / health-care workers 76 % (Helsedirektoratet 2009)."""
    assert (FTE_PER_PERSON["spl"], FTE_PER_PERSON["hfa"]) == (0.84, 0.76)
    assert set(FTE_PER_PERSON) == set(OCCUPATIONS)


def test_user_profiles_keep_the_recorded_group_rates():
    """Home care and institution use per inhabitant, summed over each age group of the base
    population, reproduce the recorded group rates."""
    world = synthetic_inputs(n_regions=20, n_counties=2, horizon=2026)
    base = world.population[..., 0]
    profiles = default_user_profiles(SERVICES, base)
    national = base.sum(axis=(0, 1))
    for service, rates in USER_RATES.items():
        use = profiles[SERVICES.index(service), 0]
        for (lo, hi), rate in zip(USER_RATE_GROUPS, rates):
            assert (use[lo:hi + 1] * national[lo:hi + 1]).sum() / national[lo:hi + 1].sum() == pytest.approx(rate, rel=1e-6)


def test_default_mix_rows_sum_to_one():
    """Every occupation's FTEs are fully allocated to services."""
    np.testing.assert_allclose(default_mix().sum(axis=1), 1.0)
    assert default_mix(("hsyk",), SERVICES)[0, SERVICES.index("health_station")] == 1.0


def test_inputs_are_validated_with_clear_messages():
    """Wrong shapes, negative or missing values, exit rates above 1 and unknown occupations are DataErrors."""
    world = synthetic_inputs(n_regions=3, n_counties=1, horizon=2027)
    with pytest.raises(DataError, match="'base_fte' has shape"):
        world.replace(base_fte=np.ones((2, 12)))
    with pytest.raises(DataError, match="'base_fte' has missing values"):
        world.replace(base_fte=np.full((3, 12), np.nan))
    with pytest.raises(DataError, match="exit rates must lie in"):
        world.replace(exit_rates=world.exit_rates * 10)
    with pytest.raises(DataError, match="no default service mix for occupation nurse; give it"):
        make_inputs(world.regions, world.counties, world.population, world.years, np.ones((3, 1)), occupations=("nurse",))
    with pytest.raises(DataError, match="consecutive"):
        world.replace(years=(2024, 2025, 2027, 2028), population=world.population[..., :4])
    with pytest.raises(DataError, match="regions not in the model inputs: 0301"):
        world.subset(["0301"])
