"""Several API processes on one store (DESIGN §6): a write through one is seen by the other on its next request,
and two uploads of the same dataset racing through two processes give one 201 and one 409, never two versions."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.services.admin import agencies
from api.services.registry import open_registry
from tests.admin.agencies.conftest import add_all
from tests.conftest import emptied, engine_settings
from tests.engines import Engine
from tests.live_server import serving
from tests.services.samples import HEADER, stock_row

pytestmark = pytest.mark.server


@pytest.fixture(scope="module", params=["oxigraph_engine", "virtuoso_engine"])
def two_servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[tuple[str, str, str]]:
    """Two `mpr serve` processes on one Oxigraph server or one Virtuoso (and one credentials file); a DESTATIS
    token."""
    engine: Engine = request.getfixturevalue(request.param)
    folder = tmp_path_factory.mktemp("workers")
    settings = engine_settings(emptied(engine), folder / "data")
    registry = open_registry(settings)
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    token = agencies.create_token(credentials, "DESTATIS").secret
    credentials.close()
    registry.close()
    env = {**engine.env(), "MPR_DATA": str(settings.data_dir), "MPR_BASE_IRI": settings.base_iri,
           "MPR_SOURCES": str(settings.sources_dir)}
    with ExitStack() as stack:
        first = stack.enter_context(serving(env, log=folder / "first.log"))
        second = stack.enter_context(serving(env, log=folder / "second.log"))
        yield first, second, token


def _upload(url: str, token: str, dataset: str, value: str) -> httpx.Response:
    body = ("\n".join([HEADER, stock_row("DEU", "2020", value)]) + "\n").encode()
    return httpx.post(f"{url}/api/submissions", content=body, timeout=120,
                      params={"source": "Census", "dataset": dataset},
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"})


def _datasets(url: str) -> set[str]:
    answer = httpx.get(f"{url}/api/datasets", timeout=30)
    assert answer.status_code == 200, answer.text
    return {d["id"] for d in answer.json()}


def test_a_write_through_one_process_is_seen_by_the_other_on_its_next_request(
        two_servers: tuple[str, str, str]) -> None:
    first, second, token = two_servers
    assert "DEU_SEEN" not in _datasets(second)  # the second process has built and kept its view
    answer = _upload(first, token, "DEU_SEEN", "100")
    assert answer.status_code == 201, answer.text
    assert "DEU_SEEN" in _datasets(second)


def test_two_uploads_of_one_dataset_through_two_processes_give_one_201_and_one_409(
        two_servers: tuple[str, str, str]) -> None:
    """Uploads of one new dataset through two processes at once: when both began before either was stored (a race),
    one gets 201 and the other 409; when one began after the other was stored, it is version 2 (no race took
    place). Never two versions with one number, never a version that lost a figure; three races are required."""
    first, second, token = two_servers
    races, seen = 0, []
    for attempt in range(6):
        dataset = f"DEU_RACE_{attempt}"
        for url in (first, second):  # both have followed the last attempt's writes: neither starts late
            _datasets(url)
        start = threading.Barrier(2)
        answers: dict[str, httpx.Response] = {}

        def send(url: str, value: str, name: str = dataset) -> None:
            start.wait()
            answers[url] = _upload(url, token, name, value)

        threads = [threading.Thread(target=send, args=(first, "111")),
                   threading.Thread(target=send, args=(second, "222"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        shown = [(a.status_code, a.text[:300]) for a in answers.values()]
        seen.append(sorted(a.status_code for a in answers.values()))
        stored = [a.json() for a in answers.values() if a.status_code == 201]
        versions = [v["version"] for v in httpx.get(f"{second}/api/datasets/{dataset}/versions", timeout=30).json()]
        assert sorted(versions) == sorted(s["version"] for s in stored), shown  # one version per 201, none doubled
        assert len(set(versions)) == len(versions), (versions, shown)
        if seen[-1] == [201, 409]:
            races += 1
            observations = httpx.get(f"{first}/api/observations", params={"indicator": "STK_IMM", "area": "DEU"},
                                     timeout=30).json()
            values = {o["value"] for o in observations["observations"] if o["provenance"]["dataset"] == dataset}
            assert len(values) == 1, (values, stored)  # the winner's figure, whole: the loser dropped nothing of it
        else:
            assert seen[-1] == [201, 201] and versions == [1, 2], shown  # one began after the other was stored
        if races == 3:
            break
    assert races == 3, f"only {races} of {len(seen)} attempts raced: {seen}"


def test_several_workers_need_a_shared_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPR_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("MPR_STORE", raising=False)
    result = CliRunner().invoke(app, ["serve", "--workers", "2", "--port", "9"])
    assert result.exit_code == 2
    assert "MPR_STORE=sparql" in result.output
