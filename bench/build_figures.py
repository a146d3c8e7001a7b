"""The whole store built from datasets/ (what `make serve` does): time per dataset and in all, observations and
areas per dataset.

    .venv/bin/python bench/build_figures.py [--sources ../shared/data] [--only ID,ID] [--out bench/out]

Builds into a fresh temporary data folder with the embedded store (on disk, as `make serve`), timing each
dataset's import (read, validate, store, column file) with the build's own progress callback. Prints one line
per dataset and writes ``OUT/build-figures.json``. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.config import Settings  # noqa: E402
from api.services import build as build_service  # noqa: E402
from api.services.registry import open_registry  # noqa: E402

AREAS = ("PREFIX mp: <https://w3id.org/migration-profile/def#> "
         "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?area) AS ?areas) WHERE { ?o mp:refArea ?area }")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, default=Path(os.environ.get("MPR_SOURCES", ROOT.parent / "shared"
                                                                             / "data")))
    parser.add_argument("--only", default="", help="comma-separated dataset ids (a subset of datasets/)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        datasets = ROOT / "datasets"
        if args.only:
            datasets = Path(tmp) / "datasets"
            for name in args.only.split(","):
                (datasets / name).mkdir(parents=True)
                (datasets / name / "dataset.ttl").write_bytes((ROOT / "datasets" / name / "dataset.ttl").read_bytes())
        settings = replace(Settings(base_iri="http://registry.bench", data_dir=Path(tmp) / "data",
                                    sources_dir=args.sources), datasets_dir=datasets)
        registry = open_registry(settings)
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        outcomes = build_service.build(registry, progress=lambda name: marks.append((name, time.perf_counter())))
        total = time.perf_counter() - started
        ends = [t for _, t in marks[1:]] + [started + total]
        rows = []
        for (name, begun), end, outcome in zip(marks, ends, outcomes, strict=True):
            graph = registry.iris.submission(f"{name}-v1")
            found = registry.store.select(AREAS, default_graphs=[graph]) if outcome.status == "loaded" else []
            n = int(found[0]["n"].value) if found else 0
            areas = int(found[0]["areas"].value) if found else 0
            rows.append({"dataset": name, "status": outcome.status, "seconds": round(end - begun, 1),
                         "observations": n, "areas": areas})
            print(f"{name:40s} {outcome.status:8s} {end - begun:7.1f} s {n:8d} observations {areas:4d} areas",
                  flush=True)
        registry.close()
    print(f"total build: {total:.1f} s for {len(rows)} datasets, "
          f"{sum(r['observations'] for r in rows)} observations")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "build-figures.json").write_text(json.dumps({"total_seconds": round(total, 1), "datasets": rows},
                                                            indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
