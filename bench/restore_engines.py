"""One backup restored into each engine (DESIGN §6): `mpr restore FILE --yes` into the embedded store, a test
Oxigraph server and a test Virtuoso (tests/engines.py: loopback, free ports), wall time and peak RSS of the command.

``python bench/restore_engines.py BACKUP [--engines embedded oxigraph virtuoso] [--baseline TREE]``: with
``--baseline`` the other checkout's `mpr restore` runs first on a fresh server of the same kind (the old path).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests import engines  # noqa: E402

SERVERS = {"oxigraph": engines.oxigraph_server, "virtuoso": engines.virtuoso_server}


def restore(backup: Path, tree: Path, engine: engines.Engine | None) -> dict[str, Any]:
    """`mpr restore` of ``tree`` under /usr/bin/time -v: seconds, peak RSS in MB, exit code, its report line."""
    with tempfile.TemporaryDirectory(prefix="mpr-restore-") as data:
        env = {**os.environ, "MPR_DATA": data, "MPR_BASE_IRI": "http://bench.test", "PYTHONPATH": str(tree),
               **(engine.env() if engine else {})}
        started = time.perf_counter()
        done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "api.cli", "restore", str(backup),
                               "--yes"], env=env, cwd=tree, capture_output=True, text=True)
        seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    said = [line for line in done.stderr.splitlines() if line.startswith("restored")]
    return {"seconds": round(seconds, 1), "peak_mb": round(int(peak[1]) / 1024) if peak else None,
            "exit": done.returncode, "report": said[0] if said else done.stderr.strip().splitlines()[-1:]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backup", type=Path)
    parser.add_argument("--engines", nargs="+", choices=["embedded", *SERVERS], default=["embedded", *SERVERS])
    parser.add_argument("--baseline", type=Path, help="another checkout: its `mpr restore` is the old path")
    args = parser.parse_args(argv)
    trees = ([("old", args.baseline)] if args.baseline else []) + [("new", ROOT)]
    print("| engine | tree | seconds | peak RSS MB | exit |")
    for name in args.engines:
        for label, tree in trees:
            server: AbstractContextManager[engines.Engine | None] = (
                SERVERS[name]() if name in SERVERS else nullcontext(None))
            with server as engine:
                found = restore(args.backup.resolve(), tree, engine)
            print(f"| {name} | {label} | {found['seconds']} | {found['peak_mb']} | {found['exit']} |", flush=True)
            print(json.dumps(found), file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
