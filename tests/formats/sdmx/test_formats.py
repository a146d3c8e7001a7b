"""The SDMX formats as plugins: each writer declares its format once, and negotiation, ``format=``, the
includeHistory formats, the error messages and the writers are all reached from those declarations
(REST v1.5 §4.6, §4.7; REST v2 extend.md)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from api.errors import BadRequest, NotAcceptable
from api.formats.sdmx import data_csv, data_json, data_ml21, data_ml30
from api.formats.sdmx.error import KINDS, error_message, render_error
from api.formats.sdmx.negotiation import FORMATS, HISTORY_FORMATS, OFFERS, Negotiated, check_history, negotiate
from api.formats.sdmx.spec import DataFormat, StructureFormat, StructureHeader
from api.model.sdmx_structure import StructureResult
from tests.formats.sdmx.messages import build_message

PREPARED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
DIRECT = {  # the writers as their modules offer them, to compare with the declared ``write``
    "generic-ml21": data_ml21.write_generic_ml21,
    "ss-ml21": data_ml21.write_structure_specific_ml21,
    "data-ml30": data_ml30.write_ml30,
    "data-json20": data_json.write_json20,
    "data-json10": lambda m: data_json.write_json10(m, layout="legacy"),
    "data-csv10": data_csv.write_csv10,
    "data-csv20": data_csv.write_csv20,
}


def test_every_format_is_declared_once_and_offered() -> None:
    ids = [f.id for f in FORMATS]
    assert len(ids) == len(set(ids)) and len({f.media_type for f in FORMATS}) == len(FORMATS)
    offered = {f for offers in OFFERS.values() for f in offers}
    assert offered == set(FORMATS)
    for (_, kind), offers in OFFERS.items():
        assert all(isinstance(f, DataFormat if kind == "data" else StructureFormat) for f in offers)
    assert {f.error for f in FORMATS} <= set(KINDS)


def test_history_formats_are_the_ones_that_say_so() -> None:
    assert [f.id for f in HISTORY_FORMATS] == ["data-ml30", "data-json20"]
    check_history(negotiate("v2", "data", "application/vnd.sdmx.data+xml;version=3.0.0", {}))
    with pytest.raises(NotAcceptable) as raised:
        check_history(negotiate("v2", "data", "text/csv", {}))
    assert "SDMX-ML 3.0 and SDMX-JSON 2.0" in raised.value.message
    assert all(f.media_type in raised.value.message for f in HISTORY_FORMATS)


@pytest.mark.parametrize(("api", "kind", "accept", "chosen"), [
    ("v1", "data", None, "generic-ml21"),
    ("v2", "data", None, "data-json20"),
    ("v1", "structure", None, "structure-ml21"),
    ("v2", "structure", None, "structure-json20"),
    ("v1", "data", "application/xml", "generic-ml21"),
    ("v2", "data", "text/xml", "data-ml30"),
    ("v1", "structure", "application/xml", "structure-ml21"),
    ("v2", "structure", "application/xml", "structure-ml30"),
    ("v1", "data", "application/json", "data-json10"),
    ("v2", "data", "application/json", "data-json20"),
    ("v1", "structure", "application/json", "structure-json20"),
    ("v1", "data", "text/csv", "data-csv10"),
    ("v2", "data", "text/csv", "data-csv20"),
    ("v2", "data", "application/vnd.sdmx.data+csv;version=1.0.0", "data-csv10"),
    ("v1", "data", "application/vnd.sdmx.genericdata+xml;version=2.1.0", "generic-ml21"),
])
def test_aliases_and_defaults_follow_the_server_preference(api: str, kind: str, accept: str | None,
                                                           chosen: str) -> None:
    assert negotiate(api, kind, accept, {}).format.id == chosen


@pytest.mark.parametrize(("api", "query", "chosen"), [
    ("v1", {"format": "jsondata"}, "data-json20"),  # the declared order, not the root's preference
    ("v1", {"format": "jsondata", "formatVersion": "1.0.0"}, "data-json10"),
    ("v2", {"format": "xml"}, "generic-ml21"),
    ("v2", {"format": "structurespecificdata", "formatVersion": "3.0.0"}, "data-ml30"),
    ("v2", {"format": "csv"}, "data-csv20"),
    ("v1", {"format": "sdmx-3.0"}, "data-ml30"),
])
def test_format_parameter(api: str, query: dict[str, str], chosen: str) -> None:
    assert negotiate(api, "data", "application/vnd.sdmx.data+json;version=2.0.0", query).format.id == chosen


def test_format_parameter_not_offered_is_406_naming_the_names() -> None:
    with pytest.raises(NotAcceptable) as raised:
        negotiate("v1", "structure", None, {"format": "csvdata"})
    assert "jsonstructure" in raised.value.message and "structure+xml" in raised.value.message


def test_csv_options_from_the_media_type_or_the_query() -> None:
    found = negotiate("v1", "data", "application/vnd.sdmx.data+csv;version=2.0.0;labels=name;timeFormat=normalized",
                      {})
    assert found.format.id == "data-csv20" and found.options == {"labels": "name", "time_format": "normalized"}
    assert negotiate("v1", "data", "text/csv;labels=name", {"labels": "both"}).options["labels"] == "both"
    assert negotiate("v1", "data", None, {}).options == {}
    with pytest.raises(BadRequest):  # labels=name is SDMX-CSV 2.0 only
        negotiate("v1", "data", "application/vnd.sdmx.data+csv;version=1.0.0;labels=name", {})
    with pytest.raises(BadRequest):
        negotiate("v1", "data", "text/csv", {"timeFormat": "local"})


@pytest.mark.parametrize("fmt", [f for f in FORMATS if isinstance(f, DataFormat)], ids=lambda f: f.id)
def test_each_data_format_writes_with_its_declared_writer(fmt: DataFormat) -> None:
    message = build_message()
    written = b"".join(Negotiated(fmt, {"labels": "id", "time_format": "original"} if fmt.labels else {})
                       .write_data(message))
    assert written == b"".join(DIRECT[fmt.id](build_message()))
    with pytest.raises(ValueError, match="not a structure format"):
        Negotiated(fmt).write_structure(StructureResult(()), StructureHeader("IREF1", PREPARED, "MPR"))


@pytest.mark.parametrize("fmt", [f for f in FORMATS if isinstance(f, StructureFormat)], ids=lambda f: f.id)
def test_structure_formats_refuse_data(fmt: StructureFormat) -> None:
    with pytest.raises(ValueError, match="not a data format"):
        Negotiated(fmt).write_data(build_message())


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_errors_take_the_family_of_the_negotiated_format(fmt: DataFormat | StructureFormat) -> None:
    body, media_type = error_message(fmt, 100, "nothing", PREPARED)
    assert body == render_error(fmt.error, 100, "nothing", PREPARED)
    assert media_type == ("text/plain; charset=utf-8" if fmt.error == "csv" else fmt.media_type)
