"""A SHACL Core engine that compiles the shapes into one SPARQL SELECT over pyoxigraph (DESIGN §5).

Same results as pyshacl for the components the registry's shapes use: sh:targetClass, sh:minCount,
sh:maxCount, sh:in, sh:datatype, sh:nodeKind, sh:minInclusive, sh:maxInclusive, sh:hasValue, sh:pattern
(without sh:flags), sh:not and sh:or of simple shapes, sh:closed with sh:ignoredProperties, sh:severity and
sh:deactivated. Anything else in a shape raises NotImplementedError at compile time rather than being
silently skipped.

The query text is generated from the shapes graph only: every IRI and literal in it is a term of the
shapes graph as the RDF library serialises it (N-Triples), never input data. Each constraint becomes a
UNION branch that binds ``?k``, the index of its (shape, component, path, severity) in Python.
Differences from pyshacl, outside what the registry's data produces: lexical well-formedness of typed
literals is checked with the XSD patterns below (rdflib parses with Python's conversions; an xsd:date must
also be a real calendar date in years 0001-9999, as Python's), the store keeps typed numbers in canonical
form ("1.50" is reported as "1.5"), and sh:pattern is XPath's regular expression (SPARQL REGEX) where
pyshacl uses Python's, whose ``$`` also matches before a final newline.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence, Set
from dataclasses import dataclass

import rdflib
from pyoxigraph import Quad, QuerySolutions, Store
from rdflib.collection import Collection

from api.store.queries import load_query
from api.validation.engine import SH, VIOLATION, DataInput, ShaclResult, oxi_text

_SH = rdflib.Namespace(SH)
_XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = rdflib.RDF.type
_TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_LEXICAL = {
    _XSD + "decimal": r"^[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)$",
    _XSD + "integer": r"^[+-]?[0-9]+$",
    _XSD + "gYear": rf"^-?[0-9]{{4,}}{_TZ}$",
    _XSD + "gYearMonth": rf"^-?[0-9]{{4,}}-(0[1-9]|1[0-2]){_TZ}$",
    # Python's date (what rdflib, and so pyshacl, parses with): four-digit years from 0001
    _XSD + "date": rf"^([1-9][0-9]{{3}}|0[1-9][0-9]{{2}}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])"
                   rf"-(0[1-9]|[12][0-9]|3[01]){_TZ}$",
    _XSD + "dateTime": rf"^-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\\.[0-9]+)?{_TZ}$",
    _XSD + "boolean": r"^(true|false|1|0)$",
}
# Predicates of a shape that do not constrain (annotations) or that the compiler handles as structure.
_IGNORED = {
    rdflib.RDF.type, _SH.name, _SH.description, _SH.message, _SH.order, _SH.group, _SH.severity,
    _SH.deactivated, _SH.path, _SH.property, _SH.targetClass, _SH.ignoredProperties, rdflib.RDFS.label,
    rdflib.RDFS.comment,
}
# Datatypes whose value space the store checks by a cast (a date must exist: 2019-02-29 does not).
_CAST_CHECKED = {_XSD + "date"}
_VALUE_COMPONENTS = {_SH.datatype, _SH.nodeKind, _SH.minInclusive, _SH.maxInclusive, _SH["in"], _SH.hasValue,
                     _SH.pattern}


@dataclass(frozen=True)
class _Branch:
    shape: str
    component: str
    path: str | None
    severity: str


def _n3(term: rdflib.term.Node) -> str:
    """A term of the shapes graph in N-Triples syntax (what rdflib writes; no user text)."""
    if isinstance(term, rdflib.BNode):
        raise NotImplementedError("a blank node cannot be a constant in a compiled query")
    return term.n3()


def _is_extension(p: rdflib.term.Node) -> bool:
    """Predicates outside the SHACL namespace are annotations (e.g. mps:rule, mps:indicator)."""
    return not str(p).startswith(SH)


class _Compiler:
    """Turns the shapes graph into UNION branches, one per (shape, constraint component, target)."""

    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes
        self.branches: list[_Branch] = []
        self.patterns: list[str] = []
        self.targets: list[str] = []  # the target class of each branch
        self._target = ""
        self._vars = itertools.count()

    def var(self) -> str:
        return f"?x{next(self._vars)}"

    def compile(self) -> str:
        for node in sorted(set(self.g.subjects(_SH.targetClass, None)), key=str):
            if self._deactivated(node):
                continue
            for cls in sorted(self.g.objects(node, _SH.targetClass), key=str):
                target = f"?f a {_n3(cls)} ."
                self._target = str(cls)
                if self.g.value(node, _SH.path) is None:
                    self._node_shape(node, target)
                else:
                    self._property_shape(node, target)
        return union(self.patterns)

    def _deactivated(self, shape: rdflib.term.Node) -> bool:
        return self.g.value(shape, _SH.deactivated) == rdflib.Literal(True)

    def _severity(self, shape: rdflib.term.Node) -> str:
        return str(self.g.value(shape, _SH.severity) or VIOLATION)

    def _add(self, shape: rdflib.term.Node, component: str, path: str | None, pattern: str) -> None:
        k = len(self.branches)
        self.branches.append(_Branch(str(shape), SH + component, path, self._severity(shape)))
        self.patterns.append(f"{{ {pattern} BIND({k} AS ?k) }}")
        self.targets.append(self._target)

    # -- node shapes --------------------------------------------------------------------------
    def _node_shape(self, node: rdflib.term.Node, target: str) -> None:
        for p, o in sorted(self.g.predicate_objects(node), key=lambda po: (str(po[0]), str(po[1]))):
            if p in _IGNORED or _is_extension(p):
                continue
            if p == _SH.closed:
                if o == rdflib.Literal(True):
                    self._closed(node, target)
            elif p == _SH["or"]:
                alternatives = " || ".join(self._focus_conforms(s, "?f") for s in Collection(self.g, o))
                self._add(node, "OrConstraintComponent", None, f"{target} FILTER(!({alternatives})) BIND(?f AS ?v)")
            else:
                raise NotImplementedError(f"node shape {node}: {p} is not compiled")
        for prop in sorted(self.g.objects(node, _SH.property), key=str):
            if not self._deactivated(prop):
                self._property_shape(prop, target)

    def _closed(self, node: rdflib.term.Node, target: str) -> None:
        allowed = {self._path(prop) for prop in self.g.objects(node, _SH.property)}
        ignored = self.g.value(node, _SH.ignoredProperties)
        if ignored is not None:
            allowed |= {str(p) for p in Collection(self.g, ignored)}
        values = " ".join(_n3(rdflib.URIRef(p)) for p in sorted(allowed))
        self._add(node, "ClosedConstraintComponent", None, f"{target} ?f ?p ?v . MINUS {{ VALUES ?p {{ {values} }} }}")

    def _path(self, shape: rdflib.term.Node) -> str:
        path = self.g.value(shape, _SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise NotImplementedError(f"shape {shape}: only predicate paths are compiled")
        return str(path)

    # -- property shapes ----------------------------------------------------------------------
    def _property_shape(self, prop: rdflib.term.Node, target: str) -> None:
        path = self._path(prop)
        p = _n3(rdflib.URIRef(path))
        for c, o in sorted(self.g.predicate_objects(prop), key=lambda po: (str(po[0]), str(po[1]))):
            if c in _IGNORED or _is_extension(c):
                continue
            name = str(c)[len(SH):]
            component = name[0].upper() + name[1:] + "ConstraintComponent"
            if c == _SH.minCount:
                n = int(str(o))
                if n == 1:
                    pattern = f"{target} FILTER NOT EXISTS {{ ?f {p} ?y }}"
                else:
                    pattern = (f"{{ SELECT ?f (COUNT(DISTINCT ?y) AS ?n) WHERE {{ {target} OPTIONAL {{ ?f {p} ?y }} }}"
                               f" GROUP BY ?f }} FILTER(?n < {n})")
                self._add(prop, component, path, pattern)
            elif c == _SH.maxCount and int(str(o)) == 1:
                # Two distinct values: a self-join per focus is index lookups, where GROUP BY over every
                # observation materialises one group each (about 3x slower on 100k observations).
                pattern = f"{target} ?f {p} ?y . ?f {p} ?y2 . FILTER(!sameTerm(?y, ?y2))"
                self._add(prop, component, path, pattern)
            elif c == _SH.maxCount:
                pattern = (f"{{ SELECT ?f (COUNT(DISTINCT ?y) AS ?n) WHERE {{ {target} ?f {p} ?y }} GROUP BY ?f }}"
                           f" FILTER(?n > {int(str(o))})")
                self._add(prop, component, path, pattern)
            elif c == _SH.hasValue:
                self._add(prop, component, path, f"{target} FILTER NOT EXISTS {{ ?f {p} {_n3(o)} }}")
            elif c == _SH["in"]:
                values = " ".join(_n3(v) for v in Collection(self.g, o))
                self._add(prop, component, path, f"{target} ?f {p} ?v . MINUS {{ VALUES ?v {{ {values} }} }}")
            elif c in _VALUE_COMPONENTS:
                self._add(prop, component, path, f"{target} ?f {p} ?v . FILTER(!({self._value_ok(c, o, '?v')}))")
            elif c == _SH["not"]:
                self._add(prop, component, path, f"{target} ?f {p} ?v . FILTER({self._value_conforms(o, '?v')})")
            elif c == _SH["or"]:
                alternatives = " || ".join(self._value_conforms(s, "?v") for s in Collection(self.g, o))
                self._add(prop, component, path, f"{target} ?f {p} ?v . FILTER(!({alternatives}))")
            else:
                raise NotImplementedError(f"property shape {prop}: {c} is not compiled")

    # -- boolean expressions for nested shapes ------------------------------------------------
    def _value_ok(self, c: rdflib.term.Node, o: rdflib.term.Node, x: str) -> str:
        """The expression 'value node x satisfies constraint c with parameter o'."""
        if c == _SH.datatype:
            pattern = _LEXICAL.get(str(o))
            lexical = f' && REGEX(STR({x}), "{pattern}")' if pattern else ""
            if str(o) in _CAST_CHECKED:
                lexical += f" && COALESCE(sameTerm(DATATYPE({_n3(o)}(STR({x}))), {_n3(o)}), false)"
            return f"(isLiteral({x}) && sameTerm(DATATYPE({x}), {_n3(o)}){lexical})"
        if c == _SH.pattern:
            if not isinstance(o, rdflib.Literal):
                raise NotImplementedError(f"sh:pattern {o} is not a literal")
            # SHACL §4.4.3: a blank node never matches; otherwise the string form of the value node.
            return f"(!isBlank({x}) && COALESCE(REGEX(STR({x}), {_n3(rdflib.Literal(str(o)))}), false))"
        if c == _SH.nodeKind:
            kinds = {str(_SH.IRI): "isIRI", str(_SH.Literal): "isLiteral", str(_SH.BlankNode): "isBlank"}
            if str(o) not in kinds:
                raise NotImplementedError(f"sh:nodeKind {o} is not compiled")
            return f"{kinds[str(o)]}({x})"
        if c == _SH.minInclusive:
            return f"COALESCE({x} >= {_n3(o)}, false)"
        if c == _SH.maxInclusive:
            return f"COALESCE({x} <= {_n3(o)}, false)"
        if c == _SH.hasValue:
            return f"sameTerm({x}, {_n3(o)})"
        if c == _SH["in"]:
            members = [f"sameTerm({x}, {_n3(v)})" for v in Collection(self.g, o)]
            return f"({' || '.join(members) or 'false'})"
        raise NotImplementedError(f"{c} is not compiled")

    def _constraints(self, shape: rdflib.term.Node) -> Iterator[tuple[rdflib.term.Node, rdflib.term.Node]]:
        for c, o in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if c not in _IGNORED and not _is_extension(c):
                yield c, o

    def _value_conforms(self, shape: rdflib.term.Node, x: str) -> str:
        """The expression 'node x conforms to the node shape' (value constraints only)."""
        if self.g.value(shape, _SH.path) is not None:
            raise NotImplementedError(f"shape {shape}: a property shape inside sh:not/sh:or on values")
        parts = [self._value_ok(c, o, x) for c, o in self._constraints(shape)]
        return f"({' && '.join(parts) or 'true'})"

    def _focus_conforms(self, shape: rdflib.term.Node, f: str) -> str:
        """The expression 'focus node f conforms to the (property) shape'."""
        if self.g.value(shape, _SH.path) is None:
            return self._value_conforms(shape, f)
        p = _n3(rdflib.URIRef(self._path(shape)))
        parts: list[str] = []
        for c, o in self._constraints(shape):
            y = self.var()
            if c == _SH.minCount:
                if int(str(o)) > 1:
                    raise NotImplementedError("sh:minCount above 1 inside sh:or")
                parts.append(f"EXISTS {{ {f} {p} {y} }}" if int(str(o)) == 1 else "true")
            elif c == _SH.maxCount:
                if int(str(o)) != 0:
                    raise NotImplementedError("sh:maxCount other than 0 inside sh:or")
                parts.append(f"NOT EXISTS {{ {f} {p} {y} }}")
            elif c == _SH.hasValue:
                parts.append(f"EXISTS {{ {f} {p} {_n3(o)} }}")
            elif c in _VALUE_COMPONENTS:
                parts.append(f"NOT EXISTS {{ {f} {p} {y} FILTER(!({self._value_ok(c, o, y)})) }}")
            else:
                raise NotImplementedError(f"{c} inside sh:or is not compiled")
        return f"({' && '.join(parts) or 'true'})"


def union(patterns: Sequence[str]) -> str:
    """One SELECT of the branches' UNION (none: a query without solutions)."""
    if not patterns:
        return "SELECT ?k ?f ?v ?p WHERE { FILTER(false) }"
    body = "\n  UNION\n  ".join(patterns)
    return f"SELECT ?k ?f ?v ?p WHERE {{\n  {body}\n}}"


@dataclass(frozen=True)
class CompiledShapes:
    branches: tuple[_Branch, ...]
    patterns: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # the target class of each branch (SHACL §2.1.3.2: sh:targetClass)

    @property
    def query(self) -> str:
        """The SELECT of every branch (what :meth:`query_for` runs when every target class has instances)."""
        return union(self.patterns)

    def query_for(self, classes: Set[str]) -> str:
        """The SELECT of only the branches whose target class has an instance in the data: every branch starts
        with ``?f a <class>``, so the others find nothing, and parsing the whole UNION (thousands of branches)
        costs seconds even on an empty store. Branch numbers ``?k`` stay those of ``branches``."""
        return union([p for p, target in zip(self.patterns, self.targets, strict=True) if target in classes])


def compile_shapes(shapes: rdflib.Graph) -> CompiledShapes:
    """The shapes graph compiled: each branch of its SELECT, with its metadata and target class."""
    compiler = _Compiler(shapes)
    compiler.compile()
    return CompiledShapes(tuple(compiler.branches), tuple(compiler.patterns), tuple(compiler.targets))


class SparqlEngine:
    """Runs the compiled shapes over an in-memory pyoxigraph store; compiles each shapes graph once."""

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[rdflib.Graph, CompiledShapes]] = {}

    def compiled(self, shapes: rdflib.Graph) -> CompiledShapes:
        cached = self._compiled.get(id(shapes))
        if cached is None or cached[0] is not shapes:
            cached = (shapes, compile_shapes(shapes))
            self._compiled[id(shapes)] = cached
        return cached[1]

    def validate(self, data: DataInput, shapes: rdflib.Graph) -> list[ShaclResult]:
        return self.validate_store(_store(data), shapes)

    def validate_store(self, store: Store, shapes: rdflib.Graph) -> list[ShaclResult]:
        """Run the compiled shapes over data already in ``store`` (pyoxigraph evaluates without the GIL, so
        another thread can query the same store meanwhile)."""
        compiled = self.compiled(shapes)
        classes = {s["c"].value for s in _solutions(store, load_query("validation/target-classes"))}
        solutions = _solutions(store, compiled.query_for(classes))
        found: set[ShaclResult] = set()
        for s in solutions:
            branch = compiled.branches[int(s["k"].value)]
            focus, value, path = s["f"], s["v"], s["p"]
            found.add(ShaclResult(
                focus=focus.value if not str(focus).startswith("_:") else oxi_text(focus),
                path=path.value if path is not None else branch.path,
                value=None if value is None else oxi_text(value),
                source_shape=branch.shape,
                component=branch.component,
                severity=branch.severity,
            ))
        return sorted(found, key=ShaclResult.sort_key)


def _solutions(store: Store, query: str) -> QuerySolutions:
    solutions = store.query(query)
    assert isinstance(solutions, QuerySolutions)
    return solutions


def _store(data: DataInput) -> Store:
    """The data in a fresh in-memory store."""
    from pyoxigraph import RdfFormat

    store = Store()
    if isinstance(data, rdflib.Graph):
        store.load(data.serialize(format="nt"), format=RdfFormat.N_TRIPLES)
    elif isinstance(data, str):
        store.load(data, format=RdfFormat.N_TRIPLES)
    else:
        store.extend(Quad(t.subject, t.predicate, t.object) for t in data)
    return store
