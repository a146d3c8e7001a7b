"""Where a submission's time and memory go, phase by phase, in process (bench/README.md, "Validation and upload").

    python bench/upload_phases.py [CSV] [--json OUT]      (default: bench/out/load-100000.csv)

Opens a fresh on-disk registry in a temporary folder and stores the file as ``mpr load`` does
(``ingest.submit_file``; ``read_file`` + ``submit`` in a source tree without it), timing each phase the submission
reports through its progress callback: wall time, CPU time (all threads: polars' and the bulk loader's, and the
upload worker's) and the peak memory of this process and its upload worker together (RSS summed, sampled every
50 ms), so a worker that holds its memory while the store loads counts. Then the size of the store and column
folders. Run it with another source tree first on the path to
measure that tree's path in the same run (``PYTHONPATH=OLD_TREE python bench/upload_phases.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not any(Path(p, "api").is_dir() for p in sys.path if p):
    sys.path.insert(0, str(HERE.parent))


def _cpu() -> float:
    """CPU seconds of this process, its reaped children and its live ones (the upload worker)."""
    import psutil
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        used = resource.getrusage(who)
        total += used.ru_utime + used.ru_stime
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            times = child.cpu_times()
            total += times.user + times.system
    return total


class TreeMemory:
    """The RSS of this process plus its children, sampled every 50 ms; the peak per phase."""

    def __init__(self) -> None:
        import psutil
        self._process = psutil.Process()
        self.phase = "opening"
        self.peaks: dict[str, int] = {}
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        import psutil
        while True:
            rss = self._process.memory_info().rss
            for child in self._process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    rss += child.memory_info().rss
            self.peaks[self.phase] = max(self.peaks.get(self.phase, 0), rss)
            time.sleep(0.05)


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
    memory = TreeMemory()

    def progress(phase: str, done: int, total: int | None) -> None:
        if phase != current.get("phase"):
            close()
            current.update(phase=phase, wall=time.perf_counter(), cpu=_cpu())
            memory.phase = phase

    def close() -> None:
        if current:
            time.sleep(0.1)  # the sampler's last look at this phase
            phases.append({"phase": current["phase"], "wall_s": round(time.perf_counter() - float(current["wall"]), 2),
                           "cpu_s": round(_cpu() - float(current["cpu"]), 2),
                           "peak_mb": round(memory.peaks.get(str(current["phase"]), 0) / 1e6)})
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
            "peak_rss_mb": round(max(memory.peaks.values()) / 1e6),
            "store_mb": round(_megabytes(folder / "data" / "store")),
            "columns_mb": round(_megabytes(folder / "data" / "columns"), 1),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{figures['file']}: {figures['observations']:,} observations ({figures['source']})")
    print("| phase | wall s | CPU s | peak MB (with the worker) |\n|---|---|---|---|")
    for row in phases:
        print(f"| {row['phase']} | {row['wall_s']} | {row['cpu_s']} | {row['peak_mb']} |")
    print(f"| all | {figures['wall_s']} | {figures['cpu_s']} | {figures['peak_rss_mb']} |")
    print(f"peak RSS {figures['peak_rss_mb']} MB; store {figures['store_mb']} MB; "
          f"column files {figures['columns_mb']} MB")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
