"""The pages for people over HTTP: each page's HTML server time (p50, p99) beside the API route that gives the
same data (the old path, in the same run), and each page's weight (HTML plus the scripts and styles it loads).

    .venv/bin/python bench/pages_http.py [--observations 1000000] [--requests 50] [--url http://127.0.0.1:PORT]

With ``--url`` it measures a running server; otherwise it builds (bench/sdmx_store.py) or reuses the generated
store of ``--observations`` and serves it. Times are from one keep-alive connection on 127.0.0.1 (HTTP overhead
included); weight counts the bytes on the wire with gzip (as browsers ask) and uncompressed. Goals (100 ms p50,
1 MB) are printed beside the figures, never asserted. Writes ``OUT/pages-http-LABEL.json``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from api_http import pick, serve_ours, timed, wait_ready  # noqa: E402

ASSET = re.compile(r'<(?:script[^>]+src|link[^>]+href)="(/static/[^"]+)"')


def pages(picked: dict[str, str]) -> dict[str, tuple[str, str | None]]:
    """Page -> (its path, the API route with the same data)."""
    area, indicator = picked["REF_AREA"], picked["INDICATOR"]
    return {
        "home": ("/", None),
        "profile": (f"/areas/{area}", f"/api/areas/{area}/profile"),
        "compare (all areas)": (f"/compare?indicator={indicator}", f"/api/compare?indicator={indicator}"),
        "indicators": ("/indicators", "/api/indicators"),
        "indicator": (f"/indicators/{indicator}", f"/api/indicators/{indicator}"),
        "datasets": ("/datasets", "/api/datasets"),
        "sparql": ("/sparql", None),
    }


def weight(client: httpx.Client, path: str) -> dict[str, int]:
    """Bytes of the page and what it loads: on the wire with gzip, and uncompressed."""
    page = client.get(path, headers={"Accept-Encoding": "gzip", "Accept": "text/html"})
    wire, raw = page.num_bytes_downloaded, len(page.content)
    for asset in sorted(set(ASSET.findall(page.text))):
        found = client.get(asset, headers={"Accept-Encoding": "gzip"})
        assert found.status_code == 200, asset
        wire += found.num_bytes_downloaded
        raw += len(found.content)
    return {"wire_bytes": wire, "uncompressed_bytes": raw}


def measure(url: str, requests: int) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=300) as client:
        picked = pick(client)
        found: dict[str, Any] = {"picked": picked, "pages": {}}
        for name, (path, api) in pages(picked).items():
            row = {"page": timed(client, path, requests, headers={"Accept": "text/html"}),
                   "weight": weight(client, path)}
            if api:
                row["api"] = timed(client, api, requests)
            found["pages"][name] = row
            print(f"{name:22} page p50 {row['page']['p50_ms']:7.1f} ms (goal 100)  "
                  f"api p50 {row['api']['p50_ms'] if api else float('nan'):7.1f} ms  "
                  f"weight {row['weight']['wire_bytes'] / 1024:7.1f} KiB gzip, "
                  f"{row['weight']['uncompressed_bytes'] / 1024:7.1f} KiB raw (goal 1024)", flush=True)
    return found


def main(argv: list[str] | None = None) -> int:
    from run import machine

    parser = argparse.ArgumentParser(description="Pages: HTML server time and page weight.")
    parser.add_argument("--observations", "-n", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--url")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--label")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"command": ["python", "bench/pages_http.py", *(argv if argv is not None else
                                                                            sys.argv[1:])], "machine": machine()}
    if args.url:
        result["run"] = measure(args.url, args.requests)
    else:
        from sdmx_store import STORE_META, ensure_store

        data_dir = ensure_store(args.observations, out)
        meta = json.loads((data_dir / STORE_META).read_text(encoding="utf-8"))
        process, url = serve_ours(data_dir, meta.get("base_iri"))
        try:
            with httpx.Client(base_url=url, timeout=300) as client:
                wait_ready(client, process)
            result["run"] = measure(url, args.requests)
        finally:
            process.terminate()
            process.wait(timeout=60)
    label = args.label or (f"{args.observations}" if not args.url else "url")
    (out / f"pages-http-{label}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
