"""Shared fixtures: where the recorded real SSB data is, and a clean cache per test.

Tests that need the recorded data in ``../shared`` take the ``shared`` fixture.
With ``K2020PROJ_SHARED`` set (as ``.ci/run`` does) a missing folder is a
failure; without it, such tests skip with the reason.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_dir() -> tuple[Path, bool]:
    configured = os.environ.get("K2020PROJ_SHARED")
    if configured:
        return (REPO / configured).resolve() if not Path(configured).is_absolute() else Path(configured), True
    return (REPO.parent / "shared").resolve(), False


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ``shared`` folder with ``ssb-data``, ``jsonstat-samples`` and ``pxwebapi``."""
    path, required = _shared_dir()
    if not (path / "ssb-data").is_dir():
        message = f"recorded SSB data not found at {path} (set K2020PROJ_SHARED)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def ssb_data(shared: Path) -> Path:
    """The recorded real SSB data, read-only."""
    return shared / "ssb-data"


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty cache and never reads a user's environment."""
    root = tmp_path / "k2020proj-data"
    monkeypatch.setenv("K2020PROJ_DATA", str(root))
    for name in ("K2020PROJ_SOURCE", "K2020PROJ_API", "K2020PROJ_API_V1", "K2020PROJ_KLASS",
                 "K2020PROJ_TIMEOUT", "K2020PROJ_RETRIES", "K2020PROJ_BACKOFF"):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.fixture(scope="session")
def replay_server(ssb_data: Path):
    """One replay server for the session, serving the recorded real data over HTTP."""
    from k2020proj.testing.replay_server import ReplayServer

    with ReplayServer(ssb_data) as server:
        yield server


@pytest.fixture
def replay(replay_server, monkeypatch: pytest.MonkeyPatch):
    """The replay server, reset (no faults, no calls, default limits), with
    K2020PROJ_API / K2020PROJ_API_V1 / K2020PROJ_KLASS pointing at it and short
    client timeouts, retries and backoffs (K2020PROJ_TIMEOUT/_RETRIES/_BACKOFF)."""
    replay_server.reset()
    monkeypatch.setenv("K2020PROJ_TIMEOUT", "5")
    monkeypatch.setenv("K2020PROJ_RETRIES", "2")
    monkeypatch.setenv("K2020PROJ_BACKOFF", "0.01")
    monkeypatch.setenv("K2020PROJ_API", replay_server.url_v2)
    monkeypatch.setenv("K2020PROJ_API_V1", replay_server.url_v1)
    monkeypatch.setenv("K2020PROJ_KLASS", replay_server.url_klass)
    yield replay_server
    replay_server.reset()
