"""Where a large submission's time goes, phase by phase, in process (bench/README.md, "Upload over HTTP").

    .venv/bin/python bench/upload_phases.py [CSV]      (default: bench/out/validate-100000.csv)

Times parsing, the cube as pyoxigraph triples, the SHACL data, an in-memory store, the compiled SHACL query,
the set-based checks and a bulk load into a fresh on-disk store, each on its own (nothing overlapped).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("csv", type=Path, nargs="?", default=HERE / "out" / "validate-100000.csv")
    args = parser.parse_args()
    from dataclasses import replace

    from pyoxigraph import Quad, Store

    from api.config import Settings
    from api.services.registry import open_registry
    from api.services.submissions import ingest
    from api.store.oxigraph_store import OxigraphStore
    from api.validation import checks
    from api.validation.validator import cube, shacl_data

    registry = open_registry(replace(Settings.from_env(), data_dir=None, max_upload_bytes=1 << 40))
    validator = registry.validator
    timings: list[tuple[str, float]] = []

    def timed(name: str, started: float) -> float:
        now = time.perf_counter()
        timings.append((name, now - started))
        return now

    t = time.perf_counter()
    parsed = ingest.read_file(registry, args.csv)
    t = timed("parse", t)
    triples, observations = cube(parsed, "PHASES-v1", registry.settings.base_iri)
    t = timed(f"cube ({len(triples):,} triples)", t)
    data = shacl_data(triples)
    t = timed("SHACL data", t)
    store = Store()
    store.bulk_extend(Quad(x.subject, x.predicate, x.object) for x in data)
    checks.mark_counts(store, validator.facts.count_indicators)
    t = timed("in-memory store", t)
    found = validator._sparql.validate_store(store, validator.shapes)
    t = timed(f"SHACL query ({len(found)} results)", t)
    problems = checks.checks_on(store, observations)
    t = timed(f"set-based checks ({len(problems)} problems)", t)
    with tempfile.TemporaryDirectory(prefix="mpr-phases-") as folder:
        disk = OxigraphStore(Path(folder) / "store")
        disk.load_new_graph("urn:mpr:phases", triples)
        t = timed("bulk load into an on-disk store", t)
        disk.close()
    print(f"{args.csv.name}: {len(parsed.records):,} observations")
    for name, seconds in timings:
        print(f"| {name} | {seconds:.1f} s |")


if __name__ == "__main__":
    main()
