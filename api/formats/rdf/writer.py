"""RDF graphs out: Turtle, JSON-LD, N-Triples and RDF/XML, written by pyoxigraph (RDF 1.1 serialisations).

Each serialisation is declared once here (media type, ``format=`` names, suffix, W3C format IRI); linked-data
pages, SPARQL CONSTRUCT/DESCRIBE answers, dataset downloads and the RDF upload reader all use these declarations,
and negotiate them with :func:`api.formats.negotiation.choose`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import RdfFormat, Triple, serialize

from api import vocab
from api.formats.spec import FormatSpec

_W3C = "http://www.w3.org/ns/formats/"
TURTLE = FormatSpec(id="turtle", media_type="text/turtle", title="Turtle", names=("ttl", "turtle"), suffixes=(".ttl",),
                    charset=True, uri=_W3C + "Turtle")
JSON_LD = FormatSpec(id="json-ld", media_type="application/ld+json", title="JSON-LD", names=("jsonld", "json-ld"),
                     suffixes=(".jsonld",), charset=True, uri=_W3C + "JSON-LD")
N_TRIPLES = FormatSpec(id="n-triples", media_type="application/n-triples", title="N-Triples",
                       names=("nt", "ntriples", "n-triples"), suffixes=(".nt",), charset=True, uri=_W3C + "N-Triples")
RDF_XML = FormatSpec(id="rdf-xml", media_type="application/rdf+xml", title="RDF/XML", names=("rdf", "xml", "rdfxml"),
                     suffixes=(".rdf",), charset=True, uri=_W3C + "RDF_XML")
RDF_OFFERS: tuple[FormatSpec, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)

PREFIXES: dict[str, str] = {
    "mp": vocab.MP, "qb": vocab.QB, "skos": vocab.SKOS, "prov": vocab.PROV, "dcat": vocab.DCAT, "dct": vocab.DCT,
    "xsd": vocab.XSD, "rdf": vocab.RDF, "rdfs": vocab.RDFS, "sdmx-dimension": vocab.SDMX_DIMENSION,
    "sdmx-attribute": vocab.SDMX_ATTRIBUTE, "sdmx-measure": vocab.SDMX_MEASURE, "sdmx-concept": vocab.SDMX_CONCEPT,
    "foaf": vocab.FOAF, "indicator": vocab.INDICATOR,
}


def rdf_format(spec: FormatSpec) -> RdfFormat:
    """pyoxigraph's format for one of :data:`RDF_OFFERS` (found by its media type)."""
    found = RdfFormat.from_media_type(spec.base) if spec in RDF_OFFERS else None
    if found is None:
        raise ValueError(f"{spec.media_type} is not an RDF serialisation")
    return found


def serialize_graph(triples: Iterable[Triple], offer: FormatSpec, *, prefixes: dict[str, str] | None = None) -> bytes:
    """The triples in the offered serialisation (Turtle with the registry's prefixes)."""
    chosen_format = rdf_format(offer)
    chosen = PREFIXES if prefixes is None else prefixes
    body = serialize(list(triples), format=chosen_format,
                     prefixes=chosen if chosen_format in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None)
    return body or b""
