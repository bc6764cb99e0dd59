"""The analyst notebook runs from top to bottom on the recorded SSB data (nbclient)."""
from __future__ import annotations

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "analyst.ipynb"


def test_analyst_notebook_projects_compares_and_plots(ssb_data, monkeypatch):
    """Every cell runs without error; the scenario comparison has all three scenarios and
    both plots produce an image."""
    monkeypatch.setenv("K2020PROJ_SOURCE", str(ssb_data))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert text.startswith("recorded: ") and "4001 Porsgrunn" in text
    html = "".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert all(name in html for name in ("referanse", "heltid", "rekruttering"))
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2
