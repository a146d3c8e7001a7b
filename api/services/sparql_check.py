"""What a SPARQL request may do here, decided before it runs (SPARQL 1.1 Query §19 grammar, Protocol §2.1).

A small tokenizer skips comments, strings and IRIs, so that a keyword inside a literal never counts: it finds
the query form, refuses every update operation and any ``SERVICE`` (the server never calls other hosts), and
reads the ``FROM`` / ``FROM NAMED`` clauses so that they narrow the dataset to public graphs only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from api.errors import BadRequest

_TOKEN = re.compile(
    r"""(?P<comment>\#[^\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!\"\"))*\"\"\"
                   |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$]\w+)
      | (?P<pname>(?:[A-Za-z_][\w.\-]*)?:[^\s{}()\[\];,<>"'\#]*)
      | (?P<word>[A-Za-z_]\w*)
      | (?P<other>\S)""",
    re.VERBOSE | re.DOTALL,
)
FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")


@dataclass(frozen=True)
class CheckedQuery:
    """A read-only query: its form and the graphs its FROM and FROM NAMED clauses name."""

    text: str
    form: str  # SELECT, ASK, CONSTRUCT or DESCRIBE
    from_graphs: tuple[str, ...] = ()
    from_named: tuple[str, ...] = ()

    @property
    def returns_graph(self) -> bool:
        return self.form in ("CONSTRUCT", "DESCRIBE")


def _tokens(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text) if m.lastgroup != "comment"]


def check(text: str) -> CheckedQuery:
    """The query's form and dataset clauses; BadRequest for an update, SERVICE or no query form."""
    if not text.strip():
        raise BadRequest("the query is empty: send a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE in query=.")
    tokens = _tokens(text)
    words = [value.upper() for kind, value in tokens if kind == "word"]
    if "SERVICE" in words:
        raise BadRequest("SERVICE is not allowed: this endpoint never sends requests to other hosts. Query the "
                         "other endpoint yourself, or federate from your own engine to this one.")
    form = next((w for w in words if w in FORMS or w in UPDATES), None)
    if form is None or form in UPDATES:
        if form is not None:
            raise BadRequest(f"{form} is a SPARQL Update operation and this endpoint is read-only: updates "
                             "(INSERT, DELETE, LOAD, CLEAR, DROP ...) are refused. Agencies submit data through "
                             "/api/submissions.")
        raise BadRequest("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE: see the SPARQL 1.1 Query Language.")
    from_graphs: list[str] = []
    from_named: list[str] = []
    for index, (kind, value) in enumerate(tokens):
        if kind != "word" or value.upper() != "FROM":
            continue
        following = tokens[index + 1: index + 3]
        named = bool(following) and following[0][0] == "word" and following[0][1].upper() == "NAMED"
        target = following[1] if named and len(following) > 1 else following[0] if following else ("", "")
        if target[0] == "iri":
            (from_named if named else from_graphs).append(target[1][1:-1])
    return CheckedQuery(text, form, tuple(from_graphs), tuple(from_named))


def dataset(query: CheckedQuery, public: list[str], default_graph_uris: list[str],
            named_graph_uris: list[str]) -> tuple[list[str], list[str]]:
    """(default graphs, named graphs) to run with: the protocol's parameters win over FROM clauses (Protocol
    §2.1.4), which win over the whole public view; whatever is named is narrowed to public graphs, so a graph
    that is not public (or does not exist) is simply empty and its existence is not revealed."""
    allowed = set(public)

    def narrow(graphs: list[str] | tuple[str, ...]) -> list[str]:
        return [g for g in dict.fromkeys(graphs) if g in allowed]

    if default_graph_uris or named_graph_uris:
        return narrow(default_graph_uris), narrow(named_graph_uris)
    if query.from_graphs or query.from_named:
        return narrow(query.from_graphs), narrow(query.from_named)
    return list(public), list(public)
