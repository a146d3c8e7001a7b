"""Read-only SPARQL over the public view for the CLI's `mpr query` (the same checks as /sparql)."""

from __future__ import annotations

import csv
from typing import TextIO

from pyoxigraph import BlankNode, Literal, NamedNode

from api.errors import BadRequest
from api.services.registry import Registry
from api.services.sparql import check as sparql_check


def _text(term: object) -> str:
    if isinstance(term, NamedNode | Literal):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return "" if term is None else str(term)


def run_to_csv(registry: Registry, sparql: str, out: TextIO) -> int:
    """Run a SELECT (rows as CSV) or ASK (true/false) on the public graphs only; updates are refused."""
    sparql_check.check(sparql)  # the endpoint's rules: no update, no SERVICE
    graphs = registry.public_graphs()
    head = sparql.lstrip().split(None, 1)[0].upper() if sparql.strip() else ""
    try:
        if "ASK" in sparql.upper().split("{", 1)[0] and head != "SELECT":
            out.write("true\n" if registry.store.ask(sparql, default_graphs=graphs) else "false\n")
            return 1
        rows = registry.store.select(sparql, default_graphs=graphs)
    except SyntaxError as exc:
        raise BadRequest(f"the query is not valid SPARQL 1.1 (updates are not allowed here): {exc}") from exc
    except TypeError as exc:
        raise BadRequest("only SELECT and ASK queries can be printed as CSV.") from exc
    writer = csv.writer(out, lineterminator="\n")
    if rows:
        names = list(rows[0])
        writer.writerow(names)
        for row in rows:
            writer.writerow([_text(row[n]) for n in names])
    return len(rows)
