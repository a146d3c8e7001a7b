"""Large uploads through ``POST /api/submissions`` on a fresh server (bench/README.md, "Large uploads").

    .venv/bin/python bench/upload_large.py [--observations 100000,1000000] [--repo DIR] [--label NAME]

Starts ``python -m api.cli serve`` from ``--repo`` (default: this checkout) over a fresh data folder with the
international agency UNHCR (every area) and a token, then posts each ``generate.py --errors 0`` file of the given
sizes (``bench/out/load-N.csv``, written if missing) as a raw ``text/csv`` body. A body up to
``MPR_UPLOAD_SYNC_MAX_BYTES`` is answered 201 when stored; a larger one 202, and its job is polled every
Retry-After seconds until it ends. The time is request sent to the 201 (or to the poll that sees ``stored``); the
peak memory is ``VmHWM`` of the server and of its upload worker, read from /proc at the end. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def mpr(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return done.stdout.strip()


def peak_mb(pid: int) -> float:
    """VmHWM of a process and of its children (the upload worker), in MB."""
    found = {}
    for candidate in [pid, *_children(pid)]:
        try:
            status = Path(f"/proc/{candidate}/status").read_text()
        except OSError:
            continue
        line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
        found[candidate] = int(line.split()[1]) / 1024
    return max(found.values(), default=0.0)


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--observations", default="100000,1000000")
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--label", default="now")
    parser.add_argument("--port", type=int, default=18_523)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="upload-large-"))
    env = {**os.environ, "MPR_DATA": str(folder / "data"), "MPR_BASE_IRI": "http://registry.test",
           "MPR_MAX_UPLOAD_BYTES": str(1 << 30), "MPR_UPLOAD_TIMEOUT": "3600"}
    mpr(args.repo, env, "agency", "add", "UNHCR", "--name", "UNHCR", "--kind", "international")
    token = mpr(args.repo, env, "token", "create", "UNHCR")
    url = f"http://127.0.0.1:{args.port}"
    results: list[dict[str, Any]] = []
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(args.port)],
                                  cwd=args.repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(5)
        auth = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=url, timeout=3600, headers=auth) as client:
            for size in (int(s) for s in args.observations.split(",")):
                path = args.out / f"load-{size}.csv"
                if not path.exists():
                    subprocess.run([sys.executable, str(HERE / "generate.py"), "--observations", str(size),
                                    "--errors", "0", "--seed", "1", "--out", str(path)], check=True)
                body = path.read_bytes()
                start = time.perf_counter()
                answer = client.post("/api/submissions", content=body, headers={"Content-Type": "text/csv"},
                                     params={"dataset": f"LARGE_{size}", "source": "bench"})
                accepted = time.perf_counter() - start
                polls = 0
                if answer.status_code == 202:
                    location = answer.headers["location"]
                    while True:
                        time.sleep(float(answer.headers.get("retry-after", "2")))
                        answer = client.get(location)
                        polls += 1
                        if answer.json()["state"] not in ("validating", "storing"):
                            break
                elapsed = time.perf_counter() - start
                job = answer.json()
                stored = job.get("result", job)
                results.append({"observations": size, "bytes": len(body), "answer_s": accepted,
                                "stored_s": elapsed, "polls": polls, "state": job.get("state", answer.status_code),
                                "stored": stored.get("observations"), "peak_mb": peak_mb(server.pid)})
                print(json.dumps(results[-1]), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"upload-large-{args.label}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
