"""Admission to the SPARQL query workers: bounded, fair across clients, and never holding a server thread.

A query takes one of ``slots`` (one per worker) before it runs. A client (its remote address) may have at most
``per_client`` queries running or waiting; all clients together at most ``max_waiting`` waiting; a client runs
on at most ``slots - 1`` workers at once (when there are two or more), so that one client's stream of slow
queries always leaves a worker to everybody else. Waiting queries are served round-robin across clients. Over a
bound the answer is at once a 503 with ``Retry-After`` (RFC 9110 §15.6.4, §10.2.3); a query that waited
``wait_s`` without getting a worker is told the same. Waiting is an ``asyncio`` future, not a blocked thread.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import Counter, OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from api.errors import Busy


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    granted: bool = field(default=False)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class QueryGate:
    """The slots of one worker pool and who holds or waits for them (thread-safe, any event loop)."""

    def __init__(self, slots: int, *, per_client: int, max_waiting: int, wait_s: float,
                 retry_after: int | None = None) -> None:
        self.slots = max(slots, 1)
        self.per_client = max(per_client, 1)
        self.max_waiting = max(max_waiting, 0)
        self.wait_s = wait_s
        self.client_cap = max(self.slots - 1, 1)  # workers one client may hold at once
        self.retry_after = max(math.ceil(wait_s), 1) if retry_after is None else max(retry_after, 1)
        self._free = self.slots
        self._running: Counter[str] = Counter()
        self._waiting: OrderedDict[str, deque[_Waiter]] = OrderedDict()  # round-robin order of clients
        self._lock = threading.Lock()

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._waiting.values())

    @asynccontextmanager
    async def slot(self, client: str) -> AsyncIterator[None]:
        """Hold one slot for ``client`` while the block runs; Busy when over a bound or after ``wait_s``."""
        await self._acquire(client)
        try:
            yield
        finally:
            self._release(client)

    def _busy(self, message: str) -> Busy:
        return Busy(message + f" Try again in {self.retry_after} s.", retry_after=self.retry_after)

    async def _acquire(self, client: str) -> None:
        with self._lock:
            queued = self._waiting.get(client, ())
            held = self._running[client] + len(queued)
            if held >= self.per_client:
                raise self._busy(f"this client already has {held} SPARQL queries running or waiting, the limit per "
                                 f"client of this endpoint is {self.per_client}: wait for their answers before "
                                 "sending more.")
            if self._free > 0 and self._running[client] < self.client_cap:
                self._free -= 1
                self._running[client] += 1
                return
            if self.waiting >= self.max_waiting:
                raise self._busy(f"every SPARQL query worker is busy and {self.waiting} queries are already "
                                 "waiting, the most this endpoint queues.")
            waiter = _Waiter(asyncio.get_running_loop(), asyncio.get_running_loop().create_future())
            self._waiting.setdefault(client, deque()).append(waiter)
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), timeout=self.wait_s)
        except TimeoutError:
            with self._lock:
                if waiter.granted:  # a slot came at the last moment
                    return
                self._forget(client, waiter)
            raise self._busy(f"every SPARQL query worker stayed busy for {self.wait_s:g} s.") from None
        except BaseException:  # cancelled: leave the queue, or give back a slot granted meanwhile
            with self._lock:
                granted = waiter.granted
                if not granted:
                    self._forget(client, waiter)
            if granted:
                self._release(client)
            raise

    def _forget(self, client: str, waiter: _Waiter) -> None:
        queue = self._waiting.get(client)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            if not queue:
                del self._waiting[client]

    def _release(self, client: str) -> None:
        with self._lock:
            self._running[client] -= 1
            if self._running[client] <= 0:
                del self._running[client]
            self._free += 1
            self._dispatch()

    def _dispatch(self) -> None:
        """Give free slots to waiting clients in turn (the lock is held)."""
        while self._free > 0:
            client = next((c for c in self._waiting if self._running[c] < self.client_cap), None)
            if client is None:
                return
            queue = self._waiting.pop(client)
            waiter = queue.popleft()
            if queue:
                self._waiting[client] = queue  # to the back of the round
            self._free -= 1
            self._running[client] += 1
            waiter.granted = True
            waiter.loop.call_soon_threadsafe(_wake, waiter.future)
