"""Notes: what a run estimated or assumed, said in bokmål or English.

Every estimate the pipeline makes (a fallback population, an age split, a default share) is
recorded as a :class:`Note` with its fields, so the command, the package and a notebook
can say it in the reader's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

#: note key -> (bokmål, English) with {fields}
NOTES: dict[str, tuple[str, str]] = {
    "synthetic": ("Syntetiske data, ikke tall fra SSB: {tables}.", "Synthetic data, not SSB figures: {tables}."),
    "occupations": ("Datagrunnlaget har årsverk for {occupations}.", "The data hold FTEs for {occupations}."),
    "projection": ("Befolkning etter {base}: {whose} framskriving {table} ({vintage}), alternativ {alternative}, "
                   "for {count} av {total} kommuner.",
                   "Population after {base}: {whose} projection {table} ({vintage}), alternative {alternative}, "
                   "for {count} of {total} municipalities."),
    "fallback_national": ("Ingen kommunal framskriving fra SSB i datagrunnlaget for {regions}: befolkningen "
                          "etter {base} er ført fram fra {base} med de nasjonale kohortendringsratene i {whose} "
                          "framskriving {table} ({alternative}) (Hamilton–Perry). Dette er ikke SSBs framskriving for kommunen.",
                          "No SSB municipal projection in the data for {regions}: the population after {base} is "
                          "carried forward from {base} by the national cohort-change ratios of {whose} projection "
                          "{table} ({alternative}) (Hamilton–Perry). This is not SSB's projection for the "
                          "municipality."),
    "fallback_constant": ("Ingen befolkningsframskriving i datagrunnlaget for {regions}: befolkningen i {base} er "
                          "holdt konstant etter alder. Dette er ikke SSBs framskriving.",
                          "No population projection in the data for {regions}: the {base} population is held "
                          "constant by age. This is not SSB's projection."),
    "expanded": ("Framskrivingen {table} er publisert i aldersgrupper; fordelt på ettårig alder etter kommunens "
                 "aldersprofil i {base}, gruppesummene uendret.",
                 "Projection {table} is published in age groups; spread over single years of age by each "
                 "municipality's {base} age profile, group totals unchanged."),
    "base_groups": ("Befolkning {base}: 07459 i aldersgrupper (0–66, 67–79, 80+), fordelt på ettårig alder etter "
                    "befolkningen i {single} forskjøvet {shift} år langs kohortene under 80 år; gruppesummene er "
                    "eksakte.",
                    "Population {base}: 07459 by age group (0–66, 67–79, 80+), spread over single years of age by "
                    "the {single} population moved {shift} years along the cohorts below age 80; group totals "
                    "exact."),
    "stock_split": ("Alders- og kjønnsfordelingen av personellet er anslått fra den nasjonale profilen for hver "
                    "yrkesgruppe (kommunetabellene gir bare totaler).",
                    "Age-sex split of the staff estimated from the national profile of each occupation (the "
                    "municipal tables give totals only)."),
    "user_rates": ("Brukere per innbygger etter aldersgruppe: nasjonale rater {year} ({tables} over 07459; "
                   "{counts} kommuner med alle aldersgrupper for hjemmetjenester/institusjon).",
                   "Service users per inhabitant by age group: national rates {year} ({tables} over 07459; "
                   "{counts} municipalities with every age group for home care/institutions)."),
    "user_rates_default": ("{services}: ingen kommune har alle aldersgrupper av brukere; modellens nasjonale "
                           "standardrater (2024) er brukt.",
                           "{services}: no municipality has users in every age group; the model's national "
                           "default rates (2024) are used."),
    "inflow": ("Tilgangen holder hver gruppes årsverk på den årlige endringen {first}–{base} (høyst ±10 %).",
               "The inflow keeps each group's FTEs on their annual change {first}–{base} (capped at ±10 %)."),
    "inflow_level": ("Ingen årsverk før {base} i datagrunnlaget: tilgangen holder hver gruppes årsverk i nivå.",
                     "No FTEs before {base} in the data: the inflow keeps each group's FTEs level."),
    "mix_assumed": ("{occupations}: ingen standardandel i hjemmetjenester eller institusjon; delt likt (antakelse).",
                    "{occupations}: no default share in home care or institutions; split equally (assumption)."),
    "dropped": ("Utelatt fordi {what} mangler for {base}: {regions}.",
                "Left out for want of {what} in {base}: {regions}."),
    "model": ("{text}", "{text}"),
}
LACKING = {"fte": ("årsverk", "FTEs"), "population": ("befolkning", "population")}


@dataclass(frozen=True)
class Note:
    """One statement about how the numbers were made, in bokmål or English."""

    key: str
    fields: Mapping[str, object] = field(default_factory=dict)

    def text(self, lang: str = "en") -> str:
        no, en = NOTES[self.key]
        fields = {k: (v[lang == "en"] if isinstance(v, tuple) else v) for k, v in self.fields.items()}
        return (en if lang == "en" else no).format(**fields)

    def __str__(self) -> str:
        return self.text("en")
