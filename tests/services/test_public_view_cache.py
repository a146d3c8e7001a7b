"""The current public view is kept until a write or the next release time (embargoes lift without restart)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api.model.submission import SubmissionMetadata
from api.services.registry import Registry
from api.services.submissions import ingest
from tests.services.samples import stock_row, write


def _submit(registry: Registry, path: Path, dataset: str, release: datetime | None = None) -> None:
    meta = SubmissionMetadata(dataset_id=dataset, agency_id="NSO", title=dataset, sources=("Census",),
                              release=release)
    ingest.submit(registry, ingest.read_file(registry, path), meta)


def test_the_view_is_kept_until_a_write_or_a_release(registry: Registry, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _submit(registry, write(tmp_path / "a.csv", stock_row("DEU", "2020", "100")), "A")
    first = registry.public_view()
    queries: list[str] = []
    original = registry.store.select

    def counting(query: str, *args: object, **kwargs: object) -> list:
        queries.append(query)
        return original(query, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(registry.store, "select", counting)
    assert registry.public_view() is first and queries == []  # kept: no query
    release = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=2)
    _submit(registry, write(tmp_path / "b.csv", stock_row("FRA", "2020", "200")), "B", release=release)
    embargoed = registry.public_view()
    assert embargoed.tag != first.tag or embargoed is not first  # the write made it look again
    assert len(embargoed.data_graphs) == 1
    queries.clear()
    assert registry.public_view() is embargoed and queries == []
    time.sleep(max((release - datetime.now(UTC)).total_seconds(), 0) + 0.5)
    released = registry.public_view()  # no write happened: the release time alone ends the kept view
    assert len(released.data_graphs) == 2 and queries


def test_a_view_at_another_moment_is_never_taken_from_the_kept_one(registry: Registry, tmp_path: Path) -> None:
    _submit(registry, write(tmp_path / "a.csv", stock_row("DEU", "2020", "100")), "A")
    now = registry.public_view()
    before = registry.public_view(as_of=datetime(2000, 1, 1, tzinfo=UTC))
    assert now.data_graphs and before.data_graphs == []
    assert registry.public_view(now=datetime(2000, 1, 1, tzinfo=UTC)).data_graphs == now.data_graphs
