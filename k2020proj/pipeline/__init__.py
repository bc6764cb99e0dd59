"""From SSB's tables to projections: what ``k2020proj project``, the package and a notebook call.

:func:`run_projection` takes an area (a municipality by today's code, an old code or its
name; a county; the whole country) and returns a :class:`ProjectionRun`: the model's
projection for each scenario, the population it used, the area, the tables behind it and
notes on every estimate. :func:`build_inputs` gives the model inputs alone::

    run = run_projection("Bærum", source="../shared/ssb-data", horizon=2040)
    run.results()            # tidy long frame (D's columns), the area's levels only
    run.notes                # what was estimated, in words (Note.text("no") in bokmål)

How the data become model inputs (each estimate is named in the run's notes):

- **Base year**: by default the newest year with both personnel FTEs and population in the
  source (recorded data: 2025, FTEs 2015–2025 and population by age group to 2025).
- **Base-year population**: 07459 by single year of age where the source has that year
  (recorded: to 2021). Otherwise 07459's age groups 0–66, 67–79 and 80+ (2024 structure)
  spread over single years with :func:`~k2020proj.models.expand_age_groups` (every group total
  exact), guided by the newest single-year population moved along the cohorts to the base
  year below age 80 and as it was above (where its cross-section carries mortality).
- **Population after the base year**: SSB's municipal projection of the newest vintage that
  starts no later than the year after the base year (or the vintage asked for), in the chosen
  alternative (MMMM by default), moved to the 2024 structure; a projection published in age
  groups is spread over single years with the municipality's base-year profile, keeping group
  totals. A municipality the source has no projection for (the recorded projections cover
  Telemark only) is carried forward from its own base-year population by the national
  cohort-change ratios of the same projection (Hamilton–Perry: each age's national ratio of
  the cohort one year older a year later, newborns by the national ratio to people 15–49);
  without a national projection its base-year population is held constant. Both are said in
  the notes and never presented as SSB's projection.
- **Sexes** are kept where the base year and the projection both have them, else both sexes
  are taken together (the user profiles are the same for both sexes, so demand is unchanged).
- **Personnel**: base-year contracted FTEs in the care services (11924/14534) by occupation,
  in the 2024 structure. The model splits each municipality's total by age and sex with the
  national profile (said in the notes). The inflow keeps each group on its annual change over
  the five years to the base year, capped at ±10 % (MODEL.md's default).
- **Demand**: the FTE tables cover the care services, i.e. home care and institutions, so those
  are the services; users per inhabitant by age group are national rates of the base year (or
  the newest year before it) from 12292/11645 over 07459, counted over the municipalities with
  every age group recorded, and made single-year curves with the national population as guide.
  Each occupation's split between the two is the model's default mix restricted to them.
"""
from __future__ import annotations

from k2020proj.pipeline.areas import Area, resolve_area
from k2020proj.pipeline.notes import NOTES, Note
from k2020proj.pipeline.personnel import SERVICES
from k2020proj.pipeline.run import (DEFAULT_HORIZON, BaseData, ProjectionRun, base_data, build_inputs, inputs_for,
                                    load_scenarios, run_projection, table_records)

__all__ = ["Area", "resolve_area", "NOTES", "Note", "SERVICES", "DEFAULT_HORIZON", "BaseData", "ProjectionRun",
           "base_data", "build_inputs", "inputs_for", "load_scenarios", "run_projection", "table_records"]
