"""JSON-stat 2.0 datasets ↔ :class:`~k2020proj.cube.Cube`.

:func:`read_jsonstat` is the fast path from an SSB response to a cube: the flat
``value`` array is converted to float64 by NumPy in one call and reshaped to
the dataset's ``size``; no Python runs per cell. It reads every variant the
specification allows: ``value`` and ``status`` as arrays or as sparse objects
(``{"129": ".."}``), a single ``status`` for all cells, ``category.index`` as an
array or an object, a constant dimension without ``index``, and the JSON-stat
1.x bundle SSB's old API returned (``{"dataset": {...}}`` with ``id``/``size``
inside ``dimension``).

Missing cells: ``null`` is NaN and its status symbol is kept (``..`` missing,
``...`` not yet available, ``:`` confidential, ``.`` cannot occur). SSB's ``-``
means *nil*: the true value is zero. A ``null`` cell whose status is ``-`` is
therefore read as ``0.0`` (status ``-`` kept), the only case where a null
becomes a number; pyjstat, which ignores status, has NaN there. Values must be
numbers (numeric strings such as ``"12"`` are accepted as numbers); a text value
such as json-stat.org's ``"A1B1C1"`` is a :class:`DataError`, since a cube holds floats.

:func:`write_jsonstat` writes a cube back as SSB serves it (sparse ``status``,
``index`` as an object, ``extension.px.tableid``); reading its output gives the
same cube. Provenance that JSON-stat has no field for (``structure``,
``synthetic``, …) travels in ``extension.k2020proj``.

Meta keys ↔ JSON-stat: ``title`` ↔ ``label``; ``table`` ↔ ``extension.px.tableid``
(or the ``"07459: "`` prefix of the label); ``px`` ↔ the rest of ``extension.px``;
``source``, ``updated``; ``url`` ↔ ``href``; ``role``; ``units`` ↔
``{dim: category.unit}``; ``dim_labels`` ↔ ``{dim: label}``; ``dim_extensions`` ↔
``{dim: extension}``.
"""
from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping

import numpy as np
import orjson

from k2020proj.cube import Cube
from k2020proj.errors import DataError

#: SSB's symbols for cells without a number: missing, not yet available, confidential, cannot occur.
MISSING_SYMBOLS = ("..", "...", ":", ".")
#: The status symbol SSB uses for "nil": the value is zero, not missing.
NIL = "-"
_TABLE_PREFIX = re.compile(r"^(\d{5}):\s")
_MAPPED_META = ("title", "table", "px", "source", "updated", "url", "role", "units",
                "dim_labels", "dim_extensions")


def read_jsonstat(doc: dict | str | bytes) -> Cube:
    """A JSON-stat dataset (parsed or as JSON text) as a cube.

    Raises :class:`DataError` with one line if the text is not JSON, the document
    is not a dataset (a collection, a dimension), or its parts disagree (a
    dimension listed in ``id`` is missing, ``size`` does not match the
    categories or the number of values, a value is not a number).
    """
    data = _dataset_of(_parsed(doc))
    dims, sizes = _ids_and_sizes(data)
    dimension = data["dimension"]
    codes, labels = {}, {}
    for dim, size in zip(dims, sizes):
        codes[dim], labels[dim] = _categories(dim, dimension[dim], size)
    count = math.prod(sizes)
    values = _values(data.get("value"), count)
    status = _status(data.get("status"), count)
    if status is not None:
        values[np.isnan(values) & (status == NIL)] = 0.0
        status = status.reshape(sizes)
    return Cube(dims=dims, codes=codes, labels=labels, values=values.reshape(sizes),
                status=status, meta=_meta(data, dims))


def _parsed(doc: dict | str | bytes) -> Any:
    if isinstance(doc, (str, bytes, bytearray)):
        try:
            return orjson.loads(doc)
        except orjson.JSONDecodeError as error:
            raise DataError(f"JSON-stat document is not valid JSON: {error}") from None
    return doc


def _dataset_of(data: Any) -> dict:
    """The dataset inside ``data``: itself, or the one dataset of a 1.x bundle."""
    if not isinstance(data, dict):
        raise DataError(f"JSON-stat document must be an object, got {type(data).__name__}")
    kind = data.get("class")
    if kind == "dataset":
        return data
    if kind == "collection":
        items = (data.get("link") or {}).get("item") or []
        raise DataError(f"JSON-stat document is a collection of {len(items)} item(s) "
                        f"({data.get('label', 'no label')!r}), not a dataset: read its datasets one by one")
    if kind is not None:
        raise DataError(f"JSON-stat document has class {kind!r}, expected 'dataset'")
    if "dimension" in data and "value" in data:
        return data
    bundled = [v for v in data.values() if isinstance(v, dict) and "dimension" in v]
    if len(bundled) == 1 and len(data) == 1:
        return bundled[0]
    if bundled:
        raise DataError(f"JSON-stat 1.x bundle holds {len(data)} datasets ({', '.join(data)}); "
                        "pass one of them")
    raise DataError("JSON-stat document is not a dataset: no 'class', 'dimension' or 'value'")


def _ids_and_sizes(data: dict) -> tuple[tuple[str, ...], tuple[int, ...]]:
    dimension = data.get("dimension")
    if not isinstance(dimension, dict):
        raise DataError("JSON-stat dataset has no 'dimension' object")
    layout = data if "id" in data else dimension  # JSON-stat 1.x keeps id and size in 'dimension'
    ids, sizes = layout.get("id"), layout.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise DataError("JSON-stat dataset needs 'id' and 'size' lists of the same length")
    if not all(isinstance(s, int) and s >= 0 for s in sizes):
        raise DataError(f"JSON-stat 'size' must list non-negative integers, got {sizes}")
    if len(set(map(str, ids))) != len(ids):
        raise DataError(f"JSON-stat 'id' repeats a dimension: {ids}")
    for dim in ids:
        if not isinstance(dimension.get(dim), dict):
            raise DataError(f"JSON-stat dimension {dim!r} is listed in 'id' but missing from 'dimension'")
    return tuple(ids), tuple(sizes)


def _categories(dim: str, spec: dict, size: int) -> tuple[list[str], list[str]]:
    """Codes in array order and their labels for one dimension."""
    category = spec.get("category")
    if not isinstance(category, dict):
        raise DataError(f"JSON-stat dimension {dim!r} has no 'category' object")
    label = category.get("label") or {}
    index = category.get("index")
    if not isinstance(label, dict):
        raise DataError(f"JSON-stat dimension {dim!r}: 'label' must be an object")
    if index is None:
        if len(label) != 1:
            raise DataError(f"JSON-stat dimension {dim!r} has no 'index' and {len(label)} labels "
                            "(only a single-category dimension may omit it)")
        codes = list(label)
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        codes = _ordered_codes(dim, index)
    else:
        raise DataError(f"JSON-stat dimension {dim!r}: 'index' must be a list or an object")
    if len(codes) != size:
        raise DataError(f"JSON-stat dimension {dim!r} has {len(codes)} categories but 'size' says {size}")
    return codes, [str(label.get(c, c)) for c in codes]


def _ordered_codes(dim: str, index: dict) -> list[str]:
    """Codes of an ``{code: position}`` index in position order."""
    positions = list(index.values())
    if not all(type(p) is int for p in positions) or sorted(positions) != list(range(len(positions))):
        raise DataError(f"JSON-stat dimension {dim!r}: index positions are not 0…{len(positions) - 1}")
    codes = [""] * len(positions)
    for code, position in index.items():
        codes[position] = str(code)
    return codes


def _values(value: Any, count: int) -> np.ndarray:
    """The flat value array as float64 (``null`` → NaN), from a list or a sparse object."""
    if isinstance(value, list):
        if len(value) != count:
            raise DataError(f"JSON-stat 'value' has {len(value)} cells but 'size' needs {count}")
        return _floats(value)
    if isinstance(value, dict):
        out = np.full(count, np.nan)
        out[_positions(value, count, "value")] = _floats(list(value.values()))
        return out
    raise DataError("JSON-stat dataset has no 'value' list or object")


def _floats(items: list) -> np.ndarray:
    try:
        return np.array(items, dtype=np.float64)
    except (TypeError, ValueError):
        bad = next(x for x in items if not _is_number(x))
        raise DataError(f"JSON-stat 'value' holds a non-number: {bad!r}") from None


def _is_number(item: Any) -> bool:
    try:
        float(item if item is not None else "nan")
    except (TypeError, ValueError):
        return False
    return True


def _positions(sparse: dict, count: int, name: str) -> np.ndarray:
    try:
        positions = np.array([int(k) for k in sparse], dtype=np.int64)
    except ValueError:
        raise DataError(f"JSON-stat '{name}' object has a key that is not a cell number") from None
    if positions.size and (positions.min() < 0 or positions.max() >= count):
        raise DataError(f"JSON-stat '{name}' names a cell outside 0…{count - 1}")
    return positions


def _status(status: Any, count: int) -> np.ndarray | None:
    """Status symbols per cell (``''`` for none), or None if the dataset gives none."""
    if status is None:
        return None
    if isinstance(status, str):
        status = [status]
    if isinstance(status, list):
        symbols = np.array(["" if s is None else str(s) for s in status], dtype=str)
        if len(symbols) == 1 and count != 1:
            return np.full(count, symbols[0])
        if len(symbols) != count:
            raise DataError(f"JSON-stat 'status' has {len(symbols)} cells but 'size' needs {count}")
        return symbols
    if isinstance(status, dict):
        symbols = np.array([str(s) for s in status.values()], dtype=str)
        out = np.full(count, "", dtype=symbols.dtype if symbols.size else "<U1")
        out[_positions(status, count, "status")] = symbols
        return out
    raise DataError("JSON-stat 'status' must be a string, a list or an object")


def _meta(data: dict, dims: tuple[str, ...]) -> dict:
    """Provenance of the dataset (see the module docstring for the mapping)."""
    extension = data.get("extension") or {}
    px = dict(extension.get("px") or {})
    label = data.get("label")
    prefix = _TABLE_PREFIX.match(label) if isinstance(label, str) else None
    table = px.pop("tableid", None) or (prefix.group(1) if prefix else None)
    dimension = data["dimension"]
    found = {
        "title": label, "table": table, "px": px or None, "source": data.get("source"),
        "updated": data.get("updated"), "url": data.get("href"),
        "role": (data if "id" in data else dimension).get("role"),
        "units": _per_dim(dims, lambda d: dimension[d]["category"].get("unit")),
        "dim_labels": _per_dim(dims, lambda d: dimension[d].get("label")),
        "dim_extensions": _per_dim(dims, lambda d: dimension[d].get("extension")),
    }
    meta = {key: value for key, value in found.items() if value}
    meta.update(extension.get("k2020proj") or {})
    return meta


def _per_dim(dims: tuple[str, ...], get) -> dict:
    return {d: value for d in dims if (value := get(d)) is not None}


def write_jsonstat(cube: Cube) -> dict:
    """The cube as a JSON-stat 2.0 dataset shaped as SSB serves it.

    NaN is written as ``null``; whole numbers as integers (``1288``, not
    ``1288.0``); ``status`` as a sparse object of the cells that have a symbol.
    """
    meta = cube.meta
    doc: dict[str, Any] = {"version": "2.0", "class": "dataset"}
    for key, field in (("url", "href"), ("title", "label"), ("source", "source"), ("updated", "updated")):
        if meta.get(key) is not None:
            doc[field] = meta[key]
    doc["id"] = list(cube.dims)
    doc["size"] = list(cube.shape)
    doc["dimension"] = {d: _dimension(cube, d) for d in cube.dims}
    if meta.get("role"):
        doc["role"] = meta["role"]
    doc["value"] = _json_values(cube.values.ravel())
    if cube.status is not None:
        flat = cube.status.ravel()
        doc["status"] = {str(i): str(flat[i]) for i in np.flatnonzero(flat != "")}
    extension = _extension(meta)
    if extension:
        doc["extension"] = extension
    return doc


def _dimension(cube: Cube, dim: str) -> dict:
    codes = cube.codes[dim]
    category: dict[str, Any] = {
        "index": {c: i for i, c in enumerate(codes)},
        "label": dict(zip(codes, cube.labels[dim])),
    }
    unit = (cube.meta.get("units") or {}).get(dim)
    if unit:
        category["unit"] = unit
    spec: dict[str, Any] = {}
    label = (cube.meta.get("dim_labels") or {}).get(dim)
    if label is not None:
        spec["label"] = label
    spec["category"] = category
    extension = (cube.meta.get("dim_extensions") or {}).get(dim)
    if extension:
        spec["extension"] = extension
    return spec


def _json_values(flat: np.ndarray) -> list:
    """Values as JSON-ready Python numbers, ``None`` for NaN, without a per-cell loop in Python."""
    missing = np.isnan(flat)
    filled = np.where(missing, 0.0, flat)
    whole = np.all(filled == np.round(filled)) and np.all(np.abs(filled) < 2**53)
    out = (filled.astype(np.int64) if whole else filled).astype(object)
    out[missing] = None
    return out.tolist()


def _extension(meta: Mapping[str, object]) -> dict:
    px = dict(meta.get("px") or {})
    if meta.get("table"):
        px["tableid"] = meta["table"]
    extra = {k: _jsonable(v) for k, v in meta.items() if k not in _MAPPED_META and v is not None}
    extension: dict[str, Any] = {}
    if px:
        extension["px"] = px
    if extra:
        extension["k2020proj"] = extra
    return extension


def _jsonable(value: object) -> object:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value
