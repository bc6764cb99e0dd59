"""PxWebApi selections: a table's variables and how selection expressions pick codes.

Both the client (to count cells and split a query before sending it) and the
test replay server (to answer it) read selections the same way SSB does:

- an item list: the codes themselves (one unknown code rejects the query);
- ``*`` and ``?`` wildcards (``03*`` = every code starting with 03);
- ``top(n[,offset])`` / ``bottom(n[,offset])``: the first / last ``n`` codes in
  table order, except on the time variable, where ``top`` means the *latest*
  periods as in SSB's v1 ``top`` filter;
- ``range(a,b)``, ``from(a)``, ``to(b)``: inclusive stretches in table order.

Whatever the order of the expressions, the selected codes come back in the
table's own order, as SSB returns them.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from k2020proj.errors import DataError

_CALL = re.compile(r"^\s*(top|bottom|range|from|to)\s*\((.*)\)\s*$", re.IGNORECASE)


class SelectionError(ValueError):
    """A selection names a code or expression the variable does not have."""


@dataclass(frozen=True)
class Variable:
    """One dimension of a table as its metadata describes it."""

    code: str
    label: str
    values: tuple[str, ...]
    value_labels: tuple[str, ...]
    elimination: bool = False
    time: bool = False


def split_expressions(text: str) -> list[str]:
    """Split ``"0301,range(2010,2015)"`` at commas outside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def as_expressions(value: str | Sequence[str]) -> list[str]:
    """A selection value as a list of expressions (a string may hold several)."""
    if isinstance(value, str):
        return split_expressions(value)
    return [str(v).strip() for v in value]


def _call(variable: Variable, name: str, args: list[str]) -> list[str]:
    codes = list(variable.values)
    if name in ("top", "bottom"):
        count = int(args[0])
        offset = int(args[1]) if len(args) > 1 else 0
        first = (name == "top") != variable.time
        ordered = codes if first else codes[::-1]
        return ordered[offset:offset + count]
    start = codes.index(args[0]) if name in ("range", "from") else 0
    stop = codes.index(args[-1]) + 1 if name in ("range", "to") else len(codes)
    return codes[start:stop]


def _one(variable: Variable, expression: str) -> list[str]:
    """Codes one expression selects; SelectionError if it selects something absent."""
    match = _CALL.match(expression)
    if match:
        name = match.group(1).lower()
        args = split_expressions(match.group(2))
        try:
            return _call(variable, name, args)
        except (ValueError, IndexError):
            raise SelectionError(f"{expression} is not a valid expression for variable "
                                 f"{variable.code}") from None
    if "*" in expression or "?" in expression:
        return [c for c in variable.values if fnmatch.fnmatchcase(c, expression)]
    if expression not in variable.values:
        raise SelectionError(f"Value, {expression} is not a valid value code for variable "
                             f"{variable.code}")
    return [expression]


def expand(variable: Variable, expressions: Sequence[str], strict: bool = True) -> list[str]:
    """The codes ``expressions`` select from ``variable``, in table order.

    With ``strict=False`` an unknown code or bad expression is kept as it is
    (at the end), so a client can still count cells and let SSB judge the query.
    """
    chosen: set[str] = set()
    unknown: list[str] = []
    for expression in expressions:
        try:
            chosen.update(_one(variable, expression))
        except SelectionError:
            if strict:
                raise
            unknown.append(expression)
    return [c for c in variable.values if c in chosen] + unknown


def variables_from_jsonstat(doc: Mapping) -> list[Variable]:
    """Variables of a v2 metadata response (JSON-stat 2.0 dataset without values)."""
    try:
        times = set(doc.get("role", {}).get("time", []))
        result = []
        for dim in doc["id"]:
            entry = doc["dimension"][dim]
            category = entry["category"]
            index = category.get("index")
            if isinstance(index, Mapping):
                codes = sorted(index, key=index.__getitem__)
            else:
                codes = list(index if index is not None else category["label"])
            names = category.get("label", {})
            extension = entry.get("extension") or {}
            result.append(Variable(
                code=dim, label=entry.get("label", dim), values=tuple(codes),
                value_labels=tuple(names.get(c, c) for c in codes),
                elimination=bool(extension.get("elimination", False)), time=dim in times))
        return result
    except (KeyError, TypeError, AttributeError) as error:
        raise DataError(f"table metadata is not a JSON-stat 2.0 dataset (missing {error})") from None


def variables_from_v1(doc: Mapping) -> list[Variable]:
    """Variables of a PxWebApi v1 metadata response (``{"title", "variables": [...]}``)."""
    try:
        return [Variable(code=v["code"], label=v.get("text", v["code"]),
                         values=tuple(v["values"]), value_labels=tuple(v.get("valueTexts", v["values"])),
                         elimination=bool(v.get("elimination", False)), time=bool(v.get("time", False)))
                for v in doc["variables"]]
    except (KeyError, TypeError) as error:
        raise DataError(f"v1 table metadata lacks {error}") from None
