"""Where an SDMX data request spends its time, in process (cProfile), over a built store opened read-only.

    MPR_DATA=bench/out/sdmx-1000000 .venv/bin/python bench/sdmx_profile.py [--key A.LBN....] [--requests 200]
        [--accept application/vnd.sdmx.data+json;version=2.0.0] [--top 30]

Builds the series index first (timed), then times ``--requests`` requests through the app (FastAPI TestClient:
no socket) and the same work called directly (negotiate, view, parse, query, render), then profiles the direct
calls with cProfile (the app runs handlers in a worker thread, which cProfile does not see) and prints the top
functions by cumulative and by own time. A running server may keep the store open meanwhile.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def one_request(registry: Any, key: str, accept: str) -> int:
    """What the data route does for one request, minus HTTP: negotiate, view, parse, query, render."""
    from api.formats.sdmx.negotiation import negotiate
    from api.services.sdmx import data as sdmx_data
    from api.services.sdmx import data_params as sdmx_data_params
    from api.services.sdmx import structures as sdmx_structures

    negotiated = negotiate("v1", "data", accept, {})
    view = registry.public_view()
    query = sdmx_data_params.parse_data_v1("MIGRATION_PROFILE", key, None, {})
    labels = sdmx_structures.data_labels(registry, "en")
    message = sdmx_data.data_message(registry, query, names=labels.codes, component_names=labels.components,
                                     view=view)
    return sum(len(chunk) for chunk in negotiated.write_data(message, dataflow_name=labels.dataflow))


def main(argv: list[str] | None = None) -> int:
    from fastapi.testclient import TestClient

    from api.config import Settings
    from api.services.registry import open_registry
    from api.services.sdmx.data import series_index
    from api.web.app import create_app

    parser = argparse.ArgumentParser(description="cProfile of SDMX data requests (see bench/README.md).")
    parser.add_argument("--key", default="", help="the series key (default: the middle series of the index)")
    parser.add_argument("--accept", default="application/vnd.sdmx.genericdata+xml;version=2.1")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    registry = open_registry(settings, read_only=True)
    start = time.perf_counter()
    index = series_index(registry, registry.public_view())
    key = args.key or list(index)[len(index) // 2]
    print(f"series index: {len(index):,} series in {time.perf_counter() - start:.2f} s; key {key}")
    client = TestClient(create_app(registry))
    url, headers = f"/sdmx/v1/data/MIGRATION_PROFILE/{key}", {"Accept": args.accept}
    times = []
    for _ in range(args.requests + 1):
        start = time.perf_counter()
        assert client.get(url, headers=headers).status_code == 200
        times.append((time.perf_counter() - start) * 1000)
    print(f"through the app (TestClient): first {times[0]:.2f} ms, then median {statistics.median(times[1:]):.2f} ms")
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        one_request(registry, key, args.accept)
        times.append((time.perf_counter() - start) * 1000)
    print(f"route body without HTTP: median {statistics.median(times):.2f} ms")
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(args.requests):
        one_request(registry, key, args.accept)
    profile.disable()
    stats = pstats.Stats(profile).strip_dirs()
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    registry.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
