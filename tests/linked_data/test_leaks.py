"""Confidential observations and embargoed submissions are not found, exactly like IRIs nobody minted:
same status, same body, no secret anywhere; their public neighbours answer (DESIGN §4). An agency's token
(its own, an admin's) changes nothing: linked data shows the public view only."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pyoxigraph import Literal, NamedNode

from tests.conftest import WorldEngines
from tests.linked_data.conftest import (
    EMBARGOED_AGENCY,
    EMBARGOED_DATASET,
    EMBARGOED_VALUE,
    KEY,
    PUBLIC_DATASET,
    SECRET_VALUE,
    LinkedWorld,
)
from tests.read.test_agency_view import CONFIDENTIAL as OWN_CONFIDENTIAL
from tests.read.test_agency_view import CONFIDENTIAL_KEY, EMBARGOED_KEY, HIDDEN, AgencyWorld, auth, make_agency_world

ACCEPTS = ("text/turtle", "text/html,*/*;q=0.8", "application/ld+json", "*/*")
CONFIDENTIAL = f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='AND')}/2020"
SECRET_PATHS = (
    CONFIDENTIAL,
    f"/id/dataset/{EMBARGOED_DATASET}",
    f"/id/submission/{EMBARGOED_DATASET}-v1",
    f"/id/observation/{EMBARGOED_DATASET}-v1/{KEY.format(area='PRT')}/2020",
    f"/id/agency/{EMBARGOED_AGENCY}",
    f"/id/activity/ingest-{EMBARGOED_DATASET}-v1",
    f"/id/submission/{PUBLIC_DATASET}-v1/restricted",
    "/graph/registry",
)
UNKNOWN = f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='XXX')}/2020"
PUBLIC_PATHS = (
    f"/id/observation/{PUBLIC_DATASET}-v1/{KEY.format(area='DEU')}/2020",
    f"/id/dataset/{PUBLIC_DATASET}",
    f"/id/submission/{PUBLIC_DATASET}-v1",
    "/id/agency/DESTATIS",
    f"/id/activity/ingest-{PUBLIC_DATASET}-v1",
)


def test_the_secrets_are_in_the_store(linked: LinkedWorld) -> None:
    """The suite proves nothing unless the secret IRIs and values really are stored."""
    values = {q.object.value for q in linked.snapshot.quads_for_pattern(
        None, NamedNode("https://w3id.org/migration-profile/def#obsValue"), None) if isinstance(q.object, Literal)}
    assert {SECRET_VALUE, EMBARGOED_VALUE} <= values
    for path in SECRET_PATHS[:6]:
        iri = NamedNode(linked.url + path)
        assert next(iter(linked.snapshot.quads_for_pattern(iri, None, None)), None) is not None, path
    graphs = {g.value for g in linked.snapshot.named_graphs() if isinstance(g, NamedNode)}
    assert {linked.url + SECRET_PATHS[6], linked.url + SECRET_PATHS[7]} <= graphs


@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", SECRET_PATHS)
def test_secret_iris_answer_exactly_like_unknown_ones(http: httpx.Client, path: str, accept: str) -> None:
    unknown = http.get(UNKNOWN, headers={"Accept": accept})
    secret = http.get(path, headers={"Accept": accept})
    assert unknown.status_code == secret.status_code == 404
    assert secret.content == unknown.content
    assert secret.headers["content-type"] == unknown.headers["content-type"]
    assert {h for h in secret.headers if h not in ("date", "content-length")} == \
        {h for h in unknown.headers if h not in ("date", "content-length")}
    for secret_text in (SECRET_VALUE, EMBARGOED_VALUE, EMBARGOED_DATASET, EMBARGOED_AGENCY):
        assert secret_text not in secret.text


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_neighbours_answer_without_the_secrets(http: httpx.Client, path: str) -> None:
    for accept in ACCEPTS:
        response = http.get(path, headers={"Accept": accept})
        assert response.status_code == 200, (path, accept)
        for secret_text in (SECRET_VALUE, EMBARGOED_VALUE, EMBARGOED_DATASET, EMBARGOED_AGENCY, "restricted"):
            assert secret_text not in response.text, (path, accept, secret_text)


# -- an agency's own secrets, asked for with its token (issue "Country submissions" 5) ---------------------------

@pytest.fixture(scope="module")
def agency_world(world_engines: WorldEngines) -> Iterator[AgencyWorld]:
    with world_engines.world() as engine:
        world = make_agency_world(engine)
        yield world
        world.registry.close()


def _agency_paths(world: AgencyWorld) -> list[str]:
    iris = world.registry.iris
    return [iri.removeprefix(iris.base) for iri in (
        iris.observation("DEU_STOCK-v1", CONFIDENTIAL_KEY, "2020"),
        iris.observation("DEU_EMB-v1", EMBARGOED_KEY, "2001"),
        iris.observation("DEU_REV-v2", EMBARGOED_KEY, "2015"), iris.submission("DEU_EMB-v1"),
        iris.submission("DEU_REV-v2"), iris.dataset("DEU_EMB"), iris.activity("DEU_EMB-v1"),
        iris.submission("DEU_STOCK-v1") + "/restricted", iris.dataset("UNHCR_FRA"))]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_an_agency_s_token_opens_no_linked_data(agency_world: AgencyWorld, accept: str) -> None:
    """Linked data is public-only: with the owner's token (which does show the figures on /api/observations) or an
    admin's, a hidden IRI answers exactly like one nobody minted, and a public page shows no secret."""
    client, tokens, iris = agency_world.client, agency_world.tokens, agency_world.registry.iris
    owner = auth(tokens["DESTATIS"])
    assert OWN_CONFIDENTIAL in client.get("/api/observations", headers=owner).text
    unknown_path = iris.observation("DEU_STOCK-v1", CONFIDENTIAL_KEY.replace("DEU", "XXX"), "2020")
    for headers in (owner, auth(tokens["MPR_ADMIN"])):
        sent = {**headers, "Accept": accept}
        unknown = client.get(unknown_path.removeprefix(iris.base), headers=sent)
        for path in _agency_paths(agency_world):
            secret = client.get(path, headers=sent)
            assert unknown.status_code == secret.status_code == 404, path
            assert secret.content == unknown.content and not any(v in secret.text for v in HIDDEN), path
        for path in ("/id/dataset/DEU_STOCK", "/id/submission/DEU_STOCK-v1", "/id/submission/DEU_REV-v1",
                     "/.well-known/void"):
            page = client.get(path, headers=sent)
            assert page.status_code == 200, path
            for text in (*HIDDEN, "DEU_EMB", "DEU_REV-v2", "restricted"):
                assert text not in page.text, (path, text)
