"""An agency's own view (issue "Country submissions" 5): with its token an agency reads its embargoed versions
and confidential observations through the read API and SDMX; nobody else does (another agency, anonymous
callers, shared caches), and an embargo lifts at its release time without a restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from api.services.admin import agencies
from api.services.registry import Registry
from api.web.app import create_app
from tests.admin.agencies.conftest import add_all
from tests.conftest import WorldEngines, make_settings, open_world, server_env
from tests.engines import Engine
from tests.live_server import serving
from tests.read.conftest import row
from tests.services.samples import HEADER

PUBLIC = "15762457"  # DEU_STOCK v1, CONF_STATUS F
CONFIDENTIAL = "7777001"  # DEU_STOCK v1, CONF_STATUS C (DEU 2020, sex F)
EMBARGOED = "8888002"  # DEU_EMB v1, released in a year
REVISED_PUBLIC = "5550001"  # DEU_REV v1, public
REVISED_EMBARGOED = "5550002"  # DEU_REV v2, released in a year
OTHERS = ("9990001", "9990002")  # UNHCR's embargoed and confidential figures
OWN = (CONFIDENTIAL, EMBARGOED, REVISED_EMBARGOED)
HIDDEN = (*OWN, *OTHERS)
CONFIDENTIAL_KEY = "A.DEU.STK_IMM._T.F._T._Z"
EMBARGOED_KEY = "A.DEU.STK_IMM._T._T._T._Z"

SDMX = {
    "v1 generic": ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU+FRA.....",
                   "application/vnd.sdmx.genericdata+xml;version=2.1"),
    "v1 structure-specific": ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU+FRA.....",
                              "application/vnd.sdmx.structurespecificdata+xml;version=2.1"),
    "v1 csv": ("/sdmx/v1/data/MIGRATION_PROFILE/A.DEU+FRA.....", "application/vnd.sdmx.data+csv;version=1.0.0"),
    "v2 json": ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/A.DEU+FRA",
                "application/vnd.sdmx.data+json;version=2.0.0"),
    "v2 csv": ("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*", "application/vnd.sdmx.data+csv;version=2.0.0"),
}
READS = (
    ("/api/observations?per_page=1000", "application/json"),
    ("/api/observations?area=DEU,FRA&format=csv", "text/csv"),
    *SDMX.values(),
)


def csv_body(*rows: str) -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode("utf-8")


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class AgencyWorld:
    registry: Registry
    client: TestClient
    tokens: dict[str, str]  # DESTATIS (national office for DEU), UNHCR (international), MPR_ADMIN (admin)

    def upload(self, agency: str, dataset: str, *rows: str, release: datetime | None = None) -> None:
        data = {"dataset": dataset, "source": "Census", "title": dataset}
        if release is not None:
            data["release"] = release.strftime("%Y-%m-%dT%H:%M:%SZ")
        response = self.client.post("/api/submissions", headers=auth(self.tokens[agency]), data=data,
                                    files={"file": ("data.csv", csv_body(*rows), "text/csv")})
        assert response.status_code == 201, response.text


def make_agency_world(engine: Engine | None = None) -> AgencyWorld:
    """A registry (in memory, or on ``engine``): DESTATIS's public, confidential, embargoed and embargoed-revision
    data, UNHCR's embargoed and confidential data, all uploaded with the agencies' tokens. Close ``registry``
    when done."""
    settings = make_settings()
    registry = open_world(settings, engine, memory=True)
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {a: agencies.create_token(credentials, a).secret for a in ("DESTATIS", "UNHCR", "MPR_ADMIN")}
    world = AgencyWorld(registry, TestClient(create_app(registry)), tokens)
    later = datetime.now(UTC) + timedelta(days=365)
    world.upload("DESTATIS", "DEU_STOCK", row("DEU", "2020", PUBLIC), row("DEU", "2020", CONFIDENTIAL, sex="F",
                                                                              conf="C"))
    world.upload("DESTATIS", "DEU_EMB", row("DEU", "2001", EMBARGOED), release=later)
    world.upload("DESTATIS", "DEU_REV", row("DEU", "2015", REVISED_PUBLIC))
    world.upload("DESTATIS", "DEU_REV", row("DEU", "2015", REVISED_EMBARGOED), release=later)
    world.upload("UNHCR", "UNHCR_FRA", row("FRA", "2020", OTHERS[0]), row("FRA", "2019", OTHERS[1], conf="C"),
                 release=later)
    return world


@pytest.fixture(scope="module")
def world(world_engines: WorldEngines) -> Iterator[AgencyWorld]:
    with world_engines.world() as engine:
        built = make_agency_world(engine)
        yield built
        built.registry.close()


def _get(world: AgencyWorld, path: str, accept: str, token: str | None = None, **headers: str) -> httpx.Response:
    sent = {"Accept": accept, **headers, **(auth(world.tokens[token]) if token else {})}
    return world.client.get(path, headers=sent)


@pytest.mark.parametrize(("path", "accept"), READS)
def test_the_owner_reads_its_embargoed_and_confidential_figures(world: AgencyWorld, path: str, accept: str) -> None:
    response = _get(world, path, accept, "DESTATIS")
    assert response.status_code == 200, response.text
    for value in (*OWN, PUBLIC):
        assert value in response.text, value
    assert REVISED_PUBLIC not in response.text  # the embargoed revision replaces the public version for its owner
    for value in OTHERS:
        assert value not in response.text
    assert response.headers["cache-control"] == "private, no-store"
    assert "authorization" in response.headers["vary"].lower()


@pytest.mark.parametrize(("path", "accept"), READS)
def test_the_admin_reads_everyone_s_and_others_read_their_own_only(world: AgencyWorld, path: str, accept: str
                                                                   ) -> None:
    admin = _get(world, path, accept, "MPR_ADMIN").text
    assert all(value in admin for value in HIDDEN)
    unhcr = _get(world, path, accept, "UNHCR").text
    assert all(value in unhcr for value in OTHERS) and not any(value in unhcr for value in OWN)
    assert REVISED_PUBLIC in unhcr and PUBLIC in unhcr


@pytest.mark.parametrize(("path", "accept"), READS)
def test_no_cache_hands_the_owner_s_answer_to_anyone_else(world: AgencyWorld, path: str, accept: str) -> None:
    owner = _get(world, path, accept, "DESTATIS")
    assert CONFIDENTIAL in owner.text
    anonymous = _get(world, path, accept)
    assert anonymous.status_code == 200 and "authorization" in anonymous.headers["vary"].lower()
    assert "private" not in anonymous.headers.get("cache-control", "")
    assert not any(value in anonymous.text for value in HIDDEN)
    assert PUBLIC in anonymous.text and REVISED_PUBLIC in anonymous.text
    if "etag" in owner.headers:  # the owner's validator confirms nothing to an anonymous caller
        revalidated = _get(world, path, accept, **{"If-None-Match": owner.headers["etag"]})
        assert revalidated.status_code == 200 and not any(value in revalidated.text for value in HIDDEN)
        assert owner.headers["etag"] != anonymous.headers.get("etag")
    other = _get(world, path, accept, "UNHCR")
    assert not any(value in other.text for value in OWN)


def _hidden_in_availability(text: str) -> tuple[bool, bool]:
    """(the embargoed period 2001 starts the time range, the confidential cell's sex F is available)."""
    return (">2001</com:StartPeriod>" in text or '"startPeriod":{"period":"2001"}' in text,
            "<com:Value>F</com:Value>" in text or '{"value":"F"}' in text)


def test_availability_shows_the_owner_its_own_codes_and_periods(world: AgencyWorld) -> None:
    for path, accept in (("/sdmx/v1/availableconstraint/MIGRATION_PROFILE/A.DEU.....", "*/*"),
                         ("/sdmx/v2/availability/dataflow/MPR/MIGRATION_PROFILE/1.0/A.DEU",
                          "application/vnd.sdmx.structure+json;version=2.0.0")):
        owner = _get(world, path, accept, "DESTATIS")
        assert owner.status_code == 200, owner.text
        assert owner.headers["cache-control"] == "private, no-store"
        assert _hidden_in_availability(owner.text) == (True, True)
        assert _hidden_in_availability(_get(world, path, accept, "MPR_ADMIN").text) == (True, True)
        anonymous = _get(world, path, accept)
        assert _hidden_in_availability(anonymous.text) == (False, False)
        assert "authorization" in anonymous.headers["vary"].lower()
        assert owner.headers["etag"] != anonymous.headers["etag"]
        again = _get(world, path, accept, **{"If-None-Match": owner.headers["etag"]})
        assert again.status_code == 200 and _hidden_in_availability(again.text) == (False, False)
        assert _hidden_in_availability(_get(world, path, accept, "UNHCR").text) == (False, False)


def test_datasets_and_versions(world: AgencyWorld) -> None:
    client, tokens = world.client, world.tokens
    anonymous = {d["id"]: d for d in client.get("/api/datasets").json()}
    owner = {d["id"]: d for d in client.get("/api/datasets", headers=auth(tokens["DESTATIS"])).json()}
    admin = {d["id"] for d in client.get("/api/datasets", headers=auth(tokens["MPR_ADMIN"])).json()}
    assert set(anonymous) == {"DEU_STOCK", "DEU_REV"}
    assert set(owner) == {"DEU_STOCK", "DEU_REV", "DEU_EMB"} and admin == {*owner, "UNHCR_FRA"}
    assert (owner["DEU_STOCK"]["observations"], anonymous["DEU_STOCK"]["observations"]) == (2, 1)
    assert (owner["DEU_REV"]["version"], anonymous["DEU_REV"]["version"]) == (2, 1)
    assert client.get("/api/datasets/DEU_EMB").status_code == 404
    assert client.get("/api/datasets/DEU_EMB", headers=auth(tokens["UNHCR"])).status_code == 404
    mine = client.get("/api/datasets/DEU_EMB", headers=auth(tokens["DESTATIS"]))
    assert mine.status_code == 200 and mine.headers["cache-control"] == "private, no-store"
    versions = client.get("/api/datasets/DEU_REV/versions", headers=auth(tokens["DESTATIS"]))
    assert versions.headers["cache-control"] == "private, no-store"
    found = versions.json()
    assert [v["version"] for v in found] == [1, 2]
    assert datetime.fromisoformat(found[1]["valid_from"].replace("Z", "+00:00")) > datetime.now(UTC) + timedelta(
        days=300)  # the release date
    public = client.get("/api/datasets/DEU_REV/versions")
    assert [v["version"] for v in public.json()] == [1] and "authorization" in public.headers["vary"].lower()
    assert client.get("/api/datasets/DEU_EMB/versions").status_code == 404
    assert client.get("/api/datasets/DEU_EMB/versions", headers=auth(tokens["DESTATIS"])).status_code == 200
    assert client.get("/api/datasets/UNHCR_FRA/versions", headers=auth(tokens["DESTATIS"])).status_code == 404


def test_public_only_routes_ignore_the_token(world: AgencyWorld) -> None:
    client, token = world.client, auth(world.tokens["DESTATIS"])
    assert CONFIDENTIAL in client.get("/api/observations", headers=token).text  # the token does open the read API
    registry = world.registry
    hidden_observation = registry.iris.observation("DEU_STOCK-v1", CONFIDENTIAL_KEY, "2020")
    embargoed_observation = registry.iris.observation("DEU_EMB-v1", EMBARGOED_KEY, "2001")
    for iri in (hidden_observation, embargoed_observation, registry.iris.submission("DEU_EMB-v1"),
                registry.iris.submission("DEU_REV-v2"), registry.iris.dataset("DEU_EMB"),
                registry.iris.submission("DEU_STOCK-v1") + "/restricted"):
        path = iri.removeprefix(registry.iris.base)
        assert client.get(path, headers={**token, "Accept": "text/turtle"}).status_code == 404, path
    for path in ("/api/datasets/DEU_STOCK/rdf", "/api/datasets/DEU_REV/rdf?format=ttl", "/api/datasets?format=jsonld",
                 "/.well-known/void", "/api/datasets/DEU_STOCK?format=jsonld"):
        with_token, without = client.get(path, headers=token), client.get(path)
        assert with_token.status_code == without.status_code == 200, path
        assert not any(value in with_token.text for value in HIDDEN) and "DEU_EMB" not in with_token.text, path
        if "void" in path:
            assert with_token.text == without.text  # the same counts
    assert client.get("/api/datasets/DEU_EMB/rdf", headers=token).status_code == 404
    query = "SELECT ?g ?v WHERE { GRAPH ?g { ?o <https://w3id.org/migration-profile/def#obsValue> ?v } }"
    for headers in (token, {}):
        answer = client.get("/sparql", params={"query": query}, headers={**headers, "Accept": "text/csv"})
        assert answer.status_code == 200 and PUBLIC in answer.text
        assert not any(value in answer.text for value in HIDDEN) and "restricted" not in answer.text


def test_a_bad_token_is_401_never_the_public_answer(world: AgencyWorld) -> None:
    for path in ("/api/observations", "/api/datasets", "/sdmx/v1/data/MIGRATION_PROFILE",
                 "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*"):
        response = world.client.get(path, headers=auth("mpr_" + "0" * 12 + "_nope"))
        assert response.status_code == 401, path


def test_as_of_with_a_token_keeps_the_versions_generated_by_then(world: AgencyWorld) -> None:
    before = "2000-01-01T00:00:00Z"
    now = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    token = auth(world.tokens["DESTATIS"])
    assert world.client.get("/api/observations", params={"asOf": before}, headers=token).json()["total"] == 0
    current = world.client.get("/api/observations", params={"asOf": now, "per_page": 1000}, headers=token).text
    assert all(value in current for value in OWN)
    sdmx = world.client.get("/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*", params={"asOf": now},
                            headers={**token, "Accept": "application/vnd.sdmx.data+csv;version=2.0.0"})
    assert sdmx.status_code == 200 and EMBARGOED in sdmx.text
    anonymous = world.client.get("/api/observations", params={"asOf": now, "per_page": 1000}).text
    assert not any(value in anonymous for value in HIDDEN)


def test_agency_views_follow_writes_and_release_times(world_engines: WorldEngines) -> None:
    with world_engines.world() as engine:
        _follow_writes_and_release_times(make_agency_world(engine))


def _follow_writes_and_release_times(built: AgencyWorld) -> None:
    try:
        client, tokens = built.client, built.tokens
        unhcr = auth(tokens["UNHCR"])
        assert "4440001" not in client.get("/api/observations", headers=unhcr).text  # UNHCR's view is now kept
        built.upload("DESTATIS", "DEU_SOON", row("DEU", "2003", "4440001"),
                     release=datetime.now(UTC) + timedelta(seconds=3))
        owner = client.get("/api/observations", params={"area": "DEU"}, headers=auth(tokens["DESTATIS"]))
        assert "4440001" in owner.text  # the write shows at once to its owner
        assert "4440001" not in client.get("/api/observations", headers=unhcr).text
        assert "4440001" not in client.get("/api/observations").text
        time.sleep(3.5)
        assert "4440001" in client.get("/api/observations", headers=unhcr).text  # released: in every view
        assert "4440001" in client.get("/api/observations").text
    finally:
        built.registry.close()


def test_through_the_real_server(tmp_path: Path, shared_data: Path, world_engines: WorldEngines) -> None:
    """Upload an embargoed version and a confidential cell to a running server; read them back with the token,
    miss them without; the embargo lifts at its release time while the server keeps running."""
    with world_engines.world() as engine:
        _through_the_real_server(tmp_path, shared_data, engine)


def _through_the_real_server(tmp_path: Path, shared_data: Path, engine: Engine | None) -> None:
    settings = make_settings(tmp_path / "data")
    registry = open_world(settings, engine)
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    tokens = {a: agencies.create_token(credentials, a).secret for a in ("DESTATIS", "UNHCR")}
    credentials.close()
    registry.close()
    env = {"MPR_DATA": str(tmp_path / "data"), "MPR_BASE_IRI": "http://registry.test",
           "MPR_SOURCES": str(shared_data), **server_env(engine)}
    with serving(env) as url, httpx.Client(base_url=url, timeout=30) as http:
        # the margin covers two uploads and eight reads on a loaded machine (a server store is slower)
        release = datetime.now(UTC) + timedelta(seconds=15)
        for dataset, rows, when in (("DEU_STOCK", (row("DEU", "2020", PUBLIC), row("DEU", "2020", CONFIDENTIAL,
                                                                                    sex="F", conf="C")), None),
                                    ("DEU_EMB", (row("DEU", "2001", EMBARGOED),), release)):
            data = {"dataset": dataset, "source": "Census"}
            if when is not None:
                data["release"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
            stored = http.post("/api/submissions", headers=auth(tokens["DESTATIS"]), data=data,
                               files={"file": ("data.csv", csv_body(*rows), "text/csv")})
            assert stored.status_code == 201, stored.text
        sdmx = "/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format=csvdata"
        for path in ("/api/observations", sdmx):
            owner = http.get(path, headers=auth(tokens["DESTATIS"]))
            assert CONFIDENTIAL in owner.text and EMBARGOED in owner.text
            assert owner.headers["cache-control"] == "private, no-store"
            for headers in ({}, auth(tokens["UNHCR"])):
                other = http.get(path, headers=headers)
                assert PUBLIC in other.text and CONFIDENTIAL not in other.text
                assert EMBARGOED not in other.text or datetime.now(UTC) >= release, "embargoed value shown"
        assert datetime.now(UTC) < release, "the reads outlasted the embargo, so they proved nothing: raise the margin"
        time.sleep(max((release - datetime.now(UTC)).total_seconds(), 0) + 0.5)
        for path in ("/api/observations", sdmx):
            lifted = http.get(path).text
            assert EMBARGOED in lifted and CONFIDENTIAL not in lifted
