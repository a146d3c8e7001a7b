"""The columnar read model against the store-read path it replaced, in one run, on one store (issue 14).

    .venv/bin/python bench/readmodel.py --observations 100000 --baseline-tree ../baseline [--requests 100]

``--baseline-tree`` is a checkout of the baseline commit (e.g. ``git worktree add ../baseline main``). The store
of bench/sdmx_store.py (built first if missing) is copied once per server (an on-disk store is opened by one
process); the baseline copy has no column files unless the baseline has a read model. Each server is started
with its own tree first on the path, then measured alike over one keep-alive connection: start-up until a first
series answers (the read model warm), one series in SDMX-ML and through /api/observations (p50/p99), a
24-series key, a country profile, a comparison of every area on one indicator, everything as SDMX-CSV 1.0
(observations/s, first byte, server memory) and as /api/observations CSV, the whole-dataflow file (first,
repeated), then ``mpr export --format csv``. Also the bytes per observation of the store and of the column
files. Goals are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sdmx_http import CSV10, DATA, _port, latency, percentile, pick_keys, stream_csv  # noqa: E402
from sdmx_store import STORE_META, disk_mb, ensure_store  # noqa: E402

GENERIC = "application/vnd.sdmx.genericdata+xml;version=2.1"
Result = dict[str, Any]


def _timed(client: httpx.Client, url: str, requests: int, params: dict[str, str] | None = None) -> Result:
    times: list[float] = []
    size = 0
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, params=params)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.text[:200])
        size = len(response.content)
    return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99), "bytes": size,
            "first_ms": times[0]}


def _download(client: httpx.Client) -> Result | None:
    """The whole dataflow as a file (SDMX-CSV 1.0): the first request writes it, the next ones send it."""
    times: list[float] = []
    size = 0
    for _ in range(4):
        start = time.perf_counter()
        response = client.get("/api/download")
        if response.status_code == 404:  # the baseline has no download route
            return None
        times.append(time.perf_counter() - start)
        size = len(response.content)
    etag = response.headers["etag"]
    start = time.perf_counter()
    status = client.get("/api/download", headers={"If-None-Match": etag}).status_code
    return {"first_s": times[0], "repeat_s": sorted(times[1:])[1], "bytes": size,
            "repeat_mb_per_s": size / 1e6 / sorted(times[1:])[1], "revalidate_ms": (time.perf_counter() - start) * 1000,
            "revalidate_status": status}


def _stream(client: httpx.Client, url: str, params: dict[str, str]) -> Result:
    """One streamed GET: seconds, first byte, rows per second."""
    start = time.perf_counter()
    first_byte, size, lines = None, 0, 0
    with client.stream("GET", url, params=params) as response:
        assert response.status_code == 200, response.read()[:200]
        for chunk in response.iter_bytes():
            first_byte = first_byte if first_byte is not None else time.perf_counter() - start
            size += len(chunk)
            lines += chunk.count(b"\n")
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "first_byte_s": first_byte, "bytes": size, "rows": max(lines - 1, 0),
            "rows_per_s": max(lines - 1, 0) / seconds if seconds else None}


def export_csv(tree: Path, data_dir: Path, env: dict[str, str]) -> Result:
    """``mpr export --format csv`` of everything public, to /dev/null (the server stopped: one store opener)."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        subprocess.run([sys.executable, "-m", "api.cli", "export", "--format", "csv"], check=True, stdout=sink,
                       env={**env, "MPR_DATA": str(data_dir), "PYTHONPATH": str(tree)}, cwd=tree)
    return {"seconds": time.perf_counter() - start}


def measure(label: str, tree: Path, data_dir: Path, env: dict[str, str], requests: int) -> Result:
    port = _port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)],
                              env={**env, "MPR_DATA": str(data_dir), "PYTHONPATH": str(tree)}, cwd=tree,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: Result = {"label": label}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=3600) as client:
            while True:
                try:
                    client.get("/health")
                    break
                except httpx.HTTPError:
                    time.sleep(0.05)
            n_series, single, twenty = pick_keys(client)  # the series index: the first read of the data
            result["startup_to_warm_s"] = time.perf_counter() - started
            parts = single.split(".")
            result.update(series=n_series, single_key=single, multi_key=twenty)
            result["single_sdmx"] = latency(client, single, GENERIC, requests)
            result["single_api"] = _timed(client, "/api/observations", requests, {
                "indicator": parts[2], "area": parts[1], "counterpart_area": parts[3], "sex": parts[4],
                "age": parts[5], "migration_status": parts[6]})
            result["multi_sdmx"] = latency(client, twenty, GENERIC, requests)
            result["profile"] = _timed(client, f"/api/areas/{parts[1]}/profile", max(requests // 10, 3))
            result["compare"] = _timed(client, "/api/compare", max(requests // 10, 3), {"indicator": parts[2]})
            result["stream"] = stream_csv(client, server.pid, 0.05)
            result["api_csv"] = _stream(client, "/api/observations", {"format": "csv"})
            result["download"] = _download(client)
    finally:
        server.terminate()
        server.wait(timeout=60)
    result["export"] = export_csv(tree, data_dir, env)
    return result


def table(results: list[Result], observations: int) -> str:
    rows = [("measurement", *(r["label"] for r in results), "goal")]

    def ms(key: str, field: str) -> tuple[str, ...]:
        return tuple(f"{r[key][field]:.2f} ms" for r in results)

    rows += [
        ("start-up to warm read model", *(f"{r['startup_to_warm_s']:.1f} s" for r in results), "<= 5 s at 1M"),
        ("one series SDMX-ML p50", *ms("single_sdmx", "p50_ms"), "<= 3 ms"),
        ("one series SDMX-ML p99", *ms("single_sdmx", "p99_ms"), "<= 10 ms"),
        ("one series /api/observations p50", *ms("single_api", "p50_ms"), "<= 3 ms"),
        ("one series /api/observations p99", *ms("single_api", "p99_ms"), "<= 10 ms"),
        (f"{results[0]['multi_sdmx']['series']} series SDMX-ML p50", *ms("multi_sdmx", "p50_ms"), "<= 8 ms"),
        ("profile (first, uncached)", *ms("profile", "first_ms"), "<= 50 ms"),
        ("compare, every area (first, uncached)", *ms("compare", "first_ms"), "<= 50 ms"),
        ("all public SDMX-CSV 1.0, obs/s", *(f"{r['stream']['observations_per_s']:,.0f}" for r in results),
         ">= 100,000"),
        ("all public SDMX-CSV 1.0, first byte", *(f"{r['stream']['first_byte_s']:.2f} s" for r in results),
         "<= 0.5 s"),
        ("server memory while streaming (above idle)", *(f"+{r['stream']['above_idle_mb']:.0f} MB" for r in results),
         "<= +300 MB"),
        ("all /api/observations?format=csv, rows/s", *(
            f"{r['api_csv']['rows_per_s']:,.0f} ({r['api_csv']['seconds']:.1f} s)" for r in results), ""),
        ("mpr export --format csv", *(f"{r['export']['seconds']:.1f} s" for r in results), "<= 15 s at 1M"),
    ]
    downloads = [r.get("download") for r in results]
    rows.append(("whole-dataflow file: first / repeated", *(
        f"{d['first_s']:.2f} s / {d['repeat_mb_per_s']:.0f} MB/s ({d['bytes'] / 1e6:.1f} MB)" if d else "n/a"
        for d in downloads), ">= 50 MB/s repeated"))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    return f"{observations:,} observations\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Read model vs store reads (see bench/README.md).")
    parser.add_argument("--observations", "-n", type=int, default=100_000)
    parser.add_argument("--baseline-tree", type=Path, required=True, help="a checkout of the baseline commit")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    source = ensure_store(args.observations, out)
    meta = json.loads((source / STORE_META).read_text(encoding="utf-8"))
    env = dict(os.environ)
    env["MPR_BASE_IRI"] = meta.get("base_iri") or env.get("MPR_BASE_IRI", "")
    results = []
    for label, tree in (("baseline (store reads)", args.baseline_tree.resolve()), ("read model", ROOT)):
        copy = out / f"readmodel-{args.observations}-{'base' if tree != ROOT else 'new'}"
        shutil.rmtree(copy, ignore_errors=True)
        has_read_model = (tree / "api" / "services" / "readmodel").is_dir()  # else: no column files to read
        shutil.copytree(source, copy, ignore=None if has_read_model else shutil.ignore_patterns("columns"))
        print(f"measuring {label} ...", flush=True)
        results.append(measure(label, tree, copy, env, args.requests))
    store_mb = disk_mb(source / "store")
    columns_mb = disk_mb(source / "columns") if (source / "columns").is_dir() else 0.0
    report: Result = {"command": ["python", "bench/readmodel.py", *(argv if argv is not None else sys.argv[1:])],
                      "observations": args.observations, "results": results,
                      "store_bytes_per_observation": store_mb * 1e6 / args.observations,
                      "column_bytes_per_observation": columns_mb * 1e6 / args.observations,
                      "csv_media_type": CSV10, "data": DATA}
    from run import machine

    report["machine"] = machine()
    report["table"] = table(results, args.observations) + (
        f"\nstore {report['store_bytes_per_observation']:,.0f} bytes/observation, column files "
        f"{report['column_bytes_per_observation']:,.1f} bytes/observation")
    print()
    print(report["table"])
    path = out / f"readmodel-{args.observations}.json"
    path.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
