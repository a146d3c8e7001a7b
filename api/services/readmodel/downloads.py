"""Bulk downloads as files (issue 14 §3): the whole public dataflow (one value per key and period) or one
dataset, as SDMX-CSV 1.0, CSV or Parquet, optionally gzipped, written once per view and store generation (the token
the processes sharing a store all read: a write anywhere, e.g. a dataset's new title, gives new files) by
polars' vectorised writers and then sent as a file.

Rows are compact: each names its dataset (``DATASET``), whose provenance /api/datasets/{id} gives once;
``provenance=full`` adds the dataset's title, agency, version, submission time and licence to every row.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from api.errors import BadRequest, NotFound
from api.model.structure import ATTRIBUTES, DATAFLOW_REF, DATASET_ATTRIBUTE, DIMENSIONS, MEASURE
from api.model.submission import is_identifier
from api.model.view import PublicView
from api.services.read.index import ReadIndex, reconciled_index
from api.services.readmodel.columns import SERIES_KEY
from api.services.readmodel.view import GRAPH
from api.services.registry import Registry

FORMATS = {"sdmx-csv": ("text/csv; charset=utf-8", "csv"), "csv": ("text/csv; charset=utf-8", "csv"),
           "parquet": ("application/vnd.apache.parquet", "parquet")}
_PROVENANCE = ("dataset_title", "agency", "version", "submitted", "licence")


@dataclass(frozen=True)
class Download:
    """A written download: the file, its media type, its name for the client, and its entity tag."""

    path: Path | None
    body: bytes | None
    media_type: str
    filename: str
    etag: str


def download(registry: Registry, view: PublicView, fmt: str, *, dataset: str | None = None,
             compressed: bool = False, provenance: str = "compact") -> Download:
    """The download of ``view`` (the reconciled dataflow, or ``dataset``'s observations) in ``fmt``."""
    if fmt not in FORMATS:
        raise BadRequest(f"format={fmt[:40]!r} is not one of {', '.join(FORMATS)}.",
                         details={"parameter": "format"})
    if provenance not in ("compact", "full"):
        raise BadRequest(f"provenance={provenance[:40]!r}: use compact (a DATASET column; /api/datasets/{{id}} "
                         "gives each dataset's provenance once) or full (provenance in every row).",
                         details={"parameter": "provenance"})
    if dataset is not None and not is_identifier(dataset):
        raise BadRequest(f"dataset={dataset[:40]!r} is not a dataset id; /api/datasets lists them.",
                         details={"parameter": "dataset"})
    index = reconciled_index(registry, view, (dataset,) if dataset else ())
    if dataset and not index.parts:
        raise NotFound(f"no public dataset has the id '{dataset[:80]}': /api/datasets lists them.")
    media_type, suffix = FORMATS[fmt]
    name = f"{dataset or 'MIGRATION_PROFILE'}.{fmt}.{provenance}.{suffix}" + (".gz" if compressed else "")
    generation = registry.generation_key
    slot = f"{view.tag}-{generation}"
    etag = 'W/"' + hashlib.sha256(f"{slot}\0{name}".encode()).hexdigest()[:32] + '"'
    filename = f"{dataset or 'MIGRATION_PROFILE'}{'-sdmx' if fmt == 'sdmx-csv' else ''}.{suffix}" + (
        ".gz" if compressed else "")
    media = "application/gzip" if compressed else media_type
    folder = None if registry.settings.data_dir is None else registry.settings.data_dir / "downloads" / slot
    if folder is None:
        body = registry.caches.get("downloads", (slot, name),
                                   lambda: _bytes(registry, view, index, fmt, compressed, provenance))
        return Download(None, body, media, filename, etag)
    path = folder / name
    if not path.is_file():
        plain = folder / name.removesuffix(".gz")
        if compressed and plain.is_file():  # the plain file is there: gzip it rather than write it again
            body = gzip.compress(plain.read_bytes(), compresslevel=6, mtime=0)
        else:
            body = _bytes(registry, view, index, fmt, compressed, provenance)
        _write_file(path, body)
        _prune(folder)
    return Download(path, None, media, filename, etag)


_KEEP_S = 300  # a file of an older generation may still be being sent: kept that long after it was replaced


def _prune(current: Path) -> None:
    """Remove the download folders of other views or generations untouched for :data:`_KEEP_S` seconds."""
    import shutil
    import time

    limit = time.time() - _KEEP_S
    for folder in current.parent.iterdir():
        try:
            if folder != current and folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def _write_file(path: Path, body: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(body)
    os.replace(temporary, path)


def frame(registry: Registry, view: PublicView, index: ReadIndex, provenance: str = "compact") -> pl.DataFrame:
    """The rows the index answers (one value per key and period, in key and period order) with DATASET."""
    rows = registry.view_rows(view).frame
    chosen = pl.DataFrame([(p.key, p.graph, period) for p in index.parts for period in p.periods],
                          schema={SERIES_KEY: pl.String, GRAPH: pl.String, "TIME_PERIOD": pl.String}, orient="row")
    facts = [(g, p.dataset, p.dataset_title, p.agency, str(p.version), p.submitted.isoformat(), p.licence)
             for g, p in index.provenance.items()]
    sources = pl.DataFrame(facts, schema={GRAPH: pl.String, DATASET_ATTRIBUTE: pl.String,
                                          **dict.fromkeys(_PROVENANCE, pl.String)}, orient="row")
    found = rows.join(chosen, on=[SERIES_KEY, GRAPH, "TIME_PERIOD"], how="semi").join(sources, on=GRAPH, how="left")
    found = found.sort([SERIES_KEY, "PERIOD_START", "PERIOD_END"], maintain_order=True)
    extra = list(_PROVENANCE) if provenance == "full" else []
    return found.select([*DIMENSIONS, MEASURE, *ATTRIBUTES, DATASET_ATTRIBUTE, *extra])


def _bytes(registry: Registry, view: PublicView, index: ReadIndex, fmt: str, compressed: bool,
           provenance: str) -> bytes:
    found = frame(registry, view, index, provenance)
    if fmt == "parquet":
        body = _parquet(found)
    else:
        if fmt == "sdmx-csv":
            found = found.select(pl.lit(DATAFLOW_REF).alias("DATAFLOW"), pl.all())
        else:  # for spreadsheets: text that a spreadsheet would run is written as text (csv_writer.safe_cell)
            found = found.with_columns(_defused(c) for c in ("COMMENT", "SOURCE_DETAIL", "dataset_title")
                                       if c in found.columns)
        body = found.write_csv(line_terminator="\n").encode()
    return gzip.compress(body, compresslevel=6, mtime=0) if compressed else body


def _defused(column: str) -> pl.Expr:
    text = pl.col(column)
    risky = text.str.contains(r"^[=+\-@\t\r]") & ~text.str.contains(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
    return pl.when(risky).then(pl.lit("'") + text).otherwise(text).alias(column)


def _parquet(found: pl.DataFrame) -> bytes:
    import io

    out = io.BytesIO()
    found.write_parquet(out, compression="zstd")
    return out.getvalue()
