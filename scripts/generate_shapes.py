"""Regenerate shapes/codes.generated.ttl and shapes/indicators.generated.ttl from ontology/ (DESIGN §5).

``python scripts/generate_shapes.py`` writes them; ``--check`` writes nothing and exits 1 when the
committed files are out of date with the ontology (run it in CI after any ontology change).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from api.validation.shape_generator import out_of_date, write  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology", help="the ontology folder")
    parser.add_argument("--shapes", type=Path, default=ROOT / "shapes", help="the shapes folder")
    parser.add_argument("--check", action="store_true", help="only report whether the files are up to date")
    args = parser.parse_args(argv)
    if args.check:
        stale = out_of_date(args.ontology, args.shapes)
        for name in stale:
            print(f"{args.shapes.name}/{name} is out of date with {args.ontology.name}/; "
                  "run scripts/generate_shapes.py", file=sys.stderr)
        return 1 if stale else 0
    for path in write(args.ontology, args.shapes):
        print(f"wrote {path.relative_to(args.shapes.parent) if path.is_relative_to(args.shapes.parent) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
