"""The findings text is generated from the numbers, in bokmål or English, for any place."""
from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from k2020proj.outputs import narrative, population
from k2020proj.outputs import results as res

import package_sample

SCENARIOS = list(package_sample.SCENARIOS)


@pytest.fixture(scope="module")
def inputs():
    return res.check(package_sample.results()), population.demand_groups(package_sample.population())


def _facts(inputs, code, name):
    results, groups = inputs
    return narrative.facts(name, code, results, groups, SCENARIOS, package_sample.BASE,
                           package_sample.HORIZON)


def test_text_states_the_municipality_s_own_figures(inputs):
    """Population, demand and the gap in the sentences are the figures of the results."""
    found = _facts(inputs, "9901", "Åsby")
    text = " ".join(narrative.sentences(found, "no"))
    assert text.startswith("Folketallet i Åsby er ")
    results, groups = inputs
    total = groups.query("region == '9901' and age_group == 'total' and year == 2040")["persons"].iloc[0]
    assert f"{round(total):,}".replace(",", "\u00a0") in text
    gap = results.query("region == '9901' and scenario == 'referanse' and year == 2040 "
                        "and variable == 'gap_fte'")["value"].sum()
    assert gap < 0 and f"en mangel på om lag {round(-gap)} årsverk" in text.replace("\u00a0", "")
    assert "I scenariet heltid blir det en mangel" in text


def test_every_municipality_gets_its_own_text_in_both_languages(inputs):
    texts = {code: (" ".join(narrative.sentences(_facts(inputs, code, name), "no")),
                    " ".join(narrative.sentences(_facts(inputs, code, name), "en")))
             for code, name in package_sample.MUNICIPALITIES}
    assert len({no for no, _ in texts.values()}) == len(texts)
    for no, en in texts.values():
        assert "årsverk" in no and "FTEs" in en and "årsverk" not in en


@given(gap=st.floats(-500, 500, allow_nan=False), lo=st.floats(-600, 0), hi=st.floats(0, 600))
@settings(max_examples=60, deadline=None)
def test_the_gap_sentence_says_shortage_exactly_when_supply_falls_short(gap, lo, hi):
    found = narrative.Facts(name="X", base_year=2024, horizon=2040, scenario="referanse",
                            population=(100.0, 110.0), old=(10.0, 15.0), demand=(50.0, 60.0),
                            supply=55.0, gap=(gap, lo, hi), recruitment=3.0, groups=("spl",))
    text = " ".join(narrative.sentences(found, "no"))
    assert ("mangel" in text) == (round(gap) < 0)
    assert ("overskudd" in text) == (round(gap) > 0)
    assert re.search(r"80 % intervall for differansen: \S+ til \S+", text)


def test_groups_below_the_threshold_are_not_described_with_figures():
    found = narrative.Facts(name="X", base_year=2024, horizon=2040, scenario="referanse",
                            population=(100.0, 110.0), old=(10.0, 15.0), demand=(3.0, 4.0),
                            supply=3.0, gap=(-1.0, -2.0, 0.0), recruitment=1.0, groups=("spl",),
                            small=True)
    text = " ".join(narrative.sentences(found, "en"))
    assert "too small" in text and "FTEs" not in text
