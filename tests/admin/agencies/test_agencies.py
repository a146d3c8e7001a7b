"""The public RDF description of agencies, their validation, and that no credential reaches the RDF store."""

from __future__ import annotations

import hashlib

import pytest
from pyoxigraph import Literal, NamedNode

from api import vocab
from api.errors import BadRequest
from api.model.agency import AgencyKind
from api.services.admin import agencies
from api.services.admin.agencies import AgencyRequest
from api.services.registry import Registry
from tests.admin.agencies.conftest import NSO

ORG = "http://www.w3.org/ns/org#"
VCARD = "http://www.w3.org/2006/vcard/ns#"


def test_the_description_is_in_its_own_graph(agency_registry: Registry) -> None:
    graph = "http://registry.test/graph/agency/DESTATIS"
    assert graph in agency_registry.store.list_graphs()
    triples = {(t.subject, t.predicate, t.object) for t in agency_registry.store.graph_triples(graph)}
    me = NamedNode("http://registry.test/id/agency/DESTATIS")
    assert me == NamedNode(agency_registry.iris.agency("DESTATIS"))
    expected = {
        (me, NamedNode(vocab.RDF + "type"), NamedNode(vocab.MP + "Agency")),
        (me, NamedNode(vocab.RDF + "type"), NamedNode(vocab.PROV + "Organization")),
        (me, NamedNode(vocab.SKOS + "notation"), Literal("DESTATIS")),
        (me, NamedNode(vocab.FOAF + "name"), Literal("Federal Statistical Office", language="en")),
        (me, NamedNode(vocab.FOAF + "name"), Literal("Statistisches Bundesamt", language="de")),
        (me, NamedNode(ORG + "classification"), NamedNode(vocab.CODE + "agency-kind/NSO")),
        (me, NamedNode(vocab.DCT + "spatial"), NamedNode(vocab.CODE + "area/DEU")),
        (me, NamedNode(VCARD + "hasEmail"), NamedNode("mailto:migration@destatis.de")),
    }
    assert expected <= triples
    assert {s for s, _, _ in triples} == {me}


def test_kind_and_country_are_codes_of_the_vocabulary(agency_registry: Registry) -> None:
    for kind in AgencyKind:
        iri = vocab.code("agency-kind", kind.code)
        assert agency_registry.store.ask(
            "ASK { ?c <http://www.w3.org/2004/02/skos/core#inScheme> ?s }",
            {"c": NamedNode(iri), "s": NamedNode(vocab.CODE + "agency-kind")},
            default_graphs=[vocab.VOCABULARY_GRAPH],
        ), iri


def test_list_reads_the_description_back(agency_registry: Registry) -> None:
    found = {a.id: a for a in agencies.list_agencies(agency_registry)}
    assert sorted(found) == ["DESTATIS", "MPR_ADMIN", "UNHCR"]
    nso = found["DESTATIS"]
    assert (nso.kind, nso.country, nso.areas, nso.admin, nso.contact) == (
        AgencyKind.NSO, "DEU", ("DEU",), False, "migration@destatis.de")
    assert nso.name("de") == "Statistisches Bundesamt" and nso.name("fr") == "Federal Statistical Office"
    assert found["UNHCR"].contact == "https://www.unhcr.org/" and found["UNHCR"].areas == ()
    assert found["MPR_ADMIN"].admin and found["MPR_ADMIN"].kind is AgencyKind.ADMIN
    assert agencies.get_agency(agency_registry, "UNHCR") == found["UNHCR"]


def test_codes_are_normalised_and_granted_areas_kept(registry: Registry) -> None:
    added = agencies.add_agency(registry, AgencyRequest(
        "BAMF", ("Bundesamt für Migration und Flüchtlinge@de",), AgencyKind.MINISTRY, country="de",
        areas=("DE", "040"), admin=True))
    assert (added.country, added.areas, added.admin) == ("DEU", ("AUT", "DEU"), True)


@pytest.mark.parametrize(("request_", "says"), [
    (AgencyRequest("1BAD", ("x",), AgencyKind.NSO, country="DEU"), "start with a letter"),
    (AgencyRequest("X", (), AgencyKind.NSO, country="DEU"), "needs a name"),
    (AgencyRequest("X", ("a", "b"), AgencyKind.NSO, country="DEU"), "one name per language"),
    (AgencyRequest("X", ("x",), AgencyKind.NSO), "add --country"),
    (AgencyRequest("X", ("x",), AgencyKind.NSO, country="Germany"), "Did you mean DEU (Germany)?"),
    (AgencyRequest("X", ("x",), AgencyKind.NSO, country="DEU", areas=("XYZ",)), "--area 'XYZ' is not a code"),
    (AgencyRequest("X", ("x",), AgencyKind.NSO, country="DEU", areas=("_T",)), "special code"),
    (AgencyRequest("X", ("x",), AgencyKind.INTERNATIONAL, areas=("DEU",)), "leave out --area"),
    (AgencyRequest("X", ("x",), AgencyKind.ADMIN, admin=False), "always an admin"),
    (AgencyRequest("X", ("x",), AgencyKind.NSO, country="DEU", contact="call us"), "neither an e-mail"),
])
def test_bad_requests_say_what_to_change(registry: Registry, request_: AgencyRequest, says: str) -> None:
    with pytest.raises(BadRequest, match=says.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        agencies.add_agency(registry, request_)
    assert agencies.list_agencies(registry) == []


def test_adding_twice_needs_replace_and_keeps_tokens(agency_registry: Registry) -> None:
    credentials = agencies.credentials_for(agency_registry)
    token = agencies.create_token(credentials, "DESTATIS")
    with pytest.raises(BadRequest, match="already exists; add --replace"):
        agencies.add_agency(agency_registry, NSO)
    changed = agencies.add_agency(agency_registry, AgencyRequest(
        "DESTATIS", ("Destatis",), AgencyKind.NSO, country="DEU", areas=("DEU", "AUT")), replace=True)
    assert changed.areas == ("AUT", "DEU")
    assert agencies.verify_token(credentials, token.secret).areas == {"AUT", "DEU"}
    assert agencies.get_agency(agency_registry, "DESTATIS").names == (("en", "Destatis"),)


def test_no_credential_is_in_any_graph(agency_registry: Registry) -> None:
    credentials = agencies.credentials_for(agency_registry)
    created = [agencies.create_token(credentials, a, label="robot") for a in ("DESTATIS", "UNHCR", "MPR_ADMIN")]
    agencies.revoke_token(credentials, created[0].info.id)
    secrets_ = [(c.secret, hashlib.sha256(c.secret.encode()).hexdigest(), c.secret.split("_", 2)[2]) for c in created]
    texts = [term.value for quad in agency_registry.store.quads()
             for term in (quad.subject, quad.predicate, quad.object, quad.graph_name) if hasattr(term, "value")]
    assert texts
    for token, digest, secret in secrets_:
        assert not [t for t in texts if token in t or digest in t or secret in t]
    rows = agency_registry.store.select(
        "PREFIX mp: <https://w3id.org/migration-profile/def#> "
        "SELECT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o FILTER(isLiteral(?o) && (REGEX(STR(?o), '^mpr_') "
        "|| (REGEX(STR(?o), '^[0-9a-f]{64}$') && ?p NOT IN (mp:ontologyHash, mp:sha256)))) } }")
    assert rows == []


def test_public_descriptions_are_served_as_linked_data_and_in_sparql(agency_registry: Registry) -> None:
    """Point 1: an agency's description (name, kind, country, contact) is public; its scope and tokens are not."""
    from fastapi.testclient import TestClient

    from api.web.app import create_app

    client = TestClient(create_app(agency_registry))
    page = client.get("/id/agency/DESTATIS", headers={"Accept": "application/n-triples"})
    assert page.status_code == 200
    assert "Statistisches Bundesamt" in page.text and "migration@destatis.de" in page.text
    found = client.get("/sparql", headers={"Accept": "text/csv"}, params={"query": (
        "SELECT ?agency WHERE { ?agency a <https://w3id.org/migration-profile/def#Agency> } ORDER BY ?agency")})
    assert found.text.split()[1:] == [agency_registry.iris.agency(a) for a in ("DESTATIS", "MPR_ADMIN", "UNHCR")]
