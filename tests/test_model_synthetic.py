"""The synthetic world is seeded, shaped like the model's inputs, labelled synthetic and not Norwegian."""
from __future__ import annotations

import numpy as np

from k2020proj.models import OCCUPATIONS, synthetic_inputs
from k2020proj.models.synthetic import NATIONAL_FTE


def test_synthetic_world_is_reproducible_from_its_seed():
    """Same seed → identical arrays; another seed → different population."""
    first, again, other = synthetic_inputs(20, 2, seed=5), synthetic_inputs(20, 2, seed=5), synthetic_inputs(20, 2, seed=6)
    assert np.array_equal(first.population, again.population) and np.array_equal(first.base_fte, again.base_fte)
    assert not np.array_equal(first.population, other.population)


def test_synthetic_world_has_the_national_shape_and_is_labelled():
    """357 municipalities in 15 counties, all 12 occupations, 2024–2050, about 5.5 million people,
    national FTE totals as stated, labelled synthetic, in counties that do not exist in Norway."""
    world = synthetic_inputs()
    assert len(world.regions) == 357 and len(set(world.counties)) == 15 and len(set(world.regions)) == 357
    assert world.occupations == OCCUPATIONS and world.years[0] == 2024 and world.years[-1] == 2050
    assert 5.0e6 < world.population[..., 0].sum() < 6.0e6
    np.testing.assert_allclose(world.base_fte.sum(axis=0), [NATIONAL_FTE[o] for o in OCCUPATIONS])
    assert world.synthetic and world.meta["source"].startswith("k2020proj synthetic")
    assert all(81 <= int(c) <= 95 for c in world.counties)
    assert all(r.startswith(c) and len(r) == 4 for r, c in zip(world.regions, world.counties))


def test_synthetic_stock_option_gives_a_municipal_age_sex_stock():
    """with_stock adds a (K, O, 2, 59) stock whose FTEs are in proportion to the base FTEs."""
    world = synthetic_inputs(10, 2, with_stock=True)
    assert world.stock.shape == (10, 12, 2, 59) and (world.stock >= 0).all()
