"""Preparing a submission without the store: validate it and write its graphs as N-Triples files (DESIGN §5).

Pure work on a parsed file and the facts ingest decided (id, version): the validation report, the split into
public and confidential observations, and the files the store bulk-loads. It runs in the server, or for large
uploads in a worker process (``upload_worker``) so that the server's GIL stays free for readers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain
from pathlib import Path

import polars as pl
from pyoxigraph import NamedNode, RdfFormat, serialize

from api import vocab
from api.formats.rdf.cube_table import TermTable, write_ntriples
from api.formats.rdf.provenance import SubmissionFacts, submission_description
from api.formats.tabular.table import ROW, ObservationTable
from api.model.report import ValidationReport
from api.model.submission import ParsedFile, SubmissionMetadata
from api.services.readmodel.columns import table_columns, write_table
from api.services.submissions.progress import COLUMNS, VALIDATING, WRITING, Progress, quiet
from api.validation.validator import Validator

PUBLIC_CONF = "F"
SOURCE_ROW = NamedNode(vocab.MP + "sourceRow")


@dataclass(frozen=True)
class PreparedSubmission:
    """A validated submission; its graphs are written only when it conforms and ``folder`` was given."""

    report: ValidationReport
    observations: int
    restricted: int
    areas: tuple[str, ...]  # the REF_AREA cells as written (for the scope check)
    area_rows: tuple[tuple[str, tuple[int, ...]], ...] = ()  # each REF_AREA as written -> the rows that hold it
    public_file: Path | None = None
    restricted_file: Path | None = None
    # The column files of both graphs (DESIGN §6), written from the validated table beside the N-Triples files
    # (tabular submissions only; otherwise ingest builds them from the store once the graphs are loaded)
    public_columns: Path | None = None
    restricted_columns: Path | None = None


def restricted_graph(submission_graph: str) -> str:
    """The IRI of a submission's restricted graph (its confidential observations)."""
    return f"{submission_graph}/restricted"


def areas_of(parsed: ParsedFile) -> tuple[str, ...]:
    if isinstance(parsed.records, ObservationTable):
        if "REF_AREA" not in parsed.records.frame.columns:
            return ()
        written = parsed.records.frame["REF_AREA"].drop_nulls().unique().to_list()
        return tuple(sorted({text.strip() for text in written if text.strip()}))
    return tuple(sorted({text.strip() for r in parsed.records if (text := r.cells.get("REF_AREA", "")).strip()}))


def area_rows_of(parsed: ParsedFile) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Each REF_AREA as written and the rows that hold it (the scope check names them in the report; an RDF
    observation without ``mp:sourceRow`` has no row, its area is listed all the same)."""
    if isinstance(parsed.records, ObservationTable):
        frame = parsed.records.frame
        if "REF_AREA" not in frame.columns:
            return ()
        grouped = (frame.select(pl.col("REF_AREA").str.strip_chars().alias("area"), pl.col(ROW))
                   .filter(pl.col("area").is_not_null() & (pl.col("area") != ""))
                   .group_by("area").agg(pl.col(ROW).drop_nulls().sort()).sort("area"))
        return tuple((area, tuple(found)) for area, found in grouped.iter_rows())
    rows: dict[str, list[int]] = {}
    for record in parsed.records:
        if text := record.cells.get("REF_AREA", "").strip():
            found = rows.setdefault(text, [])
            if record.row is not None:
                found.append(record.row)
    return tuple((area, tuple(found)) for area, found in sorted(rows.items()))


def _public(terms: TermTable) -> pl.Expr:
    """The rows whose CONF_STATUS, stripped as the cube writer strips it, is F."""
    written = terms.frame["CONF_STATUS"].drop_nulls().unique().to_list()
    return pl.col("CONF_STATUS").is_in([w for w in written if w.strip() == PUBLIC_CONF])


def prepare_table(validator: Validator, parsed: ParsedFile, meta: SubmissionMetadata, facts: SubmissionFacts,
                  base_iri: str, folder: Path | None, progress: Progress = quiet) -> PreparedSubmission:
    """:func:`prepare` for tabular files: validated as a table, and its triples written once from that table."""
    iris = vocab.InstanceIris(base_iri)
    count = len(parsed.records)
    facts = replace(facts, observations=count)
    description = list(submission_description(meta, facts, iris))
    progress(VALIDATING, 0, count)
    report, terms = validator.validate_table(parsed, dataset_triples=description, submission_id=facts.submission_id,
                                             base_iri=base_iri)
    public = _public(terms)
    restricted = count - terms.frame.select(public.sum())[0, 0]
    prepared = PreparedSubmission(report, count, restricted, areas_of(parsed), area_rows_of(parsed))
    if not report.conforms or folder is None:
        return prepared
    header = (serialize(submission_description(meta, replace(facts, observations=count - restricted), iris),
                        format=RdfFormat.N_TRIPLES) or b"").decode()
    public_file, restricted_file = folder / "public.nt", None
    progress(WRITING, 0, count)
    written = write_ntriples(terms, public, public_file, header=header,
                             on_chunk=lambda done: progress(WRITING, done, count))
    if restricted:
        restricted_file = folder / "restricted.nt"
        write_ntriples(terms, ~public, restricted_file, on_chunk=lambda done: progress(WRITING, written + done, count))
    progress(COLUMNS, 0, count)
    public_columns, restricted_columns = folder / "public.parquet", None
    graph = iris.submission(facts.submission_id)
    write_table(public_columns, graph, table_columns(terms.frame.filter(public)))
    if restricted:
        restricted_columns = folder / "restricted.parquet"
        write_table(restricted_columns, restricted_graph(graph), table_columns(terms.frame.filter(~public)))
    return replace(prepared, public_file=public_file, restricted_file=restricted_file, public_columns=public_columns,
                   restricted_columns=restricted_columns)


def prepare(validator: Validator, parsed: ParsedFile, meta: SubmissionMetadata, facts: SubmissionFacts,
            base_iri: str, folder: Path | None, progress: Progress = quiet) -> PreparedSubmission:
    """Validate ``parsed`` as the submission ``facts`` names; if it conforms and ``folder`` is given, write
    ``public.nt`` (its description and public observations) and ``restricted.nt`` (the others) there."""
    if validator.uses_table(parsed):
        return prepare_table(validator, parsed, meta, facts, base_iri, folder, progress)
    iris = vocab.InstanceIris(base_iri)
    facts = replace(facts, observations=len(parsed.records))
    description = list(submission_description(meta, facts, iris))
    report, cube, observations = validator.validate_cube(
        parsed, dataset_triples=description, submission_id=facts.submission_id, base_iri=base_iri)
    restricted = {NamedNode(focus) for focus, info in observations.items()
                  if info.cells.get("CONF_STATUS", "").strip() != PUBLIC_CONF}
    prepared = PreparedSubmission(report, len(parsed.records), len(restricted), areas_of(parsed), area_rows_of(parsed))
    if not report.conforms or folder is None:
        return prepared
    # Nothing in the public graph may depend on a restricted cell (DESIGN §4): its description counts only the
    # public observations, and no observation keeps the line it came from (a gap in the line numbers would
    # show where a row was suppressed; the stored report keeps the lines). The file's name, hash and size are
    # written to the private graph by ingest; the registry graph (never public) keeps the full count.
    description = list(submission_description(
        meta, replace(facts, observations=facts.observations - len(restricted)), iris))
    public_file = folder / "public.nt"
    serialize(chain(description, (t for t in cube if t.subject not in restricted and t.predicate != SOURCE_ROW)),
              public_file, format=RdfFormat.N_TRIPLES)
    restricted_file = None
    if restricted:
        restricted_file = folder / "restricted.nt"
        serialize((t for t in cube if t.subject in restricted and t.predicate != SOURCE_ROW), restricted_file,
                  format=RdfFormat.N_TRIPLES)
    return replace(prepared, public_file=public_file, restricted_file=restricted_file)
