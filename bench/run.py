"""The registry's benchmarks: validation and loading (DESIGN §5 validation, §6 store; bench/README.md).

``python bench/run.py [--sizes 10000,100000] [--load-sizes 100000,1000000] [--engines pyshacl,sparql]
[--out bench/out] [--full]`` generates (or reuses) synthetic submissions under ``--out``, runs every
measurement in a fresh subprocess (so the peak memory is that measurement's own), prints one table and
writes ``results.json``. The goals are printed beside the figures; nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

BIG = 1 << 40  # no upload limit inside the benchmark
BASE_IRI = "http://bench.test"
GOAL_LOAD_1M = (120.0, 1536.0)  # 1M observations into the on-disk store: seconds, peak MB
GOAL_100K_SUBMIT = 15.0  # 100k observations validated and stored: seconds
Result = dict[str, Any]


# -- measurements (each runs in its own child process) ---------------------------------------------------

def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(data_dir: Path | None, engine: str = "auto") -> Any:
    """The registry's settings for a measurement; MPR_BENCH_ONTOLOGY / _SHAPES point at other folders."""
    from api.config import Settings

    return Settings(base_iri=BASE_IRI, data_dir=data_dir, max_upload_bytes=BIG, shacl_engine=engine,
                    ontology_dir=Path(os.environ.get("MPR_BENCH_ONTOLOGY") or ROOT / "ontology"),
                    shapes_dir=Path(os.environ.get("MPR_BENCH_SHAPES") or ROOT / "shapes"))


def _findings(report: Any) -> list[list[Any]]:
    return sorted([p.severity, p.rule, p.row or 0, p.column or ""] for p in report.results)


def child_validate(args: dict[str, Any]) -> Result:
    """Parse the file, build the registry's Validator for one engine, validate; findings go to a file."""
    from api.formats.tabular.template import read_csv
    from api.validation.validator import Validator

    t0 = time.perf_counter()
    parsed = read_csv(Path(args["file"]))
    t1 = time.perf_counter()
    validator = Validator.from_settings(_settings(None, args["engine"]))
    t2 = time.perf_counter()
    report = validator.validate(parsed, dataset_triples=None, submission_id="bench", base_iri=BASE_IRI)
    t3 = time.perf_counter()
    findings = _findings(report)
    Path(args["findings"]).write_text(json.dumps(findings), encoding="utf-8")
    return {
        "parse_s": t1 - t0, "setup_s": t2 - t1, "run_s": t3 - t2,
        "engine_used": "columnar" if validator.uses_table(parsed) else _engine_name(
            validator.engine_for(len(parsed.records))),
        "problems": len(report.results), "conforms": report.conforms,
        "by_severity": dict(Counter(p.severity for p in report.results)),
        "by_rule": dict(Counter(p.rule for p in report.results)),
    }


def _engine_name(engine: object) -> str:
    return {"PyshaclEngine": "pyshacl", "SparqlEngine": "sparql"}.get(type(engine).__name__, type(engine).__name__)


def child_pyshacl(args: dict[str, Any]) -> Result:
    """pyshacl.validate alone on the Validator's data graph and shapes; rdflib parsing timed apart."""
    import pyshacl
    from pyoxigraph import NamedNode, RdfFormat, Triple, serialize
    from rdflib import Graph
    from rdflib.namespace import SH

    from api import vocab
    from api.formats.rdf.cube import records_to_triples
    from api.formats.tabular.template import read_csv
    from api.validation.shape_generator import indicator_class
    from api.validation.validator import Validator

    out = Path(args["work"])
    data_nt, shapes_nt = out / f"pyshacl-data-{args['size']}.nt", out / "pyshacl-shapes.nt"
    parsed = read_csv(Path(args["file"]))
    triples = list(records_to_triples(parsed.records, vocab.InstanceIris(BASE_IRI), "bench"))
    indicator, rdf_type = NamedNode(vocab.MP + "indicator"), NamedNode(vocab.RDF + "type")
    # as the Validator does: each observation also typed with its indicator's class (validation data only)
    triples += [Triple(t.subject, rdf_type, NamedNode(indicator_class(t.object.value)))
                for t in triples if t.predicate == indicator and isinstance(t.object, NamedNode)]
    serialize(triples, output=str(data_nt), format=RdfFormat.N_TRIPLES)
    Validator.from_settings(_settings(None, "pyshacl")).shapes.serialize(str(shapes_nt), format="nt")
    del parsed, triples
    t0 = time.perf_counter()
    data, shapes = Graph(), Graph()
    data.parse(str(data_nt), format="nt")
    shapes.parse(str(shapes_nt), format="nt")
    t1 = time.perf_counter()
    conforms, results_graph, _ = pyshacl.validate(data, shacl_graph=shapes, inference="none", advanced=False,
                                                 allow_infos=True, allow_warnings=True)
    t2 = time.perf_counter()
    components = Counter(str(o).rsplit("#", 1)[-1] for o in results_graph.objects(None, SH.sourceConstraintComponent))
    return {"parse_s": t1 - t0, "run_s": t2 - t1, "triples": len(data), "shape_triples": len(shapes),
            "conforms": bool(conforms), "problems": sum(components.values()), "by_rule": dict(components)}


def _disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def child_load(args: dict[str, Any]) -> Result:
    """A fresh on-disk registry; read_file + ingest.submit (validation included) of a clean file."""
    from api.model.submission import SubmissionMetadata
    from api.services.registry import open_registry
    from api.services.submissions import ingest

    data_dir = Path(args["work"])
    shutil.rmtree(data_dir, ignore_errors=True)
    t0 = time.perf_counter()
    registry = open_registry(_settings(data_dir, args.get("engine") or "auto"))
    t1 = time.perf_counter()
    parsed = ingest.read_file(registry, Path(args["file"]))
    t2 = time.perf_counter()
    meta = SubmissionMetadata(dataset_id="BENCH", agency_id="BENCH", title="Synthetic benchmark submission",
                              sources=("Synthetic data written by bench/generate.py",))
    result = ingest.submit(registry, parsed, meta)
    t3 = time.perf_counter()
    registry.close()
    t4 = time.perf_counter()
    size = _disk_mb(data_dir)
    if not args.get("keep"):
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"open_s": t1 - t0, "parse_s": t2 - t1, "run_s": t3 - t2, "close_s": t4 - t3,
            "observations": result.observations, "restricted": result.restricted,
            "problems": len(result.report.results), "disk_mb": size}


def child_store(args: dict[str, Any]) -> Result:
    """The store alone: records_to_triples into a fresh registry by ``method`` (what ingest uses, or the
    atomic replace_graph: staging graph + MOVE)."""
    from api.formats.rdf.cube import records_to_triples
    from api.services.registry import open_registry
    from api.services.submissions import ingest

    data_dir = Path(args["work"])
    shutil.rmtree(data_dir, ignore_errors=True)
    t0 = time.perf_counter()
    registry = open_registry(_settings(data_dir, args.get("engine") or "auto"))
    t1 = time.perf_counter()
    parsed = ingest.read_file(registry, Path(args["file"]))
    t2 = time.perf_counter()
    count = 0

    def counted() -> Any:
        nonlocal count
        for triple in records_to_triples(parsed.records, registry.iris, "BENCH-v1"):
            count += 1
            yield triple

    getattr(registry.store, args["method"])(registry.iris.submission("BENCH-v1"), counted())
    t3 = time.perf_counter()
    registry.close()
    t4 = time.perf_counter()
    size = _disk_mb(data_dir)
    if not args.get("keep"):
        shutil.rmtree(data_dir, ignore_errors=True)
    return {"open_s": t1 - t0, "parse_s": t2 - t1, "run_s": t3 - t2, "close_s": t4 - t3, "triples": count,
            "triples_per_s": count / (t3 - t2) if t3 > t2 else None, "disk_mb": size}


CHILDREN: dict[str, Callable[[dict[str, Any]], Result]] = {
    "validate": child_validate, "pyshacl": child_pyshacl, "load": child_load, "store": child_store,
}


def child_main(kind: str, args_json: str, result_path: str) -> int:
    args = json.loads(args_json)
    result = CHILDREN[kind](args)
    result["child_peak_mb"] = _rss_mb()
    Path(result_path).write_text(json.dumps(result), encoding="utf-8")
    return 0


def _limit_memory(limit_bytes: int) -> Callable[[], None]:
    def apply() -> None:  # runs in the child before exec: a runaway measurement fails instead of the machine
        resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))

    return apply


def measure(kind: str, args: dict[str, Any], out: Path, timeout: float, memory_gb: float = 0.0) -> Result:
    """Run one measurement in a fresh interpreter; peak RSS comes from wait4 (the child's own rusage)."""
    result_path = out / f".result-{os.getpid()}-{time.monotonic_ns()}.json"
    log_path = out / f"{kind}.log"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, json.dumps(args), str(result_path)]
    started = time.perf_counter()
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n== {' '.join(cmd)}\n")
        log.flush()
        log_start = log.tell()
        limit = _limit_memory(int(memory_gb * 2**30)) if memory_gb > 0 else None
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, cwd=ROOT, preexec_fn=limit)
        status, usage, timed_out = 0, None, False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                timed_out = True
                break
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    result: Result = {"kind": kind, **args, "wall_s": wall, "peak_mb": usage.ru_maxrss / 1024 if usage else None}
    if timed_out:
        result["error"] = f"timeout after {timeout:.0f} s"
    elif proc.returncode != 0 or not result_path.exists():
        with log_path.open(encoding="utf-8", errors="replace") as log:
            log.seek(log_start)
            lines = [line.strip() for line in log if line.strip()] or ["?"]
        cause = next((x for x in reversed(lines) if "Error" in x or "failed" in x), lines[-1])
        result["error"] = f"exit {proc.returncode}: {cause[:200]} (see {log_path.name})"
    else:
        result.update(json.loads(result_path.read_text(encoding="utf-8")))
        result_path.unlink()
    return result


# -- inputs ----------------------------------------------------------------------------------------------

def ensure_file(out: Path, name: str, rows: int, seed: int, errors: float, regenerate: bool,
                ontology: Path) -> Path:
    """Reuse ``out/name`` if its .meta.json matches and is newer than the ontology; else generate it."""
    from generate import generate

    path = out / name
    meta = path.with_name(path.name + ".meta.json")
    newest = max((p.stat().st_mtime for p in ontology.rglob("*.ttl")), default=0.0)
    if not regenerate and path.exists() and meta.exists() and meta.stat().st_mtime >= newest:
        known = json.loads(meta.read_text(encoding="utf-8"))
        if (known.get("rows"), known.get("seed"), known.get("error_share")) == (rows, seed, errors):
            return path
    summary = generate(path, rows, seed, errors, ontology)
    print(f"generated {path.name}: {rows:,} rows, {summary.areas} areas, {summary.counterparts} counterparts "
          f"per area, {sum(summary.errors.values()):,} seeded errors in {summary.seconds:.1f} s", flush=True)
    return path


def machine() -> dict[str, Any]:
    """CPU model and count, memory, OS and Python: what README.md quotes for the measured figures."""
    info: dict[str, Any] = {"python": platform.python_version(), "os": platform.platform(), "cpus": os.cpu_count()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
                           if line.startswith("model name"))
        meminfo = Path("/proc/meminfo").read_text(encoding="utf-8")
        total_kb = next(int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal"))
        info["memory_gb"] = round(total_kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    versions: dict[str, str | None] = {}
    for package in ("pyoxigraph", "pyshacl", "rdflib"):
        try:
            from importlib.metadata import version

            versions[package] = version(package)
        except Exception:  # any failure: a missing package only leaves its version out
            versions[package] = None
    info["versions"] = versions
    return info


# -- agreement and the table -----------------------------------------------------------------------------

def agreement(out: Path, size: int, engines: list[str], results: list[Result]) -> Result:
    """Compare the engines' findings on one file: equal sets of (severity, rule, row, column)?"""
    sets: dict[str, set[tuple[Any, ...]]] = {}
    for r in results:
        path = Path(r.get("findings", ""))
        if r.get("kind") == "validate" and r.get("size") == size and "error" not in r and path.is_file():
            sets[r["engine"]] = {tuple(f) for f in json.loads(path.read_text(encoding="utf-8"))}
    names = [e for e in engines if e in sets]
    if len(names) < 2:
        return {"size": size, "compared": names, "agree": None}
    first = names[0]
    diffs = {}
    for other in names[1:]:
        only_first, only_other = sets[first] - sets[other], sets[other] - sets[first]
        diffs[f"{first} vs {other}"] = {
            f"only_{first}": len(only_first), f"only_{other}": len(only_other),
            "examples": [list(x) for x in sorted(only_first)[:3]] + [list(x) for x in sorted(only_other)[:3]],
        }
    agree = all(d[k] == 0 for d in diffs.values() for k in d if k.startswith("only_"))
    return {"size": size, "compared": names, "agree": agree, "differences": diffs}


def _fmt_s(value: Any) -> str:
    return "-" if value is None else f"{value:.2f}"


def goal_note(r: Result) -> str:
    """The goal a row is measured against (read+submit rows; store-only rows for comparison), or its error."""
    total = (r.get("parse_s") or 0) + (r.get("run_s") or 0)
    goal = ""
    if r["kind"] in ("load", "store") and r["size"] >= 1_000_000:
        seconds, mb = GOAL_LOAD_1M
        met = "error" not in r and total <= seconds and (r.get("peak_mb") or 0) <= mb
        goal = f"goal 1M <= {seconds:.0f} s & <= {mb / 1024:.1f} GB: {'met' if met else 'MISSED'}"
    elif r["kind"] in ("load", "store") and r["size"] == 100_000:
        met = "error" not in r and total <= GOAL_100K_SUBMIT
        goal = f"goal 100k validated+stored <= {GOAL_100K_SUBMIT:.0f} s: {'met' if met else 'MISSED'}"
    if r["kind"] == "store" and goal:
        goal += " (store only)"
    if "error" in r:
        return f"{goal}; {r['error']}" if goal else r["error"]
    return goal


def table(results: list[Result], agreements: list[Result]) -> str:
    head = ("measurement", "obs", "engine", "parse s", "setup s", "run s", "parse+run s", "peak MB", "problems",
            "disk MB", "note / goal")
    rows = []
    for r in results:
        total = None if "run_s" not in r else (r.get("parse_s") or 0) + r["run_s"]
        engine = r.get("engine", "")
        if r["kind"] == "validate" and r.get("engine_used") and r["engine_used"] != engine:
            engine = f"{engine}->{r['engine_used']}"
        rows.append((
            {"validate": "validate (Validator)", "pyshacl": "pyshacl alone", "load": "load: read+submit",
             "store": "load: store only"}[r["kind"]],
            f"{r['size']:,}", engine, _fmt_s(r.get("parse_s")), _fmt_s(r.get("setup_s") or r.get("open_s")),
            _fmt_s(r.get("run_s")), _fmt_s(total),
            "-" if r.get("peak_mb") is None else f"{r['peak_mb']:.0f}",
            "-" if r.get("problems") is None else f"{r['problems']:,}",
            "-" if r.get("disk_mb") is None else f"{r['disk_mb']:.0f}", goal_note(r),
        ))
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows, strict=False)]
    lines = [" | ".join(str(x).ljust(w) for x, w in zip(line, widths, strict=False)) for line in (head, *rows)]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    for a in agreements:
        verdict = {None: "not compared (fewer than two engines ran)", True: "yes", False: "NO"}[a["agree"]]
        lines.append(f"engines agree on {a['size']:,} obs ({', '.join(a['compared'])}): {verdict}")
        for pair, d in (a.get("differences") or {}).items():
            if not a["agree"]:
                lines.append(f"  {pair}: {json.dumps(d)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child_main(argv[1], argv[2], argv[3])
    parser = argparse.ArgumentParser(description="Benchmark validation and loading (see bench/README.md).")
    ints = lambda text: [int(x) for x in text.split(",") if x]  # noqa: E731
    parser.add_argument("--sizes", type=ints, default=[10_000, 100_000], help="observations to validate")
    parser.add_argument("--load-sizes", type=ints, default=[100_000, 1_000_000], help="observations to load")
    parser.add_argument("--engines", default="pyshacl,sparql", help="engines forced besides 'auto'")
    parser.add_argument("--load-engines", default="sparql", help="engines forced besides 'auto' for the load rows "
                        "(sparql: the path before the columnar engine, as the baseline)")
    parser.add_argument("--baseline-max", type=int, default=100_000, help="the largest load size the forced "
                        "engines run at")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--full", action="store_true", help="also pyshacl alone on sizes above 10k (minutes)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.01, help="share of seeded errors in validation files")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds before a measurement is stopped")
    parser.add_argument("--memory-limit-gb", type=float, default=12.0,
                        help="address-space limit of each measurement (0: none); above it the child fails")
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology", help="the ontology folder")
    parser.add_argument("--shapes", type=Path, default=ROOT / "shapes", help="the shapes folder")
    parser.add_argument("--regenerate", action="store_true", help="write the input files again")
    parser.add_argument("--replace-graph-max", type=int, default=100_000,
                        help="largest load size also stored through replace_graph (its MOVE is slow)")
    parser.add_argument("--store-only-max", type=int, default=10_000_000,
                        help="largest load size also measured as the store write alone")
    parser.add_argument("--keep-stores", action="store_true", help="keep the on-disk stores under --out")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    engines = ["auto", *[e for e in args.engines.split(",") if e and e != "auto"]]
    os.environ["MPR_BENCH_ONTOLOGY"] = str(args.ontology.resolve())  # read by the children's _settings()
    os.environ["MPR_BENCH_SHAPES"] = str(args.shapes.resolve())
    results: list[Result] = []

    def run(kind: str, **kw: Any) -> None:
        print(f"... {kind} {kw.get('size', ''):,} {kw.get('engine', '')}".rstrip(), flush=True)
        r = measure(kind, kw, out, args.timeout, args.memory_limit_gb)
        results.append(r)
        if "work" in kw and "error" in r and not kw.get("keep"):
            shutil.rmtree(kw["work"], ignore_errors=True)  # what a failed child left behind
        print(f"    {_fmt_s(r.get('wall_s'))} s wall, peak {r.get('peak_mb') or 0:.0f} MB"
              + (f", {r['error']}" if "error" in r else ""), flush=True)

    for size in args.sizes:
        path = ensure_file(out, f"validate-{size}.csv", size, args.seed, args.errors, args.regenerate, args.ontology)
        for engine in engines:
            run("validate", size=size, engine=engine, file=str(path),
                findings=str(out / f"findings-{size}-{engine}.json"))
        if size <= 10_000 or args.full:
            run("pyshacl", size=size, engine="pyshacl.validate", file=str(path), work=str(out))
    for size in args.load_sizes:
        path = ensure_file(out, f"load-{size}.csv", size, args.seed, 0.0, args.regenerate, args.ontology)
        for engine in ("auto", *(e for e in args.load_engines.split(",") if e and e != "auto")):
            if engine != "auto" and size > args.baseline_max:
                continue  # the old path: 1M rows fail at 12 GB (see README)
            run("load", size=size, engine=engine, file=str(path), work=str(out / f"store-{size}"),
                keep=args.keep_stores)
        for method in ("load_new_graph", "replace_graph"):
            if (method == "replace_graph" and size > args.replace_graph_max) or size > args.store_only_max:
                continue
            run("store", size=size, engine=method, method=method, file=str(path),
                work=str(out / f"store-only-{size}"), keep=args.keep_stores)
    agreements = [agreement(out, size, engines, results) for size in args.sizes]
    text = table(results, agreements)
    print()
    print(text)
    report = {"machine": machine(), "command": ["python", "bench/run.py", *argv], "results": results,
              "agreement": agreements, "table": text}
    (out / "results.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
