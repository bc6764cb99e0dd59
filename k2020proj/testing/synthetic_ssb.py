"""Seeded synthetic SSB tables for what the recorded data lack, labelled synthetic in every field.

The recorded data (``shared/ssb-data``) hold nurse FTEs only, and municipal projections
for Telemark only, in age groups. To test the live path for every occupation group and
a municipality with a single-year projection, this module makes JSON-stat 2.0 documents
shaped exactly like SSB's answers for those tables, with made-up numbers:

- :func:`fte_document`: **14534** (``KOKkommuneregion0000`` × ``KOKstillingkode0000`` ×
  ``KOKutdanningoms0000`` × ``ContentsCode`` × ``Tid``) or **11924** (``KOKkommuneregion0000``
  × ``KOKkyrk200000`` × ``ContentsCode`` × ``Tid``): avtalte årsverk in the care services by
  education for every group of MODEL.md, each year in that year's municipality codes;
- :func:`projection_document`: a projection vintage (**14288**, **13600**, …) with
  ``Region`` × ``Kjonn`` × ``Alder`` (``000``…``104``, ``105+``) × ``ContentsCode``
  (``Personer`` MMMM, ``Personer1`` LLML, ``Personer2`` HHMH) × ``Tid``.

Every document says it is synthetic: the label starts ``SYNTETISKE DATA``, the source is
k2020proj (not Statistisk sentralbyrå), a ``note`` says the numbers are not SSB's, and
``extension.k2020proj.synthetic`` is true. The same seed gives the same document.
:func:`served_table` turns a document into a table the replay server can serve, and
:func:`synthetic_replay` starts a replay server with the recorded data plus such tables.
"""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from k2020proj.cube import Cube
from k2020proj.models.synthetic import NATIONAL_FTE
from k2020proj.ssb.jsonstat import read_jsonstat, write_jsonstat
from k2020proj.testing.replay_data import ServedTable

SYNTHETIC_LABEL = "SYNTETISKE DATA (k2020proj, ikke tall fra SSB)"
SOURCE = "k2020proj: syntetiske testdata, ikke Statistisk sentralbyrå"
UPDATED = "2000-01-01T00:00:00Z"
FTE_CONTENTS = ("KOSARBAARSVERKST0000", "Avtalte årsverk")
#: Education categories (code, label) by FTE table; the labels name MODEL.md's groups the
#: way SSB's do, so the live source maps them. Only ``01`` (14534) and ``KF01``–``KF04``
#: (11924) are SSB's codes (SSB.md); the other codes are made up.
EDUCATIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "14534": (("00", "Alle utdanninger"), ("01", "Sykepleiere"), ("02", "Helsesykepleiere"),
              ("03", "Jordmor"), ("04", "Helsefagarbeidere, hjelpepleiere og omsorgsarbeidere"),
              ("05", "Vernepleiere"), ("06", "Leger"), ("07", "Fysioterapeuter"), ("08", "Ergoterapeuter"),
              ("09", "Psykologer"), ("10", "Sosionomer og barnevernspedagoger"),
              ("11", "Annen helse- og sosialfaglig utdanning"), ("12", "Uten helse- og sosialfaglig utdanning")),
    "11924": (("KF00", "I alt"), ("KF01", "Sykepleiere"), ("KF02", "Spesialsykepleiere"),
              ("KF03", "Sykepleiere med videreutdanning"), ("KF04", "Sykepleiere, annen"),
              ("KF05", "Helsesykepleiere"), ("KF06", "Jordmor"),
              ("KF07", "Helsefagarbeidere, hjelpepleiere og omsorgsarbeidere"), ("KF08", "Vernepleiere"),
              ("KF09", "Leger"), ("KF10", "Fysioterapeuter"), ("KF11", "Ergoterapeuter"), ("KF12", "Psykologer"),
              ("KF13", "Sosionomer og barnevernspedagoger"), ("KF14", "Annen helse- og sosialfaglig utdanning"),
              ("KF15", "Uten helse- og sosialfaglig utdanning")),
}
#: occupation (MODEL.md) whose synthetic FTE rate each education category gets; the four
#: nurse categories of 11924 share the nurses' rate
EDUCATION_OCCUPATION = {"01": "spl", "02": "hsyk", "03": "jord", "04": "hfa", "05": "vpl", "06": "lege",
                        "07": "fys", "08": "erg", "09": "psyk", "10": "sos", "11": "annen_h", "12": "ufag",
                        "KF01": "spl", "KF02": "spl", "KF03": "spl", "KF04": "spl", "KF05": "hsyk", "KF06": "jord",
                        "KF07": "hfa", "KF08": "vpl", "KF09": "lege", "KF10": "fys", "KF11": "erg", "KF12": "psyk",
                        "KF13": "sos", "KF14": "annen_h", "KF15": "ufag"}
NURSE_SHARES_11924 = {"KF01": 0.55, "KF02": 0.25, "KF03": 0.15, "KF04": 0.05}
#: the synthetic world's population, against which NATIONAL_FTE are per-capita rates
NATIONAL_POPULATION = 5.5e6
#: alternative -> (ContentsCode, label, annual growth, annual ageing tilt) of a synthetic projection
ALTERNATIVES = {"MMMM": ("Personer", "Personer, hovedalternativet (MMMM)", 0.004, 0.010),
                "LLML": ("Personer1", "Personer, lav nasjonal vekst (LLML)", -0.002, 0.013),
                "HHMH": ("Personer2", "Personer, høy nasjonal vekst (HHMH)", 0.010, 0.008)}
AGES = tuple(f"{a:03d}" for a in range(105)) + ("105+",)


def _labelled(doc: dict, table: str, title: str, seed: int) -> dict:
    """The synthetic label, source, note and flag on a document."""
    doc["label"] = f"{table}: {SYNTHETIC_LABEL}: {title}"
    doc["source"] = SOURCE
    doc["note"] = [f"Syntetiske data laget av k2020proj med frø {seed} for tester; ikke SSB-tall. "
                   f"Synthetic data made by k2020proj with seed {seed} for tests; not SSB figures."]
    doc.setdefault("extension", {}).setdefault("k2020proj", {}).update(synthetic=True, seed=seed)
    return doc


def _sizes(regions: Sequence[str], size: Mapping[str, float] | None, rng: np.random.Generator) -> np.ndarray:
    """Inhabitants per region: given, else drawn (log-normal, as Norway's municipalities)."""
    drawn = np.exp(rng.normal(8.6, 1.25, len(regions)))
    given = size or {}
    return np.array([float(given.get(code, d)) for code, d in zip(regions, drawn)])


def fte_document(regions: Mapping[str, str], years: Sequence[int], table: str = "14534", seed: int = 2020,
                 size: Mapping[str, float] | None = None, valid: Callable[[str, int], bool] | None = None,
                 lineage: Mapping[str, str] | None = None) -> dict:
    """A synthetic 14534 or 11924 answer: FTEs by education per municipality and year.

    ``regions`` maps codes to names; ``size`` gives inhabitants per code (default drawn);
    ``valid(code, year)`` says whether a code was in use that year (default: always), and
    cells of codes not in use are missing (``..``), as SSB's KOSTRA tables have them;
    codes with the same ``lineage`` (e.g. today's code: 0219 and 3024 → 3201) share their
    random draws, so a renumbered municipality's series runs on without a jump.
    Each group's FTEs are its synthetic national rate per inhabitant (models.synthetic)
    times the municipality's size, with municipal noise and a trend of about 1 % a year;
    the total category is the sum of the others.
    """
    educations = EDUCATIONS[table]
    rng = np.random.default_rng(seed)
    codes = list(regions)
    sizes = _sizes(codes, size, rng)
    parts = [c for c, _ in educations[1:]]
    rates = np.array([NATIONAL_FTE[EDUCATION_OCCUPATION[c]] / NATIONAL_POPULATION
                      * NURSE_SHARES_11924.get(c, 1.0) for c in parts])
    keys = [(lineage or {}).get(c, c) for c in codes]
    family = np.unique(keys, return_inverse=True)[1]
    noise = rng.lognormal(0.0, 0.15, (family.max() + 1, len(parts)))[family]
    growth = rng.normal(0.01, 0.01, (family.max() + 1, len(parts)))[family]
    elapsed = np.arange(len(years)) - len(years) + 1
    values = np.round((sizes[:, None] * rates * noise)[..., None] * (1 + growth[..., None]) ** elapsed, 1)
    values = np.concatenate([values.sum(axis=1, keepdims=True), values], axis=1)
    in_use = np.array([[valid is None or valid(c, y) for y in years] for c in codes])
    values = np.where(in_use[:, None, :], values, np.nan)
    region_dim = "KOKkommuneregion0000"
    education_dim = "KOKutdanningoms0000" if table == "14534" else "KOKkyrk200000"
    middle = ((("KOKstillingkode0000", ("TOT",), ("Alle stillinger",)),) if table == "14534" else ())
    dims = [(region_dim, tuple(codes), tuple(regions[c] for c in codes)), *middle,
            (education_dim, tuple(c for c, _ in educations), tuple(lab for _, lab in educations)),
            ("ContentsCode", (FTE_CONTENTS[0],), (FTE_CONTENTS[1],)),
            ("Tid", tuple(str(y) for y in years), tuple(str(y) for y in years))]
    shape = [len(codes)] + [1] * len(middle) + [len(educations), 1, len(years)]
    cube = _cube(dims, values.reshape(shape), table, geo=region_dim, decimals=1,
                 units={"ContentsCode": {FTE_CONTENTS[0]: {"base": "årsverk", "decimals": 1}}})
    title = "Avtalte årsverk i omsorgstjenestene, etter utdanning (K)"
    return _labelled(write_jsonstat(cube), table, title, seed)


def projection_document(regions: Mapping[str, str], years: Sequence[int], table: str = "14288",
                        alternatives: Sequence[str] = ("MMMM", "LLML", "HHMH"), seed: int = 2020,
                        base: Mapping[str, np.ndarray] | None = None) -> dict:
    """A synthetic single-year projection vintage: persons by region, sex, age, alternative, year.

    ``base`` gives a region's (2, 106) population by sex and age in the first year (default:
    a drawn size with a Norwegian-looking age shape). Year ``t`` is the base times
    ``exp(g·τ + h·τ·(a − 45)/45)`` (τ years after the first, ``g`` the alternative's growth
    plus a municipal offset, ``h`` its ageing tilt): smooth, older over time, not a
    demographic model.
    """
    rng = np.random.default_rng(seed)
    codes = list(regions)
    sizes = _sizes(codes, None, rng)
    ages = np.arange(len(AGES), dtype=np.float64)
    shape = np.exp(-0.5 * np.maximum(ages - 55.0, 0.0) ** 2 / 18.0 ** 2)
    drawn = sizes[:, None, None] * 0.5 * (shape / shape.sum())[None, None, :] * np.ones((1, 2, 1))
    first = np.array([np.asarray((base or {}).get(c, d), dtype=np.float64) for c, d in zip(codes, drawn)])
    offset = rng.normal(0.0, 0.004, len(codes))
    tau = np.arange(len(years), dtype=np.float64)
    layers = []
    for alternative in alternatives:
        _, _, growth, tilt = ALTERNATIVES[alternative]
        exponent = (growth + offset)[:, None, None] * tau + tilt * tau * ((ages - 45.0) / 45.0)[None, :, None]
        layers.append(np.round(first[..., None] * np.exp(exponent[:, None, :, :])))
    values = np.stack(layers, axis=3)                                  # (K, 2, A, C, T)
    dims = [("Region", tuple(codes), tuple(regions[c] for c in codes)),
            ("Kjonn", ("1", "2"), ("Menn", "Kvinner")),
            ("Alder", AGES, tuple(f"{a} år" for a in range(105)) + ("105 år eller eldre",)),
            ("ContentsCode", tuple(ALTERNATIVES[a][0] for a in alternatives),
             tuple(ALTERNATIVES[a][1] for a in alternatives)),
            ("Tid", tuple(str(y) for y in years), tuple(str(y) for y in years))]
    cube = _cube(dims, values, table, geo="Region", decimals=0,
                 units={"ContentsCode": {ALTERNATIVES[a][0]: {"base": "personer", "decimals": 0}
                                         for a in alternatives}})
    title = "Framskrevet folkemengde 1. januar, etter region, kjønn, alder og statistikkvariabel"
    return _labelled(write_jsonstat(cube), table, title, seed)


def _cube(dims: list[tuple[str, tuple, tuple]], values: np.ndarray, table: str, geo: str,
          decimals: int, units: Mapping[str, dict]) -> Cube:
    names = tuple(d for d, _, _ in dims)
    return Cube(dims=names, codes={d: c for d, c, _ in dims}, labels={d: lab for d, _, lab in dims},
                values=values, meta={"table": table, "updated": UPDATED, "units": units,
                                     "role": {"geo": [geo], "time": ["Tid"], "metric": ["ContentsCode"]},
                                     "px": {"decimals": decimals}})


def served_table(doc: dict) -> ServedTable:
    """A synthetic document as a table the replay server answers queries on.

    The variables SSB lets a query leave out (position type, education, sex, age) are
    eliminable; the title keeps the synthetic label, so the server's metadata says it too.
    """
    cube = read_jsonstat(doc)
    geo = cube.meta["role"]["geo"][0]
    eliminable = {d: True for d in cube.dims
                  if d in ("KOKstillingkode0000", "KOKutdanningoms0000", "KOKkyrk200000", "Kjonn", "Alder")}
    return ServedTable(id=str(cube.meta["table"]), title=str(cube.meta["title"]), cube=cube,
                       updated=str(cube.meta["updated"]), elimination=eliminable, geo=geo,
                       units=cube.meta.get("units") or {}, decimals=int(cube.meta["px"].get("decimals", 0)))


def synthetic_replay(ssb_data, documents: Sequence[dict], **limits: float):
    """A :class:`~k2020proj.testing.replay_server.ReplayServer` serving the recorded data
    plus ``documents`` (which replace a recorded table of the same id)."""
    from k2020proj.testing.replay_server import ReplayServer

    tables = {t.id: t for t in (served_table(doc) for doc in documents)}
    return ReplayServer(ssb_data, tables=tables, **limits)
