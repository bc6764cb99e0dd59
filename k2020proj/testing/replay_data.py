"""Tables the replay server serves, and how it answers a selection on one.

A :class:`ServedTable` is a table as SSB holds it: a cube whose axes are the
table's variable codes (``Region``, ``Kjonn``, ``Alder``, ``ContentsCode``,
``Tid``), which variables may be eliminated, precomputed totals where a total
is known although its parts are not (07459 before 2020 has no split by sex,
but the total is recorded), and the code lists each variable accepts.
:meth:`ServedTable.answer` does what SSB does with a query: applies code lists
(summing the member codes, missing cells skipped, all missing stays missing),
picks codes with the same expressions the client uses, eliminates the variables
left out, and refuses unknown codes (400) and too many cells (403) with SSB's
wording. The recorded data themselves are read by :mod:`k2020proj.testing.replay_tables`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.ssb.selection import SelectionError, Variable, expand

MISSING = ".."


class Reply(Exception):
    """Raised by a route to answer with ``status`` and a JSON (or raw) body."""

    def __init__(self, status: int, body: object, ctype: str = "application/problem+json",
                 headers: Mapping[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.ctype, self.headers = status, body, ctype, dict(headers or {})


def problem(status: int, title: str, detail: str, headers: Mapping[str, str] | None = None) -> Reply:
    """An RFC 7807 problem answer, as PxWebApi 2 sends for errors."""
    return Reply(status, {"type": "about:blank", "title": title, "status": status, "detail": detail},
                 headers=headers)


class QueryError(Exception):
    """A query SSB would refuse: HTTP ``status`` with SSB's ``detail`` text."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class Codelist:
    """A v2 code list (``agg_KommSummer``): groups of a variable's codes."""

    id: str
    label: str
    codes: tuple[str, ...]
    labels: tuple[str, ...]
    members: Mapping[str, tuple[str, ...]]
    kind: str = "Aggregation"

    def as_response(self, lang: str, base_url: str) -> dict:
        """The ``/codelists/{id}`` answer (CodelistResponse of PxAPI-2.yml)."""
        return {"id": self.id, "label": self.label, "language": lang, "languages": ["no", "en"],
                "elimination": False, "type": self.kind,
                "values": [{"code": c, "label": lab, "valueMap": list(self.members[c])}
                           for c, lab in zip(self.codes, self.labels)],
                "links": [{"rel": "self", "hreflang": lang,
                           "href": f"{base_url}/codelists/{self.id}?lang={lang}"}]}


@dataclass
class ServedTable:
    """One table: its cube (axes = variable codes) and how SSB treats each variable."""

    id: str
    title: str
    cube: Cube
    updated: str
    elimination: Mapping[str, bool] = field(default_factory=dict)
    totals: Mapping[str, Cube] = field(default_factory=dict)
    codelists: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    time: str = "Tid"
    geo: str | None = "Region"
    contents: str = "ContentsCode"
    units: Mapping[str, dict] = field(default_factory=dict)
    var_labels: Mapping[str, str] = field(default_factory=dict)
    decimals: int = 0

    def variable(self, dim: str, codelist: Codelist | None = None) -> Variable:
        """The variable ``dim``, with a code list's groups as its values if given."""
        if codelist is not None:
            codes, labels = codelist.codes, codelist.labels
        else:
            codes, labels = self.cube.codes[dim], self.cube.labels[dim]
        return Variable(code=dim, label=self.var_labels.get(dim, dim), values=tuple(codes),
                        value_labels=tuple(labels), elimination=self.elimination.get(dim, False),
                        time=dim == self.time)

    def variables(self) -> list[Variable]:
        return [self.variable(d) for d in self.cube.dims]

    def answer(self, selection: Mapping[str, Sequence[str]], codelists: Mapping[str, Codelist],
               max_cells: int, omitted_means_all: bool = False) -> Cube:
        """The cube SSB would answer; :class:`QueryError` where SSB would refuse."""
        self._check_variables(selection, codelists)
        left_out = [d for d in self.cube.dims if d not in selection]
        mandatory = [d for d in left_out if not self.elimination.get(d, False)]
        if mandatory and not omitted_means_all:
            raise QueryError(400, f"Variable {mandatory[0]} can not be eliminated; select at least one value")
        chosen = {d: ["*"] for d in mandatory}
        chosen.update(selection)
        eliminated = [d for d in left_out if d not in chosen]
        base = next((self.totals[d] for d in eliminated if d in self.totals), self.cube)
        picked = self._pick(base, chosen, codelists, max_cells, eliminated)
        for dim in eliminated:
            if dim in picked.dims:
                picked = picked.sum(dim, skipna=True)
        return self._finish(picked)

    def _check_variables(self, selection, codelists) -> None:
        for name in list(selection) + list(codelists):
            if name not in self.cube.dims:
                raise QueryError(400, f"Variable {name} does not exist in table {self.id}")
        for name, codelist in codelists.items():
            if codelist.id not in self.codelists.get(name, ()):
                raise QueryError(400, f"Codelist {codelist.id} is not valid for variable {name}")

    def _pick(self, cube: Cube, chosen, codelists, max_cells: int, eliminated) -> Cube:
        """Codes per variable (code lists applied), refusing unknown codes and too many cells."""
        picks = {}
        for dim in cube.dims:
            if dim in chosen:
                try:
                    picks[dim] = expand(self.variable(dim, codelists.get(dim)), chosen[dim])
                except SelectionError as error:
                    raise QueryError(400, str(error)) from None
        cells = math.prod(len(codes) for codes in picks.values())
        if cells > max_cells:
            raise QueryError(403, f"The query resulted in {cells} cells, which exceeds the number "
                                  f"of allowed ({max_cells})")
        for dim, codes in picks.items():
            if dim in codelists:
                cube = _aggregate(cube, dim, codelists[dim], codes)
            else:
                cube = cube.sel(**{dim: codes})
        return cube

    def _finish(self, cube: Cube) -> Cube:
        """Status ``..`` where a value is missing; SSB's provenance fields."""
        status = np.where(np.isnan(cube.values), MISSING, "")
        role = {"time": [self.time]}
        if self.geo in cube.dims:
            role["geo"] = [self.geo]
        if self.contents in cube.dims:
            role["metric"] = [self.contents]
        meta = {"table": self.id, "title": self.title, "source": "Statistisk sentralbyrå",
                "updated": self.updated, "role": role,
                "px": {"decimals": self.decimals, "official-statistics": True},
                "units": {d: u for d, u in self.units.items() if d in cube.dims},
                "dim_labels": {d: self.var_labels.get(d, d) for d in cube.dims}}
        return Cube(dims=cube.dims, codes=cube.codes, labels=cube.labels, values=cube.values,
                    status=status, meta=meta)


def _aggregate(cube: Cube, dim: str, codelist: Codelist, groups: Sequence[str]) -> Cube:
    """Sum member codes into the code list's ``groups`` (missing skipped, all missing → NaN)."""
    position = {c: i for i, c in enumerate(cube.codes[dim])}
    weights = np.zeros((len(position), len(groups)))
    for j, group in enumerate(groups):
        for member in codelist.members[group]:
            if member in position:
                weights[position[member], j] = 1.0
    ax = cube.axis(dim)
    moved = np.moveaxis(cube.values, ax, -1)
    present = ~np.isnan(moved)
    sums = np.where(present, moved, 0.0) @ weights
    sums[(present.astype(np.float64) @ weights) == 0] = np.nan
    labels = dict(zip(codelist.codes, codelist.labels))
    codes = {**cube.codes, dim: tuple(groups)}
    names = {**cube.labels, dim: tuple(labels[g] for g in groups)}
    return Cube(dims=cube.dims, codes=codes, labels=names, values=np.moveaxis(sums, -1, ax),
                meta=cube.meta)
