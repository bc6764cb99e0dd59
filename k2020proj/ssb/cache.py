"""The response cache in ``data/raw/``: every SSB response kept exactly as received.

One file per response, keyed by API version, table (or resource), normalised
query and language, e.g. ``v2/07459/data-3f2a9c0e1b7d.no.json``, with a sidecar
``data-3f2a9c0e1b7d.no.meta.json`` holding the URL, the query, when it was
fetched (UTC), SSB's ``updated`` stamp and the SHA-256 of the body. Writes are atomic (temporary
file in the same folder, fsync, ``os.replace``), so a crash or kill mid-write
never leaves a partial file under the final name and never replaces a good
one. A body whose hash or JSON does not check out is reported as corrupt and is
never handed on as data.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Mapping

import orjson

from k2020proj import settings
from k2020proj.atomic import write_bytes
from k2020proj.errors import DataError


class CorruptCacheError(DataError):
    """A cached response failed its checksum or is not valid JSON."""


def canonical_json(value: object) -> str:
    """Sorted, compact JSON: the normal form of a query for keys and sidecars."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _safe(part: str) -> str:
    """A path component made of safe characters only (table ids, resource names)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", part).strip("._") or "_"


@dataclass(frozen=True)
class CacheKey:
    """Where one response lives: API version, resource, kind, query and language."""

    api: str
    resource: str
    kind: str
    query: Mapping[str, object]
    lang: str

    @property
    def digest(self) -> str:
        """Short hash of the normalised query (sorted, canonical JSON)."""
        return hashlib.sha256(canonical_json(self.query).encode()).hexdigest()[:16]

    @property
    def relpath(self) -> Path:
        """Readable path under the cache root, e.g. ``v2/07459/data-<hash>.no.json``."""
        name = f"{_safe(self.kind)}-{self.digest}.{_safe(self.lang)}.json"
        return Path(_safe(self.api)) / _safe(self.resource) / name

    def describe(self) -> str:
        """One-line description for error messages: what exactly is meant."""
        return (f"{self.api} {self.kind} of {self.resource} (lang {self.lang}) "
                f"query {canonical_json(self.query)}")


@dataclass(frozen=True)
class CacheEntry:
    """A cached response body and its sidecar record."""

    body: bytes
    meta: Mapping[str, object]
    path: Path

    @cached_property
    def doc(self) -> object:
        """The body parsed as JSON, once (``orjson.JSONDecodeError``, a ValueError, if it is not)."""
        return orjson.loads(self.body)


def sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class ResponseCache:
    """Responses on disk under ``root`` (default ``settings.raw_dir()``)."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else settings.raw_dir()

    def path(self, key: CacheKey) -> Path:
        return self.root / key.relpath

    @staticmethod
    def meta_path(path: Path) -> Path:
        return path.with_name(path.name[: -len(".json")] + ".meta.json")

    def read(self, key: CacheKey) -> CacheEntry | None:
        """The cached response, ``None`` if absent; :class:`CorruptCacheError` if damaged."""
        path = self.path(key)
        if not path.exists():
            return None
        try:
            body = path.read_bytes()
            meta = json.loads(self.meta_path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CorruptCacheError(f"cache file {path} has no readable sidecar ({error})") from None
        if meta.get("sha256") != sha256(body):
            raise CorruptCacheError(f"cache file {path} does not match its recorded SHA-256")
        entry = CacheEntry(body=body, meta=meta, path=path)
        try:
            entry.doc
        except ValueError:
            raise CorruptCacheError(f"cache file {path} is not valid JSON") from None
        return entry

    def write(self, key: CacheKey, body: bytes, meta: Mapping[str, object]) -> CacheEntry:
        """Store a response exactly as received, with its sidecar, atomically.

        The body goes first; its sidecar (with the body's hash) second. Were the
        process killed between the two, the old sidecar's hash would not match the
        new body and the entry would be reported as corrupt and refetched.
        """
        path = self.path(key)
        record = {**meta, "api": key.api, "resource": key.resource, "kind": key.kind,
                  "lang": key.lang, "query": key.query, "sha256": sha256(body),
                  "bytes": len(body)}
        write_bytes(path, body)
        write_bytes(self.meta_path(path), json.dumps(record, indent=1, ensure_ascii=False,
                                                      sort_keys=True).encode("utf-8"))
        return CacheEntry(body=body, meta=record, path=path)
