"""The ``store`` fixture: every Store implementation the contract suite runs against (DESIGN §6)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.store.base import Store
from api.store.oxigraph_store import OxigraphStore
from api.store.remote_store import RemoteStore


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_ready(proc: subprocess.Popen[bytes], base: str, deadline: float) -> None:
    url = f"{base}/query?query=ASK%7B%7D"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph serve did not answer {url} in time")


@pytest.fixture(scope="session")
def oxigraph_server() -> Iterator[str]:
    """One Oxigraph server per session, its default graph the union of all graphs; yields its base URL."""
    binary = Path(sys.executable).parent / "oxigraph"
    if not binary.exists():
        pytest.skip(f"the oxigraph CLI (PyPI package 'oxigraph') is not installed next to {sys.executable}")
    location = Path(tempfile.mkdtemp(prefix="oxigraph-"))
    port = _free_port()
    proc = subprocess.Popen(
        [str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
         "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(proc, base, time.monotonic() + 20)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(location, ignore_errors=True)


@pytest.fixture(
    params=[
        "memory",
        "disk",
        pytest.param("server", marks=pytest.mark.server),
    ]
)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store of each implementation."""
    s: OxigraphStore | RemoteStore
    if request.param == "memory":
        s = OxigraphStore()
    elif request.param == "disk":
        s = OxigraphStore(tmp_path / "db")
    else:
        base = request.getfixturevalue("oxigraph_server")
        s = RemoteStore(f"{base}/query", f"{base}/update", f"{base}/store", timeout=20)
        s.update("DROP ALL")  # the server lives for the session: a fresh state for every test
    yield s
    s.close()


@pytest.fixture
def remote_without_gsp(oxigraph_server: str) -> RemoteStore:
    """The same server without its Graph Store endpoint: writes go through INSERT DATA."""
    s = RemoteStore(f"{oxigraph_server}/query", f"{oxigraph_server}/update", timeout=20)
    s.update("DROP ALL")
    return s
