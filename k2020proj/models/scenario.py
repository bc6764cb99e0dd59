"""Scenarios: named TOML files of lever values tied to the Kompetanseløft strategies.

A scenario file::

    name = "heltid"
    description = "Half of the part-time gap closed over ten years ..."
    strategy = "K2020 strategy 1; K2025 'rekruttere, beholde og utvikle personell'"
    alternative = "MMMM"          # SSB's demographic alternative

    [levers]
    fulltime = 0.5                                  # a value
    inflow_factor = { value = 1.0, dist = "normal", sd = 0.1 }   # a value and a distribution

Levers not named keep their neutral value; a scenario with every lever neutral is
the reference path. Distributions (``normal`` with ``sd``; ``uniform`` with ``low``,
``high``; ``triangular`` with ``low``, ``high`` and the value as mode) feed the
Monte Carlo; draws are clipped to the lever's allowed range. Every fault in a file
raises :class:`~k2020proj.errors.ScenarioError` naming the file and the key.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Mapping

from k2020proj.errors import ScenarioError


@dataclass(frozen=True)
class Lever:
    """One scenario lever: the model parameter it moves, its neutral value and allowed range."""

    name: str
    neutral: float
    low: float
    high: float
    parameter: str
    strategy: str


K1, K2, K3, K4 = ("K2020 strategy 1; K2025 'rekruttere, beholde og utvikle personell'",
                  "K2020 strategy 2", "K2020 strategies 3 and 5", "K2020 strategy 4; K2025 'tjenesteutvikling'")
#: The levers, in the order Monte Carlo streams are assigned (append new levers at the end).
LEVERS: dict[str, Lever] = {lever.name: lever for lever in (
    Lever("inflow_factor", 1.0, 0.0, 5.0, "inflow R: multiplier on the calibrated constant inflow (recruitment)", K1),
    Lever("inflow_growth", 0.0, -0.1, 0.1, "inflow R: annual growth of the inflow (education capacity)", K2),
    Lever("inflow_population_elasticity", 0.0, 0.0, 2.0,
          "inflow R: elasticity to the municipality's population 20–66 (inflow follows population)", K1),
    Lever("exit_factor", 1.0, 0.2, 3.0, "exit rates x: multiplier at every age (retention)", K1),
    Lever("retirement_delay", 0.0, -3.0, 5.0, "exit rates x: years the schedule from age 60 moves later", K1),
    Lever("fulltime", 0.0, -1.0, 1.0,
          "FTE per person f: share of the gap to full time closed (negative: share of f lost), over 10 years", K1),
    Lever("upskill_ufag_hfa", 0.0, 0.0, 0.2,
          "transfer U ufag→hfa: annual share of unskilled staff aged 20–59 taking the trade certificate", K3),
    Lever("further_ed_spl", 0.0, 0.0, 0.1,
          "transfer U spl→hsyk/jord: annual share of nurses aged 25–54 specialising", "K2020 strategy 3"),
    Lever("standard_change", 0.005, -0.03, 0.05, "g_j: annual change in FTEs per user (SSB reference +0.5 %)", K4),
    Lever("welfare_technology", 0.0, 0.0, 0.05, "g_j: annual saving in FTEs per user from technology", K4),
    Lever("task_shift_spl_hfa", 0.0, 0.0, 0.5, "mix m: share of nurses' tasks moved to hfa, over 10 years", K4),
    Lever("health_improvement", 0.0, 0.0, 1.0,
          "u: θ, share of the life-expectancy gain spent healthy (age profile shifted by θ·ΔLE)", "—"),
    Lever("life_expectancy_gain", 0.1, 0.0, 0.3, "u: ΔLE per year, years of life expectancy gained per year", "—"),
    Lever("family_care", 0.0, 0.0, 1.0,
          "home care and institutions: share of the fall in relatives per elderly person that becomes demand", "—"),
)}
DISTRIBUTIONS = {"normal": ("sd",), "uniform": ("low", "high"), "triangular": ("low", "high")}
_TOP_KEYS = ("name", "description", "strategy", "alternative", "levers")
_ALTERNATIVE = re.compile(r"^[LMH][LMH][LMH0][LMH0]$")


@dataclass(frozen=True)
class Distribution:
    """How a lever varies across Monte Carlo draws."""

    kind: str
    sd: float = 0.0
    low: float = 0.0
    high: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """A named set of lever values (every lever present) and their distributions."""

    name: str
    description: str = ""
    strategy: str = ""
    alternative: str = "MMMM"
    values: Mapping[str, float] = field(default_factory=dict)
    distributions: Mapping[str, Distribution] = field(default_factory=dict)
    source: str = "<built in>"

    def __post_init__(self) -> None:
        unknown = sorted(set(self.values) - set(LEVERS))
        if unknown:
            raise ScenarioError(f"{self.source}: unknown lever {unknown[0]!r}; allowed: {', '.join(LEVERS)}")
        object.__setattr__(self, "values", {n: float(self.values.get(n, lv.neutral)) for n, lv in LEVERS.items()})
        object.__setattr__(self, "distributions", dict(self.distributions))

    def value(self, lever: str) -> float:
        return self.values[lever]

    def changed(self) -> dict[str, float]:
        """Levers that differ from neutral."""
        return {n: v for n, v in self.values.items() if v != LEVERS[n].neutral}

    def with_alternative(self, alternative: str) -> "Scenario":
        """The same levers on another SSB demographic alternative (for the fan)."""
        _check_alternative(alternative, self.source)
        return Scenario(self.name, self.description, self.strategy, alternative, self.values,
                        self.distributions, self.source)

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], source: str = "<mapping>", name: str = "scenario") -> "Scenario":
        """A validated scenario from parsed TOML; errors name ``source`` and the key."""
        for key in data:
            if key not in _TOP_KEYS:
                raise ScenarioError(f"{source}: unknown key {key!r}; allowed: {', '.join(_TOP_KEYS)}")
        texts = {k: data.get(k, default) for k, default in
                 (("name", name), ("description", ""), ("strategy", ""), ("alternative", "MMMM"))}
        for key, text in texts.items():
            if not isinstance(text, str):
                raise ScenarioError(f"{source}: {key!r} must be text, got {type(text).__name__}")
        _check_alternative(texts["alternative"], source)
        levers = data.get("levers", {})
        if not isinstance(levers, Mapping):
            raise ScenarioError(f"{source}: 'levers' must be a table of lever = value")
        values, distributions = {}, {}
        for key, spec in levers.items():
            values[key], dist = _parse_lever(key, spec, source)
            if dist is not None:
                distributions[key] = dist
        return cls(texts["name"], texts["description"], texts["strategy"], texts["alternative"],
                   values, distributions, source)


def _check_alternative(alternative: str, source: str) -> None:
    if not _ALTERNATIVE.match(alternative):
        raise ScenarioError(f"{source}: 'alternative' = {alternative!r} is not an SSB alternative "
                            "code (four letters like MMMM, LLML, HHMH, MMM0)")


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where} must be a number, got {type(value).__name__} {value!r}")
    return float(value)


def _in_range(lever: Lever, value: float, where: str) -> float:
    if not lever.low <= value <= lever.high:
        raise ScenarioError(f"{where} = {value:g} is outside the allowed range [{lever.low:g}, {lever.high:g}]")
    return value


def _parse_lever(key: str, spec: object, source: str) -> tuple[float, Distribution | None]:
    where = f"{source}: levers.{key}"
    if key not in LEVERS:
        raise ScenarioError(f"{source}: unknown lever {key!r}; allowed: {', '.join(LEVERS)}")
    lever = LEVERS[key]
    if not isinstance(spec, Mapping):
        return _in_range(lever, _number(spec, where), where), None
    allowed = ("value", "dist", *sorted({p for ps in DISTRIBUTIONS.values() for p in ps}))
    for part in spec:
        if part not in allowed:
            raise ScenarioError(f"{where}: unknown key {part!r}; allowed: {', '.join(allowed)}")
    value = _in_range(lever, _number(spec.get("value", lever.neutral), f"{where}.value"), f"{where}.value")
    kind = spec.get("dist")
    if kind is None:
        return value, None
    if kind not in DISTRIBUTIONS:
        raise ScenarioError(f"{where}.dist = {kind!r} is not one of {', '.join(DISTRIBUTIONS)}")
    params = {}
    for part in DISTRIBUTIONS[kind]:
        if part not in spec:
            raise ScenarioError(f"{where}: a {kind} distribution needs {' and '.join(DISTRIBUTIONS[kind])}")
        params[part] = _number(spec[part], f"{where}.{part}")
    _check_distribution(lever, kind, value, params, where)
    return value, Distribution(kind, **params)


def _check_distribution(lever: Lever, kind: str, value: float, params: dict, where: str) -> None:
    if kind == "normal":
        if params["sd"] <= 0:
            raise ScenarioError(f"{where}.sd = {params['sd']:g} must be positive")
        return
    _in_range(lever, params["low"], f"{where}.low")
    _in_range(lever, params["high"], f"{where}.high")
    if not params["low"] < params["high"]:
        raise ScenarioError(f"{where}: low must be below high")
    if kind == "triangular" and not params["low"] <= value <= params["high"]:
        raise ScenarioError(f"{where}: the value (the mode) must lie between low and high")


def available_scenarios() -> list[str]:
    """Names of the scenarios shipped with k2020proj."""
    return sorted(p.name[:-5] for p in _packaged().iterdir() if p.name.endswith(".toml"))


def _packaged():
    """The folder of shipped scenario files (package data of k2020proj)."""
    return resources.files("k2020proj") / "scenarios"


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A shipped scenario by name (``referanse``, ``heltid``, …) or a TOML file by path."""
    text_name = str(name_or_path)
    path = Path(text_name)
    if text_name.endswith(".toml") or path.is_file():
        if not path.is_file():
            raise ScenarioError(f"scenario file {text_name} not found")
        source, raw = str(path), path.read_bytes()
    else:
        packaged = _packaged() / f"{text_name}.toml"
        if not packaged.is_file():
            raise ScenarioError(f"unknown scenario {text_name!r}; shipped: {', '.join(available_scenarios())}, "
                                "or give a path to a .toml file")
        source, raw = f"{text_name}.toml", packaged.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{source}: not valid TOML ({error})") from None
    return Scenario.from_mapping(data, source=source, name=path.stem)
