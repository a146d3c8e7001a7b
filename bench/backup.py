"""Time `mpr backup` and `mpr restore` on a bench store: seconds, file size, peak RSS of each command.

    .venv/bin/python bench/backup.py [--data bench/out/sdmx-100000] [--out bench/out] [--keep]

Each step is the real command line (`python -m api.cli ...`) in a fresh process; its peak resident set is
that process's own (``os.wait4`` rusage). The source folder is only read (a read-only snapshot); restores go
into a new folder ``OUT/backup-restore-N`` (removed afterwards unless --keep) and are checked against the
source: the same number of quads and named graphs. Figures go to ``OUT/backup-N.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run(env: dict[str, str], *args: str) -> dict[str, Any]:
    """One `mpr` command in a child process: wall seconds, peak RSS (MB) and its output."""
    with tempfile.TemporaryFile("w+") as log:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "api.cli", *args], cwd=ROOT, env={**os.environ, **env},
                                stdout=log, stderr=subprocess.STDOUT, text=True)
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage (Popen.wait would reap it first)
        wall = time.perf_counter() - started
        log.seek(0)
        output = log.read()
    code = proc.returncode = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"mpr {' '.join(args)} failed ({code}):\n{output}")
    return {"command": f"mpr {' '.join(args)}", "wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "output": " ".join(output.split())}


def disk_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6, 1)


def counts(store: Path) -> tuple[int, int, int]:
    """(quads, named graphs, quads outside the vocabulary graph, which a restore reloads if ontology/ changed)."""
    from pyoxigraph import NamedNode, Store

    from api.vocab import VOCABULARY_GRAPH

    opened = Store.read_only(str(store))
    vocabulary = sum(1 for _ in opened.quads_for_pattern(None, None, None, NamedNode(VOCABULARY_GRAPH)))
    return len(opened), sum(1 for _ in opened.named_graphs()), len(opened) - vocabulary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=ROOT / "bench/out/sdmx-100000", help="an MPR_DATA folder")
    parser.add_argument("--out", type=Path, default=ROOT / "bench/out")
    parser.add_argument("--keep", action="store_true", help="keep the backup files and the restored folder")
    args = parser.parse_args()
    data: Path = args.data.resolve()
    if not (data / "store").is_dir():
        raise SystemExit(f"no store in {data}: build it with `python bench/sdmx_store.py -n 100000` (bench/README.md)")
    meta_path = data / "bench-store.json"
    meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
    label = str(meta.get("observations", data.name))
    base_iri = meta.get("base_iri", "http://127.0.0.1:8000")
    restored = args.out.resolve() / f"backup-restore-{label}"
    files = {"gz": args.out.resolve() / f"backup-{label}.nq.gz", "nq": args.out.resolve() / f"backup-{label}.nq"}
    source_env = {"MPR_DATA": str(data), "MPR_BASE_IRI": base_iri, "COLUMNS": "300"}
    target_env = {**source_env, "MPR_DATA": str(restored)}
    quads, graphs, data_quads = counts(data / "store")
    rows: list[dict[str, Any]] = []
    for kind, path in files.items():
        shutil.rmtree(restored, ignore_errors=True)
        made = run(source_env, "backup", str(path))
        made.update(step=f"backup .{kind}", file_mb=round(path.stat().st_size / 1e6, 1))
        back = run(target_env, "restore", str(path))
        back.update(step=f"restore .{kind}", file_mb=made["file_mb"], store_mb=disk_mb(restored / "store"))
        again = counts(restored / "store")
        if again[1:] != (graphs, data_quads):
            raise SystemExit(f"the restored store differs: {again} != {(quads, graphs, data_quads)}")
        rows += [made, back]
        if not args.keep:
            path.unlink()
    if not args.keep:
        shutil.rmtree(restored, ignore_errors=True)
    result = {"data": str(data), "observations": meta.get("observations"), "quads": quads, "graphs": graphs,
              "source_store_mb": disk_mb(data / "store"), "machine": f"{platform.machine()}, {os.cpu_count()} cpus, "
              f"Python {platform.python_version()}", "command": " ".join([Path(sys.executable).name, *sys.argv]),
              "steps": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"backup-{label}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{data}: {quads:,} quads in {graphs} named graphs, store {result['source_store_mb']} MB")
    print(f"{'step':<14}{'wall s':>8}{'file MB':>9}{'store MB':>10}{'peak RSS MB':>13}")
    for row in rows:
        print(f"{row['step']:<14}{row['wall_s']:>8.2f}{row['file_mb']:>9.1f}{row.get('store_mb', ''):>10}"
              f"{row['peak_rss_mb']:>13}")


if __name__ == "__main__":
    main()
