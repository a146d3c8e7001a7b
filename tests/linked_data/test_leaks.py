"""Confidential observations and embargoed submissions are not found, exactly like IRIs nobody minted:
same status, same body, no secret anywhere; their public neighbours answer (DESIGN §4)."""

from __future__ import annotations

import httpx
import pytest
from pyoxigraph import Literal, NamedNode

from tests.linked_data.conftest import (
    EMBARGOED_AGENCY,
    EMBARGOED_DATASET,
    EMBARGOED_VALUE,
    KEY,
    PUBLIC_DATASET,
    SECRET_VALUE,
    LinkedWorld,
)

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
