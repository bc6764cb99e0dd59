"""Model inputs, the default occupation and service sets, and defaults with their sources.

:class:`ModelInputs` holds every array the model core reads, already aligned on
its axes (municipality, occupation, service, sex, age, year). :func:`make_inputs`
builds one from the few arrays the data always give (population, base-year FTEs)
and fills the rest with the national defaults below. Each default names its
source; where none exists the value is marked as a model assumption.

Sources (SSB: Statistisk sentralbyrå, CC BY 4.0):

- Age groups of employed persons in health and social services, 4th quarter 2013,
  by education: SSB hesospers, https://www.ssb.no/179953 (nurses: 2015 shares
  quoted in MODEL.md).
- Sex: employed persons with health/social education 15–74, 2015: 63 910 men of
  397 150 (SSB hesospers key figures, https://www.ssb.no/270656).
- FTE per person: Helsedirektoratet (2009) position sizes, nurses ~84 %, auxiliary
  nurses ~76 %; SSB 2004 årsverk per person employed in health and social services
  (MODEL.md); persons without health/social education in user-facing municipal care
  2019–2023: 33 427–36 688 FTEs for 63 042–65 607 persons (Helsedirektoratet,
  Kompetanseløft 2025 årsrapport, table A).
- Care users by age 2024 (home care: SSB 12292; long-term institution stays: 11645),
  over population 1 January (07459), summed over municipalities: see USER_RATES.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping, Sequence

import numpy as np

from k2020proj.errors import DataError
from k2020proj.models.population import expand_age_groups

#: MODEL.md's default occupation groups (labels in k2020proj.outputs.labels)
OCCUPATIONS = ("spl", "hfa", "vpl", "lege", "fys", "erg", "hsyk", "jord", "psyk", "sos", "annen_h", "ufag")
#: home care, nursing homes and 24-hour housing, GP and emergency care, health stations and
#: school health, physiotherapy/rehabilitation, mental health and substance use, other
SERVICES = ("home_care", "ltc", "gp", "health_station", "rehab", "mental", "other")
SEXES = ("1", "2")
#: population ages 0..104 and the open group 105+ (SSB's grid)
POP_AGES = np.arange(106)
#: workforce ages: 16..74, the oldest closed age leaves at the next step
WORK_AGES = np.arange(16, 75)
#: the county code of the national total (SSB's "0 Hele landet")
NATION = "0"

#: Age groups (first, last) of the published personnel tables, mapped onto ages 16–74.
WORK_AGE_GROUPS = ((16, 39), (40, 54), (55, 66), (67, 74))
#: Employed persons in health and social services by age group 15–39, 40–54, 55–66, 67+.
#: spl: 2015 shares (MODEL.md); the others: SSB hesospers 2013 (https://www.ssb.no/179953),
#: groups summed as noted. ufag has no published age split: the total of all health and
#: social educations stands in for it (assumption).
AGE_GROUP_COUNTS = {
    "spl": (41.0, 37.8, 19.7, 1.5),
    "hfa": (9654 + 5201 + 4045, 22364 + 3430 + 4449, 19737 + 1502 + 2667, 1872 + 15 + 286),  # hjelpepl.+hfa+omsorgsarb.
    "vpl": (5310, 4643, 1587, 42),
    "lege": (7998 + 1059, 1590 + 5409, 476 + 4217, 124 + 1055),  # without + with specialty
    "fys": (4337, 2708, 2041, 274),
    "erg": (1778, 1071, 502, 22),
    "hsyk": (726, 1787, 1152, 72),
    "jord": (720, 1211, 811, 59),
    "psyk": (2192, 1764, 944, 234),
    "sos": (4734 + 4469, 3422 + 2836, 1970 + 974, 164 + 31),  # sosionom + barnevernspedagog
    # all health/social educations (117 865 / 109 942 / 64 913 / 6 073) minus the 14 named
    # educations above (sykepleier 2013 included): ambulance, dental, pharmacy, radiography, …
    "annen_h": (31425, 21397, 10535, 815),
    "ufag": (117865, 109942, 64913, 6073),
}
#: Share of men among employed persons with health/social education 15–74, 2015 (SSB).
MEN_SHARE = 63910 / 397150

#: Contracted FTE per employed person.
FTE_PER_PERSON = {
    "spl": 0.84,   # Helsedirektoratet 2009 position size; SSB 2004: 65.7/78.3 = 0.839
    "hfa": 0.76,   # Helsedirektoratet 2009 (auxiliary nurses); SSB 2004: 50.4/67.8 = 0.743
    "vpl": 0.91,   # SSB 2004: 66.8/73.5
    "lege": 1.00,  # assumption
    "fys": 0.99,   # SSB 2004: 71.3/72.0
    "erg": 0.90,   # SSB 2004: 63.8/71.1
    "hsyk": 0.84,  # assumption: as nurses
    "jord": 0.84,  # assumption: as nurses
    "psyk": 0.95,  # assumption
    "sos": 0.91,   # assumption: as social educators
    "annen_h": 0.80,  # assumption
    "ufag": 0.54,  # Helsedirektoratet 2019–2023: 172 318 FTEs / 317 755 person-years
}

#: Annual hazard of leaving working life (disability, death, retirement) by age.
#: 0.4 % below 50, +0.15 pp per year of age from 50 (disability), retirement rising from
#: 62, a peak at the general pension age 67 and at 70, the upper age limit in public
#: employment. Calibrated so that a worker present at 50 leaves at 65.7 on average
#: (NAV 2018, MODEL.md); see tests/test_model_parameters.py.
RETIREMENT_HAZARD = {62: 0.10, 63: 0.08, 64: 0.09, 65: 0.12, 66: 0.16, 67: 0.45,
                     68: 0.30, 69: 0.35, 70: 0.60, 71: 0.35, 72: 0.35, 73: 0.35}
#: Annual rate of leaving the municipal sector for other work, below 40 / 40–54 / 55+.
#: Assumption, calibrated with INFLOW_AGE so that a constant inflow gives a steady-state
#: age distribution close to nurses' 2015 one (41.0 / 37.8 / 19.7 / 1.5 %).
SECTOR_LEAVING = (0.031, 0.6 * 0.031, 0.4 * 0.031)
#: Recruits' ages: a normal shape with mean 28 and sd 6 (about 22–35, MODEL.md).
INFLOW_AGE = (28.0, 6.0)

#: National users per inhabitant by age group (0–66, 67–79, 80+), 2024, from the recorded
#: municipal panel: home-care recipients (SSB 12292; 67–79 as total minus the other two) in
#: the 351 municipalities with all cells, long-term institution residents (11645) in the 173
#: municipalities with the 67–79 and 80+ cells (0–66 as the remainder), over 07459.
USER_RATES = {
    "home_care": (0.0227, 0.0658, 0.2734),
    "ltc": (0.0006, 0.0119, 0.0831),
}
USER_RATE_GROUPS = ((0, 66), (67, 79), (80, 105))
#: Relative use per inhabitant for services without recorded users (assumptions: GP
#: contacts rising with age, health stations for children and young mothers, ...).
ASSUMED_USE_GROUPS = ((0, 5), (6, 19), (20, 44), (45, 66), (67, 79), (80, 105))
ASSUMED_USE = {
    "gp": (2.5, 1.5, 2.5, 3.5, 5.5, 7.0),
    "health_station": (1.0, 0.25, 0.05, 0.0, 0.0, 0.0),
    "rehab": (0.1, 0.1, 0.2, 0.4, 1.0, 1.6),
    "mental": (0.1, 0.5, 1.0, 0.8, 0.3, 0.2),
    "other": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
}
#: Share of each occupation's FTEs by service (assumption; replace with local figures).
MIX = {
    "spl": {"home_care": 0.40, "ltc": 0.45, "gp": 0.03, "health_station": 0.02, "rehab": 0.02,
            "mental": 0.05, "other": 0.03},
    "hfa": {"home_care": 0.40, "ltc": 0.55, "mental": 0.03, "other": 0.02},
    "vpl": {"home_care": 0.50, "ltc": 0.10, "mental": 0.20, "other": 0.20},
    "lege": {"gp": 0.85, "ltc": 0.05, "health_station": 0.05, "mental": 0.05},
    "fys": {"rehab": 0.80, "ltc": 0.10, "health_station": 0.10},
    "erg": {"rehab": 0.60, "home_care": 0.30, "ltc": 0.10},
    "hsyk": {"health_station": 1.0},
    "jord": {"health_station": 1.0},
    "psyk": {"mental": 0.90, "health_station": 0.10},
    "sos": {"mental": 0.50, "other": 0.50},
    "annen_h": {"home_care": 0.40, "ltc": 0.40, "other": 0.20},
    "ufag": {"home_care": 0.45, "ltc": 0.50, "other": 0.05},
}


@dataclass(frozen=True, eq=False)
class ModelInputs:
    """Everything the model core reads, aligned on its axes.

    Shapes (K regions, O occupations, J services, S population sexes 1 or 2,
    T years, 106 population ages 0..105, 59 workforce ages 16..74):
    ``population`` (K, S, 106, T); ``base_fte`` (K, O) observed FTEs in the base year;
    ``user_profiles`` (J, 2, 106) or (K, J, 2, 106); ``mix`` (O, J) or (K, O, J);
    ``fte_per_person``, ``exit_rates``, ``inflow_profile``, ``stock_profile`` (O, 2, 59);
    optional ``stock`` (K, O, 2, 59) persons, ``recent_growth`` (K, O) annual relative
    change of the stock to keep, ``initial_shortage`` (K, O) FTEs missing in the base
    year. ``meta`` is provenance (tables, structure, alternative, ``synthetic``).
    """

    regions: tuple[str, ...]
    counties: tuple[str, ...]
    occupations: tuple[str, ...]
    services: tuple[str, ...]
    base_year: int
    years: tuple[int, ...]
    population: np.ndarray
    base_fte: np.ndarray
    user_profiles: np.ndarray
    mix: np.ndarray
    fte_per_person: np.ndarray
    exit_rates: np.ndarray
    inflow_profile: np.ndarray
    stock_profile: np.ndarray
    stock: np.ndarray | None = None
    recent_growth: np.ndarray | None = None
    initial_shortage: np.ndarray | None = None
    meta: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("regions", "counties", "occupations", "services", "years"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "meta", dict(self.meta))
        for name, shape in self._shapes().items():
            value = getattr(self, name)
            if value is None:
                continue
            value = np.asarray(value, dtype=np.float64)
            object.__setattr__(self, name, value)
            if not any(_fits(value.shape, s) for s in shape):
                raise DataError(f"model input {name!r} has shape {value.shape}, expected {' or '.join(map(str, shape))}")
            floor = -1.0 if name == "recent_growth" else 0.0
            if np.isnan(value).any() or (value < floor).any():
                raise DataError(f"model input {name!r} has missing values or values below {floor:g}; "
                                "fill or drop them before projecting")
        self._check_axes()

    def _shapes(self) -> dict[str, tuple[tuple, ...]]:
        k, o, j, t = len(self.regions), len(self.occupations), len(self.services), len(self.years)
        work = (o, 2, WORK_AGES.size)
        return {
            "population": ((k, None, POP_AGES.size, t),),
            "base_fte": ((k, o),),
            "user_profiles": ((j, 2, POP_AGES.size), (k, j, 2, POP_AGES.size)),
            "mix": ((o, j), (k, o, j)),
            "fte_per_person": (work,), "exit_rates": (work,), "inflow_profile": (work,),
            "stock_profile": (work,), "stock": ((k, *work),),
            "recent_growth": ((k, o),), "initial_shortage": ((k, o),),
        }

    def _check_axes(self) -> None:
        if len(self.counties) != len(self.regions):
            raise DataError(f"{len(self.regions)} regions but {len(self.counties)} county codes")
        if self.population.shape[1] not in (1, 2):
            raise DataError("population needs 1 (both sexes) or 2 sexes")
        if any(b != a + 1 for a, b in zip(self.years, self.years[1:])):
            raise DataError(f"population years must be consecutive, got {self.years[0]}–{self.years[-1]} with gaps")
        if self.base_year not in self.years:
            raise DataError(f"base year {self.base_year} is not among the population years {self.years[0]}–{self.years[-1]}")
        if (self.exit_rates > 1).any():
            raise DataError("exit rates must lie in [0, 1]")
        for name in ("inflow_profile", "stock_profile"):
            if (getattr(self, name).sum(axis=(-2, -1)) <= 0).any():
                raise DataError(f"{name} is zero for an occupation; every occupation needs an age-sex profile")
        if ((self.fte_per_person * self.stock_profile).sum(axis=(-2, -1)) <= 0).any():
            raise DataError("FTE per person is zero over an occupation's whole age profile")
        if (self.mix.sum(axis=-1) <= 0).any():
            raise DataError("the occupation-service mix is zero for an occupation; each row needs a positive share")

    @property
    def synthetic(self) -> bool:
        return bool(self.meta.get("synthetic", False))

    def subset(self, regions: Sequence[str]) -> "ModelInputs":
        """The same inputs for some regions only (national parameters unchanged)."""
        lookup = {code: i for i, code in enumerate(self.regions)}
        unknown = [r for r in regions if r not in lookup]
        if unknown:
            raise DataError(f"regions not in the model inputs: {', '.join(unknown[:5])}")
        pos = np.array([lookup[r] for r in regions], dtype=np.intp)
        per_region = {name: getattr(self, name)[pos] for name in
                      ("population", "base_fte", "stock", "recent_growth", "initial_shortage")
                      if getattr(self, name) is not None}
        for name, k_ndim in (("user_profiles", 4), ("mix", 3)):
            if getattr(self, name).ndim == k_ndim:
                per_region[name] = getattr(self, name)[pos]
        return replace(self, regions=tuple(regions), counties=tuple(self.counties[i] for i in pos), **per_region)

    def replace(self, **changes: object) -> "ModelInputs":
        """A copy with some fields changed (validated again)."""
        return replace(self, **changes)


def _fits(shape: tuple[int, ...], expected: tuple) -> bool:
    return len(shape) == len(expected) and all(e is None or s == e for s, e in zip(shape, expected))


def make_inputs(regions: Sequence[str], counties: Sequence[str], population: np.ndarray,
                years: Sequence[int], base_fte: np.ndarray, base_year: int | None = None,
                occupations: Sequence[str] = OCCUPATIONS, services: Sequence[str] = SERVICES,
                meta: Mapping[str, object] | None = None, **overrides: object) -> ModelInputs:
    """Model inputs from population and base-year FTEs, with national defaults for the rest.

    ``overrides`` replace any default field of :class:`ModelInputs` by name (e.g.
    ``exit_rates=...``, ``stock=...``). Defaults exist for the occupation and service
    codes of MODEL.md; other codes need their arrays given.
    """
    base_year = int(years[0] if base_year is None else base_year)
    population = np.asarray(population, dtype=np.float64)
    fields = dict(regions=regions, counties=counties, occupations=occupations, services=services,
                  base_year=base_year, years=years, population=population, base_fte=base_fte,
                  meta=dict(meta or {}))
    builders = {
        "user_profiles": lambda: default_user_profiles(services, population[..., list(years).index(base_year)]),
        "mix": lambda: default_mix(occupations, services),
        "fte_per_person": lambda: _per_occupation(occupations, FTE_PER_PERSON, "FTE per person")[:, None, None]
        * np.ones((1, 2, WORK_AGES.size)),
        "exit_rates": lambda: np.broadcast_to(default_exit_rates(), (len(occupations), 2, WORK_AGES.size)).copy(),
        "inflow_profile": lambda: np.broadcast_to(default_inflow_profile(), (len(occupations), 2, WORK_AGES.size)).copy(),
        "stock_profile": lambda: default_stock_profiles(occupations),
    }
    for name, build in builders.items():
        fields[name] = overrides.pop(name) if name in overrides else build()
    return ModelInputs(**fields, **overrides)


def _per_occupation(occupations: Sequence[str], table: Mapping[str, object], what: str) -> np.ndarray:
    missing = [o for o in occupations if o not in table]
    if missing:
        raise DataError(f"no default {what} for occupation {', '.join(missing)}; give it in the model inputs")
    return np.array([table[o] for o in occupations], dtype=np.float64)


def sex_split() -> np.ndarray:
    """Shares of men and women (2,), SSB 2015 key figures."""
    return np.array([MEN_SHARE, 1.0 - MEN_SHARE])


def default_stock_profiles(occupations: Sequence[str] = OCCUPATIONS) -> np.ndarray:
    """National age-sex profile of each occupation's stock (O, 2, 59), summing to 1.

    Published age-group shares expanded to single years by :func:`expand_age_groups`
    (monotone interpolation of the cumulative distribution), times the sex split.
    """
    groups = _per_occupation(occupations, AGE_GROUP_COUNTS, "age profile")
    groups = groups / groups.sum(axis=1, keepdims=True)
    ages = expand_age_groups(groups, WORK_AGE_GROUPS)
    return ages[:, None, :] * sex_split()[None, :, None]


def leaving_working_life() -> np.ndarray:
    """Annual hazard of leaving working life (disability, death, retirement) by age (59,)."""
    ages = WORK_AGES
    hazard = np.where(ages < 50, 0.004, 0.004 + 0.0015 * (ages - 50))
    for age, rate in RETIREMENT_HAZARD.items():
        hazard = np.where(ages == age, np.maximum(hazard, rate), hazard)
    return hazard


def leaving_sector() -> np.ndarray:
    """Annual rate of leaving municipal health and care for other work, by age (59,)."""
    young, middle, old = SECTOR_LEAVING
    return np.where(WORK_AGES < 40, young, np.where(WORK_AGES < 55, middle, old))


def default_exit_rates() -> np.ndarray:
    """Exit rates by workforce age (59,): 1 − (1 − leaving working life)(1 − leaving the sector)."""
    return 1.0 - (1.0 - leaving_working_life()) * (1.0 - leaving_sector())


def default_inflow_profile() -> np.ndarray:
    """Age-sex distribution of recruits (2, 59), summing to 1: normal in age, sexes as the stock."""
    mean, sd = INFLOW_AGE
    shape = np.exp(-0.5 * ((WORK_AGES - mean) / sd) ** 2)
    return sex_split()[:, None] * (shape / shape.sum())[None, :]


def default_mix(occupations: Sequence[str] = OCCUPATIONS, services: Sequence[str] = SERVICES) -> np.ndarray:
    """Share of each occupation's FTEs serving each service (O, J), rows summing to 1."""
    shares = _per_occupation(occupations, {o: [MIX[o].get(j, 0.0) for j in services] for o in MIX}, "service mix")
    mix = shares.reshape(len(occupations), len(services))
    empty = [o for o, total in zip(occupations, mix.sum(axis=1)) if total == 0]
    if empty:
        raise DataError(f"occupation {', '.join(empty)} serves none of the services {', '.join(services)}")
    return mix / mix.sum(axis=1, keepdims=True)


def default_user_profiles(services: Sequence[str], base_population: np.ndarray) -> np.ndarray:
    """Relative use per inhabitant by service, sex and age (J, 2, 106).

    Group rates (recorded for home care and institutions, assumed for the rest) are
    made smooth single-year curves that keep each group's users exactly: users per
    group are expanded with the national base-year population as the guide and
    divided by it. ``base_population`` is (K, S, 106); both sexes get the same curve.
    """
    national = np.asarray(base_population, dtype=np.float64).sum(axis=(0, 1))
    tables = {**{j: (USER_RATE_GROUPS, r) for j, r in USER_RATES.items()},
              **{j: (ASSUMED_USE_GROUPS, r) for j, r in ASSUMED_USE.items()}}
    missing = [j for j in services if j not in tables]
    if missing:
        raise DataError(f"no default user profile for service {', '.join(missing)}; give it in the model inputs")
    guide = national + 1e-9 * max(national.mean(), 1.0)
    rows = []
    for j in services:
        groups, rates = tables[j]
        users = np.array([rate * guide[lo:hi + 1].sum() for (lo, hi), rate in zip(groups, rates)])
        rows.append(expand_age_groups(users, groups, profile=guide) / guide)
    return np.repeat(np.array(rows)[:, None, :], 2, axis=1)
