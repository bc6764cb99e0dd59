"""``project()`` end to end: a hand-checked small case, the tidy frame, provenance, and the levers' directions."""
from __future__ import annotations

import numpy as np
import pytest

from k2020proj.errors import DataError, ScenarioError
from k2020proj.models import COLUMNS, make_inputs, project, synthetic_inputs
from k2020proj.models.gap import VARIABLES
from k2020proj.models.parameters import WORK_AGES
from k2020proj.models.scenario import Scenario


def hand_world():
    """One municipality, nurses and health-care workers, all women, people at a few ages."""
    age = {a: i for i, a in enumerate(WORK_AGES)}
    stock = np.zeros((1, 2, 2, WORK_AGES.size))
    stock[0, 0, 1, age[30]], stock[0, 0, 1, age[74]], stock[0, 1, 1, age[60]] = 10.0, 2.0, 20.0
    inflow = np.zeros((2, 2, WORK_AGES.size))
    inflow[0, 1, age[25]], inflow[1, 1, age[20]] = 1.0, 1.0
    population = np.zeros((1, 2, 106, 3))
    population[0, 1, 85] = [100.0, 110.0, 121.0]
    profile = np.zeros((1, 2, 106))
    profile[..., 80:] = 1.0
    return make_inputs(
        ["9901"], ["99"], population, [2024, 2025, 2026], np.array([[9.6, 10.0]]), occupations=("spl", "hfa"),
        services=("ltc",), user_profiles=profile, mix=np.ones((2, 1)), stock=stock, inflow_profile=inflow,
        fte_per_person=np.array([0.8, 0.5])[:, None, None] * np.ones((2, 2, WORK_AGES.size)),
        exit_rates=np.array([0.1, 0.2])[:, None, None] * np.ones((2, 2, WORK_AGES.size)),
    )


def test_hand_checked_case():
    """Worked by hand (spl, hfa; women; standard change +0.5 %/yr):

    Stock 2024: spl 10 aged 30 and 2 aged 74 (f 0.8, x 0.1) → 9.6 FTE; hfa 20 aged 60
    (f 0.5, x 0.2) → 10 FTE. Constant recruits = first year's exits: spl 10·0.1 + 2 (age 74
    leaves) = 3 at 25; hfa 20·0.2 = 4 at 20.
    2025: spl 9 (31) + 3 (25) = 12 persons, 9.6 FTE, exits 3 (2.4 FTE); hfa 16 + 4 = 20, 10 FTE, exits 4.
    2026: spl 8.1 + 2.7 + 3 = 13.8 persons, 11.04 FTE, exits 0.9 + 0.3 = 1.2; hfa 12.8 + 3.2 + 4 = 20.
    Demand: 85-year-olds 100 → 110 → 121, so the index is 1, 1.1, 1.21;
    spl 9.6·1.1·1.005 = 10.6128, 9.6·1.21·1.005² = 11.7324504; hfa 11.055, 12.2213025.
    Gap spl −1.0128, −0.6924504 FTE; in persons (f 0.8) −1.266, −0.865563.
    Recruitment need spl 2025: 2.4 + 1.0128 = 3.4128 FTE, 3 + 1.266 = 4.266 persons;
    2026: 0.96 + 1.1196504 = 2.0796504 FTE. Realised spl 9.6, 9.6, 11.04.
    """
    projection = project(hand_world(), Scenario("hand"))
    get = lambda name: projection.variable(name)[0, 0]  # noqa: E731  (occupation, year)
    np.testing.assert_allclose(get("supply_persons"), [[12, 12, 13.8], [20, 20, 20]])
    np.testing.assert_allclose(get("supply_fte"), [[9.6, 9.6, 11.04], [10, 10, 10]])
    np.testing.assert_allclose(get("exits_persons")[:, 1:], [[3, 1.2], [4, 4]])
    np.testing.assert_allclose(get("demand_fte"), [[9.6, 10.6128, 11.7324504], [10, 11.055, 12.2213025]])
    np.testing.assert_allclose(get("gap_fte")[0], [0, -1.0128, -0.6924504], atol=1e-12)
    np.testing.assert_allclose(get("gap_persons")[0], [0, -1.266, -0.865563], atol=1e-12)
    np.testing.assert_allclose(get("recruitment_need_fte")[0, 1:], [3.4128, 2.0796504])
    np.testing.assert_allclose(get("recruitment_need_persons")[0, 1:], [4.266, 1.2 + 1.1196504 / 0.8])
    np.testing.assert_allclose(get("realised_fte")[0], [9.6, 9.6, 11.04])
    np.testing.assert_allclose(projection.array("demand_index")[1][0, 0, 0], [1.0, 1.1, 1.21])


def test_hand_checked_full_time_lever():
    """fulltime = 0.5 closes 5 % of the part-time gap after one year (ramp 1/10): spl f 0.8 → 0.81,
    so 12 persons give 9.72 FTE in 2025; hfa f 0.5 → 0.525, 20 persons give 10.5 FTE."""
    projection = project(hand_world(), Scenario("heltid", values={"fulltime": 0.5}))
    np.testing.assert_allclose(projection.variable("supply_fte")[0, 0, :, 1], [9.72, 10.5])
    np.testing.assert_allclose(projection.variable("supply_persons")[0, 0, :, 1], [12, 20])


@pytest.fixture(scope="module")
def world():
    return synthetic_inputs(n_regions=30, n_counties=3, horizon=2040)


def test_frame_has_the_agreed_columns_levels_and_variables(world):
    """The tidy frame has the interface columns, the three levels, every variable and a
    demand index per service; flows have no base-year row."""
    frame = project(world, "referanse").to_frame()
    assert tuple(frame.columns) == COLUMNS
    assert set(frame["level"]) == {"kommune", "fylke", "land"}
    assert set(frame["variable"]) == {*VARIABLES, "demand_index"}
    assert set(frame.loc[frame["variable"] == "demand_index", "occupation"]) == set(world.services)
    assert frame.loc[frame["variable"] == "exits_persons", "year"].min() == world.base_year + 1
    assert frame[["lo95", "hi95"]].isna().all().all()
    assert (frame["scenario"] == "referanse").all()


def test_frame_bands_from_draws_are_ordered(world):
    """With draws the bands exist and nest: lo95 ≤ lo80 ≤ hi80 ≤ hi95."""
    frame = project(world.subset(world.regions[:5]), "referanse", draws=50, seed=3).to_frame()
    supply = frame[(frame["variable"] == "supply_fte") & (frame["year"] > world.base_year)]
    assert supply[["lo95", "lo80", "hi80", "hi95"]].notna().all().all()
    assert (supply["lo95"] <= supply["lo80"]).all() and (supply["lo80"] <= supply["hi80"]).all()
    assert (supply["hi80"] <= supply["hi95"]).all()


def test_meta_carries_scenario_seed_draws_and_the_synthetic_label(world):
    """Provenance: scenario, levers, seed, draws, horizon, the inputs' meta and the synthetic flag."""
    meta = project(world, "heltid", horizon=2030, draws=2, seed=7).meta
    assert (meta["scenario"], meta["seed"], meta["draws"], meta["horizon"]) == ("heltid", 7, 2, 2030)
    assert meta["synthetic"] is True and meta["inputs"]["synthetic"] is True
    assert meta["changed_levers"] == {"fulltime": 0.5}
    assert meta["stock_split_estimated"] is True
    assert "Kompetanseløft" in meta["description"] or "K20" in meta["strategy"]


def test_each_municipality_alone_gives_the_same_numbers(world):
    """The model is per municipality: projecting one municipality alone equals its slice of
    the joint projection (national parameters do not depend on who else is projected)."""
    joint = project(world, "kompetanseloft", draws=3)
    for position in (0, 17):
        alone = project(world.subset([world.regions[position]]), "kompetanseloft", draws=3)
        for name in ("supply_fte", "demand_fte", "exits_persons"):
            np.testing.assert_allclose(alone.base[name][:, 0], joint.base[name][:, position], rtol=1e-12)


def test_horizon_outside_the_population_is_an_error(world):
    """A horizon beyond the population years, or before the base year, names the covered years."""
    with pytest.raises(DataError, match="2024–2040"):
        project(world, "referanse", horizon=2045)
    with pytest.raises(DataError, match="base year 2024"):
        project(world, "referanse", horizon=2020)


def test_scenario_on_another_alternative_than_the_inputs_is_refused(world):
    """Inputs built from MMMM cannot be projected under LLML: the caller must supply LLML population."""
    with pytest.raises(ScenarioError, match="LLML"):
        project(world, "LLML")
    project(world.replace(meta={**world.meta, "alternative": "LLML"}), "LLML")


def test_levers_without_their_occupations_are_noted(world):
    """Upskilling needs ufag and hfa: on nurses alone the lever is listed as having no effect."""
    nurses = make_inputs(world.regions, world.counties, world.population, world.years,
                         world.base_fte[:, :1], occupations=("spl",))
    meta = project(nurses, Scenario("x", values={"upskill_ufag_hfa": 0.05, "task_shift_spl_hfa": 0.1})).meta
    assert any("upskill_ufag_hfa" in note for note in meta["notes"])
    assert any("task_shift_spl_hfa" in note for note in meta["notes"])


@pytest.mark.parametrize("lever, value, variable, occupation, sign", [
    ("inflow_factor", 1.3, "supply_persons", "spl", 1),
    ("exit_factor", 1.5, "supply_persons", "spl", -1),
    ("retirement_delay", 2.0, "supply_persons", "spl", 1),
    ("fulltime", 0.5, "supply_fte", "spl", 1),
    ("upskill_ufag_hfa", 0.05, "supply_persons", "hfa", 1),
    ("upskill_ufag_hfa", 0.05, "supply_persons", "ufag", -1),
    ("further_ed_spl", 0.03, "supply_persons", "hsyk", 1),
    ("standard_change", 0.02, "demand_fte", "spl", 1),
    ("welfare_technology", 0.01, "demand_fte", "spl", -1),
    ("task_shift_spl_hfa", 0.2, "demand_fte", "spl", -1),
    ("task_shift_spl_hfa", 0.2, "demand_fte", "hfa", 1),
    ("health_improvement", 1.0, "demand_fte", "hfa", -1),
    ("inflow_growth", 0.02, "supply_persons", "lege", 1),
])
def test_each_lever_moves_its_variable_the_stated_way(world, lever, value, variable, occupation, sign):
    """Against referanse, each Kompetanseløft lever raises or lowers the national horizon value as documented."""
    def national(scenario):
        _, values = project(world, scenario).array(variable, "land")
        return values[0, 0, world.occupations.index(occupation), -1]
    change = national(Scenario("lever", values={lever: value})) - national(Scenario("referanse"))
    assert np.sign(change) == sign


def test_upskilling_conserves_people_across_occupations(world):
    """Moving unskilled staff into hfa changes the split, not the total number employed."""
    def total(scenario):
        return project(world, scenario).variable("supply_persons")[0].sum(axis=1)
    np.testing.assert_allclose(total(Scenario("u", values={"upskill_ufag_hfa": 0.1, "further_ed_spl": 0.05})),
                               total(Scenario("r")), rtol=1e-12)


def test_family_care_raises_home_care_where_the_elderly_outgrow_their_relatives(world):
    """φ > 0 raises demand for occupations in home care where persons 85+ per person 50–66 rise."""
    population = world.population
    ratio = population[:, :, 85:].sum(axis=(1, 2)) / population[:, :, 50:67].sum(axis=(1, 2))
    rising = ratio[:, -1] > ratio[:, 0]
    assert rising.any()
    base = project(world, Scenario("r")).variable("demand_fte")[0, :, 1, -1]
    more = project(world, Scenario("f", values={"family_care": 0.5})).variable("demand_fte")[0, :, 1, -1]
    assert (more[rising] > base[rising]).all() and (more[~rising] <= base[~rising]).all()
