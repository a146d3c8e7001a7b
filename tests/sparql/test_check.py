"""The checks before a query runs: its form, updates, SERVICE, FROM clauses and the dataset they give."""

from __future__ import annotations

import pytest

from api.errors import BadRequest
from api.services.sparql_check import check, dataset


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
