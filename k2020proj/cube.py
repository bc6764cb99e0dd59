"""The labelled cube: the one container every stage of k2020proj passes on.

A :class:`Cube` is a NumPy array of float64 values with named axes, the codes
and labels along each axis, SSB's status symbols per cell and a provenance
record. It is what a JSON-stat 2.0 dataset or a Statbank export becomes, what
harmonisation maps to one municipality structure, and what the model's inputs
are cut from. Missing and suppressed cells are NaN, never 0; their symbol is
kept in ``status`` (``''`` where a cell has none).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from k2020proj.errors import DataError


@dataclass(frozen=True, eq=False)
class Cube:
    """Values on named axes with codes, labels, status symbols and provenance.

    ``dims`` orders the axes; ``codes[d]`` and ``labels[d]`` list the categories of
    axis ``d`` in array order; ``values.shape`` is their lengths. ``meta`` holds
    provenance: ``table``, ``title``, ``source``, ``updated``, ``url``,
    ``structure`` (the municipality structure, e.g. ``"2024"``), ``synthetic``.
    """

    dims: tuple[str, ...]
    codes: Mapping[str, tuple[str, ...]]
    values: np.ndarray
    labels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    status: np.ndarray | None = None
    meta: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        dims = tuple(self.dims)
        codes = {d: tuple(str(c) for c in self.codes[d]) for d in dims}
        labels = {d: tuple(str(x) for x in self.labels.get(d, codes[d])) for d in dims}
        values = np.asarray(self.values, dtype=np.float64)
        shape = tuple(len(codes[d]) for d in dims)
        if values.shape != shape:
            raise DataError(f"cube values have shape {values.shape}, axes {dims} need {shape}")
        for d in dims:
            if len(labels[d]) != len(codes[d]):
                raise DataError(f"axis {d!r} has {len(codes[d])} codes but {len(labels[d])} labels")
            if len(set(codes[d])) != len(codes[d]):
                raise DataError(f"axis {d!r} repeats a code")
        status = self.status
        if status is not None:
            status = np.asarray(status, dtype=str)
            if status.shape != shape:
                raise DataError(f"status has shape {status.shape}, values {shape}")
        object.__setattr__(self, "dims", dims)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "labels", labels)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "status", status)
        object.__setattr__(self, "meta", dict(self.meta))

    # -- shape and lookup -------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    def axis(self, dim: str) -> int:
        """Position of axis ``dim``; a clear error if the cube has no such axis."""
        try:
            return self.dims.index(dim)
        except ValueError:
            raise DataError(f"cube has no axis {dim!r} (axes: {', '.join(self.dims)})") from None

    def positions(self, dim: str, codes: Iterable[str]) -> np.ndarray:
        """Array positions of ``codes`` along ``dim``, in the order given."""
        lookup = {c: i for i, c in enumerate(self.codes[dim])}
        missing = [c for c in codes if c not in lookup]
        if missing:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            raise DataError(f"axis {dim!r} has no code {shown}")
        return np.array([lookup[c] for c in codes], dtype=np.intp)

    def status_of(self) -> np.ndarray:
        """The status array, with ``''`` everywhere if the source gave none."""
        return self.status if self.status is not None else np.full(self.shape, "", dtype="<U1")

    # -- reshaping ---------------------------------------------------------------
    def sel(self, **selection: str | Sequence[str]) -> "Cube":
        """Cut the cube: a single code drops the axis, a list keeps it in that order."""
        cube = self
        for dim, chosen in selection.items():
            ax = cube.axis(dim)
            single = isinstance(chosen, str)
            pos = cube.positions(dim, [chosen] if single else list(chosen))
            cube = cube._take(dim, ax, pos, drop=single)
        return cube

    def _take(self, dim: str, ax: int, pos: np.ndarray, drop: bool) -> "Cube":
        index = pos[0] if drop else pos
        values = np.take(self.values, index, axis=ax)
        status = None if self.status is None else np.take(self.status, index, axis=ax)
        codes, labels = dict(self.codes), dict(self.labels)
        if drop:
            dims = self.dims[:ax] + self.dims[ax + 1:]
            del codes[dim], labels[dim]
        else:
            dims = self.dims
            codes[dim] = tuple(self.codes[dim][i] for i in pos)
            labels[dim] = tuple(self.labels[dim][i] for i in pos)
        return replace(self, dims=dims, codes=codes, labels=labels, values=values, status=status)

    def transpose(self, *dims: str) -> "Cube":
        """The same cube with its axes in the order ``dims``."""
        order = [self.axis(d) for d in dims]
        if sorted(order) != list(range(len(self.dims))):
            raise DataError(f"transpose needs every axis once: {self.dims}")
        status = None if self.status is None else self.status.transpose(order)
        return replace(self, dims=tuple(dims), values=self.values.transpose(order), status=status)

    def sum(self, dim: str, skipna: bool = False) -> "Cube":
        """Sum over axis ``dim``. NaN propagates unless ``skipna`` (then all-NaN stays NaN)."""
        ax = self.axis(dim)
        if skipna:
            values = np.nansum(self.values, axis=ax)
            values[np.all(np.isnan(self.values), axis=ax)] = np.nan
        else:
            values = self.values.sum(axis=ax)
        codes = {d: c for d, c in self.codes.items() if d != dim}
        labels = {d: c for d, c in self.labels.items() if d != dim}
        dims = tuple(d for d in self.dims if d != dim)
        return replace(self, dims=dims, codes=codes, labels=labels, values=values, status=None)

    def map_axis(self, dim: str, weights: np.ndarray, codes: Sequence[str],
                 labels: Sequence[str] | None = None) -> "Cube":
        """Re-express axis ``dim`` in new categories through a weight matrix.

        ``weights[i, j]`` is the share of old category ``i`` that belongs to new
        category ``j``: 1 for a merge or a recode, population shares for a split,
        0/1 for an aggregation of ages into groups. A new cell is NaN if any old
        cell with a non-zero weight in it is NaN, so missing data never turn into 0.
        """
        ax = self.axis(dim)
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != (self.shape[ax], len(codes)):
            raise DataError(f"weights for axis {dim!r} must be {(self.shape[ax], len(codes))}")
        moved = np.moveaxis(self.values, ax, -1)
        nan = np.isnan(moved)
        mapped = np.where(nan, 0.0, moved) @ weights
        touched = nan.astype(np.float64) @ (weights != 0)
        mapped[touched > 0] = np.nan
        new_codes = dict(self.codes)
        new_codes[dim] = tuple(codes)
        new_labels = dict(self.labels)
        new_labels[dim] = tuple(labels) if labels is not None else tuple(codes)
        return replace(self, codes=new_codes, labels=new_labels,
                       values=np.moveaxis(mapped, -1, ax), status=None)

    def reindex(self, dim: str, codes: Sequence[str], labels: Sequence[str] | None = None) -> "Cube":
        """The cube with axis ``dim`` holding ``codes`` in that order.

        Codes the cube lacks become NaN cells with status ``..`` (missing), labelled
        from ``labels`` (default: the code). Every code the cube has must be listed, so
        nothing is dropped; use :meth:`sel` to cut.
        """
        ax = self.axis(dim)
        codes = [str(c) for c in codes]
        lost = set(self.codes[dim]) - set(codes)
        if lost:
            raise DataError(f"reindex of axis {dim!r} would drop {', '.join(sorted(lost)[:5])}")
        have = {c: i for i, c in enumerate(self.codes[dim])}
        take = np.array([have.get(c, -1) for c in codes], dtype=np.intp)
        values = np.take(self.values, np.maximum(take, 0), axis=ax)
        status = np.take(self.status_of().astype("<U3"), np.maximum(take, 0), axis=ax)
        shape = [1] * values.ndim
        shape[ax] = len(codes)
        absent = np.broadcast_to((take < 0).reshape(shape), values.shape)
        values = np.where(absent, np.nan, values)
        status = np.where(absent, "..", status)
        given = dict(zip(codes, labels)) if labels is not None else {}
        own = dict(zip(self.codes[dim], self.labels[dim]))
        new_codes, new_labels = dict(self.codes), dict(self.labels)
        new_codes[dim] = tuple(codes)
        new_labels[dim] = tuple(own.get(c, given.get(c, c)) for c in codes)
        return replace(self, codes=new_codes, labels=new_labels, values=values, status=status)

    def with_meta(self, **meta: object) -> "Cube":
        """A copy with provenance entries added or replaced."""
        return replace(self, meta={**self.meta, **meta})

    def relabel(self, dim: str, labels: Sequence[str]) -> "Cube":
        """A copy with new labels along ``dim`` (codes unchanged)."""
        new_labels = dict(self.labels)
        new_labels[dim] = tuple(labels)
        return replace(self, labels=new_labels)

    # -- tidy frames ---------------------------------------------------------------
    def to_frame(self, labels: bool = False) -> pd.DataFrame:
        """A tidy DataFrame: one column of codes per axis (and of labels if asked),
        ``value`` and ``status``; one row per cell in row-major order."""
        grids = np.meshgrid(*[np.arange(n) for n in self.shape], indexing="ij")
        columns: dict[str, object] = {}
        for dim, grid in zip(self.dims, grids):
            flat = grid.ravel()
            columns[dim] = np.asarray(self.codes[dim], dtype=object)[flat]
            if labels:
                columns[f"{dim}_label"] = np.asarray(self.labels[dim], dtype=object)[flat]
        columns["value"] = self.values.ravel()
        columns["status"] = self.status_of().ravel()
        return pd.DataFrame(columns)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, dims: Sequence[str], value: str = "value",
                   meta: Mapping[str, object] | None = None) -> "Cube":
        """Build a cube from a tidy frame with one code column per axis.

        Axis order is the order of first appearance; absent combinations are NaN;
        a combination that occurs twice is an error, not silently summed.
        """
        if frame.duplicated(list(dims)).any():
            raise DataError(f"frame has repeated rows for axes {list(dims)}")
        codes = {d: tuple(pd.unique(frame[d].astype(str))) for d in dims}
        index = tuple(
            pd.Index(codes[d]).get_indexer(frame[d].astype(str)) for d in dims
        )
        values = np.full(tuple(len(codes[d]) for d in dims), np.nan)
        values[index] = frame[value].to_numpy(dtype=np.float64)
        return cls(dims=tuple(dims), codes=codes, values=values, meta=meta or {})

    def __repr__(self) -> str:
        axes = ", ".join(f"{d}={len(self.codes[d])}" for d in self.dims)
        table = self.meta.get("table", "?")
        return f"<Cube table={table} {axes}>"


def concat(cubes: Sequence[Cube], dim: str) -> Cube:
    """Join cubes along an existing axis ``dim`` (e.g. years from several exports).

    The other axes must have the same codes in the same order; a code of ``dim``
    that appears in two cubes is an error.
    """
    first = cubes[0]
    others = [d for d in first.dims if d != dim]
    for cube in cubes[1:]:
        if cube.dims != first.dims or any(cube.codes[d] != first.codes[d] for d in others):
            raise DataError(f"cannot join cubes along {dim!r}: their other axes differ")
    ax = first.axis(dim)
    codes = dict(first.codes)
    codes[dim] = tuple(c for cube in cubes for c in cube.codes[dim])
    labels = dict(first.labels)
    labels[dim] = tuple(x for cube in cubes for x in cube.labels[dim])
    values = np.concatenate([c.values for c in cubes], axis=ax)
    status = np.concatenate([c.status_of().astype("<U3") for c in cubes], axis=ax)
    return replace(first, codes=codes, labels=labels, values=values, status=status)
