"""Shared hypothesis strategies for k2020proj's tests.

Like ``xarray.testing.strategies``, this module is the one place where test
data generators live, so every test file draws from the same definitions of a
"valid JSON-stat document" or a "valid cube" instead of growing its own.
Engineers append strategies for their own types here.

- :func:`jsonstat_documents` draws JSON-stat 2.0 datasets in all the forms the
  specification allows (value/status as arrays or sparse objects, index as an
  array, an object in shuffled order, or absent for a single category, labels
  present or not) with nulls and SSB's status symbols placed as SSB places them.
- :func:`cubes` draws :class:`~k2020proj.cube.Cube` objects with NaN, status
  symbols and provenance, for round-trip and algebra tests.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from k2020proj.cube import Cube
from k2020proj.ssb.jsonstat import MISSING_SYMBOLS, NIL

#: Every SSB status symbol: the missing ones, nil (zero) and ``*`` provisional (a number is given).
SYMBOLS = (*MISSING_SYMBOLS, NIL, "*")

_CODE_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefgh+-._"
_LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzæøåÆØÅ 0123456789-,()"

codes_text = st.text(_CODE_CHARS, min_size=1, max_size=6)
labels_text = st.text(_LABEL_CHARS, min_size=1, max_size=12)
numbers = st.one_of(st.integers(-10**12, 10**12),
                    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15))


@st.composite
def _axes(draw, max_dims: int, max_size: int, first_letters: str) -> list[tuple[str, list[str]]]:
    """Unique dimension ids, each with a list of unique category codes."""
    count = draw(st.integers(1, max_dims))
    names = st.builds(str.__add__, st.sampled_from(first_letters), st.text("abcdefgXYZ0123456789", max_size=6))
    ids = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    return [(dim, draw(st.lists(codes_text, min_size=1, max_size=max_size, unique=True))) for dim in ids]


@st.composite
def _cells(draw, count: int) -> tuple[list[float | None], list[str]]:
    """Values (None for missing) and status symbols ('' for none), consistent as SSB writes them:
    missing symbols carry null, nil carries null or 0, provisional and plain cells carry numbers
    (a few plain cells are null without a symbol)."""
    status = draw(st.lists(st.sampled_from(("",) * 6 + SYMBOLS), min_size=count, max_size=count))
    values: list[float | None] = []
    for symbol in status:
        if symbol in MISSING_SYMBOLS:
            values.append(None)
        elif symbol == NIL:
            values.append(draw(st.sampled_from((None, 0))))
        else:
            values.append(draw(st.one_of(numbers, st.none()) if symbol == "" else numbers))
    return values, status


@st.composite
def _category(draw, codes: list[str]) -> dict:
    """A ``category`` object in one of the forms JSON-stat allows."""
    with_labels = draw(st.booleans())
    forms = ["list", "dict"] + (["absent"] if len(codes) == 1 and with_labels else [])
    form = draw(st.sampled_from(forms))
    category: dict = {}
    if form == "list":
        category["index"] = list(codes)
    elif form == "dict":
        order = draw(st.permutations(range(len(codes))))
        category["index"] = {codes[i]: i for i in order}
    if with_labels:
        category["label"] = {c: draw(labels_text) for c in codes}
    return category


@st.composite
def jsonstat_documents(draw, max_dims: int = 4, max_size: int = 4) -> dict:
    """A valid JSON-stat 2.0 dataset (a parsed document) with random shape and forms."""
    axes = draw(_axes(max_dims, max_size, "ABCDEFGHKLMNRSTZ"))
    count = math.prod(len(codes) for _, codes in axes)
    values, status = draw(_cells(count))
    dimension = {}
    for dim, codes in axes:
        spec = {"category": draw(_category(codes))}
        if draw(st.booleans()):
            spec["label"] = draw(labels_text)
        dimension[dim] = spec
    doc = {"version": "2.0", "class": "dataset", "label": draw(labels_text),
           "id": [dim for dim, _ in axes], "size": [len(codes) for _, codes in axes],
           "dimension": dimension}
    doc["value"] = draw(st.sampled_from([
        values, {str(i): v for i, v in enumerate(values) if v is not None}]))
    if any(status) and draw(st.booleans()):
        sparse = {str(i): s for i, s in enumerate(status) if s}
        doc["status"] = draw(st.sampled_from([sparse, [s or None for s in status]]))
    return doc


@st.composite
def cubes(draw, max_dims: int = 4, max_size: int = 4, with_status: bool | None = None) -> Cube:
    """A cube with NaN cells, optional status symbols (consistent with the values: missing
    symbols on NaN, nil on 0) and provenance meta of the kinds the readers produce."""
    axes = draw(_axes(max_dims, max_size, "abcdefghrstyz"))
    shape = tuple(len(codes) for _, codes in axes)
    values, status = draw(_cells(math.prod(shape)))
    flat = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    flat[np.array(status) == NIL] = 0.0
    keep_status = draw(st.booleans()) if with_status is None else with_status
    dims = tuple(dim for dim, _ in axes)
    return Cube(
        dims=dims,
        codes={dim: codes for dim, codes in axes},
        labels={dim: [draw(labels_text) for _ in codes] for dim, codes in axes},
        values=flat.reshape(shape),
        status=np.array(status, dtype=str).reshape(shape) if keep_status else None,
        meta=draw(_meta(dims)),
    )


@st.composite
def _meta(draw, dims: tuple[str, ...]) -> dict:
    """Provenance: some of table, title, source, updated, role, dimension labels, extra keys."""
    options = {
        "table": st.from_regex(r"[0-9]{5}", fullmatch=True),
        "title": labels_text,
        "source": st.just("Statistics Norway"),
        "updated": st.dates().map(lambda d: f"{d.isoformat()}T08:00:00Z"),
        "role": st.just({"time": [dims[-1]]}),
        "dim_labels": st.fixed_dictionaries({d: labels_text for d in dims}),
        "structure": st.sampled_from(["2020", "2024"]),
        "synthetic": st.booleans(),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(options))))
    return {key: draw(options[key]) for key in sorted(chosen)}


# -- model (engineer D) -----------------------------------------------------------------
# Small model worlds and scenarios for the projection model's property tests. Arrays are
# made by NumPy from a drawn seed (hypothesis chooses sizes, seeds and switches), so a
# failing example is reproducible from its printed draws.

MODEL_OCCUPATION_SETS = (("spl",), ("spl", "hfa"), ("spl", "hfa", "ufag"), ("spl", "hsyk", "jord"),
                         ("hfa", "ufag", "lege"), ("spl", "hfa", "hsyk", "jord", "ufag"))


@st.composite
def model_worlds(draw, max_regions: int = 4, max_years: int = 10):
    """Valid :class:`~k2020proj.models.parameters.ModelInputs`: 1–``max_regions`` municipalities in
    one or two counties, a set of default occupations (some with transfer channels), random
    population (with empty ages), base FTEs (some zero), exit rates, FTE per person and inflow
    profile, and optionally a municipal age-sex stock, a recent growth and an initial shortage."""
    from k2020proj.models.parameters import POP_AGES, WORK_AGES, make_inputs

    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_regions = draw(st.integers(1, max_regions))
    occupations = draw(st.sampled_from(MODEL_OCCUPATION_SETS))
    n_years = draw(st.integers(2, max_years))
    counties = tuple(sorted(rng.choice(["91", "92"], n_regions)))
    regions = tuple(f"{c}{i:02d}" for i, c in enumerate(counties))
    shape = (n_regions, len(occupations))
    population = rng.gamma(2.0, 50.0, (n_regions, 2, POP_AGES.size, n_years)) * (rng.random((1, 1, POP_AGES.size, 1)) > 0.1)
    work = (len(occupations), 2, WORK_AGES.size)
    fields = dict(
        exit_rates=rng.uniform(0.0, 0.3, work),
        fte_per_person=rng.uniform(0.3, 1.0, work),
        inflow_profile=rng.random(work) * (rng.random(work) > 0.5) + 1e-3,
    )
    if draw(st.booleans()):
        fields["stock"] = rng.uniform(0.0, 5.0, (*shape, 2, WORK_AGES.size)) * (rng.random((*shape, 1, 1)) > 0.2)
    if draw(st.booleans()):
        fields["recent_growth"] = rng.normal(0.0, 0.03, shape)
    if draw(st.booleans()):
        fields["initial_shortage"] = rng.uniform(0.0, 5.0, shape)
    base_fte = rng.uniform(0.0, 80.0, shape) * (rng.random(shape) > 0.15)
    return make_inputs(regions, counties, population, range(2020, 2020 + n_years), base_fte,
                       occupations=occupations, meta={"synthetic": True, "source": "hypothesis"}, **fields)


@st.composite
def lever_values(draw, transfers: bool | None = None) -> dict:
    """A value for some of the scenario levers, each within its allowed range."""
    from k2020proj.models.scenario import LEVERS

    names = draw(st.sets(st.sampled_from(sorted(LEVERS))))
    if transfers is False:
        names -= {"upskill_ufag_hfa", "further_ed_spl"}
    elif transfers:
        names |= {"upskill_ufag_hfa", "further_ed_spl"}
    values = {}
    for name in sorted(names):
        lever = LEVERS[name]
        values[name] = draw(st.floats(lever.low, lever.high, allow_nan=False))
    return values


@st.composite
def model_scenarios(draw, transfers: bool | None = None, distributions: bool = True):
    """A :class:`~k2020proj.models.scenario.Scenario` with random lever values and, optionally,
    normal or uniform distributions on some of them."""
    from k2020proj.models.scenario import LEVERS, Scenario

    values = draw(lever_values(transfers))
    levers: dict = dict(values)
    if distributions and values:
        for name in draw(st.sets(st.sampled_from(sorted(values)))):
            lever = LEVERS[name]
            span = lever.high - lever.low
            levers[name] = draw(st.sampled_from([
                {"value": values[name], "dist": "normal", "sd": span / 10},
                {"value": values[name], "dist": "uniform", "low": lever.low, "high": lever.low + span / 2},
            ]))
    return Scenario.from_mapping({"name": "drawn", "levers": levers}, source="<hypothesis>")
