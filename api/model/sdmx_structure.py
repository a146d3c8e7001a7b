"""SDMX structural metadata as the registry serves it (SDMX 2.1/3.0 Information Model §3-§5, §10).

Independent of any format: ``api/formats/sdmx_structure_*`` render these. Texts are multilingual
(``{"en": ..., "fr": ...}``); artefacts are frozen so that one catalogue can be cached per vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from api.model.sdmx import CubeRegion

Texts = Mapping[str, str]

# Structure types, by their REST names (REST v1.5 §4.3 resources; REST v2 structures.md `type`).
DATAFLOW = "dataflow"
DATASTRUCTURE = "datastructure"
CODELIST = "codelist"
CONCEPTSCHEME = "conceptscheme"
CONSTRAINT = "dataconstraint"  # contentconstraint in SDMX 2.1
TYPES: tuple[str, ...] = (DATAFLOW, DATASTRUCTURE, CODELIST, CONCEPTSCHEME, CONSTRAINT)
ITEM_SCHEMES = (CODELIST, CONCEPTSCHEME)

_NATURAL = re.compile(r"(\d+)")


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``Y5T9`` before ``Y10T14`` and ``_T`` first (codes are compared piecewise)."""
    parts = _NATURAL.split(text)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p != "")


@dataclass(frozen=True)
class ArtefactRef:
    """Type, agency, id and version of a maintainable artefact."""

    type: str
    agency: str
    id: str
    version: str

    def __str__(self) -> str:
        return f"{self.type}={self.agency}:{self.id}({self.version})"


@dataclass(frozen=True)
class Item:
    """A code or a concept: id, names, descriptions and the id of its parent in the same scheme."""

    id: str
    names: Texts
    descriptions: Texts = field(default_factory=dict)
    parent: str | None = None


@dataclass(frozen=True)
class Maintainable:
    """What every maintainable artefact has (Information Model §3.5.3)."""

    ref: ArtefactRef
    names: Texts
    descriptions: Texts = field(default_factory=dict)
    stub: bool = False  # detail=allstubs/referencestubs: identification and names only
    complete_stub: bool = False  # detail=*completestubs: also descriptions


@dataclass(frozen=True)
class ItemScheme(Maintainable):
    """A code list or a concept scheme; ``is_partial`` when only some of its items are given."""

    items: tuple[Item, ...] = ()
    is_partial: bool = False

    def with_items(self, wanted: set[str]) -> ItemScheme:
        """The scheme reduced to ``wanted`` items; parents outside the selection are dropped."""
        kept = tuple(i if i.parent in wanted or i.parent is None else replace(i, parent=None)
                     for i in self.items if i.id in wanted)
        return replace(self, items=kept, is_partial=self.is_partial or len(kept) < len(self.items))

    def with_ancestors(self, wanted: set[str]) -> set[str]:
        """``wanted`` plus every ancestor of its items, so that the hierarchy stays whole."""
        parents = {i.id: i.parent for i in self.items}
        out = set()
        for code in wanted:
            seen = 0
            while code is not None and code in parents and code not in out and seen < 50:
                out.add(code)
                code = parents[code]  # type: ignore[assignment]
                seen += 1
        return out


@dataclass(frozen=True)
class Component:
    """A dimension, time dimension, measure or attribute of a data structure (Information Model §5.3)."""

    id: str
    role: str  # dimension | time | measure | attribute
    position: int
    concept: str  # id of a concept of the concept scheme
    codelist: str | None = None  # id of the enumerating code list
    text_type: str = "String"  # SDMX facet text type when not coded
    required: bool = True


@dataclass(frozen=True)
class DataStructure(Maintainable):
    components: tuple[Component, ...] = ()
    concept_scheme: ArtefactRef | None = None

    def codelists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.codelist for c in self.components if c.codelist))


@dataclass(frozen=True)
class Dataflow(Maintainable):
    structure: ArtefactRef | None = None


@dataclass(frozen=True)
class Constraint(Maintainable):
    """The actual content constraint of a dataflow: what the public data holds."""

    dataflow: ArtefactRef | None = None
    region: CubeRegion | None = None


@dataclass(frozen=True)
class StructureCatalogue:
    """Every artefact the registry maintains, from the vocabulary graph."""

    dataflows: tuple[Dataflow, ...]
    datastructures: tuple[DataStructure, ...]
    codelists: tuple[ItemScheme, ...]
    conceptschemes: tuple[ItemScheme, ...]

    def of_type(self, kind: str) -> tuple[Maintainable, ...]:
        return {DATAFLOW: self.dataflows, DATASTRUCTURE: self.datastructures, CODELIST: self.codelists,
                CONCEPTSCHEME: self.conceptschemes}.get(kind, ())

    def code_names(self, language: str) -> dict[str, dict[str, str]]:
        """``names[component][code]`` for every coded component of the first data structure."""
        if not self.datastructures:
            return {}
        lists = {cl.ref.id: cl for cl in self.codelists}
        out: dict[str, dict[str, str]] = {}
        for component in self.datastructures[0].components:
            scheme = lists.get(component.codelist or "")
            if scheme is not None:
                out[component.id] = {i.id: pick(i.names, language) for i in scheme.items}
        return out

    def component_names(self, language: str) -> dict[str, str]:
        concepts = {i.id: i for s in self.conceptschemes for i in s.items}
        if not self.datastructures:
            return {}
        return {c.id: pick(concepts[c.concept].names, language) if c.concept in concepts else c.id
                for c in self.datastructures[0].components}


@dataclass(frozen=True)
class StructureResult:
    """What a structure query returns, in the order of a structure message."""

    artefacts: tuple[Maintainable, ...]


def pick(texts: Texts, language: str) -> str:
    """The text in ``language``, else English, else any."""
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")
