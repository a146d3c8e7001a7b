"""Triple stores behind one protocol (DESIGN §6)."""

from api.store.base import Store
from api.store.queries import load_query

__all__ = ["Store", "load_query"]
