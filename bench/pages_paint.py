"""First paint and first contentful paint of each page in headless Chromium (Debian's, through Playwright), and
when its charts are drawn. Paint Timing (W3C): ``performance.getEntriesByType('paint')``.

    .venv/bin/python bench/pages_paint.py --url http://127.0.0.1:PORT [--repeat 5] [--area DEU --indicator STK_IMM]

Each page is opened ``--repeat`` times in a fresh context (cold cache); medians are printed beside the goal
(first paint 1 s), never asserted. Writes ``OUT/pages-paint.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="First paint of each page in headless Chromium.")
    parser.add_argument("--url", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--area", default="DEU")
    parser.add_argument("--indicator", default="STK_IMM")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args(argv)
    paths = {"home": "/", "profile": f"/areas/{args.area}", "compare": f"/compare?indicator={args.indicator}",
             "indicators": "/indicators", "indicator": f"/indicators/{args.indicator}", "datasets": "/datasets",
             "sparql": "/sparql"}
    found: dict[str, Any] = {"command": ["python", "bench/pages_paint.py", *(argv or sys.argv[1:])], "pages": {}}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for name, path in paths.items():
            first, contentful, charts = [], [], []
            for _ in range(args.repeat):
                context = browser.new_context()
                page = context.new_page()
                page.goto(args.url + path, wait_until="load")
                page.wait_for_function("document.querySelectorAll('.vega[data-spec]').length === "
                                       "document.querySelectorAll('.vega[data-drawn], .vega[data-error]').length",
                                       timeout=60000)
                drawn = page.evaluate("performance.now()")
                paints = {e["name"]: e["startTime"] for e in page.evaluate(
                    "performance.getEntriesByType('paint').map(e => ({name: e.name, startTime: e.startTime}))")}
                first.append(paints.get("first-paint", float("nan")))
                contentful.append(paints.get("first-contentful-paint", float("nan")))
                charts.append(drawn)
                context.close()
            row = {"first_paint_ms": statistics.median(first),
                   "first_contentful_paint_ms": statistics.median(contentful),
                   "charts_drawn_ms": statistics.median(charts)}
            found["pages"][name] = row
            print(f"{name:12} first paint {row['first_paint_ms']:7.0f} ms (goal 1000)  FCP "
                  f"{row['first_contentful_paint_ms']:7.0f} ms  charts drawn {row['charts_drawn_ms']:7.0f} ms",
                  flush=True)
        browser.close()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pages-paint.json").write_text(json.dumps(found, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
