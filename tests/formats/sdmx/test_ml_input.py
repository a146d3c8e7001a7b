"""SDMX-ML data submissions (SDMX-ML 2.1 GenericData / StructureSpecificData, SDMX-ML 3.0): records, lines, refusals."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.errors import InputFileError
from api.formats.sdmx import data_ml21 as sdmx_data_ml21
from api.formats.sdmx import data_ml30 as sdmx_data_ml30
from api.formats.sdmx.ml_input import read_sdmx_ml, read_sdmx_ml_bytes
from api.formats.submission_input import read_submission
from api.formats.tabular.template import read_csv_bytes
from api.model.sdmx import DataMessage, Observation, Series
from api.model.structure import ATTRIBUTES, COMPONENTS, DATAFLOW_REF, DIMENSIONS
from api.model.submission import InputLimits, ObservationRecord
from api.services.registry import Registry
from tests.read.conftest import row
from tests.services.samples import HEADER
from tests.submissions.test_upload import world

__all__ = ["world"]

Writer = Callable[[DataMessage], Iterator[bytes]]
WRITERS: dict[str, Writer] = {
    "generic-2.1": sdmx_data_ml21.write_generic_ml21,
    "structurespecific-2.1": sdmx_data_ml21.write_structure_specific_ml21,
    "structurespecific-3.0": sdmx_data_ml30.write_ml30,
}
FORMATS = {"generic-2.1": "sdmx-ml-2.1-generic", "structurespecific-2.1": "sdmx-ml-2.1-structurespecific",
           "structurespecific-3.0": "sdmx-ml-3.0-structurespecific"}
MES21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message"
COM21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common"
GEN21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/generic"
SPECIMENS = "sdmx-specimens"


def _csv_records() -> list[ObservationRecord]:
    """Template rows with an escaped comment, a confidential empty value and a second area."""
    text = "\n".join([
        HEADER,
        row("DEU", "2019", "15000000"),
        row("DEU", "2020", "15762457", comment='census & register: "<final>"\tsee note'),
        row("FRA", "2020", "", conf="C"),
        row("DEU", "2018", "14800000", sex="F", status="E"),
    ]) + "\n"
    return read_csv_bytes(text.encode("utf-8"), "rows.csv").records


def _message(records: list[ObservationRecord], observation_dimensions: tuple[str, ...]) -> DataMessage:
    """A data message as the SDMX data service builds it, from records."""
    series_dimensions = [d for d in DIMENSIONS if d not in observation_dimensions]
    grouped: dict[tuple[str, ...], list[Observation]] = defaultdict(list)
    for record in records:
        c = record.cells
        grouped[tuple(c[d] for d in series_dimensions)].append(Observation(
            tuple(c[d] for d in observation_dimensions), c["OBS_VALUE"] or None,
            {a: c[a] for a in ATTRIBUTES if c.get(a)}))

    def series() -> Iterator[Series]:
        return iter([Series(key, tuple(obs)) for key, obs in sorted(grouped.items())])

    return DataMessage(id="ROUNDTRIP", prepared=datetime(2024, 5, 1, tzinfo=UTC), series=series,
                       observation_dimensions=observation_dimensions)


def _cells(records: list[ObservationRecord]) -> list[list[tuple[str, str]]]:
    return sorted(sorted(r.cells.items()) for r in records)


@pytest.mark.parametrize("writer", sorted(WRITERS))
@pytest.mark.parametrize("at_observation", [("TIME_PERIOD",), DIMENSIONS, ("REF_AREA",)],
                         ids=["time-series", "AllDimensions", "cross-section"])
def test_our_own_sdmx_ml_reads_back_as_the_csv_records(writer: str, at_observation: tuple[str, ...]) -> None:
    records = _csv_records()
    data = b"".join(WRITERS[writer](_message(records, at_observation)))
    parsed = read_sdmx_ml_bytes(data, "ours.xml")
    assert parsed.format == FORMATS[writer] and parsed.problems == ()
    assert _cells(parsed.records) == _cells(records)
    assert all(set(r.cells) == set(COMPONENTS) for r in parsed.records)  # the cells of one template row


GENERIC = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand -->
<mes:GenericData xmlns:mes="{MES21}" xmlns:com="{COM21}" xmlns:gen="{GEN21}">
  <mes:Header>
    <mes:ID>HAND</mes:ID><mes:Test>false</mes:Test><mes:Prepared>2024-01-01T00:00:00Z</mes:Prepared>
    <mes:Sender id="DESTATIS"/>
    <mes:Structure structureID="STR1" dimensionAtObservation="TIME_PERIOD">
      <com:StructureUsage><Ref agencyID="MPR" id="MIGRATION_PROFILE" version="1.0"/></com:StructureUsage>
    </mes:Structure>
  </mes:Header>
  <mes:DataSet structureRef="STR1" action="Replace">
    <gen:Attributes><gen:Value id="SOURCE_DETAIL" value="Mikrozensus"/></gen:Attributes>
    <gen:Group type="SeriesAttrs">
      <gen:GroupKey><gen:Value id="REF_AREA" value="DEU"/></gen:GroupKey>
      <gen:Attributes><gen:Value id="UNIT_MEASURE" value="PS"/><gen:Value id="UNIT_MULT" value="0"/></gen:Attributes>
    </gen:Group>
    <gen:Series>
      <gen:SeriesKey>
        <gen:Value id="FREQ" value="A"/><gen:Value id="REF_AREA" value="DEU"/>
        <gen:Value id="INDICATOR" value="STK_IMM"/><gen:Value id="COUNTERPART_AREA" value="_T"/>
        <gen:Value id="SEX" value="_T"/><gen:Value id="AGE" value="_T"/><gen:Value id="MIGRATION_STATUS" value="_Z"/>
      </gen:SeriesKey>
      <gen:Obs>
        <gen:ObsDimension value="2019"/>
        <gen:ObsValue value="15000000"/>
        <gen:Attributes><gen:Value id="OBS_STATUS" value="A"/><gen:Value id="CONF_STATUS" value="F"/></gen:Attributes>
      </gen:Obs>
      <gen:Obs>
        <gen:ObsDimension id="TIME_PERIOD" value="2020"/>
        <gen:ObsValue value="15762457"/>
        <gen:Attributes><gen:Value id="OBS_STATUS" value="A"/><gen:Value id="CONF_STATUS" value="F"/>
          <gen:Value id="SOURCE_DETAIL" value="Census"/></gen:Attributes>
      </gen:Obs>
    </gen:Series>
  </mes:DataSet>
</mes:GenericData>
"""


def test_rows_are_the_lines_of_the_obs_elements_and_attributes_are_inherited() -> None:
    parsed = read_sdmx_ml_bytes(GENERIC.encode(), "hand.xml")
    lines = GENERIC.splitlines()
    obs_lines = [n for n, line in enumerate(lines, start=1) if "<gen:Obs>" in line]
    assert [r.row for r in parsed.records] == obs_lines == [23, 28]
    first, second = (r.cells for r in parsed.records)
    assert first == {**dict.fromkeys(COMPONENTS, ""), "FREQ": "A", "REF_AREA": "DEU", "INDICATOR": "STK_IMM",
                     "COUNTERPART_AREA": "_T", "SEX": "_T", "AGE": "_T", "MIGRATION_STATUS": "_Z",
                     "TIME_PERIOD": "2019", "OBS_VALUE": "15000000", "UNIT_MEASURE": "PS", "UNIT_MULT": "0",
                     "OBS_STATUS": "A", "CONF_STATUS": "F", "SOURCE_DETAIL": "Mikrozensus"}
    assert (second["TIME_PERIOD"], second["SOURCE_DETAIL"]) == ("2020", "Census")  # the observation's own wins


def test_structure_specific_by_hand_with_groups_lines_and_unknown_components() -> None:
    ss = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific"
    ns = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MPR:MIGRATION_PROFILE(1.0):ObsLevelDim:TIME_PERIOD"
    text = f"""<?xml version="1.0"?>
<m:StructureSpecificData xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message"
    xmlns:c="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/common" xmlns:ss="{ss}"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:ns1="{ns}">
  <m:Header><m:ID>X</m:ID><m:Test>false</m:Test><m:Prepared>2024-01-01T00:00:00Z</m:Prepared><m:Sender id="S"/>
    <m:Structure structureID="S1" dimensionAtObservation="TIME_PERIOD">
      <c:StructureUsage>urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow=MPR:MIGRATION_PROFILE(1.0)</c:StructureUsage>
    </m:Structure></m:Header>
  <m:DataSet ss:structureRef="S1" ss:action="Delete" xsi:type="ns1:DataSetType" SOURCE_DETAIL="register">
    <Group xsi:type="ns1:G" REF_AREA="FRA" UNIT_MEASURE="PS"/>
    <Series FREQ="A" REF_AREA="FRA" INDICATOR="STK_IMM" COUNTERPART_AREA="_T" SEX="_T" AGE="_T" MIGRATION_STATUS="_Z">
      <Obs TIME_PERIOD="2020" OBS_VALUE="NaN" CONF_STATUS="C" PERSON_NAME="Jane Doe"/>
      <Obs TIME_PERIOD="2021" OBS_VALUE="8524876" CONF_STATUS="F"><Comp id="OBS_STATUS"><Value>A</Value></Comp></Obs>
    </Series>
  </m:DataSet>
</m:StructureSpecificData>"""
    parsed = read_sdmx_ml_bytes(text.encode(), "ss.xml")
    assert parsed.format == "sdmx-ml-3.0-structurespecific"
    assert [r.row for r in parsed.records] == [12, 13]
    first, second = (r.cells for r in parsed.records)
    assert (first["OBS_VALUE"], first["UNIT_MEASURE"], first["SOURCE_DETAIL"], first["CONF_STATUS"]) == (
        "", "PS", "register", "C")
    assert (second["OBS_VALUE"], second["OBS_STATUS"]) == ("8524876", "A")
    by_rule = {p.rule: p for p in parsed.problems}
    assert set(by_rule) == {"closed", "structure"}
    closed = by_rule["closed"]
    assert (closed.row, closed.column, closed.value) == (12, "PERSON_NAME", "Jane Doe")
    assert "aggregates only" in closed.message
    assert by_rule["structure"].row == 9 and "Delete" in by_rule["structure"].message


def test_the_validation_report_points_to_the_obs_line(registry: Registry) -> None:
    bad = GENERIC.replace('<gen:Value id="SEX" value="_T"/>', '<gen:Value id="SEX" value="Q"/>')
    report = registry.validator.validate(read_sdmx_ml_bytes(bad.encode(), "bad.xml"))
    sex = [p for p in report.results if p.column == "SEX" and p.severity == "Violation"]
    assert sex and {p.row for p in sex} == {23, 28} and {p.value for p in sex} == {"Q"}
    assert registry.validator.validate(read_sdmx_ml_bytes(GENERIC.encode(), "good.xml")).conforms


def test_read_submission_picks_sdmx_ml_for_xml(tmp_path: Path) -> None:
    path = tmp_path / "data.XML"
    path.write_text(GENERIC, encoding="utf-8")
    parsed = read_submission(path)
    assert parsed.format == "sdmx-ml-2.1-generic" and len(parsed.records) == 2 and parsed.size == path.stat().st_size
    with pytest.raises(InputFileError, match=r"above the upload limit"):
        read_submission(path, InputLimits(max_bytes=100))
    pdf = tmp_path / "data.pdf"
    pdf.write_bytes(b"%PDF")
    with pytest.raises(InputFileError, match=r"SDMX-ML .*\(\.xml\)"):
        read_submission(pdf)


@pytest.mark.parametrize("document", [
    '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>',
    '<?xml version="1.0"?>\n<!-- a comment first -->\n<!DOCTYPE mes:GenericData SYSTEM "http://127.0.0.1:9/x.dtd">'
    "\n<x/>",
    "<!doctype x><x/>",
], ids=["internal-subset", "external-dtd", "lower-case"])
def test_any_doctype_is_refused(document: str) -> None:
    with pytest.raises(InputFileError) as refused:
        read_sdmx_ml_bytes(document.encode(), "evil.xml")
    message = refused.value.message
    line = next(n for n, text in enumerate(document.splitlines(), start=1) if "doctype" in text.lower())
    assert message.startswith(f"evil.xml: line {line}: ") and "SDMX-ML never needs a DOCTYPE" in message
    assert "external entities and DTDs are refused" in message and "Remove" in message
    assert refused.value.status == 400


def test_a_doctype_in_utf16_is_refused_too() -> None:
    document = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e "boom">]>\n<x>&e;</x>'
    for data in (document.encode("utf-16"), document.encode("utf-16-be")):
        with pytest.raises(InputFileError, match="never needs a DOCTYPE"):
            read_sdmx_ml_bytes(data, "evil.xml")


@pytest.mark.parametrize(("data", "expected"), [
    (b"STRUCTURE,STRUCTURE_ID\ndataflow,MPR:MIGRATION_PROFILE(1.0)\n",
     r"not\.xml: line 1, column 1: not well-formed XML"),
    (b'<?xml version="1.0"?>\n<a>\n<b></a>', r"not\.xml: line 3, column \d+: not well-formed XML"),
    (b"  \n", r"not\.xml: the file is empty"),
    (b"<html><body>hi</body></html>", r"not\.xml: line 1: not an SDMX-ML message: its root element is <html>"),
], ids=["csv", "broken", "empty", "html"])
def test_not_xml_or_not_sdmx_names_the_file_and_line(data: bytes, expected: str) -> None:
    with pytest.raises(InputFileError, match=expected) as refused:
        read_sdmx_ml_bytes(data, "not.xml")
    assert "SDMX-ML" in refused.value.message


@pytest.mark.parametrize(("specimen", "line", "reference"), [
    ("WB/gh-78.xml", 22, "DataStructure WBG_WITS:TARIFF_TRAINS(1.1)"),
    ("ESTAT/NAMA_10_GDP-ss.xml", 8, "Dataflow ESTAT:NAMA_10_GDP(1.0)"),
    ("v3/xml/ECB_EXR_CA.xml", 9, "Dataflow ECB:EXR(1.0)"),
    ("ECB_EXR/ng-ts.xml", 8, "DataStructure ECB:ECB_EXR_NG(1.0)"),
    ("ECB_EXR/1/M.USD.EUR.SP00.A.xml", 7, "DataStructure ECB:ECB_EXR1(1.0)"),
])
def test_real_data_messages_for_other_dataflows_are_refused(shared_data: Path, specimen: str, line: int,
                                                             reference: str) -> None:
    path = shared_data / SPECIMENS / specimen
    with pytest.raises(InputFileError) as refused:
        read_sdmx_ml(path)
    assert refused.value.message.startswith(f"{path.name}: line {line}: the message is for {reference}, not "
                                            f"{DATAFLOW_REF}")
    assert "Map the data to MIGRATION_PROFILE" in refused.value.message


@pytest.mark.parametrize(("specimen", "expected"), [
    ("ESTAT/CL_FREQ.xml", "line 3: an SDMX-ML structure message"),
    ("UNSD/codelist_partial.xml", "line 4: an SDMX-ML structure message"),
    ("ESTAT/esms.xml", "line 2: an SDMX-ML GenericMetadata message, not a data message"),
])
def test_structure_and_metadata_messages_are_not_data(shared_data: Path, specimen: str, expected: str) -> None:
    path = shared_data / SPECIMENS / specimen
    with pytest.raises(InputFileError) as refused:
        read_sdmx_ml(path)
    assert refused.value.message.startswith(f"{path.name}: {expected}")
    assert "upload an SDMX-ML data message for MPR:MIGRATION_PROFILE" in refused.value.message


def test_a_header_without_structure_or_a_dangling_structure_ref_is_refused() -> None:
    no_structure = GENERIC.replace('<mes:Structure structureID="STR1"', '<mes:Other structureID="STR1"').replace(
        "</mes:Structure>", "</mes:Other>")
    with pytest.raises(InputFileError, match=r"line 4: the header has no mes:Structure"):
        read_sdmx_ml_bytes(no_structure.encode(), "h.xml")
    with pytest.raises(InputFileError, match=r"line 11: the DataSet refers to structure 'OTHER'"):
        read_sdmx_ml_bytes(GENERIC.replace('structureRef="STR1"', 'structureRef="OTHER"').encode(), "h.xml")


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("media_type", ["application/vnd.sdmx.genericdata+xml; version=2.1",
                                        "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
                                        "application/vnd.sdmx.data+xml;version=3.0.0", "application/xml",
                                        "text/xml"])
def test_sdmx_ml_upload_over_http(world: tuple[TestClient, dict[str, str]], media_type: str) -> None:
    client, tokens = world
    writer = {"genericdata": "generic-2.1", "structurespecificdata": "structurespecific-2.1"}.get(
        media_type.split("vnd.sdmx.")[-1].split("+")[0], "structurespecific-3.0")
    records = [r for r in _csv_records() if r.cells["REF_AREA"] == "DEU"]
    body = b"".join(WRITERS[writer](_message(records, ("TIME_PERIOD",))))
    stored = client.post("/api/submissions", params={"dataset": "DEU_STOCK", "source": "Census"}, content=body,
                         headers={**_auth(tokens["DESTATIS"]), "Content-Type": media_type})
    assert stored.status_code == 201, stored.text
    assert (stored.json()["observations"], stored.json()["conforms"]) == (3, True)
    served = client.get("/api/observations", params={"area": "DEU"}).json()
    assert served["total"] == 3


def test_sdmx_ml_multipart_upload_with_violations_names_the_line(world: tuple[TestClient, dict[str, str]]) -> None:
    client, tokens = world
    bad = GENERIC.replace('<gen:ObsValue value="15000000"/>', '<gen:ObsValue value="-5"/>')
    answer = client.post("/api/submissions", headers=_auth(tokens["DESTATIS"]),
                         files={"file": ("stock.xml", bad.encode(), "application/octet-stream")},
                         data={"dataset": "DEU_STOCK", "source": "Census"})
    assert answer.status_code == 422, answer.text
    results = answer.json()["error"]["details"]["report"]["results"]
    assert {(r["row"], r["column"]) for r in results if r["severity"] == "Violation"} == {(23, "OBS_VALUE")}
    assert client.get("/api/observations").json()["total"] == 0
