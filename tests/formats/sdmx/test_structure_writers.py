"""SDMX structures from the vocabulary: the catalogue, the three writers, schemas, clients, golden files.

The registry here is in memory with the vocabulary only (no data, so no actual constraint); the live tests
in tests/sdmx_api cover constraints and HTTP.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sdmx
from lxml import etree
from pysdmx.io import read_sdmx
from pysdmx.model import Codelist, DataStructureDefinition

from api.formats.sdmx.structure_json import write_structure_json
from api.formats.sdmx.structure_ml import write_structure_ml
from api.model.sdmx_structure import StructureResult
from api.model.sdmx_structure_query import StructureQuery
from api.model.structure import DIMENSIONS
from api.model.structure import PUBLISHED_ATTRIBUTES as ATTRIBUTES  # the DSD's, DATASET included
from api.services.registry import Registry
from api.services.sdmx import structures as sdmx_structures
from tests.formats.sdmx.structure_checks import SAFE, assert_valid_structure

GOLDEN = Path(__file__).parent / "golden"
PREPARED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FORMATS = ("structure-ml21", "structure-ml30", "structure-json20")
DETAILS = ("full", "allstubs", "referencestubs", "referencepartial", "allcompletestubs", "referencecompletestubs")
COMMON21 = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}"
STRUCTURE21 = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"


def render(result: StructureResult, format_id: str) -> bytes:
    if format_id == "structure-json20":
        return write_structure_json(result, message_id="IREF000001", prepared=PREPARED, sender="MPR")
    version = "2.1" if format_id == "structure-ml21" else "3.0"
    return write_structure_ml(result, version, message_id="IREF000001", prepared=PREPARED, sender="MPR")


def everything(registry: Registry, detail: str = "full") -> StructureResult:
    return sdmx_structures.structures(registry, StructureQuery(types=("dataflow",), references="all", detail=detail))


# -- the catalogue -------------------------------------------------------------------------------

def test_catalogue_is_read_from_the_vocabulary(registry: Registry) -> None:
    cat = sdmx_structures.catalogue(registry)
    assert [str(f.ref) for f in cat.dataflows] == ["dataflow=MPR:MIGRATION_PROFILE(1.0)"]
    dsd = cat.datastructures[0]
    assert tuple(c.id for c in dsd.components) == (*DIMENSIONS, "OBS_VALUE", *ATTRIBUTES)
    assert [c.role for c in dsd.components][:8] == ["dimension"] * 7 + ["time"]
    required = {c.id for c in dsd.components if c.role == "attribute" and c.required}
    assert required == {"UNIT_MEASURE", "CONF_STATUS"}
    lists = {cl.ref.id: cl for cl in cat.codelists}
    assert set(lists) == {"CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_SEX", "CL_AGE", "CL_MIGRATION_STATUS",
                          "CL_UNIT_MEASURE", "CL_UNIT_MULT", "CL_OBS_STATUS", "CL_CONF_STATUS"}
    sex = {i.id: i for i in lists["CL_SEX"].items}
    assert set(sex) == {"_T", "F", "M", "_U", "_Z"}
    assert sex["F"].parent == "_T" and sex["F"].names["fr"] == "Féminin"
    assert len(lists["CL_INDICATOR"].items) == len(registry.catalogue.indicators)
    ages = [i.id for i in lists["CL_AGE"].items]
    assert ages.index("Y5T9") < ages.index("Y10T14")  # natural order, not string order
    concepts = [i.id for i in cat.conceptschemes[0].items]
    assert concepts == [c.id for c in dsd.components]
    assert {i.id: i for i in cat.conceptschemes[0].items}["MIGRATION_STATUS"].names["es"] == "Condición migratoria"


def test_code_and_component_names_feed_data_labels(registry: Registry) -> None:
    cat = sdmx_structures.catalogue(registry)
    assert cat.code_names("fr")["REF_AREA"]["DEU"] == "Allemagne"
    assert cat.code_names("en")["SEX"]["F"] == "Female"
    assert cat.component_names("en")["REF_AREA"] == "Reference area"


# -- schemas and clients -------------------------------------------------------------------------

@pytest.mark.parametrize("detail", DETAILS)
@pytest.mark.parametrize("format_id", FORMATS)
def test_every_detail_validates_against_the_official_schema(registry: Registry, format_id: str,
                                                           detail: str) -> None:
    assert_valid_structure(render(everything(registry, detail), format_id), format_id)


def test_item_query_message_validates(registry: Registry) -> None:
    result = sdmx_structures.structures(registry, StructureQuery(types=("codelist",), ids=("CL_AREA",),
                                                                 items=("DEU", "FRA")))
    for format_id in FORMATS:
        assert_valid_structure(render(result, format_id), format_id)


def test_sdmx1_reads_the_ml21_message_with_languages_and_hierarchy(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "structure.xml"
    path.write_bytes(render(everything(registry), "structure-ml21"))
    message = sdmx.read_sdmx(path)
    dsd = message.structure["MIGRATION_PROFILE"]
    assert [d.id for d in dsd.dimensions] == list(DIMENSIONS)
    assert {a.id for a in dsd.attributes} == set(ATTRIBUTES)
    sex = message.codelist["CL_SEX"]
    assert sex["F"].name.localizations == {"en": "Female", "fr": "Féminin", "es": "Mujeres"}
    assert sex["F"].parent.id == "_T"
    assert message.dataflow["MIGRATION_PROFILE"].structure.id == "MIGRATION_PROFILE"


@pytest.mark.parametrize("format_id", FORMATS)
def test_pysdmx_reads_every_format(registry: Registry, format_id: str) -> None:
    message = read_sdmx(render(everything(registry), format_id).decode("utf-8"), validate=True)
    structures = message.structures
    dsd = next(s for s in structures if isinstance(s, DataStructureDefinition))
    assert [c.id for c in dsd.components.dimensions] == list(DIMENSIONS)
    area = next(s for s in structures if isinstance(s, Codelist) and s.id == "CL_AREA")
    assert "DEU" in {c.id for c in area.codes}


def test_json_carries_all_languages_parents_and_positions(registry: Registry) -> None:
    doc = json.loads(render(everything(registry), "structure-json20"))
    sex = next(c for c in doc["data"]["codelists"] if c["id"] == "CL_SEX")
    female = next(c for c in sex["codes"] if c["id"] == "F")
    assert female["names"] == {"en": "Female", "es": "Mujeres", "fr": "Féminin"} and female["parent"] == "_T"
    dimensions = doc["data"]["dataStructures"][0]["dataStructureComponents"]["dimensionList"]["dimensions"]
    assert [(d["id"], d["position"]) for d in dimensions] == [(d, i) for i, d in enumerate(DIMENSIONS[:-1], 1)]
    assert dimensions[1]["localRepresentation"]["enumeration"].endswith("Codelist=MPR:CL_AREA(1.0)")


def test_ml_stubs_have_no_items_and_are_external_references(registry: Registry) -> None:
    root = etree.fromstring(render(everything(registry, "referencestubs"), "structure-ml21"), SAFE)
    flow = root.find(f".//{STRUCTURE21}Dataflow")
    area = next(e for e in root.iter(f"{STRUCTURE21}Codelist") if e.get("id") == "CL_AREA")
    assert flow is not None and flow.get("isExternalReference") == "false"  # the artefact asked for, in full
    assert area.get("isExternalReference") == "true" and area.find(f"{STRUCTURE21}Code") is None
    assert area.find(f"{COMMON21}Description") is None  # a stub, not a complete stub


def test_ml30_writes_only_parents_its_schema_allows(registry: Registry) -> None:
    root = etree.fromstring(render(everything(registry), "structure-ml30"), SAFE)
    structure30 = "{http://www.sdmx.org/resources/sdmxml/schemas/v3_0/structure}"
    parents = [p.text for p in root.iter(f"{structure30}Parent")]
    assert parents and all(p is not None and p[0].isalpha() for p in parents)


# -- golden files --------------------------------------------------------------------------------

def _normalised(body: bytes, format_id: str) -> bytes:
    if format_id == "structure-json20":
        return (json.dumps(json.loads(body), indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    return etree.tostring(etree.fromstring(body, SAFE), method="c14n")  # type: ignore[no-any-return]


@pytest.mark.parametrize("format_id", FORMATS)
def test_golden(registry: Registry, format_id: str) -> None:
    """CL_SEX with its data structure's concept scheme, per format (MPR_UPDATE_GOLDEN=1 rewrites them)."""
    result = sdmx_structures.structures(registry, StructureQuery(
        types=("codelist", "conceptscheme"), ids=("CL_SEX", "CS_MIGRATION_PROFILE")))
    body = _normalised(render(result, format_id), format_id)
    path = GOLDEN / f"{format_id}.{'json' if format_id.endswith('json20') else 'xml'}"
    if os.environ.get("MPR_UPDATE_GOLDEN") == "1":
        path.write_bytes(body)
    assert path.is_file(), f"{path} is missing: run with MPR_UPDATE_GOLDEN=1"
    assert body == path.read_bytes()
