"""Labels exist in bokmål and English; codes stay codes; a bad language is a usage error."""
from __future__ import annotations

import pytest

from k2020proj.errors import UsageError
from k2020proj.outputs import labels

MODEL_GROUPS = ("spl", "hfa", "vpl", "lege", "fys", "erg", "hsyk", "jord", "psyk", "sos", "annen_h", "ufag")


def test_every_occupation_group_of_the_model_has_two_different_labels():
    for code in MODEL_GROUPS:
        assert labels.occupation(code, "no") and labels.occupation(code, "en")
        assert labels.occupation(code, "no") != code


def test_every_phrase_has_both_languages_with_the_same_fields():
    for key, (no, en) in labels.TEXT.items():
        assert no and en, key
        assert sorted(set(__import__("re").findall(r"{(\w+)}", no))) == sorted(
            set(__import__("re").findall(r"{(\w+)}", en))), key


def test_unknown_codes_fall_back_to_the_code_and_unknown_languages_fail():
    assert labels.occupation("xyz", "en") == "xyz"
    with pytest.raises(UsageError, match="language"):
        labels.occupation("spl", "de")
