"""The SSB client against the replay server over real HTTP: limits, splitting, faults, cache.

The replay server serves the recorded real 07459 exports; expected figures are
read from those exports directly, not from the server.
"""
from __future__ import annotations

import json
import logging
import sys
import threading
import time

import numpy as np
import pytest

from k2020proj.errors import DataError, OfflineMissingError, SSBError, UsageError
from k2020proj.ssb.cache import ResponseCache
from k2020proj.ssb.client import ServiceDown, SSBClient, TableNotFound
from k2020proj.ssb.ratelimit import SlidingWindowLimiter, limiter_for
from k2020proj.ssb.selection import Variable, expand, split_expressions
from k2020proj.ssb.split import Query, Split, cell_count, leaves, plan
from k2020proj.ssb.statbank_csv import read_statbank_csv

AGG = {"Region": "agg_KommSummer"}
BAERUM = {"Region": ["K-3201", "K-0301"], "Tid": ["2019", "2020", "2021"], "ContentsCode": "*"}
WIDE = {"Region": "*", "Alder": "*", "Tid": ["2019", "2020"], "ContentsCode": "*"}


def make_client(**options) -> SSBClient:
    """A client with tiny timeouts and backoffs so fault tests run fast."""
    settings = dict(backoff=0.01, max_backoff=0.04, timeout=2.0, max_retries=3, progress=False)
    settings.update(options)
    return SSBClient(**settings)


def same_cube(a, b) -> bool:
    return (a.dims == b.dims and a.codes == b.codes and a.labels == b.labels
            and np.array_equal(a.values, b.values, equal_nan=True)
            and (a.status_of() == b.status_of()).all())


def data_calls(replay) -> list:
    return [c for c in replay.calls if "/data" in c.path or "/table/" in c.path]


# -- selection expressions and split plans (no HTTP) --------------------------------------
YEARS = Variable("Tid", "år", tuple(str(y) for y in range(2015, 2022)), tuple(str(y) for y in range(2015, 2022)),
                 time=True)
AGES = Variable("Alder", "alder", ("000", "001", "002", "003"), ("0", "1", "2", "3"), elimination=True)


@pytest.mark.parametrize("expressions, expected", [
    (["from(2019)"], ["2019", "2020", "2021"]),
    (["to(2016)"], ["2015", "2016"]),
    (["range(2016,2018)"], ["2016", "2017", "2018"]),
    (["top(2)"], ["2020", "2021"]),          # on the time variable: the latest periods
    (["bottom(2)"], ["2015", "2016"]),
    (["201?"], ["2015", "2016", "2017", "2018", "2019"]),
    (["2021", "2015"], ["2015", "2021"]),    # table order, not request order
    (["*"], [str(y) for y in range(2015, 2022)]),
])
def test_expressions_select_codes_in_table_order(expressions, expected):
    assert expand(YEARS, expressions) == expected


def test_top_on_a_non_time_variable_takes_the_first_codes():
    assert expand(AGES, ["top(2)"]) == ["000", "001"]


def test_unknown_code_is_kept_when_not_strict_so_ssb_can_judge_it():
    assert expand(YEARS, ["2019", "1850"], strict=False) == ["2019", "1850"]


def test_expression_lists_split_only_outside_parentheses():
    assert split_expressions("0301,range(2010,2015), top(3)") == ["0301", "range(2010,2015)", "top(3)"]


def test_plan_cuts_the_largest_dimension_into_pieces_under_the_limit():
    """7 years × 4 ages = 28 cells under a limit of 8 → pieces of ≤ 8 cells covering every year once."""
    query = Query.build("T", {"Tid": "*", "Alder": "*"})
    root = plan(query, [YEARS, AGES], max_cells=8)
    pieces = list(leaves(root))
    assert isinstance(root, Split) and root.dim == "Tid"
    assert all(cell_count(p, [YEARS, AGES]) <= 8 for p in pieces)
    years = [y for p in pieces for y in dict(p.selection)["Tid"]]
    assert years == list(YEARS.values)


def test_plan_recurses_into_the_next_dimension_when_one_code_is_too_many():
    query = Query.build("T", {"Tid": "*", "Alder": "*"})
    pieces = list(leaves(plan(query, [YEARS, AGES], max_cells=2)))
    assert len(pieces) == 14 and all(cell_count(p, [YEARS, AGES]) == 2 for p in pieces)


def test_eliminated_variable_counts_one_cell():
    assert cell_count(Query.build("T", {"Tid": "*"}), [YEARS, AGES]) == 7


# -- the process-wide rate limiter ---------------------------------------------------------------
def test_limiter_never_lets_more_calls_start_within_a_window_than_allowed():
    """Twelve threads through a 4-per-0.2 s limiter: no 0.2 s window holds more than 4 call starts."""
    limiter = SlidingWindowLimiter(4, 0.2)
    starts: list[float] = []
    lock = threading.Lock()

    def call():
        with limiter.slot():
            with lock:
                starts.append(time.monotonic())
            time.sleep(0.01)

    threads = [threading.Thread(target=call) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    starts.sort()
    assert max(sum(1 for s in starts if t <= s < t + 0.2) for t in starts) <= 4
    assert starts[-1] - starts[0] >= 0.4  # twelve calls need at least three windows


def test_one_limiter_per_host_shared_by_all_clients():
    assert limiter_for("http://h:1/api/pxwebapi/v2") is limiter_for("http://h:1/api/v0/no/table/1")
    assert limiter_for("http://h:1/x") is not limiter_for("http://h:2/x")


# -- talking to the replay server -----------------------------------------------------------
def test_reads_limits_from_config(replay):
    replay.configure(max_cells=1234, max_calls=77, window=3)
    client = make_client()
    assert client.max_cells() == 1234
    limiter = limiter_for(replay.url_v2)
    assert (limiter.max_calls, limiter.window) == (77, 3.0)


def test_population_through_agg_kommsummer_equals_the_recorded_exports(replay, ssb_data):
    """K-3201 Bærum in 2020 is the export's K-3024; in 2019 the sum of old code 0219."""
    folder = ssb_data / "population" / "fhidata-07459"
    y2019 = read_statbank_csv(folder / "Personer2019.csv").sel(region="0219").values.sum()
    y2020 = read_statbank_csv(folder / "Personer2020.csv").sel(region="K-3024").values.sum()
    cube = make_client().data("07459", BAERUM, AGG)
    assert cube.dims == ("Region", "ContentsCode", "Tid")
    baerum = cube.sel(Region="K-3201", ContentsCode="Personer1")
    assert baerum.values[:2].tolist() == [y2019, y2020]
    assert cube.labels["Region"] == ("Oslo", "Bærum")  # the code list's order, as SSB answers
    assert cube.meta["table"] == "07459" and cube.meta["synthetic"] is False


def test_short_query_goes_by_get_long_one_by_post(replay):
    """A list of 300 codes makes the GET URL too long: the client posts it instead."""
    client = make_client()
    client.data("07459", BAERUM, AGG)
    codes = [v for v in client.variables("07459")[0].values][:300]
    client.data("07459", {"Region": codes, "Tid": "2019", "ContentsCode": "*"})
    methods = [c.method for c in data_calls(replay)]
    assert methods == ["GET", "POST"]
    assert 404 not in replay.statuses()


def test_split_query_gives_the_same_cube_as_one_request(replay):
    """Over a 5 000-cell limit the query is cut; joined back it equals the single answer exactly."""
    whole = make_client().data("07459", WIDE)
    assert len(data_calls(replay)) == 1
    replay.reset()
    replay.configure(max_cells=5000)
    client = make_client(refresh=True)
    pieces = client.data("07459", WIDE)
    assert same_cube(whole, pieces)
    assert len(data_calls(replay)) == pieces.meta["requests"] >= 862 * 106 * 2 // 5000
    assert 403 not in replay.statuses()


def test_split_by_url_length_when_post_is_not_allowed(replay):
    """With GET only, a 600-code list is cut until each URL stays under 2 000 characters."""
    client = make_client(post=False)
    codes = list(client.variables("07459")[0].values)[:600]
    cube = client.data("07459", {"Region": codes, "Tid": "2021", "ContentsCode": "*"})
    calls = data_calls(replay)
    assert len(calls) > 1 and all(c.method == "GET" and len(c.path) <= 2000 for c in calls)
    assert cube.codes["Region"] == tuple(codes)


def test_rate_limit_is_never_exceeded_by_two_clients_in_parallel(replay):
    """5 calls per 0.5 s announced: the server's own count never sees more in any window."""
    replay.configure(max_calls=5, window=0.5, max_cells=30_000)
    first = make_client()
    first.max_cells()
    errors = []

    def fetch(years):
        try:
            make_client().data("07459", {"Region": "*", "Alder": "*", "Tid": years, "ContentsCode": "*"})
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=fetch, args=(y,)) for y in (["2019"], ["2020"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(replay.calls) >= 10
    assert replay.calls_in_window(0.5) <= 5
    assert 429 not in replay.statuses()


def test_429_waits_for_retry_after_and_retries(replay):
    client = make_client()
    client.max_cells()
    replay.inject("429", retry_after=0.3, path="/data")
    started = time.monotonic()
    client.data("07459", BAERUM, AGG)
    assert time.monotonic() - started >= 0.3
    assert [c.status for c in data_calls(replay)] == [429, 200]


def test_429_without_retry_after_backs_off_and_retries(replay):
    client = make_client()
    client.max_cells()
    replay.inject("429", times=2, path="/data")
    client.data("07459", BAERUM, AGG)
    assert [c.status for c in data_calls(replay)] == [429, 429, 200]


def test_backoff_doubles_with_jitter_and_is_capped():
    """Attempt n waits between half and all of backoff·2^(n-1), never more than max_backoff."""
    from k2020proj.ssb.client import ServiceDown, _Retry

    client = SSBClient(backoff=0.1, max_backoff=0.5, max_wait=2.0)
    retry = _Retry(503, "down", ServiceDown)
    for attempt, full in ((1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (8, 0.5)):
        waits = [client._delay(attempt, retry) for _ in range(50)]
        assert all(full / 2 <= w <= full for w in waits) and len(set(waits)) > 1
    assert client._delay(1, _Retry(429, "busy", SSBError, wait=30)) == 2.0  # Retry-After, capped


def test_5xx_is_retried_with_backoff(replay):
    replay.inject("503", times=2, path="/data")
    cube = make_client().data("07459", BAERUM, AGG)
    assert [c.status for c in data_calls(replay)] == [503, 503, 200]
    assert cube.meta["api"] == "v2"


def test_v1_is_the_fallback_when_v2_keeps_failing_and_gives_the_same_cube(replay):
    expected = make_client().data("07459", BAERUM, AGG)
    replay.inject("500", times=100, path="/pxwebapi/v2/tables/07459")
    cube = make_client(refresh=True, max_retries=1).data("07459", BAERUM, AGG)
    assert cube.meta["api"] == "v1"
    assert same_cube(cube, expected)
    assert any(c.method == "POST" and "/api/v0/no/table/07459" in c.path for c in replay.calls)


def test_service_down_everywhere_is_one_line_naming_table_status_and_advice(replay):
    replay.inject("503", times=100)
    with pytest.raises(SSBError) as caught:
        make_client(max_retries=1).data("07459", BAERUM, AGG)
    message = str(caught.value)
    assert "\n" not in message and "07459" in message and "HTTP 503" in message
    assert "try again later" in message


def test_unknown_table_is_a_clear_404(replay):
    with pytest.raises(TableNotFound) as caught:
        make_client().data("99999", {"Tid": "*"})
    message = str(caught.value)
    assert "99999" in message and "404" in message and "no such table" in message and "\n" not in message


def test_400_carries_ssbs_message_and_the_query(replay):
    with pytest.raises(SSBError) as caught:
        make_client().data("07459", {"Region": ["0301", "9876"], "Tid": "2019", "ContentsCode": "*"})
    message = str(caught.value)
    assert "HTTP 400" in message and "9876 is not a valid value code for variable Region" in message
    assert '"Region":["0301","9876"]' in message
    assert [c.status for c in data_calls(replay)] == [400]  # never retried


def test_403_after_the_limit_dropped_cuts_the_query_and_still_succeeds(replay):
    """The client planned with 800 000 cells; the server now allows 20 000: 403, re-read /config, cut."""
    client = make_client()
    client.max_cells()
    replay.configure(max_cells=20_000)
    cube = client.data("07459", WIDE)
    statuses = [c.status for c in data_calls(replay)]
    assert statuses[0] == 403 and set(statuses[1:]) == {200}
    assert cube.shape == (862, 106, 1, 2)


def test_timeouts_are_retried(replay):
    client = make_client(timeout=0.2)
    client.max_cells()
    replay.inject("slow", delay=0.5, path="/data")
    cube = client.data("07459", BAERUM, AGG)
    assert cube.shape == (2, 1, 3)
    assert len(data_calls(replay)) == 2


def test_endless_timeouts_end_in_one_clear_line(replay):
    client = make_client(timeout=0.1, max_retries=1)
    client.max_cells()
    client.variables("07459", AGG)
    replay.inject("slow", times=10, delay=0.3, path="/api/")
    with pytest.raises(ServiceDown, match=r"07459.*no HTTP status, no answer within 0.1 s.*try again later"):
        client.data("07459", BAERUM, AGG)


@pytest.mark.parametrize("fault", ["truncate", "malformed", "content_type"])
def test_damaged_answer_is_retried_and_never_parsed(replay, fault):
    replay.inject(fault, path="/data")
    cube = make_client().data("07459", BAERUM, AGG)
    assert cube.values.shape == (2, 1, 3) and not np.isnan(cube.values).any()
    assert len(data_calls(replay)) == 2


@pytest.mark.parametrize("fault, words", [("truncate", "cut off"), ("malformed", "not valid JSON"),
                                          ("content_type", "content type text/html")])
def test_damaged_answers_every_time_end_in_a_data_error_and_nothing_cached(replay, fault, words):
    client = make_client(max_retries=1)
    client.variables("07459", AGG)
    replay.inject(fault, times=10, path="/data")
    with pytest.raises(DataError, match=words) as caught:
        client.data("07459", BAERUM, AGG)
    assert "07459" in str(caught.value) and "\n" not in str(caught.value)
    assert not list((client.cache.root / "v2" / "07459").glob("data-*"))


def test_failed_refresh_keeps_the_good_cached_file(replay):
    good = make_client().data("07459", BAERUM, AGG)
    files = {p: p.read_bytes() for p in (ResponseCache().root / "v2" / "07459").glob("data-*")}
    replay.inject("malformed", times=10, path="/data")
    with pytest.raises(DataError):
        make_client(refresh=True, max_retries=1).data("07459", BAERUM, AGG)
    assert {p: p.read_bytes() for p in files} == files
    assert same_cube(make_client(offline=True).data("07459", BAERUM, AGG), good)


# -- cache behaviour through the client ------------------------------------------------------
def test_second_call_comes_from_the_cache(replay):
    first = make_client().data("07459", BAERUM, AGG)
    count = len(replay.calls)
    again = make_client().data("07459", BAERUM, AGG)
    assert len(replay.calls) == count
    assert same_cube(first, again)


def test_cached_body_is_exactly_what_the_server_sent(replay):
    import requests

    make_client().data("07459", BAERUM, AGG)
    url = replay.calls[-1].path
    sent = requests.get(replay.base + url).content
    bodies = [p.read_bytes() for p in (ResponseCache().root / "v2" / "07459").glob("data-*.no.json")
              if not p.name.endswith(".meta.json")]
    assert bodies == [sent]


def test_offline_uses_the_cache_only(replay):
    online = make_client().data("07459", BAERUM, AGG)
    replay.reset()
    offline = make_client(offline=True).data("07459", BAERUM, AGG)
    assert replay.calls == [] and same_cube(online, offline)


def test_offline_names_exactly_what_is_missing(replay):
    make_client().data("07459", BAERUM, AGG)
    other = {**BAERUM, "Tid": ["2018"]}
    with pytest.raises(OfflineMissingError) as caught:
        make_client(offline=True).data("07459", other, AGG)
    message = str(caught.value)
    assert "07459" in message and '"Tid":["2018"]' in message and "agg_KommSummer" in message
    assert replay.calls[-1].path.endswith("/config") or len(replay.calls) == 3


def test_refresh_fetches_again(replay):
    make_client().data("07459", BAERUM, AGG)
    before = len(data_calls(replay))
    make_client(refresh=True).data("07459", BAERUM, AGG)
    assert len(data_calls(replay)) == before + 1


def test_corrupt_cache_file_is_reported_and_refetched(replay, caplog):
    good = make_client().data("07459", BAERUM, AGG)
    for path in (ResponseCache().root / "v2" / "07459").glob("data-*.no.json"):
        if not path.name.endswith(".meta.json"):
            path.write_bytes(path.read_bytes().replace(b"128233", b"999999"))
    with pytest.raises(DataError, match="SHA-256"):
        make_client(offline=True).data("07459", BAERUM, AGG)
    before = len(data_calls(replay))
    with caplog.at_level(logging.WARNING, logger="k2020proj.ssb"):
        again = make_client().data("07459", BAERUM, AGG)
    assert "SHA-256" in caplog.text
    assert len(data_calls(replay)) == before + 1
    assert same_cube(good, again)


def test_offline_and_refresh_together_is_a_usage_error():
    with pytest.raises(UsageError):
        SSBClient(offline=True, refresh=True)


# -- code lists, KLASS, provenance, progress ------------------------------------------------------
def test_codelist_maps_every_historical_code_to_todays_municipality(replay):
    doc = make_client().codelist("agg_KommSummer")
    groups = {v["code"]: v["valueMap"] for v in doc["values"]}
    assert sorted(groups["K-3201"]) == ["0219", "3024", "3201"]
    assert "1850" in groups["K-Rest"]


def test_klass_json_is_fetched_and_cached(replay):
    client = make_client()
    doc = client.klass_json("classifications/131/codesAt.json", {"date": "2019-01-01"})
    codes = {c["code"] for c in doc["codes"]}
    assert "0219" in codes and "3201" not in codes
    count = len(replay.calls)
    client.klass_json("classifications/131/codesAt.json", {"date": "2019-01-01"})
    assert len(replay.calls) == count
    assert list((client.cache.root / "klass").rglob("codesAt-*.no.json"))


def test_provenance_lists_tables_touched_with_url_and_updated(replay):
    client = make_client()
    client.data("07459", BAERUM, AGG)
    [record] = client.provenance()
    assert record["table"] == "07459" and record["updated"] == "2021-06-21"
    assert record["url"].startswith(replay.url_v2 + "/tables/07459/data")
    assert record["fetched"].endswith("+00:00")


def test_progress_bar_shows_on_a_terminal_for_multi_request_fetches(replay, capsys, monkeypatch):
    replay.configure(max_cells=60_000)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    make_client(progress=True).data("07459", WIDE)
    assert "SSB 07459" in capsys.readouterr().err


def test_no_progress_bar_when_not_a_terminal(replay, capsys):
    replay.configure(max_cells=60_000)
    make_client(progress=True).data("07459", WIDE)
    assert capsys.readouterr().err == ""


def test_sidecar_records_url_query_and_updated(replay):
    make_client().data("07459", BAERUM, AGG)
    [meta_path] = (ResponseCache().root / "v2" / "07459").glob("data-*.meta.json")
    meta = json.loads(meta_path.read_text())
    assert meta["url"].startswith(replay.url_v2) and meta["updated"] == "2021-06-21"
    assert meta["query"] == {"codelist": AGG, "selection": {
        "ContentsCode": ["*"], "Region": ["K-3201", "K-0301"], "Tid": ["2019", "2020", "2021"]}}


def test_timeouts_retries_and_backoff_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("K2020PROJ_TIMEOUT", "0.5")
    monkeypatch.setenv("K2020PROJ_RETRIES", "1")
    monkeypatch.setenv("K2020PROJ_BACKOFF", "0.02")
    client = SSBClient()
    assert (client.timeout, client.max_retries, client.backoff) == (0.5, 1, 0.02)
    monkeypatch.setenv("K2020PROJ_TIMEOUT", "soon")
    with pytest.raises(UsageError, match="K2020PROJ_TIMEOUT"):
        SSBClient()
