"""Harmonised cubes on disk: ``data/processed/`` (or ``$K2020PROJ_DATA/processed``).

``k2020proj fetch --set model`` harmonises every dataset the model needs to one
municipality structure and keeps each here, so an analyst can open them with any
JSON-stat reader (pyjstat, R's rjstat, json-stat.org's tools) or
:func:`read_processed`:

- ``<dataset>_<what>_s<structure>.json``: the cube as a JSON-stat 2.0 dataset, its
  provenance (SSB table, ``updated`` stamp, source, structure harmonised to and from,
  synthetic or not, k2020proj version, when written) in ``extension.k2020proj``;
- ``<same>.mapping.csv``: the harmonisation report, one row per (old code, new code)
  with weight, method (identity, recode, merge, split, unmapped) and its basis;
- ``<same>.gaps.csv``, only when there are any: target cells left NaN and why.

They are derived data. The model does not read them back: harmonising from the
response cache in ``data/raw/`` takes a fraction of a second and can never go stale,
so these files are for people and notebooks, rewritten (atomically) on every fetch.
"""
from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

from k2020proj import __version__, settings
from k2020proj.atomic import write_text
from k2020proj.cube import Cube
from k2020proj.errors import DataError
from k2020proj.harmonised import HarmonisationReport
from k2020proj.ssb.jsonstat import read_jsonstat, write_jsonstat


def processed_name(dataset: str, what: str, target: str | int) -> str:
    """The file stem for ``dataset`` (e.g. ``population``) covering ``what`` (e.g.
    ``2019-2021`` or ``2018-MMMM``) in structure ``target``."""
    safe = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in str(what))
    return f"{dataset}_{safe}_s{target}"


def save_processed(stem: str, cube: Cube, report: HarmonisationReport,
                   folder: Path | None = None) -> Path:
    """Write the harmonised ``cube`` and its ``report`` under ``folder`` (default
    ``data/processed``); return the cube's path. Each file is written atomically."""
    folder = Path(folder) if folder is not None else settings.processed_dir()
    written = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    stamped = cube.with_meta(k2020proj_version=__version__, written=written,
                             harmonised_to=report.target)
    path = write_text(folder / f"{stem}.json", json.dumps(write_jsonstat(stamped), ensure_ascii=False))
    write_text(folder / f"{stem}.mapping.csv", report.to_frame().to_csv(index=False))
    gaps = folder / f"{stem}.gaps.csv"
    if len(report.gaps):
        write_text(gaps, report.gaps.to_csv(index=False))
    else:
        gaps.unlink(missing_ok=True)
    return path


def read_processed(path: Path | str) -> Cube:
    """A cube written by :func:`save_processed`; a damaged file is a :class:`DataError`
    that says to fetch again."""
    path = Path(path)
    try:
        return read_jsonstat(path.read_bytes())
    except OSError as error:
        raise DataError(f"cannot read processed cube {path}: {error.strerror}") from None
    except DataError as error:
        raise DataError(f"processed cube {path} is damaged ({error}); "
                        f"run `k2020proj fetch --set model` again") from None
