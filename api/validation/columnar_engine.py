"""The SHACL shapes compiled to column expressions over a table of observations (DESIGN §5; SHACL §2-§4).

For tabular submissions (one row per observation) the data graph is a table: one term per component cell
(``api/formats/rdf/cube_table.py``). A shape then becomes a polars expression that is true on the rows it refuses:

- targets: ``qb:Observation`` is every row; an indicator's class ``<indicator/{ID}#Observation>`` (what the
  validator types observations with) is the rows whose INDICATOR is that indicator;
- ``sh:minCount`` / ``sh:maxCount``: a cell holds at most one value, so min 1 is "the cell is empty" and max ≥ 1
  never fails; ``sh:closed`` is a column check (a column whose property the shape does not allow);
- value constraints (``sh:in``, ``sh:hasValue``, ``sh:datatype``, ``sh:nodeKind``, ``sh:pattern``, ranges) are
  evaluated once per distinct term of the column and joined back (codes, periods and statuses repeat), except the
  measure's ranges: a vectorised float comparison, with the exact decimal comparison for values near the bound;
- ``sh:not`` / ``sh:or`` combine the expressions of their shapes, as in the SPARQL compilation.

Components the registry's shapes do not use raise NotImplementedError when compiling, as in the SPARQL engine.
Shapes whose targets are not observations (the dataset description, ``mp:Submission``) are left to the SPARQL
engine over the description's few triples (:attr:`CompiledTable.other_targets`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import polars as pl
import rdflib
from pyoxigraph import Literal, NamedNode
from rdflib.collection import Collection

from api import vocab
from api.formats.rdf.cube_table import FOCUS, NUMBER, TermTable, term_column
from api.model.structure import MEASURE
from api.validation.engine import SH, VIOLATION, ShaclResult
from api.validation.shape_generator import indicator_class

_SH = rdflib.Namespace(SH)
_XSD = vocab.XSD
_QB_OBSERVATION = vocab.QB + "Observation"
_COLUMN_OF_PATH = {vocab.prop(cid): cid for cid in vocab.COMPONENT_PROPERTIES}
DATASET_COLUMN, SERIES_KEY_COLUMN, SOURCE_ROW_COLUMN = "DATASET", "SERIES_KEY_TERM", "SOURCE_ROW"
# What the registry adds to every observation: the column that stands for the path, and its one kind of term.
_ADDED = {vocab.QB + "dataSet": DATASET_COLUMN, vocab.MP + "seriesKey": SERIES_KEY_COLUMN,
          vocab.MP + "sourceRow": SOURCE_ROW_COLUMN}
_ADDED_SAMPLE: dict[str, NamedNode | Literal] = {
    DATASET_COLUMN: NamedNode("urn:dataset"), SERIES_KEY_COLUMN: Literal("k"),
    SOURCE_ROW_COLUMN: Literal("1", datatype=NamedNode(_XSD + "integer"))}
_IGNORED = {
    rdflib.RDF.type, _SH.name, _SH.description, _SH.message, _SH.order, _SH.group, _SH.severity,
    _SH.deactivated, _SH.path, _SH.property, _SH.targetClass, _SH.ignoredProperties, rdflib.RDFS.label,
    rdflib.RDFS.comment,
}
_VALUE = {_SH.datatype, _SH.nodeKind, _SH.minInclusive, _SH.maxInclusive, _SH["in"], _SH.hasValue, _SH.pattern}
_TZ = r"(Z|[+-][0-9]{2}:[0-9]{2})?"
_LEXICAL = {  # the lexical forms the SPARQL engine accepts (api/validation/sparql_engine.py)
    _XSD + "decimal": r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)",
    _XSD + "integer": r"[+-]?[0-9]+",
    _XSD + "gYear": rf"-?[0-9]{{4,}}{_TZ}",
    _XSD + "gYearMonth": rf"-?[0-9]{{4,}}-(0[1-9]|1[0-2]){_TZ}",
    _XSD + "date": rf"([1-9][0-9]{{3}}|0[1-9][0-9]{{2}}|00[1-9][0-9]|000[1-9])-(0[1-9]|1[0-2])"
                   rf"-(0[1-9]|[12][0-9]|3[01]){_TZ}",
    _XSD + "dateTime": rf"-?[0-9]{{4,}}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]+)?{_TZ}",
    _XSD + "boolean": r"(true|false|1|0)",
}
_NUMERIC = {_XSD + "decimal", _XSD + "integer"}
Term = NamedNode | Literal


def _real_date(lexical: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(lexical[:10])
    except ValueError:
        return False
    return True


def _decimal(term: Term | rdflib.term.Node) -> Decimal | None:
    """The number of a numeric literal (pyoxigraph or rdflib), else None."""
    if isinstance(term, Literal):
        if term.datatype.value not in _NUMERIC:
            return None
        text = term.value
    elif isinstance(term, rdflib.Literal):
        if str(term.datatype) not in _NUMERIC:
            return None
        text = str(term)
    else:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def value_ok(c: rdflib.term.Node, o: rdflib.term.Node, term: Term, graph: rdflib.Graph) -> bool:
    """Whether one value node satisfies one value constraint (the SPARQL engine's expression, in Python)."""
    if c == _SH.datatype:
        if not isinstance(term, Literal) or term.datatype.value != str(o):
            return False
        pattern = _LEXICAL.get(str(o))
        if pattern is not None and re.fullmatch(pattern, term.value) is None:
            return False
        return str(o) != _XSD + "date" or _real_date(term.value)
    if c == _SH.pattern:
        return re.search(str(o), term.value) is not None
    if c == _SH.nodeKind:
        kinds = {str(_SH.IRI): NamedNode, str(_SH.Literal): Literal}
        if str(o) not in kinds:
            raise NotImplementedError(f"sh:nodeKind {o} is not compiled")
        return isinstance(term, kinds[str(o)])
    if c in (_SH.minInclusive, _SH.maxInclusive):
        number, bound = _decimal(term), _decimal(o)
        if number is None or bound is None:
            return False
        return number >= bound if c == _SH.minInclusive else number <= bound
    if c == _SH.hasValue:
        return _same(term, o)
    if c == _SH["in"]:
        return any(_same(term, v) for v in Collection(graph, o))
    raise NotImplementedError(f"{c} is not compiled")


def _same(term: Term, node: rdflib.term.Node) -> bool:
    if isinstance(node, rdflib.URIRef):
        return isinstance(term, NamedNode) and term.value == str(node)
    if isinstance(node, rdflib.Literal):
        return (isinstance(term, Literal) and term.value == str(node)
                and term.datatype.value == str(node.datatype or _XSD + "string"))
    return False


def _key(node: Term | rdflib.term.Node) -> tuple[str, str, str] | None:
    """What :func:`_same` compares, as a key: an IRI, or a literal's lexical form and datatype."""
    if isinstance(node, NamedNode | rdflib.URIRef):
        return ("iri", str(node.value if isinstance(node, NamedNode) else node), "")
    if isinstance(node, Literal):
        return ("literal", node.value, node.datatype.value)
    if isinstance(node, rdflib.Literal):
        return ("literal", str(node), str(node.datatype or _XSD + "string"))
    return None


class Evaluator:
    """Builds the expressions of one table: distinct terms per column, the measure's numbers."""

    def __init__(self, terms: TermTable, graph: rdflib.Graph) -> None:
        self.terms = terms
        self.graph = graph
        self._ok: dict[tuple[rdflib.term.Node, rdflib.term.Node, str], pl.Expr] = {}

    def present(self, column: str) -> pl.Expr:
        if column in _ADDED_SAMPLE:
            return pl.col(FOCUS).is_not_null() if column != SOURCE_ROW_COLUMN else pl.col("ROW").is_not_null()
        return pl.col(term_column(column)).is_not_null()

    def term(self, column: str) -> pl.Expr:
        """The value node as N-Triples text (what a ShaclResult reports)."""
        if column in _ADDED_SAMPLE:
            return pl.lit(None, dtype=pl.Utf8)
        return pl.col(term_column(column))

    def ok(self, c: rdflib.term.Node, o: rdflib.term.Node, column: str) -> pl.Expr:
        """True where the column's value satisfies constraint (c, o); meaningful where the column is present."""
        key = (c, o, column)
        if key not in self._ok:
            self._ok[key] = self._expression(c, o, column)
        return self._ok[key]

    def _expression(self, c: rdflib.term.Node, o: rdflib.term.Node, column: str) -> pl.Expr:
        if column in _ADDED_SAMPLE:
            if c not in (_SH.datatype, _SH.nodeKind):
                raise NotImplementedError(f"{c} on a path the registry writes is not compiled")
            return pl.lit(value_ok(c, o, _ADDED_SAMPLE[column], self.graph))
        if column == MEASURE and c in (_SH.minInclusive, _SH.maxInclusive, _SH.datatype):
            return self._measure_ok(c, o)
        if column == MEASURE:
            distinct = self.terms.frame[term_column(MEASURE)].drop_nulls().unique().to_list()
            passing = [t for t in distinct if value_ok(c, o, _parse_term(t), self.graph)]
        elif c == _SH["in"]:  # the list's members once, not walked again for every distinct term
            members = {_key(v) for v in Collection(self.graph, o)} - {None}
            passing = [t for t, term in self.terms.terms[column].items() if _key(term) in members]
        else:
            passing = [t for t, term in self.terms.terms[column].items() if value_ok(c, o, term, self.graph)]
        return pl.col(term_column(column)).is_in(pl.Series(passing, dtype=pl.Utf8).implode())

    def _measure_ok(self, c: rdflib.term.Node, o: rdflib.term.Node) -> pl.Expr:
        number = pl.col(NUMBER)
        if c == _SH.datatype:
            return pl.lit(False) if str(o) != _XSD + "decimal" else number.is_not_null()
        bound = _decimal(o)
        if bound is None:
            return pl.lit(False)
        b = float(bound)
        near = (number - b).abs() <= 1e-9 * max(1.0, abs(b))
        close = self.terms.frame.filter(near)[term_column(MEASURE)].drop_nulls().unique().to_list()
        passing = [t for t in close if value_ok(c, o, _parse_term(t), self.graph)]
        compare = number >= b if c == _SH.minInclusive else number <= b
        return (pl.when(near).then(pl.col(term_column(MEASURE)).is_in(pl.Series(passing, dtype=pl.Utf8).implode()))
                .otherwise(compare).fill_null(False))


def _parse_term(text: str) -> Term:
    from pyoxigraph import RdfFormat, parse

    term = next(parse(f"<urn:s> <urn:p> {text} .", format=RdfFormat.N_TRIPLES)).object
    assert isinstance(term, NamedNode | Literal)
    return term


@dataclass(frozen=True)
class Check:
    """One (shape, component) on one target: ``fails`` gives the refused rows, ``value`` the value node."""

    shape: str
    component: str
    path: str | None
    severity: str
    indicator: str | None  # None: every observation
    fails: Callable[[Evaluator], pl.Expr]
    value: Callable[[Evaluator], pl.Expr]


@dataclass(frozen=True)
class CompiledTable:
    checks: tuple[Check, ...]
    other_shapes: rdflib.Graph | None  # the shapes that target other nodes (the dataset description), if any


def _other_shapes(shapes: rdflib.Graph, roots: list[rdflib.term.Node]) -> rdflib.Graph | None:
    """The shapes reachable from ``roots`` (with their lists and nested shapes), as a graph of their own."""
    if not roots:
        return None
    graph = rdflib.Graph()
    seen: set[rdflib.term.Node] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in shapes.predicate_objects(node):
            if p == _SH.targetClass and node not in roots:
                continue
            graph.add((node, p, o))
            if isinstance(o, rdflib.BNode | rdflib.URIRef) and (o, None, None) in shapes:
                todo.append(o)
    return graph


class _Compiler:
    def __init__(self, shapes: rdflib.Graph) -> None:
        self.g = shapes
        self.checks: list[Check] = []
        self.other_roots: list[rdflib.term.Node] = []

    def compile(self) -> CompiledTable:
        for node in sorted(set(self.g.subjects(_SH.targetClass, None)), key=str):
            if self.g.value(node, _SH.deactivated) == rdflib.Literal(True):
                continue
            for cls in sorted(self.g.objects(node, _SH.targetClass), key=str):
                observations, target = self._target(str(cls))
                if not observations:
                    self.other_roots.append(node)
                    continue
                if self.g.value(node, _SH.path) is None:
                    self._node_shape(node, target)
                else:
                    self._property_shape(node, target)
        return CompiledTable(tuple(self.checks), _other_shapes(self.g, self.other_roots))

    @staticmethod
    def _target(cls: str) -> tuple[bool, str | None]:
        """(whether the class's instances are rows of the table, the indicator whose rows they are)."""
        if cls == _QB_OBSERVATION:
            return True, None
        if cls.startswith(vocab.INDICATOR) and cls.endswith("#Observation"):
            indicator = cls[: -len("#Observation")]
            if indicator_class(indicator) == cls:
                return True, indicator
        return False, None

    def _severity(self, shape: rdflib.term.Node) -> str:
        return str(self.g.value(shape, _SH.severity) or VIOLATION)

    def _add(self, shape: rdflib.term.Node, component: str, path: str | None, target: str | None,
             fails: Expression, value: Expression) -> None:
        self.checks.append(Check(str(shape), SH + component, path, self._severity(shape), target, fails, value))

    def _constraints(self, shape: rdflib.term.Node) -> Iterator[tuple[rdflib.term.Node, rdflib.term.Node]]:
        for c, o in sorted(self.g.predicate_objects(shape), key=lambda po: (str(po[0]), str(po[1]))):
            if c not in _IGNORED and str(c).startswith(SH):
                yield c, o

    def _column(self, shape: rdflib.term.Node) -> tuple[str, str]:
        path = self.g.value(shape, _SH.path)
        if not isinstance(path, rdflib.URIRef):
            raise NotImplementedError(f"shape {shape}: only predicate paths are compiled")
        column = _COLUMN_OF_PATH.get(str(path)) or _ADDED.get(str(path))
        if column is None:
            raise NotImplementedError(f"shape {shape}: the path {path} is not a column of the table")
        return str(path), column

    def _node_shape(self, node: rdflib.term.Node, target: str | None) -> None:
        for p, o in self._constraints(node):
            if p == _SH.closed:
                if o == rdflib.Literal(True):
                    self._closed(node, target)
            elif p == _SH["or"]:
                alternatives = [self._focus_conforms(s) for s in Collection(self.g, o)]
                self._add(node, "OrConstraintComponent", None, target, _negate(_any(alternatives)), _focus_term)
            else:
                raise NotImplementedError(f"node shape {node}: {p} is not compiled")
        for prop in sorted(self.g.objects(node, _SH.property), key=str):
            if self.g.value(prop, _SH.deactivated) != rdflib.Literal(True):
                self._property_shape(prop, target)

    def _closed(self, node: rdflib.term.Node, target: str | None) -> None:
        allowed = {self._column(prop)[0] for prop in self.g.objects(node, _SH.property)}
        ignored = self.g.value(node, _SH.ignoredProperties)
        if ignored is not None:
            allowed |= {str(p) for p in Collection(self.g, ignored)}
        if str(rdflib.RDF.type) not in allowed:
            raise NotImplementedError(f"closed shape {node} without rdf:type allowed is not compiled")
        for path in sorted({*_COLUMN_OF_PATH, *_ADDED} - allowed):
            column = _COLUMN_OF_PATH.get(path) or _ADDED[path]
            self._add(node, "ClosedConstraintComponent", path, target, _present(column), _term_of(column))

    def _property_shape(self, prop: rdflib.term.Node, target: str | None) -> None:
        path, column = self._column(prop)
        for c, o in self._constraints(prop):
            name = str(c)[len(SH):]
            component = name[0].upper() + name[1:] + "ConstraintComponent"
            value: Expression = _term_of(column)
            fails: Expression
            if c == _SH.minCount:
                n = int(str(o))
                if n == 0:
                    continue
                value, fails = _no_value, (_absent(column) if n == 1 else _always)
            elif c == _SH.maxCount:
                if int(str(o)) >= 1:
                    continue  # one cell, one value
                fails = _present(column)
            elif c == _SH.hasValue:
                value, fails = _no_value, _negate(_has(c, o, column))
            elif c in _VALUE:
                fails = _both(_present(column), _negate(_ok(c, o, column)))
            elif c == _SH["not"]:
                fails = _both(_present(column), self._value_conforms(o, column))
            elif c == _SH["or"]:
                options = [self._value_conforms(s, column) for s in Collection(self.g, o)]
                fails = _both(_present(column), _negate(_any(options)))
            else:
                raise NotImplementedError(f"property shape {prop}: {c} is not compiled")
            self._add(prop, component, path, target, fails, value)

    def _value_conforms(self, shape: rdflib.term.Node, column: str) -> Expression:
        """'the column's value conforms to the node shape' (value constraints only)."""
        if self.g.value(shape, _SH.path) is not None:
            raise NotImplementedError(f"shape {shape}: a property shape inside sh:not/sh:or on values")
        parts = list(self._constraints(shape))
        for c, _ in parts:
            if c not in _VALUE:
                raise NotImplementedError(f"{c} inside a value shape is not compiled")
        return _all([_ok(c, o, column) for c, o in parts])

    def _focus_conforms(self, shape: rdflib.term.Node) -> Expression:
        """'the observation conforms to the (property) shape'."""
        if self.g.value(shape, _SH.path) is None:
            if list(self._constraints(shape)):
                raise NotImplementedError(f"node shape {shape} inside sh:or on observations")
            return _all([])
        _, column = self._column(shape)
        parts: list[Expression] = []
        for c, o in self._constraints(shape):
            if c == _SH.minCount:
                if int(str(o)) > 1:
                    raise NotImplementedError("sh:minCount above 1 inside sh:or")
                if int(str(o)) == 1:
                    parts.append(_present(column))
            elif c == _SH.maxCount:
                if int(str(o)) == 0:
                    parts.append(_absent(column))
            elif c == _SH.hasValue:
                parts.append(_has(c, o, column))
            elif c in _VALUE:
                parts.append(_negate(_both(_present(column), _negate(_ok(c, o, column)))))
            else:
                raise NotImplementedError(f"{c} inside sh:or is not compiled")
        return _all(parts)


Expression = Callable[[Evaluator], pl.Expr]


def _present(column: str) -> Expression:
    return lambda e: e.present(column)


def _absent(column: str) -> Expression:
    return lambda e: ~e.present(column)


def _term_of(column: str) -> Expression:
    return lambda e: e.term(column)


def _ok(c: rdflib.term.Node, o: rdflib.term.Node, column: str) -> Expression:
    return lambda e: e.ok(c, o, column)


def _has(c: rdflib.term.Node, o: rdflib.term.Node, column: str) -> Expression:
    return lambda e: e.present(column) & e.ok(c, o, column)


def _negate(inner: Expression) -> Expression:
    return lambda e: ~inner(e)


def _both(left: Expression, right: Expression) -> Expression:
    return lambda e: left(e) & right(e)


def _any(options: list[Expression]) -> Expression:
    return lambda e: pl.any_horizontal([pl.lit(False), *(a(e) for a in options)])


def _all(parts: list[Expression]) -> Expression:
    return lambda e: pl.all_horizontal([pl.lit(True), *(p(e) for p in parts)])


def _no_value(e: Evaluator) -> pl.Expr:
    return pl.lit(None, dtype=pl.Utf8)


def _always(e: Evaluator) -> pl.Expr:
    return pl.lit(True)


def _focus_term(e: Evaluator) -> pl.Expr:
    return "<" + pl.col(FOCUS) + ">"


def compile_table(shapes: rdflib.Graph) -> CompiledTable:
    """The shapes graph as column checks."""
    return _Compiler(shapes).compile()


class ColumnarEngine:
    """Runs the compiled shapes over a term table; compiles each shapes graph once."""

    def __init__(self) -> None:
        self._compiled: dict[int, tuple[rdflib.Graph, CompiledTable]] = {}

    def compiled(self, shapes: rdflib.Graph) -> CompiledTable:
        cached = self._compiled.get(id(shapes))
        if cached is None or cached[0] is not shapes:
            cached = (shapes, compile_table(shapes))
            self._compiled[id(shapes)] = cached
        return cached[1]

    def validate_table(self, terms: TermTable, shapes: rdflib.Graph) -> tuple[list[ShaclResult], list[int]]:
        """The results on the table's observations, and the frame index of each result's row."""
        compiled = self.compiled(shapes)
        evaluator = Evaluator(terms, shapes)
        frame = terms.frame.with_row_index("__i")
        by_target: dict[str | None, list[Check]] = {}
        for check in compiled.checks:
            by_target.setdefault(check.indicator, []).append(check)
        results: list[ShaclResult] = []
        indexes: list[int] = []
        indicator = pl.col(term_column("INDICATOR"))
        for target, checks in by_target.items():
            rows = frame if target is None else frame.filter(indicator == f"<{target}>")
            if rows.is_empty():
                continue
            flags = rows.select(pl.col("__i"), pl.col(FOCUS),
                                *(check.fails(evaluator).fill_null(False).alias(f"k{k}")
                                  for k, check in enumerate(checks)))
            for k, check in enumerate(checks):
                failed = flags.filter(pl.col(f"k{k}"))
                if failed.is_empty():
                    continue
                values = rows.filter(pl.col("__i").is_in(failed["__i"].implode())).select(
                    pl.col("__i"), pl.col(FOCUS), check.value(evaluator).alias("v"))
                for i, focus, value in values.iter_rows():
                    results.append(ShaclResult(focus=focus, path=check.path, value=value, source_shape=check.shape,
                                               component=check.component, severity=check.severity))
                    indexes.append(i)
        return results, indexes
