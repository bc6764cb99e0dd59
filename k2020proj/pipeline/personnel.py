"""Personnel and demand inputs: base-year FTEs, their recent growth, occupations, the service
mix and users per inhabitant by age."""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.harmonised import harmonise
from k2020proj.models import OCCUPATIONS, age_bounds, expand_age_groups
from k2020proj.models.parameters import SERVICES as MODEL_SERVICES
from k2020proj.models.parameters import USER_RATES, default_mix
from k2020proj.pipeline.available import SEARCH_YEARS, latest_year
from k2020proj.pipeline.notes import Note
from k2020proj.pipeline.population import AGE_GROUPS, municipal
from k2020proj.regions import RegionHistory
from k2020proj.sources import Source

#: the services the care-service FTE tables (11924/14534) cover
SERVICES = ("home_care", "ltc")
#: years of FTE history behind the inflow's recent change, and its cap (either sign)
GROWTH_YEARS, GROWTH_CAP = 5, 0.10


def base_fte(source: Source, history: RegionHistory, base_year: int) -> tuple[Cube, dict]:
    """FTEs (region, occupation, year) of every municipality for up to ``GROWTH_YEARS`` years to
    the base year, in the newest structure; and the table's meta."""
    for first in range(base_year - GROWTH_YEARS, base_year + 1):
        try:
            raw = source.personnel_fte(list(range(first, base_year + 1)))
            break
        except UsageError:
            if first == base_year:
                raise
    cube, _ = harmonise(raw, history, str(history.end_year))
    return municipal(cube).transpose("region", "occupation", "year"), raw.meta


def recent_growth(values: np.ndarray) -> np.ndarray:
    """Annual growth (..., ) from the first positive year to the last of ``values`` (..., Y),
    capped at ±GROWTH_CAP; 0 where there is no earlier positive year."""
    positive = np.isfinite(values) & (values > 0)
    first = np.argmax(positive, axis=-1)
    start = np.take_along_axis(values, first[..., None], axis=-1)[..., 0]
    span = values.shape[-1] - 1 - first
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = (values[..., -1] / start) ** (1.0 / np.maximum(span, 1)) - 1.0
    rate = np.where((span > 0) & positive[..., -1] & positive.any(axis=-1), rate, 0.0)
    return np.clip(np.nan_to_num(rate), -GROWTH_CAP, GROWTH_CAP)


def choose_occupations(available: Iterable[str], wanted: Sequence[str] | None, source: str) -> tuple[str, ...]:
    """The occupations to project, in MODEL.md's order; a :class:`UsageError` for an unknown
    code or one the data do not hold."""
    available = [o for o in OCCUPATIONS if o in set(available)]
    if not wanted:
        return tuple(available)
    for code in wanted:
        if code not in OCCUPATIONS:
            raise UsageError(f"unknown occupation {code!r} (codes: {', '.join(OCCUPATIONS)})")
        if code not in available:
            raise UsageError(f"occupation {code} is not in the data ({source} holds {', '.join(available)})")
    return tuple(o for o in OCCUPATIONS if o in set(wanted))


def care_mix(occupations: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Each occupation's split (O, 2) between home care and institutions: the model's default
    mix restricted to them; equal halves for an occupation with no default share in either."""
    full = default_mix(occupations, MODEL_SERVICES)
    mix = full[:, [MODEL_SERVICES.index(s) for s in SERVICES]]
    empty = mix.sum(axis=1) <= 0
    mix[empty] = 1.0
    return mix / mix.sum(axis=1, keepdims=True), [o for o, e in zip(occupations, empty) if e]


def _one_group_filled(counts: np.ndarray) -> np.ndarray:
    """Users (..., 3 groups + total) with a single missing (suppressed) group set to the total
    minus the other two, where that is not negative."""
    groups, total = counts[..., :3], counts[..., 3:]
    missing = np.isnan(groups)
    remainder = total - np.nansum(groups, axis=-1, keepdims=True)
    fill = missing & (missing.sum(axis=-1, keepdims=True) == 1) & (remainder >= 0)
    return np.concatenate([np.where(fill, remainder, groups), total], axis=-1)


def user_profiles(source: Source, history: RegionHistory, base_year: int,
                  national: np.ndarray) -> tuple[np.ndarray, list[Note], list[dict]]:
    """Users per inhabitant by service, sex and age (2, 2, 106) from the newest year to the
    base year: national group rates (:func:`national_rates`) made smooth single-year curves,
    guided by ``national`` (the national single-year population, (106,)). A service without
    one municipality with every age group recorded takes the model's default rates, and
    the notes say so."""
    year = latest_year(source.care_users, base_year, base_year - SEARCH_YEARS)
    if year is None:
        raise DataError(f"{source.name} has no care-service users (12292/11645) up to {base_year}")
    target = str(history.end_year)
    users_raw, people_raw = source.care_users([year]), source.population_groups([year])
    users = municipal(harmonise(users_raw, history, target)[0])
    people = municipal(harmonise(people_raw, history, target)[0])
    rates, counted = national_rates(users, people, str(year))
    notes = [Note("user_rates", {"year": year, "tables": users_raw.meta.get("table", ""),
                                 "counts": "/".join(str(n) for n in counted)})]
    lacking = [j for j, n in enumerate(counted) if n == 0]
    if lacking:
        rates[lacking] = [USER_RATES[SERVICES[j]] for j in lacking]
        notes.append(Note("user_rates_default", {"services": ", ".join(SERVICES[j] for j in lacking)}))
    guide = national + 1e-9 * max(float(national.mean()), 1.0)
    bounds = age_bounds(AGE_GROUPS)
    group_people = np.array([guide[lo:hi + 1].sum() for lo, hi in bounds])
    curves = expand_age_groups(rates * group_people, bounds, profile=guide) / guide
    return np.repeat(curves[:, None, :], 2, axis=1), notes, [users_raw.meta, people_raw.meta]


def national_rates(users: Cube, people: Cube, year: str) -> tuple[np.ndarray, list[int]]:
    """Users per inhabitant (J, 3) by service and age group, summed over the municipalities with
    every group known (one missing group filled from the total), and how many there were."""
    regions = [c for c in users.codes["region"] if c in set(people.codes["region"])]
    counts = _one_group_filled(users.sel(region=regions, service=list(SERVICES), age=[*AGE_GROUPS, "total"],
                                         year=year).values)
    inhabitants = people.sel(region=regions, age=list(AGE_GROUPS), year=year).values[:, None, :]
    complete = np.isfinite(counts[..., :3]).all(axis=-1) & np.isfinite(inhabitants).all(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = (np.where(complete[..., None], counts[..., :3], 0.0).sum(axis=0)
                 / np.where(complete[..., None], inhabitants, 0.0).sum(axis=0))
    return rates, [int(n) for n in complete.sum(axis=0)]
