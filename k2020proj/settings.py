"""Where k2020proj keeps and finds data, read from the environment.

- ``K2020PROJ_DATA``: root of the cache (default: ``./data``, i.e. ``data/raw`` and
  ``data/processed`` under the current directory).
- ``K2020PROJ_SOURCE``: a folder of recorded SSB data (the layout of
  ``shared/ssb-data``) to read instead of the network.
- ``K2020PROJ_SHARED``: the ``shared`` folder beside the checkout; tests use it
  for the recorded real data.
- ``K2020PROJ_API``: base URL of PxWebApi v2 (tests point it at the replay server).
"""
from __future__ import annotations

import os
from pathlib import Path

SSB_V2 = "https://data.ssb.no/api/pxwebapi/v2"
SSB_V1 = "https://data.ssb.no/api/v0"
SSB_KLASS = "https://data.ssb.no/api/klass/v1"


def data_root() -> Path:
    """The folder holding ``raw/`` and ``processed/``."""
    return Path(os.environ.get("K2020PROJ_DATA", "data")).expanduser()


def raw_dir() -> Path:
    """The response cache: one file per SSB response, as received."""
    return data_root() / "raw"


def processed_dir() -> Path:
    """Harmonised cubes derived from ``raw_dir()``."""
    return data_root() / "processed"


def recorded_source() -> Path | None:
    """The recorded-data folder named by ``K2020PROJ_SOURCE``, if any."""
    value = os.environ.get("K2020PROJ_SOURCE")
    return Path(value).expanduser() if value else None


def api_urls() -> dict[str, str]:
    """Base URLs of PxWebApi v2, v1 and KLASS, overridable for tests."""
    return {
        "v2": os.environ.get("K2020PROJ_API", SSB_V2).rstrip("/"),
        "v1": os.environ.get("K2020PROJ_API_V1", SSB_V1).rstrip("/"),
        "klass": os.environ.get("K2020PROJ_KLASS", SSB_KLASS).rstrip("/"),
    }
