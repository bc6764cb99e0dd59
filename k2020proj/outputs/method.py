"""The method page: model, scenarios, SSB tables with their stamps, vintage, known limits, files.

The words about the model are fixed (they describe the code, not a place); the
lists of tables, scenarios, groups and limits come from the package's inputs and
provenance, so the page always states what this package was made from.
"""
from __future__ import annotations

from html import escape
from typing import Mapping, Sequence

from k2020proj.outputs import html, labels
from k2020proj.outputs.indicators import NAMES as INDICATORS
from k2020proj.outputs.population import DEMAND_GROUPS

MODEL = {
    "no": (
        "Tilbudet av personell framskrives med en kohortmodell i HELSEMOD-stil per kommune, yrkesgruppe, "
        "kjønn og alder: hvert år eldes de ansatte ett år, noen går av (pensjon, uførhet, død, overgang "
        "til andre næringer) og nye rekrutteres. Årsverk er personer ganget med gjennomsnittlig "
        "avtalt stillingsstørrelse. Behovet framskrives fra basisårets årsverk med en behovsindeks per "
        "tjeneste: befolkningen etter alder og kjønn vektet med hvor mye hver aldersgruppe bruker "
        "tjenesten, og eventuelt en standardendring. I basisåret er behov lik tilbud. Differansen er "
        "tilbud minus behov (negativ = mangel); rekrutteringsbehovet er avgang pluss vekst i behovet. "
        "Kommunetall summerer seg eksakt til fylket. Usikkerhet: SSBs alternativer for "
        "befolkningsframskrivingen og Monte Carlo-trekk over modellens forutsetninger gir 80 og 95 "
        "prosents intervaller."),
    "en": (
        "Supply is projected with a HELSEMOD-style cohort model per municipality, occupation, sex and "
        "age: each year staff age one year, some leave (retirement, disability, death, other "
        "industries) and new recruits enter. FTEs are persons times the average contracted position "
        "size. Demand is projected from base-year FTEs with a demand index per service: population by "
        "age and sex weighted by how much each age group uses the service, optionally with a change "
        "in standard. In the base year demand equals supply. The gap is supply minus demand "
        "(negative = shortage); recruitment need is exits plus growth in demand. Municipal figures "
        "add up exactly to the county. Uncertainty: SSB's population projection alternatives and "
        "Monte Carlo draws over the model's assumptions give 80 and 95 per cent intervals."),
}

LIMITS = {
    "no": (
        "Tallene er framskrivinger under uttalte forutsetninger, ikke prognoser. Intervallene dekker "
        "usikkerheten i forutsetningene, ikke feil i selve modellen.",
        "Det som observeres er realisert sysselsetting, ikke behov: der tilbudet binder, blir faktiske "
        "årsverk lavere enn behovet.",
        "Enkle framskrivinger av sykepleierårsverk i kommunene bommer med om lag 9–14 prosent fem år "
        "fram (SSBs data 2015–2025); små kommuner og små grupper har størst feil.",
        "Små tall skjules med «:» i tabellene for publisering, men totaler omfatter de skjulte cellene "
        "(ingen sekundær skjuling). De maskinlesbare filene har eksakte tall.",
        "Andel ansatte 55 år og over krever ansatte etter alder; der grunnlaget mangler, vises «..».",
    ),
    "en": (
        "The figures are projections under stated assumptions, not forecasts. The intervals cover "
        "uncertainty in the assumptions, not error in the model itself.",
        "What is observed is realised employment, not demand: where supply binds, actual FTEs stay "
        "below demand.",
        "Simple projections of municipal nurse FTEs miss by about 9–14 per cent five years ahead "
        "(SSB data 2015–2025); small municipalities and small groups have the largest errors.",
        "Small numbers are hidden with ':' in the publication tables, but totals include the hidden "
        "cells (no secondary suppression). The machine-readable files hold exact figures.",
        "The share of staff aged 55+ needs staff by age; where the data lack it, '..' is shown.",
    ),
}

HEADINGS = {
    "no": ("Modell", "Scenarioer", "Datagrunnlag", "Kjente begrensninger", "Tegnforklaring og filer"),
    "en": ("Model", "Scenarios", "Data", "Known limits", "Symbols and files"),
}

FILES = {
    "no": (("csv/no/*.csv", "semikolon, desimalkomma, UTF-8 med BOM (åpnes riktig i norsk Excel)"),
           ("csv/en/*.csv", "komma, desimalpunktum, UTF-8"),
           ("csv/*/tidy.csv", "én rad per region × yrkesgruppe × år × scenario × variabel; tomme celler og "
                        "kolonnen status der tall mangler; koder er tekst (les med tekst-type)"),
           ("provenance.json", "versjoner, tabeller med SSBs oppdateringstidspunkt, scenariofiler, frø, "
                               "filer med SHA-256")),
    "en": (("csv/no/*.csv", "semicolon, decimal comma, UTF-8 with BOM (opens correctly in Norwegian Excel)"),
           ("csv/en/*.csv", "comma, decimal point, UTF-8"),
           ("csv/*/tidy.csv", "one row per region × occupation × year × scenario × variable; empty cells and "
                        "a status column where figures are missing; codes are text (read them as text)"),
           ("provenance.json", "versions, tables with SSB's updated stamps, scenario files, seeds, "
                               "files with SHA-256")),
}


def method_body(inputs, occupations: Sequence[str], threshold: int, lang: str,
                tables: Sequence[Mapping[str, object]]) -> str:
    """The HTML body of the method page for ``inputs`` (a :class:`PackageInputs`)."""
    heads = HEADINGS[labels.check_lang(lang)]
    groups = ", ".join(labels.occupation(o, lang) for o in occupations)
    limits = [labels.text("groups_included", lang, groups=groups), *LIMITS[lang], *inputs.limits]
    if inputs.synthetic:
        limits.insert(0, labels.text("synthetic_warning", lang))
    return "\n".join([
        html.heading(heads[0]), f"<p>{escape(MODEL[lang])}</p>",
        html.heading(heads[1]), _scenarios(inputs, lang),
        html.heading(heads[2]), _data(inputs, tables, lang),
        html.heading(heads[3]), _bullets(limits),
        html.heading(heads[4]),
        _bullets([labels.text("symbols", lang, threshold=threshold)]),
        html.definitions([*FILES[lang], ("variable", ", ".join(_variables(inputs)))]),
    ])


def _bullets(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{escape(str(i))}</li>" for i in items) + "</ul>"


def _scenarios(inputs, lang: str) -> str:
    """Scenario names in order (the first is the main one) with the files they came from."""
    files = {str(f.get("name")): f for f in inputs.provenance.get("scenario_files", [])
             if isinstance(f, Mapping)}
    rows = []
    for name in inputs.scenarios:
        entry = files.get(name, {})
        detail = "; ".join(str(entry[k]) for k in ("description", "path", "sha256") if entry.get(k))
        rows.append((name, detail or "–"))
    return html.definitions(rows)


def _data(inputs, tables: Sequence[Mapping[str, object]], lang: str) -> str:
    """SSB tables with their titles and updated stamps, then vintage and structure."""
    known = {str(t.get("id", t.get("table"))): t for t in tables}
    rows = []
    for table in dict.fromkeys([*map(str, inputs.tables), *known]):
        entry = known.get(table, {})
        title = entry.get("title", "")
        stamp = entry.get("updated", "")
        where = entry.get("url") or entry.get("source", "")
        rows.append((table, " · ".join(str(x) for x in (title, stamp, where) if x) or "–"))
    vintage = "Datagrunnlag" if lang == "no" else "Data vintage"
    rows += [(vintage, inputs.vintage), (labels.text("structure", lang), inputs.structure)]
    return html.definitions(rows)


def _variables(inputs) -> list[str]:
    """The variable codes of the tidy file."""
    model = sorted(set(inputs.results["variable"].astype(str)))
    return [*model, *INDICATORS, *(f"population_{g}" for g in [*DEMAND_GROUPS, "total"])]
