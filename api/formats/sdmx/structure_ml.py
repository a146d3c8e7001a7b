"""SDMX-ML 2.1 and 3.0 structure messages (SDMX-ML 2.1 Part III §3; SDMX-ML 3.0 structure schema).

pysdmx writes the message (it validates against SDMXMessage.xsd); this module then adds the names and
descriptions in the registry's other languages after the English ones, in the schema's element order
(``com:Name+``, ``com:Description*``), adds code parents (``str:Parent``), and drops the indentation
pysdmx leaves in compact output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from lxml import etree
from pysdmx.io import write_sdmx
from pysdmx.io.format import Format

from api.formats.sdmx.spec import StructureFormat, StructureHeader
from api.formats.sdmx.structure_pysdmx import header, to_pysdmx
from api.formats.spec import XML_ALIASES
from api.model.sdmx_structure import Item, ItemScheme, Maintainable, StructureResult, Texts

_FORMATS = {"2.1": Format.STRUCTURE_SDMX_ML_2_1, "3.0": Format.STRUCTURE_SDMX_ML_3_0}
_NAMESPACES = {"2.1": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/",
               "3.0": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"}
_ELEMENTS = {"dataflow": "Dataflow", "datastructure": "DataStructure", "codelist": "Codelist",
             "conceptscheme": "ConceptScheme"}
_ITEMS = {"codelist": "Code", "conceptscheme": "Concept"}
_NESTED_ID_30 = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _add_languages(element: etree._Element, common: str, names: Texts, descriptions: Texts, *,
                   with_descriptions: bool) -> None:
    """Insert the non-English names and descriptions next to the English ones pysdmx wrote."""
    for tag, texts in (("Name", names), ("Description", descriptions if with_descriptions else {})):
        existing = element.findall(f"{{{common}}}{tag}")
        others = [(lang, text) for lang, text in sorted(texts.items()) if lang != "en" and text]
        if not others:
            continue
        if existing:
            anchor = existing[-1]
        elif tag == "Description":
            names_written = element.findall(f"{{{common}}}Name")
            if not names_written:
                continue
            anchor = names_written[-1]
        else:
            continue
        for lang, text in reversed(others):
            added = etree.Element(f"{{{common}}}{tag}")
            added.set(_XML_LANG, lang)
            added.text = text
            anchor.addnext(added)


def _add_parent(code: etree._Element, structure: str, version: str, parent: str) -> None:
    """The code's parent, last in the code: a local reference in 2.1, the parent's id in 3.0.

    The SDMX-ML 3.0.0 schema types ``str:Parent`` as NestedIDType, which must start with a letter: parents
    such as ``_T`` or ``001`` cannot be written there and are left out (SDMX-JSON and SDMX-ML 2.1 carry them).
    """
    if version == "2.1":
        etree.SubElement(etree.SubElement(code, f"{{{structure}}}Parent"), "Ref").set("id", parent)
    elif _NESTED_ID_30.match(parent):
        etree.SubElement(code, f"{{{structure}}}Parent").text = parent


def _enrich(root: etree._Element, version: str, artefacts: tuple[Maintainable, ...]) -> None:
    structure = _NAMESPACES[version] + "structure"
    common = _NAMESPACES[version] + "common"
    for artefact in artefacts:
        tag = _ELEMENTS.get(artefact.ref.type)
        if tag is None:
            continue
        for element in root.iter(f"{{{structure}}}{tag}"):
            if element.get("id") != artefact.ref.id or element.get("agencyID") != artefact.ref.agency:
                continue
            full = not artefact.stub or artefact.complete_stub
            if artefact.stub:
                for empty in element.findall(f"{{{structure}}}DataStructureComponents"):
                    element.remove(empty)  # pysdmx writes it empty; a stub has no components
            _add_languages(element, common, artefact.names, artefact.descriptions, with_descriptions=full)
            if isinstance(artefact, ItemScheme) and not artefact.stub:
                items: dict[str, Item] = {i.id: i for i in artefact.items}
                for child in element.findall(f"{{{structure}}}{_ITEMS[artefact.ref.type]}"):
                    item = items.get(child.get("id") or "")
                    if item is not None:
                        _add_languages(child, common, item.names, item.descriptions, with_descriptions=True)
                        if item.parent is not None:
                            _add_parent(child, structure, version, item.parent)


def write_structure_ml(result: StructureResult, version: str, *, message_id: str, prepared: datetime,
                       sender: str) -> bytes:
    """The whole structure message (structure messages are small: the catalogue is a few hundred items)."""
    objects = [o for o in (to_pysdmx(a) for a in result.artefacts) if o is not None]
    text = write_sdmx(objects, sdmx_format=_FORMATS[version], header=header(message_id, prepared, sender),
                      prettyprint=False)
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(str(text).encode("utf-8"), parser)
    _enrich(root, version, result.artefacts)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _writer(version: str) -> Callable[[StructureResult, StructureHeader], bytes]:
    def write(result: StructureResult, head: StructureHeader) -> bytes:
        return write_structure_ml(result, version, message_id=head.message_id, prepared=head.prepared,
                                  sender=head.sender)
    return write


STRUCTURE_ML21 = StructureFormat(
    id="structure-ml21", media_type="application/vnd.sdmx.structure+xml;version=2.1", title="SDMX-ML 2.1",
    names=("structure", "xml", "sdmx-2.1"), aliases=XML_ALIASES, error="ml21", write=_writer("2.1"))
STRUCTURE_ML30 = StructureFormat(
    id="structure-ml30", media_type="application/vnd.sdmx.structure+xml;version=3.0.0", title="SDMX-ML 3.0",
    names=("structure", "xml", "sdmx-3.0"), aliases=XML_ALIASES, error="ml30", write=_writer("3.0"))
