"""Public SPARQL queries on a remote engine: a bounded number in flight, each within its time limit, and those the
limit gave up on kept from piling up on the engine as far as the engine lets us (SPARQL 1.1 Protocol §2.1;
DESIGN §6).

Giving up waiting does not stop the engine. Virtuoso stops a query at the anytime ``timeout`` each public query
carries (and when its connection closes). Oxigraph server has no per-query limit: its server-wide
``--timeout-s`` stops many queries but not every one (a cross product being counted can run on for good), and a
closed connection stops a query only when the engine next writes to it. So one store object (one API worker)
keeps at most ``size`` public queries on the engine: a query takes a place before it is sent (waiting for one
counts against its time limit; none within it is a ``TimeoutError``), and a query given up on keeps its place
until the engine ends its answer or writes more of it, or for ``hold_s`` at most. Then its connection is closed
unread (an engine still writing stops at its next write) and the place is free. A query the engine never ends
thus costs this worker one place for ``hold_s``: each worker starts at most ``size`` of them per time limit and
hold, instead of one per time limit and worker slot, and the rest of the registry's reads are never held up.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Mapping

import httpx

log = logging.getLogger("mpr.store")


class EngineStopped(TimeoutError):
    """The engine stopped the query at its own time limit and said so: the query no longer runs there."""


class _Exchange:
    """One request in a thread of its own, read whole unless it was given up on before the engine wrote more."""

    def __init__(self, release: Callable[[], None]) -> None:
        self._release_place = release
        self._lock = threading.Lock()
        self._released = False
        self._abandoned = threading.Event()
        self.done = threading.Event()
        self.response: httpx.Response | None = None
        self.body = b""
        self.error: httpx.HTTPError | None = None
        self._streaming: httpx.Response | None = None

    def release(self) -> bool:
        """Free the place once (whichever comes first: the end of the exchange or the end of the hold)."""
        with self._lock:
            if self._released:
                return False
            self._released = True
        self._release_place()
        return True

    def abandon(self, hold_s: float) -> None:
        """Given up on: the place stays taken until the engine ends or writes, or ``hold_s`` passes."""
        self._abandoned.set()
        timer = threading.Timer(hold_s, self._hold_ended)
        timer.daemon = True
        timer.start()

    def _hold_ended(self) -> None:
        if self.release():
            log.warning("a public SPARQL query given up on at its time limit may still run on the store: its place "
                        "is freed and its connection closed")
            self._close()

    def _close(self) -> None:
        """Shut the connection down under the blocked read (an engine that writes again then stops)."""
        response = self._streaming
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def run(self, client: httpx.Client, url: str, data: Mapping[str, str | list[str]],
            headers: Mapping[str, str], connect_s: float) -> None:
        try:
            with client.stream("POST", url, data=data, headers=headers,
                               timeout=httpx.Timeout(None, connect=connect_s, pool=connect_s)) as response:
                self._streaming = response
                parts: list[bytes] = []
                for chunk in response.iter_bytes():
                    if self._abandoned.is_set():
                        return  # the engine wrote after the limit: the connection closes unread, its next write fails
                    parts.append(chunk)
                self.response, self.body = response, b"".join(parts)
        except httpx.HTTPError as exc:
            self.error = exc
        finally:
            self.release()
            self.done.set()


class PublicQueries:
    """The public queries one store object has on the engine: at most ``size`` at once."""

    def __init__(self, size: int) -> None:
        self.size = max(size, 1)
        self._slots = threading.BoundedSemaphore(self.size)
        self._lock = threading.Lock()
        self._running = 0

    @property
    def running(self) -> int:
        """Public queries holding a place: in flight, or given up on and neither ended nor past their hold."""
        with self._lock:
            return self._running

    def _release(self) -> None:
        with self._lock:
            self._running -= 1
        self._slots.release()

    def send(self, client: httpx.Client, url: str, form: Callable[[float], Mapping[str, str | list[str]]],
             headers: Mapping[str, str], timeout_s: float, *, connect_s: float, grace_s: float,
             hold_s: float) -> tuple[httpx.Response, bytes]:
        """POST ``form(seconds left)`` within ``timeout_s`` (waiting for a place included): the response and its
        body; TimeoutError when no place frees in time or no answer comes in time (plus ``grace_s`` for the
        engine's own time-limit answer, which may come a little late), httpx.HTTPError when the exchange fails.
        A query given up on keeps its place for ``hold_s`` at most."""
        deadline = time.monotonic() + timeout_s
        if not self._slots.acquire(timeout=timeout_s):
            raise TimeoutError(f"no public query could start within {timeout_s:g} s: the {self.size} this worker "
                               "may have on the store are still running there")
        with self._lock:
            self._running += 1
        exchange = _Exchange(self._release)
        left = max(deadline - time.monotonic(), 0.001)
        try:
            data = form(left)
        except BaseException:
            exchange.release()
            raise
        threading.Thread(target=exchange.run, args=(client, url, data, headers, min(connect_s, left)),
                         name="mpr-public-query", daemon=True).start()
        if not exchange.done.wait(left + grace_s):
            exchange.abandon(hold_s)
            raise TimeoutError(f"no answer within {timeout_s:g} s")
        if exchange.error is not None:
            raise exchange.error
        assert exchange.response is not None
        return exchange.response, exchange.body
