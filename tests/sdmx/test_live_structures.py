"""SDMX structures and availability over a live server with real data, read by sdmx1 and pysdmx unchanged."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
import sdmx
from lxml import etree
from pysdmx.api.fmr import RegistryClient

from api.services.registry import open_registry
from api.store.queries import load_query
from tests.formats.sdmx.structure_checks import SAFE, assert_valid_structure
from tests.sdmx.conftest import LiveServer

STRUCTURE_TYPES = {
    "structure-ml21": "application/vnd.sdmx.structure+xml;version=2.1",
    "structure-ml30": "application/vnd.sdmx.structure+xml;version=3.0.0",
    "structure-json20": "application/vnd.sdmx.structure+json;version=2.0.0",
}
DSD_LISTS = {"CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_SEX", "CL_AGE", "CL_MIGRATION_STATUS", "CL_UNIT_MEASURE",
             "CL_UNIT_MULT", "CL_OBS_STATUS", "CL_CONF_STATUS"}


def get(live: LiveServer, path: str, **kw: object) -> httpx.Response:
    return httpx.get(live.url + path, timeout=60, **kw)  # type: ignore[arg-type]


def public_facts(live: LiveServer) -> tuple[int, set[str]]:
    """The number of public observations and the areas they cover, straight from the store."""
    registry = open_registry(live.settings, read_only=True)
    try:
        rows = registry.store.select(load_query("export/observations"), default_graphs=registry.public_graphs())
    finally:
        registry.close()
    areas = {r["REF_AREA"].value.rsplit("/", 1)[-1] for r in rows if r["REF_AREA"] is not None}
    return len(rows), areas


@pytest.fixture
def sdmx1_client(live: LiveServer) -> sdmx.Client:
    sdmx.add_source({"id": "MPR", "url": f"{live.url}/sdmx/v1", "name": "Migration Profile Registry",
                     "supports": {"availableconstraint": True}}, override=True)
    return sdmx.Client("MPR")


# -- sdmx1, unchanged -----------------------------------------------------------------------------

def test_sdmx1_dataflow_list_and_dataflow_with_everything_it_needs(sdmx1_client: sdmx.Client) -> None:
    flows = sdmx1_client.dataflow()
    assert list(flows.dataflow) == ["MIGRATION_PROFILE"]
    message = sdmx1_client.dataflow("MIGRATION_PROFILE")  # sent with references=all
    assert set(message.codelist) == DSD_LISTS
    assert list(message.concept_scheme) == ["CS_MIGRATION_PROFILE"]
    assert list(message.constraint) == ["MIGRATION_PROFILE"]
    dsd = message.structure["MIGRATION_PROFILE"]
    assert [d.id for d in dsd.dimensions][-1] == "TIME_PERIOD"


def test_sdmx1_datastructure_and_codelist(sdmx1_client: sdmx.Client) -> None:
    dsd = sdmx1_client.datastructure("MIGRATION_PROFILE").structure["MIGRATION_PROFILE"]
    assert dsd.dimensions.get("REF_AREA").local_representation.enumerated.id == "CL_AREA"
    sex = sdmx1_client.codelist("CL_SEX").codelist["CL_SEX"]
    assert {c.id for c in sex} == {"_T", "F", "M", "_U", "_Z"}
    assert sex["M"].name.localizations["es"] == "Hombres"


def test_sdmx1_data_with_a_dict_key_uses_the_structure(live: LiveServer, sdmx1_client: sdmx.Client) -> None:
    """A dict key makes sdmx1 fetch the dataflow and DSD first, then build the key from its dimensions."""
    message = sdmx1_client.data("MIGRATION_PROFILE", key={"REF_AREA": ["DEU", "FRA"], "INDICATOR": ["STK_IMM"]},
                                params={"startPeriod": "2000"})
    frame = sdmx.to_pandas(message)
    assert len(frame) > 0
    assert set(frame.index.get_level_values("REF_AREA")) == {"DEU", "FRA"}


def test_sdmx1_reads_availability(sdmx1_client: sdmx.Client) -> None:
    message = sdmx1_client.availableconstraint("MIGRATION_PROFILE", key="A.DEU.....", force=True)
    constraint = message.constraint["MIGRATION_PROFILE"]
    region = constraint.data_content_region[0]
    values = {dim.id: {v.value for v in member.values} for dim, member in region.member.items()
              if dim.id != "TIME_PERIOD"}
    assert values["REF_AREA"] == {"DEU"} and values["FREQ"] == {"A"}


# -- pysdmx, unchanged -----------------------------------------------------------------------------

def test_pysdmx_registry_client(live: LiveServer) -> None:
    client = RegistryClient(f"{live.url}/sdmx/v2")
    codes = client.get_codes("MPR", "CL_SEX", "1.0")
    assert codes.id == "CL_SEX" and {c.id for c in codes.codes} == {"_T", "F", "M", "_U", "_Z"}
    (flow,) = client.get_dataflows("MPR")
    assert flow.id == "MIGRATION_PROFILE" and flow.structure.endswith("DataStructure=MPR:MIGRATION_PROFILE(1.0)")
    (dsd,) = client.get_data_structures("MPR", "MIGRATION_PROFILE", "1.0")
    area = dsd.components["REF_AREA"]
    assert area.enumeration is not None and "DEU" in {c.id for c in area.enumeration}


def test_pysdmx_dataflow_details_counts_what_the_store_holds(live: LiveServer) -> None:
    details = RegistryClient(f"{live.url}/sdmx/v2").get_dataflow_details("MPR", "MIGRATION_PROFILE", "1.0")
    observations, _ = public_facts(live)
    assert details.obs_count == observations
    assert [c.id for c in details.components.dimensions][:2] == ["FREQ", "REF_AREA"]


# -- every response validates ---------------------------------------------------------------------

STRUCTURE_PATHS = (
    "/sdmx/v1/dataflow/MPR/MIGRATION_PROFILE/latest?references=all",
    "/sdmx/v1/datastructure/all/all/latest?references=children&detail=referencestubs",
    "/sdmx/v1/codelist/MPR/CL_AREA/1.0/DEU+FRA",
    "/sdmx/v1/contentconstraint",
    "/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.DEU.....?mode=available",
    "/sdmx/v2/structure/dataflow/MPR/MIGRATION_PROFILE/~?references=all&detail=referencepartial",
    "/sdmx/v2/structure/*/*/*/*?detail=allstubs",
    "/sdmx/v2/structure/codelist/MPR/CL_SEX/+/?references=parents",
    "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/*/A.DEU/*?references=all",
    "/sdmx/v2/schema/dataflow/MPR/MIGRATION_PROFILE/1.0",
)


@pytest.mark.parametrize("path", STRUCTURE_PATHS)
@pytest.mark.parametrize("format_id", sorted(STRUCTURE_TYPES))
def test_every_structure_response_validates(live: LiveServer, path: str, format_id: str) -> None:
    response = get(live, path, headers={"Accept": STRUCTURE_TYPES[format_id]})
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"] == STRUCTURE_TYPES[format_id]
    assert response.headers["etag"] and "Accept" in response.headers["vary"]
    assert_valid_structure(response.content, format_id)


@pytest.mark.parametrize(("root", "accept", "expected"), [
    ("v1", None, "structure-ml21"),
    ("v1", "*/*", "structure-ml21"),
    ("v1", "application/xml", "structure-ml21"),
    ("v1", "application/vnd.sdmx.structure+json;version=2.0.0", "structure-json20"),
    ("v2", None, "structure-json20"),
    ("v2", "application/xml", "structure-ml30"),
    ("v2", "application/vnd.sdmx.structure+xml;version=2.1, */*;q=0.1", "structure-ml21"),
    ("v1", "application/vnd.sdmx.genericdata+xml;version=2.1", None),
])
def test_structure_accept_table(live: LiveServer, root: str, accept: str | None, expected: str | None) -> None:
    path = "/sdmx/v1/codelist/MPR/CL_FREQ" if root == "v1" else "/sdmx/v2/structure/codelist/MPR/CL_FREQ"
    response = get(live, path, headers={"Accept": accept} if accept else {})
    if expected is None:
        assert response.status_code == 406
        assert "structure+xml" in response.text
        return
    assert response.status_code == 200
    assert response.headers["content-type"] == STRUCTURE_TYPES[expected]


@pytest.mark.parametrize(("path", "status"), [
    ("/sdmx/v1/codelist/MPR/CL_NOPE", 404),
    ("/sdmx/v1/codelist/MPR/CL_SEX/latest/XX", 404),
    ("/sdmx/v1/codelist/MPR/CL_SEX/latest?references=cousins", 400),
    ("/sdmx/v1/dataflow/MPR/MIGRATION_PROFILE/latest/A", 400),
    ("/sdmx/v2/structure/widget", 400),
    ("/sdmx/v2/structure/hierarchy", 404),
    ("/sdmx/v2/schema/provisionagreement/MPR/X/1.0", 404),
    ("/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/*/A.ATA", 404),
    ("/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/*/*?mode=some", 400),
])
def test_structure_errors(live: LiveServer, path: str, status: int) -> None:
    response = get(live, path)
    assert response.status_code == status
    assert "rror" in response.text  # an SDMX error message, never a stack trace


# -- what the answers say --------------------------------------------------------------------------

def _region(body: bytes) -> dict[str, set[str]]:
    doc = json.loads(body)
    (constraint,) = doc["data"]["dataConstraints"]
    return {kv["id"]: {v["value"] for v in kv.get("values", [])} for kv in constraint["cubeRegions"][0]["keyValues"]}


def test_availability_exact_and_available(live: LiveServer) -> None:
    base = "/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/*/A.DEU.STK_IMM"
    exact = _region(get(live, base).content)
    available = _region(get(live, base + "?mode=available").content)
    assert exact["REF_AREA"] == {"DEU"} and exact["INDICATOR"] == {"STK_IMM"}
    assert {"DEU", "FRA"} <= available["REF_AREA"]  # other areas still selectable
    assert len(available["INDICATOR"]) > 1


def test_referencepartial_code_lists_hold_the_codes_with_data(live: LiveServer) -> None:
    _, areas = public_facts(live)
    doc = get(live, "/sdmx/v2/structure/dataflow/MPR/MIGRATION_PROFILE/1.0?references=all"
                    "&detail=referencepartial").json()
    area_list = next(c for c in doc["data"]["codelists"] if c["id"] == "CL_AREA")
    codes = {c["id"] for c in area_list["codes"]}
    assert area_list["isPartial"] is True
    assert areas <= codes < {c["id"] for c in get(live, "/sdmx/v2/structure/codelist/MPR/CL_AREA").json()[
        "data"]["codelists"][0]["codes"]}


def test_ml21_names_in_every_language(live: LiveServer) -> None:
    root = etree.fromstring(get(live, "/sdmx/v1/codelist/MPR/CL_SEX").content, SAFE)
    com = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common}"
    names = {e.get("{http://www.w3.org/XML/1998/namespace}lang"): e.text for e in root.iter(f"{com}Name")
             if e.getparent().get("id") == "F"}
    assert names == {"en": "Female", "fr": "Féminin", "es": "Mujeres"}


def test_csv_labels_come_from_the_code_lists(live: LiveServer) -> None:
    response = get(live, "/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....?lastNObservations=1",
                   headers={"Accept": "application/vnd.sdmx.data+csv;version=1.0.0;labels=both",
                            "Accept-Language": "fr"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    column = next(k for k in rows[0] if k.startswith("REF_AREA: "))
    assert {r[column] for r in rows} == {"DEU: Allemagne"}
    assert rows[0]["DATAFLOW"] == "MPR:MIGRATION_PROFILE(1.0): Profils migratoires"


def test_sdmx1_reads_sdmx_csv_with_the_structure_it_fetched(live: LiveServer, sdmx1_client: sdmx.Client) -> None:
    """sdmx1 reads only SDMX-CSV 2.0, and only given the DSD; its Accept must be set per source (it sends */*).
    Its to_pandas fails on CSV-read data sets (an sdmx1 limitation), so the observations are read directly."""
    dsd = sdmx1_client.dataflow("MIGRATION_PROFILE").structure["MIGRATION_PROFILE"]
    sdmx.add_source({"id": "MPR_CSV", "url": f"{live.url}/sdmx/v1", "name": "Migration Profile Registry (CSV)",
                     "data_content_type": "CSV",
                     "headers": {"data": {"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"}}}, override=True)
    message = sdmx.Client("MPR_CSV").data("MIGRATION_PROFILE", key={"REF_AREA": ["DEU"], "INDICATOR": ["STK_IMM"]},
                                          params={"startPeriod": "2000"}, dsd=dsd)
    got = {(o.key["TIME_PERIOD"].value, o.key["SEX"].value): float(o.value) for o in message.data[0].obs}
    xml = sdmx.to_pandas(sdmx1_client.data("MIGRATION_PROFILE", key="A.DEU.STK_IMM....",
                                           params={"startPeriod": "2000"}))
    expected = {(str(i[xml.index.names.index("TIME_PERIOD")]), i[xml.index.names.index("SEX")]): float(v)
                for i, v in xml.items()}
    assert got and got == expected


def test_structure_answers_are_kept_by_etag(live: LiveServer) -> None:
    """The same structure request gets the same message (built once); another format is another answer."""
    path = "/sdmx/v1/codelist/MPR/CL_SEX/1.0"
    first, second = get(live, path), get(live, path)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    header = etree.fromstring(first.content).find(".//{*}Header/{*}ID")
    assert header is not None and header.text and header.text.startswith("IREF")
    other = get(live, path, headers={"Accept": "application/vnd.sdmx.structure+json;version=2.0.0"})
    assert other.headers["etag"] != first.headers["etag"] and other.content != first.content
