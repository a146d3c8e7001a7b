"""The read API over HTTP against on-disk stores, and the same questions asked of rdflib-endpoint.

    .venv/bin/python bench/api_http.py [--observations 1000000] [--rdflib-observations 100000] [--requests 200]
        [--no-rdflib] [--no-wrk] [--label NAME]

For each store (built by bench/sdmx_store.py when missing) it starts ``python -m api.cli serve`` and times, over
one keep-alive connection, p50/p99 of ``--requests`` requests: one series (/api/observations with every series
dimension), one area and indicator (/api/observations, every breakdown), the latest-per-area comparison of one
indicator over all areas (/api/compare), a country profile, and a SPARQL SELECT of one series (/sparql, when the
server has it). Metadata routes are loaded with wrk (1 thread, 8 connections, 10 s) for requests per second.
With the smaller store it also serves the same public data with rdflib-endpoint (rdflib's in-memory store) and
asks it the SPARQL equivalents of those questions, so the ratio compares equal data in the same run.
Goals are printed beside the figures, never asserted. Writes ``OUT/api-http-LABEL.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _path in (ROOT, HERE):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from sdmx_http import _port, percentile, rss_mb  # noqa: E402

MP = "https://w3id.org/migration-profile/def#"
CODE = "https://w3id.org/migration-profile/code/"
INDICATOR = "https://w3id.org/migration-profile/indicator/"
DIMENSIONS = ("FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS")
GOALS = {"series": 5.0, "area+indicator": None, "compare (all areas)": 50.0, "profile": 100.0, "sparql series": None}
Result = dict[str, Any]


def wait_ready(client: httpx.Client, process: subprocess.Popen[bytes], seconds: float = 900) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        if process.poll() is not None:
            raise SystemExit("the server stopped while starting")
        try:
            if client.get("/health").status_code == 200:
                return time.perf_counter() - start
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit("the server did not start")


def timed(client: httpx.Client, url: str, requests: int, **kwargs: Any) -> Result:
    first = time.perf_counter()
    response = client.get(url, **kwargs)
    first_ms = (time.perf_counter() - first) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:300])
    times: list[float] = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url, **kwargs)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code, response.text[:300])
    return {"url": url[:300], "first_ms": first_ms, "p50_ms": percentile(times, 0.5),
            "p99_ms": percentile(times, 0.99), "bytes": len(response.content), "requests": requests}


def pick(client: httpx.Client) -> dict[str, str]:
    """A series in the middle of everything, its area and its indicator."""
    total = client.get("/api/observations", params={"per_page": 1}).json()["total"]
    observation = client.get("/api/observations", params={"per_page": 1, "page": total // 2}).json()
    found = observation["observations"][0]
    codes = {"FREQ": found["freq"], "REF_AREA": found["area"], "INDICATOR": found["indicator"],
             "COUNTERPART_AREA": found["counterpart_area"], "SEX": found["sex"], "AGE": found["age"],
             "MIGRATION_STATUS": found["migration_status"]}
    return {**codes, "key": ".".join(codes[d] for d in DIMENSIONS), "observations": str(total)}


def our_questions(picked: dict[str, str]) -> dict[str, str]:
    series = urlencode({"indicator": picked["INDICATOR"], "area": picked["REF_AREA"],
                        "counterpart_area": picked["COUNTERPART_AREA"], "sex": picked["SEX"], "age": picked["AGE"],
                        "migration_status": picked["MIGRATION_STATUS"]})
    return {
        "series": f"/api/observations?{series}",
        "area+indicator": f"/api/observations?indicator={picked['INDICATOR']}&area={picked['REF_AREA']}&per_page=1000",
        "compare (all areas)": f"/api/compare?indicator={picked['INDICATOR']}",
        "profile": f"/api/areas/{picked['REF_AREA']}/profile",
        "sparql series": "/sparql?" + urlencode({"query": sparql_questions(picked)["series"]}),
    }


def sparql_questions(picked: dict[str, str]) -> dict[str, str]:
    """The same questions in SPARQL 1.1, for an endpoint that has nothing else."""
    prefix = f"PREFIX mp: <{MP}>\n"
    area = f"<{CODE}area/{picked['REF_AREA']}>"
    indicator = f"<{INDICATOR}{picked['INDICATOR']}>"
    headline = (f"?obs mp:counterpartArea ?cp ; mp:sex ?sex ; mp:age ?age ; mp:migrationStatus ?ms . "
                f"FILTER (?cp IN (<{CODE}area/_T>, <{CODE}area/_Z>) && ?sex IN (<{CODE}sex/_T>, <{CODE}sex/_Z>) && "
                f"?age IN (<{CODE}age/_T>, <{CODE}age/_Z>) && "
                f"?ms IN (<{CODE}migration-status/_T>, <{CODE}migration-status/_Z>))")
    return {
        "series": prefix + f'SELECT ?period ?value WHERE {{ ?obs mp:seriesKey "{picked["key"]}" ; '
                           "mp:timePeriod ?period ; mp:obsValue ?value } ORDER BY ?period",
        "area+indicator": prefix + f"SELECT ?key ?period ?value WHERE {{ ?obs mp:refArea {area} ; "
                                   f"mp:indicator {indicator} ; mp:seriesKey ?key ; mp:timePeriod ?period ; "
                                   "mp:obsValue ?value } ORDER BY ?key ?period",
        "compare (all areas)": prefix + "SELECT ?area ?period ?value WHERE { { SELECT ?area (MAX(?p) AS ?period) "
                                        f"WHERE {{ ?obs mp:indicator {indicator} ; mp:refArea ?area ; "
                                        f"mp:timePeriod ?p . {headline} }} GROUP BY ?area }} "
                                        f"?obs mp:indicator {indicator} ; mp:refArea ?area ; mp:timePeriod ?period ;"
                                        f" mp:obsValue ?value . {headline} }} ORDER BY DESC(?value)",
        "profile": prefix + "SELECT ?indicator ?period ?value WHERE { { SELECT ?indicator (MAX(?p) AS ?period) "
                            f"WHERE {{ ?obs mp:refArea {area} ; mp:indicator ?indicator ; mp:timePeriod ?p . "
                            f"{headline} }} GROUP BY ?indicator }} ?obs mp:refArea {area} ; mp:indicator ?indicator ;"
                            f" mp:timePeriod ?period ; mp:obsValue ?value . {headline} }}",
    }


def wrk(url: str, seconds: int = 10, connections: int = 8) -> Result | None:
    """Requests per second and latency percentiles from wrk (None when wrk is not installed)."""
    if shutil.which("wrk") is None:
        return None
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.MULTILINE))
    return {"url": url, "requests_per_s": rps, "p50": latency.get("50"), "p99": latency.get("99"),
            "connections": connections, "seconds": seconds}


def serve_ours(data_dir: Path, base_iri: str | None) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {**os.environ, "MPR_DATA": str(data_dir)}
    if base_iri:
        env["MPR_BASE_IRI"] = base_iri
    process = subprocess.Popen([sys.executable, "-m", "api.cli", "serve", "--port", str(port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, f"http://127.0.0.1:{port}"


def measure_ours(data_dir: Path, meta: Result, requests: int, load: bool) -> Result:
    process, url = serve_ours(data_dir, meta.get("base_iri"))
    result: Result = {"store": meta, "questions": {}}
    try:
        with httpx.Client(base_url=url, timeout=1800) as client:
            result["startup_s"] = wait_ready(client, process)
            started = time.perf_counter()
            client.get("/api/coverage")  # waits for the warm-up's indexes
            result["warm_s"] = time.perf_counter() - started + result["startup_s"]
            result["rss_ready_mb"] = rss_mb(process.pid)
            picked = pick(client)
            result["picked"] = picked
            for name, path in our_questions(picked).items():
                if name == "sparql series" and client.get("/sparql", params={"query": "ASK {}"}).status_code != 200:
                    result["questions"][name] = {"skipped": "no /sparql on this server"}
                    continue
                result["questions"][name] = timed(client, path, requests)
                print(f"  ours {name}: p50 {result['questions'][name]['p50_ms']:.2f} ms", flush=True)
            if load:
                result["wrk"] = [r for r in (wrk(url + "/api/indicators"), wrk(url + "/api/areas/DEU"),
                                             wrk(url + "/health")) if r]
            result["rss_after_mb"] = rss_mb(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return result


def measure_rdflib(data_dir: Path, meta: Result, picked: dict[str, str], requests: int, out: Path) -> Result:
    """Export the store's public data to Turtle, serve it with rdflib-endpoint (its endpoint is at /), ask the
    SPARQL equivalents."""
    from api.config import Settings
    from api.services.admin import export
    from api.services.registry import open_registry

    turtle = out / f"public-{meta['observations']}.ttl"
    if not turtle.is_file():
        settings = Settings.from_env({"MPR_DATA": str(data_dir), "MPR_BASE_IRI": meta.get("base_iri") or ""})
        registry = open_registry(settings, read_only=True)
        with turtle.open("wb") as handle:
            export.export_rdf(registry, handle, "ttl")
        registry.close()
    port = _port()
    binary = Path(sys.executable).parent / "rdflib-endpoint"
    process = subprocess.Popen([str(binary), "serve", "--host", "127.0.0.1", "--port", str(port), str(turtle)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result: Result = {"turtle_mb": turtle.stat().st_size / 1e6, "questions": {}}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=1800) as client:
            start = time.perf_counter()
            while True:
                try:
                    if client.get("/", params={"query": "ASK { ?s ?p ?o }"}).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None:
                    raise SystemExit("rdflib-endpoint stopped while loading")
                time.sleep(1)
            result["load_s"] = time.perf_counter() - start
            result["rss_mb"] = rss_mb(process.pid)
            for name, query in sparql_questions(picked).items():
                result["questions"][name] = timed(client, "/", max(requests // 10, 5), params={"query": query},
                                                  headers={"Accept": "application/sparql-results+json"})
                print(f"  rdflib {name}: p50 {result['questions'][name]['p50_ms']:.1f} ms", flush=True)
    finally:
        process.terminate()
        process.wait(timeout=60)
    return result


def table(result: Result) -> str:
    lines = ["| store | question | p50 ms | p99 ms | bytes | goal p50 |", "|---|---|---|---|---|---|"]
    for label, run in result["runs"].items():
        for name, q in run["questions"].items():
            if "skipped" in q:
                lines.append(f"| {label} | {name} | skipped: {q['skipped']} | | | |")
                continue
            goal = GOALS.get(name) if label.startswith("ours") else None
            met = "" if goal is None else f"≤ {goal:.0f}: {'met' if q['p50_ms'] <= goal else 'MISSED'}"
            lines.append(f"| {label} | {name} | {q['p50_ms']:.2f} | {q['p99_ms']:.2f} | {q['bytes']:,} | {met} |")
    for label, run in result["runs"].items():
        for load in run.get("wrk", []):
            lines.append(f"| {label} | wrk c=8 {load['url'].split('/', 3)[-1]} | {load['p50']} | {load['p99']} | "
                         f"{load['requests_per_s']:,.0f} req/s | ≥ 800 req/s: "
                         f"{'met' if load['requests_per_s'] >= 800 else 'MISSED'} |")
    for name, ratio in result.get("ratios", {}).items():
        verdict = "met" if ratio >= 100 else "MISSED"
        lines.append(f"| ratio rdflib/ours | {name} | {ratio:,.0f}x | | | ≥ 100x: {verdict} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from run import machine
    from sdmx_store import STORE_META, ensure_store

    parser = argparse.ArgumentParser(description="Read API latency, throughput and rdflib-endpoint ratio.")
    parser.add_argument("--observations", "-n", type=int, default=1_000_000)
    parser.add_argument("--rdflib-observations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--no-rdflib", action="store_true")
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--label")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    result: Result = {"command": ["python", "bench/api_http.py", *(argv if argv is not None else sys.argv[1:])],
                      "runs": {}, "machine": machine()}
    sizes = [args.observations] + ([] if args.no_rdflib or args.rdflib_observations == args.observations
                                   else [args.rdflib_observations])
    for size in sizes:
        data_dir = ensure_store(size, out)
        meta = json.loads((data_dir / STORE_META).read_text(encoding="utf-8"))
        print(f"ours, {size:,} observations", flush=True)
        result["runs"][f"ours {size:,}"] = measure_ours(data_dir, meta, args.requests, not args.no_wrk and
                                                        size == args.observations)
    if not args.no_rdflib:
        size = args.rdflib_observations
        data_dir = ensure_store(size, out)
        meta = json.loads((data_dir / STORE_META).read_text(encoding="utf-8"))
        ours = result["runs"][f"ours {size:,}"]
        print(f"rdflib-endpoint, {size:,} observations", flush=True)
        theirs = measure_rdflib(data_dir, meta, ours["picked"], args.requests, out)
        result["runs"][f"rdflib-endpoint {size:,}"] = theirs
        result["ratios"] = {name: q["p50_ms"] / ours["questions"][name]["p50_ms"]
                            for name, q in theirs["questions"].items()
                            if "p50_ms" in ours["questions"].get(name, {})}
        if "p50_ms" in ours["questions"].get("sparql series", {}):
            result["ratios"]["sparql series (same query)"] = (theirs["questions"]["series"]["p50_ms"]
                                                              / ours["questions"]["sparql series"]["p50_ms"])
    result["table"] = table(result)
    print()
    print(result["table"])
    label = args.label or str(args.observations)
    path = out / f"api-http-{label}.json"
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"\nwritten: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
