"""Every cache of one registry, owned by it (DESIGN §2: state belongs to the Registry, never to a module).

Each cache has a name and a bound (a least-recently-used cache of cachetools); its keys name what an entry was
built from — the vocabulary tag or the view tag — so an entry is never served for other data, and a new view
simply builds new entries while the old ones age out. An entry is built once: a second caller asking for the
same cache while it is built waits for that build.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import LRUCache

T = TypeVar("T")

# name -> how many entries it keeps. Per-view caches keep the public view apart from agencies' views, so that an
# agency's requests never evict what every anonymous caller shares.
SIZES: dict[str, int] = {
    "structures": 4,  # the SDMX structure catalogue, per vocabulary
    "data_labels": 16,  # SDMX data labels, per vocabulary and language
    "constraints": 64,  # actual content constraints, per view and dataflow
    "periods": 8,  # every period of the public view with its observation count
    "series_index": 8,  # series key -> graphs, per public view
    "agency_series_index": 8,
    "read_index": 4,  # the read API's index, per public view
    "agency_read_index": 8,
    "view_rows": 2,  # every observation of the public view, from the column files (api/services/readmodel)
    "agency_view_rows": 4,
    "downloads": 8,  # bulk download files, per view and file, without a data folder (else files on disk)
    "reconciler": 4,  # the sources of the public view ranked by precedence (api/services/reconcile.py)
    "agency_reconciler": 8,
    "reconciled_index": 4,  # the read index of the reconciled public view
    "coverage": 4,  # indicators with a headline figure per area and section, per public view (profile.covered)
    "agency_reconciled_index": 8,
    "dataset_index": 16,  # the same, for a selection of datasets (per view and selection)
    "agency_dataset_index": 16,
    "areas": 2,  # area facts, per vocabulary
    "groups": 2,  # area groups with their dated memberships, per vocabulary
    "scheme_labels": 32,  # code-list labels, per vocabulary and scheme
    "vocabulary_document": 2,  # the whole vocabulary as a linked-data description
    "vocabulary_labels": 50_000,  # labels of vocabulary IRIs on linked-data pages
    "void": 4,  # the VoID description, per public view
}


class Caches:
    """The named, bounded caches of one registry; :meth:`clear` empties them all (on close)."""

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self._caches: dict[str, LRUCache[Hashable, Any]] = {
            name: LRUCache(maxsize=size) for name, size in (sizes or SIZES).items()}
        self._locks = {name: threading.Lock() for name in self._caches}
        self._builds = {name: threading.RLock() for name in self._caches}  # a build may read its own cache

    def get(self, name: str, key: Hashable, build: Callable[[], T]) -> T:
        """The entry ``key`` of cache ``name``, built by ``build()`` the first time (None is kept too)."""
        cache, lock = self._caches[name], self._locks[name]
        with lock:
            if key in cache:
                found: T = cache[key]
                return found
        with self._builds[name]:  # one build at a time per cache: a second caller waits for the first
            with lock:
                if key in cache:
                    kept: T = cache[key]
                    return kept
            built = build()
            with lock:
                cache[key] = built
            return built

    def has(self, name: str, key: Hashable) -> bool:
        """Whether cache ``name`` holds ``key`` (without building it)."""
        with self._locks[name]:
            return key in self._caches[name]

    def clear(self) -> None:
        for name, cache in self._caches.items():
            with self._locks[name]:
                cache.clear()
