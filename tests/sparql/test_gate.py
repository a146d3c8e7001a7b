"""The admission gate of the query workers on its own: the per-client bound, the queue bound, the wait bound,
one worker kept for the other clients, round-robin service of waiting clients, cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from api.errors import Busy
from api.services.sparql.gate import QueryGate


class Holder:
    """A query that holds a slot of the gate until released."""

    def __init__(self, gate: QueryGate, client: str, served: list[str]) -> None:
        self.client = client
        self.admitted = asyncio.Event()
        self.done = asyncio.Event()
        self.refused: Busy | None = None
        self.task = asyncio.create_task(self._run(gate, served))

    async def _run(self, gate: QueryGate, served: list[str]) -> None:
        try:
            async with gate.slot(self.client):
                served.append(self.client)
                self.admitted.set()
                await self.done.wait()
        except Busy as exc:
            self.refused = exc


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), timeout=30))


def test_one_client_is_refused_at_once_over_its_bound_with_retry_after() -> None:
    async def test() -> None:
        gate = QueryGate(2, per_client=2, max_waiting=8, wait_s=10)
        served: list[str] = []
        first, second = Holder(gate, "a", served), Holder(gate, "a", served)
        await settle()
        assert first.admitted.is_set() and not second.admitted.is_set()  # one worker stays for the others
        third = Holder(gate, "a", served)
        await settle()
        assert third.task.done() and third.refused is not None and third.refused.retry_after == 10
        assert "limit per client" in third.refused.message and "Try again in 10 s" in third.refused.message
        other = Holder(gate, "b", served)
        await settle()
        assert other.admitted.is_set() and served == ["a", "b"]
        for holder in (first, second, other):
            holder.done.set()
        await asyncio.gather(first.task, second.task, other.task)
        assert served == ["a", "b", "a"] and second.refused is None
    run(test)


def test_waiting_clients_are_served_in_turn() -> None:
    """A client with a stream of queries does not keep a newcomer waiting behind all of them."""
    async def test() -> None:
        gate = QueryGate(2, per_client=3, max_waiting=8, wait_s=10)
        served: list[str] = []
        a1, b1 = Holder(gate, "a", served), Holder(gate, "b", served)
        await settle()
        waiting = [Holder(gate, "a", served), Holder(gate, "a", served), Holder(gate, "b", served)]
        await settle()
        c1 = Holder(gate, "c", served)
        await settle()
        assert served == ["a", "b"] and gate.waiting == 4
        a1.done.set()
        await settle()
        b1.done.set()
        await settle()
        assert served == ["a", "b", "a", "b"]
        waiting[0].done.set()  # a's second query ends: c, which came last, goes before a's third
        await settle()
        assert served[-1] == "c"
        for holder in (*waiting, c1):
            holder.done.set()
        await asyncio.gather(*(h.task for h in (a1, b1, *waiting, c1)))
        assert served == ["a", "b", "a", "b", "c", "a"] and gate.waiting == 0
    run(test)


def test_the_queue_is_bounded_and_so_is_the_wait() -> None:
    async def test() -> None:
        gate = QueryGate(1, per_client=1, max_waiting=1, wait_s=0.2)
        served: list[str] = []
        running, queued = Holder(gate, "a", served), Holder(gate, "b", served)
        await settle()
        full = Holder(gate, "c", served)
        await settle()
        assert full.refused is not None and "already waiting" in full.refused.message
        await queued.task  # nobody released the slot within the wait limit
        assert queued.refused is not None and "stayed busy for 0.2 s" in queued.refused.message
        assert gate.waiting == 0
        running.done.set()
        await running.task
        late = Holder(gate, "b", served)
        await settle()
        assert late.admitted.is_set()
        late.done.set()
        await late.task
    run(test)


def test_a_cancelled_waiter_leaves_the_queue_and_no_slot_is_lost() -> None:
    async def test() -> None:
        gate = QueryGate(1, per_client=2, max_waiting=4, wait_s=10)
        served: list[str] = []
        running, queued = Holder(gate, "a", served), Holder(gate, "b", served)
        await settle()
        queued.task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await queued.task
        assert gate.waiting == 0
        running.done.set()
        await running.task
        again = Holder(gate, "b", served)
        await settle()
        assert again.admitted.is_set()
        again.done.set()
        await again.task
    run(test)
