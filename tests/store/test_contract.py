"""The Store contract (DESIGN §6): every implementation passes the same tests.

Dataset rule: without ``default_graphs`` the default graph is the union of all named graphs; with
``default_graphs`` only those graphs are visible, as default graph and as named graphs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Triple

from api.errors import StoreError
from api.store.base import Store
from api.store.remote_store import RemoteStore, public_url, values_clause

EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"
G1, G2, G3 = EX + "graph/one", EX + "graph/two", EX + "graph/three"
P = NamedNode(EX + "p")
Q = NamedNode(EX + "q")

TRICKY = [
    pytest.param(Literal('say "hi"\nline two\\end\t'), id="quotes-newline-backslash"),
    pytest.param(Literal("c'est « ça »\r\n", language="fr"), id="language-tag"),
    pytest.param(Literal('"} ; DROP ALL ; #'), id="injection-attempt"),
    pytest.param(Literal("x'> } } ; CLEAR ALL ; SELECT * { <"), id="injection-attempt-2"),
    pytest.param(Literal("a\\u0022b"), id="backslash-u-escape-text"),
    pytest.param(Literal("12.5", datatype=NamedNode(XSD + "decimal")), id="decimal"),
    pytest.param(NamedNode(EX + "o?x=1&y=%20#frag"), id="iri"),
]


def s(name: str) -> NamedNode:
    return NamedNode(EX + name)


def t(subject: str, obj: NamedNode | Literal, predicate: NamedNode = P) -> Triple:
    return Triple(s(subject), predicate, obj)


def lit(value: str) -> Literal:
    return Literal(value)


def test_implements_the_protocol(store: Store) -> None:
    assert isinstance(store, Store)


# -- select / ask / construct with bindings ---------------------------------------------------


def test_select_binds_an_iri(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("b", lit("2"))])
    rows = store.select("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", {"s": s("b")})
    assert rows == [{"s": s("b"), "o": lit("2")}]


def test_select_stream_gives_names_and_rows_in_order(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("b", lit("2"))])
    store.add_to_graph(G2, [t("c", lit("3"))])
    names, rows = store.select_stream(
        "SELECT ?o ?s ?missing WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o", {"s": s("b")}, default_graphs=[G1]
    )
    assert names == ["o", "s", "missing"]
    assert list(rows) == [(lit("2"), s("b"), None)]
    _, everything = store.select_stream("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s", default_graphs=[G1, G2])
    assert [row[0] for row in everything] == [s("a"), s("b"), s("c")]
    with pytest.raises(TypeError):
        store.select_stream("ASK { ?s ?p ?o }")


def test_subjects_with_gives_each_matching_subject_with_its_pairs_in_that_graph(store: Store) -> None:
    key = Literal('A.DEU "x"')
    store.add_to_graph(G1, [t("a", key, Q), t("a", lit("1")), t("b", key, Q), t("b", lit("2")), t("c", lit("3"), Q)])
    store.add_to_graph(G2, [t("a", key, Q), t("a", lit("other graph"))])
    found = {subject: sorted(pairs, key=str) for subject, pairs in store.subjects_with(Q, key, G1)}
    assert found == {
        s("a"): sorted([(Q, key), (P, lit("1"))], key=str),
        s("b"): sorted([(Q, key), (P, lit("2"))], key=str),
    }
    assert list(store.subjects_with(Q, lit("absent"), G1)) == []


def test_subject_pairs_gives_one_subjects_pairs_in_one_graph(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("a", lit("x"), Q), t("b", lit("2"))])
    store.add_to_graph(G2, [t("a", lit("other graph"))])
    assert sorted(store.subject_pairs(s("a"), G1), key=str) == sorted([(P, lit("1")), (Q, lit("x"))], key=str)
    assert store.subject_pairs(s("a"), G2) == [(P, lit("other graph"))]
    assert store.subject_pairs(s("absent"), G1) == []


@pytest.mark.parametrize("value", TRICKY)
def test_select_binds_a_tricky_term_as_one_term(store: Store, value: NamedNode | Literal) -> None:
    # Near misses: the same text as a plain string, a longer text, another IRI.
    candidates: list[NamedNode | Literal] = [lit(value.value), lit(value.value + "!"), s("decoy")]
    decoys = {d for d in candidates if d != value}
    store.add_to_graph(G1, [t("hit", value), *(t("miss", d) for d in decoys)])
    rows = store.select("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", {"o": value})
    assert rows == [{"s": s("hit"), "o": value}]
    assert store.ask("ASK { ?s <http://example.org/p> ?o }", {"o": value})
    assert store.list_graphs() == [G1]
    assert len(store.graph_triples(G1)) == 1 + len(decoys)


def test_injection_attempt_stays_a_literal(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    rows = store.select("SELECT ?s ?o WHERE { ?s ?p ?o }", {"o": lit('"} ; DROP ALL ; #')})
    assert rows == []
    assert store.graph_triples(G1) == [t("a", lit("1"))]


def test_several_bindings_at_once(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("a", lit("2")), t("b", lit("1"))])
    rows = store.select(
        "SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }", {"s": s("a"), "o": lit("1")}
    )
    assert rows == [{"s": s("a"), "o": lit("1")}]


def test_bindings_with_group_by(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("b", lit("1")), t("c", lit("2"))])
    rows = store.select(
        "SELECT ?o (COUNT(?s) AS ?n) WHERE { ?s <http://example.org/p> ?o } GROUP BY ?o", {"o": lit("1")}
    )
    assert rows == [{"o": lit("1"), "n": Literal("2", datatype=NamedNode(XSD + "integer"))}]


def test_unbound_variable_is_none(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    rows = store.select("SELECT ?s ?x WHERE { ?s ?p ?o OPTIONAL { ?s <http://example.org/q> ?x } }")
    assert rows == [{"s": s("a"), "x": None}]


def test_ask(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    assert store.ask("ASK { ?s <http://example.org/p> ?o }", {"s": s("a")}) is True
    assert store.ask("ASK { ?s <http://example.org/p> ?o }", {"s": s("b")}) is False


def test_construct(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1")), t("b", lit("2"))])
    triples = store.construct(
        "CONSTRUCT { ?s <http://example.org/q> ?o } WHERE { ?s <http://example.org/p> ?o }", {"s": s("a")}
    )
    assert triples == [t("a", lit("1"), Q)]


def test_construct_with_blank_nodes(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    query = "CONSTRUCT { ?s <http://example.org/q> [ <http://example.org/p> ?o ] } WHERE { ?s ?p ?o }"
    triples = store.construct(query)
    assert len(triples) == 2
    link = next(x for x in triples if x.subject == s("a"))
    assert isinstance(link.object, BlankNode)
    assert Triple(link.object, P, lit("1")) in triples


def test_malformed_query_is_a_syntax_error(store: Store) -> None:
    with pytest.raises(SyntaxError):
        store.select("SELECT ?s WHERE { ?s ?p }")


def test_select_refuses_an_ask(store: Store) -> None:
    with pytest.raises(TypeError):
        store.select("ASK { ?s ?p ?o }")


def test_blank_node_binding_is_refused_by_remote() -> None:
    with pytest.raises(ValueError, match="a blank node cannot be bound"):
        values_clause({"x": BlankNode("b0")})


# -- datasets -----------------------------------------------------------------------------------


@pytest.fixture
def two_graphs(store: Store) -> Store:
    store.add_to_graph(G1, [t("in-one", lit("1"))])
    store.add_to_graph(G2, [t("in-two", lit("2"))])
    return store


def test_without_default_graphs_the_default_graph_is_the_union(two_graphs: Store) -> None:
    rows = two_graphs.select("SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s")
    assert [r["s"] for r in rows] == [s("in-one"), s("in-two")]


def test_default_graphs_restricts_the_default_graph(two_graphs: Store) -> None:
    rows = two_graphs.select("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[G1])
    assert rows == [{"s": s("in-one")}]
    assert not two_graphs.ask("ASK { ?s ?p 2 }", default_graphs=[G1])
    assert not two_graphs.ask('ASK { ?s ?p "2" }', default_graphs=[G1])
    assert two_graphs.ask('ASK { ?s ?p "2" }', default_graphs=[G1, G2])
    assert two_graphs.construct("CONSTRUCT WHERE { ?s ?p ?o }", default_graphs=[G2]) == [t("in-two", lit("2"))]


def test_default_graphs_restricts_graph_patterns(two_graphs: Store) -> None:
    query = "SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert two_graphs.select(query, default_graphs=[G1]) == [{"g": NamedNode(G1), "s": s("in-one")}]
    named = "SELECT ?s WHERE { GRAPH <http://example.org/graph/two> { ?s ?p ?o } }"
    assert two_graphs.select(named, default_graphs=[G1]) == []
    assert two_graphs.select(named) == [{"s": s("in-two")}]


def test_empty_default_graphs_sees_nothing(two_graphs: Store) -> None:
    assert two_graphs.select("SELECT ?s WHERE { ?s ?p ?o }", default_graphs=[]) == []
    assert two_graphs.select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", default_graphs=[]) == []


def test_default_graphs_with_bindings(two_graphs: Store) -> None:
    query = "SELECT ?s ?o WHERE { ?s ?p ?o }"
    assert two_graphs.select(query, {"o": lit("2")}, default_graphs=[G1]) == []
    assert two_graphs.select(query, {"o": lit("2")}, default_graphs=[G2]) == [{"s": s("in-two"), "o": lit("2")}]


# -- writes -------------------------------------------------------------------------------------


def _raising_half_way(triples: list[Triple]) -> Iterator[Triple]:
    yield from triples[: len(triples) // 2]
    raise RuntimeError("the source broke half way")


def test_replace_graph_is_all_or_nothing(store: Store) -> None:
    old = [t("old", lit("1"))]
    store.replace_graph(G1, old)
    new = [t(f"new{i}", lit(str(i))) for i in range(200)]
    with pytest.raises(RuntimeError, match="half way"):
        store.replace_graph(G1, _raising_half_way(new))
    assert store.graph_triples(G1) == old
    assert store.list_graphs() == [G1]
    assert store.select("SELECT ?s WHERE { ?s ?p ?o }") == [{"s": s("old")}]


def test_replace_twice_keeps_only_the_second(store: Store) -> None:
    store.replace_graph(G1, [t("first", lit("1")), t("both", lit("x"))])
    store.replace_graph(G1, [t("second", lit("2")), t("both", lit("x"))])
    assert set(store.graph_triples(G1)) == {t("second", lit("2")), t("both", lit("x"))}


def test_replace_graph_leaves_other_graphs_alone(store: Store) -> None:
    store.add_to_graph(G2, [t("other", lit("2"))])
    store.replace_graph(G1, [t("a", lit("1"))])
    store.replace_graph(G1, [])
    assert store.graph_triples(G2) == [t("other", lit("2"))]
    assert store.graph_triples(G1) == []
    assert G1 not in store.list_graphs()


def test_add_to_graph_adds(store: Store) -> None:
    store.replace_graph(G1, [t("a", lit("1"))])
    store.add_to_graph(G1, [t("b", lit("2")), t("a", lit("1"))])
    store.add_to_graph(G1, [])
    assert set(store.graph_triples(G1)) == {t("a", lit("1")), t("b", lit("2"))}
    assert store.list_graphs() == [G1]


def test_drop_graph(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    store.add_to_graph(G2, [t("b", lit("2"))])
    store.drop_graph(G1)
    store.drop_graph(G3)  # dropping a graph that does not exist is not an error
    assert store.list_graphs() == [G2]
    assert store.graph_triples(G1) == []
    assert not store.ask("ASK { ?s ?p ?o }", {"s": s("a")})


def test_list_graphs_sorted(store: Store) -> None:
    for name in ("z", "a", "m", "a/b"):
        store.add_to_graph(EX + name, [t(name, lit(name))])
    assert store.list_graphs() == [EX + "a", EX + "a/b", EX + "m", EX + "z"]


def test_graph_triples(store: Store) -> None:
    triples = [t("a", lit("1")), t("a", s("b")), t("b", lit("2"), Q)]
    store.add_to_graph(G1, triples)
    store.add_to_graph(G2, [t("elsewhere", lit("3"))])
    assert sorted(map(str, store.graph_triples(G1))) == sorted(map(str, triples))


def test_quads(store: Store) -> None:
    store.add_to_graph(G1, [t("a", lit("1"))])
    store.add_to_graph(G2, [t("b", lit("2")), t("c", lit("3"))])
    store.add_to_graph(G3, [t("d", lit("4"))])
    streamed = store.quads()
    assert isinstance(streamed, Iterator)
    everything = set(streamed)
    assert everything == {
        Quad(s("a"), P, lit("1"), NamedNode(G1)),
        Quad(s("b"), P, lit("2"), NamedNode(G2)),
        Quad(s("c"), P, lit("3"), NamedNode(G2)),
        Quad(s("d"), P, lit("4"), NamedNode(G3)),
    }
    assert {q.graph_name for q in store.quads([G2, G3])} == {NamedNode(G2), NamedNode(G3)}
    assert len(list(store.quads([G2]))) == 2


DATATYPED = [
    Literal("2020", datatype=NamedNode(XSD + "gYear")),
    Literal("2020-01", datatype=NamedNode(XSD + "gYearMonth")),
    Literal("2020-01-31", datatype=NamedNode(XSD + "date")),
    Literal("2020-Q1", datatype=NamedNode("https://w3id.org/migration-profile/def#sdmxTimePeriod")),
    Literal("12.5", datatype=NamedNode(XSD + "decimal")),
    Literal("-0.25", datatype=NamedNode(XSD + "decimal")),
    Literal("42", datatype=NamedNode(XSD + "integer")),
    Literal("true", datatype=NamedNode(XSD + "boolean")),
    Literal("Personnes nées à l'étranger", language="fr"),
    Literal("Migrantes", language="es"),
    Literal("International migrant stock", language="en"),
    Literal("plain string"),
    Literal(""),
]


def test_datatypes_round_trip(store: Store) -> None:
    triples = [t(f"s{i}", value) for i, value in enumerate(DATATYPED)]
    store.replace_graph(G1, triples)
    assert set(store.graph_triples(G1)) == set(triples)
    rows = store.select("SELECT ?s ?o WHERE { ?s <http://example.org/p> ?o }")
    assert {r["o"] for r in rows} == set(DATATYPED)
    assert set(store.construct("CONSTRUCT WHERE { ?s ?p ?o }")) == set(triples)
    for value in DATATYPED:
        assert store.ask("ASK { ?s <http://example.org/p> ?o }", {"o": value}), value
    assert {q.object for q in store.quads()} == set(DATATYPED)


def test_update_is_one_transaction(store: Store) -> None:
    store.add_to_graph(G2, [t("b", lit("2"))])
    with pytest.raises(StoreError):
        store.update(
            "INSERT DATA { GRAPH <http://example.org/graph/one> { <http://example.org/x> <http://example.org/p> 1 } } ;"
            " CREATE GRAPH <http://example.org/graph/two>"  # exists: this operation fails
        )
    assert store.list_graphs() == [G2]
    assert store.graph_triples(G1) == []


def test_update_applies(store: Store) -> None:
    store.update(
        "INSERT DATA { GRAPH <http://example.org/graph/one> { <http://example.org/x> <http://example.org/p> 1 } }"
    )
    assert store.graph_triples(G1) == [t("x", Literal("1", datatype=NamedNode(XSD + "integer")))]


def test_a_conditional_insert_of_filters_only_inserts_once(store: Store) -> None:
    """The compare-and-set of the write claims: a WHERE group of nothing but FILTER NOT EXISTS is one solution
    while the claim is absent and none once it is there (Virtuoso passed such a filter every time)."""
    claim = ("INSERT {{ GRAPH <http://example.org/graph/one> {{ <http://example.org/d> <http://example.org/p> "
             "<http://example.org/claim/{n}> }} }} WHERE {{ FILTER NOT EXISTS {{ GRAPH <http://example.org/graph/one> "
             "{{ <http://example.org/d> <http://example.org/p> ?other }} }} }}")
    for n in range(3):
        store.update(claim.format(n=n))
    assert store.graph_triples(G1) == [t("d", s("claim/0"))]
    assert store.ask("ASK { FILTER NOT EXISTS { ?s ?p <http://example.org/nothing> } }", default_graphs=[G1])
    assert not store.ask("ASK { FILTER NOT EXISTS { ?s ?p <http://example.org/claim/0> } }", default_graphs=[G1])


def test_ten_thousand_triples_round_trip(store: Store) -> None:
    decimal = NamedNode(XSD + "decimal")
    triples = [
        t(f"obs/{i}", Literal(f"{i}.5", datatype=decimal) if i % 2 else Literal(f"label {i}", language="en"))
        for i in range(10_000)
    ]
    store.replace_graph(G1, iter(triples))
    assert set(store.graph_triples(G1)) == set(triples)
    assert sum(1 for _ in store.quads([G1])) == 10_000
    n = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {"g": NamedNode(G1)})
    assert n == [{"g": NamedNode(G1), "n": Literal("10000", datatype=NamedNode(XSD + "integer"))}]


# -- remote store specifics ---------------------------------------------------------------------


@pytest.mark.server
def test_remote_without_graph_store_replaces_atomically(remote_without_gsp: RemoteStore) -> None:
    store = remote_without_gsp
    store.replace_graph(G1, [t("old", lit("1"))])
    new = [t(f"new{i}", lit(str(i))) for i in range(12_000)]  # more than one INSERT DATA chunk reached staging
    with pytest.raises(RuntimeError, match="half way"):
        store.replace_graph(G1, _raising_half_way(new))
    assert store.graph_triples(G1) == [t("old", lit("1"))]
    assert store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g {} }") == [{"g": NamedNode(G1)}]
    store.replace_graph(G1, new)
    store.add_to_graph(G1, [t("added", lit("x"))])
    assert len(store.graph_triples(G1)) == 12_001
    assert store.list_graphs() == [G1]


@pytest.mark.server
def test_remote_errors_name_the_endpoint_and_status_not_the_password(oxigraph_server: str) -> None:
    store = RemoteStore(
        f"{oxigraph_server}/query", f"{oxigraph_server}/update", user="alice", password="pa55word-secret"
    )
    with pytest.raises(StoreError) as caught:
        store.select("SELECT ?s WHERE { ?s ?p }")
    message = caught.value.message
    assert f"{oxigraph_server}/query" in message and "HTTP 400" in message
    assert "pa55word-secret" not in message and "alice" not in message
    assert "\n" not in message
    assert caught.value.details["status"] == 400
    assert "pa55word-secret" not in repr(store)


@pytest.mark.server
def test_remote_missing_endpoint_is_a_store_error(oxigraph_server: str) -> None:
    store = RemoteStore(f"{oxigraph_server}/nowhere", f"{oxigraph_server}/nowhere", f"{oxigraph_server}/nowhere")
    with pytest.raises(StoreError, match="HTTP 404"):
        store.ask("ASK {}")
    with pytest.raises(StoreError, match="HTTP 404"):
        store.add_to_graph(G1, [t("a", lit("1"))])


def test_remote_unreachable_is_a_store_error() -> None:
    store = RemoteStore("http://bob:hunter2@127.0.0.1:9/query", "http://127.0.0.1:9/update", timeout=2)
    with pytest.raises(StoreError, match="cannot reach") as caught:
        store.ask("ASK {}")
    assert "hunter2" not in caught.value.message


def test_remote_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError, match="not an http"):
        RemoteStore("file:///etc/passwd", "http://127.0.0.1/update")


def test_public_url_drops_credentials_and_query() -> None:
    assert public_url("https://u:p@example.org:8890/sparql?key=secret") == "https://example.org:8890/sparql"


def test_values_clause_serialises_terms() -> None:
    clause = values_clause({"o": Literal('a"b\n', language="en"), "s": NamedNode(EX + "x")})
    assert clause.strip() == 'VALUES (?o ?s) { ("a\\"b\\n"@en <http://example.org/x>) }'
    assert values_clause(None) == "" and values_clause({}) == ""


def test_load_new_graph_bulk_loads_and_replaces(store: Store) -> None:
    store.load_new_graph(G1, [t("a", lit("1"))])
    store.load_new_graph(G1, (t(f"s{i}", lit(str(i))) for i in range(3000)))
    triples = store.graph_triples(G1)
    assert len(triples) == 3000 and t("a", lit("1")) not in triples
    assert store.list_graphs() == [G1]


# -- Virtuoso's documented refusals --------------------------------------------------------------


def test_virtuoso_refuses_an_update_of_several_operations_before_sending_it() -> None:
    from api.store.virtuoso_store import VirtuosoStore, operations

    assert operations("INSERT DATA { <a:x> <a:p> \"x ; y\" } ;") == 1
    assert operations("# a; comment\nDROP SILENT GRAPH <a:g;x> ; CLEAR ALL") == 2
    assert operations("INSERT { GRAPH <a:g> { <a:s> <a:p> 1 ; <a:q> 2 } } WHERE { ?s <a:p> ?o ; <a:q> ?x }") == 1
    store = VirtuosoStore("http://127.0.0.1:9/sparql", "http://127.0.0.1:9/sparql-auth", timeout=1)
    with pytest.raises(StoreError, match="one operation per update") as caught:
        store.update("INSERT DATA { <a:x> <a:p> 1 } ; CLEAR ALL")  # port 9: it would be "cannot reach" if sent
    assert caught.value.details["operations"] == 2


@pytest.mark.server
@pytest.mark.parametrize("engine", ["oxigraph_engine", "virtuoso_engine"])
def test_every_write_moves_the_generation_another_process_reads(engine: str, request: pytest.FixtureRequest) -> None:
    from api.store.remote import remote_store
    from tests.conftest import emptied

    found = emptied(request.getfixturevalue(engine))
    def open_one() -> RemoteStore:
        return remote_store(found.query_url, found.update_url, found.gsp_url, user=found.user,
                            password=found.password, generation_graph=G3)
    writer, reader = open_one(), open_one()
    seen = [reader.refresh()]
    assert reader.refresh() == seen[0] == reader.generation  # nothing written: the same
    writer.add_to_graph(G1, [t("a", lit("1"))])
    assert writer.generation is None  # its own write: nothing cached until it reads the counter again
    seen.append(reader.refresh())
    writer.replace_graph(G2, [t("b", lit("2"))])
    seen.append(reader.refresh())
    writer.drop_graph(G1)
    seen.append(reader.refresh())
    assert seen == sorted(set(seen)) and len(seen) == 4, seen  # every write moved it, never back
    assert reader.refresh() == seen[-1]


@pytest.mark.server
def test_virtuoso_sends_a_large_graph_in_parts(request: pytest.FixtureRequest) -> None:
    """Virtuoso refuses a Graph Store request of over a million terms: the graph goes in parts (here of 3)."""
    from api.store.virtuoso_store import VirtuosoStore
    from tests.store.conftest import _fresh

    store = _fresh(request.getfixturevalue("virtuoso_engine"))
    assert isinstance(store, VirtuosoStore)
    store.gsp_chunk = 3
    try:
        store.load_new_graph(G1, [t(f"s{i}", lit(str(i))) for i in range(10)])
        assert sorted(x.object.value for x in store.graph_triples(G1)) == sorted(str(i) for i in range(10))
        store.replace_graph(G1, [t(f"r{i}", lit(f"r{i}")) for i in range(6)])  # exactly two parts
        assert sorted(x.object.value for x in store.graph_triples(G1)) == [f"r{i}" for i in range(6)]
    finally:
        store.close()
