"""SDMX-JSON 2.0 structure messages (sdmx-json v2.0.0 structure-message field guide).

pysdmx writes the message; three things are then put right so that it validates against the official
schema and says all the registry knows: empty ``groups`` and the components of stubs are dropped
(the schema wants non-empty lists), and every artefact and item gets its ``names``/``descriptions`` in all
languages, codes their ``parent`` and dimensions their ``position`` (pysdmx writes English names only).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pysdmx.io import write_sdmx
from pysdmx.io.format import Format

from api.formats.sdmx.spec import StructureFormat, StructureHeader
from api.formats.sdmx.structure_pysdmx import header, to_pysdmx
from api.model.sdmx_structure import Item, ItemScheme, Maintainable, StructureResult, Texts

_LISTS = {"dataflow": "dataflows", "datastructure": "dataStructures", "codelist": "codelists",
          "conceptscheme": "conceptSchemes"}
_ITEMS = {"codelist": "codes", "conceptscheme": "concepts"}


def _texts(target: dict[str, Any], names: Texts, descriptions: Texts, *, with_descriptions: bool) -> None:
    if names:
        target["names"] = dict(sorted(names.items()))
    if with_descriptions and descriptions:
        target["descriptions"] = dict(sorted(descriptions.items()))


def _item(target: dict[str, Any], item: Item, ids: set[str]) -> None:
    _texts(target, item.names, item.descriptions, with_descriptions=True)
    if item.parent is not None and item.parent in ids:
        target["parent"] = item.parent


def _components(target: dict[str, Any], stub: bool) -> None:
    if stub:
        target.pop("dataStructureComponents", None)
        return
    components = target.get("dataStructureComponents", {})
    if not components.get("groups"):
        components.pop("groups", None)
    for position, dimension in enumerate(components.get("dimensionList", {}).get("dimensions", []), start=1):
        dimension["position"] = position


def _enrich(doc: dict[str, Any], artefacts: tuple[Maintainable, ...]) -> None:
    data = doc.get("data", {})
    for artefact in artefacts:
        for target in data.get(_LISTS.get(artefact.ref.type, ""), []):
            if target.get("id") != artefact.ref.id or target.get("agencyID") != artefact.ref.agency:
                continue
            _texts(target, artefact.names, artefact.descriptions,
                   with_descriptions=not artefact.stub or artefact.complete_stub)
            if artefact.ref.type == "datastructure":
                _components(target, artefact.stub)
            if isinstance(artefact, ItemScheme) and not artefact.stub:
                items = {i.id: i for i in artefact.items}
                for entry in target.get(_ITEMS[artefact.ref.type], []):
                    if entry.get("id") in items:
                        _item(entry, items[entry["id"]], set(items))
    for dsd in data.get("dataStructures", []):
        components = dsd.get("dataStructureComponents")
        if components is not None and not components.get("groups"):
            components.pop("groups", None)


def write_structure_json(result: StructureResult, *, message_id: str, prepared: datetime, sender: str) -> bytes:
    """The whole SDMX-JSON 2.0 structure message."""
    objects = [o for o in (to_pysdmx(a) for a in result.artefacts) if o is not None]
    text = write_sdmx(objects, sdmx_format=Format.STRUCTURE_SDMX_JSON_2_0_0,
                      header=header(message_id, prepared, sender), prettyprint=False)
    doc = json.loads(str(text))
    _enrich(doc, result.artefacts)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _write(result: StructureResult, head: StructureHeader) -> bytes:
    return write_structure_json(result, message_id=head.message_id, prepared=head.prepared, sender=head.sender)


STRUCTURE_JSON20 = StructureFormat(
    id="structure-json20", media_type="application/vnd.sdmx.structure+json;version=2.0.0", title="SDMX-JSON 2.0",
    names=("jsonstructure", "json"), aliases=("application/json",), error="json20", write=_write)
