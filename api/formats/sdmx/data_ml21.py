"""SDMX-ML 2.1 data messages, streamed: GenericData and StructureSpecificData.

Implements SDMX 2.1 Section 3A (SDMX-ML message schemas: ``SDMXMessage.xsd``, ``SDMXDataGeneric*.xsd``,
``SDMXDataStructureSpecific*.xsd``) and Section 3B (structure-specific schemas: the data set's namespace
is the structure URN followed by ``:ObsLevelDim:{dimension at observation}``, the data set element carries
``xsi:type="{ns}:DataSetType"``). A missing OBS_VALUE is written ``NaN`` (OBS_VALUE is an xs:double).

The helpers at the top (escaping, header pieces, chunk buffer) are shared with ``sdmx_data_ml30``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from api.formats.sdmx.spec import DataFormat
from api.formats.spec import XML_ALIASES
from api.model.sdmx import ALL_DIMENSIONS, DataMessage, Observation, StructureRef
from api.model.structure import MEASURE

NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_BASE_21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
NS21 = {
    "mes": f"{_BASE_21}/message",
    "com": f"{_BASE_21}/common",
    "gen": f"{_BASE_21}/data/generic",
    "ss": f"{_BASE_21}/data/structurespecific",
}
CHUNK_SIZE = 64 * 1024
MISSING_VALUE = "NaN"

# Characters XML 1.0 does not allow (§2.2), and lone surrogates that UTF-8 cannot carry.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_ENTITIES = {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def xml_text(value: str) -> str:
    """``value`` as XML character data (XML 1.0 §2.4): ``& < >`` escaped, forbidden characters replaced."""
    return escape(_NOT_XML.sub("\ufffd", value))


def xml_attr(value: str) -> str:
    """``value`` inside a double-quoted XML attribute; tabs and line breaks kept as character references
    (attribute-value normalisation, XML 1.0 §3.3.3, would otherwise turn them into spaces)."""
    return escape(_NOT_XML.sub("\ufffd", value), _ATTR_ENTITIES)


def xml_datetime(moment: datetime) -> str:
    """An xs:dateTime with seconds and a zone (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def structure_id(structure: StructureRef) -> str:
    """The header's ``structureID`` (an xs:ID, so an NCName), e.g. ``MPR_MIGRATION_PROFILE_1_0``."""
    raw = f"{structure.agency}_{structure.dataflow_id}_{structure.dataflow_version}"
    return re.sub(r"[^A-Za-z0-9_]", "_", raw)


def observation_dimension(message: DataMessage) -> str:
    """``dimensionAtObservation``: the one observation-level dimension, or ``AllDimensions``."""
    return ALL_DIMENSIONS if message.is_flat else message.observation_dimensions[0]


def structure_namespace(message: DataMessage) -> str:
    """Target namespace of the structure-specific schema (SDMX 2.1 Section 3B §3.3; SDMX 3.0 Section 3B)."""
    return f"{message.structure.dataflow_urn}:ObsLevelDim:{observation_dimension(message)}"


def wants_observations(message: DataMessage) -> bool:
    return message.detail not in ("serieskeysonly", "nodata")


def attribute_items(message: DataMessage, obs: Observation) -> list[tuple[str, str]]:
    """The observation's attribute values in DSD order; none for ``detail=dataonly``."""
    if message.detail == "dataonly":
        return []
    return [(a, obs.attributes[a]) for a in message.attributes if obs.attributes.get(a, "") != ""]


def check_observation_dimensions(message: DataMessage) -> None:
    """SDMX-ML groups by one dimension at observation level, or none (AllDimensions)."""
    if len(message.observation_dimensions) != 1 and not message.is_flat:
        raise ValueError("SDMX-ML needs one dimension at observation level or AllDimensions, not "
                         f"{', '.join(message.observation_dimensions)}")


class ChunkBuffer:
    """Collects text and hands it out as UTF-8 chunks of about ``limit`` characters."""

    def __init__(self, limit: int = CHUNK_SIZE) -> None:
        self.limit = limit
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)

    @property
    def full(self) -> bool:
        return self._size >= self.limit

    def take(self) -> bytes:
        data = "".join(self._parts).encode("utf-8")
        self._parts, self._size = [], 0
        return data


def header_xml(message: DataMessage, structure_element: str) -> str:
    """``mes:Header`` with ID, Test, Prepared, Sender and the given ``mes:Structure`` element."""
    return (
        "<mes:Header>"
        f"<mes:ID>{xml_text(message.id)}</mes:ID>"
        "<mes:Test>false</mes:Test>"
        f"<mes:Prepared>{xml_datetime(message.prepared)}</mes:Prepared>"
        f'<mes:Sender id="{xml_attr(message.sender)}"/>'
        f"{structure_element}"
        "</mes:Header>"
    )


def _structure_21(message: DataMessage, *, namespace: bool) -> str:
    ref = message.structure
    ns = f' namespace="{xml_attr(structure_namespace(message))}"' if namespace else ""
    return (
        f'<mes:Structure structureID="{structure_id(ref)}"{ns} '
        f'dimensionAtObservation="{xml_attr(observation_dimension(message))}">'
        f'<com:StructureUsage><Ref agencyID="{xml_attr(ref.agency)}" id="{xml_attr(ref.dataflow_id)}" '
        f'version="{xml_attr(ref.dataflow_version)}" class="Dataflow"/></com:StructureUsage>'
        "</mes:Structure>"
    )


def _obs_value(value: str | None) -> str:
    return MISSING_VALUE if value is None or value == "" else value


# -- GenericData ---------------------------------------------------------------------------------

def _generic_values(tag: str, pairs: list[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    inner = "".join(f'<gen:Value id="{xml_attr(k)}" value="{xml_attr(v)}"/>' for k, v in pairs)
    return f"<gen:{tag}>{inner}</gen:{tag}>"


def _generic_obs(message: DataMessage, obs: Observation) -> str:
    value = f'<gen:ObsValue value="{xml_attr(_obs_value(obs.value))}"/>'
    attributes = _generic_values("Attributes", attribute_items(message, obs))
    if message.is_flat:
        key = _generic_values("ObsKey", list(zip(message.observation_dimensions, obs.key, strict=True)))
        return f"<gen:Obs>{key}{value}{attributes}</gen:Obs>"
    return f'<gen:Obs><gen:ObsDimension value="{xml_attr(obs.key[0])}"/>{value}{attributes}</gen:Obs>'


def write_generic_ml21(message: DataMessage) -> Iterator[bytes]:
    """SDMX-ML 2.1 GenericData (Section 3A, ``SDMXDataGenericBase.xsd``): series keys and observation
    values as ``gen:Value`` elements; with AllDimensions, flat ``gen:Obs`` with a ``gen:ObsKey``."""
    check_observation_dimensions(message)
    buffer = ChunkBuffer()
    buffer.add(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:GenericData xmlns:mes="{NS21["mes"]}" xmlns:com="{NS21["com"]}" xmlns:gen="{NS21["gen"]}">'
        + header_xml(message, _structure_21(message, namespace=False))
        + f'<mes:DataSet structureRef="{structure_id(message.structure)}" action="{xml_attr(message.action)}">'
    )
    with_obs = wants_observations(message)
    for series in message.series():
        if message.is_flat:
            for obs in series.observations if with_obs else ():
                buffer.add(_generic_obs(message, obs))
                if buffer.full:
                    yield buffer.take()
            continue
        key = _generic_values("SeriesKey", list(zip(message.series_dimensions, series.key, strict=True)))
        buffer.add(f"<gen:Series>{key}")
        for obs in series.observations if with_obs else ():
            buffer.add(_generic_obs(message, obs))
            if buffer.full:
                yield buffer.take()
        buffer.add("</gen:Series>")
        if buffer.full:
            yield buffer.take()
    buffer.add("</mes:DataSet></mes:GenericData>")
    yield buffer.take()


# -- StructureSpecificData -----------------------------------------------------------------------

def ss_attributes(pairs: list[tuple[str, str]]) -> str:
    """Components as unqualified XML attributes (Section 3B: ``ID="value"``)."""
    return "".join(f' {k}="{xml_attr(v)}"' for k, v in pairs)


def ss_obs(message: DataMessage, obs: Observation) -> str:
    """One ``Obs`` element: observation-level dimension(s), OBS_VALUE, attributes."""
    pairs = list(zip(message.observation_dimensions, obs.key, strict=True))
    pairs.append((MEASURE, _obs_value(obs.value)))
    pairs.extend(attribute_items(message, obs))
    return f"<Obs{ss_attributes(pairs)}/>"


def ss_body(message: DataMessage, buffer: ChunkBuffer) -> Iterator[bytes]:
    """The ``Series``/``Obs`` elements of a structure-specific data set (same in SDMX-ML 2.1 and 3.0)."""
    with_obs = wants_observations(message)
    for series in message.series():
        observations = series.observations if with_obs else ()
        if message.is_flat:
            for obs in observations:
                buffer.add(ss_obs(message, obs))
                if buffer.full:
                    yield buffer.take()
            continue
        key = ss_attributes(list(zip(message.series_dimensions, series.key, strict=True)))
        if not observations:
            buffer.add(f"<Series{key}/>")
        else:
            buffer.add(f"<Series{key}>")
            for obs in observations:
                buffer.add(ss_obs(message, obs))
                if buffer.full:
                    yield buffer.take()
            buffer.add("</Series>")
        if buffer.full:
            yield buffer.take()


def write_structure_specific_ml21(message: DataMessage) -> Iterator[bytes]:
    """SDMX-ML 2.1 StructureSpecificData (Section 3A ``SDMXDataStructureSpecificBase.xsd``, Section 3B):
    components as XML attributes; the data set typed ``ns1:DataSetType`` in the dataflow's namespace."""
    check_observation_dimensions(message)
    sid = structure_id(message.structure)
    buffer = ChunkBuffer()
    buffer.add(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<mes:StructureSpecificData xmlns:mes="{NS21["mes"]}" xmlns:com="{NS21["com"]}" '
        f'xmlns:ss="{NS21["ss"]}" xmlns:xsi="{NS_XSI}" xmlns:ns1="{xml_attr(structure_namespace(message))}">'
        + header_xml(message, _structure_21(message, namespace=True))
        + f'<mes:DataSet ss:structureRef="{sid}" ss:dataScope="Dataflow" ss:action="{xml_attr(message.action)}" '
        'xsi:type="ns1:DataSetType">'
    )
    yield from ss_body(message, buffer)
    buffer.add("</mes:DataSet></mes:StructureSpecificData>")
    yield buffer.take()


GENERIC_ML21 = DataFormat(
    id="generic-ml21", media_type="application/vnd.sdmx.genericdata+xml;version=2.1", title="SDMX-ML 2.1 GenericData",
    names=("genericdata", "xml", "sdmx-2.1"), aliases=XML_ALIASES, error="ml21",
    write=lambda message, _options: write_generic_ml21(message))
STRUCTURE_SPECIFIC_ML21 = DataFormat(
    id="ss-ml21", media_type="application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    title="SDMX-ML 2.1 StructureSpecificData", names=("structurespecificdata",), error="ml21",
    write=lambda message, _options: write_structure_specific_ml21(message))
