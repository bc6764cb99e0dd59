"""The result of a projection: arrays per draw, municipality, occupation and year, and a tidy frame.

Arrays have a leading draw axis: element 0 is the central run (the scenario's
lever values), elements 1.. the Monte Carlo draws. ``to_frame()`` gives the long
table every output reads (columns :data:`COLUMNS`), with the central value and the
80 %/95 % bands at municipality, county and national level.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import pandas as pd

from k2020proj.models.demand import service_index
from k2020proj.models.gap import LEVELS, VARIABLES, derive, levels
from k2020proj.models.parameters import NATION
from k2020proj.models.uncertainty import BANDS, bands

COLUMNS = ("level", "region", "occupation", "year", "scenario", "variable", "value", *BANDS)
INDEX = "demand_index"


@dataclass(frozen=True, eq=False)
class Projection:
    """A projection's results.

    ``base`` holds the municipal arrays (D, K, O, T) ``supply_fte``, ``supply_persons``,
    ``demand_fte``, ``exits_persons``, ``exits_fte``, ``inflow_persons``;
    ``index_numerator`` (D, K, J, T) and ``index_denominator`` (K, J) give the service
    indices; ``fte_fallback`` (O,) the FTE per person used where nobody is employed.
    ``meta``: scenario, levers, seed, draws, base year, horizon, the inputs' provenance,
    ``synthetic`` and ``stock_split_estimated``.
    """

    regions: tuple[str, ...]
    counties: tuple[str, ...]
    occupations: tuple[str, ...]
    services: tuple[str, ...]
    years: tuple[int, ...]
    scenario: str
    base: Mapping[str, np.ndarray]
    index_numerator: np.ndarray
    index_denominator: np.ndarray
    fte_fallback: np.ndarray
    meta: Mapping[str, object] = field(default_factory=dict)

    @property
    def draws(self) -> int:
        """Number of Monte Carlo draws (0 for a deterministic run)."""
        return self.base["supply_fte"].shape[0] - 1

    def variable(self, name: str) -> np.ndarray:
        """A municipal variable (D, K, O, T), one of :data:`VARIABLES` or ``inflow_persons``."""
        if name == "inflow_persons":
            return self.base[name]
        return derive(name, self.base, self.fte_fallback)

    def array(self, name: str, level: str = "kommune") -> tuple[tuple[str, ...], np.ndarray]:
        """Region codes and the array (D, R, O, T) of a variable at ``level``.

        For ``demand_index`` the third axis is the service and the array is the
        ratio of the summed numerators to the summed base-year denominators.
        """
        if level not in LEVELS:
            raise KeyError(f"unknown level {level!r}; known: {', '.join(LEVELS)}")
        return self._levels(name)[level]

    def to_frame(self) -> pd.DataFrame:
        """Tidy long frame: one row per level, region, occupation (or service), year and variable.

        ``value`` is the central run; ``lo95, lo80, hi80, hi95`` the bands over the draws
        (NaN without draws). Flows are absent in the base year.
        """
        parts, constants = [], []
        for name in (*VARIABLES, INDEX):
            second = self.services if name == INDEX else self.occupations
            for level, (codes, values) in self._levels(name).items():
                parts.append(self._rows(codes, second, values))
                constants.append((level, self.scenario, name))
        columns = {column: np.concatenate([part[column] for part in parts]) for column in parts[0]}
        counts = [len(part["value"]) for part in parts]
        for position, column in enumerate(("level", "scenario", "variable")):
            columns[column] = np.repeat(np.array([c[position] for c in constants], dtype=object), counts)
        keep = ~np.isnan(columns["value"])
        return pd.DataFrame({column: columns[column][keep] for column in COLUMNS})

    def _levels(self, name: str) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        if name != INDEX:
            return levels(self.variable(name), self.regions, self.counties, NATION)
        numerators = levels(self.index_numerator, self.regions, self.counties, NATION)
        denominators = levels(self.index_denominator[None], self.regions, self.counties, NATION)
        return {level: (codes, service_index(num, denominators[level][1][0]))
                for level, (codes, num) in numerators.items()}

    def _rows(self, codes: tuple[str, ...], second: tuple[str, ...], values: np.ndarray) -> dict[str, np.ndarray]:
        """Region, occupation, year, value and band columns, one row per cell of ``values[0]``."""
        n_region, n_second, n_year = values.shape[1:]
        columns = {
            "region": np.repeat(np.asarray(codes, dtype=object), n_second * n_year),
            "occupation": np.tile(np.repeat(np.asarray(second, dtype=object), n_year), n_region),
            "year": np.tile(np.asarray(self.years), n_region * n_second),
            "value": values[0].ravel(),
        }
        columns.update({band: q.ravel() for band, q in bands(values).items()})
        return columns
