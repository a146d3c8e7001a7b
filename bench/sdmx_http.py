"""SDMX REST over HTTP against an on-disk store: key-query latency and the server's memory while streaming.

    .venv/bin/python bench/sdmx_http.py --observations 1000000 [--requests 200] [--out bench/out]
    MPR_DATA=var .venv/bin/python bench/sdmx_http.py [--requests 200]

``--observations N`` uses (building it first if missing) the store of bench/sdmx_store.py; otherwise the store
under MPR_DATA. Starts ``python -m api.cli serve`` on a free port, picks keys from the served data and measures,
over one keep-alive connection: a single-series and a 20-series key in SDMX-ML (GenericData 2.1) and SDMX-JSON
2.0, p50/p99 over ``--requests`` requests each; then the whole data set as SDMX-CSV 1.0, sampling the server's
VmRSS (/proc/PID/status) while it streams, against its idle RSS. Prints a table and writes
``OUT/sdmx-http-LABEL.json``. Goals are printed beside the figures, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DATA = "/sdmx/v1/data/MIGRATION_PROFILE"
FORMATS = {"SDMX-ML generic 2.1": "application/vnd.sdmx.genericdata+xml;version=2.1",
           "SDMX-JSON 2.0": "application/vnd.sdmx.data+json;version=2.0.0"}
CSV10 = "application/vnd.sdmx.data+csv;version=1.0.0"
GOAL_SINGLE = (5.0, 15.0)  # single series p50, p99 ms
GOAL_STREAM_MB = 300.0  # peak RSS above idle while streaming everything
Result = dict[str, Any]


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """One field of /proc/PID/status in MB (VmRSS now, VmHWM the peak so far)."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="utf-8").splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def pick_keys(client: httpx.Client) -> tuple[int, str, str]:
    """(number of series, one series key in the middle, a key selecting 20 series).

    The 20-series key is one series with 20 indicators (``+``) when some series has that many siblings,
    else the codes of 20 series of one area, ``+``-joined per dimension (which may select a few more)."""
    listing = client.get(f"{DATA}/all", params={"detail": "serieskeysonly"},
                         headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"}).text.splitlines()
    width = len(listing[0].split(",")[3:10])
    keys = sorted({".".join(row.split(",")[3:3 + width]) for row in listing[1:]})
    single = keys[len(keys) // 2]
    siblings: dict[tuple[str, ...], list[str]] = {}
    for key in keys:
        parts = key.split(".")
        siblings.setdefault((*parts[:2], *parts[3:]), []).append(parts[2])
    rich = sorted((k for k, v in siblings.items() if len(v) >= 20), key=lambda k: k[1] != single.split(".")[1])
    if rich:
        rest = rich[0]
        return len(keys), single, ".".join((*rest[:2], "+".join(sorted(siblings[rest])[:20]), *rest[2:]))
    area = single.split(".")[1]
    twenty = [k for k in keys if k.split(".")[1] == area][:20]
    codes = [sorted({k.split(".")[i] for k in twenty}) for i in range(width)]
    return len(keys), single, ".".join("+".join(c) for c in codes)


def latency(client: httpx.Client, key: str, accept: str, requests: int) -> Result:
    times: list[float] = []
    size, series = 0, 0
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(f"{DATA}/{key}", headers={"Accept": accept})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.text[:200]
        size = len(response.content)
    if "json" in accept:
        series = len(response.json()["data"]["dataSets"][0]["series"])
    else:
        series = response.text.count("<gen:Series>")
    return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99), "mean_ms": sum(times) / len(times),
            "max_ms": max(times), "requests": requests, "bytes": size, "series": series}


def stream_csv(client: httpx.Client, pid: int, interval: float) -> Result:
    """Download everything as SDMX-CSV 1.0 while a thread samples the server's VmRSS."""
    samples: list[float] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(rss_mb(pid))
            time.sleep(interval)

    idle = rss_mb(pid)
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    first_byte, size, lines = None, 0, 0
    try:
        with client.stream("GET", DATA, headers={"Accept": CSV10}) as response:
            assert response.status_code == 200, response.read()[:200]
            for chunk in response.iter_bytes():
                if first_byte is None:
                    first_byte = time.perf_counter() - start
                size += len(chunk)
                lines += chunk.count(b"\n")
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    peak = max(samples, default=idle)
    return {"idle_rss_mb": idle, "peak_rss_mb": peak, "above_idle_mb": peak - idle, "after_rss_mb": rss_mb(pid),
            "server_hwm_mb": rss_mb(pid, "VmHWM"), "samples": len(samples), "seconds": seconds,
            "first_byte_s": first_byte, "bytes": size, "observations": max(lines - 1, 0),
            "observations_per_s": max(lines - 1, 0) / seconds if seconds else None}


def table(result: Result) -> str:
    rows = [("measurement", "format", "p50 ms", "p99 ms", "bytes", "goal")]
    for query in result["latency"]:
        for fmt, r in query["formats"].items():
            goal = ""
            if query["query"] == "single series":
                met = r["p50_ms"] <= GOAL_SINGLE[0] and r["p99_ms"] <= GOAL_SINGLE[1]
                goal = f"p50 <= {GOAL_SINGLE[0]:.0f}, p99 <= {GOAL_SINGLE[1]:.0f}: {'met' if met else 'MISSED'}"
            rows.append((f"{query['query']} ({r['series']} series)", fmt, f"{r['p50_ms']:.2f}", f"{r['p99_ms']:.2f}",
                         f"{r['bytes']:,}", goal))
    lines = [" | ".join(str(c).ljust(w) for c, w in zip(row, [max(len(str(x[i])) for x in rows)
                                                           for i in range(len(rows[0]))], strict=True))
             for row in rows]
    lines.insert(1, "-" * len(lines[0]))
    s = result.get("stream")
    if s:
        met = s["above_idle_mb"] <= GOAL_STREAM_MB
        lines.append(f"SDMX-CSV 1.0, everything: {s['observations']:,} observations, {s['bytes'] / 1e6:.0f} MB in "
                     f"{s['seconds']:.1f} s ({s['observations_per_s']:,.0f} obs/s, first byte {s['first_byte_s']:.2f}"
                     f" s); server RSS idle {s['idle_rss_mb']:.0f} MB, peak {s['peak_rss_mb']:.0f} MB "
                     f"(+{s['above_idle_mb']:.0f} MB; goal <= +{GOAL_STREAM_MB:.0f}: {'met' if met else 'MISSED'})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SDMX REST latency and streaming memory (see bench/README.md).")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--observations", "-n", type=int, help="use bench/sdmx_store.py's store of N observations")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--label", help="names the JSON result (default: the observations or 'mpr-data')")
    parser.add_argument("--no-stream", action="store_true", help="skip the SDMX-CSV download of everything")
    parser.add_argument("--sample-interval", type=float, default=0.02, help="seconds between VmRSS samples")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    store_meta: Result | None = None
    if args.observations:
        from sdmx_store import STORE_META, ensure_store

        data_dir = ensure_store(args.observations, out)
        env["MPR_DATA"] = str(data_dir)
        store_meta = json.loads((data_dir / STORE_META).read_text(encoding="utf-8"))
        if store_meta.get("base_iri"):
            env["MPR_BASE_IRI"] = store_meta["base_iri"]
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: Result = {"command": ["python", "bench/sdmx_http.py", *(argv if argv is not None else sys.argv[1:])],
                      "mpr_data": env.get("MPR_DATA", "var"), "store": store_meta, "latency": []}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1800) as client:
            started = time.perf_counter()
            for _ in range(600):
                try:
                    client.get("/health")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            client.get("/api/coverage")  # returns once the start-up warm-up has built the indexes
            result["startup_s"] = time.perf_counter() - started
            result["rss_after_start_mb"] = rss_mb(server.pid)
            started = time.perf_counter()
            n_series, single, twenty = pick_keys(client)
            result.update(series=n_series, key_listing_s=time.perf_counter() - started, single_key=single,
                          twenty_key=twenty)
            print(f"{n_series:,} series; single {single}; 20-series key {twenty[:90]}...", flush=True)
            for label, key in (("single series", single), ("20 series", twenty)):
                formats = {name: latency(client, key, accept, args.requests) for name, accept in FORMATS.items()}
                result["latency"].append({"query": label, "key": key, "formats": formats})
                for name, r in formats.items():
                    print(f"  {label} {name}: p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms", flush=True)
            if not args.no_stream:
                result["stream"] = stream_csv(client, server.pid, args.sample_interval)
    finally:
        server.terminate()
        server.wait(timeout=30)
    from run import machine

    result["machine"] = machine()
    result["table"] = table(result)
    print()
    print(result["table"])
    label = args.label or (str(args.observations) if args.observations else "mpr-data")
    path = out / f"sdmx-http-{label}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
