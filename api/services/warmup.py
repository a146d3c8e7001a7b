"""Build the caches a first request would otherwise wait for (the read model's view, SDMX series index and the
whole dataflow's ordered series, read index, reconciled index, coverage, structures)."""

from __future__ import annotations

import gc
import logging
import time

from api.errors import RegistryError
from api.model.sdmx_data_query import DataQuery
from api.services.read.index import read_index, reconciled_index
from api.services.read.profile import covered
from api.services.registry import Registry
from api.services.sdmx import structures as sdmx_structures
from api.services.sdmx.data import selected_keys, series_index

log = logging.getLogger("mpr")


def warm(registry: Registry) -> float:
    """Build every per-view cache for the current public view; the seconds it took."""
    start = time.perf_counter()
    try:
        view = registry.public_view()
        sdmx_structures.catalogue(registry)
        sdmx_structures.data_labels(registry, "en")
        registry.view_rows(view)
        series_index(registry, view)
        selected_keys(registry, DataQuery(), view)  # the whole dataflow's series, best source first
        read_index(registry, view)
        reconciled_index(registry, view)
        covered(registry)  # the home page's and coverage's areas with data
    except RegistryError as exc:  # the server still answers; the caches are built on first use instead
        log.warning("warming the caches failed: %s", exc.message)
    # The indexes are millions of long-lived objects: leave them out of the cyclic garbage collector's scans,
    # which would otherwise walk them all on every full collection (a pause that every request pays).
    gc.collect()
    gc.freeze()
    seconds = time.perf_counter() - start
    log.info("caches ready in %.1f s", seconds)
    return seconds
