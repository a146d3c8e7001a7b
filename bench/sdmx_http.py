"""SDMX REST latency over HTTP against a built store: single-series and 20-series keys, p50/p99 over N requests.

    MPR_DATA=var .venv/bin/python bench/sdmx_http.py --requests 200

Starts `mpr serve` on a free port over MPR_DATA, picks keys from the served data, prints a table.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

import httpx


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    port = _port()
    server = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=600) as client:
            for _ in range(300):
                try:
                    client.get("/health")
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            listing = client.get("/sdmx/v1/data/MIGRATION_PROFILE/all", params={"detail": "serieskeysonly"},
                                 headers={"Accept": "application/vnd.sdmx.data+csv;version=2.0.0"}).text.splitlines()
            header = listing[0].split(",")
            dims = header[3:10]
            keys = sorted({".".join(row.split(",")[3 + i] for i in range(len(dims))) for row in listing[1:]})
            single = keys[len(keys) // 2]
            area = single.split(".")[1]
            twenty = [k for k in keys if k.split(".")[1] == area][:20]
            parts = [sorted({k.split(".")[i] for k in twenty}) for i in range(7)]
            twenty_key = ".".join("+".join(p) for p in parts)
            print(f"{len(keys)} series; single {single}; 20-series key {twenty_key[:80]}...")
            for label, key in (("single series", single), ("20 series", twenty_key)):
                for fmt in ("application/vnd.sdmx.genericdata+xml;version=2.1",
                            "application/vnd.sdmx.data+json;version=2.0.0"):
                    times = []
                    for _ in range(args.requests):
                        start = time.perf_counter()
                        response = client.get(f"/sdmx/v1/data/MIGRATION_PROFILE/{key}", headers={"Accept": fmt})
                        times.append((time.perf_counter() - start) * 1000)
                        assert response.status_code == 200, response.text[:200]
                    times.sort()
                    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                    print(f"| {label} | {fmt.split(';')[0].split('.')[-1]} | p50 {statistics.median(times):.1f} ms "
                          f"| p99 {p99:.1f} ms | {len(response.content)} bytes |")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
