"""Each request starts by reading the store's generation once (``Registry.follow_generation``), so that a write
through another worker or machine sharing the store is seen by this one on its next request (DESIGN §6)."""

from __future__ import annotations

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from api.services.registry import Registry


class FollowGeneration:
    """Pure ASGI middleware: one generation read per HTTP request (in a thread: a remote store asks over HTTP)."""

    def __init__(self, app: ASGIApp, registry: Registry) -> None:
        self.app = app
        self.registry = registry
        self.remote = registry.follows_a_remote_store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self.remote:
                await anyio.to_thread.run_sync(self.registry.follow_generation)
            else:
                self.registry.follow_generation()
        await self.app(scope, receive, send)
