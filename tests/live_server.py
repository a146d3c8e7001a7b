"""One way to run the real server for tests: `python -m api.cli serve` on a free port, ready when /health answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.conftest import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(env: dict[str, str], *, port: int | None = None, log: Path | None = None) -> Iterator[str]:
    """The server's base URL while it runs with ``env`` added to this process's environment (MPR_DATA ...);
    its output goes to ``log`` (a temporary file when None), shown if it fails to start."""
    with serving_process(env, port=port, log=log) as (url, _):
        yield url


@contextmanager
def serving_process(env: dict[str, str], *, port: int | None = None, log: Path | None = None
                    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``serving``, with the server's process (its pid, to watch it or its children)."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as folder:
        log_path = log or Path(folder) / "server.log"
        with log_path.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                env={**os.environ, **env}, cwd=REPO, stdout=sink, stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if httpx.get(url + "/health", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"the server did not start: {log_path.read_text(errors='replace')}")
                    time.sleep(0.2)
                yield url, process
            finally:
                process.terminate()
                process.wait(timeout=30)
