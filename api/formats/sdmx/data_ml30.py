"""SDMX-ML 3.0 StructureSpecificData, streamed (SDMX 3.0 Section 3A ``SDMXDataStructureSpecific.xsd``).

As in SDMX-ML 2.1 (Section 3B), components are unqualified XML attributes and the data set is typed
``ns1:DataSetType`` in the namespace ``{dataflow URN}:ObsLevelDim:{dimension}``. What differs from 2.1:
the header references the dataflow by URN text (``<com:StructureUsage>urn:…</com:StructureUsage>``),
and the data set has no ``dataScope``. A missing OBS_VALUE is written ``NaN``. With includeHistory there is
one data set per version, each with ``validFromDate`` and (unless current) ``validToDate``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from api.formats.sdmx.data_ml21 import (
    NS_XSI,
    ChunkBuffer,
    check_observation_dimensions,
    header_xml,
    observation_dimension,
    ss_body,
    structure_id,
    structure_namespace,
    xml_attr,
    xml_datetime,
    xml_text,
)
from api.formats.sdmx.spec import DataFormat
from api.formats.spec import XML_ALIASES
from api.model.sdmx import DataMessage

_BASE_30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0"
NS30 = {
    "mes": f"{_BASE_30}/message",
    "com": f"{_BASE_30}/common",
    "ss": f"{_BASE_30}/data/structurespecific",
}


def _structure_30(message: DataMessage) -> str:
    return (
        f'<mes:Structure structureID="{structure_id(message.structure)}" '
        f'namespace="{xml_attr(structure_namespace(message))}" '
        f'dimensionAtObservation="{xml_attr(observation_dimension(message))}">'
        f"<com:StructureUsage>{xml_text(message.structure.dataflow_urn)}</com:StructureUsage>"
        "</mes:Structure>"
    )


def write_ml30(message: DataMessage) -> Iterator[bytes]:
    """SDMX-ML 3.0 StructureSpecificData (``application/vnd.sdmx.data+xml;version=3.0.0``)."""
    check_observation_dimensions(message)
    buffer = ChunkBuffer()
    buffer.add(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:StructureSpecificData xmlns:mes="{NS30["mes"]}" xmlns:com="{NS30["com"]}" '
        f'xmlns:ss="{NS30["ss"]}" xmlns:xsi="{NS_XSI}" xmlns:ns1="{xml_attr(structure_namespace(message))}">'
        + header_xml(message, _structure_30(message))
    )
    for version in message.history or (None,):
        validity = ""
        if version is not None:
            validity = f' ss:validFromDate="{xml_datetime(version.valid_from)}"'
            if version.valid_to is not None:
                validity += f' ss:validToDate="{xml_datetime(version.valid_to)}"'
        buffer.add(f'<mes:DataSet ss:structureRef="{structure_id(message.structure)}" '
                   f'ss:action="{xml_attr(message.action)}"{validity} xsi:type="ns1:DataSetType">')
        yield from ss_body(message if version is None else replace(message, series=version.series), buffer)
        buffer.add("</mes:DataSet>")
    buffer.add("</mes:StructureSpecificData>")
    yield buffer.take()


DATA_ML30 = DataFormat(
    id="data-ml30", media_type="application/vnd.sdmx.data+xml;version=3.0.0", title="SDMX-ML 3.0",
    names=("structurespecificdata", "xml", "sdmx-3.0"), aliases=XML_ALIASES, error="ml30",
    history=True, write=lambda message, _options: write_ml30(message))
