"""Ingest: parse -> validate -> store with provenance (DESIGN §5, §4).

A submission is stored as two fresh named graphs (its public part and, when some observations are not
CONF_STATUS F, a restricted part) and becomes visible only when one SPARQL Update on the registry graph
records it as the dataset's current version: that update is the commit point. A failure before it leaves
graphs that nothing refers to; they are removed at once, or on the next start after a crash.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import random
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.errors import BadRequest, Conflict, Forbidden, InputFileError, PreconditionFailed, SubmissionRejected
from api.formats import submission_input
from api.formats.rdf.provenance import SubmissionFacts, datetime_literal, file_description, submission_description
from api.model.links import MAX_LINK_LENGTH, is_web_link
from api.model.report import ValidationReport
from api.model.submission import MAX_IDENTIFIER, InputLimits, ParsedFile, SubmissionMetadata, is_identifier
from api.services.admin import audit
from api.services.registry import Registry
from api.services.submissions import prepare as submission_prep
from api.services.submissions.progress import COMMITTING, LOADING, READING, VALIDATING, Progress, quiet
from api.store.oxigraph_store import OxigraphStore
from api.store.queries import fill_update, load_query
from api.validation.cell_checks import FORMULA_RULE, FORMULA_SHOWN, is_formula

XSD_INTEGER = NamedNode(vocab.XSD + "integer")
RDF_JSON = NamedNode(vocab.RDF + "JSON")

log = logging.getLogger("mpr")


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: str
    dataset_id: str
    version: int
    report: ValidationReport
    observations: int
    restricted: int
    graphs: tuple[str, ...] = field(default_factory=tuple)


def check_identifier(kind: str, value: str) -> None:
    if not is_identifier(value):
        raise InputFileError(
            f"{kind} '{value[:120]}' is not a valid SDMX identifier: use letters, digits, '_', '-', '@' or '$' only, "
            f"at most {MAX_IDENTIFIER} characters."
        )


def check_metadata(meta: SubmissionMetadata) -> None:
    """BadRequest for metadata that could act in a reader's software: a licence or original URL that is not an
    absolute http(s) IRI (it becomes a link in public pages and an IRI in RDF, so ``javascript:``, ``data:`` or
    ``file:`` values never get stored), or text a spreadsheet would run as a formula."""
    _check_text(meta)
    for name, value in (("licence", meta.licence), ("original_url", meta.original_url)):
        if value is not None and not is_web_link(value):
            raise BadRequest(f"{name}={value[:80]!r} is not a web address: give an absolute http:// or https:// "
                             f"IRI of at most {MAX_LINK_LENGTH} characters (e.g. licence="
                             "https://creativecommons.org/licenses/by/4.0/); other schemes such as javascript:, "
                             "data: or file: are refused.", details={"field": name})


def _check_text(meta: SubmissionMetadata) -> None:
    """BadRequest for a title, source, methodology or definition basis that a spreadsheet would run as a formula
    (the rule ``cell_checks`` applies to the file's text cells): the registry serves them back in its CSV."""
    fields = [("title", meta.title), *(("source", s) for s in meta.sources), ("methodology", meta.methodology),
              ("definition_basis", meta.definition_basis)]
    for name, text in fields:
        if text and is_formula(text):
            first = FORMULA_SHOWN.get(text[0], f"'{text[0]}'")
            raise BadRequest(f"{name}={text[:80]!r} starts with {first}: spreadsheet formula injection — a "
                             "spreadsheet opening the registry's CSV would run it as a formula; remove the leading "
                             "character or quote it (start the text with an apostrophe ').",
                             details={"field": name, "rule": FORMULA_RULE})


def read_file(registry: Registry, path: Path, progress: Progress = quiet) -> ParsedFile:
    """Parse a submission file in any accepted format within the settings' bounds (size, depth, value length,
    items): what ``mpr validate`` and ``mpr load`` read in process, and the upload worker reads for the server."""
    progress(READING, 0, None)
    parsed = submission_input.read_submission(path, InputLimits.from_settings(registry.settings))
    progress(READING, len(parsed.records), len(parsed.records))
    return parsed


def validate(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata | None = None,
             state: DatasetState | None = None, progress: Progress = quiet) -> ValidationReport:
    """Validate a parsed file (and, when given, its dataset description as the next version after ``state``,
    read when None) without storing anything."""
    dataset_triples = None
    if meta is not None:
        check_metadata(meta)
        facts = next_facts(registry, parsed, meta, state)
        dataset_triples = list(submission_description(meta, facts, registry.iris))
    progress(VALIDATING, 0, len(parsed.records))
    report = registry.validator.validate(
        parsed,
        dataset_triples=dataset_triples,
        submission_id="validation",
        base_iri=registry.settings.base_iri,
    )
    progress(VALIDATING, len(parsed.records), len(parsed.records))
    return report


@dataclass(frozen=True)
class DatasetState:
    """What a new version of a dataset builds on: its newest version (0 when none) and who owns it."""

    dataset_id: str
    version: int = 0
    submission_id: str | None = None
    generated: str | None = None
    owner: str | None = None

    @property
    def etag(self) -> str | None:
        """The entity tag of the dataset's newest version (RFC 9110 §8.8.3): its submission id, quoted."""
        return f'"{self.submission_id}"' if self.submission_id else None


def dataset_state(registry: Registry, dataset_id: str) -> DatasetState:
    rows = registry.store.select(
        load_query("registry/dataset-state"),
        {"dataset": NamedNode(registry.iris.dataset(dataset_id))},
        default_graphs=[registry.iris.registry_graph],
    )
    version = rows[0]["version"] if rows else None
    if version is None:
        return DatasetState(dataset_id)
    row = rows[0]
    return DatasetState(
        dataset_id, int(version.value),
        vocab.code_id_from_iri(row["submission"].value) if row["submission"] is not None else None,
        row["generated"].value if row["generated"] is not None else None,
        vocab.code_id_from_iri(row["agency"].value) if row["agency"] is not None else None)


ANY_VERSION = -1  # base_version of ``If-Match: *``: the dataset must exist; build on its newest version


def hidden_from(registry: Registry, state: DatasetState, agency_id: str) -> bool:
    """True when the dataset belongs to another agency and none of its versions is public: for ``agency_id`` it
    must look like an unused id (DESIGN §4: nothing public reveals an embargoed version)."""
    if state.owner is None or state.owner == agency_id:
        return False
    prefix = registry.iris.submission("")
    return not any(graph.startswith(prefix) and vocab.code_id_from_iri(graph).rsplit("-v", 1)[0] == state.dataset_id
                   for graph in registry.public_view().data_graphs)


def builds_on(registry: Registry, meta: SubmissionMetadata, base_version: int | None, *, dry_run: bool = False
              ) -> DatasetState:
    """The dataset state an upload builds on, checked (the one read of it before validation).

    A dataset of another agency with no public version looks unused to a dry run (its report is the one an unused
    id gets) and is refused to a real upload without naming its owner or versions. ``base_version`` is the
    version the client builds on (None: the newest; ``ANY_VERSION``: If-Match: *, the dataset must exist)."""
    state = dataset_state(registry, meta.dataset_id)
    hidden = hidden_from(registry, state, meta.agency_id)
    if hidden and dry_run:
        state = DatasetState(meta.dataset_id)
    if base_version == ANY_VERSION:
        if state.version == 0 or hidden:
            raise PreconditionFailed(f"If-Match: * but dataset {meta.dataset_id} has no version yet: send the upload "
                                     "without If-Match to create it.")
        base_version = state.version
    check_revision(state, meta.agency_id, base_version, hidden=hidden and not dry_run)
    return state


def check_revision(state: DatasetState, agency_id: str, base_version: int | None, found: DatasetState | None = None,
                   *, hidden: bool = False) -> None:
    """Forbidden when the dataset belongs to another agency (``hidden``: without saying which); Conflict when the
    upload does not build on the newest version (``base_version`` as the client said, or the newest version when
    validation began)."""
    if hidden:
        raise Forbidden(f"the dataset id {state.dataset_id} cannot be used for agency {agency_id}'s data: choose "
                        "another dataset id (e.g. one that starts with your agency's id).")
    if state.owner is not None and state.owner != agency_id:
        raise Forbidden(f"dataset {state.dataset_id} belongs to agency {state.owner}: only it can store new versions; "
                        "choose another dataset id for your agency's data.")
    current = found or state
    if base_version is None or base_version == current.version:
        return
    if current.version == 0:
        message = (f"dataset {state.dataset_id} has no version yet, but the upload builds on version {base_version}: "
                   "send it without base_version (or with base_version=0) to create version 1.")
    else:
        message = (f"dataset {state.dataset_id} is at version {current.version} now ({current.submission_id}, stored "
                   f"{current.generated} by {current.owner}) and your upload builds on version {base_version}: "
                   f"look at {current.submission_id} (GET /api/submissions/{current.submission_id}), then send your "
                   f"revision again with base_version={current.version} (or If-Match: {current.etag}).")
    raise Conflict(message, details={"dataset": state.dataset_id, "current_version": current.version,
                                     "current_submission": current.submission_id, "etag": current.etag,
                                     "base_version": base_version})


def next_facts(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata,
               state: DatasetState | None = None, started: datetime | None = None) -> SubmissionFacts:
    """The facts of the version ``parsed`` would become: the next number after ``state`` (read when None)."""
    state = state or dataset_state(registry, meta.dataset_id)
    version = state.version + 1
    generated = registry.now()
    if state.generated is not None:  # versions are ordered by their generation times too, strictly
        previous = datetime.fromisoformat(state.generated.replace("Z", "+00:00"))
        generated = max(generated, previous + timedelta(microseconds=1))
    return SubmissionFacts(
        submission_id=f"{meta.dataset_id}-v{version}", version=version, file_name=parsed.name,
        sha256=parsed.sha256, size=parsed.size, observations=len(parsed.records), generated=generated,
        started=started or registry.now(), previous_submission=state.submission_id)


def submit(registry: Registry, parsed: ParsedFile, meta: SubmissionMetadata, *, base_version: int | None = None,
           token_id: str | None = None, progress: Progress = quiet) -> SubmissionResult:
    """Validate, then store a submission as a new version of its dataset; refuse it whole on any Violation.

    ``base_version`` is the version the submitter builds on (None: the newest when validation begins); if
    another version was stored meanwhile, Conflict says which one to build on (RFC 9110 §15.5.10)."""
    state, facts = begin(registry, meta, base_version, parsed)
    with tempfile.TemporaryDirectory(prefix="mpr-submission-") as folder:
        prepared = submission_prep.prepare(registry.validator, parsed, meta, facts, registry.settings.base_iri,
                                           Path(folder), progress)
        return finish(registry, meta, state, facts, prepared, token_id, progress)


def submit_file(registry: Registry, path: Path, meta: SubmissionMetadata, *, base_version: int | None = None,
                token_id: str | None = None, progress: Progress = quiet) -> SubmissionResult:
    """:func:`submit` for a file on disk (``mpr load``): read, validated and written as N-Triples in the upload
    worker, as an upload over the web is, then bulk-loaded here. This process never holds the parsed table, and a
    large file's worker has exited (its memory freed) before the store's bulk load begins."""
    with path.open("rb") as handle:
        sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
    unread = ParsedFile(name=path.name, format="", records=[], sha256=sha256, size=path.stat().st_size)
    state, facts = begin(registry, meta, base_version, unread)
    with tempfile.TemporaryDirectory(prefix="mpr-submission-") as folder:
        prepared = registry.upload_worker.prepare(path, meta, facts, out=Path(folder),
                                                  limits=InputLimits.from_settings(registry.settings),
                                                  progress=progress)
        return finish(registry, meta, state, facts, prepared, token_id, progress)


def begin(registry: Registry, meta: SubmissionMetadata, base_version: int | None, file: ParsedFile, *,
          dry_run: bool = False) -> tuple[DatasetState, SubmissionFacts]:
    """Check the ids, the metadata and what the upload builds on (:func:`builds_on`); the facts of the version it
    would become. ``file`` gives the name, sha256 and size (its records may still be unread: a worker parses
    them)."""
    started = registry.now()
    check_identifier("dataset id", meta.dataset_id)
    check_identifier("agency id", meta.agency_id)
    check_metadata(meta)
    state = builds_on(registry, meta, base_version, dry_run=dry_run)
    return state, next_facts(registry, file, meta, state, started)


def finish(registry: Registry, meta: SubmissionMetadata, state: DatasetState, facts: SubmissionFacts,
           prepared: submission_prep.PreparedSubmission, token_id: str | None, progress: Progress = quiet,
           kept: Sequence[Triple] = ()) -> SubmissionResult:
    """Refuse a submission with violations; else load its files and commit, if nothing was stored meanwhile.
    ``kept``: more triples of the private report graph (the report's failing rows, ``failing_rows``)."""
    report = prepared.report
    if not report.conforms or prepared.public_file is None:
        raise SubmissionRejected(
            f"{facts.file_name}: {report.summary['Violation']} violation(s); nothing was stored. "
            "Fix them and submit again.",
            report,
        )
    facts = replace(facts, observations=prepared.observations)
    sub_iri = registry.iris.submission(facts.submission_id)
    graphs = StoredGraphs(sub_iri, submission_prep.restricted_graph(sub_iri) if prepared.restricted_file else None,
                          f"{sub_iri}/report")
    with registry.write_lock, write_claim(registry, meta, facts, state):  # validation ran unlocked; the commit alone
        check_revision(state, meta.agency_id, state.version, dataset_state(registry, meta.dataset_id))
        written: list[str] = []
        try:
            progress(LOADING, 0, prepared.observations)
            registry.store.load_new_graph_file(graphs.public, prepared.public_file)
            written.append(graphs.public)
            if graphs.restricted and prepared.restricted_file is not None:
                registry.store.load_new_graph_file(graphs.restricted, prepared.restricted_file)
                written.append(graphs.restricted)
            registry.store.load_new_graph(graphs.report, [report_triple(sub_iri, report),
                                                          *file_description(facts, registry.iris), *kept])
            written.append(graphs.report)
            progress(COMMITTING, prepared.observations, prepared.observations)
            _commit(registry, meta, facts, graphs, token_id, prepared.observations - prepared.restricted)
        except BaseException:
            for graph in written:
                registry.store.drop_graph(graph)
            raise
    _write_columns(registry, [(graphs.public, prepared.public_columns),
                              *([(graphs.restricted, prepared.restricted_columns)] if graphs.restricted else [])],
                   facts.generated)
    return SubmissionResult(
        submission_id=facts.submission_id,
        dataset_id=meta.dataset_id,
        version=facts.version,
        report=report,
        observations=prepared.observations,
        restricted=prepared.restricted,
        graphs=tuple(written),
    )


CLAIM_LIFETIME = timedelta(hours=2)  # a claim older than this was left by a crashed writer
CLAIM_ATTEMPTS = 3  # claims that met another one at the same instant are withdrawn and tried again this often
CLAIM_BACKOFF = (0.05, 0.25)  # seconds, times the attempt: a random pause, so two withdrawn claims do not meet again


@contextlib.contextmanager
def write_claim(registry: Registry, meta: SubmissionMetadata, facts: SubmissionFacts,
                state: DatasetState) -> Iterator[None]:
    """Hold the dataset's next version in the store while its graphs are loaded and committed: the lock that
    serialises writers in other processes and machines sharing the store (``write_lock`` serialises threads).
    Conflict (409) when another upload holds it or already stored that version.

    A claim counts only when it is the dataset's one live claim once stored (``dataset-claims.rq``): under
    snapshot isolation two claims can both be inserted, and each writer then sees the other's, withdraws its own
    and tries again after a random pause; the later one finds the winner's claim or version and gets the 409."""
    dataset = NamedNode(registry.iris.dataset(meta.dataset_id))
    claim = NamedNode(f"urn:mpr:claim:{uuid.uuid4().hex}")
    if not _take_claim(registry, dataset, claim, Literal(str(facts.version), datatype=XSD_INTEGER)):
        check_revision(state, meta.agency_id, state.version, dataset_state(registry, meta.dataset_id))
        raise Conflict(f"dataset {meta.dataset_id} is being written by another upload, or got version "
                       f"{facts.version} from one first: look at GET /api/datasets/{meta.dataset_id}/versions, then "
                       "submit again.", details={"dataset": meta.dataset_id, "version": facts.version})
    try:
        yield
    finally:
        _release_claim(registry, claim)


def _take_claim(registry: Registry, dataset: NamedNode, claim: NamedNode, version: Literal) -> bool:
    """Insert ``claim`` (claim.rq) and keep it if it is alone; withdraw it and try again when it met another."""
    for attempt in range(1, CLAIM_ATTEMPTS + 1):
        now = registry.now()
        registry.store.update(fill_update(
            "registry/claim", registry=NamedNode(registry.iris.registry_graph), dataset=dataset, claim=claim,
            now=datetime_literal(now, exact=True), staleBefore=datetime_literal(now - CLAIM_LIFETIME, exact=True),
            version=version))
        stored, others = _claims_seen(registry, dataset, claim, now - CLAIM_LIFETIME)
        if not stored:  # another live claim or a stored version of this number or later
            return False
        if not others:
            return True
        _release_claim(registry, claim)
        if attempt < CLAIM_ATTEMPTS:
            time.sleep(random.uniform(*CLAIM_BACKOFF) * attempt)
    return False


def _claims_seen(registry: Registry, dataset: NamedNode, claim: NamedNode,
                 stale_before: datetime) -> tuple[bool, bool]:
    """Whether ``claim`` is stored, and whether another claim on ``dataset`` made after ``stale_before`` is."""
    rows = registry.store.select(load_query("registry/dataset-claims"), {"dataset": dataset},
                                 default_graphs=[registry.iris.registry_graph])
    others = [row for row in rows if row["claim"] != claim and _after(row["at"], stale_before)]
    return any(row["claim"] == claim for row in rows), bool(others)


def _after(term: object, moment: datetime) -> bool:
    """Whether the xsd:dateTime ``term`` is later than ``moment`` (a claim with no readable time counts as live)."""
    if not isinstance(term, Literal):
        return True
    try:
        return datetime.fromisoformat(term.value.replace("Z", "+00:00")) > moment
    except ValueError:
        return True


def _release_claim(registry: Registry, claim: NamedNode) -> None:
    registry.store.update(fill_update("registry/release-claim", registry=NamedNode(registry.iris.registry_graph),
                                      claim=claim))


def _write_columns(registry: Registry, graphs: list[tuple[str, Path | None]], generated: datetime) -> None:
    """The column files of the graphs just stored (DESIGN §6): those written from the validated table, else read
    from the store; a failure only leaves them to be rebuilt. The table's values are those the embedded store gives
    back (canonical literals); another store may give other forms, so its files are read from it, as reindex does."""
    from_table = isinstance(registry.store, OxigraphStore)
    for graph, written in graphs:
        try:
            if written is not None and from_table:
                registry.read_model.adopt(graph, generated, written)
            else:
                registry.read_model.store_graph(graph, generated)
        except OSError as exc:
            log.warning("column file of %s not written (%s); it is rebuilt from the store when first read",
                        graph, exc)


@dataclass(frozen=True)
class StoredGraphs:
    """The named graphs of one submission: public part, confidential part (if any), and the private record
    (the validation report and the uploaded file's name, hash and size) for its agency and administrators."""

    public: str
    restricted: str | None
    report: str


def report_triple(submission_iri: str, report: ValidationReport) -> Triple:
    """The validation report as one rdf:JSON literal (RDF 1.1 JSON-LD §10.2) in the submission's report graph."""
    return Triple(NamedNode(submission_iri), NamedNode(vocab.MP + "validationReport"),
                  Literal(json.dumps(report.to_dict(), ensure_ascii=False, separators=(",", ":")),
                          datatype=RDF_JSON))


def _commit(registry: Registry, meta: SubmissionMetadata, facts: SubmissionFacts, graphs: StoredGraphs,
            token_id: str | None, public_count: int) -> None:
    """One SPARQL Update on the registry and audit graphs: record the version, make it current, log who did
    it (the commit point). The registry graph keeps both counts: every public count and listing reads
    ``mp:publicObservationCount``, so none counts a confidential cell (DESIGN §4). It inserts nothing when the
    dataset already has this version (another writer won), which the read after it turns into Conflict."""
    sub = NamedNode(registry.iris.submission(facts.submission_id))
    dataset = NamedNode(registry.iris.dataset(meta.dataset_id))
    agency = NamedNode(registry.iris.agency(meta.agency_id))
    mp = vocab.MP
    triples = [
        Triple(sub, NamedNode(vocab.RDF + "type"), NamedNode(mp + "Submission")),
        Triple(sub, NamedNode(vocab.DCT + "isVersionOf"), dataset),
        Triple(sub, NamedNode(mp + "version"), Literal(str(facts.version), datatype=XSD_INTEGER)),
        Triple(sub, NamedNode(mp + "status"), NamedNode(mp + "Published")),
        Triple(sub, NamedNode(mp + "publicGraph"), NamedNode(graphs.public)),
        Triple(sub, NamedNode(mp + "reportGraph"), NamedNode(graphs.report)),
        Triple(sub, NamedNode(mp + "observationCount"), Literal(str(facts.observations), datatype=XSD_INTEGER)),
        Triple(sub, NamedNode(mp + "publicObservationCount"), Literal(str(public_count), datatype=XSD_INTEGER)),
        Triple(sub, NamedNode(vocab.PROV + "generatedAtTime"), datetime_literal(facts.generated, exact=True)),
        Triple(sub, NamedNode(vocab.PROV + "wasAttributedTo"), agency),
        Triple(dataset, NamedNode(vocab.RDF + "type"), NamedNode(vocab.DCAT + "DatasetSeries")),
        Triple(dataset, NamedNode(vocab.DCT + "title"), Literal(meta.title or meta.dataset_id, language="en")),
        Triple(dataset, NamedNode(vocab.DCT + "identifier"), Literal(meta.dataset_id)),
        Triple(dataset, NamedNode(mp + "currentVersion"), sub),
    ]
    if graphs.restricted:
        triples.append(Triple(sub, NamedNode(mp + "restrictedGraph"), NamedNode(graphs.restricted)))
    if meta.release:
        triples.append(Triple(sub, NamedNode(mp + "releaseDate"), datetime_literal(meta.release)))
    logged = audit.upload_activity(registry.iris, facts.submission_id, meta.agency_id, token_id,
                                   facts.started, registry.now(), facts.sha256)
    registry.store.update(fill_update(
        "registry/commit", registry=NamedNode(registry.iris.registry_graph),
        audit=NamedNode(registry.iris.audit_graph), dataset=dataset,
        version=Literal(str(facts.version), datatype=XSD_INTEGER), record=triples, activity=logged))
    if not registry.store.ask(load_query("registry/recorded"), {"submission": sub, "report": NamedNode(graphs.report)},
                              default_graphs=[registry.iris.registry_graph]):
        check_revision(DatasetState(meta.dataset_id), meta.agency_id, facts.version - 1,
                       dataset_state(registry, meta.dataset_id))
        raise Conflict(f"dataset {meta.dataset_id} got version {facts.version} from another upload first: "
                       "submit again.", details={"dataset": meta.dataset_id})
