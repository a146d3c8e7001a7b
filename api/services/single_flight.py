"""One read shared by the requests waiting for it (DESIGN §6: a write is seen by every worker on its next request).

Each request starts by reading the store's generation. Concurrent requests of one worker share a read, but only
one that *started after the request arrived*: a write completed before a request began is always seen by it, while
eight requests arriving together cost the store one query instead of eight.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    """``run()`` returns the result of ``read`` from a call that began after ``run`` was entered; a call in flight
    that began earlier is waited for, then a new one is made (shared with whoever arrives meanwhile)."""

    def __init__(self, read: Callable[[], T]) -> None:
        self._read = read
        self._changed = threading.Condition()
        self._tick = 0  # orders arrivals and the starts of reads
        self._in_flight: int | None = None  # the start tick of the read under way
        self._done: tuple[int, T] | None = None  # the start tick and result of the last read that succeeded
        self.reads = 0  # how many reads were made (the store queries saved are visible in tests and benches)
        self.waiting = 0  # callers waiting for a read under way

    def run(self) -> T:
        with self._changed:
            self._tick += 1
            arrived = self._tick
            while True:
                if self._done is not None and self._done[0] > arrived:
                    return self._done[1]
                if self._in_flight is None:
                    break
                self.waiting += 1
                self._changed.wait()
                self.waiting -= 1
            self._tick += 1
            started = self._in_flight = self._tick
            self.reads += 1
        try:
            result = self._read()
        except BaseException:
            with self._changed:
                self._in_flight = None
                self._changed.notify_all()  # a waiter makes its own read
            raise
        with self._changed:
            self._in_flight = None
            self._done = (started, result)
            self._changed.notify_all()
        return result
