"""Nothing public is a function of restricted content (DESIGN §4; issue: close the holes an outside review found).

Three registries get the same uploads through the real upload route, at the same (fixed) times, except for what
is restricted: world A holds a confidential cell and embargoed versions, world B the same with other values and
metadata in every restricted place, world C none of them at all. Every anonymous answer of every public route —
status, headers, body — must be byte for byte the same in the three, once the answers' own clock (SDMX
``Prepared``, message ids, ``Date``) is set aside. A hash, size, count, line number, title or time of anything
restricted would make two worlds differ.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.conftest import WorldEngines, make_settings, open_world
from tests.engines import Engine
from tests.read.conftest import PREFIX, row
from tests.services.samples import HEADER

STORED_AT = {"stock": datetime(2025, 3, 1, 9, tzinfo=UTC), "flow-1": datetime(2025, 3, 2, 9, tzinfo=UTC),
             "flow-2": datetime(2025, 3, 3, 9, tzinfo=UTC), "embargoed": datetime(2025, 3, 4, 9, tzinfo=UTC)}
CONFIDENTIAL_KEY = "A.DEU.STK_IMM._T._T._T._Z"


@dataclass(frozen=True)
class Secrets:
    """What differs between worlds: every value that only the agency may see (None: world C has none)."""

    confidential: str | None
    embargoed: str | None
    release: str | None
    title: str | None


WORLDS = {"A": Secrets("1234567", "424242", "2098-01-01T00:00:00Z", "Flows, revised"),
          "B": Secrets("7654321", "515151", "2099-06-30T12:00:00Z", "Another title of the revision"),
          "C": Secrets(None, None, None, None)}


def _flow(year: str, value: str) -> str:
    """A net migration row (FLW_NET: broken down by sex only)."""
    return f"{PREFIX}A,DEU,FLW_NET,_Z,_T,_Z,_Z,{year},{value},PS,0,A,F,,,"


def _csv(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def _build(root: Path, secrets: Secrets, engine: Engine | None) -> tuple[Registry, TestClient]:
    registry = open_world(make_settings(root / "data"), engine)
    add_all(registry)
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    client = TestClient(create_app(registry))

    def upload(label: str, body: bytes, dataset: str, **fields: str) -> None:
        registry.clock = lambda: STORED_AT[label]
        answer = client.post("/api/submissions", headers={"Authorization": f"Bearer {token}"},
                             files={"file": ("data.csv", body, "text/csv")},
                             data={"dataset": dataset, "source": "Census 2020", **fields})
        assert answer.status_code == 201, answer.text

    stock = [row("DEU", "2019", "15000000"), row("DEU", "2020", "15762457"),
             row("DEU", "2020", "7900000", sex="F"), row("DEU", "2020", "7862457", sex="M")]
    if secrets.confidential is not None:  # in the middle of the file: line numbers after it shift
        stock.insert(1, row("DEU", "2018", secrets.confidential, conf="C"))
    upload("stock", _csv(*stock), "DEU_STOCK", title="Migrant stock")
    upload("flow-1", _csv(_flow("2020", "1186702")), "DEU_FLOW", title="Flows")
    if secrets.embargoed is not None and secrets.release is not None and secrets.title is not None:
        upload("flow-2", _csv(_flow("2020", secrets.embargoed), _flow("2021", secrets.embargoed)), "DEU_FLOW",
               title=secrets.title, release=secrets.release, base_version="1")
        upload("embargoed", _csv(row("DEU", "2022", secrets.embargoed)), "DEU_EMB",
               title=secrets.title, release=secrets.release)
    return registry, client


@pytest.fixture(scope="module")
def worlds(tmp_path_factory: pytest.TempPathFactory, world_engines: WorldEngines) -> Iterator[dict[str, TestClient]]:
    with ExitStack() as servers:
        yield from _worlds(tmp_path_factory, [servers.enter_context(world_engines.world()) for _ in WORLDS])


def _worlds(tmp_path_factory: pytest.TempPathFactory, on: list[Engine | None]) -> Iterator[dict[str, TestClient]]:
    built = {name: _build(tmp_path_factory.mktemp(f"world-{name}"), secrets, engine)
             for (name, secrets), engine in zip(WORLDS.items(), on, strict=True)}
    try:
        yield {name: client for name, (_, client) in built.items()}
    finally:
        for registry, client in built.values():
            client.close()
            agencies.credentials_for(registry).close()
            registry.close()


SPARQL = (
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT DISTINCT ?p WHERE { ?s ?p ?o } ORDER BY ?p",
    "SELECT ?s ?v WHERE { ?s <https://w3id.org/migration-profile/def#sha256> ?v }",
)
OBSERVATION = f"/id/observation/DEU_STOCK-v1/{CONFIDENTIAL_KEY}"
ROUTES: tuple[tuple[str, str], ...] = (
    ("/", "text/html"), ("/health", "application/json"), ("/.well-known/void", "text/turtle"),
    ("/.well-known/void", "text/html"),
    ("/api/observations?per_page=1000", "application/json"), ("/api/observations?format=csv", "text/csv"),
    ("/api/observations?area=DEU&indicator=STK_IMM", "application/json"),
    ("/api/observations?dataset=DEU_STOCK", "application/json"),
    ("/api/observations?dataset=DEU_FLOW&format=csv", "text/csv"),
    ("/api/observations?dataset=DEU_EMB", "application/json"),
    ("/api/observations?indicator=FLW_NET&asOf=2100-01-01T00:00:00Z", "application/json"),
    ("/api/areas/DEU/profile", "application/json"), ("/api/compare?indicator=STK_IMM", "application/json"),
    ("/api/compare?indicator=FLW_NET&areas=DEU,FRA", "application/json"), ("/api/coverage", "application/json"),
    ("/api/indicators/STK_IMM", "application/json"), ("/api/indicators/FLW_NET", "application/json"),
    ("/api/datasets", "application/json"), ("/api/datasets?format=jsonld", "application/ld+json"),
    *((f"/api/datasets/{d}{tail}", accept) for d in ("DEU_STOCK", "DEU_FLOW", "DEU_EMB")
      for tail, accept in (("", "application/json"), ("/versions", "application/json"), ("/rdf", "text/turtle"),
                           ("/rdf", "application/n-triples"))),
    *((f"/api/submissions/{s}", accept) for s in ("DEU_STOCK-v1", "DEU_FLOW-v1", "DEU_FLOW-v2", "DEU_EMB-v1")
      for accept in ("application/json", "text/html", "text/turtle", "application/n-triples")),
    ("/api/submissions/DEU_STOCK-v1/report", "application/json"),
    *((f"/id/{kind}", accept) for kind in ("dataset/DEU_STOCK", "dataset/DEU_FLOW", "dataset/DEU_EMB",
                                             "submission/DEU_STOCK-v1", "submission/DEU_FLOW-v2",
                                             "activity/ingest-DEU_STOCK-v1", "agency/DESTATIS")
      for accept in ("text/html", "text/turtle", "application/ld+json")),
    (f"{OBSERVATION}/2019", "text/turtle"), (f"{OBSERVATION}/2018", "text/turtle"),
    ("/sdmx/v1/data/MIGRATION_PROFILE", "application/vnd.sdmx.genericdata+xml;version=2.1"),
    ("/sdmx/v1/data/MIGRATION_PROFILE", "application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....", "application/vnd.sdmx.data+csv;version=1.0.0"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....?lastNObservations=1", "application/vnd.sdmx.data+json;version=1.0.0"),
    ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*", "application/vnd.sdmx.data+json;version=2.0.0"),
    ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=csvdata&formatVersion=2.0.0", "*/*"),
    ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*", "application/vnd.sdmx.data+xml;version=3.0.0"),
    ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?includeHistory=true", "application/json"),
    ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?updatedAfter=2025-03-02T00:00:00Z", "application/json"),
    ("/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.DEU.....", "*/*"),
    ("/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*", "application/json"),
    ("/sdmx/v1/contentconstraint/MPR/MIGRATION_PROFILE/1.0", "*/*"),
    ("/sdmx/v1/dataflow/MPR/MIGRATION_PROFILE/latest?references=all", "*/*"),
    *((f"/sparql?query={quote(q)}", accept) for q in SPARQL
      for accept in (("application/n-triples",) if q.startswith("CONSTRUCT") else
                     ("application/sparql-results+json", "text/csv"))),
)
# The answers' own clock and message ids, which differ from one request to the next anywhere.
_NOW = re.compile(rf"{datetime.now(UTC).year}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?")
_IDS = re.compile(r"\b(MPR-[0-9a-f]{12}|IREF[0-9A-F]{12})\b")
_COMPARED_HEADERS = ("content-type", "content-length", "etag", "last-modified", "cache-control", "vary", "link",
                     "x-total-count", "content-security-policy")


def _normal(client: TestClient, path: str, accept: str) -> tuple[int, dict[str, str], str]:
    answer = client.get(path, headers={"Accept": accept, "Accept-Encoding": "identity"})
    body = _IDS.sub("<id>", _NOW.sub("<now>", answer.text))
    if accept == "application/n-triples" and path.startswith("/sparql"):
        body = "\n".join(sorted(body.splitlines()))  # a graph: no order
    return answer.status_code, {h: answer.headers.get(h, "") for h in _COMPARED_HEADERS}, body


@pytest.mark.parametrize(("path", "accept"), ROUTES)
def test_no_public_answer_depends_on_restricted_content(worlds: dict[str, TestClient], path: str, accept: str) -> None:
    found = {name: _normal(client, path, accept) for name, client in worlds.items()}
    status, _, _ = found["A"]
    assert status < 500, found["A"]
    for other in ("B", "C"):
        assert found[other][0] == status, (other, found["A"][2][:300], found[other][2][:300])
        assert found[other][1] == found["A"][1], other
        assert found[other][2] == found["A"][2], other


def test_the_worlds_do_hold_their_secrets(worlds: dict[str, TestClient]) -> None:
    """The comparison above would prove nothing if the restricted data were not stored, or not different."""
    for name in ("A", "B"):
        secrets = WORLDS[name]
        assert secrets.confidential and secrets.embargoed
        registry: Registry = worlds[name].app.state.registry  # type: ignore[attr-defined]
        values = {r["v"].value for r in registry.store.select(  # type: ignore[union-attr]
            "SELECT ?v WHERE { GRAPH ?g { ?o <https://w3id.org/migration-profile/def#obsValue> ?v } }")}
        assert {secrets.confidential, secrets.embargoed} <= values


def test_the_agency_still_sees_its_file_fingerprint(worlds: dict[str, TestClient]) -> None:
    """The file's SHA-256 and size left the public description, not the agency's: its token still shows them."""
    client = worlds["A"]
    registry: Registry = client.app.state.registry  # type: ignore[attr-defined]
    token = agencies.create_token(agencies.credentials_for(registry), "DESTATIS").secret
    own = client.get("/api/submissions/DEU_STOCK-v1", headers={"Authorization": f"Bearer {token}"}).json()
    assert len(own["provenance"]["file"]["sha256"]) == 64 and own["provenance"]["file"]["bytes"] > 0
    assert own["provenance"]["started"] is not None and own["restricted"] == 1
    public = client.get("/api/submissions/DEU_STOCK-v1").json()
    assert public["provenance"]["file"] is None and public["restricted"] is None
    assert own["provenance"]["file"]["sha256"] not in client.get("/api/submissions/DEU_STOCK-v1?format=nt").text


# Another agency's token sees the public view plus its own (here: nothing of its own), so what it gets must not
# depend on DESTATIS's restricted content either: counts in versions and datasets, observations, SDMX data.
TOKEN_ROUTES: tuple[tuple[str, str], ...] = (
    ("/api/datasets", "application/json"), ("/api/datasets/DEU_STOCK/versions", "application/json"),
    ("/api/datasets/DEU_FLOW/versions", "application/json"), ("/api/datasets/DEU_EMB/versions", "application/json"),
    ("/api/observations?per_page=1000", "application/json"), ("/api/observations?format=csv", "text/csv"),
    ("/api/submissions/DEU_STOCK-v1", "application/json"), ("/api/submissions/DEU_FLOW-v2", "application/json"),
    ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU.....", "application/vnd.sdmx.data+csv;version=1.0.0"),
    ("/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/*", "application/json"),
)


@pytest.fixture(scope="module")
def other_agency(worlds: dict[str, TestClient]) -> dict[str, str]:
    """A UNHCR token in each world (created after the uploads; credentials never reach an answer)."""
    return {name: agencies.create_token(agencies.credentials_for(client.app.state.registry), "UNHCR").secret
            for name, client in worlds.items()}


@pytest.mark.parametrize(("path", "accept"), TOKEN_ROUTES)
def test_another_agency_s_answers_do_not_depend_on_restricted_content(
        worlds: dict[str, TestClient], other_agency: dict[str, str], path: str, accept: str) -> None:
    found = {}
    for name, client in worlds.items():
        answer = client.get(path, headers={"Accept": accept, "Accept-Encoding": "identity",
                                           "Authorization": f"Bearer {other_agency[name]}"})
        found[name] = (answer.status_code, _IDS.sub("<id>", _NOW.sub("<now>", answer.text)))
    assert found["A"][0] < 500, found["A"]
    assert found["B"] == found["A"] and found["C"] == found["A"], path
