"""The checks before a query runs: its form, updates, SERVICE, FROM clauses and the dataset they give."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from typing import ClassVar

import pytest
from pyoxigraph import Literal, NamedNode, Quad, Store

from api.errors import BadRequest
from api.services.sparql.check import check, dataset


def test_form_and_from_clauses() -> None:
    query = check("PREFIX ex: <http://x/>\nSELECT ?service FROM <http://g/1> FROM NAMED <http://g/2> "
                  "WHERE { ?s ex:SERVICE ?service }")
    assert (query.form, query.from_graphs, query.from_named) == ("SELECT", ("http://g/1",), ("http://g/2",))
    assert check("describe <http://x/a>").returns_graph and not check("ASK {}").returns_graph


@pytest.mark.parametrize(("text", "fragment"), [
    ("insert data { <a:b> <a:c> <a:d> }", "INSERT is a SPARQL Update"),
    ("PREFIX ex: <http://x/> CLEAR DEFAULT", "CLEAR is a SPARQL Update"),
    ("SELECT * { service <http://x/> { ?s ?p ?o } }", "SERVICE is not allowed"),
    ("", "empty"),
    ("PREFIX ex: <http://x/>", "no SELECT"),
])
def test_refusals(text: str, fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        check(text)


def test_the_dataset_is_narrowed_to_public_graphs() -> None:
    public = ["urn:vocabulary", "urn:data:a", "urn:data:b"]
    plain = check("SELECT * { ?s ?p ?o }")
    assert dataset(plain, public, [], []) == (public, public)
    narrowed = check("SELECT * FROM <urn:data:a> FROM <urn:secret> { ?s ?p ?o }")
    assert dataset(narrowed, public, [], []) == (["urn:data:a"], [])
    assert dataset(narrowed, public, ["urn:data:b", "urn:secret"], []) == (["urn:data:b"], [])
    assert dataset(plain, public, [], ["urn:secret"]) == ([], [])


class _Listener(http.server.BaseHTTPRequestHandler):
    calls: ClassVar[list[str]] = []

    def do_GET(self) -> None:  # http.server's name
        _Listener.calls.append(self.path)
        self.send_response(500)
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture(scope="module")
def listener() -> Iterator[str]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Listener)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def _cases(url: str) -> list[tuple[str, str, bool]]:
    """(name, query, whether pyoxigraph calls out): spellings pyoxigraph runs as SERVICE, and text that isn't."""
    return [
        ("plain", f"SELECT * {{ SERVICE <{url}> {{ ?a ?b ?c }} }}", True),
        ("lowercase", f"select * {{ service <{url}> {{ ?a ?b ?c }} }}", True),
        ("SILENT nested", f"SELECT * {{ {{ OPTIONAL {{ {{ SERVICE SILENT <{url}> {{ ?a ?b ?c }} }} }} }} }}", True),
        ("no space", f"SELECT * {{ ?s ?p ?o .SERVICESILENT<{url}> {{ ?a ?b ?c }} }}", True),
        ("comment ended by CR", f"SELECT * {{ ?s ?p ?o # c\rSERVICE <{url}> {{ ?a ?b ?c }} }}", True),
        ("empty prefix", f"PREFIX : <{url}> SELECT * {{ SERVICE:sparql {{ ?a ?b ?c }} }}", True),
        ("escaped local name", f"PREFIX ex: <http://x/> SELECT * {{ ?s ?p ?o OPTIONAL {{ ?s ?p ex:a\\#b }} "
                               f"SERVICE <{url}> {{ ?a ?b ?c }} }}", True),
        ("string", f"SELECT * {{ ?s ?p ?o FILTER(?o != 'SERVICE <{url}> {{}}') }}", False),
        ("long string", f'SELECT * {{ ?s ?p ?o FILTER(?o != """a " SERVICE <{url}> {{}}""") }}', False),
        ("IRI", "SELECT * { ?s <http://example.org/service> ?o }", False),
        ("comment", "SELECT * { ?s ?p ?o # SERVICE <http://x> {}\n }", False),
        ("variable", "SELECT ?service { ?service ?p ?o }", False),
        ("class name", "PREFIX sd: <http://www.w3.org/ns/sparql-service-description#> SELECT * { ?s a sd:Service }",
         False),
    ]


def test_every_spelling_pyoxigraph_runs_as_service_is_refused(listener: str) -> None:
    store = Store()
    graph = NamedNode("http://g/1")
    store.add(Quad(NamedNode("http://s"), NamedNode("http://p"), Literal("1"), graph))
    for name, query, calls_out in _cases(listener):
        before = len(_Listener.calls)
        with contextlib.suppress(Exception):
            list(store.query(query, default_graph=[graph], named_graphs=[graph]))  # type: ignore[call-overload]
        assert (len(_Listener.calls) > before) == calls_out, name  # the truth: pyoxigraph really called out
        if calls_out:
            with pytest.raises(BadRequest, match="SERVICE"):
                check(query)
        else:
            check(query)


def test_from_with_a_prefixed_name() -> None:
    query = check("PREFIX g: <http://registry.test/id/submission/> SELECT * FROM g:A-v1 FROM NAMED <urn:b> {}")
    assert (query.from_graphs, query.from_named) == (("http://registry.test/id/submission/A-v1",), ("urn:b",))
