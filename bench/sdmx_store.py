"""An on-disk store of N synthetic observations for the SDMX HTTP bench (bench/README.md, "SDMX over HTTP").

    .venv/bin/python bench/sdmx_store.py --observations 1000000 [--out bench/out] [--no-optimize] [--force]

Writes (or reuses) ``OUT/load-N.csv`` with generate.py, then builds ``OUT/sdmx-N/`` (an MPR_DATA folder: the
store is ``OUT/sdmx-N/store``) as ``ingest.submit`` stores a conforming submission (description + cube in one
public graph, then the registry commit), without the validation: a clean generated file conforms, and
validating 1M rows needs about 18 GB (bench/README.md). Then ``optimize()`` unless --no-optimize. The times,
the disk size and the settings go to ``OUT/sdmx-N/bench-store.json``; an existing store is kept unless --force.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

DATASET = "BENCH"
STORE_META = "bench-store.json"


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def build_store(csv_path: Path, data_dir: Path, *, optimize: bool = True) -> dict[str, Any]:
    """Store ``csv_path`` as dataset BENCH in a fresh registry under ``data_dir``; the figures of each step."""
    from api.config import Settings
    from api.formats.rdf.cube import records_to_triples
    from api.formats.rdf.provenance import submission_description
    from api.model.report import ValidationReport
    from api.model.submission import SubmissionMetadata
    from api.services.registry import open_registry
    from api.services.submissions import ingest
    from api.store.oxigraph_store import OxigraphStore

    shutil.rmtree(data_dir, ignore_errors=True)
    settings = replace(Settings.from_env(), data_dir=data_dir, max_upload_bytes=1 << 40)
    t0 = time.perf_counter()
    registry = open_registry(settings)
    parsed = ingest.read_file(registry, csv_path)
    t1 = time.perf_counter()
    restricted = sum(1 for r in parsed.records if r.cells.get("CONF_STATUS", "").strip() != "F")
    if restricted or parsed.problems:
        raise SystemExit(f"{csv_path}: {restricted} rows not CONF_STATUS F, {len(parsed.problems)} parse problems; "
                         "generate it with --errors 0")
    meta = SubmissionMetadata(dataset_id=DATASET, agency_id=DATASET, title="Synthetic SDMX benchmark data",
                              sources=("Synthetic data written by bench/generate.py",))
    facts = ingest.next_facts(registry, parsed, meta)
    graph = registry.iris.submission(facts.submission_id)
    description = list(submission_description(meta, facts, registry.iris))
    registry.store.load_new_graph(graph, chain(description, records_to_triples(parsed.records, registry.iris,
                                                                               facts.submission_id)))
    graphs = ingest.StoredGraphs(graph, None, f"{graph}/report")
    unchecked = ValidationReport(file=parsed.name, observations=len(parsed.records), results=())
    registry.store.load_new_graph(graphs.report, [ingest.report_triple(graph, unchecked)])
    # the bench loads generated data without validating it
    ingest._commit(registry, meta, facts, graphs, None, len(parsed.records))
    t2 = time.perf_counter()
    registry.read_model.store_graph(graph, facts.generated)  # the column file, as ingest writes it
    t_columns = time.perf_counter() - t2
    t2 = time.perf_counter()
    if optimize and isinstance(registry.store, OxigraphStore):
        registry.store.optimize()
    t3 = time.perf_counter()
    registry.close()
    return {
        "csv": str(csv_path), "observations": len(parsed.records), "data_dir": str(data_dir),
        "base_iri": settings.base_iri, "optimized": optimize, "parse_s": round(t1 - t0, 2),
        "load_s": round(t2 - t1 - t_columns, 2),
        "columns_s": round(t_columns, 2), "optimize_s": round(t3 - t2, 2), "total_s": round(t3 - t0, 2),
        "disk_mb": round(disk_mb(data_dir), 1), "peak_rss_mb": round(resource.getrusage(
            resource.RUSAGE_SELF).ru_maxrss / 1024), "built": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def optimize_store(data_dir: Path) -> dict[str, Any]:
    """Optimize an existing bench store in place; the figures that change."""
    from api.store.oxigraph_store import OxigraphStore

    before = disk_mb(data_dir)
    start = time.perf_counter()
    store = OxigraphStore(data_dir / "store")
    store.optimize()
    store.close()
    return {"optimized": True, "optimize_s": round(time.perf_counter() - start, 2), "disk_mb_before_optimize":
            round(before, 1), "disk_mb": round(disk_mb(data_dir), 1)}


def ensure_store(observations: int, out: Path, *, optimize: bool | None = None, force: bool = False) -> Path:
    """The MPR_DATA folder of an N-observation store under ``out`` (built if missing, forced or, when
    ``optimize`` is given, optimized otherwise; None reuses either and builds an optimized one)."""
    from run import ensure_file

    data_dir = out / f"sdmx-{observations}"
    meta_path = data_dir / STORE_META
    if not force and meta_path.is_file():
        known = json.loads(meta_path.read_text(encoding="utf-8"))
        if known.get("observations") == observations and optimize in (None, known.get("optimized")):
            print(f"reusing {data_dir} (built {known.get('built')}; --force builds it again)", flush=True)
            return data_dir
        if known.get("observations") == observations and optimize:
            known.update(optimize_store(data_dir))
            meta_path.write_text(json.dumps(known, indent=2) + "\n", encoding="utf-8")
            print(json.dumps(known, indent=2), flush=True)
            return data_dir
    csv_path = ensure_file(out, f"load-{observations}.csv", observations, 1, 0.0, False, ROOT / "ontology")
    print(f"building {data_dir} from {csv_path.name} ...", flush=True)
    figures = build_store(csv_path, data_dir, optimize=optimize is not False)
    meta_path.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2), flush=True)
    return data_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build an on-disk store of N synthetic observations.")
    parser.add_argument("--observations", "-n", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--no-optimize", action="store_true", help="skip Store.optimize() after the load")
    parser.add_argument("--force", action="store_true", help="build again even if the store exists")
    args = parser.parse_args(argv)
    data_dir = ensure_store(args.observations, args.out.resolve(), optimize=not args.no_optimize, force=args.force)
    print(f"MPR_DATA={data_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
