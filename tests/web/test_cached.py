"""The one conditional-request helper (RFC 9110 §13.1.2 If-None-Match, §13.1.3 If-Modified-Since, §13.2.2
precedence, §15.4.5 304): validators, 304 with the headers of the 200, answers kept per app by ETag."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient

from api.web import cached
from api.web.cached import CACHE_CONTROL, ResponseCache, answer, entity_tag, kept_answer, kept_answers, validators

MODIFIED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
ETAG = entity_tag("view-1", "/thing")


class World:
    """A small app whose routes answer through the helper, counting the builds."""

    def __init__(self) -> None:
        self.builds = 0
        self.status = 200
        app = FastAPI()
        app.state.kept_answers = kept_answers()

        def build() -> Response:
            self.builds += 1
            return Response(b"body", status_code=self.status, media_type="text/plain",
                            headers={"Vary": "Accept-Language", "X-Extra": "1"})

        @app.get("/thing")
        def thing(request: Request) -> Response:
            return answer(request, validators(ETAG, vary="Accept", last_modified=MODIFIED), build)

        @app.get("/kept")
        def kept(request: Request) -> Response:
            return kept_answer(request, "read", "view-1", build)

        self.client = TestClient(app)


@pytest.fixture
def world() -> World:
    return World()


def test_validators_and_a_304_with_the_headers_of_the_200(world: World) -> None:
    first = world.client.get("/thing")
    assert first.status_code == 200 and first.content == b"body"
    assert first.headers["etag"] == ETAG and first.headers["vary"] == "Accept"
    assert first.headers["cache-control"] == CACHE_CONTROL
    assert first.headers["last-modified"] == format_datetime(MODIFIED, usegmt=True)
    again = world.client.get("/thing", headers={"If-None-Match": ETAG})
    assert again.status_code == 304 and again.content == b""
    assert {h: again.headers[h] for h in ("etag", "vary", "cache-control", "last-modified")} == {
        h: first.headers[h] for h in ("etag", "vary", "cache-control", "last-modified")}
    assert "content-type" not in again.headers
    assert world.builds == 1  # a revalidation builds nothing


@pytest.mark.parametrize(("headers", "status"), [
    ({"If-None-Match": ETAG.removeprefix("W/")}, 304),  # weak comparison
    ({"If-None-Match": f'"other", {ETAG}'}, 304),
    ({"If-None-Match": "*"}, 304),
    ({"If-None-Match": '"other"'}, 200),
    ({"If-None-Match": '"other"', "If-Modified-Since": format_datetime(MODIFIED, usegmt=True)}, 200),  # §13.2.2
    ({"If-Modified-Since": format_datetime(MODIFIED, usegmt=True)}, 304),
    ({"If-Modified-Since": "Fri, 02 Jan 2026 03:04:04 GMT"}, 200),  # one second before our Last-Modified
    ({"If-Modified-Since": "yesterday"}, 200),
])
def test_preconditions(world: World, headers: dict[str, str], status: int) -> None:
    assert world.client.get("/thing", headers=headers).status_code == status


def test_kept_answers_are_built_once_and_revalidate(world: World) -> None:
    first = world.client.get("/kept")
    second = world.client.get("/kept")
    assert first.content == second.content == b"body" and world.builds == 1
    assert second.headers["etag"] == first.headers["etag"] and second.headers["x-extra"] == "1"
    assert world.client.get("/kept", headers={"Accept-Language": "fr"}).headers["etag"] != first.headers["etag"]
    assert world.builds == 2
    revalidated = world.client.get("/kept", headers={"If-None-Match": first.headers["etag"]})
    assert revalidated.status_code == 304 and world.builds == 2


def test_a_cold_revalidation_carries_the_vary_of_the_answer(world: World) -> None:
    """A client may hold the ETag of an answer this app never built (another process built it): the answer is
    built and kept first, so that its 304 says what it varies by (RFC 9110 §15.4.5)."""
    etag = World().client.get("/kept").headers["etag"]
    revalidated = world.client.get("/kept", headers={"If-None-Match": etag})
    assert revalidated.status_code == 304 and revalidated.headers["vary"] == "Accept-Language"
    assert world.builds == 1 and world.client.get("/kept").status_code == 200 and world.builds == 1


def test_only_whole_200_answers_are_kept(world: World) -> None:
    world.status = 404
    assert world.client.get("/kept").status_code == 404
    assert world.client.get("/kept").status_code == 404
    assert world.builds == 2
    assert "etag" not in world.client.get("/kept").headers


def test_each_app_keeps_its_own_answers() -> None:
    one, two = World(), World()
    one.client.get("/kept")
    two.client.get("/kept")
    assert one.builds == two.builds == 1
    assert not [v for v in vars(cached).values() if isinstance(v, ResponseCache)]  # none in the module


def test_the_cache_is_bounded() -> None:
    cache = ResponseCache(2)
    for n in range(3):
        cache.keep(f"e{n}", Response(b"x"))
    assert cache.get("e0") is None and cache.get("e2") is not None
