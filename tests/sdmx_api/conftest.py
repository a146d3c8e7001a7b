"""A live registry server over real imported data, for the SDMX REST tests (sdmx1 and pysdmx as clients)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from api.config import Settings
from api.services import build
from api.services.registry import open_registry
from tests.conftest import REPO, make_settings

# Two small real datasets (about 21 000 observations): UN Statistical Yearbook and World Bank WDI.
LIVE_DATASETS = ("UNSD_SYB65_MIGRANTS_REFUGEES", "WB_WDI_SM_POP_NETM")


@dataclass(frozen=True)
class LiveServer:
    url: str
    settings: Settings


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[LiveServer]:
    root = tmp_path_factory.mktemp("live")
    datasets = root / "datasets"
    for name in LIVE_DATASETS:
        shutil.copytree(REPO / "datasets" / name, datasets / name)
    settings = replace(make_settings(root / "data"), datasets_dir=datasets)
    registry = open_registry(settings)
    try:
        outcomes = build.build(registry)
    finally:
        registry.close()
    assert [o.status for o in outcomes] == ["loaded"] * len(LIVE_DATASETS), outcomes
    port = _free_port()
    env = {**os.environ, "MPR_DATA": str(root / "data"), "MPR_BASE_IRI": settings.base_iri,
           "MPR_SOURCES": str(shared_data)}
    process = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                log = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"the server did not start: {log}")
            time.sleep(0.2)
        yield LiveServer(url, settings)
    finally:
        process.terminate()
        process.wait(timeout=20)
