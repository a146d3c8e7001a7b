"""The SHACL engine protocol and its result type (DESIGN §5; SHACL §3.6 validation results).

Two engines implement it: pyshacl (the reference) and a SPARQL compilation of the Core components
the registry's shapes use; both return the same set of ShaclResults for the same data and shapes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Protocol

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

SH = "http://www.w3.org/ns/shacl#"
VIOLATION = SH + "Violation"
XSD_DECIMAL = "http://www.w3.org/2001/XMLSchema#decimal"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"

DataInput = rdflib.Graph | str | Iterable[Triple]


@dataclass(frozen=True)
class ShaclResult:
    """One sh:ValidationResult, every term as text.

    ``focus``, ``path``, ``source_shape``, ``component`` and ``severity`` are IRIs (a blank focus node
    is written ``_:id``); ``value`` is the value node in N-Triples form (``<iri>``, ``"5"^^<...>``, numbers
    in XSD canonical form) or None when the constraint has no value node (sh:minCount, sh:hasValue, ...).
    """

    focus: str
    path: str | None
    value: str | None
    source_shape: str
    component: str
    severity: str = VIOLATION

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (self.focus, self.path or "", self.source_shape, self.component, self.value or "")


class ShapeEngine(Protocol):
    """Validates data against a shapes graph (SHACL Core, no inference)."""

    def validate(self, data: DataInput, shapes: rdflib.Graph) -> list[ShaclResult]: ...


def to_rdflib(term: NamedNode | BlankNode | Literal) -> rdflib.term.Node:
    """A pyoxigraph term as the equal rdflib term (a literal keeps its lexical form: rdflib would otherwise
    rewrite "2020-01-01Z"^^xsd:date as "2020-01-01", and sh:pattern reads the lexical form, SHACL §4.4.3)."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    return rdflib.Literal(term.value, datatype=rdflib.URIRef(term.datatype.value), normalize=False)


def _canonical(lexical: str, datatype: str) -> str:
    """XSD canonical form of a decimal or integer (as a store such as Oxigraph keeps it): 150.0 -> 150."""
    try:
        number = Decimal(lexical)
    except InvalidOperation:
        return lexical
    if not number.is_finite():
        return lexical
    if datatype == XSD_INTEGER and number == number.to_integral_value():
        return str(int(number))
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _literal_text(lexical: str, datatype: str | None, language: str | None) -> str:
    if language:
        return str(Literal(lexical, language=language))
    if datatype is None:
        return str(Literal(lexical))
    if datatype in (XSD_DECIMAL, XSD_INTEGER):
        lexical = _canonical(lexical, datatype)
    return str(Literal(lexical, datatype=NamedNode(datatype)))


def term_text(term: rdflib.term.Node) -> str:
    """An rdflib term in the N-Triples form ShaclResult uses (as pyoxigraph writes it)."""
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    if isinstance(term, rdflib.Literal):
        return _literal_text(str(term), None if term.datatype is None else str(term.datatype), term.language)
    return str(NamedNode(str(term)))


def oxi_text(term: NamedNode | BlankNode | Literal) -> str:
    """A pyoxigraph term in the N-Triples form ShaclResult uses."""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, Literal):
        return _literal_text(term.value, term.datatype.value, term.language)
    return str(term)


def data_graph(data: DataInput) -> rdflib.Graph:
    """The data as an rdflib Graph (N-Triples text is parsed; pyoxigraph triples are converted)."""
    if isinstance(data, rdflib.Graph):
        return data
    graph = rdflib.Graph()
    if isinstance(data, str):
        graph.parse(data=data, format="nt")
        return graph
    for t in data:
        graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))  # type: ignore[arg-type]
    return graph
