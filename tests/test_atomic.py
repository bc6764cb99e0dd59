"""Atomic writes: the target holds the old content or the whole new one, never a part."""
import os
import stat

import pytest

from k2020proj.atomic import atomic_write, write_bytes, write_text


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path):
    def broken(tmp):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(tmp_path / "x.csv", broken)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_file(tmp_path):
    target = write_text(tmp_path / "report.md", "old")

    def chunks():
        yield b"new, but "
        raise OSError("connection lost")

    with pytest.raises(OSError):
        write_bytes(target, chunks())
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]


def test_written_files_get_ordinary_permissions_not_the_temporary_files_0600(tmp_path):
    old = os.umask(0o022)
    try:
        path = write_text(tmp_path / "index.html", "<html></html>")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text() == "<html></html>"
