"""Uploads that stopped or swelled the whole server, against the real server (``python -m api.cli serve``).

A 10,000-level JSON-LD document overflowed the RDF parser's stack and killed the server process; a Turtle literal
of 20 MB was a 500; a validation worker killed mid-upload must cost only that upload; a chunked body (raw or
multipart, with a lying Content-Length) was buffered whole before its 413. After each, the same server process
(same pid) must answer a normal upload; the server's memory is read with psutil while the body is sent.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest

from api.services.admin import agencies
from api.services.registry import open_registry
from tests.admin.agencies.conftest import add_all
from tests.conftest import make_settings
from tests.live_server import serving_process
from tests.read.conftest import row
from tests.services.samples import HEADER, stock_row

pytestmark = pytest.mark.server

LIMIT = 32 * 1024 * 1024  # MPR_MAX_UPLOAD_BYTES of this server: the 20 MB literal fits, the 300 MB body does not
BODY = 300 * 1024 * 1024
MB = 1024 * 1024


class Live:
    """The running server, its process and a token of DESTATIS (areas: DEU)."""

    def __init__(self, url: str, process: psutil.Process, token: str, log: Path) -> None:
        self.url, self.process, self.token, self.log = url, process, token, log
        self.uploads = 0

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def post(self, body: bytes, content_type: str, **params: str) -> httpx.Response:
        return httpx.post(f"{self.url}/api/submissions", content=body, timeout=300,
                          params={"source": "Census", **params}, headers={**self.auth, "Content-Type": content_type})

    def assert_serves(self) -> None:
        """The same process answers /health and stores a normal upload."""
        assert self.process.is_running() and self.process.status() != psutil.STATUS_ZOMBIE
        assert httpx.get(f"{self.url}/health", timeout=30).status_code == 200
        self.uploads += 1
        body = ("\n".join([HEADER, row("DEU", str(1990 + self.uploads), "100")]) + "\n").encode()
        answer = self.post(body, "text/csv", dataset=f"DEU_NORMAL_{self.uploads}")
        assert answer.status_code == 201, answer.text

    def worker(self) -> psutil.Process:
        """The upload worker: the server's spawned child that is not multiprocessing's resource tracker."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for child in self.process.children():
                with_cmd = " ".join(child.cmdline())
                if "spawn_main" in with_cmd and "resource_tracker" not in with_cmd:
                    return child
            time.sleep(0.1)
        raise AssertionError("the server has no upload worker")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    folder = tmp_path_factory.mktemp("hostile-live")
    settings = make_settings(folder / "data")
    registry = open_registry(settings)
    add_all(registry)
    credentials = agencies.credentials_for(registry)
    token = agencies.create_token(credentials, "DESTATIS").secret
    credentials.close()
    registry.close()
    # MPR_SHACL_ENGINE=sparql: a CSV is validated as a graph, as every RDF upload is, so that 8,000 rows keep the
    # worker busy for seconds (the columnar engine takes a fraction of one): what these tests need to catch it busy
    env = {"MPR_DATA": str(settings.data_dir), "MPR_BASE_IRI": settings.base_iri, "MPR_MAX_UPLOAD_BYTES": str(LIMIT),
           "MPR_SHACL_ENGINE": "sparql",
           "MPR_SOURCES": str(settings.sources_dir)}
    with serving_process(env, log=folder / "server.log") as (url, process):
        yield Live(url, psutil.Process(process.pid), token, folder / "server.log")


def test_a_10000_level_json_ld_upload_is_a_400_and_the_server_lives(live: Live) -> None:
    deep = ('{"http://example.org/p": ' * 10_000 + '"x"' + "}" * 10_000).encode()
    assert 100_000 < len(deep) < 400_000
    answer = live.post(deep, "application/ld+json", dataset="DEU_DEEP")
    assert answer.status_code == 400, answer.text
    assert "nested more than 64 levels deep" in answer.json()["error"]["message"]
    live.assert_serves()


def test_a_20_mb_turtle_literal_is_a_400_and_the_server_lives(live: Live) -> None:
    """Above the synchronous size (16 MiB) the upload is accepted (202) and runs in the background; its job ends
    rejected with the parser's 400 and nothing stored."""
    huge = b'<http://example.org/s> <http://example.org/p> "' + b"x" * (20 * MB) + b'" .\n'
    answer = live.post(huge, "text/turtle", dataset="DEU_HUGE")
    assert answer.status_code == 202, answer.text
    job = answer.json()
    deadline = time.monotonic() + 120
    while job["state"] in ("validating", "storing") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = httpx.get(f"{live.url}{answer.headers['Location']}", headers=live.auth, timeout=30).json()
    assert job["state"] == "rejected" and job["error"]["status"] == 400, job
    message = job["error"]["message"]
    assert "longer than 16 MiB" in message and "MPR_UPLOAD_MAX_LITERAL_BYTES" in message
    own = httpx.get(f"{live.url}/api/submissions", headers=live.auth, timeout=30).json()
    assert not [s for s in own if s["dataset"] == "DEU_HUGE"]
    live.assert_serves()


def test_a_worker_killed_mid_validation_costs_only_that_upload(live: Live) -> None:
    """A file under 1 MB (the old threshold of the worker) that takes seconds to validate: its worker is killed
    while it works; that upload is a 503, and the next one gets a new worker."""
    body = ("\n".join([HEADER, *(stock_row("DEU", str(1000 + i), str(100 + i)) for i in range(8000))]) + "\n").encode()
    assert len(body) < MB
    worker = live.worker()
    answers: list[httpx.Response] = []
    upload = threading.Thread(target=lambda: answers.append(live.post(body, "text/csv", dataset="DEU_KILLED")))
    before = sum(worker.cpu_times()[:2])
    upload.start()
    deadline = time.monotonic() + 60
    while sum(worker.cpu_times()[:2]) - before < 0.5 and upload.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the worker has parsed and is validating
    assert upload.is_alive(), answers[0].text if answers else "the upload ended before the worker was killed"
    os.kill(worker.pid, signal.SIGKILL)
    upload.join(120)
    assert answers and answers[0].status_code == 503, answers[0].text if answers else "no answer"
    error = answers[0].json()["error"]
    assert error["code"] == "worker_stopped" and "nothing was stored" in error["message"]
    own = httpx.get(f"{live.url}/api/submissions", headers=live.auth, timeout=30).json()
    assert not [s for s in own if s["dataset"] == "DEU_KILLED"]
    live.assert_serves()
    assert live.worker().pid != worker.pid


def _send_chunked(url: str, target: str, headers: dict[str, str], head: bytes, tail: bytes) -> tuple[bytes, int]:
    """POST a chunked body of ``head``, BODY bytes and ``tail`` over a raw socket, reading the answer while it is
    sent; the answer's bytes and how many body bytes the server took before it answered or closed."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=30)
    lines = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}", "Transfer-Encoding: chunked",
             *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    sent = [0]

    def send() -> None:
        chunk = b"y" * MB
        try:
            if head:  # (a chunk of size 0 would end the body)
                sock.sendall(b"%x\r\n%s\r\n" % (len(head), head))
            while sent[0] < BODY:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent[0] += len(chunk)
            sock.sendall((b"%x\r\n%s\r\n" % (len(tail), tail) if tail else b"") + b"0\r\n\r\n")
        except OSError:
            return  # the server answered and closed the connection

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 60:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    taken = sent[0]
    sock.close()
    sender.join(30)
    return answer, taken


@pytest.mark.parametrize("how", ["raw", "multipart"])
def test_a_chunked_body_with_a_lying_length_is_a_413_without_the_memory(live: Live, how: str) -> None:
    headers = {**live.auth, "Content-Length": "100", "Content-Type": "text/csv"}
    head = tail = b""
    if how == "multipart":
        headers["Content-Type"] = "multipart/form-data; boundary=b0undary"
        head = (b'--b0undary\r\nContent-Disposition: form-data; name="dataset"\r\n\r\nDEU_CHUNKED\r\n--b0undary\r\n'
                b'Content-Disposition: form-data; name="file"; filename="s.csv"\r\nContent-Type: text/csv\r\n\r\n')
        tail = b"\r\n--b0undary--\r\n"
    baseline = live.process.memory_info().rss
    peak = [baseline]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], live.process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        answer, taken = _send_chunked(live.url, "/api/submissions?dataset=DEU_CHUNKED&source=x", headers, head, tail)
    finally:
        done.set()
        sampler.join(5)
    assert peak[0] - baseline < 64 * MB, f"the server grew by {(peak[0] - baseline) / MB:.0f} MB"
    status_line = answer.split(b"\r\n", 1)[0]
    assert b" 413 " in status_line, answer[:500]
    assert b"counted as it arrived" in answer
    assert taken < BODY  # the server stopped taking the body: the rest was never sent
    live.assert_serves()


def test_uploads_waiting_for_the_worker_hold_no_thread_of_the_readers(live: Live) -> None:
    """While one long upload has the worker, 50 more wait for it; the synchronous read routes (which share the
    server's thread pool of 40) keep answering."""
    long = ("\n".join([HEADER, *(stock_row("DEU", str(1000 + i), str(100 + i)) for i in range(8000))]) + "\n").encode()
    small = ("\n".join([HEADER, row("DEU", "2020", "100")]) + "\n").encode()
    answers: list[int] = []
    first = threading.Thread(target=lambda: answers.append(live.post(long, "text/csv", dataset="DEU_LONG",
                                                                     dry_run="true").status_code))
    first.start()
    time.sleep(0.5)
    waiting = [threading.Thread(target=lambda: answers.append(live.post(small, "text/csv", dataset="DEU_WAIT",
                                                                        dry_run="true").status_code))
               for _ in range(50)]
    for thread in waiting:
        thread.start()
    time.sleep(1.0)
    assert first.is_alive(), "the long upload ended before the readers were asked"
    read = httpx.get(f"{live.url}/api/indicators", timeout=120)  # a synchronous route
    assert read.status_code == 200
    assert first.is_alive(), "the read waited for the long upload to end"  # answered while the worker was busy
    for thread in [first, *waiting]:
        thread.join(300)
    assert answers.count(200) == 51, answers


def test_the_log_shows_no_traceback(live: Live) -> None:
    """Every refusal above was a sentence, not a crash: the server's log has no traceback (run last)."""
    text = live.log.read_text(errors="replace")
    assert "POST /api/submissions" in text and "Traceback" not in text
