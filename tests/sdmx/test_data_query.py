"""The SDMX data query: parsing (REST v1.5 §4.4, v2 data.md), answering from the public view, availability."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.errors import BadRequest, NotFound, NotImplementedYet
from api.model.sdmx_data_query import DataQuery
from api.model.submission import SubmissionMetadata
from api.model.view import PublicView
from api.services.registry import Registry
from api.services.sdmx import availability as sdmx_availability
from api.services.sdmx import data as sdmx_data
from api.services.sdmx.data_params import parse_availability_v1, parse_data_v1, parse_data_v2
from api.services.submissions import ingest
from tests.services.samples import stock_row, write


def submit(registry: Registry, path: Path, dataset: str = "DEU_STOCK", release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id="DESTATIS", title="Stocks", sources=("Census",),
                              licence="https://creativecommons.org/licenses/by/4.0/", release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


@pytest.fixture
def loaded(registry: Registry, tmp_path: Path) -> Registry:
    rows = [stock_row(area, year, str(1000 * (i + 1) + j), sex=sex)
            for i, area in enumerate(("DEU", "FRA", "ITA"))
            for j, year in enumerate(("2015", "2016", "2017", "2018"))
            for sex in ("_T",)]
    rows += [stock_row("DEU", "2018", "600", sex="F"), stock_row("DEU", "2018", "400", sex="M")]
    rows.append(stock_row("ESP", "2018", "3", conf="C", status="A"))  # confidential: never public
    submit(registry, write(tmp_path / "stock.csv", *rows))
    return registry


def values(registry: Registry, query: DataQuery) -> dict[tuple[str, ...], str | None]:
    message = sdmx_data.data_message(registry, query)
    return {(*s.key, *o.key): o.value for s in message.series() for o in s.observations}


def test_v1_key_with_or_and_empty_positions(loaded: Registry) -> None:
    got = values(loaded, parse_data_v1("MIGRATION_PROFILE", "A.DEU+FRA..._T..", None, {"startPeriod": "2017"}))
    assert got == {
        ("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z", "2017"): "1002",
        ("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z", "2018"): "1003",
        ("A", "FRA", "STK_IMM", "_T", "_T", "_T", "_Z", "2017"): "2002",
        ("A", "FRA", "STK_IMM", "_T", "_T", "_T", "_Z", "2018"): "2003",
    }


def test_flow_ref_forms_and_unknown_flow(loaded: Registry) -> None:
    flows = ("MIGRATION_PROFILE", "MPR,MIGRATION_PROFILE", "MPR,MIGRATION_PROFILE,1.0", "all,MIGRATION_PROFILE,latest")
    for flow in flows:
        assert values(loaded, parse_data_v1(flow, "A.ITA.....", None, {"lastNObservations": "1"})) == {
            ("A", "ITA", "STK_IMM", "_T", "_T", "_T", "_Z", "2018"): "3003"}
    with pytest.raises(NotFound):
        parse_data_v1("OTHER_FLOW", None, None, {})
    with pytest.raises(NotFound):
        parse_data_v1("ECB,MIGRATION_PROFILE", None, None, {})


def test_first_and_last_n_per_series(loaded: Registry) -> None:
    got = values(loaded, parse_data_v1("MIGRATION_PROFILE", "A.FRA.....", None, {"firstNObservations": "1",
                                                                                  "lastNObservations": "1"}))
    assert sorted(k[-1] for k in got) == ["2015", "2018"]


def test_v2_filters_operators_and_shortened_key(loaded: Registry) -> None:
    query = parse_data_v2("dataflow", "MPR", "MIGRATION_PROFILE", "+", "A.DEU,A.ITA",
                          {"c[TIME_PERIOD]": "ge:2016+le:2017", "c[SEX]": "_T", "c[OBS_VALUE]": "gt:1001"})
    got = values(loaded, query)
    assert sorted((k[1], k[-1], v) for k, v in got.items()) == [
        ("DEU", "2017", "1002"), ("ITA", "2016", "3001"), ("ITA", "2017", "3002")]
    sw = values(loaded, parse_data_v2("*", "*", "*", "*", None, {"c[REF_AREA]": "sw:FR", "c[TIME_PERIOD]": "2015"}))
    assert list(sw.values()) == ["2000"]
    ne = values(loaded, parse_data_v2("*", "*", "*", "*", "*", {"c[SEX]": "ne:_T"}))
    assert sorted(ne.values()) == ["400", "600"]


def test_offset_limit_and_all_dimensions(loaded: Registry) -> None:
    query = parse_data_v2("*", "*", "*", "*", "A.DEU", {"offset": "1", "limit": "2", "dimensionAtObservation":
                                                       "AllDimensions"})
    message = sdmx_data.data_message(loaded, query)
    (series,) = list(message.series())
    assert series.key == ()
    # Series in key order (F < M < _T), observations by period; the offset skips F 2018.
    assert [(o.key[4], o.key[-1]) for o in series.observations] == [("M", "2018"), ("_T", "2015")]


def test_dimension_at_observation_ref_area_regroups(loaded: Registry) -> None:
    message = sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A......", None, {
        "dimensionAtObservation": "REF_AREA", "startPeriod": "2018", "endPeriod": "2018"}))
    by_key = {s.key: [o.key[0] for o in s.observations] for s in message.series()}
    assert by_key[("A", "STK_IMM", "_T", "_T", "_T", "_Z", "2018")] == ["DEU", "FRA", "ITA"]


def test_detail_variants(loaded: Registry) -> None:
    keys_only = sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A.DEU.....", None,
                                                             {"detail": "serieskeysonly"}))
    assert all(s.observations == () for s in keys_only.series())
    data_only = sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A.DEU.....", None,
                                                             {"detail": "dataonly"}))
    assert data_only.attributes == ()
    assert all(o.attributes == {} for s in data_only.series() for o in s.observations)


def test_confidential_and_embargoed_data_never_answer(loaded: Registry, tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A.ESP.....", None, {}))
    release = datetime.now(UTC) + timedelta(days=30)
    submit(loaded, write(tmp_path / "emb.csv", stock_row("PRT", "2020", "999")), dataset="PRT_STOCK", release=release)
    with pytest.raises(NotFound):
        sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A.PRT.....", None, {}))
    later = sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", "A.PRT.....", None, {}),
                                   now=release + timedelta(seconds=1))
    assert [o.value for s in later.series() for o in s.observations] == ["999"]


def test_revisions_updated_after_and_as_of(loaded: Registry, tmp_path: Path) -> None:
    before_revision = datetime.now(UTC)
    time.sleep(1.1)  # generation times have second precision
    submit(loaded, write(tmp_path / "v2.csv", stock_row("DEU", "2018", "1111")))
    current = values(loaded, parse_data_v1("MIGRATION_PROFILE", "A.DEU.....", None, {}))
    assert current == {("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z", "2018"): "1111"}
    old = values(loaded, parse_data_v2("*", "*", "*", "*", "A.DEU", {"asOf": before_revision.isoformat()}))
    assert old[("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z", "2018")] == "1003"
    with pytest.raises(NotFound):
        sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", None, None, {
            "updatedAfter": (datetime.now(UTC) + timedelta(minutes=1)).isoformat()}))
    changed = values(loaded, parse_data_v1("MIGRATION_PROFILE", None, None, {
        "updatedAfter": before_revision.strftime("%Y-%m-%dT%H:%M:%SZ")}))
    assert set(changed.values()) == {"1111"}


@pytest.mark.parametrize(("key", "params", "fragment"), [
    ("A.DEU", {}, "has 2 positions"),
    ("A.DEU......", {}, "has 8 positions"),
    ("A.D E U.....", {}, "is not a code"),
    (None, {"startPeriod": "2015-13"}, "not an SDMX time period"),
    (None, {"lastNObservations": "0"}, "positive integer"),
    (None, {"detail": "everything"}, "detail 'everything'"),
    (None, {"dimensionAtObservation": "COLOUR"}, "not a dimension"),
    (None, {"updatedAfter": "yesterday"}, "xs:dateTime"),
    (None, {"colour": "red"}, "unknown query parameter 'colour'"),
])
def test_v1_mistakes_are_bad_requests(key: str | None, params: dict[str, str], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        parse_data_v1("MIGRATION_PROFILE", key, None, params)


@pytest.mark.parametrize(("params", "fragment"), [
    ({"c[COLOUR]": "red"}, "not a component"),
    ({"c[SEX]": "xx:F"}, "operator 'xx'"),
    ({"c[TIME_PERIOD]": "ge:20x5"}, "not an SDMX time period"),
    ({"c[SEX]": "eq:"}, "no value"),
    ({"attributes": "COLOUR"}, "not an attribute"),
    ({"measures": "SOME"}, "measures 'SOME'"),
    ({"offset": "-1"}, "non-negative"),
    ({"startPeriod": "2015"}, "unknown query parameter 'startPeriod'"),
])
def test_v2_mistakes_are_bad_requests(params: dict[str, str], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        parse_data_v2("dataflow", "MPR", "MIGRATION_PROFILE", "+", None, params)


def test_v1_include_history_is_not_implemented() -> None:
    with pytest.raises(NotImplementedYet):
        parse_data_v1("MIGRATION_PROFILE", None, None, {"includeHistory": "true"})


def test_availability_exact_and_available(loaded: Registry) -> None:
    exact = sdmx_availability.availability(
        loaded, parse_availability_v1("MIGRATION_PROFILE", "A.DEU.....", None, {}), mode="exact")
    assert exact.values["REF_AREA"] == ("DEU",)
    assert exact.values["SEX"] == ("F", "M", "_T")
    assert (exact.time_start, exact.time_end, exact.observations) == ("2015", "2018", 6)
    available = sdmx_availability.availability(
        loaded, parse_availability_v1("MIGRATION_PROFILE", "A.DEU.....", None, {}), mode="available")
    assert available.values["REF_AREA"] == ("DEU", "FRA", "ITA")  # ESP is confidential: not offered
    only_sex = sdmx_availability.availability(
        loaded, parse_availability_v1("MIGRATION_PROFILE", "A.FRA.....", None, {}), component="SEX")
    assert dict(only_sex.values) == {"SEX": ("_T",)}
    with pytest.raises(NotFound):
        sdmx_availability.availability(loaded, parse_availability_v1("MIGRATION_PROFILE", "A.ESP.....", None, {}))


@pytest.mark.parametrize(("key", "mode"), [(None, "exact"), ("A.DEU.....", "exact"), ("A.DEU.....", "available"),
                                           ("A..STK_IMM....", "available")])
def test_availability_from_series_keys_equals_the_observation_scan(loaded: Registry, key: str | None,
                                                                    mode: str) -> None:
    """Series-level queries are answered from the series index (and, for the whole view, one grouped count);
    a period filter that excludes nothing forces the observation scan: both give the same region."""
    fast = sdmx_availability.availability(loaded, parse_availability_v1("MIGRATION_PROFILE", key, None, {}),
                                          mode=mode)
    scanned = sdmx_availability.availability(
        loaded, parse_availability_v1("MIGRATION_PROFILE", key, None, {"startPeriod": "1900"}), mode=mode)
    assert fast == scanned


def test_series_keys_from_the_index_agree_with_the_observations(loaded: Registry) -> None:
    """detail=serieskeysonly answers from the series index unless something looks at observations."""
    def keys(params: dict[str, str], key: str = "A......") -> list[tuple[str, ...]]:
        message = sdmx_data.data_message(loaded, parse_data_v1("MIGRATION_PROFILE", key, None, params))
        return [s.key for s in message.series()]

    everything = keys({"detail": "serieskeysonly"})
    assert sorted(k[1] + k[4] for k in everything) == ["DEUF", "DEUM", "DEU_T", "FRA_T", "ITA_T"]  # ESP confidential
    assert keys({"detail": "nodata"}, "A.DEU+ITA.....") == [k for k in everything if k[1] in ("DEU", "ITA")]
    # A period bound reads the observations: only DEU has sex-disaggregated 2018 data, none has 2019.
    assert sorted(k[4] for k in keys({"detail": "serieskeysonly", "startPeriod": "2018"}, "A.DEU.....")) == [
        "F", "M", "_T"]
    assert keys({"detail": "serieskeysonly", "startPeriod": "2016", "endPeriod": "2016"}, "A.DEU..._T..") == [
        ("A", "DEU", "STK_IMM", "_T", "_T", "_T", "_Z")]
    with pytest.raises(NotFound):
        keys({"detail": "serieskeysonly", "startPeriod": "2019"})
    assert sorted(k[1] + k[4] for k in keys({"detail": "nodata", "endPeriod": "2015"})) == ["DEU_T", "FRA_T", "ITA_T"]


def test_small_answers_are_read_once_and_large_ones_again(loaded: Registry, monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """message.series() replays a small answer (SDMX-JSON reads it twice) and re-reads a large one."""
    reads: list[str] = []
    original = sdmx_data._series_records

    def counting(registry: Registry, key: str, graphs: tuple[str, ...], view: PublicView) -> list[dict[str, str]]:
        reads.append(key)
        return original(registry, key, graphs, view)

    monkeypatch.setattr(sdmx_data, "_series_records", counting)
    query = parse_data_v1("MIGRATION_PROFILE", "A.DEU+FRA.....", None, {})
    message = sdmx_data.data_message(loaded, query)
    first, second = list(message.series()), list(message.series())
    assert first == second and len(first) == 4 and len(reads) == 4
    reads.clear()
    monkeypatch.setattr(loaded, "settings", replace(loaded.settings, sdmx_replay_observations=2))
    message = sdmx_data.data_message(loaded, query)
    assert len(reads) == 2  # DEU F and M (one observation each) fill the budget
    first, second = list(message.series()), list(message.series())
    assert first == second and len(first) == 4 and len(reads) == 2 + 2 + 4
