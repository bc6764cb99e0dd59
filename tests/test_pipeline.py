"""The pipeline turns the data source into model inputs honestly: exact group totals, the
stated fallbacks, today's codes, and notes that name every estimate."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from k2020proj.cube import Cube
from k2020proj.errors import DataError, UsageError
from k2020proj.models import ModelInputs, age_bounds
from k2020proj.pipeline import Note, build_inputs, resolve_area, run_projection
from k2020proj.harmonised import harmonise
from k2020proj.pipeline.personnel import (_one_group_filled, care_mix, choose_occupations, national_rates,
                                          recent_growth)
from k2020proj.pipeline.population import (AGE_CODES, AGE_GROUPS, base_population, cohort_change, cohort_shift,
                                           population_path)
from k2020proj.sources import RecordedSource

NURSES = "personnel/framskrivningsverktoy-panel/nurse_fte_care_services_by_municipality_2015_2025.csv"
PANEL = "population/framskrivningsverktoy-panel/paneldata_2007_2025_2024struktur.csv"
PROJECTION_2026 = "projections/telemark-vintages/Framskrevet_folkemengde_2026-2050.csv"


@pytest.fixture(scope="module")
def recorded(ssb_data) -> RecordedSource:
    return RecordedSource(ssb_data)


@pytest.fixture(scope="module")
def history(recorded):
    return recorded.region_history()


@pytest.fixture(scope="module")
def baerum(recorded):
    return run_projection("3024", source=recorded, draws=20)


@pytest.fixture(scope="module")
def telemark(recorded):
    return run_projection("08", source=recorded)


# -- pure pieces ---------------------------------------------------------------------------------
def test_cohort_shift_moves_ages_below_80_by_the_years_and_keeps_the_newborns_and_the_old():
    guide = np.arange(106, dtype=float)
    shifted = cohort_shift(guide, 4)
    assert list(shifted[:4]) == [0, 1, 2, 3]                 # born since: their own ages
    assert shifted[4] == 0 and shifted[79] == 75              # age a takes age a - 4
    assert np.array_equal(shifted[80:], guide[80:])           # cross-section from 80 on
    assert np.array_equal(cohort_shift(guide, 0), guide)


@settings(max_examples=40, deadline=None)
@given(national=arrays(np.float64, (1, 106, 4), elements=st.floats(100, 1e5)),
       scale=st.floats(0.001, 2.0))
def test_a_municipality_shaped_like_the_nation_follows_the_nation_exactly(national, scale):
    """Hamilton–Perry with national ratios reproduces the national path for a scaled copy of
    the nation, ages, open top group and newborns alike."""
    path = cohort_change(scale * national[None, ..., 0], national)
    assert np.allclose(path[0], scale * national, rtol=1e-9)


def test_cohort_change_ages_a_cohort_with_the_national_ratio():
    national = np.full((1, 106, 2), 1000.0)
    national[0, 41, 1] = 900.0                                # the 40-year-olds lose 10 % in a year
    base = np.zeros((1, 1, 106))
    base[0, 0, 40] = 50.0
    path = cohort_change(base, national)
    assert path[0, 0, 41, 1] == pytest.approx(45.0)
    assert path[0, 0, 40, 1] == 0.0
    assert path[0, 0, 0, 1] == pytest.approx(50.0 * 1000.0 / (35 * 1000.0))  # newborns per person 15–49


def test_an_empty_national_age_carries_nobody_instead_of_dividing_by_zero():
    national = np.full((1, 106, 2), 1000.0)
    national[0, 60, 0] = 0.0
    base = np.full((1, 1, 106), 10.0)
    path = cohort_change(base, national)
    assert np.isfinite(path).all() and path[0, 0, 61, 1] == 0.0


def test_recent_growth_is_the_annual_rate_from_the_first_positive_year_capped():
    values = np.array([[100.0, 110.0, 121.0],
                       [np.nan, 100.0, 200.0],     # +100 % in a year: capped at +10 %
                       [np.nan, np.nan, 50.0],     # no earlier year: no change
                       [100.0, 100.0, 0.0]])       # ends at zero: no change carried
    assert np.allclose(recent_growth(values), [0.10, 0.10, 0.0, 0.0])


def test_one_missing_age_group_is_the_total_minus_the_others_never_negative_or_two():
    counts = np.array([[10.0, np.nan, 30.0, 100.0],
                       [10.0, np.nan, np.nan, 100.0],
                       [90.0, np.nan, 30.0, 100.0]])
    filled = _one_group_filled(counts)
    assert filled[0, 1] == 60.0
    assert np.isnan(filled[1, 1]) and np.isnan(filled[2, 1])


def test_national_rates_count_only_municipalities_with_every_age_group():
    ages = [*AGE_GROUPS, "total"]
    users = Cube(("region", "service", "age", "year"),
                 {"region": ("1111", "2222", "3333"), "service": ("home_care", "ltc"), "age": ages, "year": ("2025",)},
                 np.array([[[1, 2, 3, 6], [np.nan, np.nan, 1, 9]],
                           [[3, 4, 5, 12], [np.nan, np.nan, np.nan, 1]],
                           [[np.nan, 1, np.nan, 9], [np.nan, np.nan, np.nan, np.nan]]], dtype=float)[..., None])
    people = Cube(("region", "age", "year"), {"region": ("1111", "2222", "3333"), "age": AGE_GROUPS, "year": ("2025",)},
                  np.array([[100.0, 10, 5], [300.0, 30, 15], [1.0, 1, 1]])[..., None])
    rates, counted = national_rates(users, people, "2025")
    assert counted == [2, 0]
    assert np.allclose(rates[0], [4 / 400, 6 / 40, 8 / 20]) and np.isnan(rates[1]).all()


def test_care_mix_keeps_the_default_shares_of_home_care_and_institutions_and_splits_the_rest_equally():
    mix, assumed = care_mix(("spl", "hsyk"))
    assert mix[0] == pytest.approx([0.40 / 0.85, 0.45 / 0.85])
    assert list(mix[1]) == [0.5, 0.5] and assumed == ["hsyk"]


def test_occupations_unknown_or_not_in_the_data_are_usage_errors():
    assert choose_occupations(["hfa", "spl"], None, "x") == ("spl", "hfa")
    with pytest.raises(UsageError, match="unknown occupation 'nurse'"):
        choose_occupations(["spl"], ["nurse"], "x")
    with pytest.raises(UsageError, match="occupation hfa is not in the data"):
        choose_occupations(["spl"], ["hfa"], "recorded")


def test_notes_speak_both_languages():
    note = Note("dropped", {"what": ("årsverk", "FTEs"), "base": 2025, "regions": "3201 Bærum"})
    assert note.text("no") == "Utelatt fordi årsverk mangler for 2025: 3201 Bærum."
    assert str(note) == "Left out for want of FTEs in 2025: 3201 Bærum."


# -- population path -------------------------------------------------------------------------------
def _population(regions, values, sex=("0",), years=None, meta=None):
    dims = ("region", "sex", "age") + (("year",) if years else ())
    codes = {"region": regions, "sex": sex, "age": AGE_CODES if values.shape[2] == 106 else
             ("000-066", "067-079", "080+")}
    if years:
        codes["year"] = years
    return Cube(dims, codes, values, meta=meta or {})


def test_population_path_keeps_ssb_group_totals_and_carries_the_rest_by_national_ratios():
    """A municipality with a grouped projection keeps every group total exactly; one without
    follows the national cohort-change ratios; both are said."""
    base = _population(("1111", "2222"), np.stack([np.linspace(50, 10, 106), np.linspace(20, 5, 106)])[:, None])
    grouped = np.array([[3000.0, 900.0, 400.0], [5e5, 1.5e5, 5e4]])[:, None, :, None] * [1.0, 1.02]
    projection = _population(("1111", "0"), grouped, years=("2025", "2026"),
                             meta={"table": "14746", "vintage": 2026, "alternative": "MMMM"})
    path = population_path(base, projection, ["1111", "2222"], 2024, 2026)
    values = path.cube.values
    sums = [values[0, 0, lo:hi + 1, 1:].sum(axis=0) for lo, hi in age_bounds(projection.codes["age"])]
    assert np.allclose(sums, grouped[0, 0, :, :], rtol=1e-12)
    assert path.methods == {"1111": "ssb", "2222": "national"}
    assert np.array_equal(values[1, 0, :, 0], base.values[1, 0])
    assert [n.key for n in path.notes] == ["projection", "expanded", "fallback_national"]
    assert "2222" in str(path.notes[-1]) and "not SSB's projection" in str(path.notes[-1])


def test_without_a_national_projection_the_base_population_is_held_constant_and_said():
    base = _population(("1111",), np.ones((1, 1, 106)))
    projection = _population(("9999",), np.ones((1, 1, 106, 2)), years=("2025", "2026"),
                             meta={"table": "x", "vintage": 2025})
    path = population_path(base, projection, ["1111"], 2024, 2026)
    assert path.methods == {"1111": "constant"} and path.notes[-1].key == "fallback_constant"
    assert np.array_equal(path.cube.values[0, 0, :, 2], np.ones(106))


@pytest.mark.parametrize("horizon, message", [(2027, "beyond projection"), (2024, "must come after")])
def test_a_horizon_outside_the_projection_is_a_usage_error(horizon, message):
    base = _population(("1111",), np.ones((1, 1, 106)))
    projection = _population(("1111",), np.ones((1, 1, 106, 2)), years=("2025", "2026"), meta={"table": "x"})
    with pytest.raises(UsageError, match=message):
        population_path(base, projection, ["1111"], 2024, horizon)


# -- areas ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["3201", "3024", "0219", "K-3024", "Bærum", "baerum"])
def test_every_way_of_naming_baerum_gives_today_s_3201(history, text):
    area = resolve_area(history, text)
    assert (area.level, area.code, area.name, area.municipalities) == ("kommune", "3201", "Bærum", ("3201",))
    assert (area.given is None) == (text in ("3201", "Bærum", "baerum"))


def test_counties_and_the_country_resolve_to_today_s_municipalities(history):
    telemark = resolve_area(history, "08")
    assert (telemark.level, telemark.code, telemark.given) == ("fylke", "40", ("08", "Telemark"))
    assert len(telemark.municipalities) == 17 and all(c.startswith("40") for c in telemark.municipalities)
    assert resolve_area(history, "Telemark", level="fylke").code == "40"
    land = resolve_area(history, "Norge")
    assert (land.level, land.code, len(land.municipalities)) == ("land", "0", 357)
    several = resolve_area(history, ["3024", "Asker"])
    assert several.municipalities == ("3201", "3203") and several.regions == ("3201", "3203")


@pytest.mark.parametrize("text, message", [("1850", "was split between 1806 Narvik"), ("30", "several counties"),
                                           ("9999", "Uoppgitt kommune is not a municipality"),
                                           ("4999", "unknown municipality code"), ("Atlantis", "unknown municipality")])
def test_codes_that_are_not_one_of_today_s_areas_are_usage_errors(history, text, message):
    with pytest.raises(UsageError, match=message):
        resolve_area(history, text)


# -- runs on the recorded data ------------------------------------------------------------------------
def test_baerum_starts_from_its_recorded_2025_nurse_ftes(baerum, ssb_data):
    recorded = pd.read_csv(ssb_data / NURSES, dtype={"municipality_code": str})
    fte = recorded.query("municipality_code == '3201' and year == 2025")["nurse_fte"].item()
    frame = baerum.results()
    base = frame[(frame["year"] == 2025) & frame["variable"].isin(["supply_fte", "demand_fte"])]
    assert (baerum.base_year, baerum.vintage, baerum.projection_table) == (2025, 2026, "14746")
    assert set(frame["level"]) == {"kommune"} and set(frame["occupation"]) - {"home_care", "ltc"} == {"spl"}
    assert np.allclose(base["value"], fte)
    assert baerum.population_methods == {"3201": "national"} and not baerum.synthetic


def test_baerum_s_notes_name_the_fallback_the_estimated_split_and_the_base_year_estimate(baerum):
    keys = [n.key for n in baerum.notes]
    for key in ("occupations", "base_groups", "fallback_national", "stock_split", "user_rates", "inflow"):
        assert key in keys
    assert "14746" in baerum.table_ids() and "07459" in baerum.table_ids()
    assert baerum.provenance()["population_method"] == {"3201": "national"}


def test_draws_give_bands_around_the_central_gap(baerum):
    gap = baerum.results().query("variable == 'gap_fte' and year == 2035").iloc[0]
    assert gap["lo95"] <= gap["lo80"] <= gap["value"] <= gap["hi80"] <= gap["hi95"]
    assert gap["lo80"] < gap["hi80"]


def test_base_year_population_keeps_the_recorded_2025_age_groups_exactly(baerum, ssb_data):
    panel = pd.read_csv(ssb_data / PANEL, dtype={"kommunenr_2024": str})
    row = panel.query("kommunenr_2024 == '3201' and år == 2025").iloc[0]
    ages = baerum.population.sel(region="3201", sex="0", year="2025").values
    sums = [ages[lo:hi + 1].sum() for lo, hi in age_bounds(AGE_GROUPS)]
    assert np.allclose(sums, [row["folk_0_66"], row["folk_67_79"], row["folk_80p"]], rtol=1e-12)


def test_telemark_uses_ssb_s_projection_with_its_groups_intact_and_sums_to_the_county(telemark, ssb_data):
    recorded = pd.read_csv(ssb_data / PROJECTION_2026)
    recorded = recorded[recorded["region"].str.startswith("Porsgrunn") & (recorded["år"] == 2040)]
    mmmm = recorded[recorded["statistikkvariabel"].str.contains("MMMM")]
    assert set(telemark.population_methods.values()) == {"ssb"}
    assert telemark.population.sel(region="4001", year="2040").values.sum() == pytest.approx(mmmm["value"].sum())
    frame = telemark.results().query("variable == 'demand_fte' and year == 2040")
    assert frame.query("level == 'fylke'")["value"].item() == pytest.approx(
        frame.query("level == 'kommune'")["value"].sum(), rel=1e-12)


def test_the_national_fallback_stays_close_to_ssb_s_own_projection_where_both_exist(recorded, history):
    """Telemark's 17 municipalities carried by the national ratios alone land within a few per
    cent of SSB's projection for them in 2040 (total and 80+): the fallback is a fair stand-in."""
    base = base_population(recorded, history, 2025)[0]
    projection = harmonise(recorded.projection(2026), history, "2024")[0].with_meta(vintage=2026)
    telemark = [c for c in projection.codes["region"] if len(c) == 4]
    ssb = population_path(base, projection, telemark, 2025, 2040).cube.sel(year="2040").values
    fallback = population_path(base, projection.sel(region=["0"]), telemark, 2025, 2040)
    assert set(fallback.methods.values()) == {"national"}
    for low in (0, 80):
        theirs, ours = ssb[:, 0, low:].sum(axis=1), fallback.cube.sel(year="2040").values[:, 0, low:].sum(axis=1)
        errors = np.abs(ours / theirs - 1)
        assert np.median(errors) < 0.05 and errors.max() < 0.15


def test_an_older_base_year_uses_single_years_and_the_vintage_of_its_time(recorded):
    inputs = build_inputs(recorded, ["4001"], base_year=2021, horizon=2030)
    assert isinstance(inputs, ModelInputs) and inputs.base_year == 2021 and inputs.years[-1] == 2030
    assert inputs.meta["vintage"] == 2022 and inputs.meta["projection_table"] == "13600"
    assert "13600" in inputs.meta["tables"] and inputs.meta["synthetic"] is False
    assert not any("07459 by age group" in n for n in inputs.meta["notes"])


class MarkedSynthetic:
    """The recorded source with its FTE table marked synthetic, as a synthetic fixture would be."""

    def __init__(self, recorded):
        self.recorded, self.name = recorded, recorded.name

    def __getattr__(self, name):
        return getattr(self.recorded, name)

    def personnel_fte(self, years):
        return self.recorded.personnel_fte(years).with_meta(synthetic=True)


def test_a_synthetic_table_marks_the_run_its_projections_and_notes_and_leaves_the_source_line(recorded):
    run = run_projection("4001", source=MarkedSynthetic(recorded), horizon=2030)
    assert run.synthetic and run.runs[0][0].synthetic and run.projection.meta["synthetic"]
    assert run.notes[0].key == "synthetic" and "11924/14534/04686" in str(run.notes[0])
    assert "14534" not in run.table_ids() and "07459" in run.table_ids()


@pytest.mark.parametrize("base_year, message", [(2014, "base year 2014"), (2026, "base year 2026")])
def test_a_base_year_outside_the_data_is_a_usage_error(recorded, base_year, message):
    with pytest.raises(UsageError, match=message):
        run_projection("3201", source=recorded, base_year=base_year)


def test_a_base_year_without_earlier_ftes_keeps_the_stock_level_and_says_so(recorded):
    run = run_projection("4001", source=recorded, base_year=2015, horizon=2020)
    assert run.vintage == 2016 and "inflow_level" in [n.key for n in run.notes]
    assert run.runs[0][0].recent_growth.tolist() == [[0.0]]


def test_the_default_base_year_is_found_whatever_today_s_year(recorded, monkeypatch):
    """The newest year with FTEs and population, looked for from today back to 2000."""
    import datetime

    from k2020proj.pipeline import available

    class Later(datetime.date):
        @classmethod
        def today(cls):
            return cls(2049, 6, 1)

    monkeypatch.setattr(available, "date", Later)
    assert available.choose_base_year(recorded) == 2025


def test_progress_goes_to_stderr_when_asked(recorded, capsys):
    run_projection("4001", source=recorded, horizon=2030, progress=True)
    captured = capsys.readouterr()
    assert "k2020proj" in captured.err and "model referanse" in captured.err and captured.out == ""


def test_a_municipality_without_base_year_ftes_is_a_data_error(recorded):
    with pytest.raises(DataError, match="no base-year population and FTEs"):
        run_projection("1580", source=recorded, base_year=2021, horizon=2030)
