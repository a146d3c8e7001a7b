"""The W3C Data Cube integrity constraints IC-1 .. IC-21 on a published cube (DESIGN §5).

Implements W3C vocab-data-cube §10.3 (normalisation) and §11.1 (IC-1 .. IC-21), on an in-memory
pyoxigraph store. Every SPARQL text lives in ``api/store/queries/integrity/``; each IC query is a
SELECT that lists the offenders, so that a message can name the node.

Where this differs from the REC's text, and why (linked-data.md §0, §1.3):

- The cube is normalised first (phase 1 closure, phase 2 push-down); the closure also applies the
  rdfs:domain/range of qb:dataSet, qb:structure, qb:sliceKey and qb:sliceStructure.
- IC-12 and IC-17 group observations on their dimension values (GROUP BY compares terms, i.e.
  sameTerm) instead of the REC's quadratic self-join, whose ``=`` raises a type error on two
  different xsd:gYear values and so reports false duplicates. Both are templates instantiated per
  DSD: only variable names are generated; the DSD and dimension IRIs are bound by substitution.
  IC-12 compares observations that carry every dimension of the DSD (one lacking a dimension is
  reported by IC-11).
- IC-20 and IC-21 are templates over one parent-child property each (a SPARQL path cannot hold a
  variable). The properties are read from the store first (``qb:HierarchicalCodeList`` /
  ``qb:parentChildProperty``, for IC-21 through ``owl:inverseOf``) and each is written into the
  template as pyoxigraph serialises the NamedNode (an IRI that pyoxigraph has validated, never user
  text). The registry's own code lists are skos:ConceptSchemes, so there these find no property and
  IC-19 is the check that applies.
- IC-19, IC-20 and IC-21 report each offending (dimension, value) once, with an example observation
  and the number of observations that carry it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    Quad,
    QuerySolution,
    QuerySolutions,
    Store,
    Triple,
    Variable,
)

from api.store.queries import load_query

QB_MEASURE_TYPE = NamedNode("http://purl.org/linked-data/cube#measureType")
DEFAULT_LIMIT = 100


@dataclass(frozen=True, slots=True)
class IntegrityViolation:
    """One failure of a Data Cube integrity constraint; ``focus`` is the node at fault (an IRI or _:id)."""

    ic: str
    message: str
    focus: str | None = None


@dataclass(frozen=True, slots=True)
class _Rule:
    """An IC: its title and rule in one sentence (REC §11.1 wording), and how to describe one row."""

    ic: str
    title: str
    rule: str
    detail: str


_RULES: tuple[_Rule, ...] = (
    _Rule(
        "IC-1",
        "Unique DataSet",
        "every qb:Observation has exactly one qb:dataSet",
        "observation {focus} has {count} qb:dataSet values",
    ),
    _Rule(
        "IC-2",
        "Unique DSD",
        "every qb:DataSet has exactly one qb:structure",
        "data set {focus} has {count} qb:structure values",
    ),
    _Rule(
        "IC-3",
        "DSD includes measure",
        "every qb:DataStructureDefinition declares at least one measure",
        "data structure {focus} declares no qb:MeasureProperty",
    ),
    _Rule("IC-4", "Dimensions have range", "every dimension has an rdfs:range", "dimension {focus} has no rdfs:range"),
    _Rule(
        "IC-5",
        "Concept dimensions have code lists",
        "every dimension whose range is skos:Concept has a qb:codeList",
        "dimension {focus} has range skos:Concept but no qb:codeList",
    ),
    _Rule(
        "IC-6",
        "Only attributes may be optional",
        "only attributes may be marked qb:componentRequired false",
        "component {focus} of {dsd} is marked optional but is not a qb:AttributeProperty",
    ),
    _Rule(
        "IC-7",
        "Slice keys must be declared",
        "every qb:SliceKey is the qb:sliceKey of a data structure",
        "slice key {focus} belongs to no qb:DataStructureDefinition",
    ),
    _Rule(
        "IC-8",
        "Slice keys consistent with DSD",
        "every component property of a slice key is a component property of its data structure",
        "slice key {focus} uses {property}, which is not a component of {dsd}",
    ),
    _Rule(
        "IC-9",
        "Unique slice structure",
        "every qb:Slice has exactly one qb:sliceStructure",
        "slice {focus} has {count} qb:sliceStructure values",
    ),
    _Rule(
        "IC-10",
        "Slice dimensions complete",
        "every qb:Slice has a value for every dimension of its slice key",
        "slice {focus} has no value for {dimension}",
    ),
    _Rule(
        "IC-11",
        "All dimensions required",
        "every observation has a value for every dimension of its data structure",
        "observation {focus} has no value for dimension {dimension}",
    ),
    _Rule(
        "IC-12",
        "No duplicate observations",
        "no two observations in one data set have the same value for every dimension",
        "observations {members} in {dataset} all have {key}",
    ),
    _Rule(
        "IC-13",
        "Required attributes",
        "every observation has a value for every required attribute",
        "observation {focus} has no value for required attribute {attribute}",
    ),
    _Rule(
        "IC-14",
        "All measures present",
        "without a measure dimension, every observation has a value for every measure",
        "observation {focus} has no value for measure {measure}",
    ),
    _Rule(
        "IC-15",
        "Measure dimension consistent",
        "every observation has a value for the measure named by its qb:measureType",
        "observation {focus} has qb:measureType {measure} but no value for it",
    ),
    _Rule(
        "IC-16",
        "Single measure on measure dimension observation",
        "an observation has a value only for the measure named by its qb:measureType",
        "observation {focus} has qb:measureType {measure} but also a value for {other}",
    ),
    _Rule(
        "IC-17",
        "All measures present in measures dimension cube",
        "each key of the other dimensions has an observation for every measure of the data structure",
        "in {dataset} the key {key} has observations for {count} of the {expected} measures (e.g. {focus})",
    ),
    _Rule(
        "IC-18",
        "Consistent data set links",
        "an observation of a slice of data set D has qb:dataSet D",
        "observation {focus} is in slice {slice} of {dataset} but its qb:dataSet is not {dataset}",
    ),
    _Rule(
        "IC-19",
        "Codes from code list",
        "the value of a coded dimension is a skos:Concept of its code list",
        "{value} of {dimension} is not in {list} ({count} observation(s), e.g. {focus})",
    ),
    _Rule(
        "IC-20",
        "Codes from hierarchy",
        "the value of a dimension with a hierarchical code list is reachable from a root along the "
        "parent-child property",
        "{value} of {dimension} is not reachable from a root of {list} ({count} observation(s), e.g. {focus})",
    ),
    _Rule(
        "IC-21",
        "Codes from hierarchy (inverse)",
        "the value of a dimension with a hierarchical code list is reachable from a root along the "
        "inverse of the parent-child property",
        "{value} of {dimension} is not reachable from a root of {list} ({count} observation(s), e.g. {focus})",
    ),
)
# IC id -> "Title: the rule in one sentence", for reports that explain a rule.
RULES: Mapping[str, str] = {r.ic: f"{r.title}: {r.rule}" for r in _RULES}


def normalise(store: Store) -> None:
    """Normalise the cube in the store's default graph in place (vocab-data-cube §10.3, phases 1 and 2)."""
    store.update(load_query("integrity/normalise-closure"))
    store.update(load_query("integrity/normalise-flatten"))


def check_integrity(triples: Iterable[Triple | Quad], *, limit: int = DEFAULT_LIMIT) -> list[IntegrityViolation]:
    """IC-1 .. IC-21 on a cube: observations, their qb:DataSet, the DSD and its code lists.

    The triples (quads go to the default graph, their graph dropped) are loaded into a fresh
    in-memory store, normalised, and checked. At most ``limit`` violations are listed per IC, followed
    by one line saying that more were left out. An empty list means the cube is well-formed.
    """
    store = Store()
    store.bulk_extend(_as_default_graph(triples))  # a private store: no transaction needed (faster)
    normalise(store)
    return check_store(store, limit=limit)


def check_store(store: Store, *, limit: int = DEFAULT_LIMIT) -> list[IntegrityViolation]:
    """IC-1 .. IC-21 on the default graph of ``store``, which must already be normalised."""
    found: list[IntegrityViolation] = []
    for rule in _RULES:
        found.extend(_capped(rule, _rows(store, rule.ic), limit))
    return found


def _as_default_graph(items: Iterable[Triple | Quad]) -> Iterator[Quad]:
    for item in items:
        yield Quad(item.subject, item.predicate, item.object)


def _rows(store: Store, ic: str) -> Iterator[dict[str, str]]:
    """The offenders of one IC as rows of rendered terms (plus ``focus``: the node id or None)."""
    special: dict[str, Callable[[Store], Iterator[dict[str, str]]]] = {
        "IC-12": _duplicates,
        "IC-17": _missing_measures,
        "IC-20": lambda s: _hierarchy(s, "ic-20"),
        "IC-21": lambda s: _hierarchy(s, "ic-21"),
    }
    if ic in special:
        yield from special[ic](store)
        return
    number = int(ic.split("-")[1])
    yield from _select(store, load_query(f"integrity/ic-{number:02d}"))


def _capped(rule: _Rule, rows: Iterator[dict[str, str]], limit: int) -> Iterator[IntegrityViolation]:
    for n, row in enumerate(rows):
        if n == limit:
            yield IntegrityViolation(
                rule.ic, f"{rule.ic} {rule.title}: more violations than the {limit} listed were left out."
            )
            return
        detail = rule.detail.format_map(_Defaulting(row))
        yield IntegrityViolation(rule.ic, f"{rule.ic} {rule.title}: {rule.rule}; {detail}.", row.get("_focus"))


class _Defaulting(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _solutions(
    store: Store, query: str, substitutions: dict[Variable, NamedNode | BlankNode] | None = None
) -> QuerySolutions:
    result = store.query(query, substitutions=substitutions)  # type: ignore[arg-type]
    if not isinstance(result, QuerySolutions):
        raise TypeError("an integrity query must be a SELECT")
    return result


def _select(
    store: Store, query: str, substitutions: dict[Variable, NamedNode | BlankNode] | None = None
) -> Iterator[dict[str, str]]:
    result = _solutions(store, query, substitutions)
    names = [v.value for v in result.variables]
    for solution in result:
        yield _render(solution, names)


def _render(solution: QuerySolution, names: list[str]) -> dict[str, str]:
    row: dict[str, str] = {}
    for name in names:
        term = solution[name]
        if term is None:
            continue
        row[name] = term.value if isinstance(term, Literal) and _is_count(name) else str(term)
    focus = solution["focus"] if "focus" in names else None
    if focus is not None:
        row["_focus"] = focus.value if isinstance(focus, NamedNode) else str(focus)
    return row


def _is_count(name: str) -> bool:
    return name in {"count", "expected"}


# --- templates: IC-12 and IC-17 (one instance per DSD), IC-20 and IC-21 (one per property) -----------

_LIST_TOKEN = re.compile(r"\?(dim|value)\*")


@cache
def _key_template(name: str, size: int) -> str:
    """Expand a key template for ``size`` dimensions: ``?dim*`` -> ``?dim0 ?dim1 ...``; lines with ``$i``
    are repeated once per dimension. Only variable names are generated, never IRIs or values."""
    lines: list[str] = []
    for line in load_query(f"integrity/{name}").splitlines():
        if line.lstrip().startswith("#"):
            lines.append(line)
            continue
        line = _LIST_TOKEN.sub(lambda m: " ".join(f"?{m.group(1)}{i}" for i in range(size)), line)
        if "$i" in line:
            lines.extend(line.replace("$i", str(i)) for i in range(size))
        else:
            lines.append(line)
    return "\n".join(lines)


def _key_dimensions(store: Store) -> dict[NamedNode | BlankNode, list[NamedNode]]:
    """Each DSD used by a data set -> its dimension properties, in IRI order."""
    dims: dict[NamedNode | BlankNode, list[NamedNode]] = {}
    for solution in _solutions(store, load_query("integrity/key-dimensions")):
        dsd, dim = solution["dsd"], solution["dimension"]
        if isinstance(dsd, NamedNode | BlankNode) and isinstance(dim, NamedNode):
            dims.setdefault(dsd, []).append(dim)
    return dims


def _key_bindings(dsd: NamedNode | BlankNode, dims: list[NamedNode]) -> dict[Variable, NamedNode | BlankNode]:
    subs: dict[Variable, NamedNode | BlankNode] = {Variable("dsd"): dsd}
    subs.update({Variable(f"dim{i}"): dim for i, dim in enumerate(dims)})
    return subs


def _key_text(dims: list[NamedNode], row: Mapping[str, str]) -> str:
    return "(" + ", ".join(f"{dim}={row.get(f'value{i}', '?')}" for i, dim in enumerate(dims)) + ")"


def _duplicates(store: Store) -> Iterator[dict[str, str]]:
    """IC-12: groups of observations of one data set that share every dimension value (sameTerm)."""
    for dsd, dims in _key_dimensions(store).items():
        query = _key_template("ic-12", len(dims))
        groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
        for row in _select(store, query, _key_bindings(dsd, dims)):
            key = (row["dataset"], *(row.get(f"value{i}", "") for i in range(len(dims))))
            groups.setdefault(key, []).append(row)
        for members in groups.values():
            if len(members) < 2:  # the others of its group had two values for a dimension
                continue
            first = members[0]
            yield {
                **first,
                "members": ", ".join(m["focus"] for m in members),
                "key": _key_text(dims, first),
            }


def _missing_measures(store: Store) -> Iterator[dict[str, str]]:
    """IC-17: keys (all dimensions but qb:measureType) lacking an observation for some measure."""
    for dsd, dims in _key_dimensions(store).items():
        if QB_MEASURE_TYPE not in dims:
            continue
        others = [d for d in dims if d != QB_MEASURE_TYPE]
        query = _key_template("ic-17", len(others))
        for row in _select(store, query, _key_bindings(dsd, others)):
            yield {**row, "key": _key_text(others, row)}


def _hierarchy(store: Store, name: str) -> Iterator[dict[str, str]]:
    """IC-20 / IC-21: the template instantiated once per parent-child property found in the store."""
    template = load_query(f"integrity/{name}")
    properties = [s["property"] for s in _solutions(store, load_query(f"integrity/{name}-properties"))]
    for prop in properties:
        if not isinstance(prop, NamedNode):
            continue
        # str(NamedNode) is pyoxigraph's N-Triples form "<iri>" of an IRI it has already validated.
        yield from _select(store, template.replace("{{PARENT_CHILD_PROPERTY}}", str(prop)))
