"""Where SSB's tables come from: the live API, or a folder of recorded data.

Every stage after the data layer asks a :class:`Source` for cubes and does not care
whether they were fetched from PxWebApi (``LiveSource``, :mod:`k2020proj.ssb.live`) or
read from a recorded copy laid out like ``shared/ssb-data`` (:class:`RecordedSource`,
chosen with ``--source DIR`` or ``K2020PROJ_SOURCE``). Both return the same cubes:
same dims, codes and meta (``table``, ``structure``, ``synthetic``), so a command run
against a saved copy computes exactly what it would compute live.

Recorded layout (relative to the folder)::

    population/fhidata-07459/Personer<YYYY>[-<YYYY>].csv          07459, both sexes
    population/fhidata-07459/norway_population_by_age_sex_<YYYY>.csv   07459 by sex
    population/framskrivningsverktoy-panel/paneldata_2007_2025_2024struktur.csv
    personnel/framskrivningsverktoy-panel/nurse_fte_care_services_by_municipality_2015_2025.csv
    users/framskrivningsverktoy-panel/care_users_by_municipality_age_2015_2025.csv
    projections/telemark-vintages/Framskrevet_folkemengde_<vintage>-<last>.csv
    klass/agg_KommSummer/kommuner-1994-2024.xlsx, klass/fhidata/norway_locations.xlsx
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Iterable, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from k2020proj import settings
from k2020proj.cube import Cube, concat
from k2020proj.errors import DataError, UsageError
from k2020proj.harmonised import EACH_YEAR
from k2020proj.regions import RegionHistory, build_history
from k2020proj.ssb import klass
from k2020proj.ssb.projection_csv import read_projection_csv
from k2020proj.ssb.statbank_csv import read_statbank_csv

POPULATION = "population/fhidata-07459"
PANEL = "population/framskrivningsverktoy-panel/paneldata_2007_2025_2024struktur.csv"
NURSES = "personnel/framskrivningsverktoy-panel/nurse_fte_care_services_by_municipality_2015_2025.csv"
USERS = "users/framskrivningsverktoy-panel/care_users_by_municipality_age_2015_2025.csv"
PROJECTIONS = "projections/telemark-vintages"
AGG_XLSX = "klass/agg_KommSummer/kommuner-1994-2024.xlsx"
LOCATIONS = "klass/fhidata/norway_locations.xlsx"
SSB = "Statistisk sentralbyrå"

_BOTH_SEXES = re.compile(r"^Personer(\d{4})(?:-(\d{4}))?\.csv$")
_BY_SEX = re.compile(r"^norway_population_by_age_sex_(\d{4})\.csv$")
_VINTAGE = re.compile(r"^Framskrevet_folkemengde_(\d{4})-(\d{4})\.csv$")
AGE_GROUPS = ("0-66", "67-79", "80+", "total")
_GROUP_COLUMNS = dict(zip(("folk_0_66", "folk_67_79", "folk_80p", "folk_ialt"), AGE_GROUPS))
_USER_COLUMNS = {
    f"{prefix}_{suffix}": (service, age)
    for service, prefix in (("home_care", "home_care_users"), ("ltc", "ltc_institution_residents"))
    for suffix, age in (("0_66", "0-66"), ("67_79", "67-79"), ("80plus", "80+"), ("total", "total"))
}


@runtime_checkable
class Source(Protocol):
    """The datasets k2020proj needs, identical whether live or recorded."""

    name: str

    def population(self, years: Iterable[int]) -> Cube: ...
    def population_groups(self, years: Iterable[int]) -> Cube: ...
    def projection(self, vintage: int, alternative: str = "MMMM") -> Cube: ...
    def personnel_fte(self, years: Iterable[int]) -> Cube: ...
    def care_users(self, years: Iterable[int]) -> Cube: ...
    def region_history(self) -> RegionHistory: ...
    def provenance(self) -> list[dict]: ...


def years_list(years: Iterable[int | str] | int | str) -> list[int]:
    """Years as sorted unique ints; a bad year is a :class:`UsageError`."""
    if isinstance(years, (int, str)):
        years = [years]
    try:
        out = sorted({int(y) for y in years})
    except (TypeError, ValueError):
        raise UsageError(f"years must be whole numbers, got {years!r}") from None
    if not out:
        raise UsageError("no years asked for")
    return out


def check_years(years: list[int], available: Iterable[int], what: str) -> None:
    """:class:`UsageError` naming the available range if a year is not recorded."""
    have = sorted(set(available))
    outside = [y for y in years if y not in have]
    if outside:
        raise UsageError(f"{what}: {', '.join(map(str, outside))} not in the recorded data "
                         f"(available {have[0]}–{have[-1]})")


class RecordedSource:
    """SSB data read from a folder laid out like ``shared/ssb-data``."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).expanduser()
        if not self.folder.is_dir():
            raise UsageError(f"recorded source {self.folder} is not a folder (check --source / K2020PROJ_SOURCE)")
        self.name = f"recorded: {self.folder}"
        self._used: dict[str, dict] = {}

    # -- files ----------------------------------------------------------------------------
    def _path(self, relative: str) -> Path:
        path = self.folder / relative
        if not path.exists():
            raise DataError(f"recorded source {self.folder} lacks {relative}")
        return path

    def _note(self, path: Path, table: str, what: str) -> None:
        self._used[str(path)] = {"table": table, "file": str(path), "what": what, "source": self.name}

    @lru_cache(maxsize=None)
    def _statbank(self, path: Path) -> Cube:
        return read_statbank_csv(path, table="07459")

    def _population_files(self, pattern: re.Pattern) -> dict[int, Path]:
        found = {}
        for path in sorted(self._path(POPULATION).iterdir()):
            match = pattern.match(path.name)
            if match:
                first, *rest = match.groups()
                last = int(rest[0]) if rest and rest[0] else int(first)
                first = int(first)
                found.update({y: path for y in range(first, last + 1)})
        return found

    # -- datasets ---------------------------------------------------------------------------
    def population(self, years: Iterable[int]) -> Cube:
        """07459 population 1 January by region, sex, single-year age and year.

        Regions as SSB wrote them each year (``0219`` to 2019, ``K-3024`` after); sex
        ``1``/``2`` when every year asked for has the split (2020–2021), else ``0``.
        """
        years = years_list(years)
        plain, by_sex = self._population_files(_BOTH_SEXES), self._population_files(_BY_SEX)
        check_years(years, plain, "population (07459)")
        with_sex = all(y in by_sex for y in years)
        files = by_sex if with_sex else plain
        parts = []
        for path in sorted({files[y] for y in years}):
            cube = self._statbank(path)
            cube = cube.sel(year=[str(y) for y in years if files[y] == path])
            parts.append(cube if with_sex else _both_sexes(cube))
            self._note(path, "07459", "population by region, age" + (", sex" if with_sex else ""))
        cube = _join_years(parts).transpose("region", "sex", "age", "year")
        return cube.with_meta(table="07459", source=SSB, structure=EACH_YEAR, synthetic=False,
                              title="Befolkning 1. januar, etter region, kjønn og alder",
                              file=", ".join(str(p) for p in sorted({files[y] for y in years})))

    def population_groups(self, years: Iterable[int]) -> Cube:
        """Population 1 January by age group (0-66, 67-79, 80+, total), 2024 structure."""
        cube = self._panel_cube(PANEL, ("kommunenr_2024", "år"), {c: (g,) for c, g in _GROUP_COLUMNS.items()},
                                ("age",), years, "population by age group", "07459")
        return cube.with_meta(title="Befolkning 1. januar etter aldersgruppe (2024-struktur)")

    def personnel_fte(self, years: Iterable[int]) -> Cube:
        """Contracted FTEs in municipal care services by occupation (recorded: nurses, ``spl``)."""
        cube = self._panel_cube(NURSES, ("municipality_code", "year"), {"nurse_fte": ("spl",)},
                                ("occupation",), years, "nurse FTEs in care services", "11924/14534/04686")
        return cube.with_meta(unit="avtalte årsverk",
                              title="Avtalte årsverk i omsorgstjenestene, sykepleiere (2024-struktur)")

    def care_users(self, years: Iterable[int]) -> Cube:
        """Users of home care and long-term institutional care by age group (blank = NaN)."""
        cube = self._panel_cube(USERS, ("municipality_code", "year"), _USER_COLUMNS,
                                ("service", "age"), years, "care service users", "12292/11645/04686")
        return cube.with_meta(title="Brukere av hjemmetjenester og langtidsopphold i institusjon (2024-struktur)")

    def projection(self, vintage: int, alternative: str = "MMMM") -> Cube:
        """A projection vintage (recorded: Telemark, functional age groups), regions in the
        vintage's own structure; sex ``0`` (the recorded files have no split)."""
        files = {}
        for path in sorted(self._path(PROJECTIONS).iterdir()):
            if match := _VINTAGE.match(path.name):
                files[int(match.group(1))] = path
        if int(vintage) not in files:
            raise UsageError(f"projection vintage {vintage} is not recorded (vintages: "
                             f"{', '.join(map(str, sorted(files)))})")
        path = files[int(vintage)]
        cube = self._projection(path)
        alternatives = cube.codes["alternative"]
        if alternative not in alternatives:
            raise UsageError(f"projection {vintage} has no alternative {alternative!r} "
                             f"(recorded: {', '.join(alternatives)})")
        self._note(path, str(cube.meta.get("table", "")), f"projection vintage {vintage}")
        cube = _both_sexes(cube.sel(alternative=alternative)).transpose("region", "sex", "age", "year")
        return cube.with_meta(structure=str(vintage), alternative=alternative, synthetic=False)

    @lru_cache(maxsize=None)
    def _projection(self, path: Path) -> Cube:
        return read_projection_csv(path, resolve=self.region_history().code_for_name)

    def region_history(self) -> RegionHistory:
        """Municipality codes 1994–2024 from the recorded grouping and FHI's location
        table, split shares estimated from the recorded 07459 population."""
        return self._history

    @cached_property
    def _history(self) -> RegionHistory:
        agg, locations = self._path(AGG_XLSX), self._path(LOCATIONS)
        records, changes = klass.read_fhidata_locations(locations)
        history = build_history(klass.read_agg_xlsx(agg), records, changes, source=self.name)
        self._note(agg, "agg_KommSummer", "municipality grouping 1994-2024")
        self._note(locations, "KLASS 131 (FHI)", "municipality validity and changes to 2020")
        available = self._population_files(_BOTH_SEXES)
        usable = [y for y in history.split_years() if y in available]
        return history.with_population(self.population(usable)) if usable else history

    def provenance(self) -> list[dict]:
        """The recorded files read so far, with the SSB table each holds."""
        return list(self._used.values())

    # -- panel files --------------------------------------------------------------------------
    @lru_cache(maxsize=None)
    def _panel(self, relative: str, code: str, year: str) -> pd.DataFrame:
        path = self._path(relative)
        frame = pd.read_csv(path, dtype={code: str}, encoding="utf-8")
        if code not in frame or year not in frame:
            raise DataError(f"{path}: expected columns {code!r} and {year!r}")
        return frame

    def _panel_cube(self, relative: str, keys: tuple[str, str], columns: dict[str, tuple[str, ...]],
                    dims: tuple[str, ...], years: Iterable[int], what: str, table: str) -> Cube:
        """One cube (region, *dims, year) from a panel with one column per cell of ``dims``."""
        code, year = keys
        frame = self._panel(relative, code, year)
        years = years_list(years)
        check_years(years, frame[year].astype(int), what)
        missing = [c for c in columns if c not in frame]
        if missing:
            raise DataError(f"{what}: recorded panel lacks column(s) {', '.join(missing)}")
        long = frame.melt(id_vars=[code, year], value_vars=list(columns), var_name="column", value_name="value")
        for i, dim in enumerate(dims):
            long[dim] = long["column"].map(lambda c, i=i: columns[c][i])
        long = long.rename(columns={code: "region", year: "year"})
        long["year"] = long["year"].astype(int).astype(str)
        cube = Cube.from_frame(long, ("region",) + dims + ("year",))
        cube = cube.reindex("year", [str(y) for y in sorted(set(frame[year].astype(int)))])
        history = self.region_history()
        labels = [history.records[c].name if c in history.records else c for c in cube.codes["region"]]
        self._note(self.folder / relative, table, what)
        return cube.sel(year=[str(y) for y in years]).relabel("region", labels).with_meta(
            table=table, source=SSB, structure=str(history.end_year), synthetic=False, file=str(self.folder / relative))


def _both_sexes(cube: Cube) -> Cube:
    """Add a ``sex`` axis with the single code ``0`` (both sexes) to a cube without one."""
    codes, labels = dict(cube.codes), dict(cube.labels)
    codes["sex"], labels["sex"] = ("0",), ("Begge kjønn",)
    status = None if cube.status is None else cube.status[np.newaxis]
    return replace(cube, dims=("sex",) + cube.dims, codes=codes, labels=labels,
                   values=cube.values[np.newaxis], status=status)


def _join_years(parts: list[Cube]) -> Cube:
    """Join exports of different years whose region lists differ (NaN where absent)."""
    regions: dict[str, str] = {}
    for part in parts:
        for code, label in zip(part.codes["region"], part.labels["region"]):
            regions.setdefault(code, label)
    aligned = [p.reindex("region", list(regions), list(regions.values())) for p in parts]
    return concat(aligned, "year") if len(aligned) > 1 else aligned[0]


def load_region_history(source: Source | str | Path | None = None) -> RegionHistory:
    """The municipality code history of ``source`` (a :class:`Source`, a recorded folder,
    or ``None`` for :func:`open_source`'s choice)."""
    if not isinstance(source, Source):
        source = open_source(source)
    return source.region_history()


def open_source(source: str | Path | None = None, offline: bool = False, refresh: bool = False) -> Source:
    """The recorded folder ``source`` (or ``K2020PROJ_SOURCE``) if set, else SSB live."""
    folder = source or settings.recorded_source()
    if folder:
        return RecordedSource(folder)
    from k2020proj.ssb.client import SSBClient
    from k2020proj.ssb.live import LiveSource
    return LiveSource(SSBClient(offline=offline, refresh=refresh))
