"""Queries and how a query too big for one call is cut into pieces.

SSB answers at most ``maxDataCells`` cells per call (``/config``) and its web
server refuses GET URLs over about 2000 characters. :func:`plan` cuts a
:class:`Query` along its largest dimension into as few contiguous pieces as the
limits need, recursing into the next largest dimension when one code of the
largest is still too much. The result is a tree (:class:`Split` nodes over
:class:`Query` leaves) whose leaves, fetched and joined back along each node's
dimension, give exactly the cube a single request would have given: the pieces
are contiguous runs of the codes in table order, the order SSB answers in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterator, Mapping, Sequence, Union

from k2020proj.errors import SSBError
from k2020proj.ssb.selection import Variable, as_expressions, expand


@dataclass(frozen=True)
class Query:
    """A data query: a table, expressions per variable, and code lists per variable."""

    table: str
    selection: tuple[tuple[str, tuple[str, ...]], ...]
    codelists: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def build(cls, table: str, selection: Mapping[str, str | Sequence[str]],
              codelists: Mapping[str, str] | None = None) -> "Query":
        """A query from the user's mapping; variable order is kept as given."""
        sel = tuple((var, tuple(as_expressions(value))) for var, value in selection.items())
        return cls(table=table, selection=sel, codelists=tuple(sorted((codelists or {}).items())))

    def normalised(self) -> dict:
        """The query as a plain dict with sorted keys: the identity used by the cache."""
        return {"selection": {var: list(exprs) for var, exprs in sorted(self.selection)},
                "codelist": dict(self.codelists)}

    def with_codes(self, variable: str, codes: Sequence[str]) -> "Query":
        """The same query with ``variable`` narrowed to the explicit ``codes``."""
        entry = (variable, tuple(codes))
        known = [var for var, _ in self.selection]
        if variable in known:
            sel = tuple(entry if var == variable else (var, ex) for var, ex in self.selection)
        else:
            sel = self.selection + (entry,)
        return Query(table=self.table, selection=sel, codelists=self.codelists)


@dataclass(frozen=True)
class Split:
    """A query cut along ``dim``; the parts' results join back along that dimension."""

    dim: str
    parts: tuple["Plan", ...]


Plan = Union[Query, Split]


def resolved_codes(query: Query, variables: Sequence[Variable]) -> dict[str, list[str]]:
    """Codes each variable contributes: selected ones, one for an eliminated variable
    left out of the query, all for a mandatory one left out."""
    chosen = dict(query.selection)
    result = {}
    for variable in variables:
        if variable.code in chosen:
            result[variable.code] = expand(variable, chosen[variable.code], strict=False)
        elif not variable.elimination:
            result[variable.code] = list(variable.values)
    return result


def cell_count(query: Query, variables: Sequence[Variable]) -> int:
    """Number of cells the query asks for."""
    return math.prod(len(codes) for codes in resolved_codes(query, variables).values())


def plan(query: Query, variables: Sequence[Variable], max_cells: int,
         fits: Callable[[Query], bool] = lambda q: True) -> Plan:
    """Cut ``query`` until every piece has at most ``max_cells`` cells and ``fits``."""
    codes = resolved_codes(query, variables)
    cells = math.prod(len(c) for c in codes.values())
    if cells <= max_cells and fits(query):
        return query
    dim = max((d for d in codes if len(codes[d]) > 1), key=lambda d: len(codes[d]), default=None)
    if dim is None:
        raise SSBError(f"SSB table {query.table}: a single cell's query is still too long "
                       f"to send; shorten the code list or allow POST requests")
    n = len(codes[dim])
    rest = cells // n
    # as many codes per piece as the cell limit allows (halves if only the URL is too long)
    size = max(1, max_cells // rest) if cells > max_cells else math.ceil(n / 2)
    size = math.ceil(n / math.ceil(n / size))  # pieces of even size
    parts = [query.with_codes(dim, codes[dim][i:i + size]) for i in range(0, n, size)]
    return Split(dim=dim, parts=tuple(plan(p, variables, max_cells, fits) for p in parts))


def leaves(node: Plan) -> Iterator[Query]:
    """The queries to send, in order."""
    if isinstance(node, Query):
        yield node
    else:
        for part in node.parts:
            yield from leaves(part)
