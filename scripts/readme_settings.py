"""Write the README's list of settings from the settings table (api/config.py), between its two markers.

Run from the repository root:  .venv/bin/python scripts/readme_settings.py  (``--check`` compares instead of
writing and exits 1 if the README is out of date; tests/test_config.py checks the same).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.config import settings_table

README = Path(__file__).resolve().parent.parent / "README.md"
START = "<!-- settings: written from api/config.py by scripts/readme_settings.py -->\n"
END = "<!-- /settings -->\n"


def rewritten(text: str) -> str:
    """``text`` with the part between the markers replaced by the table; ValueError if a marker is missing."""
    head, start, rest = text.partition(START)
    _, end, tail = rest.partition(END)
    if not start or not end:
        raise ValueError(f"README.md has no {START.strip()} ... {END.strip()} section")
    return head + START + settings_table() + END + tail


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare only; exit 1 if the README is out of date")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    new = rewritten(text)
    if args.check:
        if new != text:
            print("README.md's settings are out of date: run scripts/readme_settings.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
