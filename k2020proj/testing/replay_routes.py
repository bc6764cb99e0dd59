"""What the replay server answers on each path, shaped as PxAPI-2.yml (v2), SSB's v1 and KLASS.

Every function returns or raises a :class:`~k2020proj.testing.replay_data.Reply`;
:func:`dispatch` picks one by path. The HTTP plumbing and the fault injection are
in :mod:`k2020proj.testing.replay_server`.
"""
from __future__ import annotations

import json
import re
from typing import Mapping

from k2020proj.ssb.jsonstat import write_jsonstat
from k2020proj.ssb.selection import split_expressions
from k2020proj.testing.replay_data import Codelist, QueryError, Reply, ServedTable, problem
from k2020proj.testing.replay_klass import klass_reply
from k2020proj.testing.replay_tables import ReplayData

V2, V1, KLASS = "/api/pxwebapi/v2", "/api/v0", "/api/klass/v1"
LANGUAGES = ({"id": "no", "label": "Norsk"}, {"id": "en", "label": "English"})
JSON = "application/json; charset=utf-8"


def dispatch(data: ReplayData, limits, method: str, path: str, params: Mapping[str, str],
             body: bytes) -> Reply:
    """Answer one request (``path`` without the query string)."""
    if path.startswith(V2):
        return _v2(data, limits, method, path[len(V2):], params, body)
    if path.startswith(V1):
        return _v1(data, limits, method, path[len(V1):], body)
    if path.startswith(KLASS):
        return klass_reply(data, path[len(KLASS):], params)
    raise problem(404, "Not Found", f"No resource at {path}")


def _ok(body: object) -> Reply:
    return Reply(200, body, JSON)


def _lang(params: Mapping[str, str]) -> str:
    lang = params.get("lang") or "no"
    if lang not in ("no", "en"):
        raise problem(400, "Bad Request", f"Language {lang} is not supported")
    return lang


def _v2(data: ReplayData, limits, method: str, path: str, params, body: bytes) -> Reply:
    if path == "/config" and method == "GET":
        return _ok(config(limits))
    match = re.fullmatch(r"/tables/([^/]+)/(metadata|data)", path, re.IGNORECASE)
    if match:
        table = data.table(match.group(1))
        if match.group(2).lower() == "metadata" and method == "GET":
            return _ok(metadata(table, _codelists_of(data, params), _lang(params)))
        if match.group(2).lower() == "data":
            return _data_v2(data, table, limits, method, params, body)
    match = re.fullmatch(r"/codelists/([^/]+)", path, re.IGNORECASE)
    if match and method == "GET":
        lang = _lang(params)
        return _ok(data.codelist(match.group(1)).as_response(lang, V2))
    raise problem(404, "Not Found", f"No resource {method} {path}")


def config(limits) -> dict:
    """``/config`` (ConfigResponse)."""
    return {"apiVersion": "2.0.0", "appVersion": "replay-1.0", "languages": list(LANGUAGES),
            "defaultLanguage": "no", "maxDataCells": limits.max_cells,
            "maxCallsPerTimeWindow": limits.max_calls, "timeWindow": _seconds(limits.window),
            "license": "https://creativecommons.org/licenses/by/4.0/deed.no",
            "sourceReferences": [{"language": "no", "text": "Kilde: Statistisk sentralbyrå"},
                                 {"language": "en", "text": "Source: Statistics Norway"}],
            "defaultDataFormat": "px", "dataFormats": ["json-stat2"], "features": []}


def _seconds(window: float) -> int | float:
    """Whole seconds as the spec's integer; tests may set a fraction to run fast."""
    return int(window) if float(window).is_integer() else window


def _codelists_of(data: ReplayData, params: Mapping[str, str]) -> dict[str, Codelist]:
    """``codelist[Var]=id`` parameters (any letter case) → code lists."""
    return {var: _known_codelist(data, name) for var, name in _raw_codelists(params)}


def _known_codelist(data: ReplayData, name: str) -> Codelist:
    try:
        return data.codelist(name)
    except Reply:
        raise problem(400, "Bad Request", f"Codelist {name} does not exist") from None


def metadata(table: ServedTable, codelists: Mapping[str, Codelist], lang: str) -> dict:
    """``/tables/{id}/metadata`` as a JSON-stat 2.0 dataset without values."""
    dims = table.cube.dims
    dimension = {}
    for dim in dims:
        variable = table.variable(dim, codelists.get(dim))
        category = {"index": {c: i for i, c in enumerate(variable.values)},
                    "label": dict(zip(variable.values, variable.value_labels))}
        if dim in table.units:
            category["unit"] = {c: table.units[dim][c] for c in variable.values if c in table.units[dim]}
        extension = {"elimination": variable.elimination, "show": "code_value",
                     "codelists": [_codelist_info(name, lang) for name in table.codelists.get(dim, ())]}
        dimension[dim] = {"label": variable.label, "category": category, "extension": extension}
    role = {"time": [table.time]}
    if table.geo:
        role["geo"] = [table.geo]
    if table.contents in dims:
        role["metric"] = [table.contents]
    return {"version": "2.0", "class": "dataset", "label": table.title, "source": "Statistisk sentralbyrå",
            "updated": table.updated, "id": list(dims),
            "size": [len(dimension[d]["category"]["index"]) for d in dims],
            "dimension": dimension, "role": role, "value": None,
            "extension": {"px": {"tableid": table.id, "decimals": table.decimals, "language": lang,
                                 "contents": table.title.split(": ", 1)[-1]}}}


def _codelist_info(name: str, lang: str) -> dict:
    kind = "Aggregation" if name.startswith("agg_") else "Valueset"
    return {"id": name, "label": name, "type": kind,
            "links": [{"rel": "metadata", "hreflang": lang, "href": f"{V2}/codelists/{name}?lang={lang}"}]}


def _data_v2(data: ReplayData, table: ServedTable, limits, method: str, params, body: bytes) -> Reply:
    """GET with ``valueCodes[Var]=…`` or POST with a ``selection`` body."""
    lang = _lang(params)
    fmt = params.get("outputFormat", params.get("outputformat"))
    if fmt != "json-stat2":
        raise problem(400, "Bad Request", f"Output format {fmt} is not supported here; use json-stat2")
    if method == "POST":
        selection, names = _post_selection(body)
        codelists = {var: _known_codelist(data, name) for var, name in names.items()}
    else:
        selection, codelists = _get_selection(params), _codelists_of(data, params)
    return _answer(table, selection, codelists, limits.max_cells, lang)


def _get_selection(params: Mapping[str, str]) -> dict[str, list[str]]:
    selection = {}
    for key, value in params.items():
        match = re.fullmatch(r"valuecodes\[(.+)\]", key, re.IGNORECASE)
        if match:
            selection[match.group(1)] = split_expressions(value)
    return selection


def _raw_codelists(params: Mapping[str, str]):
    """``(variable, code list id)`` of each ``codelist[Var]=id`` parameter, any letter case."""
    for key, value in params.items():
        match = re.fullmatch(r"codelist\[(.+)\]", key, re.IGNORECASE)
        if match:
            yield match.group(1), value


def _post_selection(body: bytes) -> tuple[dict[str, list[str]], dict[str, str]]:
    try:
        items = json.loads(body or b"{}").get("selection", [])
        selection = {item["variableCode"]: list(item.get("valueCodes", [])) for item in items}
        codelists = {item["variableCode"]: item["codelist"] for item in items if item.get("codelist")}
    except (ValueError, AttributeError, KeyError, TypeError):
        raise problem(400, "Bad Request", "The selection in the request body is not valid") from None
    return selection, codelists


def _answer(table: ServedTable, selection, codelists, max_cells: int, lang: str,
            omitted_means_all: bool = False) -> Reply:
    try:
        cube = table.answer(selection, codelists, max_cells, omitted_means_all)
    except QueryError as error:
        titles = {400: "Bad Request", 403: "Forbidden"}
        raise problem(error.status, titles.get(error.status, "Error"), error.detail) from None
    doc = write_jsonstat(cube)
    doc.setdefault("extension", {}).setdefault("px", {})["language"] = lang
    return _ok(doc)


def _v1(data: ReplayData, limits, method: str, path: str, body: bytes) -> Reply:
    """``/{lang}/table/{id}``: GET metadata, POST a json-stat2 query."""
    match = re.fullmatch(r"/(no|en)/table/([^/]+)", path)
    if not match:
        raise Reply(404, b"Not Found", "text/plain")
    lang, table = match.group(1), data.table(match.group(2))
    if method == "GET":
        return _ok({"title": table.title, "variables": [
            {"code": v.code, "text": v.label, "values": list(v.values), "valueTexts": list(v.value_labels),
             "elimination": v.elimination, "time": v.time} for v in table.variables()]})
    selection, codelists = _v1_query(data, body)
    return _answer(table, selection, codelists, limits.max_cells, lang, omitted_means_all=True)


def _v1_query(data: ReplayData, body: bytes) -> tuple[dict, dict]:
    """v1 filters (item, all, top, agg:Name, vs:Name) as v2 expressions and code lists."""
    try:
        doc = json.loads(body)
        items = doc["query"]
        if (doc.get("response") or {}).get("format") != "json-stat2":
            raise ValueError("format")
        selection, codelists = {}, {}
        for item in items:
            kind, values = item["selection"]["filter"], list(item["selection"]["values"])
            if kind in ("item", "all"):
                selection[item["code"]] = values
            elif kind == "top":
                selection[item["code"]] = [f"top({values[0]})"]
            elif kind.startswith(("agg:", "vs:")):
                prefix, name = kind.split(":", 1)
                codelists[item["code"]] = _known_codelist(data, f"{prefix}_{name}")
                selection[item["code"]] = values
            else:
                raise ValueError(kind)
    except (ValueError, KeyError, TypeError, IndexError) as error:
        raise Reply(400, {"error": f"Invalid query ({error})"}, JSON) from None
    return selection, codelists
