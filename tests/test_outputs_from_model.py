"""Model runs become package inputs: results of every scenario, the population shown, provenance."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.errors import DataError
from k2020proj.models import project, synthetic_inputs
from k2020proj.outputs import from_model


@pytest.fixture(scope="module")
def runs():
    """Two scenarios on a SYNTHETIC world of three municipalities (D's generator, fixed seed)."""
    inputs = synthetic_inputs(n_regions=3, n_counties=1, horizon=2030, seed=7, with_stock=True)
    return [(inputs, project(inputs, name, draws=10, seed=11)) for name in ("referanse", "heltid")]


def test_population_cube_keeps_the_model_s_numbers_under_ssb_codes(runs):
    inputs = runs[0][0]
    cube = from_model.population_cube(inputs)
    assert cube.dims == ("region", "sex", "age", "year")
    assert cube.codes["age"][0] == "000" and cube.codes["age"][-1] == "105+"
    assert cube.codes["region"] == inputs.regions
    np.testing.assert_array_equal(cube.values, inputs.population)


def test_staff_age_sums_to_the_stock_and_is_absent_without_one(runs):
    inputs = runs[0][0]
    ages = from_model.staff_age(inputs)
    assert ages["persons"].sum() == pytest.approx(inputs.stock.sum())
    assert set(ages["age"]) == {str(a) for a in range(16, 75)}
    without = synthetic_inputs(n_regions=3, n_counties=1, horizon=2030, seed=7)
    assert from_model.staff_age(without) is None


def test_package_inputs_stack_every_scenario_and_record_seeds_and_scenario_files(runs):
    county = (runs[0][0].counties[0], "Syntetisk fylke")
    municipalities = [(code, f"Kommune {code}") for code in runs[0][0].regions]
    made = from_model.package_inputs(runs, county, municipalities, ["07459"], "syntetisk")
    assert made.scenarios == ["referanse", "heltid"]
    assert set(made.results["scenario"]) == {"referanse", "heltid"}
    assert made.synthetic and made.base_year == 2024 and made.horizon == 2030
    assert made.provenance["seeds"] == {"referanse": 11, "heltid": 11}
    files = {f["name"]: f for f in made.provenance["scenario_files"]}
    assert files["heltid"]["sha256"] and files["heltid"]["path"].endswith("heltid.toml")


def test_no_runs_is_a_data_error():
    with pytest.raises(DataError, match="no projection runs"):
        from_model.package_inputs([], ("81", "X"), [], [], "")
