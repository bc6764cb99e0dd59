"""A seeded synthetic world: model inputs for N municipalities × all occupations, labelled synthetic.

For tests, benchmarks and known-truth backtests, never for presenting results.
Region codes are 4 digits in counties ``81``–``95``, which do not exist in Norway,
so synthetic numbers cannot pass for a real municipality's. The population is
made by a simple cohort-component projection (Gompertz mortality, births from
women 20–44, net migration at 20–40 with a municipal trend); base-year FTEs are
national synthetic totals spread over municipalities by their service use, with
noise; the recent growth of the stock is drawn around 1 % a year.
"""
from __future__ import annotations

import numpy as np

from k2020proj.models.parameters import (OCCUPATIONS, POP_AGES, SERVICES, WORK_AGES, ModelInputs, default_mix,
                                         default_stock_profiles, default_user_profiles, make_inputs)

#: synthetic national FTEs per occupation in the base year (not SSB figures)
NATIONAL_FTE = {"spl": 33000, "hfa": 42000, "vpl": 9000, "lege": 6000, "fys": 4000, "erg": 2500,
                "hsyk": 3500, "jord": 800, "psyk": 1200, "sos": 4000, "annen_h": 12000, "ufag": 36000}
FIRST_COUNTY = 81


def synthetic_inputs(n_regions: int = 357, n_counties: int = 15, base_year: int = 2024, horizon: int = 2050,
                     seed: int = 2020, with_stock: bool = False) -> ModelInputs:
    """Model inputs for a synthetic country (population ≈ 5.5 million for 357 municipalities).

    ``with_stock`` adds a municipal age-sex stock (otherwise the model splits totals by
    the national profile, as it must with SSB's municipal FTE tables).
    """
    rng = np.random.default_rng(seed)
    counties = tuple(str(FIRST_COUNTY + i) for i in np.arange(n_regions) * n_counties // n_regions)
    regions = tuple(f"{c}{i + 1:02d}" for c, i in zip(counties, _rank_within(counties)))
    years = np.arange(base_year, horizon + 1)
    population = _population(rng, n_regions, years.size)
    users = default_user_profiles(SERVICES, population[..., 0])
    base_fte = _base_fte(rng, population[..., 0], users)
    extra = {"stock": _stock(rng, base_fte)} if with_stock else {}
    meta = {"synthetic": True, "source": f"k2020proj synthetic world (seed {seed})", "structure": "synthetic",
            "tables": [], "alternative": "MMMM"}
    return make_inputs(regions, counties, population, years, base_fte, base_year=base_year, meta=meta,
                       user_profiles=users, recent_growth=rng.normal(0.01, 0.01, base_fte.shape), **extra)


def _rank_within(groups: tuple[str, ...]) -> np.ndarray:
    """Position of each item within its (contiguous) group."""
    codes = np.asarray(groups)
    starts = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1]
    return np.arange(codes.size) - np.repeat(starts, np.diff(np.r_[starts, codes.size]))


def _population(rng: np.random.Generator, n_regions: int, n_years: int) -> np.ndarray:
    """Population (K, 2, 106, T) by a cohort-component projection from a synthetic base year."""
    ages = POP_AGES.astype(np.float64)
    mortality = np.minimum(0.0002 + np.exp(-10.5 + 0.095 * ages), 0.7)
    survival = np.stack([1 - 1.15 * mortality, 1 - mortality])                        # men, women
    cohort = 1.0 + 0.25 * np.exp(-0.5 * ((ages - 62) / 8) ** 2) + 0.1 * np.exp(-0.5 * ((ages - 33) / 6) ** 2)
    base_shape = cohort * np.cumprod(np.r_[1.0, survival.mean(axis=0)[:-1]])
    size = np.exp(rng.normal(8.6, 1.25, n_regions))
    size *= 5.5e6 / size.sum()
    tilt = np.exp(np.outer(rng.normal(-0.08 * np.log(size / size.mean()), 0.15), (ages - 40) / 40))
    shape = base_shape * tilt
    by_sex = np.cumprod(np.c_[np.ones((2, 1)), survival[:, :-1] / survival.mean(axis=0)[:-1]], axis=1)
    first = 0.5 * size[:, None, None] * (shape / shape.sum(axis=1, keepdims=True))[:, None, :] * by_sex[None]
    trend = rng.normal(0.0, 0.006, n_regions)
    migration = np.exp(-0.5 * ((ages - 28) / 7) ** 2)
    migration /= migration.sum()
    out = np.empty(first.shape + (n_years,))
    out[..., 0] = first
    for t in range(1, n_years):
        out[..., t] = _next_year(out[..., t - 1], survival, migration, trend)
    return out


def _next_year(pop: np.ndarray, survival: np.ndarray, migration: np.ndarray, trend: np.ndarray) -> np.ndarray:
    """One cohort-component step: survive and age, open group 105+, births, net migration."""
    aged = np.zeros_like(pop)
    aged[..., 1:] = pop[..., :-1] * survival[None, :, :-1]
    aged[..., -1] += pop[..., -1] * survival[None, :, -1]
    births = 0.056 * pop[:, 1, 20:45].sum(axis=-1)
    aged[..., 0] = births[:, None] * np.array([0.513, 0.487])
    net = (0.004 + trend) * pop.sum(axis=(1, 2))
    return np.maximum(aged + 0.5 * net[:, None, None] * migration[None, None, :], 0.0)


def _base_fte(rng: np.random.Generator, population: np.ndarray, users: np.ndarray) -> np.ndarray:
    """Base-year FTEs (K, O): national totals spread by each municipality's service use, with noise."""
    use = np.einsum("ksa,jsa->kj", population, users)
    weight = use @ default_mix(OCCUPATIONS, SERVICES).T * rng.lognormal(0.0, 0.15, (use.shape[0], len(OCCUPATIONS)))
    totals = np.array([NATIONAL_FTE[o] for o in OCCUPATIONS])
    return weight / weight.sum(axis=0) * totals


def _stock(rng: np.random.Generator, base_fte: np.ndarray) -> np.ndarray:
    """A municipal age-sex stock (K, O, 2, 59): the national profile with a random age tilt."""
    tilt = np.exp(np.einsum("ko,a->koa", rng.normal(0.0, 0.3, base_fte.shape), (WORK_AGES - 45) / 30))
    return default_stock_profiles()[None] * tilt[:, :, None, :] * base_fte[..., None, None]
