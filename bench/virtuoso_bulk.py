"""One large graph into Virtuoso two ways (DESIGN §6): the Graph Store parts of ``VirtuosoStore`` (the baseline)
against the bulk loader (``ld_add`` + ``rdf_loader_run``) called as SPARQL through the authenticated endpoint.

``python bench/virtuoso_bulk.py --subjects 100000`` (16 triples per subject) on a fresh test Virtuoso
(tests/engines.py: loopback, free ports); prints seconds and the triples each graph then holds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyoxigraph import RdfFormat, Triple, parse  # noqa: E402

from api.store.remote_store import ChallengeAuth  # noqa: E402
from api.store.virtuoso_store import VirtuosoStore  # noqa: E402
from tests import engines  # noqa: E402

RESULTS = {"Accept": "application/sparql-results+json"}


def write(path: Path, subjects: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(subjects):
            for k in range(16):
                out.write(f'<http://bench.test/obs/{i}> <http://bench.test/p{k}> '
                          f'"{i * 7 + k}"^^<http://www.w3.org/2001/XMLSchema#decimal> .\n')


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    args = parser.parse_args(argv)
    with engines.virtuoso_server() as engine:
        assert engine.user is not None and engine.password is not None and engine.folder is not None
        file = engine.folder / "big.nt"  # the server's own folder: listed in its DirsAllowed
        write(file, args.subjects)
        store = VirtuosoStore(engine.query_url, engine.update_url, engine.gsp_url, user=engine.user,
                              password=engine.password)
        triples = [Triple(q.subject, q.predicate, q.object) for q in parse(path=file, format=RdfFormat.N_TRIPLES)]
        started = time.perf_counter()
        store.load_new_graph("http://g/gsp", triples)
        print(f"graph store parts: {time.perf_counter() - started:.1f} s", flush=True)
        client = httpx.Client(auth=ChallengeAuth(engine.user, engine.password), timeout=3600)
        started = time.perf_counter()
        for call in (f"sql:ld_add('{file}', 'http://g/bulk')", "sql:rdf_loader_run()"):
            client.post(engine.update_url, data={"query": f"PREFIX sql: <sql:> SELECT ({call} AS ?x) WHERE {{}}"},
                        headers=RESULTS).raise_for_status()
        print(f"bulk loader: {time.perf_counter() - started:.1f} s", flush=True)
        for graph in ("http://g/gsp", "http://g/bulk"):
            rows = store.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            print(graph, rows[0]["n"])
        client.close()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
