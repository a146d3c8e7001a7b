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
    r"""(?P<comment>\#[^\r\n]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!\"\"))*\"\"\"
                   |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
      | (?P<iri><(?:[^<>"{}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>)
      | (?P<var>[?$][A-Za-z0-9_]+)
      | (?P<pname>(?P<prefix>[A-Za-z][A-Za-z0-9_\-]*)?:
                  (?:[A-Za-z0-9_\-:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*)
      | (?P<word>[A-Za-z0-9_]+)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
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
    return [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text)
            if m.lastgroup != "comment" and not m.group().isspace()]


def _unescape(text: str) -> str:
    """\\u and \\U code point escapes decoded (SPARQL 1.1 Query §19.2)."""
    def one(match: re.Match[str]) -> str:
        code = int(match.group(1) or match.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else match.group()
    return _ESCAPE.sub(one, text)


def _mentions_service(text: str) -> bool:
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word" and "SERVICE" in match.group().upper():
            return True
        if match.lastgroup == "pname" and "SERVICE" in (match.group("prefix") or "").upper():
            return True
    return False


def has_service(text: str) -> bool:
    """Whether the query may call SERVICE. Errs on the side of refusing: pyoxigraph needs no word boundary
    (``.SERVICESILENT<...>``), reads ``SERVICE:x`` as SERVICE with the empty prefix, and ends comments at CR
    as well as LF; strings, IRIs, comments and variables that mention SERVICE are text."""
    return _mentions_service(text) or _mentions_service(_unescape(text))


def _only_peers(text: str, peers: tuple[str, ...]) -> bool:
    """Whether every mention of SERVICE is exactly ``SERVICE [SILENT] <peer>`` with a listed peer's exact URL
    (SPARQL 1.1 Federated Query §2); any other form (a variable, a prefixed name, glued words) is not."""
    tokens = [(m.lastgroup or "other", m.group()) for m in _TOKEN.finditer(text)
              if m.lastgroup != "comment" and not m.group().isspace()]
    for index, (kind, value) in enumerate(tokens):
        mentions = (kind == "word" and "SERVICE" in value.upper()) or (
            kind == "pname" and "SERVICE" in value.partition(":")[0].upper())
        if not mentions:
            continue
        if kind != "word" or value.upper() != "SERVICE":
            return False
        following = tokens[index + 1: index + 3]
        if following and following[0][0] == "word" and following[0][1].upper() == "SILENT":
            following = following[1:]
        if not following or following[0][0] != "iri" or following[0][1][1:-1] not in peers:
            return False
    return True


def check(text: str, peers: tuple[str, ...] = ()) -> CheckedQuery:
    """The query's form and dataset clauses; BadRequest for an update, no query form, or a SERVICE that does not
    name one of ``peers`` (the other registries of MPR_SPARQL_PEERS) by its exact URL."""
    if not text.strip():
        raise BadRequest("the query is empty: send a SPARQL SELECT, ASK, CONSTRUCT or DESCRIBE in query=.")
    tokens = _tokens(text)
    words = [value.upper() for kind, value in tokens if kind == "word"]
    if has_service(text) and not (peers and _only_peers(text, peers) and _only_peers(_unescape(text), peers)):
        if peers:
            raise BadRequest("SERVICE is allowed only as SERVICE <url> with the exact URL of a peer registry: "
                             + ", ".join(peers) + ". Every other SERVICE is refused.",
                             details={"peers": list(peers)})
        raise BadRequest("SERVICE is not allowed: this endpoint never sends requests to other hosts. Query the "
                         "other endpoint yourself, or federate from your own engine to this one.")
    form = next((w for w in words if w in FORMS or w in UPDATES), None)
    if form is None or form in UPDATES:
        if form is not None:
            raise BadRequest(f"{form} is a SPARQL Update operation and this endpoint is read-only: updates "
                             "(INSERT, DELETE, LOAD, CLEAR, DROP ...) are refused. Agencies submit data through "
                             "/api/submissions.")
        raise BadRequest("the query has no SELECT, ASK, CONSTRUCT or DESCRIBE: see the SPARQL 1.1 Query Language.")
    prefixes: dict[str, str] = {}
    from_graphs: list[str] = []
    from_named: list[str] = []
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1: index + 3]
        if kind == "word" and value.upper() == "PREFIX" and len(following) == 2 and following[1][0] == "iri":
            prefixes[following[0][1].rstrip(":")] = following[1][1][1:-1]
        if kind != "word" or value.upper() != "FROM":
            continue
        named = bool(following) and following[0][0] == "word" and following[0][1].upper() == "NAMED"
        target = following[1] if named and len(following) > 1 else following[0] if following else ("", "")
        graph = _iri(target, prefixes)
        (from_named if named else from_graphs).append(graph or "urn:mpr:unreadable-graph-name")
    return CheckedQuery(text, form, tuple(from_graphs), tuple(from_named))


def _iri(token: tuple[str, str], prefixes: dict[str, str]) -> str | None:
    """The IRI a FROM clause names: written whole, or as a prefixed name of a declared prefix."""
    kind, value = token
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
    return None


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
