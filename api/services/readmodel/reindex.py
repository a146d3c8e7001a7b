"""``mpr reindex``: drop every column file and write them again from the store (the system of record)."""

from __future__ import annotations

from datetime import datetime

from api.services.registry import Registry
from api.store.queries import load_query


def data_graphs(registry: Registry) -> dict[str, datetime]:
    """Every data graph any view may read (each submission's public and restricted graph, withdrawn or not)
    with its submission's generation time."""
    rows = registry.store.select(load_query("registry/data-graphs"), default_graphs=[registry.iris.registry_graph])
    return {row["graph"].value: datetime.fromisoformat(row["generated"].value.replace("Z", "+00:00"))
            for row in rows if row["graph"] is not None and row["generated"] is not None}


def reindex(registry: Registry) -> int:
    """Rebuild every column file from the store; returns how many graphs were written."""
    written = registry.read_model.reindex(data_graphs(registry))
    registry.caches.clear()
    return written
