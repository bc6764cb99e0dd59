"""Indicators planners use, checked against numbers worked out by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from k2020proj.outputs import indicators


def _results(occupations: dict[str, tuple[float, float]]) -> pd.DataFrame:
    rows = []
    for occupation, (fte, persons) in occupations.items():
        for variable, value in (("supply_fte", fte), ("supply_persons", persons)):
            rows.append(("kommune", "4001", occupation, 2024, "referanse", variable, value))
    frame = pd.DataFrame(rows, columns=["level", "region", "occupation", "year", "scenario",
                                        "variable", "value"])
    return frame.assign(lo95=np.nan, lo80=np.nan, hi80=np.nan, hi95=np.nan)


GROUPS = pd.DataFrame({"region": ["4001", "4001"], "year": [2024, 2024], "age_group": ["80+", "total"],
                       "persons": [2000.0, 30000.0]})


def test_indicators_match_a_hand_computed_case():
    """Nurses 300 FTE / 400 persons, unskilled 100 FTE / 200 persons, 2 000 inhabitants 80+:
    staff 400 FTE → 200 per 1 000 aged 80+; 400/600 = 0.667 FTE per person; 100/400 = 25 %
    without health education; staff by age 150 of 600 aged 55+ → 25 %."""
    ages = pd.DataFrame({"region": "4001", "occupation": ["spl", "spl", "ufag"], "year": 2024,
                         "age": ["16-54", "55-74", "67+"], "persons": [450.0, 100.0, 50.0]})
    row = indicators.indicators(_results({"spl": (300, 400), "ufag": (100, 200)}), GROUPS, ages).iloc[0]
    assert row["staff_per_1000_80plus"] == pytest.approx(200.0)
    assert row["fte_per_person"] == pytest.approx(400 / 600)
    assert row["share_without_health_education"] == pytest.approx(25.0)
    assert row["share_staff_55plus"] == pytest.approx(25.0)


def test_indicators_without_the_data_they_need_are_missing_not_zero():
    """Nurses only and no staff by age: the unskilled share and the 55+ share are NaN."""
    row = indicators.indicators(_results({"spl": (300, 400)}), GROUPS).iloc[0]
    assert np.isnan(row["share_without_health_education"]) and np.isnan(row["share_staff_55plus"])
    assert row["staff_per_1000_80plus"] == pytest.approx(150.0)


def test_a_model_total_row_is_not_counted_twice():
    row = indicators.indicators(_results({"spl": (300, 400), "total": (300, 400)}), GROUPS).iloc[0]
    assert row["staff_fte"] == 300
