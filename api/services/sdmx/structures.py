"""Answer SDMX structure queries from the vocabulary graph (REST v1.5 §4.3; REST v2 structures.md).

The catalogue (dataflow, data structure, code lists, concept scheme) is read once per vocabulary version
with three SELECTs; the actual content constraint is computed from the public data when it is asked for.
References follow the SDMX reference graph: constraint → dataflow → data structure → code lists and
concept scheme; ``parents`` walk it backwards, ``children`` forwards (structures.md "references").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from api import vocab
from api.errors import BadRequest, NotFound
from api.model.sdmx_data_query import DataQuery
from api.model.sdmx_structure import (
    CODELIST,
    CONCEPTSCHEME,
    CONSTRAINT,
    DATAFLOW,
    DATASTRUCTURE,
    ITEM_SCHEMES,
    ArtefactRef,
    Component,
    Constraint,
    Dataflow,
    DataStructure,
    Item,
    ItemScheme,
    Maintainable,
    StructureCatalogue,
    StructureResult,
    Texts,
    natural_key,
    pick,
)
from api.model.sdmx_structure_query import StructureQuery, ref_matches
from api.model.structure import TIME_DIMENSION
from api.model.view import PublicView
from api.services.registry import Registry
from api.services.sdmx.availability import availability
from api.store.queries import load_query

_TEXT_TYPES = {"decimal": "Decimal", "integer": "Integer", "string": "String", "double": "Double"}


# -- reading the catalogue -----------------------------------------------------------------------

def _add_text(texts: dict[str, dict[str, str]], field: str | None, term: object) -> None:
    if field is None or term is None:
        return
    language = getattr(term, "language", None) or "en"
    texts[field].setdefault(language, str(getattr(term, "value", term)))


def _value(row: Mapping[str, object], name: str) -> str | None:
    term = row.get(name)
    return None if term is None else str(getattr(term, "value", term))


def _items(registry: Registry) -> dict[str, tuple[Item, ...]]:
    rows = registry.store.select(load_query("sdmx/scheme-items"), default_graphs=[vocab.VOCABULARY_GRAPH])
    texts: dict[tuple[str, str], dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    parents: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row in rows:
        scheme, item = _value(row, "scheme"), _value(row, "item")
        if scheme is None or item is None:
            continue
        key = (scheme, item)
        texts[key]  # creates the entry: every item appears, with or without texts
        parent = _value(row, "parent")
        if parent is not None and parent != item:
            parents[key].add(parent)
        _add_text(texts[key], _value(row, "field"), row.get("text"))
    by_scheme: dict[str, list[Item]] = defaultdict(list)
    for (scheme, item), fields in texts.items():
        parent = min(parents[(scheme, item)], key=natural_key) if parents[(scheme, item)] else None
        by_scheme[scheme].append(Item(item, dict(fields.get("name", {})) or {"en": item},
                                      dict(fields.get("description", {})), parent))
    return {scheme: _hierarchical_order(items) for scheme, items in by_scheme.items()}


def _hierarchical_order(items: list[Item]) -> tuple[Item, ...]:
    """Top items first, each followed by its descendants; siblings in natural order of their ids."""
    ids = {i.id for i in items}
    children: dict[str | None, list[Item]] = defaultdict(list)
    for item in items:
        children[item.parent if item.parent in ids else None].append(item)
    out: list[Item] = []
    seen: set[str] = set()

    def visit(parent: str | None) -> None:
        for item in sorted(children[parent], key=lambda i: natural_key(i.id)):
            if item.id not in seen:
                seen.add(item.id)
                out.append(item)
                visit(item.id)

    visit(None)
    out.extend(i for i in items if i.id not in seen)  # items caught in a cycle of broader links
    return tuple(out)


def _components(registry: Registry) -> tuple[dict[str, list[Component]], dict[str, dict[str, dict[str, str]]],
                                             dict[str, str]]:
    rows = registry.store.select(load_query("sdmx/components"), default_graphs=[vocab.VOCABULARY_GRAPH])
    found: dict[str, dict[str, Component]] = defaultdict(dict)
    own: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    borrowed: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    concept_schemes: dict[str, str] = {}
    for row in rows:
        structure, component = _value(row, "structure"), _value(row, "component")
        if structure is None or component is None:
            continue
        if component not in found[structure]:
            role = _value(row, "role") or "attribute"
            if component == TIME_DIMENSION:
                role = "time"
            datatype = (_value(row, "range") or "").rsplit("#", 1)[-1]
            found[structure][component] = Component(
                id=component, role=role, position=int(_value(row, "order") or 0), concept=component,
                codelist=_value(row, "codelist"),
                text_type="ObservationalTimePeriod" if role == "time" else _TEXT_TYPES.get(datatype, "String"),
                required=role != "attribute" or (_value(row, "required") or "false") == "true",
            )
        target = own if _value(row, "own") == "true" else borrowed
        _add_text(target[component], _value(row, "field"), row.get("text"))
        scheme = _value(row, "conceptScheme")
        if scheme is not None:
            concept_schemes[structure] = scheme
    texts = {c: own[c] if own[c].get("name") else borrowed[c] for c in {*own, *borrowed}}
    return ({s: sorted(cs.values(), key=lambda c: c.position) for s, cs in found.items()}, texts, concept_schemes)


def _maintainables(registry: Registry) -> list[tuple[str, ArtefactRef, Texts, Texts, str | None]]:
    rows = registry.store.select(load_query("sdmx/maintainables"), default_graphs=[vocab.VOCABULARY_GRAPH])
    texts: dict[tuple[str, str, str, str], dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    structures: dict[tuple[str, str, str, str], str | None] = {}
    for row in rows:
        kind, id_, agency, version = (_value(row, n) for n in ("kind", "id", "agency", "version"))
        if kind is None or id_ is None or agency is None or version is None:
            continue
        key = (kind, agency, id_, version)
        structures[key] = structures.get(key) or _value(row, "structure")
        _add_text(texts[key], _value(row, "field"), row.get("text"))
    return [(kind, ArtefactRef(kind, agency, id_, version), texts[(kind, agency, id_, version)].get("name", {}),
             texts[(kind, agency, id_, version)].get("description", {}), structures[(kind, agency, id_, version)])
            for (kind, agency, id_, version) in sorted(structures)]


def catalogue(registry: Registry) -> StructureCatalogue:
    """Every artefact the vocabulary defines; kept per vocabulary version."""
    return registry.caches.get("structures", registry.vocabulary_tag, lambda: _catalogue(registry))


def _catalogue(registry: Registry) -> StructureCatalogue:
    components, concept_texts, concept_schemes = _components(registry)
    items = _items(registry)
    artefacts = _maintainables(registry)
    schemes = {ref.id: (ref, names, descriptions) for kind, ref, names, descriptions, _ in artefacts
               if kind == "scheme"}
    structures: list[DataStructure] = []
    for kind, ref, names, descriptions, _ in artefacts:
        if kind != DATASTRUCTURE or ref.id not in components:
            continue
        scheme_id = concept_schemes.get(ref.id)
        scheme_ref = schemes[scheme_id][0] if scheme_id in schemes else None
        structures.append(DataStructure(
            replace(ref, type=DATASTRUCTURE), names, descriptions, components=tuple(components[ref.id]),
            concept_scheme=replace(scheme_ref, type=CONCEPTSCHEME) if scheme_ref else None))
    dsd_refs = {s.ref.id: s.ref for s in structures}
    flows = tuple(Dataflow(replace(ref, type=DATAFLOW), names, descriptions, structure=dsd_refs.get(structure or ""))
                  for kind, ref, names, descriptions, structure in artefacts if kind == DATAFLOW)
    used_lists = {cl for s in structures for cl in s.codelists()}
    codelists = tuple(ItemScheme(replace(schemes[cl][0], type=CODELIST), schemes[cl][1], schemes[cl][2],
                                 items=items.get(cl, ())) for cl in sorted(used_lists) if cl in schemes)
    concept_schemes_out: list[ItemScheme] = []
    for structure in structures:
        if structure.concept_scheme is None:
            continue
        ref = structure.concept_scheme
        _, names, descriptions = schemes[ref.id]
        concepts = tuple(Item(c.id, dict(concept_texts.get(c.id, {}).get("name", {})) or {"en": c.id},
                              dict(concept_texts.get(c.id, {}).get("description", {})))
                         for c in structure.components)
        concept_schemes_out.append(ItemScheme(ref, names, descriptions, items=concepts))
    return StructureCatalogue(flows, tuple(structures), codelists, tuple(concept_schemes_out))


@dataclass(frozen=True)
class DataLabels:
    """The names a data message shows in one language: codes per component, components, the dataflow."""

    codes: dict[str, dict[str, str]]
    components: dict[str, str]
    dataflow: str | None


def data_labels(registry: Registry, language: str) -> DataLabels:
    """The labels of data messages in ``language``, kept per vocabulary version."""
    def build() -> DataLabels:
        built = catalogue(registry)
        return DataLabels(built.code_names(language), built.component_names(language),
                          pick(built.dataflows[0].names, language) if built.dataflows else None)

    return registry.caches.get("data_labels", (registry.vocabulary_tag, language), build)


# -- the actual constraint -----------------------------------------------------------------------

def _constraint_ref(flow: Dataflow) -> ArtefactRef:
    return ArtefactRef(CONSTRAINT, flow.ref.agency, flow.ref.id, flow.ref.version)


def actual_constraint(registry: Registry, flow: Dataflow, now: datetime | None = None) -> Constraint | None:
    """What the public data of ``flow`` holds (an Actual ContentConstraint); None when it has no data."""
    view = registry.public_view(now)

    def build() -> Constraint | None:
        try:
            region = availability(registry, DataQuery(), mode="exact", now=now)
        except NotFound:
            return None
        return Constraint(_constraint_ref(flow), {"en": f"Availability for {flow.ref.id}"}, dataflow=flow.ref,
                          region=region)

    return registry.caches.get("constraints", (view.tag, str(flow.ref)), build)


# -- answering a query ---------------------------------------------------------------------------

def _edges(cat: StructureCatalogue) -> dict[ArtefactRef, set[ArtefactRef]]:
    """Parent → children: what each artefact refers to."""
    out: dict[ArtefactRef, set[ArtefactRef]] = defaultdict(set)
    lists = {cl.ref.id: cl.ref for cl in cat.codelists}
    for flow in cat.dataflows:
        out[_constraint_ref(flow)].add(flow.ref)
        if flow.structure is not None:
            out[flow.ref].add(flow.structure)
    for dsd in cat.datastructures:
        out[dsd.ref].update(lists[cl] for cl in dsd.codelists() if cl in lists)
        if dsd.concept_scheme is not None:
            out[dsd.ref].add(dsd.concept_scheme)
    return out


def _walk(start: Iterable[ArtefactRef], step: dict[ArtefactRef, set[ArtefactRef]], *, deep: bool) -> set[ArtefactRef]:
    found: set[ArtefactRef] = set()
    frontier = set(start)
    while frontier:
        following = {n for ref in frontier for n in step.get(ref, ())} - found
        found |= following
        frontier = following if deep else set()
    return found


def _related(matched: set[ArtefactRef], references: str, cat: StructureCatalogue) -> set[ArtefactRef]:
    down = _edges(cat)
    up: dict[ArtefactRef, set[ArtefactRef]] = defaultdict(set)
    for parent, children in down.items():
        for child in children:
            up[child].add(parent)
    parents = _walk(matched, up, deep=False)
    siblings = parents | _walk(parents, down, deep=False)
    scopes = {
        "none": set(),
        "parents": parents,
        "parentsandsiblings": siblings,
        "ancestors": _walk(matched, up, deep=True),
        "children": _walk(matched, down, deep=False),
        "descendants": _walk(matched, down, deep=True),
    }
    scopes["all"] = siblings | scopes["descendants"]
    if references in scopes:
        return scopes[references] - matched
    everything = scopes["all"] | scopes["ancestors"]
    return {ref for ref in everything if ref.type == references} - matched


def _newest(refs: list[ArtefactRef]) -> dict[tuple[str, str, str], str]:
    newest: dict[tuple[str, str, str], str] = {}
    for ref in refs:
        key = (ref.type, ref.agency, ref.id)
        if key not in newest or natural_key(ref.version) > natural_key(newest[key]):
            newest[key] = ref.version
    return newest


def _as_detail(artefact: Maintainable, detail: str, *, matched: bool) -> Maintainable:
    stub = detail in ("allstubs", "allcompletestubs") or (
        not matched and detail in ("referencestubs", "referencecompletestubs"))
    if not stub:
        return artefact
    return replace(artefact, stub=True, complete_stub="complete" in detail)


def _partial(artefacts: list[Maintainable], matched: set[ArtefactRef]) -> list[Maintainable]:
    """detail=referencepartial: referenced schemes keep only the items the returned artefacts use."""
    constraints = [a for a in artefacts if isinstance(a, Constraint) and a.region is not None]
    structures = [a for a in artefacts if isinstance(a, DataStructure)]
    codes_used: dict[str, set[str]] = defaultdict(set)
    for constraint in constraints:
        assert constraint.region is not None
        for structure in structures:
            for component in structure.components:
                if component.codelist and component.id in constraint.region.values:
                    codes_used[component.codelist] |= set(constraint.region.values[component.id])
    concepts_used = {c.concept for s in structures for c in s.components}
    out: list[Maintainable] = []
    for artefact in artefacts:
        if artefact.ref in matched or not isinstance(artefact, ItemScheme):
            out.append(artefact)
        elif artefact.ref.type == CODELIST and artefact.ref.id in codes_used:
            out.append(artefact.with_items(artefact.with_ancestors(codes_used[artefact.ref.id])))
        elif artefact.ref.type == CONCEPTSCHEME and structures:
            out.append(artefact.with_items(concepts_used))
        else:
            out.append(artefact)
    return out


def _select_items(scheme: ItemScheme, wanted: tuple[str, ...]) -> ItemScheme | None:
    present = {i.id for i in scheme.items} & set(wanted)
    return scheme.with_items(present) if present else None


def structures(registry: Registry, query: StructureQuery, now: datetime | None = None) -> StructureResult:
    """The artefacts a structure query asks for; NotFound (SDMX 100) when none match."""
    if query.items is not None and not set(query.types) & set(ITEM_SCHEMES):
        raise BadRequest("an itemID can only be given for item schemes (codelist, conceptscheme).")
    cat = catalogue(registry)
    artefacts: dict[ArtefactRef, Maintainable] = {
        a.ref: a for a in (*cat.dataflows, *cat.datastructures, *cat.codelists, *cat.conceptschemes)}
    constraint_refs = {_constraint_ref(f): f for f in cat.dataflows}
    refs = [*artefacts, *constraint_refs]
    newest = _newest(refs)
    matched = {ref for ref in refs if ref_matches(query, ref, newest[(ref.type, ref.agency, ref.id)])}
    wanted = matched | _related(matched, query.references, cat)
    out: list[Maintainable] = []
    for ref in sorted(wanted, key=lambda r: (list(TYPE_ORDER).index(r.type), r.agency, natural_key(r.id))):
        artefact: Maintainable | None = artefacts.get(ref)
        if ref in constraint_refs:
            artefact = actual_constraint(registry, constraint_refs[ref], now)
        if artefact is None:
            continue
        if ref in matched and query.items is not None and isinstance(artefact, ItemScheme):
            artefact = _select_items(artefact, query.items)
            if artefact is None:
                continue
        out.append(_as_detail(artefact, query.detail, matched=ref in matched))
    if query.detail == "referencepartial":
        out = _partial(out, matched)
    if not any(a.ref in matched for a in out):
        raise NotFound(_nothing(query))
    return StructureResult(tuple(out))


TYPE_ORDER = (DATAFLOW, DATASTRUCTURE, CODELIST, CONCEPTSCHEME, CONSTRAINT)


def _nothing(query: StructureQuery) -> str:
    what = ",".join(query.types)
    agency = ",".join(query.agencies) if query.agencies else "*"
    ids = ",".join(query.ids) if query.ids else "*"
    versions = ",".join(query.versions)
    items = f" with items {','.join(query.items)}" if query.items else ""
    return (f"no {what} {agency}:{ids}({versions}){items} here: the registry maintains dataflow "
            "MPR:MIGRATION_PROFILE(1.0), its data structure, code lists, concept scheme and actual constraint.")


def availability_result(registry: Registry, query: DataQuery, *, mode: str, component: str | None,
                        references: str, now: datetime | None = None, view: PublicView | None = None
                        ) -> StructureResult:
    """An availability answer (REST v1.5 §4.5; REST v2 availability.md): the actual constraint of what the
    query selects (in ``view``, else the public view), with the structures ``references`` asks for (code lists
    reduced to the available codes)."""
    region = availability(registry, query, mode=mode, component=component, now=now, view=view)
    cat = catalogue(registry)
    flow = cat.dataflows[0]
    constraint = Constraint(_constraint_ref(flow), {"en": f"Availability for {flow.ref.id}"}, dataflow=flow.ref,
                            region=region)
    wanted = {
        "none": (), "dataproviderscheme": (), "dataflow": (DATAFLOW,), "datastructure": (DATASTRUCTURE,),
        "codelist": (CODELIST,), "conceptscheme": (CONCEPTSCHEME,),
        "all": (DATAFLOW, DATASTRUCTURE, CODELIST, CONCEPTSCHEME),
    }[references]
    out: list[Maintainable] = []
    structure = cat.datastructures[0]
    by_list = {c.codelist: c.id for c in structure.components if c.codelist}
    for artefact in (*cat.dataflows, *cat.datastructures, *cat.codelists, *cat.conceptschemes):
        if artefact.ref.type not in wanted:
            continue
        if isinstance(artefact, ItemScheme) and artefact.ref.type == CODELIST:
            dimensions = [c.id for c in structure.components if c.codelist == artefact.ref.id]
            codes = {code for d in dimensions for code in region.values.get(d, ())}
            if not codes and by_list.get(artefact.ref.id) not in region.values:
                continue  # an attribute's code list, or a dimension the answer leaves out
            artefact = artefact.with_items(artefact.with_ancestors(codes))
        out.append(artefact)
    return StructureResult((*out, constraint))


def schema_result(registry: Registry, context: str, agency: str, resource_id: str, version: str
                  ) -> StructureResult:
    """A v2 schema query answered as structures (REST v2 schemas.md; what pysdmx's ``get_schema`` reads):
    the data structure behind the dataflow or data structure named, with its concept scheme and code lists."""
    if context == "dataflow":
        flows = structures(registry, StructureQuery(types=(DATAFLOW,), agencies=(agency,), ids=(resource_id,),
                                                    versions=(version,)))
        flow = next(a for a in flows.artefacts if isinstance(a, Dataflow))
        if flow.structure is None:
            raise NotFound(f"dataflow {flow.ref} has no data structure.")
        agency, resource_id, version = flow.structure.agency, flow.structure.id, flow.structure.version
    elif context != "datastructure":
        raise NotFound(f"this registry has no {context}: ask for the schema of a dataflow or a data structure.")
    return structures(registry, StructureQuery(types=(DATASTRUCTURE,), agencies=(agency,), ids=(resource_id,),
                                               versions=(version,), references="descendants"))
