"""The package's pages render in a real browser (headless Chromium) and are not blank.

Chromium is Debian's ``chromium`` package, which ``.ci/run`` installs; without it
the test skips locally and says why. A page counts as rendered when its
screenshot has real contrast (pixel standard deviation) and the dark header band
and the charts leave many distinct grey levels, which a blank or error page does not.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from k2020proj.outputs.package import build_package

from package_sample import sample_inputs

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)

pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("K2020PROJ_SHARED"),
    reason="headless Chromium not installed (Debian package 'chromium'; .ci/run installs it)")


def screenshot(page: Path, out: Path, profile: Path) -> np.ndarray:
    """Render ``page`` at 1200×1600 and return the screenshot as grey levels."""
    command = [CHROMIUM or "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={out}",
               "--window-size=1200,1600", page.resolve().as_uri()]
    subprocess.run(command, check=True, capture_output=True, timeout=60)
    return np.asarray(Image.open(out).convert("L"), dtype=float)


def test_index_and_a_municipality_page_render_with_content(tmp_path):
    pkg = build_package(sample_inputs(municipalities=sample_inputs().municipalities[:1]),
                        tmp_path / "pkg", progress=False)
    for name in ("index.html", "kommune-9901.html"):
        pixels = screenshot(pkg.root / name, tmp_path / f"{name}.png", tmp_path / "profile")
        assert pixels.shape == (1600, 1200)
        assert pixels.std() > 25, f"{name} rendered nearly blank"
        assert len(np.unique(pixels.astype(int))) > 64, f"{name} shows too little detail"
        assert pixels[:60].mean() < 100, f"{name} lacks its dark header band"
