"""Atomic file writes: a reader sees the old file or the whole new one, never a part.

Every file k2020proj writes (cached SSB responses, sidecars, packages, reports) goes
through :func:`atomic_write`: the content is written to a temporary file in the
same folder, flushed to disk, given ordinary permissions and only then renamed over
the target. A crash, a kill or an exception mid-write leaves the previous file
untouched and no partial file under the final name.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Callable, Iterable


def atomic_write(path: Path | str, write: Callable[[str], object]) -> Path:
    """Run ``write(tmp_path)`` and move the finished file to ``path`` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        write(tmp)
        _fsync(tmp, os.O_RDONLY)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync(path.parent, os.O_RDONLY)
    return path


def write_bytes(path: Path | str, data: bytes | Iterable[bytes]) -> Path:
    """Atomically write ``data`` (bytes, or chunks of bytes as they arrive) to ``path``."""
    def write(tmp: str) -> None:
        with open(tmp, "wb") as handle:
            for chunk in [data] if isinstance(data, bytes) else data:
                handle.write(chunk)
    return atomic_write(path, write)


def write_text(path: Path | str, text: str) -> Path:
    """Atomically write ``text`` as UTF-8 to ``path``."""
    return write_bytes(path, text.encode("utf-8"))


def _fsync(target: Path | str, flags: int) -> None:
    """Flush a file's or a folder's entry to disk, where the platform allows it."""
    try:
        fd = os.open(target, flags)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - file systems that refuse fsync on folders
        pass
    finally:
        os.close(fd)


def _umask() -> int:
    """The process's umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask
