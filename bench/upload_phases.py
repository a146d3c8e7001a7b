"""Where a submission's time and memory go, phase by phase, in process (bench/README.md, "Validation and upload").

    python bench/upload_phases.py [CSV] [--json OUT]      (default: bench/out/load-100000.csv)

Opens a fresh on-disk registry in a temporary folder and stores the file as ``mpr load`` does
(``ingest.submit_file``; ``read_file`` + ``submit`` in a source tree without it), timing each phase the submission
reports through its progress callback: wall time and CPU time (all threads: polars' and the bulk loader's). Then
the peak RSS and the size of the store and column folders. Run it with another source tree first on the path to
measure that tree's path in the same run (``PYTHONPATH=OLD_TREE python bench/upload_phases.py``).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not any(Path(p, "api").is_dir() for p in sys.path if p):
    sys.path.insert(0, str(HERE.parent))


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _megabytes(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6 if folder.exists() else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path, nargs="?", default=HERE / "out" / "load-100000.csv")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    import api
    from api.config import Settings
    from api.model.submission import SubmissionMetadata
    from api.services.registry import open_registry
    from api.services.submissions import ingest

    phases: list[dict[str, object]] = []
    current: dict[str, object] = {}

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase != current.get("phase"):
            close()
            current.update(phase=phase, wall=time.perf_counter(), cpu=_cpu())

    def close() -> None:
        if current:
            phases.append({"phase": current["phase"], "wall_s": round(time.perf_counter() - float(current["wall"]), 2),
                           "cpu_s": round(_cpu() - float(current["cpu"]), 2)})
            current.clear()

    folder = Path(tempfile.mkdtemp(prefix="mpr-phases-"))
    try:
        registry = open_registry(replace(Settings.from_env(), data_dir=folder / "data", max_upload_bytes=1 << 40))
        meta = SubmissionMetadata(dataset_id="PHASES", agency_id="UNHCR", title="phases", sources=("bench",))
        started, cpu = time.perf_counter(), _cpu()
        try:
            if hasattr(ingest, "submit_file"):
                result = ingest.submit_file(registry, args.csv, meta, progress=progress)
            else:
                result = ingest.submit(registry, ingest.read_file(registry, args.csv, progress), meta,
                                       progress=progress)
            close()
            total, total_cpu = time.perf_counter() - started, _cpu() - cpu
        finally:
            registry.close()
        figures = {
            "file": args.csv.name, "source": str(Path(api.__file__).parent.parent.name),
            "observations": result.observations, "phases": phases, "wall_s": round(total, 2),
            "cpu_s": round(total_cpu, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3),
            "store_mb": round(_megabytes(folder / "data" / "store")),
            "columns_mb": round(_megabytes(folder / "data" / "columns"), 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{figures['file']}: {figures['observations']:,} observations ({figures['source']})")
    print("| phase | wall s | CPU s |\n|---|---|---|")
    for row in phases:
        print(f"| {row['phase']} | {row['wall_s']} | {row['cpu_s']} |")
    print(f"| all | {figures['wall_s']} | {figures['cpu_s']} |")
    print(f"peak RSS {figures['peak_rss_mb']} MB; store {figures['store_mb']} MB; "
          f"column files {figures['columns_mb']} MB")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
