"""The registry's caches: named, bounded, built once per key, emptied when the registry closes."""

from __future__ import annotations

import threading
import time

import pytest

from api.services.caches import SIZES, Caches
from api.services.registry import Registry


def test_an_entry_is_built_once_even_by_concurrent_callers() -> None:
    caches = Caches({"one": 2})
    builds: list[int] = []

    def build() -> str:
        builds.append(1)
        time.sleep(0.05)
        return "built"

    threads = [threading.Thread(target=lambda: caches.get("one", "k", build)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds == [1] and caches.get("one", "k", lambda: "other") == "built"


def test_a_cache_keeps_at_most_its_bound_and_keeps_none_values() -> None:
    caches = Caches({"small": 2})
    for key in range(5):
        caches.get("small", key, lambda k=key: k * 10)  # type: ignore[misc]
    assert [caches.has("small", k) for k in range(5)] == [False, False, False, True, True]
    assert caches.get("small", "none", lambda: None) is None
    assert caches.get("small", "none", lambda: "rebuilt") is None  # None was kept, not rebuilt


def test_an_unknown_cache_name_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        Caches({"a": 1}).get("b", 1, lambda: 1)


def test_the_registry_owns_its_caches_and_empties_them_on_close(registry: Registry) -> None:
    view = registry.public_view()
    registry.caches.get("periods", view.tag, lambda: ([], 0))
    assert registry.caches.has("periods", view.tag)
    other = Registry(registry.settings, registry.store)
    assert not other.caches.has("periods", view.tag)  # no cache is shared between registries
    assert set(SIZES) >= {"read_index", "series_index", "structures", "void"}
    registry.close()
    assert not registry.caches.has("periods", view.tag)
