"""RDF graphs out: Turtle, JSON-LD, N-Triples and RDF/XML, written by pyoxigraph (RDF 1.1 serialisations).

The offers are shared by linked-data pages and SPARQL CONSTRUCT/DESCRIBE answers, so both negotiate the
same media types with :func:`api.formats.media.choose`.
"""

from __future__ import annotations

from collections.abc import Iterable

from pyoxigraph import RdfFormat, Triple, serialize

from api import vocab
from api.formats.media import MediaType

TURTLE = MediaType("text/turtle", ("ttl", "turtle"))
JSON_LD = MediaType("application/ld+json", ("jsonld", "json-ld"))
N_TRIPLES = MediaType("application/n-triples", ("nt", "ntriples", "n-triples"))
RDF_XML = MediaType("application/rdf+xml", ("rdf", "xml", "rdfxml"))
RDF_OFFERS: tuple[MediaType, ...] = (TURTLE, JSON_LD, N_TRIPLES, RDF_XML)

_FORMATS = {TURTLE: RdfFormat.TURTLE, JSON_LD: RdfFormat.JSON_LD, N_TRIPLES: RdfFormat.N_TRIPLES,
            RDF_XML: RdfFormat.RDF_XML}

PREFIXES: dict[str, str] = {
    "mp": vocab.MP, "qb": vocab.QB, "skos": vocab.SKOS, "prov": vocab.PROV, "dcat": vocab.DCAT, "dct": vocab.DCT,
    "xsd": vocab.XSD, "rdf": vocab.RDF, "rdfs": vocab.RDFS, "sdmx-dimension": vocab.SDMX_DIMENSION,
    "sdmx-attribute": vocab.SDMX_ATTRIBUTE, "sdmx-measure": vocab.SDMX_MEASURE, "sdmx-concept": vocab.SDMX_CONCEPT,
    "foaf": vocab.FOAF, "indicator": vocab.INDICATOR,
}


def serialize_graph(triples: Iterable[Triple], offer: MediaType, *, prefixes: dict[str, str] | None = None) -> bytes:
    """The triples in the offered serialisation (Turtle with the registry's prefixes)."""
    rdf_format = _FORMATS.get(offer)
    if rdf_format is None:
        raise ValueError(f"{offer.media_type} is not an RDF serialisation")
    chosen = PREFIXES if prefixes is None else prefixes
    body = serialize(list(triples), format=rdf_format,
                     prefixes=chosen if rdf_format in (RdfFormat.TURTLE, RdfFormat.RDF_XML) else None)
    return body or b""
