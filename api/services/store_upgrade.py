"""Bring a store written by an earlier version up to the rules of this one, once, when it is opened for writing.

Earlier versions wrote into public graphs what the public must not see (DESIGN §4: nothing public may be a
function of restricted content): the uploaded file's name, SHA-256 and size (a confidential cell could be
recovered by hashing candidates), and each observation's source line (a gap shows where a row was
suppressed); and the registry graph kept only the full observation count. Each step is one SPARQL Update
(one transaction) and runs only while the store still needs it.
"""

from __future__ import annotations

from pyoxigraph import NamedNode

from api.store.base import Store
from api.store.queries import fill_update, load_query

STEPS = ("upgrade/public-counts", "upgrade/private-file", "upgrade/public-source-rows")


def needed(store: Store, registry_graph: str) -> bool:
    """Whether any step has work to do (an index lookup each when the store is up to date)."""
    return store.ask(load_query("upgrade/needed"), {"registry": NamedNode(registry_graph)})


def upgrade(store: Store, registry_graph: str) -> bool:
    """Run every step if needed (before the store serves anyone); True when the store was changed."""
    if not needed(store, registry_graph):
        return False
    for step in STEPS:
        store.update(fill_update(step, registry=NamedNode(registry_graph)))
    return True
