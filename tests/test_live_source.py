"""LiveSource over the replay server gives the cubes RecordedSource reads from the same recorded data."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.errors import UsageError
from k2020proj.sources import RecordedSource, Source
from k2020proj.ssb.client import SSBClient
from k2020proj.ssb.live import LiveSource, occupation_weights
from k2020proj.ssb.selection import Variable


@pytest.fixture
def live(replay) -> LiveSource:
    return LiveSource(SSBClient(backoff=0.01, timeout=5, progress=False))


@pytest.fixture(scope="module")
def recorded(ssb_data) -> RecordedSource:
    return RecordedSource(ssb_data)


def aligned(cube, dim, codes):
    return cube.sel(**{dim: list(codes)}).values


def test_live_source_is_a_source(live):
    assert isinstance(live, Source) and live.name == "SSB PxWebApi"


def test_population_2019_equals_the_recorded_export_code_by_code(live, recorded):
    mine, theirs = live.population([2019]), recorded.population([2019])
    assert mine.dims == theirs.dims == ("region", "sex", "age", "year")
    assert set(mine.codes["region"]) == set(theirs.codes["region"])
    assert mine.codes["sex"] == theirs.codes["sex"] == ("0",) and mine.codes["age"] == theirs.codes["age"]
    assert np.array_equal(aligned(mine, "region", theirs.codes["region"]), theirs.values)
    assert mine.meta["structure"] == theirs.meta["structure"] and mine.meta["synthetic"] is False


def test_population_by_sex_2020_2021_equals_the_recorded_export(live, recorded):
    mine, theirs = live.population([2020, 2021]), recorded.population([2020, 2021])
    assert mine.codes["sex"] == ("1", "2") == theirs.codes["sex"]
    municipal = [c for c in theirs.codes["region"] if c[2:].isdigit() and len(c) == 6]
    expected = theirs.sel(region=municipal).values
    assert np.array_equal(aligned(mine, "region", [c[2:] for c in municipal]), expected)


def test_mixed_years_fall_back_to_both_sexes(live):
    cube = live.population([2019, 2020])
    assert cube.codes["sex"] == ("0",)
    assert np.nansum(cube.sel(year="2019").values) == 5_328_212


def test_population_groups_equal_the_recorded_panel(live, recorded):
    mine, theirs = live.population_groups([2020, 2021]), recorded.population_groups([2020, 2021])
    assert mine.codes["age"] == theirs.codes["age"] == ("0-66", "67-79", "80+", "total")
    codes = [c for c in theirs.codes["region"] if c in mine.codes["region"]]
    assert len(codes) >= 355
    assert np.array_equal(aligned(mine, "region", codes), theirs.sel(region=codes).values, equal_nan=True)
    assert mine.meta["structure"] == "2024"


def test_projection_equals_the_recorded_vintage(live, recorded):
    mine, theirs = live.projection(2020, "LLML"), recorded.projection(2020, "LLML")
    assert mine.dims == ("region", "sex", "age", "year") and mine.meta["structure"] == "2020"
    municipal = [c for c in theirs.codes["region"] if len(c) == 4]
    assert len(municipal) == 17
    assert np.array_equal(aligned(mine, "region", municipal), theirs.sel(region=municipal).values)


def test_old_vintage_finds_the_alternative_in_its_own_variable(live, recorded):
    mine, theirs = live.projection(2005, "HHMH"), recorded.projection(2005, "HHMH")
    assert mine.meta["table"] == "05904"
    assert np.nansum(mine.values) == np.nansum(theirs.values)


def test_unknown_vintage_and_alternative_are_usage_errors(live):
    with pytest.raises(UsageError, match="vintages"):
        live.projection(2013)
    with pytest.raises(UsageError, match="ZZZZ"):
        live.projection(2020, "ZZZZ")


def test_personnel_fte_equals_the_recorded_nurse_ftes(live, recorded):
    mine, theirs = live.personnel_fte([2024, 2025]), recorded.personnel_fte([2024, 2025])
    assert mine.codes["occupation"] == ("spl",) == theirs.codes["occupation"]
    assert np.allclose(aligned(mine, "region", theirs.codes["region"]), theirs.values, equal_nan=True)
    assert mine.meta["table"] == "14534"


def test_years_a_table_lacks_are_named(live):
    with pytest.raises(UsageError, match=r"14534 has no 2019.*2024–2025"):
        live._fte("14534", [2019])


def test_care_users_equal_the_recorded_panel_where_ssb_has_the_group(live, recorded):
    mine, theirs = live.care_users([2020, 2024]), recorded.care_users([2020, 2024])
    assert mine.dims == theirs.dims == ("region", "service", "age", "year")
    assert mine.codes["service"] == ("home_care", "ltc")
    mine = mine.sel(region=list(theirs.codes["region"])).values
    known = ~np.isnan(mine)
    assert known.sum() > 3000  # 5 groups SSB has × 357 × 2 years, less suppressed cells
    assert np.array_equal(mine[known], theirs.values[known])
    # 12292 has no 67–79 group: missing, never 0
    assert np.isnan(mine[:, 0, 1, :]).all()


def test_region_history_from_klass_resolves_old_codes_and_splits(live):
    history = live.region_history()
    found = history.resolve("0219")
    assert [code for code, *_ in found.chain] == ["0219", "3024", "3201"]
    shares = history.shares["1850"]
    assert set(shares) == {"1806", "1875"} and abs(sum(shares.values()) - 1) < 1e-9


def test_region_history_from_klass_knows_the_counties_of_both_reforms(live, recorded):
    """KLASS 104 gives every county the built-in table knows, with the same validity: Viken
    ended in 2023, today's Akershus began in 2024 (so `kommune 3024` works live)."""
    counties = live.region_history().counties
    assert counties["30"].valid_to == 2023 and counties["32"].valid_from == 2024
    assert live.region_history().county_of("3201").name == "Akershus"
    assert set(counties) == set(recorded.region_history().counties)


def test_provenance_names_the_tables_used(live):
    live.population([2021])
    tables = {record["table"] for record in live.provenance()}
    assert "07459" in tables


def test_education_categories_map_to_model_occupations_without_double_counting():
    education = Variable("KOKutdanningoms0000", "utdanning",
                         ("TOT", "01", "01a", "02", "03", "04", "05", "99"),
                         ("I alt", "Sykepleiere", "Spesialsykepleiere", "Helsefagarbeidere", "Vernepleiere",
                          "Fysioterapeuter", "Annen helse- og sosialfaglig utdanning",
                          "Uten helse- og sosialfaglig utdanning"))
    weights, occupations, left_out = occupation_weights(education)
    assert occupations == ["spl", "hfa", "vpl", "fys", "ufag", "annen_h"]
    assert left_out == ["TOT"]
    assert weights.sum(axis=0).tolist() == [1, 1, 1, 1, 1, 1]   # 01a is inside 01: counted once
    assert weights[2].sum() == 0
