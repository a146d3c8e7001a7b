"""The registry on each store (DESIGN §6): embedded pyoxigraph (the baseline), Oxigraph server and Virtuoso 7.

``python bench/stores.py --observations N [--out bench/out]`` generates one submission of N observations
(bench/generate.py), loads it with ``ingest.submit`` into each engine (the wall time includes validation, the same
for every engine), then asks each one through `mpr serve`: one series, 24 series (an area and an indicator),
a profile, a comparison, and a SPARQL SELECT of one series straight on the store (p50/p99 over ``--requests``),
and the generation read every request starts with.
Then wrk (8 connections, 10 s each) on /api/indicators, one series and a profile with 1, 2 and 4 workers of
`mpr serve --workers N` on Oxigraph server. Writes ``stores-N.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from api_http import our_questions, pick, sparql_questions, timed, wait_ready, wrk  # noqa: E402
from generate import generate  # noqa: E402
from sdmx_http import _port, percentile  # noqa: E402

from api.config import Settings  # noqa: E402
from api.model.submission import SubmissionMetadata  # noqa: E402
from api.services.registry import open_registry  # noqa: E402
from api.services.submissions import ingest  # noqa: E402
from tests import engines  # noqa: E402  (the same servers the tests start: loopback, free ports)

Result = dict[str, Any]
BASE = "http://bench.test"


def _settings(data: Path, engine: engines.Engine | None) -> Settings:
    settings = Settings(base_iri=BASE, data_dir=data, sources_dir=ROOT)
    if engine is None:
        return settings
    return replace(settings, store="sparql", store_query_url=engine.query_url, store_update_url=engine.update_url,
                   store_gsp_url=engine.gsp_url, store_user=engine.user, store_password=engine.password)


def _env(data: Path, engine: engines.Engine | None) -> dict[str, str]:
    return {**os.environ, "MPR_DATA": str(data), "MPR_BASE_IRI": BASE, **(engine.env() if engine else {})}


def load(csv: Path, data: Path, engine: engines.Engine | None) -> float:
    registry = open_registry(_settings(data, engine))
    try:
        meta = SubmissionMetadata(dataset_id="BENCH", agency_id="DESTATIS", title="bench", sources=("bench",))
        started = time.perf_counter()
        ingest.submit(registry, ingest.read_file(registry, csv), meta)
        return time.perf_counter() - started
    finally:
        registry.close()


def serve(data: Path, engine: engines.Engine | None, workers: int = 1,
          tree: Path = ROOT) -> tuple[subprocess.Popen[bytes], str]:
    """`mpr serve` of the code in ``tree`` (another checkout gives the old path of a comparison)."""
    port = _port()
    env = {**_env(data, engine), "PYTHONPATH": str(tree)}
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers",
                                str(workers)], env=env, cwd=tree, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def sparql_select(data: Path, engine: engines.Engine | None, picked: dict[str, str], requests: int) -> Result:
    registry = open_registry(_settings(data, engine), read_only=engine is None, maintain=False)
    try:
        graphs = registry.public_graphs()
        query = sparql_questions(picked)["series"]
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            rows = registry.store.select(query, default_graphs=graphs)
            times.append((time.perf_counter() - started) * 1000)
        return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99), "rows": len(rows)}
    finally:
        registry.close()


def generation_read(data: Path, engine: engines.Engine | None, requests: int) -> Result:
    """What every request pays first on a server store: reading its generation (``Registry.follow_generation``)."""
    registry = open_registry(_settings(data, engine), read_only=engine is None, maintain=False)
    try:
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            registry.follow_generation()
            times.append((time.perf_counter() - started) * 1000)
        return {"p50_ms": percentile(times, 0.5), "p99_ms": percentile(times, 0.99)}
    finally:
        registry.close()


def measure(name: str, csv: Path, folder: Path, engine: engines.Engine | None, requests: int) -> Result:
    data = folder / name
    result: Result = {"engine": name, "load_s": load(csv, data, engine), "questions": {}}
    process, url = serve(data, engine)
    try:
        with httpx.Client(base_url=url, timeout=600) as client:
            wait_ready(client, process)
            picked = pick(client)
            for question, path in our_questions(picked).items():
                if question != "sparql series":
                    result["questions"][question] = timed(client, path, requests)
    finally:
        process.terminate()
        process.wait(timeout=60)
    result["questions"]["sparql select (store)"] = sparql_select(data, engine, picked, requests)
    result["questions"]["generation read"] = generation_read(data, engine, 10 * requests)
    result["picked"] = picked
    print(json.dumps({k: v for k, v in result.items() if k != "picked"}, default=str), flush=True)
    return result


def throughput(folder: Path, engine: engines.Engine, picked: dict[str, str], tree: Path = ROOT,
               label_tree: str = "new", connections: int = 8) -> list[Result]:
    """wrk on 1, 2 and 4 workers. The workers share one listening socket and each connection stays with the worker
    that accepted it, so with few connections one worker may hold most of them: use 32 to compare worker counts."""
    rows = []
    paths = {"/api/indicators": "/api/indicators", "one series": our_questions(picked)["series"],
             "profile": our_questions(picked)["profile"]}
    for workers in (1, 2, 4):
        process, url = serve(folder / "oxigraph-server", engine, workers, tree)
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                wait_ready(client, process)
            for path in paths.values():
                wrk(url + path, seconds=3, connections=4 * workers)  # every worker builds its caches first
            for label, path in paths.items():
                found = wrk(url + path, connections=connections)
                if found:
                    rows.append({"tree": label_tree, "workers": workers, "path": label, **found})
                    print(rows[-1], flush=True)
        finally:
            process.terminate()
            process.wait(timeout=60)
    return rows


def workers_only(observations: int, baseline: Path | None, out: Path) -> int:
    """The wrk table alone (32 connections): one submission on an Oxigraph server, then each tree's
    `mpr serve --workers N`."""
    with tempfile.TemporaryDirectory(prefix="mpr-workers-") as temporary, engines.oxigraph_server() as oxigraph:
        folder = Path(temporary)
        csv = folder / "bench.csv"
        generate(csv, observations)
        load(csv, folder / "oxigraph-server", oxigraph)
        process, url = serve(folder / "oxigraph-server", oxigraph)
        try:
            with httpx.Client(base_url=url, timeout=600) as client:
                wait_ready(client, process)
                picked = pick(client)
        finally:
            process.terminate()
            process.wait(timeout=60)
        trees = ([(baseline, "old")] if baseline is not None else []) + [(ROOT, "new")]
        rows = [row for tree, name in trees for row in throughput(folder, oxigraph, picked, tree, name, 32)]
    (out / f"workers-{observations}.json").write_text(json.dumps(rows, indent=2))
    print("| tree | path | 1 worker rps | 2 workers rps (x) | 4 workers rps (x) |")
    for name in dict.fromkeys(r["tree"] for r in rows):
        for path in dict.fromkeys(r["path"] for r in rows):
            rate = {r["workers"]: r["requests_per_s"] for r in rows if r["tree"] == name and r["path"] == path}
            if 1 in rate:
                print(f"| {name} | {path} | {rate[1]:.0f} | " + " | ".join(
                    f"{rate[n]:.0f} ({rate[n] / rate[1]:.2f}x)" for n in (2, 4) if n in rate) + " |")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--observations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--workers-only", action="store_true",
                        help="only the wrk table (1, 2, 4 workers on Oxigraph server), for this tree and --baseline")
    parser.add_argument("--baseline", type=Path, help="another checkout: its `mpr serve` is measured first")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.workers_only:
        return workers_only(args.observations, args.baseline, args.out)
    with tempfile.TemporaryDirectory(prefix="mpr-stores-") as temporary, ExitStack() as stack:
        folder = Path(temporary)
        csv = folder / "bench.csv"
        generate(csv, args.observations)
        oxigraph = stack.enter_context(engines.oxigraph_server())
        virtuoso = stack.enter_context(engines.virtuoso_server())
        results = [measure("embedded", csv, folder, None, args.requests),
                   measure("oxigraph-server", csv, folder, oxigraph, args.requests)]
        try:
            results.append(measure("virtuoso", csv, folder, virtuoso, args.requests))
        except Exception as exc:
            results.append({"engine": "virtuoso", "error": f"{type(exc).__name__}: {exc}"[:300]})
        rates = throughput(folder, oxigraph, results[1]["picked"])
    report = {"observations": args.observations, "engines": results, "wrk": rates}
    (args.out / f"stores-{args.observations}.json").write_text(json.dumps(report, indent=2, default=str))
    print("| engine | load s | " + " | ".join(f"{q} p50/p99 ms" for q in results[0]["questions"]) + " |")
    for r in results:
        if "error" in r:
            print(f"| {r['engine']} | {r['error']} |")
            continue
        cells = [f"{v['p50_ms']:.1f}/{v['p99_ms']:.1f}" for v in r["questions"].values()]
        print(f"| {r['engine']} | {r['load_s']:.1f} | " + " | ".join(cells) + " |")
    print("| workers | path | requests/s | p50 | p99 |")
    for row in rates:
        print(f"| {row['workers']} | {row['path']} | {row['requests_per_s']:.0f} | {row['p50']} | {row['p99']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
