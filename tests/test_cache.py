"""The response cache: exact bodies, readable keys, sidecars, atomic writes, corruption found."""
from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from datetime import datetime
from pathlib import Path

import pytest

from k2020proj.atomic import write_bytes
from k2020proj.ssb.cache import (CacheKey, CorruptCacheError, ResponseCache,
                                 canonical_json, sha256)

BODY = b'{"version":"2.0","class":"dataset","updated":"2021-06-21","value":[1,null]}'


def key(query=None, lang="no") -> CacheKey:
    return CacheKey("v2", "07459", "data", query or {"selection": {"Tid": ["2019"], "Region": ["0301"]}}, lang)


def test_key_is_readable_and_ignores_query_order():
    """Same query written in another order → same file; language and table show in the name."""
    a = key({"selection": {"Tid": ["2019"], "Region": ["0301"]}, "codelist": {}})
    b = key({"codelist": {}, "selection": {"Region": ["0301"], "Tid": ["2019"]}})
    assert a.relpath == b.relpath
    assert a.relpath.parts[:2] == ("v2", "07459")
    assert a.relpath.name.startswith("data-") and a.relpath.name.endswith(".no.json")
    assert key(lang="en").relpath != key(lang="no").relpath
    assert key({"selection": {"Tid": ["2020"]}}).relpath != a.relpath


def test_key_keeps_path_components_safe():
    """A resource with slashes or dots cannot escape the cache folder."""
    evil = CacheKey("klass", "../../etc", "passwd", {}, "no")
    assert ".." not in evil.relpath.parts and evil.relpath.parts[0] == "klass"


def test_write_then_read_gives_the_exact_body_and_a_full_sidecar(tmp_path):
    """The body is stored byte for byte; the sidecar has URL, query, UTC time, updated, sha256."""
    cache = ResponseCache(tmp_path)
    cache.write(key(), BODY, {"url": "http://x/tables/07459/data", "fetched": "2024-01-02T03:04:05+00:00",
                              "updated": "2021-06-21"})
    entry = cache.read(key())
    assert entry.body == BODY
    assert entry.path == tmp_path / key().relpath
    meta = json.loads(ResponseCache.meta_path(entry.path).read_text())
    assert meta["url"] == "http://x/tables/07459/data"
    assert meta["query"] == key().query and meta["lang"] == "no" and meta["api"] == "v2"
    assert meta["sha256"] == sha256(BODY) and meta["updated"] == "2021-06-21"
    assert datetime.fromisoformat(meta["fetched"]).utcoffset().total_seconds() == 0


def test_missing_entry_reads_as_none(tmp_path):
    assert ResponseCache(tmp_path).read(key()) is None


def test_a_changed_byte_is_reported_as_corrupt(tmp_path):
    """A body that no longer matches its SHA-256 is never handed on."""
    cache = ResponseCache(tmp_path)
    path = cache.write(key(), BODY, {}).path
    path.write_bytes(BODY.replace(b"1", b"7"))
    with pytest.raises(CorruptCacheError, match="SHA-256"):
        cache.read(key())


def test_bad_json_is_reported_as_corrupt_even_with_a_matching_hash(tmp_path):
    cache = ResponseCache(tmp_path)
    cache.write(key(), BODY[:20], {})
    with pytest.raises(CorruptCacheError, match="not valid JSON"):
        cache.read(key())


def test_a_missing_sidecar_is_reported_as_corrupt(tmp_path):
    cache = ResponseCache(tmp_path)
    path = cache.write(key(), BODY, {}).path
    ResponseCache.meta_path(path).unlink()
    with pytest.raises(CorruptCacheError, match="sidecar"):
        cache.read(key())


def test_canonical_json_sorts_keys():
    assert canonical_json({"b": 1, "a": [2, {"d": 1, "c": 0}]}) == '{"a":[2,{"c":0,"d":1}],"b":1}'


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    """An exception mid-write (e.g. a download that breaks off) keeps the previous file."""
    target = tmp_path / "v2" / "x.json"
    write_bytes(target, b"old")

    def broken():
        yield b"new partial"
        raise OSError("connection reset")

    with pytest.raises(OSError):
        write_bytes(target, broken())
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["x.json"]


def _slow_writer(path: str, chunks: int) -> None:
    """Child process: write a large body slowly, chunk by chunk."""
    def body():
        for _ in range(chunks):
            yield b"x" * 65536
            time.sleep(0.01)
    write_bytes(Path(path), body())


def test_kill_during_write_keeps_the_previous_file_intact(tmp_path):
    """SIGKILL in the middle of a write: the good file survives, no partial file under its name."""
    cache = ResponseCache(tmp_path)
    good = cache.write(key(), BODY, {"url": "u"})
    child = multiprocessing.get_context("fork").Process(target=_slow_writer, args=(str(good.path), 500))
    child.start()
    deadline = time.monotonic() + 10
    partial = []
    while time.monotonic() < deadline and not partial:
        partial = [p for p in good.path.parent.glob(".*.part") if p.stat().st_size > 65536]
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert partial, "the child never started writing"
    assert child.exitcode == -signal.SIGKILL
    assert good.path.read_bytes() == BODY
    assert cache.read(key()).body == BODY
    assert partial[0].stat().st_size < 500 * 65536
    assert {p.name for p in good.path.parent.iterdir() if not p.name.startswith(".")} == {
        good.path.name, ResponseCache.meta_path(good.path).name}
