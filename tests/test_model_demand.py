"""Demand: service indices from user profiles × population, the health and family levers, standard change."""
from __future__ import annotations

import numpy as np

from k2020proj.models import demand as dm


def _population(seed: int = 0, regions: int = 3, years: int = 6) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 100.0, (regions, 2, 106, years))


def _profiles(seed: int = 1, services: int = 2) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.0, 1.0, (services, 2, 106))


def test_index_is_use_weighted_population_relative_to_the_base_year():
    """I[k,j,t] = Σ P u / Σ P0 u, computed here directly with einsum."""
    population, profiles = _population(), _profiles()
    numerator, denominator = dm.index_terms(population, profiles, np.zeros((1, 6)))
    expected = np.einsum("ksat,jsa->kjt", population, profiles)
    np.testing.assert_allclose(dm.service_index(numerator, denominator)[0], expected / expected[..., :1], rtol=1e-12)


def test_health_improvement_shifts_use_to_older_ages():
    """A shift of exactly 2 years uses u at age a − 2 (u at age 0 below that); halfway between
    two whole shifts the numerator is the mean of the two."""
    population, profiles = _population(), _profiles()
    shift = np.array([[0.0, 2.0, 2.5, 0.0, 0.0, 0.0]])
    numerator, _ = dm.index_terms(population, profiles, shift)
    ages = np.arange(106)
    by_two = profiles[..., np.maximum(ages - 2, 0)]
    by_three = profiles[..., np.maximum(ages - 3, 0)]
    np.testing.assert_allclose(numerator[0, :, :, 1], np.einsum("ksa,jsa->kj", population[..., 1], by_two), rtol=1e-12)
    halfway = 0.5 * (np.einsum("ksa,jsa->kj", population[..., 2], by_two)
                     + np.einsum("ksa,jsa->kj", population[..., 2], by_three))
    np.testing.assert_allclose(numerator[0, :, :, 2], halfway, rtol=1e-12)


def test_municipal_profiles_and_a_single_sex_population_are_supported():
    """Profiles per municipality (K, J, 2, 106) are used as given; with a both-sexes population
    (one sex code) the profile is averaged over sex."""
    population, profiles = _population(), _profiles()
    local = np.stack([profiles * (k + 1) for k in range(3)])
    numerator, _ = dm.index_terms(population, local, np.zeros((1, 6)))
    np.testing.assert_allclose(numerator[0], np.einsum("ksat,kjsa->kjt", population, local), rtol=1e-12)
    both = population.sum(axis=1, keepdims=True)
    numerator, _ = dm.index_terms(both, profiles, np.zeros((1, 6)))
    np.testing.assert_allclose(numerator[0], np.einsum("kat,ja->kjt", both[:, 0], profiles.mean(axis=1)), rtol=1e-12)


def test_index_is_one_where_the_base_use_is_zero():
    """A municipality with no users of a service in the base year keeps index 1 rather than dividing by 0."""
    population = _population()
    population[0] = 0.0
    numerator, denominator = dm.index_terms(population, _profiles(), np.zeros((1, 6)))
    assert (dm.service_index(numerator, denominator)[0, 0] == 1.0).all()


def test_family_factor_follows_elderly_per_relative():
    """F = 1 + φ (r_t / r_t0 − 1) with r = persons 85+ / persons 50–66; φ = 0 gives 1."""
    population = np.zeros((1, 1, 106, 2))
    population[0, 0, 90] = [10.0, 30.0]
    population[0, 0, 55] = [100.0, 150.0]
    factor = dm.family_factor(population, np.array([0.0, 0.5]))
    np.testing.assert_allclose(factor[:, 0], [[1.0, 1.0], [1.0, 1.0 + 0.5 * (0.2 / 0.1 - 1.0)]])


def test_demand_combines_mix_index_family_and_standard_change():
    """D = D0 (1+g)^t (1−w)^t Σ_j m I F, for a worked example with two services."""
    index = np.array([[[[1.0, 1.2], [1.0, 2.0]]]])          # (D=1, K=1, J=2, T=2)
    family = np.array([[[1.0, 1.5]]])
    growth = dm.standard_growth(np.array([0.01]), np.array([0.0]), np.array([0.0, 1.0]))
    demand = dm.project_demand(np.array([[100.0]]), np.array([[0.25, 0.75]]), index, family,
                               np.array([0.0, 1.0]), growth)
    np.testing.assert_allclose(demand[0, 0, 0], [100.0, 100.0 * 1.01 * (0.25 * 1.2 + 0.75 * 2.0 * 1.5)])


def test_task_shifting_moves_fte_for_fte():
    """The moved share leaves the source and arrives at the target; the total is unchanged."""
    demand = np.ones((1, 2, 3, 4))
    shifted = dm.shift_tasks(demand, 0, 2, np.full((1, 4), 0.25))
    np.testing.assert_allclose(shifted[0, :, [0, 1, 2]], np.array([0.75, 1.0, 1.25])[:, None, None] * np.ones((3, 2, 4)))
    np.testing.assert_allclose(shifted.sum(axis=2), demand.sum(axis=2))
