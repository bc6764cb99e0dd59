"""The datasets k2020proj needs, fetched live from SSB (or the replay server).

:class:`LiveSource` implements the :class:`~k2020proj.sources.Source` protocol on
top of :class:`~k2020proj.ssb.client.SSBClient`, returning cubes shaped exactly
like :class:`~k2020proj.sources.RecordedSource`'s. Variable codes are read from
each table's metadata (by role, code or label) wherever SSB.md marks them as
*unverified*, so a renamed dimension is found or reported, not silently missed.

Occupations (MODEL.md codes) from the education categories of the KOSTRA FTE
tables, matched on the category's label (:data:`OCCUPATION_WORDS`):

====================================================  ===========
label contains                                        occupation
====================================================  ===========
helsesykepleier / helsesøster                          ``hsyk``
jordmor                                                ``jord``
sykepleier (incl. spesialsykepleier)                   ``spl``
helsefagarbeider / hjelpepleier / omsorgsarbeider      ``hfa``
vernepleier                                            ``vpl``
lege                                                   ``lege``
fysioterapeut                                          ``fys``
ergoterapeut                                           ``erg``
psykolog                                               ``psyk``
sosionom / barnevern                                   ``sos``
annen / andre helse- og sosialfaglig                   ``annen_h``
uten helse- og sosialfaglig / ufaglært                 ``ufag``
====================================================  ===========

14534's code ``01`` ("all nurses") is ``spl``; 11924's ``KF01``–``KF04`` (its nurse
categories) are summed into ``spl``. A category nested in another that maps to the
same occupation (``01`` and ``01a``) is not counted twice; categories that match no
row (totals, unknown groups) are left out and named in the cube's meta.
"""
from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Iterable, Mapping, Sequence

import numpy as np

from k2020proj.cube import Cube, concat
from k2020proj.errors import DataError, UsageError
from k2020proj.harmonised import EACH_YEAR
from k2020proj.regions import COUNTY_TABLE, RegionHistory, build_history
from k2020proj.sources import AGE_GROUPS, years_list
from k2020proj.ssb import klass
from k2020proj.ssb.client import SSBClient, TableNotFound
from k2020proj.ssb.selection import Variable
from k2020proj.ssb.tables import projection_table

log = logging.getLogger("k2020proj.ssb")

POPULATION = "07459"
#: From 2012 the alternatives are ContentsCode values (Personer3… are *unverified*).
ALTERNATIVE_CONTENTS = {"MMMM": "Personer", "LLML": "Personer1", "HHMH": "Personer2", "MMML": "Personer3",
                        "MMMH": "Personer4", "LHML": "Personer5", "HLMH": "Personer6",
                        "MMM0": "Personer7", "MM00": "Personer8"}
FTE_TABLES = ("14534", "11924")
OCCUPATION_WORDS = (("hsyk", ("helsesykepleier", "helsesøster")), ("jord", ("jordmor",)),
                    ("spl", ("sykepleier",)),
                    ("hfa", ("helsefagarbeider", "hjelpepleier", "omsorgsarbeider")),
                    ("vpl", ("vernepleier",)), ("lege", ("lege",)), ("fys", ("fysioterapeut",)),
                    ("erg", ("ergoterapeut",)), ("psyk", ("psykolog",)), ("sos", ("sosionom", "barnevern")),
                    ("ufag", ("uten helse", "ufaglært")),
                    ("annen_h", ("annen helse", "andre helse")))
KNOWN_OCCUPATION_CODES = {"01": "spl", "KF01": "spl", "KF02": "spl", "KF03": "spl", "KF04": "spl"}
HOME_CARE = "12292"
HOME_CARE_CONTENTS = {"KOSkjernetotalt0000": "total", "KOSkjerne066aar0000": "0-66",
                      "KOSkjerne80aarov0000": "80+"}
LTC = "11645"
LTC_SERVICE = "21"
LTC_AGES = {"Ialt": "total", "00-49": "0-66", "50-66": "0-66", "67-79": "67-79", "80-89": "80+", "90+": "80+"}
_AGE_YEARS = re.compile(r"^(\d{3})$|^105\+$")


def find_variable(variables: Sequence[Variable], codes: Iterable[str] = (), words: Iterable[str] = (),
                  time: bool = False) -> Variable | None:
    """The variable with one of ``codes`` (any case), else one whose label has one of ``words``."""
    wanted = {c.lower() for c in codes}
    for variable in variables:
        if variable.code.lower() in wanted or (time and variable.time):
            return variable
    for variable in variables:
        if any(w in variable.label.lower() for w in words):
            return variable
    return None


def require(variable: Variable | None, table: str, what: str) -> Variable:
    if variable is None:
        raise DataError(f"SSB table {table}: no {what} variable in its metadata; SSB may have "
                        "changed the table (check `k2020proj tables`)")
    return variable


def occupation_of(code: str, label: str) -> str | None:
    """MODEL.md occupation of an education category (see the module docstring)."""
    if code in KNOWN_OCCUPATION_CODES:
        return KNOWN_OCCUPATION_CODES[code]
    text = label.lower()
    return next((occ for occ, words in OCCUPATION_WORDS if any(w in text for w in words)), None)


def occupation_weights(variable: Variable) -> tuple[np.ndarray, list[str], list[str]]:
    """0/1 matrix education category × occupation; the occupations; categories left out."""
    found = {c: occupation_of(c, label) for c, label in zip(variable.values, variable.value_labels)}
    nested = {c for c in found for other in found
              if other != c and c.startswith(other) and found[c] is not None and found[c] == found[other]}
    occupations = [occ for occ, _ in OCCUPATION_WORDS if occ in {found[c] for c in found if c not in nested}]
    weights = np.zeros((len(variable.values), len(occupations)))
    for i, code in enumerate(variable.values):
        if found[code] is not None and code not in nested:
            weights[i, occupations.index(found[code])] = 1.0
    left_out = [c for c in variable.values if found[c] is None]
    return weights, occupations, left_out


def _age_group_weights(ages: Sequence[str]) -> np.ndarray:
    """Single-year ages (``000``…``105+``) → the groups 0-66, 67-79, 80+, total."""
    weights = np.zeros((len(ages), len(AGE_GROUPS)))
    for i, age in enumerate(ages):
        years = int(age.rstrip("+"))
        weights[i, 0 if years <= 66 else 1 if years <= 79 else 2] = 1.0
        weights[i, 3] = 1.0
    return weights


class LiveSource:
    """SSB's tables through an :class:`SSBClient`: the same cubes as a recorded folder."""

    name = "SSB PxWebApi"

    def __init__(self, client: SSBClient | None = None):
        self.client = client if client is not None else SSBClient()

    # -- helpers -------------------------------------------------------------------
    def _variables(self, table: str, codelists: Mapping[str, str] | None = None) -> list[Variable]:
        return self.client.variables(table, codelists)

    def _years(self, table: str, years: Iterable[int], what: str) -> tuple[Variable, list[str]]:
        """The table's time variable and the requested years, checked against it."""
        time = require(find_variable(self._variables(table), ("Tid",), ("år", "year"), time=True),
                       table, "time")
        years = years_list(years)
        missing = [str(y) for y in years if str(y) not in time.values]
        if missing:
            have = [y for y in time.values if y.isdigit()]
            raise UsageError(f"{what}: SSB table {table} has no {', '.join(missing)} "
                             f"(it has {have[0]}–{have[-1]})")
        return time, [str(y) for y in years]

    @staticmethod
    def _renamed(cube: Cube, names: Mapping[str, str]) -> Cube:
        """Axes renamed to k2020proj's (``Region`` → ``region``…)."""
        dims = tuple(names.get(d, d) for d in cube.dims)
        return Cube(dims=dims, codes={names.get(d, d): c for d, c in cube.codes.items()},
                    labels={names.get(d, d): lab for d, lab in cube.labels.items()},
                    values=cube.values, status=cube.status, meta=cube.meta)

    # -- population ------------------------------------------------------------------
    def population(self, years: Iterable[int]) -> Cube:
        """07459 by region (each year's own municipality codes), sex, single-year age and year.

        Sex ``1``/``2`` when SSB has the split for every year asked for, else ``0``.
        """
        time, years = self._years(POPULATION, years, "population")
        variables = self._variables(POPULATION)
        region = require(find_variable(variables, ("Region",), ("region",)), POPULATION, "region")
        sex = require(find_variable(variables, ("Kjonn",), ("kjønn", "sex")), POPULATION, "sex")
        age = require(find_variable(variables, ("Alder",), ("alder", "age")), POPULATION, "age")
        municipalities = [c for c in region.values if re.fullmatch(r"\d{4}", c)]
        selection = {region.code: municipalities, age.code: "*", "ContentsCode": "Personer1",
                     time.code: years}
        cube = self.client.data(POPULATION, {**selection, sex.code: ["1", "2"]})
        by_year = cube.sum(region.code, skipna=True).sum(age.code, skipna=True).sum(sex.code, skipna=True)
        if np.isnan(by_year.values).any():
            cube = _with_sex_zero(self.client.data(POPULATION, selection), sex.code)
        cube = cube.sel(ContentsCode="Personer1")
        cube = _drop_empty_regions(cube, region.code)
        cube = self._renamed(cube, {region.code: "region", sex.code: "sex", age.code: "age", time.code: "year"})
        return cube.transpose("region", "sex", "age", "year").with_meta(
            structure=EACH_YEAR, title="Befolkning 1. januar, etter region, kjønn og alder")

    def population_groups(self, years: Iterable[int]) -> Cube:
        """07459 through ``agg_KommSummer`` (2024 structure), ages 0-66, 67-79, 80+, total."""
        codelists = {"Region": klass.AGG_NAME}
        time, years = self._years(POPULATION, years, "population by age group")
        variables = self._variables(POPULATION, codelists)
        region = require(find_variable(variables, ("Region",), ("region",)), POPULATION, "region")
        age = require(find_variable(variables, ("Alder",), ("alder", "age")), POPULATION, "age")
        groups = [c for c in region.values if re.fullmatch(r"K-\d{4}", c)]
        ages = [a for a in age.values if _AGE_YEARS.match(a)]
        cube = self.client.data(POPULATION, {"Region": groups, age.code: ages, "ContentsCode": "Personer1",
                                             time.code: years}, codelists).sel(ContentsCode="Personer1")
        cube = cube.map_axis(age.code, _age_group_weights(cube.codes[age.code]), AGE_GROUPS)
        codes = [c[2:] for c in cube.codes["Region"]]
        cube = Cube(dims=cube.dims, codes={**cube.codes, "Region": codes}, labels=cube.labels,
                    values=cube.values, meta=cube.meta)
        cube = self._renamed(cube, {"Region": "region", age.code: "age", time.code: "year"})
        return cube.transpose("region", "age", "year").with_meta(
            structure="2024", codelist=klass.AGG_NAME,
            title="Befolkning 1. januar etter aldersgruppe (2024-struktur)")

    # -- projections -------------------------------------------------------------------
    def projection(self, vintage: int, alternative: str = "MMMM") -> Cube:
        """The municipal projection of ``vintage`` for ``alternative``, in the vintage's structure."""
        table = projection_table(vintage)
        variables = self._variables(table)
        alt_var, alt_code = _alternative(variables, table, alternative)
        region = require(find_variable(variables, ("Region",), ("region",)), table, "region")
        age = require(find_variable(variables, ("Alder",), ("alder", "age")), table, "age")
        time = require(find_variable(variables, ("Tid",), ("år",), time=True), table, "time")
        sex = find_variable(variables, ("Kjonn",), ("kjønn",))
        selection = {region.code: "*", age.code: "*", time.code: "*", alt_var.code: alt_code}
        contents = find_variable(variables, ("ContentsCode",))
        if contents is not None and contents is not alt_var:
            if len(contents.values) != 1:
                raise DataError(f"SSB table {table}: alternatives in {alt_var.code} but several "
                                f"contents ({', '.join(contents.values)}); cannot tell which is persons")
            selection[contents.code] = contents.values[0]
        if sex is not None:
            selection[sex.code] = ["1", "2"]
        cube = self.client.data(table, selection)
        cube = cube.sel(**{d: cube.codes[d][0] for d in cube.dims if d in (alt_var.code, "ContentsCode")})
        if sex is None:
            cube = _with_sex_zero(cube, "sex")
        cube = self._renamed(cube, {region.code: "region", age.code: "age", time.code: "year",
                                    **({sex.code: "sex"} if sex else {})})
        return cube.transpose("region", "sex", "age", "year").with_meta(
            table=table, structure=str(vintage), alternative=alternative)

    # -- personnel and users -----------------------------------------------------------------
    def personnel_fte(self, years: Iterable[int]) -> Cube:
        """Contracted FTEs in municipal care by occupation: 14534, else 11924 for its years."""
        years = years_list(years)
        errors = []
        for table in FTE_TABLES:
            try:
                return self._fte(table, years)
            except (UsageError, TableNotFound) as error:
                errors.append(str(error))
        raise UsageError("; ".join(errors))

    def _fte(self, table: str, years: list[int]) -> Cube:
        time, years = self._years(table, years, "care-service FTEs")
        variables = self._variables(table)
        region = require(find_variable(variables, ("KOKkommuneregion0000", "Region"), ("region",)), table, "region")
        education = require(find_variable(variables, ("KOKutdanningoms0000", "KOKkyrk200000"),
                                          ("utdanning",)), table, "education")
        contents = require(find_variable(variables, ("ContentsCode",), ("statistikkvariabel",)), table, "contents")
        fte = "KOSARBAARSVERKST0000" if "KOSARBAARSVERKST0000" in contents.values else next(
            (c for c, lab in zip(contents.values, contents.value_labels) if "årsverk" in lab.lower()), None)
        if fte is None:
            raise DataError(f"SSB table {table}: no FTE (årsverk) contents code in its metadata")
        weights, occupations, left_out = occupation_weights(education)
        selection = {region.code: [c for c in region.values if re.fullmatch(r"\d{4}", c)],
                     education.code: list(education.values), contents.code: fte, time.code: years}
        position = find_variable(variables, ("KOKstillingkode0000",), ("stilling",))
        if position is not None:
            selection[position.code] = "TOT"
        cube = self.client.data(table, selection).sel(**{contents.code: fte})
        if position is not None:
            cube = cube.sel(**{position.code: "TOT"})
        cube = cube.map_axis(education.code, weights, occupations)
        cube = self._renamed(cube, {region.code: "region", education.code: "occupation", time.code: "year"})
        return cube.transpose("region", "occupation", "year").with_meta(
            table=table, structure=EACH_YEAR, unit="avtalte årsverk",
            education_left_out=left_out, title="Avtalte årsverk i omsorgstjenestene etter utdanning")

    def care_users(self, years: Iterable[int]) -> Cube:
        """Home-care users (12292) and long-term institution residents (11645) by age group."""
        home = self._home_care(years)
        ltc = self._ltc(years)
        regions = sorted(set(home.codes["region"]) | set(ltc.codes["region"]))
        parts = [c.reindex("region", regions) for c in (home, ltc)]
        return concat(parts, "service").transpose("region", "service", "age", "year").with_meta(
            table=f"{HOME_CARE}/{LTC}", structure=EACH_YEAR,
            title="Brukere av hjemmetjenester og langtidsopphold i institusjon")

    def _home_care(self, years: Iterable[int]) -> Cube:
        time, years = self._years(HOME_CARE, years, "home-care users")
        variables = self._variables(HOME_CARE)
        region = require(find_variable(variables, ("KOKkommuneregion0000", "Region"), ("region",)),
                         HOME_CARE, "region")
        contents = require(find_variable(variables, ("ContentsCode",)), HOME_CARE, "contents")
        codes = [c for c in HOME_CARE_CONTENTS if c in contents.values]
        cube = self.client.data(HOME_CARE, {region.code: [c for c in region.values if re.fullmatch(r"\d{4}", c)],
                                            contents.code: codes, time.code: years})
        parts = {g: [c for c, group in HOME_CARE_CONTENTS.items() if group == g] for g in AGE_GROUPS}
        cube = _grouped(cube, contents.code, parts)
        return _with_axis(self._renamed(cube, {region.code: "region", contents.code: "age", time.code: "year"}),
                          "service", "home_care", "Hjemmetjenester")

    def _ltc(self, years: Iterable[int]) -> Cube:
        time, years = self._years(LTC, years, "long-term care residents")
        variables = self._variables(LTC)
        region = require(find_variable(variables, ("Region",), ("region",)), LTC, "region")
        service = require(find_variable(variables, ("TenesteType",), ("teneste", "tjeneste")), LTC, "service")
        age = require(find_variable(variables, ("Alder",), ("alder",)), LTC, "age")
        contents = require(find_variable(variables, ("ContentsCode",)), LTC, "contents")
        ages = [a for a in LTC_AGES if a in age.values]
        cube = self.client.data(LTC, {region.code: [c for c in region.values if re.fullmatch(r"\d{4}", c)],
                                      service.code: LTC_SERVICE, age.code: ages, contents.code: "Brukere1",
                                      time.code: years})
        cube = cube.sel(**{service.code: LTC_SERVICE, contents.code: "Brukere1"})
        parts = {g: [a for a, group in LTC_AGES.items() if group == g] for g in AGE_GROUPS}
        cube = _grouped(cube, age.code, parts)
        return _with_axis(self._renamed(cube, {region.code: "region", age.code: "age", time.code: "year"}),
                          "service", "ltc", "Langtidsopphold i institusjon")

    # -- regions and provenance ----------------------------------------------------------------
    def region_history(self) -> RegionHistory:
        """KLASS 131 and ``agg_KommSummer`` live; split shares from 07459 around each split."""
        return self._history

    @cached_property
    def _history(self) -> RegionHistory:
        members, records, changes, counties = klass.fetch_klass(self.client)
        history = build_history(members, records, changes, counties or COUNTY_TABLE, source=self.name)
        time = find_variable(self._variables(POPULATION), ("Tid",), time=True)
        usable = [y for y in history.split_years() if time is not None and str(y) in time.values]
        return history.with_population(self.population(usable)) if usable else history

    def provenance(self) -> list[dict]:
        """SSB tables touched: id, API, URL, SSB's updated stamp, when fetched."""
        return self.client.provenance()


def _alternative(variables: Sequence[Variable], table: str, alternative: str) -> tuple[Variable, str]:
    """The variable and code holding ``alternative``: ContentsCode (from 2012, checked against
    its label when the label names an alternative), else any value labelled with it."""
    contents = find_variable(variables, ("ContentsCode",))
    code = ALTERNATIVE_CONTENTS.get(alternative)
    if contents is not None and code in contents.values:
        label = contents.value_labels[contents.values.index(code)]
        named = re.findall(r"\b([HLM0]{4})\b", label)
        if not named or alternative in named:
            return contents, code
    for variable in variables:
        for value, label in zip(variable.values, variable.value_labels):
            if value == alternative or re.search(rf"\b{alternative}\b", label):
                return variable, value
    raise UsageError(f"SSB table {table} has no alternative {alternative!r}")


def _with_sex_zero(cube: Cube, name: str) -> Cube:
    """Add a ``sex`` axis (code ``0``, both sexes) in front of a cube without one."""
    return _with_axis(cube, name, "0", "Begge kjønn")


def _with_axis(cube: Cube, dim: str, code: str, label: str) -> Cube:
    """Add a leading one-category axis."""
    status = None if cube.status is None else cube.status[np.newaxis]
    return Cube(dims=(dim,) + cube.dims, codes={dim: (code,), **cube.codes},
                labels={dim: (label,), **cube.labels}, values=cube.values[np.newaxis], status=status,
                meta=cube.meta)


def _drop_empty_regions(cube: Cube, dim: str) -> Cube:
    """Leave out region codes without a single value in the years fetched."""
    ax = cube.axis(dim)
    other = tuple(i for i in range(cube.values.ndim) if i != ax)
    keep = [c for c, has in zip(cube.codes[dim], ~np.all(np.isnan(cube.values), axis=other)) if has]
    return cube.sel(**{dim: keep})


def _grouped(cube: Cube, dim: str, parts: Mapping[str, list[str]]) -> Cube:
    """Axis ``dim`` summed into :data:`AGE_GROUPS`; ``parts[g]`` are the categories group ``g``
    needs. A group with no parts, or missing one (not in the table, or NaN), is NaN, never 0."""
    codes = list(cube.codes[dim])
    weights = np.zeros((len(codes), len(AGE_GROUPS)))
    for j, group in enumerate(AGE_GROUPS):
        for part in parts[group]:
            if part in codes:
                weights[codes.index(part), j] = 1.0
    grouped = cube.map_axis(dim, weights, AGE_GROUPS)
    incomplete = [not parts[g] or any(p not in codes for p in parts[g]) for g in AGE_GROUPS]
    values = np.moveaxis(grouped.values.copy(), grouped.axis(dim), -1)
    values[..., incomplete] = np.nan
    return Cube(dims=grouped.dims, codes=grouped.codes, labels=grouped.labels,
                values=np.moveaxis(values, -1, grouped.axis(dim)), meta=grouped.meta)
