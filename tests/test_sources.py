"""The recorded source reads every dataset of ``shared/ssb-data`` into the agreed cubes.

Figures checked against what SSB publishes and SOURCES.md documents: national totals
of 07459, the panel's age groups, nurse FTEs; blanks stay NaN; years outside the
recorded data are a clear usage error naming the range.
"""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.errors import UsageError
from k2020proj.harmonised import EACH_YEAR
from k2020proj.sources import AGE_GROUPS, RecordedSource, Source, load_region_history, open_source

#: Norway's population on 1 January as SSB publishes it (quoted in SOURCES.md)
PUBLISHED = {"2017": 5_258_317, "2018": 5_295_619, "2019": 5_328_212, "2020": 5_367_580, "2021": 5_391_369}


@pytest.fixture(scope="module")
def source(ssb_data):
    return RecordedSource(ssb_data)


def test_recorded_source_is_a_source(source, ssb_data):
    assert isinstance(source, Source)
    assert source.name == f"recorded: {ssb_data}"


def test_population_national_totals_match_ssb(source):
    """07459 2017–2021 sums to SSB's published national population, year by year."""
    cube = source.population(range(2017, 2022))
    assert cube.dims == ("region", "sex", "age", "year")
    assert cube.codes["sex"] == ("0",)
    assert cube.codes["age"][0] == "000" and cube.codes["age"][-1] == "105+"
    totals = dict(zip(cube.codes["year"], np.nansum(cube.values, axis=(0, 1, 2))))
    assert totals == PUBLISHED
    assert cube.meta["structure"] == EACH_YEAR and cube.meta["synthetic"] is False
    assert cube.meta["table"] == "07459"


def test_regions_absent_from_an_export_are_nan(source):
    """The 2019 export has 0219, the 2020 one K-3024: each is NaN in the other year."""
    cube = source.population([2019, 2020]).sum("age").sel(sex="0")
    assert np.isnan(cube.sel(region="0219", year="2020").values)
    assert np.isnan(cube.sel(region="K-3024", year="2019").values)
    assert cube.sel(region="0219", year="2019").values == 126_841


def test_population_by_sex_when_every_year_has_it(source):
    both = source.population([2020, 2021])
    by_sex = both.codes["sex"]
    assert by_sex == ("1", "2")
    plain = source.population([2019, 2020, 2021]).sel(year=["2020", "2021"], region=both.codes["region"])
    np.testing.assert_array_equal(np.nansum(both.values, axis=1), np.nansum(plain.values, axis=1))


def test_years_outside_the_recording_name_the_range(source):
    with pytest.raises(UsageError, match=r"2004 not in the recorded data \(available 2005–2021\)"):
        source.population([2004, 2005])
    with pytest.raises(UsageError, match=r"available 2007–2025"):
        source.population_groups([2026])
    with pytest.raises(UsageError, match="whole numbers"):
        source.care_users(["twenty"])


def test_population_groups_add_up_and_match_07459(source):
    cube = source.population_groups(range(2007, 2026))
    assert cube.dims == ("region", "age", "year") and cube.codes["age"] == AGE_GROUPS
    assert len(cube.codes["region"]) == 357 and cube.meta["structure"] == "2024"
    parts = cube.sel(age=["0-66", "67-79", "80+"]).sum("age").values
    np.testing.assert_array_equal(parts, cube.sel(age="total").values)  # NaN where the row is absent
    totals = dict(zip(cube.codes["year"], np.nansum(cube.sel(age="total").values, axis=0)))
    assert totals["2020"] == PUBLISHED["2020"] and totals["2021"] == PUBLISHED["2021"]
    assert np.isnan(cube.sel(region="1806", age="total", year="2019").values)  # Narvik from 2020


def test_nurse_fte_by_municipality(source):
    cube = source.personnel_fte(range(2015, 2026))
    assert cube.dims == ("region", "occupation", "year") and cube.codes["occupation"] == ("spl",)
    national = np.nansum(cube.values, axis=(0, 1))
    assert round(national[0]) == 28_263 and round(national[-1]) == 33_130  # SOURCES.md
    assert cube.labels["region"][cube.codes["region"].index("3201")] == "Bærum"


def test_care_users_blanks_are_nan_not_zero(source):
    cube = source.care_users(range(2015, 2026))
    assert cube.dims == ("region", "service", "age", "year")
    assert cube.codes["service"] == ("home_care", "ltc") and cube.codes["age"] == AGE_GROUPS
    no_group = cube.sel(service="home_care", age="67-79", year=[str(y) for y in range(2017, 2026)])
    assert np.isnan(no_group.values).all()  # 12292 has no 67–79 group
    oslo = cube.sel(region="0301", service="home_care", age="total", year="2015").values
    assert oslo == 16_553


def test_projection_vintage_in_its_own_structure(source):
    cube = source.projection(2020, "LLML")
    assert cube.dims == ("region", "sex", "age", "year")
    assert "3806" in cube.codes["region"] and "0" in cube.codes["region"]  # Porsgrunn 2020–2023
    assert cube.meta["structure"] == "2020" and cube.meta["table"] == "12882"
    with pytest.raises(UsageError, match=r"vintage 2007 is not recorded \(vintages: 2005, 2008"):
        source.projection(2007)
    with pytest.raises(UsageError, match="no alternative 'MMM0'"):
        source.projection(2020, "MMM0")


def test_provenance_lists_the_files_read(source):
    source.population([2019])
    tables = {entry["table"] for entry in source.provenance()}
    assert {"07459", "agg_KommSummer"} <= tables
    assert all(entry["file"].startswith(str(source.folder)) for entry in source.provenance())


def test_open_source_prefers_the_recorded_folder(ssb_data, monkeypatch, tmp_path):
    assert isinstance(open_source(ssb_data), RecordedSource)
    monkeypatch.setenv("K2020PROJ_SOURCE", str(ssb_data))
    assert open_source().folder == ssb_data
    assert load_region_history().resolve("0219").successors[0][0] == "3201"
    with pytest.raises(UsageError, match="is not a folder"):
        open_source(tmp_path / "nowhere")
