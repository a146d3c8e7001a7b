"""How fast each zlib level compresses a bulk answer, as the app's gzip middleware streams it (bench/README.md,
"gzip level").

    .venv/bin/python bench/gzip_level.py FILE [--levels 1,6,9] [--bytes 50000000]

FILE is a bulk answer saved to disk, e.g. ``curl -o all.csv -H 'Accept: application/vnd.sdmx.data+csv;version=1.0.0'
http://127.0.0.1:8000/sdmx/v1/data/MIGRATION_PROFILE/all``. The file is compressed in 64 KiB pieces, as the
middleware receives the streamed body; prints MB/s of input and the compressed size as a share of the input.
"""

from __future__ import annotations

import argparse
import time
import zlib
from pathlib import Path

PIECE = 64 * 1024


def rate(data: bytes, level: int) -> tuple[float, float]:
    """(input MB/s, compressed/input) for ``data`` compressed piece by piece at ``level``, gzip wrapper."""
    started = time.perf_counter()
    compressor = zlib.compressobj(level, zlib.DEFLATED, 31)
    size = 0
    for start in range(0, len(data), PIECE):
        size += len(compressor.compress(data[start:start + PIECE]))
    size += len(compressor.flush())
    return len(data) / (time.perf_counter() - started) / 1e6, size / max(len(data), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--levels", default="1,6,9")
    parser.add_argument("--bytes", type=int, default=50_000_000)
    args = parser.parse_args()
    with args.file.open("rb") as handle:
        data = handle.read(args.bytes)
    print(f"{len(data):,} bytes of {args.file.name}")
    for level in (int(x) for x in args.levels.split(",")):
        mb_s, share = rate(data, level)
        print(f"level {level}: {mb_s:6.1f} MB/s, compressed to {share:.3f} of the input")


if __name__ == "__main__":
    main()
