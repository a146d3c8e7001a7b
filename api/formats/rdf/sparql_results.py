"""SPARQL query results out: JSON (SPARQL 1.1 Query Results JSON Format), XML (SPARQL Query Results XML Format,
2nd ed.), CSV and TSV (SPARQL 1.1 Query Results CSV and TSV Formats).

Written here rather than by ``QuerySolutions.serialize`` so that the endpoint can stop at its row limit
before anything is written, and so that rows can come from another process as plain tuples. CSV and TSV open
in spreadsheets: a value that a spreadsheet would run as a formula gets the apostrophe the ``/api`` CSV gives it
(``api_csv.safe_cell``; numbers such as ``-12.5`` stay as they are).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode

from api.formats.spec import FormatSpec
from api.formats.tabular.csv_writer import safe_cell

_W3C = "http://www.w3.org/ns/formats/"
JSON = FormatSpec(id="sparql-json", media_type="application/sparql-results+json", title="SPARQL results in JSON",
                  names=("json", "srj"), suffixes=(".srj",), uri=_W3C + "SPARQL_Results_JSON")
XML = FormatSpec(id="sparql-xml", media_type="application/sparql-results+xml", title="SPARQL results in XML",
                 names=("xml", "srx"), suffixes=(".srx",), charset=True, uri=_W3C + "SPARQL_Results_XML")
CSV = FormatSpec(id="sparql-csv", media_type="text/csv", title="SPARQL results in CSV", names=("csv",),
                 suffixes=(".csv",), charset=True, uri=_W3C + "SPARQL_Results_CSV")
TSV = FormatSpec(id="sparql-tsv", media_type="text/tab-separated-values", title="SPARQL results in TSV",
                 names=("tsv",), suffixes=(".tsv",), charset=True, uri=_W3C + "SPARQL_Results_TSV")
RESULT_OFFERS: tuple[FormatSpec, ...] = (JSON, XML, CSV, TSV)

Term = NamedNode | Literal | BlankNode
Row = Sequence[Term | None]
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value not in (_XSD_STRING, _RDF_LANG_STRING):
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


def _tsv_term(term: Term | None) -> str:
    """RDF term syntax (Turtle/N-Triples) as the TSV format requires; pyoxigraph's ``str`` writes it. A literal
    whose text a spreadsheet would run (it drops the quotes) is written with the apostrophe before it."""
    if term is None:
        return ""
    if isinstance(term, Literal) and (safe := safe_cell(term.value)) != term.value:
        if term.language:
            return str(Literal(safe, language=term.language))
        return str(Literal(safe, datatype=term.datatype))
    return str(term)


def _csv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return safe_cell(term.value)


def write_select(variables: Sequence[str], rows: Sequence[Row], offer: FormatSpec) -> bytes:
    """A SELECT result in the offered format."""
    if offer is JSON:
        bindings = [{v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if offer is XML:
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
                 "<head>", *(f"<variable name={quoteattr(v)}/>" for v in variables), "</head><results>"]
        for row in rows:
            parts.append("<result>")
            parts.extend(f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                         for v, t in zip(variables, row, strict=True) if t is not None)
            parts.append("</result>")
        parts.append("</results></sparql>\n")
        return "".join(parts).encode("utf-8")
    if offer is CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_csv_term(t) for t in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    if offer is TSV:
        lines = ["\t".join(f"?{v}" for v in variables)]
        lines.extend("\t".join(_tsv_term(t) for t in row) for row in rows)
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"{offer.media_type} is not a SPARQL results format")


def write_boolean(value: bool, offer: FormatSpec) -> bytes:
    """An ASK result in the offered format (CSV and TSV hold the word true or false)."""
    if offer is JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if offer is XML:
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    return ("true\n" if value else "false\n").encode("utf-8")
