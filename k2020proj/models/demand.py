"""Demand: municipal service use driven by population, in FTEs per occupation.

For municipality k, service j, occupation o and year t (base year t0):

    I[k,j,t] = sum_{s,a} P[k,s,a,t] u[j,s,a - θ·ΔLE·(t-t0)]  /  sum_{s,a} P[k,s,a,t0] u[j,s,a]
    D[k,o,t] = D0[k,o] * (1+g)^(t-t0) (1-w)^(t-t0) * sum_j m[k,o,j] I[k,j,t] F[k,j,t]

- ``u`` is relative use per inhabitant by sex and age; health improvement shifts it to
  older ages by θ·ΔLE (θ = 0: pure demography), linear between single years.
- ``F`` is the family-care factor, 1 except for home care and institutions, where it is
  ``1 + φ (r_t/r_t0 - 1)`` with r the number of persons 85+ per person 50–66 in the
  municipality (fewer relatives per elderly person → more formal care).
- ``g`` is the standard change (SSB's reference +0.5 %/yr), ``w`` a welfare-technology saving.
- Task shifting moves a ramped share of nurses' demand to health-care workers.

Everything is vectorised over (draw, municipality, occupation, service, year).
"""
from __future__ import annotations

import numpy as np

#: services whose demand the family-care lever raises
FAMILY_CARE_SERVICES = ("home_care", "ltc")
#: ages of the family-care ratio: persons 85+ per person 50–66
ELDERLY_AGES, CARER_AGES = (85, 106), (50, 67)


def index_terms(population: np.ndarray, profiles: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerators (D, K, J, T) and base-year denominators (K, J) of the service indices.

    ``population`` (K, S, 106, T), first year the base year; ``profiles`` (J, 2, 106) or
    (K, J, 2, 106), averaged over sex when the population has one sex; ``shift`` (D, T)
    years by which use moves to older ages (0 in the base year).
    """
    if population.shape[1] == 1:
        profiles = profiles.mean(axis=-2, keepdims=True)
    whole = np.arange(int(np.ceil(shift.max(initial=0.0))) + 1)
    ages = np.arange(population.shape[2])
    shifted = profiles[..., np.maximum(ages[None, :] - whole[:, None], 0)]          # (..., J, S, N, A)
    regions, sexes, n_ages, n_years = population.shape
    flat = population.reshape(regions, sexes * n_ages, n_years)
    weights = np.moveaxis(shifted, -2, -3).reshape(shifted.shape[:-4] + (-1, sexes * n_ages))  # (..., J·N, S·A)
    sums = np.matmul(weights, flat).reshape(regions, -1, whole.size, n_years).transpose(2, 0, 1, 3)  # (N, K, J, T)
    lower = np.floor(shift).astype(np.intp)
    frac = (shift - lower)[:, :, None, None]
    years = np.arange(population.shape[-1])
    by_year = sums.transpose(0, 3, 1, 2)                                            # (N, T, K, J)
    upper = np.minimum(lower + 1, whole[-1])
    numerator = (1.0 - frac) * by_year[lower, years] + frac * by_year[upper, years]
    return numerator.transpose(0, 2, 3, 1), sums[0, :, :, 0]


def service_index(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """I = numerator / base-year denominator; 1 where the base use is zero. Exactly 1 in the base year."""
    den = denominator[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, numerator / np.where(den > 0, den, 1.0), 1.0)


def family_factor(population: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Family-care multiplier (D, K, T): 1 + φ (r_t / r_t0 - 1), r = persons 85+ per person 50–66.

    Where a municipality has nobody in either group in the base year, r_t/r_t0 is taken as 1.
    """
    elderly = population[:, :, slice(*ELDERLY_AGES)].sum(axis=(1, 2))
    carers = population[:, :, slice(*CARER_AGES)].sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = elderly / carers
        relative = ratio / ratio[:, :1]
    relative = np.where(np.isfinite(relative), relative, 1.0)
    return np.maximum(1.0 + share[:, None, None] * (relative[None] - 1.0), 0.0)


def standard_growth(standard_change: np.ndarray, saving: np.ndarray, elapsed: np.ndarray) -> np.ndarray:
    """(1+g)^(t-t0) (1-w)^(t-t0) per draw and year (D, T)."""
    return ((1.0 + standard_change[:, None]) * (1.0 - saving[:, None])) ** elapsed[None, :]


def project_demand(base: np.ndarray, mix: np.ndarray, index: np.ndarray, family: np.ndarray,
                   family_services: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Demand in FTEs (D, K, O, T).

    ``base`` (K, O) base-year FTEs plus any initial shortage; ``mix`` (O, J) or (K, O, J)
    rows summing to 1; ``index`` (D, K, J, T); ``family`` (D, K, T); ``family_services``
    (J,) 1 for the services the family factor applies to; ``growth`` (D, T).
    """
    volume = index * (1.0 + family_services[None, None, :, None] * (family[:, :, None, :] - 1.0))
    spec = "dkjt,oj->dkot" if mix.ndim == 2 else "dkjt,koj->dkot"
    shares = np.einsum(spec, volume, mix / mix.sum(axis=-1, keepdims=True), optimize=True)
    return base[None, :, :, None] * shares * growth[:, None, None, :]


def shift_tasks(demand: np.ndarray, source: int, target: int, share: np.ndarray) -> np.ndarray:
    """Move ``share`` (D, T) of occupation ``source``'s demand to ``target`` (FTE for FTE)."""
    moved = demand[:, :, source] * share[:, None, :]
    out = demand.copy()
    out[:, :, source] -= moved
    out[:, :, target] += moved
    return out
