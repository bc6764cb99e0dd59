"""The projection model: a HELSEMOD-style supply/demand cohort model per occupation and municipality.

Pure NumPy functions of arrays and parameters; nothing here touches the network,
files (except the packaged scenario TOML) or the command line. Start with
:func:`make_inputs` (or :func:`synthetic_inputs`), then :func:`project`.
"""
from k2020proj.models.parameters import OCCUPATIONS, SERVICES, ModelInputs, make_inputs
from k2020proj.models.population import age_bounds, expand_age_cube, expand_age_groups, splice
from k2020proj.models.projection import project
from k2020proj.models.result import COLUMNS, Projection
from k2020proj.models.scenario import LEVERS, Scenario, available_scenarios, load_scenario
from k2020proj.models.supply import split_total_by_profile
from k2020proj.models.synthetic import synthetic_inputs
from k2020proj.models.uncertainty import fan

__all__ = ["OCCUPATIONS", "SERVICES", "ModelInputs", "make_inputs", "age_bounds", "expand_age_cube",
           "expand_age_groups", "splice", "project", "COLUMNS", "Projection", "LEVERS", "Scenario",
           "available_scenarios", "load_scenario", "split_total_by_profile", "synthetic_inputs", "fan"]
