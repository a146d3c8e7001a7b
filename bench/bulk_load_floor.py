"""What the embedded store's bulk loader costs per quad (DESIGN §6): pyoxigraph ``Store(path).bulk_load`` of one
generated N-Triples file into a named graph (as a submission is stored) and into the default graph, in one run.

``python bench/bulk_load_floor.py --subjects 100000 --per-subject 16`` (16: the quads of one observation now).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store


def write(path: Path, subjects: int, per_subject: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(subjects):
            subject = f"<http://bench.test/id/observation/S1/A.B.C.{i % 5000}/{i}>"
            out.write(f"{subject} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                      "<http://purl.org/linked-data/cube#Observation> .\n")
            for k in range(per_subject - 1):
                out.write(f"{subject} <http://bench.test/p{k}> <http://bench.test/code/c{(i * 7 + k) % 300}> .\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=100_000)
    parser.add_argument("--per-subject", type=int, default=16)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mpr-bulk-") as temporary:
        folder = Path(temporary)
        file = folder / "cube.nt"
        write(file, args.subjects, args.per_subject)
        print("| into | quads | wall s | CPU s | quads/s |")
        for into, graph in (("named graph", NamedNode("http://bench.test/g/1")), ("default graph", None)):
            store = Store(str(folder / into.replace(" ", "-")))
            wall, cpu = time.perf_counter(), time.process_time()
            if graph is None:
                store.bulk_load(path=file, format=RdfFormat.N_TRIPLES)
            else:
                store.bulk_load(path=file, format=RdfFormat.N_TRIPLES, to_graph=graph)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            quads = args.subjects * args.per_subject
            print(f"| {into} | {quads:,} | {wall:.1f} | {cpu:.1f} | {quads / wall:,.0f} |", flush=True)
            del store
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
