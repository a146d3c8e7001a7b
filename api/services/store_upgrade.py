"""Bring a store written by an earlier version up to the rules of this one, once, when it is opened for writing.

Earlier versions wrote into public graphs what the public must not see (DESIGN §4: nothing public may be a
function of restricted content): the uploaded file's name, SHA-256 and size (a confidential cell could be
recovered by hashing candidates), and each observation's source line (a gap shows where a row was
suppressed); and the registry graph kept only the full observation count. Each step is one SPARQL Update
(one transaction) and runs only while the store still needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from api.store.queries import fill_update, load_query

if TYPE_CHECKING:
    from api.services.registry import Registry

STEPS = ("upgrade/public-counts", "upgrade/private-file", "upgrade/public-source-rows")


def needed(registry: Registry) -> bool:
    """Whether any step has work to do (an index lookup each when the store is up to date)."""
    return registry.store.ask(load_query("upgrade/needed"), {"registry": NamedNode(registry.iris.registry_graph)})


def upgrade(registry: Registry) -> bool:
    """Run every step if needed; True when the store was changed."""
    if not needed(registry):
        return False
    graph = NamedNode(registry.iris.registry_graph)
    with registry.write_lock:
        for step in STEPS:
            registry.store.update(fill_update(step, registry=graph))
    return True
