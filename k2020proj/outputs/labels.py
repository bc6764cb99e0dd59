"""Bokmål and English labels for everything a package shows to people.

Codes never change with the language: occupation ``spl``, service ``home_care``,
municipality ``4001`` stay as they are; only the words beside them do. Bokmål is
the default (``lang="no"``), English is ``lang="en"``. The occupation labels
follow MODEL.md's table of groups.
"""
from __future__ import annotations

from k2020proj.errors import UsageError

LANGS = ("no", "en")

#: occupation code -> (bokmål, English), MODEL.md's default set plus the total
OCCUPATIONS: dict[str, tuple[str, str]] = {
    "spl": ("Sykepleier", "Registered nurse"),
    "hfa": ("Helsefagarbeider", "Health-care worker"),
    "vpl": ("Vernepleier", "Social educator"),
    "lege": ("Lege", "Physician"),
    "fys": ("Fysioterapeut", "Physiotherapist"),
    "erg": ("Ergoterapeut", "Occupational therapist"),
    "hsyk": ("Helsesykepleier", "Public-health nurse"),
    "jord": ("Jordmor", "Midwife"),
    "psyk": ("Psykolog", "Psychologist"),
    "sos": ("Sosionom / barnevernspedagog", "Social worker / child-welfare educator"),
    "annen_h": ("Annen helse- og sosialfaglig utdanning", "Other health/social education"),
    "ufag": ("Uten helse- og sosialfaglig utdanning", "No health/social education"),
    "total": ("Alle grupper", "All groups"),
}

#: service code -> (bokmål, English)
SERVICES: dict[str, tuple[str, str]] = {
    "home_care": ("Hjemmetjenester", "Home care"),
    "ltc": ("Sykehjem og heldøgns omsorg", "Nursing homes and 24-hour care"),
    "gp": ("Legetjeneste og legevakt", "GP and emergency care"),
    "health_station": ("Helsestasjon og skolehelse", "Health stations and school health"),
    "rehab": ("Fysioterapi og rehabilitering", "Physiotherapy and rehabilitation"),
    "mental": ("Psykisk helse og rus", "Mental health and substance use"),
    "other": ("Andre tjenester", "Other services"),
}

#: model output variable -> (bokmål, English)
VARIABLES: dict[str, tuple[str, str]] = {
    "supply_fte": ("Tilbud, årsverk", "Supply, FTEs"),
    "demand_fte": ("Behov, årsverk", "Demand, FTEs"),
    "gap_fte": ("Differanse tilbud - behov, årsverk", "Gap supply - demand, FTEs"),
    "supply_persons": ("Tilbud, personer", "Supply, persons"),
    "demand_persons": ("Behov, personer", "Demand, persons"),
    "gap_persons": ("Differanse tilbud - behov, personer", "Gap supply - demand, persons"),
    "recruitment_need_fte": ("Rekrutteringsbehov per år, årsverk", "Recruitment need per year, FTEs"),
    "recruitment_need_persons": ("Rekrutteringsbehov per år, personer",
                                 "Recruitment need per year, persons"),
    "exits_persons": ("Avgang, personer", "Exits, persons"),
    "realised_fte": ("Realisert sysselsetting, årsverk", "Realised employment, FTEs"),
    "demand_index": ("Behovsindeks (basisår = 1)", "Demand index (base year = 1)"),
}

#: indicator code -> (bokmål, English)
INDICATORS: dict[str, tuple[str, str]] = {
    "staff_per_1000_80plus": ("Årsverk per 1 000 innbyggere 80 år og over",
                              "FTEs per 1,000 inhabitants aged 80+"),
    "share_staff_55plus": ("Andel ansatte 55 år og over (prosent)",
                           "Share of staff aged 55+ (per cent)"),
    "fte_per_person": ("Årsverk per ansatt", "FTEs per employee"),
    "share_without_health_education": ("Andel årsverk uten helse- og sosialfaglig utdanning (prosent)",
                                       "Share of FTEs without health/social education (per cent)"),
}

#: words of the pages, sheets and charts: key -> (bokmål, English)
TEXT: dict[str, tuple[str, str]] = {
    "package_title": ("Statistikkpakke for helse- og omsorgspersonell", "Health and care workforce statistics package"),
    "county": ("Fylke", "County"),
    "municipality": ("Kommune", "Municipality"),
    "municipalities": ("Kommuner", "Municipalities"),
    "code": ("Kode", "Code"),
    "region_code": ("Regionnr.", "Region code"),
    "occupation_code": ("Yrkeskode", "Occupation code"),
    "service_code": ("Tjenestekode", "Service code"),
    "name": ("Navn", "Name"),
    "occupation": ("Yrkesgruppe", "Occupation"),
    "service": ("Tjeneste", "Service"),
    "year": ("År", "Year"),
    "scenario": ("Scenario", "Scenario"),
    "variable": ("Statistikkvariabel", "Variable"),
    "value": ("Verdi", "Value"),
    "level": ("Nivå", "Level"),
    "base_year": ("Basisår", "Base year"),
    "horizon": ("Framskrivingsår", "Horizon"),
    "overview": ("Fylkesoversikt", "County overview"),
    "method": ("Metode og kilder", "Method and sources"),
    "population": ("Befolkning", "Population"),
    "age_group": ("Aldersgruppe", "Age group"),
    "age": ("Alder", "Age"),
    "growth": ("Vekst (prosent)", "Growth (per cent)"),
    "change": ("Endring", "Change"),
    "low": ("nedre", "lower"),
    "high": ("øvre", "upper"),
    "gap_pct": ("Differanse i prosent av behov", "Gap as per cent of demand"),
    "groups_included": ("Yrkesgrupper som inngår: {groups}.", "Occupation groups included: {groups}."),
    "scenario_compare": ("Scenarioer sammenlignet", "Scenarios compared"),
    "persons": ("Personer", "Persons"),
    "fte": ("Årsverk", "FTEs"),
    "men": ("Menn", "Men"),
    "women": ("Kvinner", "Women"),
    "both_sexes": ("Begge kjønn", "Both sexes"),
    "indicators": ("Indikatorer", "Indicators"),
    "findings": ("Hovedfunn", "Main findings"),
    "supply_demand": ("Tilbud og behov", "Supply and demand"),
    "gap": ("Differanse og rekrutteringsbehov", "Gap and recruitment need"),
    "pyramid": ("Befolkningspyramide", "Population pyramid"),
    "demand_index_chart": ("Behovsindeks per tjeneste", "Demand index per service"),
    "compare_chart": ("Kommunene sammenlignet", "Municipalities compared"),
    "band80": ("80 % intervall", "80 % interval"),
    "band95": ("95 % intervall", "95 % interval"),
    "files": ("Filer", "Files"),
    "tidy_file": ("Alle tall i langt format", "All figures in long format"),
    "provenance": ("Proveniens (versjoner, tabeller, scenarioer, frø)",
                   "Provenance (versions, tables, scenarios, seeds)"),
    "sheet_overview": ("Oversikt", "Overview"),
    "sheet_population": ("Befolkning", "Population"),
    "sheet_supply_demand": ("Tilbud og behov", "Supply and demand"),
    "sheet_demand_index": ("Behovsindeks", "Demand index"),
    "sheet_indicators": ("Indikatorer", "Indicators"),
    "sheet_scenarios": ("Scenarioer", "Scenarios"),
    "back": ("Tilbake til oversikten", "Back to the overview"),
    "structure": ("Kommunestruktur", "Municipality structure"),
    "synthetic_warning": ("Merk: deler av grunnlaget er syntetiske data, ikke tall fra SSB.",
                          "Note: part of the input is synthetic data, not SSB figures."),
    "symbols": ("Tegnforklaring: .. mangler, : skjult (under {threshold} personer), - null",
                "Symbols: .. missing, : suppressed (below {threshold} persons), - zero"),
    "source": ("Kilde: Statistisk sentralbyrå (tabell {tables}), beregninger med k2020proj {version}",
               "Source: Statistics Norway (table {tables}), calculations with k2020proj {version}"),
    "scenario_line": ("Scenario: {scenario}. Datagrunnlag: {vintage}.",
                      "Scenario: {scenario}. Data vintage: {vintage}."),
}


def check_lang(lang: str) -> str:
    """``lang`` itself if it is ``no`` or ``en``; a usage error otherwise."""
    if lang not in LANGS:
        raise UsageError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def _pick(table: dict[str, tuple[str, str]], code: str, lang: str) -> str:
    pair = table.get(code)
    if pair is None:
        return code
    return pair[LANGS.index(check_lang(lang))]


def occupation(code: str, lang: str = "no") -> str:
    """The name of occupation group ``code`` (the code itself if unknown)."""
    return _pick(OCCUPATIONS, code, lang)


def service(code: str, lang: str = "no") -> str:
    """The name of service ``code`` (the code itself if unknown)."""
    return _pick(SERVICES, code, lang)


def variable(code: str, lang: str = "no") -> str:
    """The label of model variable or indicator ``code``."""
    return _pick(VARIABLES, code, lang) if code in VARIABLES else _pick(INDICATORS, code, lang)


def text(key: str, lang: str = "no", **fields: object) -> str:
    """A phrase of the pages in ``lang``, with ``{fields}`` filled in."""
    if key not in TEXT:
        raise KeyError(f"no label text {key!r}")
    return _pick(TEXT, key, lang).format(**fields)
