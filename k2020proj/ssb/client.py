"""The SSB client: PxWebApi v2 first, v1 as fallback, KLASS, all through the cache.

What :class:`SSBClient` guarantees:

- **Limits from the API.** ``/config`` gives ``maxDataCells`` and the call limit
  (``maxCallsPerTimeWindow`` per ``timeWindow`` s). A query over the cell limit
  is cut along its largest dimension (:mod:`k2020proj.ssb.split`) and the pieces
  are joined back into the cube one request would have given. Short queries go
  by GET, long ones by POST (or, with ``post=False``, are cut until every GET
  URL is under :data:`MAX_GET_URL` characters). Every call of the process to one
  host passes one sliding-window limiter (:mod:`k2020proj.ssb.ratelimit`).
- **Faults.** 429 waits for ``Retry-After`` (or backs off) and retries; 5xx,
  timeouts, cut-off bodies, malformed JSON and a wrong content type are retried
  with exponential backoff and jitter, a bounded number of times; 400 raises
  :class:`SSBError` with SSB's message and the query; 403 (too many cells) cuts
  the piece smaller; 404 or a dead v2 falls back to v1. Every failure ends as one
  line naming the table, the HTTP status and what to do.
- **Cache.** Every response is stored as received (:mod:`k2020proj.ssb.cache`)
  and read back from there; ``offline`` never touches the network and says what
  is missing; ``refresh`` fetches again. A response is cached only after it was
  checked, so a failed download never replaces a good file.
"""
from __future__ import annotations

import email.utils
import json
import logging
import math
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import PurePosixPath
from typing import Mapping, Sequence

import orjson
import requests
from tqdm import tqdm

from k2020proj import settings
from k2020proj.cube import Cube, concat
from k2020proj.errors import DataError, OfflineMissingError, SSBError, UsageError
from k2020proj.ssb.cache import CacheEntry, CacheKey, CorruptCacheError, ResponseCache, canonical_json
from k2020proj.ssb.jsonstat import read_jsonstat
from k2020proj.ssb.ratelimit import limiter_for
from k2020proj.ssb.selection import (Variable, expand, split_expressions,
                                     variables_from_jsonstat, variables_from_v1)
from k2020proj.ssb.split import Plan, Query, Split, cell_count, leaves, plan

log = logging.getLogger("k2020proj.ssb")

#: SSB's web server answers longer GET URLs with a generic 404 page.
MAX_GET_URL = 2000
#: Used when ``/config`` cannot be read (SSB's published value).
DEFAULT_MAX_CELLS = 800_000
_V2_FORMAT = ("outputFormat", "json-stat2")


class TableNotFound(SSBError):
    """HTTP 404: the API does not know the table (or the URL was too long)."""


class ServiceDown(SSBError):
    """5xx, timeouts or no connection, still failing after the retries."""


class TooManyCells(SSBError):
    """HTTP 403: the query asked for more cells than SSB allows in one call."""


@dataclass(frozen=True)
class Request:
    """One HTTP call: where it goes, and what identifies its answer in the cache."""

    api: str
    resource: str
    kind: str
    url: str
    query: Mapping = field(default_factory=dict)
    params: tuple[tuple[str, str], ...] = ()
    body: Mapping | None = None

    @property
    def method(self) -> str:
        return "GET" if self.body is None else "POST"

    @property
    def what(self) -> str:
        """What the call is about, for messages: ``SSB table 07459``."""
        if self.kind in ("data", "metadata"):
            return f"SSB table {self.resource} ({self.api} {self.kind})"
        return f"SSB {self.api} {self.kind} {self.resource}"

    def full_url(self) -> str:
        return requests.Request(self.method, self.url, params=list(self.params)).prepare().url


class _Retry(Exception):
    """A failed attempt worth repeating; becomes ``final`` once retries run out."""

    def __init__(self, status: int | None, reason: str, final: type, wait: float | None = None):
        super().__init__(reason)
        self.status, self.reason, self.final, self.wait = status, reason, final, wait

    def give_up(self, req: Request, tries: int) -> Exception:
        status = f"HTTP {self.status}" if self.status else "no HTTP status"
        if self.status == 429:
            advice = "SSB limits calls per IP address: wait a minute and try again"
        elif self.final is DataError:
            advice = "nothing was cached; try again later, and report it if it persists"
        else:
            advice = "SSB may be down or in maintenance: try again later, or use --offline with the cache"
        return self.final(f"{req.what}: {status}, {self.reason}, after {tries} tries; {advice}")


def _problem_detail(body: bytes) -> str:
    """SSB's error text from a problem+json (or plain) error body."""
    try:
        doc = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        return " ".join(text.split())[:200]
    if isinstance(doc, Mapping):
        return str(doc.get("detail") or doc.get("title") or doc)
    if isinstance(doc, list):  # v1 and some v2 errors: [{"error": "..."}]
        return "; ".join(str(e.get("error", e)) if isinstance(e, Mapping) else str(e) for e in doc)
    return str(doc)


def _retry_after(response: requests.Response) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (seconds or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds()) if when else None


def _looks_complete(kind: str, doc: object) -> bool:
    """A data answer is a dataset whose values fill its size (guards against junk)."""
    if kind != "data":
        return True
    if not isinstance(doc, Mapping) or doc.get("class") != "dataset":
        return False
    values = doc.get("value")
    return isinstance(values, dict) or (isinstance(values, list)
                                        and len(values) == math.prod(doc.get("size") or [0]))


def _env_number(name: str, default: float) -> float:
    """A positive number from the environment, or ``default``; a bad value is a UsageError."""
    text = os.environ.get(name)
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise UsageError(f"{name} must be a number of at least 0, not {text!r}")
    return value


def _utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


class SSBClient:
    """Talks to SSB (or the replay server) with retries, limits, splitting and cache."""

    def __init__(self, urls: Mapping[str, str] | None = None, cache: ResponseCache | None = None,
                 offline: bool = False, refresh: bool = False, lang: str = "no",
                 timeout: float | None = None, max_retries: int | None = None, progress: bool = True,
                 backoff: float | None = None, max_backoff: float = 60.0, max_wait: float = 120.0,
                 post: bool = True) -> None:
        """``timeout`` (s per call), ``max_retries`` and ``backoff`` (first wait, doubling up
        to ``max_backoff``) default to ``K2020PROJ_TIMEOUT`` / ``K2020PROJ_RETRIES`` /
        ``K2020PROJ_BACKOFF`` or 30 s, 5 and 1 s; ``max_wait`` caps a ``Retry-After``.
        ``post=False`` sends GET only, cutting queries until each URL is short enough."""
        if offline and refresh:
            raise UsageError("--offline and --refresh exclude each other: refresh needs the network")
        if lang not in ("no", "en"):
            raise UsageError(f"language must be 'no' or 'en', not {lang!r}")
        self.urls = {**settings.api_urls(), **(urls or {})}
        self.cache = cache if cache is not None else ResponseCache()
        self.offline, self.refresh, self.lang = offline, refresh, lang
        self.timeout = timeout if timeout is not None else _env_number("K2020PROJ_TIMEOUT", 30.0)
        self.max_retries = max_retries if max_retries is not None else int(_env_number("K2020PROJ_RETRIES", 5))
        self.backoff = backoff if backoff is not None else _env_number("K2020PROJ_BACKOFF", 1.0)
        self.progress, self.max_backoff, self.max_wait, self.post = progress, max_backoff, max_wait, post
        self._session = requests.Session()
        self._max_cells: int | None = None
        self._touched: dict[str, dict] = {}
        self._responses: list[dict] = []

    # -- HTTP with retries -------------------------------------------------------
    def _attempt(self, req: Request) -> tuple[bytes, object]:
        """One call through the shared limiter; a checked JSON body (and its parse) or an exception."""
        try:
            with limiter_for(req.url).slot():
                response = self._session.request(req.method, req.url, params=list(req.params),
                                                 json=req.body, timeout=self.timeout)
        except requests.Timeout:
            raise _Retry(None, f"no answer within {self.timeout:g} s", ServiceDown) from None
        except requests.ConnectionError:
            raise _Retry(None, "could not connect", ServiceDown) from None
        except requests.RequestException as error:
            raise _Retry(None, f"the response was cut off ({type(error).__name__})", DataError) from None
        return self._checked(req, response)

    def _checked(self, req: Request, response: requests.Response) -> tuple[bytes, object]:
        status, body = response.status_code, response.content
        if status == 200:
            ctype = response.headers.get("Content-Type", "")
            if "json" not in ctype.lower():
                raise _Retry(200, f"content type {ctype or 'missing'} instead of JSON", DataError)
            try:
                doc = orjson.loads(body)
            except ValueError:
                raise _Retry(200, "the body is not valid JSON (cut off or damaged)", DataError) from None
            if not _looks_complete(req.kind, doc):
                raise _Retry(200, "the body is not a complete JSON-stat dataset", DataError)
            return body, doc
        detail = _problem_detail(body)
        if status == 429:
            raise _Retry(429, "Too Many Requests", SSBError, wait=_retry_after(response))
        if status >= 500:
            raise _Retry(status, detail or response.reason, ServiceDown)
        if status == 400:
            raise SSBError(f"{req.what}: HTTP 400, SSB says: {detail}; query: "
                           f"{canonical_json(req.query)}; correct the codes or expressions")
        if status == 403:
            raise TooManyCells(f"{req.what}: HTTP 403, too many cells ({detail})")
        if status == 404:
            raise TableNotFound(f"{req.what}: HTTP 404, {detail or 'not found'}")
        raise SSBError(f"{req.what}: HTTP {status}, {detail}; check the request or try later")

    def _delay(self, attempt: int, retry: _Retry) -> float:
        """Wait before attempt ``attempt``: Retry-After if given, else backoff with jitter."""
        if retry.wait is not None:
            return min(retry.wait, self.max_wait)
        base = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return base * (0.5 + random.random() / 2)

    def _fetch(self, req: Request) -> tuple[bytes, object]:
        """The checked body of ``req`` and its parse, retrying what is worth retrying."""
        for attempt in range(self.max_retries + 1):
            try:
                return self._attempt(req)
            except _Retry as retry:
                if attempt == self.max_retries:
                    raise retry.give_up(req, attempt + 1) from None
                log.info("%s: %s; retrying", req.what, retry.reason)
                time.sleep(self._delay(attempt + 1, retry))
        raise AssertionError("unreachable")  # pragma: no cover

    # -- cache -------------------------------------------------------------------
    def _json(self, req: Request, fresh: bool = False) -> dict:
        """The answer to ``req``: from the cache, or (``fresh``, ``refresh``) fetched,
        checked and cached."""
        key = CacheKey(req.api, req.resource, req.kind, req.query, self.lang)
        entry = None if (self.refresh or fresh) else self._cached(key)
        cached = entry is not None
        if cached:
            doc = entry.doc
        else:
            entry, doc = self._download(req, key)
        self._note(req, entry.meta)
        self._responses.append({"api": req.api, "kind": req.kind, "resource": req.resource,
                                "url": entry.meta.get("url"), "file": str(entry.path), "cached": cached})
        return doc

    def _download(self, req: Request, key: CacheKey) -> tuple[CacheEntry, object]:
        """Fetch ``req`` and cache the checked body (never offline)."""
        if self.offline:
            raise OfflineMissingError(f"offline: the cache has no {key.describe()}; "
                                      "run without --offline to fetch it")
        body, doc = self._fetch(req)
        updated = doc.get("updated") if isinstance(doc, Mapping) else None
        entry = self.cache.write(key, body, {"url": req.full_url(), "method": req.method, "body": req.body,
                                             "fetched": _utc_now(), "updated": updated})
        return entry, doc

    def _cached(self, key: CacheKey) -> CacheEntry | None:
        try:
            return self.cache.read(key)
        except CorruptCacheError as error:
            if self.offline:
                raise DataError(f"{error}; offline, so it cannot be fetched again: "
                                "run without --offline") from None
            log.warning("%s; fetching it again", error)
            return None

    def _note(self, req: Request, meta: Mapping) -> None:
        """Remember a table touched, for :meth:`provenance`."""
        if req.kind in ("data", "metadata"):
            record = self._touched.setdefault(req.resource, {"table": req.resource})
            record.update(api=req.api, url=meta.get("url"), fetched=meta.get("fetched"))
            if meta.get("updated"):
                record["updated"] = meta["updated"]

    def provenance(self) -> list[dict]:
        """Tables touched so far: id, API, URL, SSB's updated stamp, when fetched."""
        return [dict(record) for record in self._touched.values()]

    def responses(self) -> list[dict]:
        """Every response used so far: API, kind, resource, URL, cache file, and
        whether it came from the cache (``cached``) or over the network."""
        return [dict(r) for r in self._responses]

    # -- simple resources --------------------------------------------------------
    def _v2(self, path: str) -> str:
        return f"{self.urls['v2']}/{path}"

    def config(self, fresh: bool = False) -> dict:
        """``/config``: API version, languages, ``maxDataCells``, call limits."""
        return self._json(Request("v2", "config", "config", self._v2("config")), fresh)

    def max_cells(self, fresh: bool = False) -> int:
        """Cells allowed per call; also sets the shared call limit from ``/config``.

        ``fresh`` reads ``/config`` again instead of the cached copy (after a 403).
        """
        if self._max_cells is None or fresh:
            try:
                doc = self.config(fresh)
                limiter_for(self.urls["v2"]).configure(int(doc["maxCallsPerTimeWindow"]),
                                                       float(doc["timeWindow"]))
                self._max_cells = int(doc["maxDataCells"])
            except (TableNotFound, ServiceDown, KeyError, TypeError, ValueError) as error:
                log.warning("could not read SSB's limits from /config (%s); using %d cells per call",
                            error, DEFAULT_MAX_CELLS)
                self._max_cells = DEFAULT_MAX_CELLS
        return self._max_cells

    def metadata(self, table: str, codelists: Mapping[str, str] | None = None) -> dict:
        """v2 metadata of ``table`` (JSON-stat 2.0 without values), code lists applied."""
        params = (("lang", self.lang), _V2_FORMAT) + tuple(
            (f"codelist[{var}]", name) for var, name in sorted((codelists or {}).items()))
        return self._json(Request("v2", table, "metadata", self._v2(f"tables/{table}/metadata"),
                                  {"codelist": dict(codelists or {})}, params))

    def metadata_v1(self, table: str) -> dict:
        """v1 metadata of ``table``: ``{"title", "variables": [...]}``."""
        return self._json(Request("v1", table, "metadata", self._v1_url(table)))

    def variables(self, table: str, codelists: Mapping[str, str] | None = None) -> list[Variable]:
        """The table's variables and codes (v2, or v1 if v2 cannot answer)."""
        try:
            return variables_from_jsonstat(self.metadata(table, codelists))
        except (TableNotFound, ServiceDown, OfflineMissingError) as v2_error:
            return self._fallback(v2_error, lambda: variables_from_v1(self.metadata_v1(table)))

    def codelist(self, name: str) -> dict:
        """A v2 code list, e.g. ``agg_KommSummer``: ``values[].code/label/valueMap``."""
        return self._json(Request("v2", name, "codelist", self._v2(f"codelists/{name}"),
                                  {}, (("lang", self.lang),)))

    def klass_json(self, path: str, params: Mapping[str, str] | None = None) -> dict:
        """GET ``{klass}/{path}`` (e.g. ``classifications/131/changes.json``), cached."""
        path = path.strip("/")
        pure = PurePosixPath(path)
        query = dict(sorted((params or {}).items()))
        return self._json(Request("klass", str(pure.parent).replace("/", "_"), pure.stem,
                                  f"{self.urls['klass']}/{path}", query, tuple(query.items())))

    # -- data --------------------------------------------------------------------
    def data(self, table: str, selection: Mapping[str, str | Sequence[str]],
             codelists: Mapping[str, str] | None = None) -> Cube:
        """The cube SSB answers for ``selection`` (codes or expressions per variable).

        Cut into several calls when over the limits, joined back into one cube.
        """
        query = Query.build(table, selection, codelists)
        try:
            return self._data_via("v2", query)
        except (TableNotFound, ServiceDown, OfflineMissingError) as v2_error:
            return self._fallback(v2_error, lambda: self._data_via("v1", query))

    def _fallback(self, v2_error: SSBError, via_v1):
        """Try v1 after v2 failed; if v1 fails too, one error that names both."""
        log.info("%s; trying PxWebApi v1", v2_error)
        try:
            return via_v1()
        except OfflineMissingError:
            raise v2_error from None
        except (TableNotFound, ServiceDown) as v1_error:
            if isinstance(v2_error, TableNotFound) and isinstance(v1_error, TableNotFound):
                raise TableNotFound(f"{v2_error}; v1 answered HTTP 404 too: no such table, check "
                                    "the number (`k2020proj tables` lists those k2020proj uses)") from None
            raise type(v2_error)(f"{v2_error}; the v1 fallback failed too: {v1_error}") from None

    def _data_via(self, api: str, query: Query) -> Cube:
        variables = self.variables_for(api, query)
        root = plan(query, variables, self.max_cells(), self._fits(api))
        count = sum(1 for _ in leaves(root))
        with tqdm(total=count, desc=f"SSB {query.table}", unit="call", file=sys.stderr,
                  leave=False, disable=not (self.progress and count > 1 and sys.stderr.isatty())) as bar:
            cube = self._assemble(api, root, variables, bar)
        return cube.with_meta(api=api, requests=count, synthetic=bool(cube.meta.get("synthetic", False)))

    def _fits(self, api: str):
        """Whether a piece can be sent as it is: always by POST, by GET if the URL is short."""
        if self.post or api == "v1":
            return lambda query: True
        return lambda query: len(self._v2_get(query).full_url()) <= MAX_GET_URL

    def variables_for(self, api: str, query: Query) -> list[Variable]:
        if api == "v2":
            return variables_from_jsonstat(self.metadata(query.table, dict(query.codelists)))
        return variables_from_v1(self.metadata_v1(query.table))

    def _assemble(self, api: str, node: Plan, variables: list[Variable], bar: tqdm) -> Cube:
        """Fetch a plan's pieces and join them back along each split's dimension."""
        if isinstance(node, Split):
            return concat([self._assemble(api, part, variables, bar) for part in node.parts], node.dim)
        try:
            doc = self._json(self._v2_data(node) if api == "v2" else self._v1_data(node, variables))
        except TooManyCells:
            return self._assemble(api, self._replan(api, node, variables), variables, bar)
        bar.update(1)
        return read_jsonstat(doc)

    def _replan(self, api: str, query: Query, variables: list[Variable]) -> Plan:
        """After a 403: cut the piece to the limit ``/config`` states now, or in half."""
        cells = cell_count(query, variables)
        if cells <= 1 or self.offline:
            raise TooManyCells(f"SSB table {query.table}: HTTP 403 even for {cells} cell(s); "
                               "SSB's limits may have changed, try again later")
        limit = self.max_cells(fresh=True)
        limit = limit if limit < cells else cells // 2
        log.info("SSB table %s: 403 for %d cells; cutting to %d per call", query.table, cells, limit)
        return plan(query, variables, limit, self._fits(api))

    def _v2_get(self, query: Query) -> Request:
        params = [("lang", self.lang), _V2_FORMAT]
        params += [(f"valueCodes[{var}]", ",".join(exprs)) for var, exprs in query.selection]
        params += [(f"codelist[{var}]", name) for var, name in query.codelists]
        return Request("v2", query.table, "data", self._v2(f"tables/{query.table}/data"),
                       query.normalised(), tuple(params))

    def _v2_data(self, query: Query) -> Request:
        """GET if the URL is short enough, else POST with the selection as JSON."""
        get = self._v2_get(query)
        if not self.post or len(get.full_url()) <= MAX_GET_URL:
            return get
        codelists = dict(query.codelists)
        selection = [{"variableCode": var, "valueCodes": list(exprs),
                      **({"codelist": codelists[var]} if var in codelists else {})}
                     for var, exprs in query.selection]
        return Request("v2", query.table, "data", get.url, query.normalised(),
                       (("lang", self.lang), _V2_FORMAT), {"selection": selection})

    def _v1_url(self, table: str) -> str:
        return f"{self.urls['v1']}/{self.lang}/table/{table}"

    def _v1_data(self, query: Query, variables: list[Variable]) -> Request:
        """A v1 POST: expressions resolved to item lists; code lists as ``agg:``/``vs:``."""
        by_code = {v.code: v for v in variables}
        codelists = dict(query.codelists)
        items = []
        for var, exprs in query.selection:
            if var in codelists:
                items.append(_v1_codelist_item(query.table, var, codelists[var], exprs))
            else:
                values = expand(by_code[var], exprs, strict=False) if var in by_code else list(exprs)
                items.append({"code": var, "selection": {"filter": "item", "values": values}})
        body = {"query": items, "response": {"format": "json-stat2"}}
        return Request("v1", query.table, "data", self._v1_url(query.table), query.normalised(),
                       (), body)


def _v1_codelist_item(table: str, var: str, codelist: str, exprs: Sequence[str]) -> dict:
    """v1 names code lists ``agg:KommSummer`` / ``vs:Name``; only plain codes are allowed."""
    prefix, _, name = codelist.partition("_")
    if prefix not in ("agg", "vs") or not name:
        raise SSBError(f"SSB table {table}: code list {codelist!r} has no v1 equivalent")
    plain = [e for e in exprs if e == split_expressions(e)[0] and not any(ch in e for ch in "*?(")]
    if len(plain) != len(exprs):
        raise SSBError(f"SSB table {table}: v2 is unavailable and v1 cannot expand "
                       f"{', '.join(exprs)} in code list {codelist}; list the codes explicitly "
                       "or try again when v2 is back")
    return {"code": var, "selection": {"filter": f"{prefix}:{name}", "values": list(exprs)}}
