"""Latency of small uploads over HTTP (bench/README.md, "Small uploads").

    .venv/bin/python bench/upload_small.py [--requests 50] [--repo DIR] [--label NAME] [--out bench/out]

Starts ``python -m api.cli serve`` from ``--repo`` (default: this checkout; another checkout of the project compares
versions) over a fresh data folder, adds agency DESTATIS (areas: DEU) and a token with that checkout's ``mpr``
command, waits for /health, then times ``--requests`` of each of: a dry run of a 1-row CSV, a stored 1-row CSV (a new
dataset each time), and a dry run of a 200-row CSV, one after the other on one keep-alive connection. The first
upload after the start is reported apart (it may start the upload worker). Prints p50/p99/max per kind and writes
``OUT/upload-small-LABEL.json``. Nothing is asserted.
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
HEADER = ("STRUCTURE,STRUCTURE_ID,ACTION,FREQ,REF_AREA,INDICATOR,COUNTERPART_AREA,SEX,AGE,MIGRATION_STATUS,"
          "TIME_PERIOD,OBS_VALUE,UNIT_MEASURE,UNIT_MULT,OBS_STATUS,CONF_STATUS,DECIMALS,COMMENT,SOURCE_DETAIL")


def csv_file(rows: int) -> bytes:
    lines = [f"dataflow,MPR:MIGRATION_PROFILE(1.0),I,A,DEU,STK_IMM,_T,_T,_T,_Z,{1800 + i},{1000 + i},PS,0,A,F,,,"
             for i in range(rows)]
    return ("\n".join([HEADER, *lines]) + "\n").encode()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def mpr(repo: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "api.cli", *args], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--repo", type=Path, default=ROOT)
    parser.add_argument("--label", default="now")
    parser.add_argument("--port", type=int, default=18_471)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="upload-small-"))
    env = {**os.environ, "MPR_DATA": str(folder / "data"), "MPR_BASE_IRI": "http://registry.test"}
    mpr(args.repo, env, "agency", "add", "DESTATIS", "--name", "Federal Statistical Office", "--kind", "nso",
        "--country", "DEU")
    token = mpr(args.repo, env, "token", "create", "DESTATIS")
    url = f"http://127.0.0.1:{args.port}"
    with (folder / "server.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(args.port)],
                                  cwd=args.repo, env=env, stdout=log, stderr=subprocess.STDOUT)
    result: dict[str, Any] = {"repo": str(args.repo), "requests": args.requests, "label": args.label}
    try:
        for _ in range(600):
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        time.sleep(5)  # let the start-up work (caches, the upload worker when there is one) finish
        auth = {"Authorization": f"Bearer {token}"}
        kinds = {"dry run, 1 row": (csv_file(1), True), "stored, 1 row": (csv_file(1), False),
                 "dry run, 200 rows": (csv_file(200), True)}
        with httpx.Client(base_url=url, timeout=600, headers={**auth, "Content-Type": "text/csv"}) as client:
            def post(body: bytes, dry: bool, dataset: str) -> float:
                start = time.perf_counter()
                answer = client.post("/api/submissions", content=body,
                                     params={"dataset": dataset, "source": "bench", "dry_run": str(dry).lower()})
                elapsed = (time.perf_counter() - start) * 1000
                if answer.status_code not in (200, 201):
                    raise SystemExit(f"{answer.status_code}: {answer.text[:300]}")
                return elapsed

            result["first upload ms"] = post(csv_file(1), True, "FIRST")
            for name, (body, dry) in kinds.items():
                times = [post(body, dry, f"SMALL_{name[:3].upper()}_{i}") for i in range(args.requests)]
                result[name] = {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99),
                                "max_ms": max(times)}
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(folder, ignore_errors=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"upload-small-{args.label}.json").write_text(json.dumps(result, indent=2))
    print(f"{args.label}: first upload {result['first upload ms']:.0f} ms")
    for name in ("dry run, 1 row", "stored, 1 row", "dry run, 200 rows"):
        figures = result[name]
        print(f"  {name:18} p50 {figures['p50_ms']:7.1f} ms  p99 {figures['p99_ms']:7.1f} ms  "
              f"max {figures['max_ms']:7.1f} ms")


if __name__ == "__main__":
    main()
