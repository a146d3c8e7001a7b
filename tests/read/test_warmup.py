"""Warming the caches at start: a first request then finds the indexes built."""

from __future__ import annotations

import gc

import pytest

from api.services import warmup
from api.services.read import index as read_index_module
from tests.read.conftest import ApiWorld


def test_warm_builds_the_indexes_a_request_needs(api_world: ApiWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = api_world.registry
    registry.caches.clear()
    gc.unfreeze()
    assert warmup.warm(registry) >= 0
    assert gc.get_freeze_count() > 0  # the indexes are out of the collector's scans
    gc.unfreeze()

    def no_build(*_args: object) -> None:
        raise AssertionError("the index should have been built by warm()")

    monkeypatch.setattr(read_index_module, "_build", no_build)
    index = read_index_module.read_index(registry, registry.public_view())
    assert index.observations > 0
    assert registry.caches.has("series_index", registry.public_view().tag)
