"""SDMX-ML data submissions -> ObservationRecords (DESIGN §5: accepted formats).

Reads the data messages this registry also writes (``sdmx_data_ml21``, ``sdmx_data_ml30``):

* SDMX-ML 2.1 GenericData and GenericTimeSeriesData (SDMX 2.1 Section 3A, ``SDMXDataGeneric.xsd``):
  components as ``gen:Value id= value=`` in ``SeriesKey``, ``Attributes``, ``ObsKey``; ``ObsDimension``,
  ``ObsValue``; data-set and group attributes in ``gen:Attributes`` of the ``DataSet`` and ``Group``.
* SDMX-ML 2.1 StructureSpecificData (Section 3A ``SDMXDataStructureSpecific.xsd``, Section 3B) and
  SDMX-ML 3.0 StructureSpecificData (SDMX 3.0 Section 3A/3B): components as unqualified XML attributes of
  ``DataSet``, ``Group``, ``Series`` and ``Obs``; SDMX 3.0 ``Comp`` elements with one ``Value``.

Each ``Obs`` becomes one record with every component of MIGRATION_PROFILE (the cells of one CSV template
row: series key, observation dimension, OBS_VALUE, attributes from data set, group, series and observation)
and ``row`` = the line of the ``<Obs>`` element. ``NaN`` (SDMX's missing OBS_VALUE) reads as an empty cell.

The XML parser is hardened (no entities resolved, no DTD loaded, no network, no huge trees: libxml2's own
limits hold) and a document with a DOCTYPE is refused before it is parsed: SDMX-ML never needs one. The
document is read as a stream of events that count its depth and elements and measure every text and attribute
value, so that it is refused at the first bound of ``InputLimits`` it passes.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from api.errors import InputFileError
from api.formats.input_limits import check_size, too_deep, too_long, too_many, utf8_over
from api.formats.sdmx.data_ml21 import GENERIC_ML21, STRUCTURE_SPECIFIC_ML21
from api.formats.sdmx.data_ml30 import DATA_ML30
from api.formats.spec import XML_ALIASES, FormatSpec, Reader
from api.model.structure import AGENCY, COMPONENTS, DATAFLOW_ID, DATAFLOW_REF, MEASURE, SERIES_DIMENSIONS
from api.model.submission import InputLimits, ObservationRecord, ParsedFile, Problem

_V21 = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1"
_V30 = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0"
MES21, MES30 = f"{_V21}/message", f"{_V30}/message"
COM21, COM30 = f"{_V21}/common", f"{_V30}/common"
GEN21 = f"{_V21}/data/generic"
SS21, SS30 = f"{_V21}/data/structurespecific", f"{_V30}/data/structurespecific"

# Root element -> (format name of the ParsedFile, True for the generic layout).
DATA_ROOTS: dict[tuple[str, str], tuple[str, bool]] = {
    (MES21, "GenericData"): ("sdmx-ml-2.1-generic", True),
    (MES21, "GenericTimeSeriesData"): ("sdmx-ml-2.1-generic", True),
    (MES21, "StructureSpecificData"): ("sdmx-ml-2.1-structurespecific", False),
    (MES21, "StructureSpecificTimeSeriesData"): ("sdmx-ml-2.1-structurespecific", False),
    (MES30, "StructureSpecificData"): ("sdmx-ml-3.0-structurespecific", False),
}
ALL_DIMENSIONS = "AllDimensions"
MISSING_VALUE = "NaN"
_REFUSED_ACTIONS = {"delete"}
_DATA_HINT = ("upload an SDMX-ML data message for MPR:MIGRATION_PROFILE: GenericData or StructureSpecificData "
              "(SDMX-ML 2.1) or StructureSpecificData (SDMX-ML 3.0), as /sdmx/v1/data/MIGRATION_PROFILE returns")
DOCTYPE_REFUSED = ("the document has a DOCTYPE declaration: SDMX-ML never needs a DOCTYPE; external entities and "
                   "DTDs are refused. Remove the <!DOCTYPE ...> declaration (and any entity it declares) and "
                   "upload the file again.")
_URN = re.compile(r"\.(?P<cls>[A-Za-z]+)=(?P<agency>[^:=]+):(?P<id>[^(:]+)\((?P<version>[^)]*)\)")
_PROLOG_ITEM = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_HEAD = 64 * 1024
# The class a 2.1 header ``Ref`` without ``class`` names, by its parent element (SDMX 2.1 Section 3A
# ``PayloadStructureType``; the schema spells the last one ``ProvisionAgrement``).
_ELEMENT_CLASS = {"Structure": "DataStructure", "StructureUsage": "Dataflow", "ProvisionAgrement": "ProvisionAgreement",
                  "ProvisionAgreement": "ProvisionAgreement"}


_HARDENED = {"resolve_entities": False, "no_network": True, "load_dtd": False, "dtd_validation": False,
             "huge_tree": False, "remove_comments": True, "remove_pis": True}


def _events(data: bytes) -> etree.iterparse:
    """A parser that resolves no entity, loads no DTD, never touches the network and keeps libxml2's limits."""
    return etree.iterparse(io.BytesIO(data), events=("start", "end"), **_HARDENED)


def _head_text(data: bytes) -> str:
    """The first bytes as text, enough to see the prolog (UTF-16 by its BOM or first bytes, else Latin-1)."""
    head = data[:_HEAD]
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return head.decode("utf-16-le", errors="replace")
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return head.decode("utf-16-be", errors="replace")
    return head.decode("latin-1").removeprefix("\xef\xbb\xbf")


def doctype_line(data: bytes) -> int | None:
    """The line of a DOCTYPE in the prolog (XML 1.0 §2.8: declaration, comments, PIs, white space), else None."""
    text = _head_text(data).lstrip("\ufeff")
    pos = 0
    while (match := _PROLOG_ITEM.match(text, pos)) is not None and match.end() > pos:
        pos = match.end()
    return text[:pos].count("\n") + 1 if text[pos:pos + 9].upper() == "<!DOCTYPE" else None


def _refuse_doctype(name: str, line: int | None = None) -> InputFileError:
    where = f"line {line}: " if line else ""
    return InputFileError(f"{name}: {where}{DOCTYPE_REFUSED}", details={"line": line} if line else {})


def _bounded(data: bytes, name: str, limits: InputLimits) -> etree._Element:
    """Build the tree event by event, refusing it at the first bound it passes (depth, elements, value length)."""
    events = _events(data)
    depth = elements = 0
    for event, element in events:
        if event == "end":
            depth -= 1
            for text in (element.text, *(child.tail for child in element)):  # the children's tails are whole now
                if text is not None and (size := utf8_over(text, limits.max_literal_bytes)) is not None:
                    raise too_long(name, element.sourceline, size, limits.max_literal_bytes, "a text")
            continue
        depth += 1
        elements += 1
        if depth > limits.max_depth:
            raise too_deep(name, element.sourceline, limits.max_depth, "XML elements")
        if elements > limits.max_items:
            raise too_many(name, element.sourceline, limits.max_items, "XML elements")
        for value in element.attrib.values():
            if (size := utf8_over(value, limits.max_literal_bytes)) is not None:
                raise too_long(name, element.sourceline, size, limits.max_literal_bytes, "an attribute value")
    root: etree._Element = events.root
    return root


def parse_xml(data: bytes, name: str, limits: InputLimits | None = None) -> etree._Element:
    """The root element of a well-formed document without DOCTYPE within ``limits``; InputFileError otherwise."""
    if not data.strip():
        raise InputFileError(f"{name}: the file is empty; {_DATA_HINT}.")
    if (line := doctype_line(data)) is not None:
        raise _refuse_doctype(name, line)
    try:
        root = _bounded(data, name, limits or InputLimits())
    except etree.XMLSyntaxError as exc:
        if "<!DOCTYPE" in _head_text(data).upper():
            raise _refuse_doctype(name) from None
        line, column = exc.position
        raise InputFileError(
            f"{name}: line {line}, column {column}: not well-formed XML ({exc.msg}). An .xml upload must be an "
            f"SDMX-ML data message; fix the XML, or if this is a CSV file upload it with the .csv suffix.",
            details={"line": line},
        ) from None
    if root.getroottree().docinfo.doctype:
        raise _refuse_doctype(name)
    return root


@dataclass(frozen=True)
class StructureInfo:
    """One ``mes:Structure`` of the header: what it references and the dimension at observation level."""

    reference: str
    ours: bool
    dimension_at_observation: str
    line: int | None


@dataclass
class _Reader:
    """Collects records and problems of one document."""

    name: str
    records: list[ObservationRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unknown: set[str] = field(default_factory=set)

    def record(self, layers: tuple[Mapping[str, str], ...], row: int | None) -> None:
        cells = dict.fromkeys(COMPONENTS, "")
        for layer in layers:
            for component, value in layer.items():
                if component in cells:
                    cells[component] = value
                elif component not in self.unknown:
                    self.unknown.add(component)
                    self.problems.append(Problem(
                        "Violation", "closed",
                        f"line {row}: component '{component}' is not part of the {DATAFLOW_ID} structure; the "
                        f"registry accepts aggregates only, so remove it (components: {', '.join(COMPONENTS)}).",
                        row=row, column=component, value=value))
        if cells[MEASURE] == MISSING_VALUE:
            cells[MEASURE] = ""
        self.records.append(ObservationRecord(cells=cells, row=row))


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _reference(element: etree._Element) -> tuple[str, str, str, str] | None:
    """(class, agency, id, version) of a 2.1 ``Ref``/``URN`` child or an SDMX 3.0 URN text."""
    ref = next((c for c in element if isinstance(c.tag, str) and _local(c) == "Ref"), None)
    if ref is not None:
        cls = ref.get("class") or _ELEMENT_CLASS.get(_local(element), _local(element))
        return cls, ref.get("agencyID", ""), ref.get("id", ""), ref.get("version", "")
    urn = next((c.text for c in element if isinstance(c.tag, str) and _local(c) == "URN"), None) or element.text
    match = _URN.search((urn or "").strip())
    if match is None:
        return None
    return match["cls"], match["agency"], match["id"], match["version"]


def header_structures(root: etree._Element, name: str) -> dict[str, StructureInfo]:
    """The header's structures by ``structureID`` (SDMX 2.1 Section 3A ``StructureType``; SDMX 3.0 likewise)."""
    header = next((c for c in root if isinstance(c.tag, str) and _local(c) == "Header"), None)
    found: dict[str, StructureInfo] = {}
    for structure in header.iterchildren() if header is not None else ():
        if not isinstance(structure.tag, str) or _local(structure) != "Structure":
            continue
        usage = next((c for c in structure if isinstance(c.tag, str)), None)
        parsed = _reference(usage) if usage is not None else None
        if parsed is None:
            reference, ours = "(no reference)", False
        else:
            cls, agency, ident, version = parsed
            reference = f"{cls} {agency}:{ident}({version})"
            ours = agency == AGENCY and ident == DATAFLOW_ID and cls in ("Dataflow", "DataStructure")
        found[structure.get("structureID", "")] = StructureInfo(
            reference, ours, structure.get("dimensionAtObservation", "TIME_PERIOD"), structure.sourceline)
    if not found:
        raise InputFileError(
            f"{name}: line {header.sourceline if header is not None else root.sourceline}: the header has no "
            f"mes:Structure naming the dataflow; add one referencing {DATAFLOW_REF} (class Dataflow).")
    for info in found.values():
        if not info.ours:
            raise InputFileError(
                f"{name}: line {info.line}: the message is for {info.reference}, not {DATAFLOW_REF}; the registry "
                f"takes data for its one dataflow only. Map the data to {DATAFLOW_ID} (its structure: "
                f"/sdmx/v1/dataflow/{AGENCY}/{DATAFLOW_ID}/latest?references=all; a template: `mpr template "
                "INDICATOR`) and submit again.", details={"line": info.line})
    return found


def _generic_values(parent: etree._Element | None, tag: str) -> dict[str, str]:
    """``gen:Value id= value=`` pairs of the ``tag`` child of ``parent`` (SDMXDataGeneric.xsd ``ValuesType``)."""
    if parent is None:
        return {}
    holder = parent.find(f"{{{GEN21}}}{tag}")
    if holder is None:
        return {}
    return {v.get("id", ""): v.get("value", "") for v in holder.iterfind(f"{{{GEN21}}}Value")}


def _matches(group_key: Mapping[str, str], series_key: Mapping[str, str]) -> bool:
    return all(series_key.get(d) == v for d, v in group_key.items())


def _read_generic(reader: _Reader, dataset: etree._Element, obs_dimension: str) -> None:
    """One GenericData data set (SDMX 2.1 Section 3A): data set, group, series and observation values."""
    top = _generic_values(dataset, "Attributes")
    groups = [(_generic_values(g, "GroupKey"), _generic_values(g, "Attributes"))
              for g in dataset.iterfind(f"{{{GEN21}}}Group")]

    def observation(obs: etree._Element, layers: tuple[Mapping[str, str], ...]) -> None:
        own = _generic_values(obs, "ObsKey")
        dimension = obs.find(f"{{{GEN21}}}ObsDimension")
        if dimension is not None:
            own[dimension.get("id") or obs_dimension] = dimension.get("value", "")
        value = obs.find(f"{{{GEN21}}}ObsValue")
        own[MEASURE] = value.get("value", "") if value is not None else ""
        reader.record((*layers, own, _generic_values(obs, "Attributes")), obs.sourceline)

    for child in dataset:
        if child.tag == f"{{{GEN21}}}Series":
            key = _generic_values(child, "SeriesKey")
            shared = [attrs for group_key, attrs in groups if _matches(group_key, key)]
            layers = (top, *shared, key, _generic_values(child, "Attributes"))
            for obs in child.iterfind(f"{{{GEN21}}}Obs"):
                observation(obs, layers)
        elif child.tag == f"{{{GEN21}}}Obs":
            observation(child, (top,))


def _components(element: etree._Element, reader: _Reader) -> dict[str, str]:
    """Unqualified XML attributes (Section 3B) and SDMX 3.0 ``Comp`` elements of one element."""
    values = {k: v for k, v in element.attrib.items() if not k.startswith("{")}
    for comp in element:
        if not isinstance(comp.tag, str) or _local(comp) != "Comp":
            continue
        texts = [(v.text or "") for v in comp if isinstance(v.tag, str) and _local(v) == "Value"]
        component = comp.get("id", "")
        if len(texts) > 1:
            reader.problems.append(Problem(
                "Violation", "multi-valued",
                f"line {comp.sourceline}: {component} has {len(texts)} values; every attribute of {DATAFLOW_ID} "
                "takes one value, so keep one.", row=comp.sourceline, column=component, value=" | ".join(texts)))
        values[component] = texts[0] if texts else ""
    return values


def _read_structure_specific(reader: _Reader, dataset: etree._Element) -> None:
    """One StructureSpecificData data set (SDMX 2.1 Section 3B; SDMX 3.0 Section 3B)."""
    top = _components(dataset, reader)
    groups: list[tuple[dict[str, str], dict[str, str]]] = []
    for group in (c for c in dataset if isinstance(c.tag, str) and _local(c) == "Group"):
        values = _components(group, reader)
        groups.append(({k: v for k, v in values.items() if k in SERIES_DIMENSIONS},
                       {k: v for k, v in values.items() if k not in SERIES_DIMENSIONS}))
    for child in dataset:
        if not isinstance(child.tag, str):
            continue
        if _local(child) == "Series":
            key = _components(child, reader)
            shared = [attrs for group_key, attrs in groups if _matches(group_key, key)]
            for obs in (o for o in child if isinstance(o.tag, str) and _local(o) == "Obs"):
                reader.record((top, *shared, key, _components(obs, reader)), obs.sourceline)
        elif _local(child) == "Obs":
            reader.record((top, _components(child, reader)), child.sourceline)


def _not_data(root: etree._Element, name: str) -> InputFileError:
    qname = etree.QName(root)
    if qname.namespace in (MES21, MES30) and qname.localname == "Structure":
        what = ("an SDMX-ML structure message (code lists, concepts, data structures), not data; the registry "
                "already has the structure of MIGRATION_PROFILE")
    elif qname.namespace in (MES21, MES30):
        what = f"an SDMX-ML {qname.localname} message, not a data message the registry accepts"
    else:
        what = f"not an SDMX-ML message: its root element is <{qname.localname}> in namespace " \
               f"'{qname.namespace or '(none)'}'"
    return InputFileError(f"{name}: line {root.sourceline}: {what}; {_DATA_HINT}.", details={"line": root.sourceline})


def _structure_of(dataset: etree._Element, structures: Mapping[str, StructureInfo], name: str) -> StructureInfo:
    ref = dataset.get("structureRef") or dataset.get(f"{{{SS21}}}structureRef") or dataset.get(
        f"{{{SS30}}}structureRef")
    if ref is None and len(structures) == 1:
        return next(iter(structures.values()))
    if ref not in structures:
        raise InputFileError(
            f"{name}: line {dataset.sourceline}: the DataSet refers to structure '{ref or ''}', which the header "
            f"does not declare (declared: {', '.join(sorted(structures))}); make structureRef name the header's "
            "mes:Structure structureID.", details={"line": dataset.sourceline})
    return structures[ref]


def read_sdmx_ml_bytes(data: bytes, name: str, limits: InputLimits | None = None) -> ParsedFile:
    """Parse an SDMX-ML data message within ``limits``; each ``Obs`` is a record numbered by its line."""
    limits = limits or InputLimits()
    check_size(name, len(data), limits)
    root = parse_xml(data, name, limits)
    kind = DATA_ROOTS.get((etree.QName(root).namespace or "", etree.QName(root).localname))
    if kind is None:
        raise _not_data(root, name)
    fmt, generic = kind
    structures = header_structures(root, name)
    reader = _Reader(name)
    datasets = [c for c in root if isinstance(c.tag, str) and _local(c) == "DataSet"]
    if not datasets:
        raise InputFileError(f"{name}: line {root.sourceline}: the message has no DataSet, so nothing to submit; "
                             "add the observations in a DataSet element.")
    for dataset in datasets:
        structure = _structure_of(dataset, structures, name)
        action = dataset.get("action") or dataset.get(f"{{{SS21}}}action") or dataset.get(f"{{{SS30}}}action") or ""
        if action.lower() in _REFUSED_ACTIONS:
            reader.problems.append(Problem(
                "Violation", "structure",
                f"line {dataset.sourceline}: DataSet action '{action}' is not supported; use Information, Append "
                "or Replace — to remove figures submit a revision without them.",
                row=dataset.sourceline, column="action", value=action))
        if generic:
            _read_generic(reader, dataset, structure.dimension_at_observation)
        else:
            _read_structure_specific(reader, dataset)
    return ParsedFile(name=name, format=fmt, records=reader.records, columns=COMPONENTS,
                      problems=tuple(reader.problems), sha256=hashlib.sha256(data).hexdigest(), size=len(data))


def read_sdmx_ml(path: Path, limits: InputLimits | None = None) -> ParsedFile:
    """Read an SDMX-ML data message from disk, refusing it above the size limit before reading it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputFileError(f"{path}: cannot be read ({exc.strerror}).") from exc
    limits = limits or InputLimits()
    check_size(path.name, size, limits)
    return read_sdmx_ml_bytes(path.read_bytes(), path.name, limits)



SDMX_ML_DATA = FormatSpec(
    id="sdmx-ml-data", media_type=XML_ALIASES[0], suffixes=(".xml",),
    title="SDMX-ML 2.1 GenericData or StructureSpecificData or SDMX-ML 3.0 StructureSpecificData",
    aliases=(*XML_ALIASES[1:], *(f.base for f in (GENERIC_ML21, STRUCTURE_SPECIFIC_ML21, DATA_ML30))))
READER = Reader(SDMX_ML_DATA, read_sdmx_ml)
