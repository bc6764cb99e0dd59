"""Plain-language findings per municipality, generated from the numbers.

The text is never written by hand for a place: :func:`facts` reads the figures a
reader needs (population and its oldest group now and at the horizon, demand and
supply of FTEs, the gap with its 80 % band, yearly recruitment need, the service
whose demand grows most, the other scenarios' gaps) and :func:`sentences` puts
them into bokmål or English. Groups under the small-number threshold are not
described with figures, just as the tables hide them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from k2020proj.outputs import labels
from k2020proj.outputs import results as res
from k2020proj.outputs.formats import THRESHOLD, format_number


@dataclass(frozen=True)
class Facts:
    """The figures one municipality's text is made of (NaN where the data lack them)."""

    name: str
    base_year: int
    horizon: int
    scenario: str
    population: tuple[float, float]
    old: tuple[float, float]
    demand: tuple[float, float]
    supply: float
    gap: tuple[float, float, float]
    recruitment: float
    groups: tuple[str, ...]
    largest_shortage: str | None = None
    fastest_service: tuple[str, float] | None = None
    other_gaps: dict[str, float] = field(default_factory=dict)
    small: bool = False


def facts(name: str, region: str, results: pd.DataFrame, groups: pd.DataFrame,
          scenarios: list[str], base_year: int, horizon: int, threshold: int = THRESHOLD) -> Facts:
    """Collect the figures for ``region``; the first of ``scenarios`` is the main one."""
    main = scenarios[0]
    mine = res.select(results, region=region)
    staff = res.sum_occupations(mine, ["supply_fte", "demand_fte", "gap_fte", "supply_persons",
                                       "recruitment_need_persons"])
    at = {y: staff[(staff["year"] == y) & (staff["scenario"] == main)] for y in (base_year, horizon)}
    pop = groups[groups["region"] == region]
    return Facts(
        name=name, base_year=base_year, horizon=horizon, scenario=main,
        population=_pair(pop, "total", base_year, horizon),
        old=_pair(pop, "80+", base_year, horizon),
        demand=(_one(at[base_year], "demand_fte"), _one(at[horizon], "demand_fte")),
        supply=_one(at[horizon], "supply_fte"),
        gap=_gap_with_band(mine, main, horizon),
        recruitment=_mean_recruitment(staff, main, base_year, horizon),
        groups=tuple(res.occupations(mine)),
        largest_shortage=_largest_shortage(mine, main, horizon, threshold),
        fastest_service=_fastest_service(mine, main, horizon),
        other_gaps={s: _one(staff[(staff["year"] == horizon) & (staff["scenario"] == s)], "gap_fte")
                    for s in scenarios[1:]},
        small=not _one(at[base_year], "supply_persons") >= threshold,
    )


def _one(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].iloc[0]) if len(frame) and column in frame else float("nan")


def _pair(pop: pd.DataFrame, group: str, first: int, last: int) -> tuple[float, float]:
    rows = pop[pop["age_group"] == group].set_index("year")["persons"]
    return float(rows.get(first, np.nan)), float(rows.get(last, np.nan))


def _gap_with_band(mine: pd.DataFrame, scenario: str, horizon: int) -> tuple[float, float, float]:
    """Gap in FTEs at the horizon with its 80 % band; the band only for a single group
    (the band of a sum is not the sum of bands)."""
    rows = res.select(mine, variable="gap_fte", scenario=scenario, year=horizon)
    rows = rows[rows["occupation"] != res.TOTAL]
    value = rows["value"].sum(min_count=1)
    if len(rows) == 1:
        return float(value), float(rows["lo80"].iloc[0]), float(rows["hi80"].iloc[0])
    return float(value), float("nan"), float("nan")


def _mean_recruitment(staff: pd.DataFrame, scenario: str, base_year: int, horizon: int) -> float:
    rows = staff[(staff["scenario"] == scenario) & (staff["year"] > base_year) & (staff["year"] <= horizon)]
    return float(rows["recruitment_need_persons"].mean()) if len(rows) else float("nan")


def _largest_shortage(mine: pd.DataFrame, scenario: str, horizon: int, threshold: int) -> str | None:
    """The group with the most negative gap at the horizon, among groups big enough to describe."""
    rows = res.wide(mine, ["gap_fte", "supply_persons"], scenario=scenario, year=horizon)
    rows = rows[(rows["occupation"] != res.TOTAL) & (rows["supply_persons"] >= threshold)]
    if len(rows) < 2 or not (rows["gap_fte"] < 0).any():
        return None
    return str(rows.loc[rows["gap_fte"].idxmin(), "occupation"])


def _fastest_service(mine: pd.DataFrame, scenario: str, horizon: int) -> tuple[str, float] | None:
    rows = res.select(mine, variable="demand_index", scenario=scenario, year=horizon)
    if rows.empty or rows["value"].isna().all():
        return None
    top = rows.loc[rows["value"].idxmax()]
    return str(top["occupation"]), float(top["value"])


def _change(old: float, new: float, lang: str) -> str:
    """«en økning på 12 %» / «an increase of 12 %»; about unchanged within half a per cent."""
    pct = (new / old - 1) * 100 if old else float("nan")
    if np.isnan(pct):
        return ".."
    if abs(pct) < 0.5:
        return "om lag uendret" if lang == "no" else "about unchanged"
    size = format_number(abs(pct), 0, lang)
    if lang == "no":
        return f"en {'økning' if pct > 0 else 'nedgang'} på {size} %"
    return f"an {'increase' if pct > 0 else 'decrease'} of {size} %"


def sentences(f: Facts, lang: str = "no") -> list[str]:
    """The findings as a list of sentences in ``lang`` (``no`` or ``en``)."""
    labels.check_lang(lang)
    n = lambda x: format_number(x, 0, lang)  # noqa: E731 - local shorthand
    out = [_population_sentence(f, n, lang)]
    if f.small:
        out.append("Personelltallene er for små til å beskrives med tall (under grensen for skjuling)."
                   if lang == "no" else
                   "The personnel figures are too small to be described with numbers (below the suppression threshold).")
        return out
    out += [_demand_sentence(f, n, lang), _gap_sentence(f, n, lang)]
    if not np.isnan(f.recruitment):
        out.append(f"For å dekke avgang og økt behov må det i snitt rekrutteres om lag {n(f.recruitment)} "
                   f"personer per år fram til {f.horizon}." if lang == "no" else
                   f"Covering exits and growing demand takes on average about {n(f.recruitment)} "
                   f"recruits a year until {f.horizon}.")
    out += _extra_sentences(f, n, lang)
    return out


def _population_sentence(f: Facts, n, lang: str) -> str:
    (p0, p1), (o0, o1) = f.population, f.old
    if lang == "no":
        return (f"Folketallet i {f.name} er {n(p0)} i {f.base_year} og framskrevet til {n(p1)} i "
                f"{f.horizon} ({_change(p0, p1, lang)}). Antallet innbyggere 80 år og over går fra "
                f"{n(o0)} til {n(o1)} ({_change(o0, o1, lang)}).")
    return (f"The population of {f.name} is {n(p0)} in {f.base_year}, projected to {n(p1)} in "
            f"{f.horizon} ({_change(p0, p1, lang)}). Inhabitants aged 80 or over go from {n(o0)} to "
            f"{n(o1)} ({_change(o0, o1, lang)}).")


def _group_names(f: Facts, lang: str) -> str:
    """The groups by name, or «alle 12 yrkesgrupper» when there are more than three."""
    if len(f.groups) > 3:
        return (f"alle {len(f.groups)} yrkesgrupper" if lang == "no"
                else f"all {len(f.groups)} occupation groups")
    names = [labels.occupation(g, lang).lower() for g in f.groups]
    joiner = " og " if lang == "no" else " and "
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + joiner + names[-1]


def _demand_sentence(f: Facts, n, lang: str) -> str:
    d0, d1 = f.demand
    if lang == "no":
        return (f"I scenariet {f.scenario} øker behovet for årsverk ({_group_names(f, lang)}) fra "
                f"{n(d0)} til {n(d1)} ({_change(d0, d1, lang)}), mens tilbudet blir {n(f.supply)} årsverk.")
    return (f"In scenario {f.scenario} the demand for FTEs ({_group_names(f, lang)}) goes from "
            f"{n(d0)} to {n(d1)} ({_change(d0, d1, lang)}), while supply reaches {n(f.supply)} FTEs.")


def _gap_words(gap: float, n, lang: str) -> str:
    """«en mangel på om lag 12 årsverk» / «a shortage of about 12 FTEs», or a balance."""
    if round(gap) == 0:
        return "balanse mellom tilbud og behov" if lang == "no" else "a balance of supply and demand"
    if lang == "no":
        kind = "en mangel" if gap < 0 else "et overskudd"
        return f"{kind} på om lag {n(abs(gap))} årsverk"
    kind = "a shortage" if gap < 0 else "a surplus"
    return f"{kind} of about {n(abs(gap))} FTEs"


def _gap_sentence(f: Facts, n, lang: str) -> str:
    gap, lo, hi = f.gap
    band = ""
    if not np.isnan(lo):
        band = (f" (80 % intervall for differansen: {n(lo)} til {n(hi)})" if lang == "no"
                else f" (80 % interval of the gap: {n(lo)} to {n(hi)})")
    if lang == "no":
        return f"Det gir {_gap_words(gap, n, lang)} i {f.horizon}{band}."
    return f"That leaves {_gap_words(gap, n, lang)} in {f.horizon}{band}."


def _extra_sentences(f: Facts, n, lang: str) -> list[str]:
    out = []
    if f.largest_shortage:
        group = labels.occupation(f.largest_shortage, lang).lower()
        out.append(f"Størst er mangelen i gruppen {group}." if lang == "no"
                   else f"The largest shortage is in the group {group}.")
    if f.fastest_service:
        service, value = f.fastest_service
        name = labels.service(service, lang).lower()
        index = format_number(value, 2, lang)
        out.append(f"Behovet vokser mest for {name} (indeks {index} i {f.horizon})." if lang == "no"
                   else f"Demand grows most for {name} (index {index} in {f.horizon}).")
    for scenario, gap in f.other_gaps.items():
        if not np.isnan(gap):
            out.append(f"I scenariet {scenario} blir det {_gap_words(gap, n, lang)}." if lang == "no"
                       else f"In scenario {scenario} there is {_gap_words(gap, n, lang)}.")
    return out
