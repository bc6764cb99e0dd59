"""Scenario files: the shipped ones load, neutral equals referanse, and every fault names the file and key."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from k2020proj.errors import ScenarioError
from k2020proj.models import LEVERS, Scenario, available_scenarios, load_scenario, project, synthetic_inputs

SHIPPED = {"referanse", "heltid", "rekruttering", "kompetanseloft", "friskere-eldre", "LLML", "HHMH"}


def test_all_shipped_scenarios_load_and_describe_their_strategy():
    """Each shipped scenario loads, has a description and names its Kompetanseløft link."""
    assert SHIPPED <= set(available_scenarios())
    for name in SHIPPED:
        scenario = load_scenario(name)
        assert scenario.name == name and len(scenario.description) > 80 and scenario.strategy
    assert load_scenario("LLML").alternative == "LLML" and load_scenario("HHMH").alternative == "HHMH"


def test_referanse_is_neutral_and_the_others_move_their_levers():
    """referanse changes no lever; each Kompetanseløft scenario changes at least one."""
    assert load_scenario("referanse").changed() == {}
    for name in ("heltid", "rekruttering", "kompetanseloft", "friskere-eldre"):
        assert load_scenario(name).changed(), name


def test_a_file_with_every_lever_neutral_reproduces_referanse_exactly(tmp_path: Path):
    """All levers written out at their neutral values give the same arrays as referanse, bit for bit."""
    body = "\n".join(f"{name} = {lever.neutral!r}" for name, lever in LEVERS.items())
    path = tmp_path / "neutral.toml"
    path.write_text(f'name = "neutral"\n[levers]\n{body}\n', encoding="utf-8")
    world = synthetic_inputs(n_regions=12, n_counties=2, horizon=2035)
    neutral, reference = project(world, load_scenario(path)), project(world, "referanse")
    for name in neutral.base:
        assert np.array_equal(neutral.base[name], reference.base[name]), name
    assert np.array_equal(neutral.index_numerator, reference.index_numerator)


@pytest.mark.parametrize("text, message", [
    ('[levers]\nspeed = 2', r"bad\.toml: unknown lever 'speed'; allowed: inflow_factor"),
    ('colour = "red"', r"bad\.toml: unknown key 'colour'; allowed: name"),
    ('[levers]\nfulltime = "lots"', r"bad\.toml: levers\.fulltime must be a number, got str"),
    ('[levers]\nfulltime = true', r"levers\.fulltime must be a number, got bool"),
    ('[levers]\nexit_factor = 9', r"levers\.exit_factor = 9 is outside the allowed range \[0\.2, 3\]"),
    ('[levers]\nfulltime = { value = 0.2, dist = "cauchy" }', r"levers\.fulltime\.dist = 'cauchy' is not one of"),
    ('[levers]\nfulltime = { value = 0.2, dist = "normal" }', r"a normal distribution needs sd"),
    ('[levers]\nfulltime = { value = 0.2, dist = "normal", sd = -1 }', r"levers\.fulltime\.sd = -1 must be positive"),
    ('[levers]\nfulltime = { value = 0.2, dist = "uniform", low = 0.3, high = 2 }',
     r"levers\.fulltime\.high = 2 is outside the allowed range \[-1, 1\]"),
    ('[levers]\nfulltime = { value = 0.9, dist = "triangular", low = 0, high = 0.5 }', r"mode\) must lie between"),
    ('[levers]\nfulltime = { value = 0.2, mean = 0.1 }', r"levers\.fulltime: unknown key 'mean'"),
    ('alternative = "MXMM"', r"'alternative' = 'MXMM' is not an SSB alternative"),
    ('levers = 3', r"'levers' must be a table"),
    ('name = 3', r"'name' must be text"),
    ('[levers\nfulltime = 1', r"bad\.toml: not valid TOML"),
])
def test_bad_scenario_files_name_the_file_the_key_and_the_allowed_values(tmp_path: Path, text, message):
    """Unknown keys, wrong types, values out of range, bad distributions and bad TOML → ScenarioError."""
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


def test_unknown_names_and_missing_files_are_clear_errors(tmp_path: Path):
    """An unknown name lists the shipped scenarios; a missing path says so."""
    with pytest.raises(ScenarioError, match="shipped: .*referanse"):
        load_scenario("pessimistic")
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "nowhere.toml")


def test_with_alternative_keeps_the_levers():
    """The fan runs the same levers on another demographic alternative."""
    heltid = load_scenario("heltid")
    low = heltid.with_alternative("LLML")
    assert low.alternative == "LLML" and low.values == heltid.values
    with pytest.raises(ScenarioError):
        heltid.with_alternative("low")


def test_scenarios_built_in_code_refuse_unknown_levers():
    """A Scenario made directly (not from a file) also names an unknown lever."""
    with pytest.raises(ScenarioError, match="unknown lever 'speed'"):
        Scenario("x", values={"speed": 1.0})
