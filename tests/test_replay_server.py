"""The replay server: answers as PxAPI-2.yml says, from the recorded data, and misbehaves on demand.

Checked with plain ``requests`` (not the client), so a client bug cannot hide a server bug.
"""
from __future__ import annotations

import copy
import json
import re
import socket

import jsonschema
import numpy as np
import pytest
import requests
import yaml

from k2020proj.ssb.jsonstat import read_jsonstat
from k2020proj.ssb.projection_csv import read_projection_csv
from k2020proj.ssb.statbank_csv import read_statbank_csv

FORMAT = {"lang": "no", "outputFormat": "json-stat2"}


def _jsonschema(node):
    """OpenAPI 3.0 schema → JSON Schema: ``nullable`` becomes a ``null`` type."""
    if isinstance(node, list):
        return [_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _jsonschema(v) for k, v in node.items() if k not in ("nullable", "example", "examples")}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@pytest.fixture(scope="module")
def spec(shared):
    with open(shared / "pxwebapi" / "PxAPI-2.yml", encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validate(spec, name: str, doc) -> None:
    """Validate ``doc`` against ``components.schemas[name]`` of PxAPI-2.yml."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": _jsonschema(copy.deepcopy(spec["components"]))}
    jsonschema.Draft4Validator(schema).validate(doc)  # OpenAPI 3.0 follows draft 4


def get(replay, path, **params):
    return requests.get(replay.url_v2 + path, params=params, timeout=10)


def data(replay, **selection):
    params = dict(FORMAT)
    params.update({f"valueCodes[{k}]": v for k, v in selection.items()})
    return get(replay, "/tables/07459/data", **params)


def post(replay, **selection):
    """A POST data query on 07459 (for code lists too long for a GET URL)."""
    body = {"selection": [{"variableCode": k, "valueCodes": v} for k, v in selection.items()]}
    return requests.post(replay.url_v2 + "/tables/07459/data", params=FORMAT, json=body, timeout=10)


# -- the contract ----------------------------------------------------------------------
def test_config_has_every_field_the_spec_requires(replay, spec):
    doc = get(replay, "/config").json()
    required = spec["components"]["schemas"]["ConfigResponse"]["required"]
    assert set(required) <= set(doc)
    validate(spec, "ConfigResponse", doc)


def test_config_announces_the_configured_limits(replay):
    replay.configure(max_cells=99, max_calls=7, window=2)
    doc = get(replay, "/config").json()
    assert (doc["maxDataCells"], doc["maxCallsPerTimeWindow"], doc["timeWindow"]) == (99, 7, 2)


def test_metadata_is_a_valid_dataset_with_codelists(replay, spec):
    response = get(replay, "/tables/07459/metadata", **FORMAT)
    doc = response.json()
    assert response.headers["Content-Type"].startswith("application/json")
    assert set(spec["components"]["schemas"]["Dataset"]["required"]) <= set(doc)
    validate(spec, "Dataset", doc)
    assert doc["id"] == ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"]
    assert doc["dimension"]["Region"]["extension"]["codelists"][0]["id"] == "agg_KommSummer"
    assert doc["dimension"]["Kjonn"]["extension"]["elimination"] is True
    assert doc["role"]["time"] == ["Tid"]


def test_metadata_with_a_codelist_lists_its_groups(replay, spec):
    doc = get(replay, "/tables/07459/metadata", **FORMAT, **{"codelist[Region]": "agg_KommSummer"}).json()
    validate(spec, "Dataset", doc)
    regions = doc["dimension"]["Region"]["category"]["label"]
    assert regions["K-3201"] == "Bærum" and len(regions) == 360


def test_data_answer_is_a_valid_dataset(replay, spec):
    doc = data(replay, Region="0301", Tid="2019", ContentsCode="*").json()
    validate(spec, "Dataset", doc)


def test_codelist_answer_is_valid(replay, spec):
    doc = get(replay, "/codeLists/agg_KommSummer", lang="no").json()
    validate(spec, "CodelistResponse", doc)


def test_errors_are_problem_documents(replay, spec):
    for response in (data(replay, Region="9999x", Tid="2019", ContentsCode="*"),
                     get(replay, "/tables/00000/metadata", **FORMAT)):
        assert response.headers["Content-Type"] == "application/problem+json"
        validate(spec, "Problem", response.json())


# -- the recorded data, served as SSB serves them ---------------------------------------
def test_served_07459_equals_the_recorded_exports(replay, ssb_data):
    """Every cell of 2015–2018 for the old codes, and 2021 by sex, as the exports hold them."""
    folder = ssb_data / "population" / "fhidata-07459"
    export = read_statbank_csv(folder / "Personer2015-2018.csv")
    served = read_jsonstat(post(replay, Region=list(export.codes["region"]), Alder=["*"],
                                Tid=["range(2015,2018)"], ContentsCode=["*"]).json())
    in_file_order = served.sel(ContentsCode="Personer1", Region=list(export.codes["region"]))
    assert np.array_equal(in_file_order.values, export.values)
    by_sex = read_statbank_csv(folder / "norway_population_by_age_sex_2021.csv")
    raw = [c[2:] for c in by_sex.codes["region"] if re.fullmatch(r"K-\d{4}", c)]
    served = read_jsonstat(post(replay, Region=raw, Kjonn=["*"], Alder=["*"], Tid=["2021"],
                                ContentsCode=["*"]).json())
    expected = by_sex.sel(region=[f"K-{c}" for c in raw]).values
    assert np.array_equal(served.sel(ContentsCode="Personer1", Region=raw).values, expected)


def test_sex_before_2020_is_missing_but_the_total_is_there(replay):
    by_sex = read_jsonstat(data(replay, Region="0219", Kjonn="*", Tid="2019", ContentsCode="*").json())
    assert np.isnan(by_sex.values).all() and set(by_sex.status.ravel()) == {".."}
    total = read_jsonstat(data(replay, Region="0219", Tid="2019", ContentsCode="*").json())
    assert total.values.item() > 100_000


def test_norway_2019_totals_5_328_212_through_the_codelist(replay):
    params = dict(FORMAT, **{"valueCodes[Region]": "*", "codelist[Region]": "agg_KommSummer",
                             "valueCodes[Tid]": "2019", "valueCodes[ContentsCode]": "*"})
    cube = read_jsonstat(get(replay, "/tables/07459/data", **params).json())
    assert np.nansum(cube.values) == 5_328_212


def test_post_gives_the_same_answer_as_get(replay):
    body = {"selection": [{"variableCode": "Region", "codelist": "agg_KommSummer", "valueCodes": ["K-3201"]},
                          {"variableCode": "Tid", "valueCodes": ["from(2010)"]},
                          {"variableCode": "ContentsCode", "valueCodes": ["Personer1"]}]}
    posted = requests.post(replay.url_v2 + "/tables/07459/data", params=FORMAT, json=body, timeout=10)
    params = dict(FORMAT, **{"valueCodes[Region]": "K-3201", "codelist[Region]": "agg_KommSummer",
                             "valueCodes[Tid]": "from(2010)", "valueCodes[ContentsCode]": "Personer1"})
    assert posted.json() == get(replay, "/tables/07459/data", **params).json()


@pytest.mark.parametrize("expression, years", [
    ("top(2)", ["2020", "2021"]), ("bottom(1)", ["2005"]), ("range(2010,2012)", ["2010", "2011", "2012"]),
    ("to(2006)", ["2005", "2006"]), ("from(2020)", ["2020", "2021"]), ("2021,2005", ["2005", "2021"]),
])
def test_selection_expressions_over_http(replay, expression, years):
    doc = data(replay, Region="0301", Tid=expression, ContentsCode="*").json()
    assert list(doc["dimension"]["Tid"]["category"]["index"]) == years


def test_wildcard_selects_matching_codes(replay):
    doc = data(replay, Region="030?", Tid="2019", ContentsCode="*").json()
    assert list(doc["dimension"]["Region"]["category"]["index"]) == ["0301"]


def test_unknown_code_is_400_in_ssbs_words(replay):
    response = data(replay, Region="0301,4444", Tid="2019", ContentsCode="*")
    assert response.status_code == 400
    assert response.json()["detail"] == "Value, 4444 is not a valid value code for variable Region"


def test_time_cannot_be_left_out(replay):
    response = data(replay, Region="0301", ContentsCode="*")
    assert response.status_code == 400 and "Tid" in response.json()["detail"]


def test_too_many_cells_is_403(replay):
    replay.configure(max_cells=100)
    response = data(replay, Region="0301", Alder="*", Tid="2019", ContentsCode="*")
    assert response.status_code == 403 and "106 cells" in response.json()["detail"]


def test_unknown_table_is_404(replay):
    assert get(replay, "/tables/00000/metadata", **FORMAT).status_code == 404


def test_json_output_format_is_refused_as_at_ssb(replay):
    response = get(replay, "/tables/07459/data", lang="no", outputFormat="json",
                   **{"valueCodes[Tid]": "2019", "valueCodes[Region]": "0301", "valueCodes[ContentsCode]": "*"})
    assert response.status_code == 400


def test_overlong_get_url_gets_the_web_servers_404_page(replay):
    response = data(replay, Region=",".join(["0301"] * 500), Tid="2019", ContentsCode="*")
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("text/html")


def test_v1_metadata_and_agg_query(replay):
    meta = requests.get(replay.url_v1 + "/no/table/07459", timeout=10).json()
    assert [v["code"] for v in meta["variables"]] == ["Region", "Kjonn", "Alder", "ContentsCode", "Tid"]
    body = {"query": [{"code": "Region", "selection": {"filter": "agg:KommSummer", "values": ["K-3201"]}},
                      {"code": "Tid", "selection": {"filter": "item", "values": ["2020"]}}],
            "response": {"format": "json-stat2"}}
    cube = read_jsonstat(requests.post(replay.url_v1 + "/no/table/07459", json=body, timeout=10).json())
    # v1: the left-out ContentsCode gives all its values, the left-out Kjonn and Alder their totals
    assert cube.dims == ("Region", "ContentsCode", "Tid") and cube.values.item() == 127_731


def test_projection_vintage_is_served_from_the_telemark_file(replay, ssb_data):
    recorded = read_projection_csv(ssb_data / "projections" / "telemark-vintages"
                                   / "Framskrevet_folkemengde_2020-2050.csv")
    meta = get(replay, "/tables/12882/metadata", **FORMAT).json()
    assert meta["dimension"]["ContentsCode"]["category"]["index"] == {"Personer": 0, "Personer1": 1, "Personer2": 2}
    doc = data_of(replay, "12882", Region="3806", Alder="*", ContentsCode="Personer", Tid="2030")
    served = read_jsonstat(doc)
    expected = recorded.sel(region="Porsgrunn", alternative="MMMM", year="2030").values
    assert np.array_equal(served.values.ravel(), expected)


def data_of(replay, table, **selection):
    params = dict(FORMAT, **{f"valueCodes[{k}]": v for k, v in selection.items()})
    return get(replay, f"/tables/{table}/data", **params).json()


def test_klass_changes_include_the_2020_reform(replay):
    doc = requests.get(replay.url_klass + "/classifications/131/changes.json",
                       params={"from": "2020-01-01", "to": "2020-12-31"}, timeout=10).json()
    assert {"oldCode": "0219", "newCode": "3024"}.items() <= next(
        row for row in doc["codeChanges"] if row["oldCode"] == "0219").items()


def test_klass_codes_at_a_date(replay):
    at = lambda date: {c["code"] for c in requests.get(  # noqa: E731
        replay.url_klass + "/classifications/131/codesAt.json", params={"date": date}, timeout=10).json()["codes"]}
    assert "3024" in at("2021-01-01") and "0219" not in at("2021-01-01") and "3201" in at("2024-01-01")


# -- faults and counting ---------------------------------------------------------------
def test_injected_429_carries_retry_after_then_the_server_recovers(replay):
    replay.inject("429", retry_after=0.5)
    first = get(replay, "/config")
    assert first.status_code == 429 and first.headers["Retry-After"] == "0.5"
    assert get(replay, "/config").status_code == 200


def test_injected_faults_only_hit_matching_paths(replay):
    replay.inject("503", times=2, path="/data")
    assert get(replay, "/config").status_code == 200
    assert [data(replay, Region="0301", Tid="2019", ContentsCode="*").status_code for _ in range(3)] == [503, 503, 200]


def test_truncated_body_is_shorter_than_its_content_length(replay):
    replay.inject("truncate")
    with socket.create_connection(("127.0.0.1", int(replay.base.rsplit(":", 1)[1]))) as conn:
        conn.sendall(b"GET /api/pxwebapi/v2/config HTTP/1.0\r\nHost: x\r\n\r\n")
        raw = b""
        while chunk := conn.recv(65536):
            raw += chunk
    head, body = raw.split(b"\r\n\r\n", 1)
    length = int([line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")][0].split(b":")[1])
    assert 0 < len(body) < length


def test_malformed_and_wrong_type_answers(replay):
    replay.inject("malformed")
    with pytest.raises(ValueError):
        json.loads(get(replay, "/config").content)
    replay.inject("content_type")
    response = get(replay, "/config")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/html")


def test_slow_answer_exceeds_a_short_timeout(replay):
    replay.inject("slow", delay=0.4)
    with pytest.raises(requests.Timeout):
        requests.get(replay.url_v2 + "/config", timeout=0.1)


def test_server_enforces_its_call_limit_and_counts_calls_per_window(replay):
    replay.configure(max_calls=3, window=5)
    statuses = [get(replay, "/config").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    assert replay.calls_in_window(5) == 5 and replay.calls_in_window(5, path="/data") == 0


def test_unknown_fault_name_is_refused(replay):
    with pytest.raises(ValueError, match="unknown fault"):
        replay.inject("teapot")
