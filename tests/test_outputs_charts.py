"""Charts are drawn, carry their source lines, and leave out groups under the threshold."""
from __future__ import annotations

import numpy as np
import pandas as pd
from PIL import Image

from k2020proj.outputs import charts, population
from k2020proj.outputs import results as res

import package_sample

NOTES = ["Kilde: Statistisk sentralbyrå (tabell 07459), beregninger med k2020proj", "Scenario: referanse"]


def _drawn(path) -> bool:
    """A PNG that is not one flat colour."""
    pixels = np.asarray(Image.open(path).convert("L"), dtype=float)
    return pixels.std() > 10


def test_every_chart_is_written_as_a_non_blank_png(tmp_path):
    results = res.check(package_sample.results())
    pop = package_sample.population()
    written = [
        charts.supply_demand(results, "9901", tmp_path / "sd.png", "Tilbud og behov", NOTES),
        charts.pyramid(population.pyramid(pop, "9901", 2024), population.pyramid(pop, "9901", 2040),
                       (2024, 2040), tmp_path / "p.png", "Befolkning", NOTES),
        charts.demand_index(results, "9901", "referanse", tmp_path / "d.png", "Behovsindeks", NOTES),
        charts.compare(pd.DataFrame({"name": ["Åsby", "Elvdal"], "a": [-3.0, np.nan]}), ["a"], ["A"],
                       tmp_path / "c.png", "Kommunene", NOTES),
    ]
    for path in written:
        assert path.exists() and _drawn(path)
        assert Image.open(path).size[0] >= 400


def test_a_group_under_the_threshold_is_left_out_of_the_chart():
    """9903 has three nurses: the chart hides them; Åsby's 400 nurses are shown."""
    results = res.check(package_sample.results())
    assert charts._small_groups(results, "9903", ["spl", "hfa"], 5) == {"spl"}
    assert charts._small_groups(results, "9901", ["spl", "hfa"], 5) == set()
