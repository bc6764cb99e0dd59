"""Supply building blocks: splitting totals, the base stock, the calibrated inflow and the exit-rate levers."""
from __future__ import annotations

import numpy as np

from k2020proj.models import split_total_by_profile
from k2020proj.models import supply as sp
from k2020proj.models.parameters import WORK_AGES, default_exit_rates, default_stock_profiles


def test_split_keeps_the_totals_and_follows_the_profile():
    """Split persons sum to the municipal total and have the profile's shape."""
    profile = default_stock_profiles(("spl", "hfa"))
    totals = np.array([[100.0, 50.0], [0.0, 7.0]])
    split = split_total_by_profile(totals, profile)
    np.testing.assert_allclose(split.sum(axis=(-2, -1)), totals)
    np.testing.assert_allclose(split[0, 0] / 100.0, profile[0] / profile[0].sum())


def test_base_stock_matches_the_base_year_ftes():
    """Split or rescaled, the base stock's FTEs equal the observed FTEs; an empty municipal stock
    with positive FTEs falls back to the split and is flagged as estimated."""
    profile = default_stock_profiles(("spl",))
    fte = np.full((1, 2, WORK_AGES.size), 0.8)
    base = np.array([[80.0], [40.0]])
    split, estimated = sp.base_stock(base, fte, profile)
    np.testing.assert_allclose((split * fte).sum(axis=(-2, -1)), base)
    assert estimated
    stock = np.zeros((2, 1, 2, WORK_AGES.size))
    stock[0, 0, 1, 10] = 5.0
    scaled, estimated = sp.base_stock(base, fte, profile, stock)
    np.testing.assert_allclose((scaled * fte).sum(axis=(-2, -1)), base)
    assert scaled[0, 0, 1, 10] == 100.0 and estimated
    _, estimated = sp.base_stock(base[:1], fte, profile, stock[:1])
    assert not estimated


def test_calibrated_inflow_replaces_first_year_exits_plus_growth():
    """Recruits = Σ N x (with everyone at 74 leaving) + growth × N, never negative."""
    stock = np.zeros((1, 1, 2, WORK_AGES.size))
    stock[..., 0, 10], stock[..., 1, -1] = 100.0, 4.0
    rates = np.full((1, 2, WORK_AGES.size), 0.05)
    np.testing.assert_allclose(sp.calibrated_inflow(stock, rates, np.array([[0.0]])), [[100 * 0.05 + 4]])
    np.testing.assert_allclose(sp.calibrated_inflow(stock, rates, np.array([[0.02]])), [[5 + 4 + 0.02 * 104]])
    assert sp.calibrated_inflow(stock, rates, np.array([[-0.5]]))[0, 0] == 0.0


def test_retirement_delay_moves_the_schedule_from_60_and_exit_factor_scales_it():
    """delay d: x'(a) = x(max(a − d, 60)) from 60 (linear between ages), unchanged below 60;
    factor multiplies every rate, capped at 1."""
    base = default_exit_rates()[None, None, :]
    moved = sp.adjust_exit_rates(base, np.array([1.0, 1.0, 20.0]), np.array([2.0, 0.5, 0.0]))
    age = {a: i for i, a in enumerate(WORK_AGES)}
    np.testing.assert_allclose(moved[0, 0, 0, :age[60]], base[0, 0, :age[60]])
    assert moved[0, 0, 0, age[69]] == base[0, 0, age[67]] and moved[0, 0, 0, age[61]] == base[0, 0, age[60]]
    assert moved[1, 0, 0, age[67]] == 0.5 * (base[0, 0, age[67]] + base[0, 0, age[66]])
    assert moved[2].max() == 1.0


def test_fulltime_weights_keep_fte_per_person_between_0_and_1():
    """Closing the gap: f + c r (1 − f); reducing: f (1 + c r); ramped over ten years."""
    ramped = sp.ramp(np.arange(2024, 2040), 2024)
    assert ramped[0] == 0.0 and ramped[5] == 0.5 and ramped[-1] == 1.0
    alpha, beta = sp.fulltime_weights(np.array([1.0, -1.0, 0.3]), ramped)
    f = np.linspace(0.0, 1.0, 11)[:, None, None]
    ft = alpha[None] * f + beta[None]
    assert ft.min() >= 0.0 and ft.max() <= 1.0
    np.testing.assert_allclose(ft[:, 0, -1], 1.0)
    np.testing.assert_allclose(ft[:, 2, 10], f[:, 0, 0] + 0.3 * (1 - f[:, 0, 0]))


def test_transfers_follow_chains_between_occupations():
    """With transfers 0→1 and 1→2 at 50 % a year (no exits, no recruits), people starting in 0
    are split 0.5/0.5/0 after one year and 0.25/0.5/0.25 after two: a chain reaches occupation 2."""
    stock = np.zeros((1, 3, 2, WORK_AGES.size))
    stock[0, 0, 1, 5] = 100.0
    matrices = np.zeros((2, 3, 3))
    matrices[0, 0, 0], matrices[0, 0, 1] = -1.0, 1.0
    matrices[1, 1, 1], matrices[1, 1, 2] = -1.0, 1.0
    transfers = sp.Transfers(matrices=matrices, rates=np.array([[0.5, 0.5]]), windows=np.ones((2, WORK_AGES.size)))
    flat = np.ones((3, 2, WORK_AGES.size))
    result = sp.project_supply(stock, np.zeros((1, 3, 2, WORK_AGES.size)), flat, flat, np.zeros((1, 3)),
                               np.ones((1, 1, 3)), transfers, np.ones((1, 3)), np.zeros((1, 3)))
    np.testing.assert_allclose(result.persons[0, 0], [[100, 50, 25], [0, 50, 50], [0, 0, 25]])
