"""The recorded real SSB data in ``shared/ssb-data`` as tables the replay server can serve.

Nothing here is invented: every served value is a recorded value, rearranged
into the table's variables.

- **07459** (population 1 January): ``Region`` holds the raw municipality codes
  of 1994–2024 (labels as Statbank writes them, ``"Halden (-2019)"``), ``Kjonn``
  1/2, ``Alder`` 000…105+, ``ContentsCode`` Personer1, ``Tid`` 2005–2021. The
  2020–2021 exports use ``agg_KommSummer`` codes of that year (``K-3001``), which
  are the raw 2020 codes with a ``K-`` in front. Sex is recorded for 2020–2021
  only: cells by sex before 2020 are missing (``..``) while eliminating ``Kjonn``
  gives the recorded totals. Cells of a code in a year it has no data are ``..``.
- **agg_KommSummer**: Statbank's grouping from ``kommuner-1994-2024.xlsx``.
- **Projection vintages** (05904 … 14746): the Telemark subsets, functional age
  groups, no sex; from 2012 the alternatives are ``ContentsCode`` Personer
  (MMMM), Personer1 (LLML), Personer2 (HHMH), before that a ``Framskriv``
  variable coded by the alternative letters.
- **14534** (nurse FTEs, 2024–2025), **12292** (home-care users, 24-hour housing),
  **11645** (long-term institution residents: ``Ialt`` and ``67-79`` only):
  the panel files, which are these tables in the 2024 municipality structure.
"""
from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.ssb import klass
from k2020proj.ssb.projection_csv import read_projection_csv
from k2020proj.ssb.statbank_csv import read_statbank_csv
from k2020proj.testing.replay_data import Codelist, ServedTable, problem

KOMMSUMMER_XLSX = Path("klass/agg_KommSummer/kommuner-1994-2024.xlsx")
POPULATION = Path("population/fhidata-07459")
TOTAL_FILES = ("Personer2005-2009.csv", "Personer2010-2014.csv", "Personer2015-2018.csv",
               "Personer2019.csv", "Personer2020.csv", "Personer2021.csv")
SEX_FILES = ("norway_population_by_age_sex_2020.csv", "norway_population_by_age_sex_2021.csv")
VINTAGES = Path("projections/telemark-vintages")
CARE_USERS = Path("users/framskrivningsverktoy-panel/care_users_by_municipality_age_2015_2025.csv")
NURSE_FTE = Path("personnel/framskrivningsverktoy-panel/nurse_fte_care_services_by_municipality_2015_2025.csv")

#: Regions of the projection files that are not municipalities (standard SSB codes).
NON_MUNICIPAL = {"Hele landet": "0", "Telemark (-2019)": "08",
                 "Vestfold og Telemark (2020-2023)": "38", "Telemark": "40"}
#: From the 2012 vintage on, SSB codes the alternatives as contents.
ALTERNATIVE_CONTENTS = {"MMMM": "Personer", "LLML": "Personer1", "HHMH": "Personer2"}
#: The snapshot dates of the recorded files (SSB's own stamps were not recorded).
UPDATED = {"fhidata": "2021-06-21", "panel": "2025-06-01", "telemark": "2025-08-20"}
PERSONS = {"base": "personer", "decimals": 0}


def read_kommsummer(ssb_data: Path) -> tuple[Codelist, dict[str, str]]:
    """``agg_KommSummer`` and the Statbank label of every member code (``"Bærum (2020-2023)"``)."""
    members = klass.read_agg_xlsx(ssb_data / KOMMSUMMER_XLSX)
    document = klass.codelist_document(members)
    values = document["values"]
    codelist = Codelist(id=document["id"], label=document["label"], codes=tuple(v["code"] for v in values),
                        labels=tuple(v["label"] for v in values),
                        members={v["code"]: tuple(v["valueMap"]) for v in values})
    return codelist, {m.code: m.label for m in members}


def _raw_region(code: str, known: set[str]) -> str | None:
    """The raw code behind an export's region code (``K-3001`` → ``3001``), None if none."""
    raw = code[2:] if code.startswith("K-") else code
    return raw if raw in known else None


def _place(target: np.ndarray, part: Cube, rows: dict[str, int], years: dict[str, int],
           known: set[str]) -> None:
    """Copy an export's values (region first, year last) into ``target``."""
    for i, code in enumerate(part.codes["region"]):
        raw = _raw_region(code, known)
        block = part.values[i]
        if raw is None:
            if np.nansum(block) != 0:
                raise DataError(f"export {part.meta.get('file')}: region {code} has data but no raw code")
            continue
        cols = [years[y] for y in part.codes["year"]]
        target[rows[raw]][..., cols] = block


def build_07459(ssb_data: Path, member_labels: dict[str, str]) -> ServedTable:
    """Population 1 January by region, sex, single-year age (see the module docstring)."""
    folder = ssb_data / POPULATION
    totals = [read_statbank_csv(folder / name) for name in TOTAL_FILES]
    by_sex = [read_statbank_csv(folder / name) for name in SEX_FILES]
    ages = totals[0].codes["age"]
    totals = [part.sel(age=list(ages)) for part in totals]
    by_sex = [part.sel(sex=["1", "2"], age=list(ages)) for part in by_sex]
    file_labels = {c: lab for part in totals for c, lab in zip(part.codes["region"], part.labels["region"])}
    regions = sorted(set(member_labels) | {c for c in file_labels if not c.startswith("K-")})
    known = set(regions)
    years = [y for part in totals for y in part.codes["year"]]
    rows, cols = {c: i for i, c in enumerate(regions)}, {y: i for i, y in enumerate(years)}
    total = np.full((len(regions), len(ages), len(years)), np.nan)
    sexed = np.full((len(regions), 2, len(ages), len(years)), np.nan)
    for part in totals:
        _place(total, part, rows, cols, known)
    for part in by_sex:
        _place(sexed, part, rows, cols, known)
    labels = {"Region": [member_labels.get(c, file_labels.get(c, c)) for c in regions],
              "Kjonn": ["Menn", "Kvinner"], "Alder": list(totals[0].labels["age"]),
              "ContentsCode": ["Personer"], "Tid": years}
    codes = {"Region": regions, "Kjonn": ["1", "2"], "Alder": list(ages),
             "ContentsCode": ["Personer1"], "Tid": years}
    dims = ("Region", "Kjonn", "Alder", "ContentsCode", "Tid")
    cube = Cube(dims=dims, codes=codes, labels=labels, values=sexed[:, :, :, None, :])
    without_sex = tuple(d for d in dims if d != "Kjonn")
    totals_cube = Cube(dims=without_sex, codes={d: codes[d] for d in without_sex},
                       labels={d: labels[d] for d in without_sex}, values=total[:, :, None, :])
    return ServedTable(
        id="07459", title="07459: Befolkning, etter region, kjønn, alder, statistikkvariabel og år",
        cube=cube, updated=UPDATED["fhidata"], totals={"Kjonn": totals_cube},
        elimination={"Kjonn": True, "Alder": True}, codelists={"Region": ("agg_KommSummer",)},
        units={"ContentsCode": {"Personer1": PERSONS}},
        var_labels={"Region": "region", "Kjonn": "kjønn", "Alder": "alder",
                    "ContentsCode": "statistikkvariabel", "Tid": "år"})


def vintage_files(ssb_data: Path) -> dict[str, Path]:
    """Projection table id → its recorded Telemark file."""
    found = {}
    for path in sorted((ssb_data / VINTAGES).glob("Framskrevet_folkemengde_*.csv")):
        table = pd.read_csv(path, nrows=1, dtype=str)["Tabell"].iloc[0].zfill(5)
        found[table] = path
    return found


def build_projection(path: Path, member_labels: dict[str, str]) -> ServedTable:
    """One projection vintage (Telemark subset) with SSB's variables for its era."""
    cube = read_projection_csv(path)
    by_label = {label: code for code, label in member_labels.items()}
    by_label.update(NON_MUNICIPAL)
    regions = [by_label[label] for label in cube.labels["region"]]
    vintage = int(cube.meta["vintage"])
    contents = vintage >= 2012
    alt_codes = [ALTERNATIVE_CONTENTS[a] if contents else a for a in cube.codes["alternative"]]
    alt_dim = "ContentsCode" if contents else "Framskriv"
    values = cube.transpose("region", "age", "alternative", "year").values
    dims = ("Region", "Alder", alt_dim, "Tid")
    served = Cube(dims=dims, codes={"Region": regions, "Alder": cube.codes["age"], alt_dim: alt_codes,
                                    "Tid": cube.codes["year"]},
                  labels={"Region": cube.labels["region"], "Alder": cube.labels["age"],
                          alt_dim: cube.labels["alternative"], "Tid": cube.codes["year"]},
                  values=values)
    table = str(cube.meta["table"])
    return ServedTable(id=table, title=f"{table}: {cube.meta.get('title', 'Framskrevet folkemengde')}",
                       cube=served, updated=UPDATED["telemark"], elimination={"Alder": True},
                       units={"ContentsCode": {c: PERSONS for c in alt_codes}} if contents else {},
                       var_labels={"Region": "region", "Alder": "alder", alt_dim: "statistikkvariabel"
                                   if contents else "framskrivingsalternativ", "Tid": "år"})


def _panel(path: Path, columns: list[str], first_year: int = 0) -> Cube:
    """A panel file's columns as a cube (region, contents, year), codes as text."""
    frame = pd.read_csv(path, dtype={"municipality_code": str})
    frame = frame[frame["year"] >= first_year]
    long = frame.melt(id_vars=["municipality_code", "year"], value_vars=columns,
                      var_name="contents", value_name="value")
    long["year"] = long["year"].astype(str)
    long = long.sort_values(["municipality_code", "year"], kind="stable")
    return Cube.from_frame(long.rename(columns={"municipality_code": "region"}),
                           ("region", "contents", "year"))


def _named(cube: Cube, names: dict[str, str], region_labels: dict[str, str]) -> tuple[dict, dict]:
    """Codes and labels of the panel's region and year axes under the table's variable names."""
    codes = {names["region"]: cube.codes["region"], names["year"]: cube.codes["year"]}
    labels = {names["region"]: [region_labels.get(c, c) for c in cube.codes["region"]],
              names["year"]: cube.codes["year"]}
    return codes, labels


def build_14534(ssb_data: Path, region_labels: dict[str, str]) -> ServedTable:
    """Nurse FTEs (education 01, all positions) 2024–2025: the years that are 14534 alone."""
    panel = _panel(ssb_data / NURSE_FTE, ["nurse_fte"], first_year=2024)
    dims = ("KOKkommuneregion0000", "KOKstillingkode0000", "KOKutdanningoms0000", "ContentsCode", "Tid")
    codes, labels = _named(panel, {"region": dims[0], "year": "Tid"}, region_labels)
    codes.update({dims[1]: ["TOT"], dims[2]: ["01"], dims[3]: ["KOSARBAARSVERKST0000"]})
    labels.update({dims[1]: ["I alt"], dims[2]: ["Sykepleiere"], dims[3]: ["Avtalte årsverk"]})
    values = panel.values[:, None, None, :, :]
    return ServedTable(
        id="14534", title="14534: Årsverk i omsorgstjenestene, etter stillingstype og utdanning (K)",
        cube=Cube(dims=dims, codes=codes, labels=labels, values=values), updated=UPDATED["panel"],
        geo=dims[0], elimination={dims[1]: True, dims[2]: True}, decimals=1,
        units={"ContentsCode": {"KOSARBAARSVERKST0000": {"base": "årsverk", "decimals": 1}}})


#: 12292 contents codes and the panel columns holding them.
CONTENTS_12292 = {"KOSkjernetotalt0000": "home_care_users_total", "KOSkjerne066aar0000": "home_care_users_0_66",
                  "KOSkjerne80aarov0000": "home_care_users_80plus",
                  "KOSbialthelsum0000": "residents_24h_staffed_housing_total"}


def build_12292(ssb_data: Path, region_labels: dict[str, str]) -> ServedTable:
    """Home-care users (total, 0–66, 80+) and 24-hour housing residents, 2015–2025."""
    panel = _panel(ssb_data / CARE_USERS, list(CONTENTS_12292.values()))
    dims = ("KOKkommuneregion0000", "ContentsCode", "Tid")
    codes, labels = _named(panel, {"region": dims[0], "year": "Tid"}, region_labels)
    codes["ContentsCode"] = list(CONTENTS_12292)
    labels["ContentsCode"] = ["Mottakere av hjemmetjenester", "Mottakere av hjemmetjenester 0-66 år",
                              "Mottakere av hjemmetjenester 80 år og over", "Beboere i bolig med heldøgns bemanning"]
    order = panel.positions("contents", list(CONTENTS_12292.values()))
    return ServedTable(
        id="12292", title="12292: Omsorgstjenester - supplerende grunnlagstall (K)",
        cube=Cube(dims=dims, codes=codes, labels=labels, values=panel.values[:, order, :]),
        updated=UPDATED["panel"], geo=dims[0],
        units={"ContentsCode": {c: PERSONS for c in CONTENTS_12292}})


#: 11645 ages recorded unmerged in the panel.
AGES_11645 = {"Ialt": "ltc_institution_residents_total", "67-79": "ltc_institution_residents_67_79"}


def build_11645(ssb_data: Path, region_labels: dict[str, str]) -> ServedTable:
    """Long-term institution residents (TenesteType 21), all ages and 67–79, 2015–2025."""
    panel = _panel(ssb_data / CARE_USERS, list(AGES_11645.values()))
    dims = ("Region", "TenesteType", "Alder", "ContentsCode", "Tid")
    codes, labels = _named(panel, {"region": "Region", "year": "Tid"}, region_labels)
    codes.update({"TenesteType": ["21"], "Alder": list(AGES_11645), "ContentsCode": ["Brukere1"]})
    labels.update({"TenesteType": ["Langtidsopphald i institusjon"], "Alder": ["I alt", "67-79 år"],
                   "ContentsCode": ["Brukarar"]})
    order = panel.positions("contents", list(AGES_11645.values()))
    values = panel.values[:, None, order, None, :]
    return ServedTable(
        id="11645", title="11645: Brukarar av omsorgstenester, etter alder og tenestetype (K)",
        cube=Cube(dims=dims, codes=codes, labels=labels, values=values), updated=UPDATED["panel"],
        elimination={"Alder": True}, units={"ContentsCode": {"Brukere1": PERSONS}})


def current_names(codelist: Codelist) -> dict[str, str]:
    """2024 municipality code → name, from the code list's groups (``K-3201`` → ``3201``)."""
    return {re.sub(r"^K-", "", c): label for c, label in zip(codelist.codes, codelist.labels)}


class ReplayData:
    """The tables and code lists served, built from the recorded files on first use."""

    def __init__(self, ssb_data: Path | None, tables: Mapping[str, ServedTable] | None = None):
        self.ssb_data = Path(ssb_data) if ssb_data is not None else None
        self._tables: dict[str, ServedTable] = dict(tables or {})
        self._codelists: dict[str, Codelist] = {}
        self._builders: dict[str, Callable[[], ServedTable]] = {}
        self._lock = threading.Lock()
        if self.ssb_data is not None:
            self._register_recorded()

    def _register_recorded(self) -> None:
        data = self.ssb_data
        codelist, members = read_kommsummer(data)
        self._codelists[codelist.id] = codelist
        names = current_names(codelist)
        self._builders["07459"] = lambda: build_07459(data, members)
        for table, path in vintage_files(data).items():
            self._builders[table] = lambda path=path: build_projection(path, members)
        self._builders["14534"] = lambda: build_14534(data, names)
        self._builders["12292"] = lambda: build_12292(data, names)
        self._builders["11645"] = lambda: build_11645(data, names)

    def add(self, table: ServedTable) -> None:
        with self._lock:
            self._tables[table.id] = table

    def add_codelist(self, codelist: Codelist) -> None:
        with self._lock:
            self._codelists[codelist.id] = codelist

    def table(self, table_id: str) -> ServedTable:
        with self._lock:
            if table_id not in self._tables and table_id in self._builders:
                self._tables[table_id] = self._builders[table_id]()
            if table_id not in self._tables:
                raise problem(404, "Not Found", f"Table with id, {table_id} can not be found")
            return self._tables[table_id]

    def codelist(self, name: str) -> Codelist:
        for key, codelist in self._codelists.items():
            if key.lower() == name.lower():
                return codelist
        raise problem(404, "Not Found", f"Codelist with id, {name} can not be found")
