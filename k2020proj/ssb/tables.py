"""The SSB tables k2020proj knows: what each holds and what the model uses it for.

The catalogue behind ``k2020proj tables`` and ``k2020proj fetch``. Years and
dimension codes are as SSB.md gives them; dimensions marked *unverified* there
are read from each table's metadata by the client, not trusted from here.
"""
from __future__ import annotations

from dataclasses import dataclass

from k2020proj.errors import UsageError


@dataclass(frozen=True)
class TableInfo:
    """One SSB table: id, title, years, dimensions, its role in the model, and the
    :class:`~k2020proj.sources.Source` method that delivers it (if any)."""

    id: str
    title: str
    years: str
    dims: tuple[str, ...]
    role: str
    dataset: str | None = None
    current: bool = True


#: Projection table of each vintage (the year the projection was made).
PROJECTION_TABLES: dict[int, str] = {
    2005: "05904", 2008: "06917", 2009: "07268", 2010: "08109", 2011: "08825", 2012: "09482",
    2014: "10213", 2016: "11168", 2018: "11668", 2020: "12882", 2022: "13600", 2024: "14288", 2026: "14746"}

_PROJECTION_DIMS = ("Region", "Kjonn", "Alder", "ContentsCode", "Tid")

TABLES: tuple[TableInfo, ...] = (
    TableInfo("07459", "Befolkning 1. januar, etter region, kjønn og ettårig alder", "1986–",
              ("Region", "Kjonn", "Alder", "ContentsCode", "Tid"),
              "actual population: the base year of every projection, backtest targets, split shares",
              "population"),
    *(TableInfo(table, f"Framskrevet folkemengde, {vintage}-framskrivingen (kommune)",
                f"{vintage}–2050", ("Region", "Framskriv", "Alder", "Tid") if vintage <= 2011 else _PROJECTION_DIMS,
                "future population by demographic alternative (MMMM, LLML, HHMH …); old vintages for backtests",
                "projection", current=vintage == max(PROJECTION_TABLES))
      for vintage, table in PROJECTION_TABLES.items()),
    TableInfo("14534", "Årsverk i omsorgstjenestene, etter stillingstype og utdanning (K)", "2015–2025",
              ("KOKkommuneregion0000", "KOKstillingkode0000", "KOKutdanningoms0000", "ContentsCode", "Tid"),
              "base-year FTEs (avtalte årsverk) per occupation: the supply model's starting stock",
              "personnel_fte"),
    TableInfo("11924", "Omsorgstjenestene – avtalte årsverk, etter utdanning (K)", "2015–2023",
              ("KOKkommuneregion0000", "KOKkyrk200000", "ContentsCode", "Tid"),
              "FTEs by education before 14534 (discontinued; differs from 14534 in 2015–2017)",
              "personnel_fte", current=False),
    TableInfo("04686", "Pleie og omsorg – grunnlagsdata (K)", "–2016", ("Region", "ContentsCode", "Tid"),
              "home-care users by age and nurse FTEs before 2015 (discontinued)", None, current=False),
    TableInfo("11645", "Brukarar av omsorgstenester, etter alder og tenestetype (K)", "2009–2025",
              ("Region", "TenesteType", "Alder", "ContentsCode", "Tid"),
              "users of long-term institutional care by age: demand profile u[j,a]", "care_users"),
    TableInfo("12292", "Omsorgstjenester – supplerende grunnlagstall (K)", "2015–",
              ("KOKkommuneregion0000", "ContentsCode", "Tid"),
              "home-care users 0–66 / 80+ and 24-hour housing: demand profile u[j,a]", "care_users"),
    TableInfo("11643", "Timar til omsorgstenester i løpet av året (K)", "2009–2025",
              ("Region", "TenesteType", "Alder", "ContentsCode", "Tid"),
              "hours of home nursing: intensity of home-care demand", None),
    TableInfo("07944", "Helse- og sosialpersonell, etter sektor (K)", "2008–2019",
              ("Region", "ContentsCode", "Tid"),
              "employed persons with health education per municipality (discontinued)", None, current=False),
    TableInfo("13470", "Sysselsatte etter næring (NACE) og kommune", "2008–", ("Region", "NACE2007", "ContentsCode", "Tid"),
              "fallback for employment in NACE 86–88 where care tables lack a group", None),
)


def table_info(table: str) -> TableInfo:
    """The catalogue entry of ``table``; :class:`UsageError` naming the known ones."""
    for info in TABLES:
        if info.id == table:
            return info
    raise UsageError(f"table {table!r} is not one k2020proj knows; known: {', '.join(t.id for t in TABLES)}")


def projection_table(vintage: int) -> str:
    """SSB's table for projection ``vintage``; :class:`UsageError` listing the vintages."""
    try:
        return PROJECTION_TABLES[int(vintage)]
    except (KeyError, ValueError):
        raise UsageError(f"no projection vintage {vintage}; SSB's vintages: "
                         f"{', '.join(map(str, PROJECTION_TABLES))}") from None


def vintage_of(table: str) -> int | None:
    """The vintage a projection table belongs to, or None."""
    return next((v for v, t in PROJECTION_TABLES.items() if t == table), None)
