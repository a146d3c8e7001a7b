"""The crisis view, origins and abroad on a built store, with the country profile as the reference in the same run.

    MPR_DATA=var .venv/bin/python bench/crisis_view.py [--requests 50] [--areas DEU,SYR,PHL,MEX,LBY]

Opens the store that ``mpr build`` wrote (read-only), builds the read index once (timed apart), then times each
service call ``--requests`` times per area, uncached (the HTTP routes keep answers per view, so a repeated
request costs a lookup; this measures the first one): p50 and p99 in milliseconds, over all areas and per area. Writes
``bench/out/crisis-view.json``. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.config import Settings  # noqa: E402
from api.services.read import bilateral, crisis, profile  # noqa: E402
from api.services.read.index import read_index  # noqa: E402
from api.services.registry import open_registry  # noqa: E402


def _times(call: Callable[[], object], count: int) -> list[float]:
    out = []
    for _ in range(count):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--areas", default="DEU,SYR,PHL,MEX,LBY")
    args = parser.parse_args()
    registry = open_registry(Settings.from_env(), read_only=True)
    areas = args.areas.split(",")
    start = time.perf_counter()
    index = read_index(registry, registry.public_view())
    index_s = time.perf_counter() - start
    questions: dict[str, Callable[[str], object]] = {
        "crisis": lambda a: crisis.crisis(registry, a),
        "origins": lambda a: bilateral.origins(registry, a),
        "abroad": lambda a: bilateral.abroad(registry, a),
        "profile (reference)": lambda a: profile.profile(registry, a),
    }
    results: dict[str, dict[str, float]] = {}
    by_area: dict[str, dict[str, dict[str, float]]] = {}
    for name, ask in questions.items():
        per_area = {area: _times(functools.partial(ask, area), args.requests) for area in areas}
        results[name] = _percentiles([t for samples in per_area.values() for t in samples])
        by_area[name] = {area: _percentiles(samples) for area, samples in per_area.items()}
    registry.close()
    report = {"observations": index.observations, "read_index_s": round(index_s, 2), "areas": areas,
              "requests_per_area": args.requests, "results": results, "by_area": by_area}
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    (out / "crisis-view.json").write_text(json.dumps(report, indent=2))
    print(f"{index.observations:,} public observations; read index built in {index_s:.1f} s")
    for name, figures in results.items():
        print(f"{name:22} p50 {figures['p50_ms']:8.1f} ms   p99 {figures['p99_ms']:8.1f} ms")
        for area, own in by_area[name].items():
            print(f"  {area:20} p50 {own['p50_ms']:8.1f} ms   p99 {own['p99_ms']:8.1f} ms")


if __name__ == "__main__":
    main()
