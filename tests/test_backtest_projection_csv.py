"""Reading recorded projection vintages (Telemark layout) into cubes."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from k2020proj.errors import DataError
from k2020proj.ssb.projection_csv import age_code, alternative_code, read_projection_csv, strip_era

HEADER = "region,statistikkvariabel,år,alder,value,Framskriving,Tabell\n"


def _write(tmp_path: Path, rows: list[str], name: str = "p.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_age_labels_become_zero_padded_ssb_codes():
    assert age_code("0 år") == "000"
    assert age_code("1-5 år") == "001-005"
    assert age_code("20-66 år") == "020-066"
    assert age_code("90 år eller eldre") == "090+"
    assert age_code("90+") == "090+"
    with pytest.raises(DataError, match="unknown age group"):
        age_code("eldre")


def test_alternative_code_read_from_both_label_styles():
    assert alternative_code("Middels nasjonal vekst (Alternativ MMMM)") == "MMMM"
    assert alternative_code("Hovedalternativet (MMMM)") == "MMMM"
    assert alternative_code("Lav nasjonal vekst (LLML)") == "LLML"
    with pytest.raises(DataError, match="alternative"):
        alternative_code("Middels vekst")


def test_era_suffix_split_off_but_disambiguation_kept():
    assert strip_era("Kragerø (1960-2019)") == ("Kragerø", 1960, 2019)
    assert strip_era("Porsgrunn (-2019)") == ("Porsgrunn", None, 2019)
    assert strip_era("Bø (Telemark) (-2019)") == ("Bø (Telemark)", None, 2019)
    assert strip_era("Hele landet") == ("Hele landet", None, None)


def test_small_file_read_with_resolver_and_labels_kept(tmp_path):
    rows = [
        "Skien (2020-2023),Hovedalternativet (MMMM),2020,0 år,500,2020,12882",
        "Skien (2020-2023),Hovedalternativet (MMMM),2021,0 år,510,2020,12882",
        "Skien (2020-2023),Lav nasjonal vekst (LLML),2021,90 år eller eldre,7,2020,12882",
        "Hele landet,Hovedalternativet (MMMM),2020,0 år,55000,2020,12882",
    ]
    seen = []

    def resolve(name: str, year: int) -> str:
        seen.append((name, year))
        return {"Skien": "3807", "Hele landet": "0"}[name]

    cube = read_projection_csv(_write(tmp_path, rows), resolve=resolve)
    assert cube.dims == ("region", "alternative", "age", "year")
    assert set(seen) == {("Skien", 2020), ("Hele landet", 2020)}
    assert cube.labels["region"][cube.codes["region"].index("3807")] == "Skien (2020-2023)"
    assert cube.sel(region="3807", alternative="MMMM", age="000", year="2021").values == 510
    assert np.isnan(cube.sel(region="0", alternative="LLML", age="090+", year="2021").values)
    assert cube.meta["table"] == "12882" and cube.meta["vintage"] == 2020
    assert cube.meta["region_codes"] == "codes" and cube.meta["synthetic"] is False


def test_bad_files_raise_one_line_data_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        read_projection_csv(tmp_path / "missing.csv")
    (tmp_path / "cols.csv").write_text("region,value\nSkien,1\n", encoding="utf-8")
    with pytest.raises(DataError, match="lacks column"):
        read_projection_csv(tmp_path / "cols.csv")
    mixed = _write(tmp_path, ["Skien,Hovedalternativet (MMMM),2020,0 år,1,2020,12882",
                              "Skien,Hovedalternativet (MMMM),2021,0 år,1,2022,13600"], "mixed.csv")
    with pytest.raises(DataError, match="expected one Framskriving"):
        read_projection_csv(mixed)
    twice = _write(tmp_path, ["Skien,Hovedalternativet (MMMM),2020,0 år,1,2020,12882"] * 2, "twice.csv")
    with pytest.raises(DataError, match="occurs twice"):
        read_projection_csv(twice)


@pytest.mark.shared
def test_every_recorded_vintage_reads_and_municipalities_add_to_county(ssb_data):
    """Each of the 13 files reads; in 2005–2018 vintages the municipalities sum to Telemark."""
    files = sorted((ssb_data / "projections" / "telemark-vintages").glob("Framskrevet_folkemengde_*.csv"))
    assert len(files) == 13
    for path in files:
        cube = read_projection_csv(path)
        assert set(cube.codes["alternative"]) == {"MMMM", "LLML", "HHMH"}
        assert cube.codes["age"][-1] == "090+" and "Hele landet" in cube.codes["region"]
        if "Telemark" in cube.codes["region"] and cube.meta["vintage"] <= 2018:
            munis = [r for r in cube.codes["region"] if r not in ("Telemark", "Hele landet")]
            first = cube.codes["year"][0]
            mmmm = cube.sel(alternative="MMMM", year=first).sum("age")
            assert mmmm.sel(region=munis).values.sum() == mmmm.sel(region="Telemark").values
    first = read_projection_csv(files[0])
    assert first.meta["table"] == "05904"
    assert first.sel(region="Telemark", alternative="MMMM", year="2005").values.sum() == 166289
