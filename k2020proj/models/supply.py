"""Supply: the workforce cohort model per municipality, occupation, sex and age 16–74.

For municipality k, occupation o, sex s and age a the stock of employed persons follows

    N[a+1, t+1] = U_a( N[a, t] * (1 - x[o,s,a]) ) + R[k,o,s,a+1, t+1]
    S[k,o,t]    = sum over s, a of N[k,o,s,a,t] * f[o,s,a]

in this order each year: exits at age a (x; everyone still at 74 leaves, the
oldest closed age), upskilling transfers U between occupations among those who
stay (people conserved), ageing by one year, then the year's recruits R.

How it is computed. The model is linear in the base stock and in the inflow, and
exit and transfer rates do not depend on the municipality. So the fate of one
person of each (occupation, sex, age) is followed once, for all municipalities:
the propagator ``G_L[s, a0, f→o]`` is the probability that a person who is in
occupation f at age a0 in the base year is in occupation o L years later. Every
municipality's stock after L years is then a matrix product of its base stock with
``G_L``, and the recruits are a convolution of the yearly inflow with ``G``. There
is a loop over years and none over municipalities, occupations, sexes or ages.
Only (f, o) pairs that transfers can connect are carried (the diagonal plus, say,
ufag→hfa), so the cost grows with the number of transfers, not with occupations².

FTE per person can change over time through the full-time lever as
``f_t = alpha_t * f + beta_t`` (see :func:`fulltime_weights`), so FTEs are
``alpha_t * FTE(f) + beta_t * persons``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from k2020proj.models.parameters import WORK_AGES

#: age from which the retirement-delay lever moves the exit schedule
RETIREMENT_PIVOT = 60
#: years over which ramped levers (full time, task shifting) reach their value
RAMP_YEARS = 10


@dataclass(frozen=True, eq=False)
class Transfers:
    """Upskilling channels: ``matrices`` (C, O, O) with -1 on the source's diagonal and the
    destination shares in its row (rows sum to 0: people conserved), ``rates`` (D, C) the
    annual share moved per draw, ``windows`` (C, 59) the ages (0/1) at which people move."""

    matrices: np.ndarray
    rates: np.ndarray
    windows: np.ndarray


@dataclass(frozen=True, eq=False)
class SupplyResult:
    """Projected supply, each (D, K, O, T): persons and FTEs on 1 January-style dates,
    and flows in the year ending at t (0 in the base year): exits in persons and FTEs,
    recruits (persons)."""

    persons: np.ndarray
    fte: np.ndarray
    exits: np.ndarray
    exits_fte: np.ndarray
    inflow: np.ndarray


def split_total_by_profile(total: np.ndarray, profile: np.ndarray) -> np.ndarray:
    """Split totals (..., O) over sex and age by a profile (O, 2, 59): (..., O, 2, 59).

    Used where a table gives a municipality's total without an age-sex split; the
    result is an estimate and outputs record it (``stock_split_estimated``).
    """
    shares = profile / profile.sum(axis=(-2, -1), keepdims=True)
    return np.asarray(total, dtype=np.float64)[..., None, None] * shares


def base_stock(base_fte: np.ndarray, fte_per_person: np.ndarray, profile: np.ndarray,
               stock: np.ndarray | None = None) -> tuple[np.ndarray, bool]:
    """The base-year stock (K, O, 2, 59) whose FTEs equal ``base_fte`` (K, O).

    With an age-sex ``stock`` it is rescaled to the FTE level (the stock gives the
    shape, the FTE table the level); else, and where that stock is empty, persons
    are FTEs over the profile's mean FTE per person, split by the profile.
    Returns the stock and whether any part was split from the profile.
    """
    shares = profile / profile.sum(axis=(-2, -1), keepdims=True)
    split = split_total_by_profile(base_fte / (shares * fte_per_person).sum(axis=(-2, -1)), profile)
    if stock is None:
        return split, True
    stock_fte = (stock * fte_per_person).sum(axis=(-2, -1))
    usable = stock_fte > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        scaled = stock * np.where(usable, base_fte / stock_fte, 0.0)[..., None, None]
    estimated = bool((~usable & (base_fte > 0)).any())
    return np.where(usable[..., None, None], scaled, split), estimated


def with_age_out(exit_rates: np.ndarray) -> np.ndarray:
    """Exit rates with everyone leaving at the oldest closed age (74)."""
    out = np.array(exit_rates, dtype=np.float64)
    out[..., -1] = 1.0
    return out


def calibrated_inflow(stock: np.ndarray, exit_rates: np.ndarray, growth: np.ndarray) -> np.ndarray:
    """Constant yearly recruits (K, O) that replace the first year's exits and add ``growth``.

    SSB's 2019 convention (constant annual inflow): the inflow that kept the stock in
    line with its observed recent change, here the first year's outflow at the base
    exit rates plus ``growth`` (annual relative change, default 0 = base-year balance)
    times the stock. Levers scale it; they never re-calibrate it.
    """
    outflow = (stock * with_age_out(exit_rates)).sum(axis=(-2, -1))
    return np.maximum(outflow + growth * stock.sum(axis=(-2, -1)), 0.0)


def adjust_exit_rates(exit_rates: np.ndarray, factor: np.ndarray, delay: np.ndarray) -> np.ndarray:
    """Exit rates (D, O, 2, 59) after the retention levers.

    ``delay`` (D,) years moves the schedule from age 60 later (x'(a) = x(max(a - delay, 60)),
    linear between ages; negative = earlier); ``factor`` (D,) multiplies every rate (capped at 1).
    """
    ages = WORK_AGES.astype(np.float64)
    source = np.where(ages >= RETIREMENT_PIVOT,
                      np.clip(ages[None, :] - delay[:, None], RETIREMENT_PIVOT, ages[-1]), ages)
    pos = source - ages[0]
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, ages.size - 1)
    weight = pos - lo
    shifted = exit_rates[..., lo] * (1.0 - weight) + exit_rates[..., hi] * weight
    return np.minimum(np.moveaxis(shifted, -2, 0) * factor[:, None, None, None], 1.0)


def ramp(years: np.ndarray, base_year: int) -> np.ndarray:
    """Share of a ramped lever in force in each year: 0 in the base year, 1 after RAMP_YEARS."""
    return np.clip((np.asarray(years) - base_year) / RAMP_YEARS, 0.0, 1.0)


def fulltime_weights(fulltime: np.ndarray, ramped: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``alpha``, ``beta`` (D, T) with f_t = alpha * f + beta.

    A positive lever c closes the share c·ramp of the gap to full time
    (f + c·r·(1 - f)); a negative one removes the share |c|·r of f. So f stays in [0, 1].
    """
    c = np.asarray(fulltime)[:, None] * ramped[None, :]
    alpha = np.where(c >= 0, 1.0 - c, 1.0 + c)
    return alpha, np.maximum(c, 0.0)


def project_supply(stock: np.ndarray, exit_rates: np.ndarray, fte_per_person: np.ndarray,
                   inflow_profile: np.ndarray, inflow_total: np.ndarray, inflow_mult: np.ndarray,
                   transfers: Transfers, alpha: np.ndarray, beta: np.ndarray) -> SupplyResult:
    """Project the stock over T years (module docstring).

    ``stock`` (K, O, 2, 59) base year; ``exit_rates`` (D, O, 2, 59); ``fte_per_person``
    and ``inflow_profile`` (O, 2, 59); ``inflow_total`` (K, O) recruits per year before
    multipliers; ``inflow_mult`` (D, K, T) multiplier per year (column 0 unused);
    ``alpha``, ``beta`` (D, T) the full-time weights.
    """
    draws, years = inflow_mult.shape[0], inflow_mult.shape[-1]
    pf, po = _pairs(transfers.matrices, stock.shape[1])
    prop = _Propagator(exit_rates, fte_per_person, transfers, pf, po, years)
    flat_stock = np.ascontiguousarray(stock[:, pf].reshape(stock.shape[0], pf.size, -1).transpose(1, 0, 2))  # (P, K, S·A)
    flat_profile = (inflow_profile / inflow_profile.sum(axis=(-2, -1), keepdims=True))[pf].reshape(pf.size, -1)
    totals = np.zeros((years, pf.size, stock.shape[0], 4, draws))          # by (from, to) pair
    responses = np.empty((years, pf.size, 4, draws))
    for lag in range(years):
        kinds = prop.kinds(lag)                                           # (P, S·A, 4·D)
        # einsum batches one BLAS product per pair; np.matmul on stacks is far slower here
        totals[lag] = np.einsum("pkn,pnx->pkx", flat_stock, kinds, optimize=True).reshape(totals.shape[1:])
        responses[lag] = np.einsum("pn,pnx->px", flat_profile, kinds, optimize=True).reshape(responses.shape[1:])
        if lag:
            totals[lag] += _recruits(inflow_mult, responses, inflow_total[:, pf], lag)
    return _result(_by_destination(totals, pf, po), inflow_total, inflow_mult, alpha, beta)


def _recruits(mult: np.ndarray, responses: np.ndarray, entry_total: np.ndarray, t: int) -> np.ndarray:
    """Recruits of years 1..t still present in year t, by pair (P, K, 4, D).

    ``responses`` (T, P, 4, D) is what remains of one year's recruits after each lag;
    recruits of year τ have lag t - τ.
    """
    pairs, draws = responses.shape[1], responses.shape[-1]
    lagged = responses[t - 1::-1].reshape(t, pairs * 4, draws).transpose(2, 0, 1)   # (D, t, P·4)
    conv = np.matmul(mult[:, :, 1:t + 1], lagged)                                     # (D, K, P·4)
    conv = conv.reshape(draws, -1, pairs, 4).transpose(2, 1, 3, 0)                    # (P, K, 4, D)
    return conv * entry_total.T[:, :, None, None]


def _result(totals: np.ndarray, inflow_total: np.ndarray, inflow_mult: np.ndarray,
            alpha: np.ndarray, beta: np.ndarray) -> SupplyResult:
    """Supply arrays (D, K, O, T) from the totals (T, O, K, 4, D) and the full-time weights."""
    persons, fte_f, exits, exits_f = (totals[:, :, :, c].transpose(3, 2, 1, 0) for c in range(4))
    a, b = alpha[:, None, None, :], beta[:, None, None, :]
    exits_fte = np.zeros(exits.shape)
    exits_fte[..., 1:] = a[..., :-1] * exits_f[..., 1:] + b[..., :-1] * exits[..., 1:]
    inflow = inflow_total[None, :, :, None] * inflow_mult[:, :, None, :]
    inflow[..., 0] = 0.0
    return SupplyResult(persons=persons, fte=a * fte_f + b * persons, exits=exits,
                        exits_fte=exits_fte, inflow=inflow)


def _pairs(matrices: np.ndarray, n_occ: int) -> tuple[np.ndarray, np.ndarray]:
    """(from, to) occupation pairs that transfers can connect (every occupation reaches itself)."""
    direct = np.eye(n_occ) + (matrices != 0).any(axis=0)
    pf, po = np.nonzero(np.linalg.matrix_power(direct, max(n_occ - 1, 1)) > 0)   # chains of any length
    return pf, po


def _by_destination(totals: np.ndarray, pf: np.ndarray, po: np.ndarray) -> np.ndarray:
    """Pair totals (T, P, ...) summed into their destination occupation (T, O, ...).

    The diagonal pairs come in occupation order; the few transfer pairs are added on.
    """
    diagonal = pf == po
    out = totals[:, diagonal]
    np.add.at(out, (slice(None), po[~diagonal]), totals[:, ~diagonal])
    return out


class _Propagator:
    """The fate of one person per (from→to pair, sex, start age), year by year, for every draw.

    State (P, S, A, D): probability that a person starting in occupation ``pf[p]``
    at age a0 is in ``po[p]`` after ``lag`` years (draws last, so the contraction with
    the stock needs no copies). Age-dependent rates are laid out on an extended age
    axis (ages beyond 74: keep 0, FTE 0) and sliced at ``a0 + lag``.
    """

    def __init__(self, exit_rates: np.ndarray, fte: np.ndarray, transfers: Transfers,
                 pf: np.ndarray, po: np.ndarray, years: int) -> None:
        draws, _, sexes, ages = exit_rates.shape
        self.ages = ages
        keep = np.pad(1.0 - with_age_out(exit_rates), ((0, 0),) * 3 + ((0, years),))   # (D, O, S, A+T)
        self.keep = np.ascontiguousarray(keep[:, po].transpose(1, 2, 3, 0))              # (P, S, A+T, D)
        self.fte = np.pad(fte, ((0, 0), (0, 0), (0, years)))[po][..., None]               # (P, S, A+T, 1)
        self.moves = self._moves(transfers, pf, po, years)
        self.state = np.broadcast_to((pf == po).astype(np.float64)[:, None, None, None],
                                     (pf.size, sexes, ages, draws)).copy()
        self.exits = np.zeros_like(self.state)
        self.buffer = np.empty((pf.size, sexes, ages, 4, draws))

    @staticmethod
    def _moves(transfers: Transfers, pf: np.ndarray, po: np.ndarray, years: int):
        """Pair-level transfer matrices (C, P, P) and rates by age and draw (C, A+T, D), or None."""
        active = (transfers.rates > 0).any(axis=0)
        if not active.any():
            return None
        same_start = (pf[:, None] == pf[None, :])
        pair_matrix = transfers.matrices[active][:, po[:, None], po[None, :]] * same_start
        windows = np.pad(transfers.windows[active], ((0, 0), (0, years)))
        return pair_matrix, windows[:, :, None] * transfers.rates[:, active].T[:, None, :]

    def kinds(self, lag: int) -> np.ndarray:
        """Persons, FTEs, exits and exit FTEs at ``lag`` as (P, S·A, 4·D).

        Advances the state one year per call: call with lag 0, 1, 2, … in turn. The
        result is a view of a buffer the next call overwrites.
        """
        if lag:
            self._step(lag - 1)
        here = self.fte[:, :, lag:lag + self.ages]
        before = self.fte[:, :, max(lag - 1, 0):max(lag - 1, 0) + self.ages]
        out = self.buffer
        out[:, :, :, 0] = self.state
        np.multiply(self.state, here, out=out[:, :, :, 1])
        out[:, :, :, 2] = self.exits
        np.multiply(self.exits, before, out=out[:, :, :, 3])
        pairs, sexes, ages = out.shape[:3]
        return out.reshape(pairs, sexes * ages, -1)

    def _step(self, age_offset: int) -> None:
        """One year: exits at the current age, then transfers among those who stay."""
        now = slice(age_offset, age_offset + self.ages)
        keep = self.keep[:, :, now]
        survivors = self.state * keep
        self.exits = self.state - survivors
        if self.moves is not None:
            matrix, rates = self.moves
            flow = np.tensordot(matrix, survivors, axes=([1], [0]))                      # (C, P, S, A, D)
            survivors = survivors + (flow * rates[:, None, None, now, :]).sum(axis=0)
        self.state = survivors
