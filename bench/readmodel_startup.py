"""Where start-up to a warm read model goes: each phase of ``api.services.warmup.warm`` timed on one store.

    .venv/bin/python bench/readmodel_startup.py --data OUT/readmodel-1000000-new [--profile 25]

``--data`` is an MPR_DATA folder (a copy: an on-disk store is opened by one process). Prints the seconds of
opening the registry, the public view, the view's rows (column files read, unioned, sorted), the SDMX series
index, the read index and the reconciled index; ``--profile N`` adds the N functions with the most own time
(cProfile) over the whole warm-up.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Phases of start-up to a warm read model (bench/README.md).")
    parser.add_argument("--data", type=Path, required=True, help="an MPR_DATA folder (a copy)")
    parser.add_argument("--profile", type=int, default=0, help="also print the N functions with most own time")
    args = parser.parse_args(argv)
    os.environ["MPR_DATA"] = str(args.data.resolve())
    from api.config import Settings
    from api.services.read.index import read_index, reconciled_index
    from api.services.registry import open_registry
    from api.services.sdmx.data import series_index

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    phases: list[tuple[str, float]] = []
    start = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal start
        now = time.perf_counter()
        phases.append((name, now - start))
        start = now

    registry = open_registry(Settings.from_env())
    lap("open registry")
    view = registry.public_view()
    lap("public view")
    rows = registry.view_rows(view)
    lap(f"view rows ({rows.observations:,} observations, {len(rows.runs):,} runs)")
    series_index(registry, view)
    lap("SDMX series index")
    read_index(registry, view)
    lap("read index")
    reconciled_index(registry, view)
    lap("reconciled index")
    if profiler:
        profiler.disable()
    registry.close()
    for name, seconds in phases:
        print(f"{seconds:7.2f} s  {name}")
    print(f"{sum(s for _, s in phases):7.2f} s  total")
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(args.profile)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
