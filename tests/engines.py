"""Real triple-store servers for tests: Oxigraph server (PyPI ``oxigraph``) and Virtuoso 7 (Debian
``virtuoso-opensource``), each started on a free 127.0.0.1 port in a temporary folder.

An engine whose program is missing is a skip with the reason, except in CI (``CI=true``), where it is a failure:
the Makefile's test target installs both.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.store.virtuoso_store import public_user_sql

VIRTUOSO_PASSWORD = "mpr-test-dba"
PUBLIC_USER, PUBLIC_PASSWORD = "mpr_public", "mpr-test-public"


@dataclass(frozen=True)
class Engine:
    """A running server: its name and the URLs and credentials a RemoteStore needs."""

    name: str
    query_url: str
    update_url: str
    gsp_url: str | None
    user: str | None = None
    password: str | None = None
    public_user: str | None = None  # the read-only user of the public SPARQL endpoint (Virtuoso)
    public_password: str | None = None
    folder: Path | None = None  # the server's own folder (Virtuoso: listed in its DirsAllowed)

    def env(self) -> dict[str, str]:
        """The MPR_STORE* settings that point the registry at this server."""
        env = {"MPR_STORE": "sparql", "MPR_STORE_QUERY_URL": self.query_url, "MPR_STORE_UPDATE_URL": self.update_url}
        if self.gsp_url:
            env["MPR_STORE_GSP_URL"] = self.gsp_url
        if self.user and self.password:
            env["MPR_STORE_USER"], env["MPR_STORE_PASSWORD"] = self.user, self.password
        if self.public_user and self.public_password:
            env["MPR_STORE_PUBLIC_USER"], env["MPR_STORE_PUBLIC_PASSWORD"] = self.public_user, self.public_password
        return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing(program: str, package: str) -> None:
    """Skip (or, in CI, fail) because ``program`` is not installed."""
    reason = f"{program} is not installed (install {package}; `make test` does)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}")
    pytest.skip(reason)


def _wait(proc: subprocess.Popen[bytes], url: str, deadline: float, name: str, log: Path | None = None) -> None:
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            shown = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{name} exited with {proc.returncode}: {shown}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not answer {url} in time")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


ENGINE_TIMEOUT_S = 30  # the suites' Oxigraph server stops every query after it (docs/deploy.md: --timeout-s):
# above every time limit the suites set, and above the registry's own longest read on a loaded machine


@contextmanager
def oxigraph_server(timeout_s: int | None = None) -> Iterator[Engine]:
    """``oxigraph serve`` with the union of all graphs as its default graph; with ``timeout_s``, its own limit on
    every query (``--timeout-s``, server-wide: Oxigraph has no per-query one)."""
    binary = Path(sys.executable).parent / "oxigraph"
    if not binary.exists():
        missing("oxigraph", "the PyPI package 'oxigraph'")
    location = Path(tempfile.mkdtemp(prefix="oxigraph-"))
    port = free_port()
    proc = subprocess.Popen([str(binary), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph", *(("--timeout-s", str(timeout_s)) if timeout_s else ())],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(proc, f"{base}/query?query=ASK%7B%7D", time.monotonic() + 30, "oxigraph serve")
        yield Engine("oxigraph-server", f"{base}/query", f"{base}/update", f"{base}/store")
    finally:
        _stop(proc)
        shutil.rmtree(location, ignore_errors=True)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 20
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {dir}, /usr/share/virtuoso-opensource-7/vad
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
NumberOfBuffers = 170000
MaxDirtyBuffers = 130000
MaxQueryMem = 1G
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}/vsp
MaxClientConnections = 20
ServerThreads = 20
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
EnabledGzipContent = 0

[SPARQL]
ResultSetMaxRows = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
MaxSortedTopRows = 10000000
"""


def _isql(sql_port: int, password: str, statement: str) -> str:
    done = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", password, f"exec={statement}"],
                          capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 or "*** Error" in done.stdout:
        raise RuntimeError(f"isql {statement!r}: {done.stdout}{done.stderr}")
    return done.stdout


@contextmanager
def virtuoso_server() -> Iterator[Engine]:
    """``virtuoso-t`` in the foreground with a fresh database, set up as docs/deploy.md says: dba's password
    changed; graph-level security on, with the read-only public user (``virtuoso-public-user.sql``); so every
    query and update goes to the digest-authenticated endpoints (``/sparql-auth``, ``/sparql-graph-crud-auth``):
    the unauthenticated ``/sparql`` reads nothing."""
    binary = shutil.which("virtuoso-t")
    if binary is None or shutil.which("isql-vt") is None:
        missing("virtuoso-t", "the Debian package virtuoso-opensource")
        raise AssertionError  # unreachable: missing() skips or fails
    folder = Path(tempfile.mkdtemp(prefix="virtuoso-"))
    (folder / "vsp").mkdir()
    sql_port, http_port = free_port(), free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=folder, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    log = folder / "virtuoso.log"
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=folder,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    try:
        _wait(proc, f"{base}/sparql?query=ASK%7B%7D", time.monotonic() + 240, "virtuoso-t", log)  # a busy machine
        _isql(sql_port, "dba", f"USER_SET_PASSWORD('dba', '{VIRTUOSO_PASSWORD}')")
        for statement in public_user_sql(PUBLIC_USER, PUBLIC_PASSWORD):  # as docs/deploy.md sets a server up
            _isql(sql_port, VIRTUOSO_PASSWORD, statement)
        yield Engine("virtuoso", f"{base}/sparql-auth", f"{base}/sparql-auth", f"{base}/sparql-graph-crud-auth",
                     "dba", VIRTUOSO_PASSWORD, PUBLIC_USER, PUBLIC_PASSWORD, folder)
    finally:
        _stop(proc)
        shutil.rmtree(folder, ignore_errors=True)
