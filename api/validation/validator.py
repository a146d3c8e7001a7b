"""The validation pipeline: records -> RDF -> SHACL -> set-based checks -> one report (DESIGN §5).

A Validator is built once (shapes parsed, ontology facts read) and validates many submissions. The
SHACL engine is pyshacl up to ``pyshacl_max_observations`` observations and the SPARQL compilation
of the same shapes above it ("auto"), or the one named. Each observation is typed with its
indicator's class ``<indicator/{ID}#Observation>`` in the validation data only (never stored), which
is how the generated per-indicator shapes target it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store, Triple

from api import vocab
from api.config import Settings
from api.errors import TooLarge
from api.formats.rdf.cube import records_to_triples
from api.formats.rdf.cube_table import TermTable, term_table
from api.formats.tabular.table import ObservationTable
from api.model.report import ValidationReport
from api.model.submission import ParsedFile, Problem, row_number
from api.validation import columnar_checks
from api.validation.cell_checks import formula_cells, period_cells
from api.validation.checks import checks_on, mark_counts, run_checks
from api.validation.columnar_checks import observation_infos
from api.validation.columnar_engine import ColumnarEngine
from api.validation.engine import ShaclResult, ShapeEngine, oxi_text
from api.validation.pyshacl_engine import PyshaclEngine
from api.validation.report import (
    MPS,
    ObservationInfo,
    ReportContext,
    problems_from_results,
    shape_infos,
    sort_problems,
)
from api.validation.review import review
from api.validation.shape_generator import CODED_COMPONENTS, indicator_class, read_ontology
from api.validation.sparql_engine import SparqlEngine
from api.validation.suggestions import CodeIndex

ENGINES = ("pyshacl", "sparql", "columnar", "auto")
# Formats read as one row per observation (the CSV template, SDMX-CSV, SDMX-ML): the columnar engine's input.
RDF_FORMATS = frozenset({"turtle", "json_ld", "n_triples", "n_quads", "trig", "rdf_xml", "n3"})
RDF_TYPE = NamedNode(vocab.RDF + "type")
QB_OBSERVATION = NamedNode(vocab.QB + "Observation")
MP_INDICATOR = NamedNode(vocab.MP + "indicator")
MP_SOURCE_ROW = NamedNode(vocab.MP + "sourceRow")
_LABELS = (vocab.SKOS + "prefLabel", vocab.RDFS + "label")
_COMPONENT_OF = {vocab.prop(cid): cid for cid in vocab.COMPONENT_PROPERTIES}
_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}


def load_shapes(shapes_dir: Path, disclosure_threshold: int = 5) -> rdflib.Graph:
    """Every ``*.ttl`` of the shapes folder in one graph, with the disclosure threshold set."""
    shapes = rdflib.Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    above = rdflib.URIRef(MPS + "DisclosureAbove")
    if (above, None, None) in shapes:
        shapes.set((above, rdflib.SH.minInclusive, rdflib.Literal(disclosure_threshold)))
    return shapes


class OntologyFacts:
    """Labels, code-list ids and count indicators read from the ontology's triples."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        labels: dict[str, dict[str, str]] = {}
        notations: dict[str, str] = {}
        code_lists: dict[str, str] = {}
        counts: set[str] = set()
        for t in triples:
            if not isinstance(t.subject, NamedNode):
                continue
            s, p, o = t.subject.value, t.predicate.value, t.object
            if p in _LABELS and isinstance(o, Literal) and o.language in (None, "en"):
                labels.setdefault(s, {}).setdefault(p, o.value)
            elif p == vocab.SKOS + "notation" and isinstance(o, Literal):
                notations.setdefault(s, o.value)
            elif p == vocab.QB + "codeList" and isinstance(o, NamedNode):
                code_lists[s] = o.value
            elif p == vocab.MP + "isCount" and isinstance(o, Literal) and o.value in ("true", "1"):
                counts.add(s)
        self.labels = {s: by.get(_LABELS[0]) or by[_LABELS[1]] for s, by in labels.items()}
        self.code_list_ids = {
            c: notations.get(code_lists.get(vocab.prop(c), ""), "the indicator catalogue" if c == "INDICATOR"
                             else "its code list")
            for c in CODED_COMPONENTS
        }
        self.count_indicators = frozenset(counts)


def _cell(component_id: str, term: object) -> str:
    if isinstance(term, NamedNode) and component_id in _CODED:
        return vocab.code_id_from_iri(term.value)
    return str(getattr(term, "value", term))


def _focus(term: object) -> str:
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode | Literal):
        return oxi_text(term)
    return str(term)


class Validator:
    """Validates parsed submissions (or RDF cubes) against the shapes and the set-based checks."""

    def __init__(
        self,
        ontology: Path | Iterable[Triple],
        shapes_dir: Path,
        *,
        disclosure_threshold: int = 5,
        engine: str = "auto",
        pyshacl_max_observations: int = 2_000,
        rdf_max_observations: int | None = None,
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}; use one of {', '.join(ENGINES)}")
        triples = read_ontology(ontology) if isinstance(ontology, Path) else list(ontology)
        self.facts = OntologyFacts(triples)
        self.codes = CodeIndex(triples)
        self.shapes = load_shapes(shapes_dir, disclosure_threshold)
        self.engine = engine
        self.pyshacl_max_observations = pyshacl_max_observations
        self.context = ReportContext(
            shapes=shape_infos(self.shapes),
            code_list_ids=self.facts.code_list_ids,
            labels=self.facts.labels,
            threshold=disclosure_threshold,
        )
        self.rdf_max_observations = rdf_max_observations
        self._pyshacl = PyshaclEngine()
        self._sparql = SparqlEngine()
        self._columnar = ColumnarEngine()

    @classmethod
    def from_settings(cls, settings: Settings) -> Validator:
        return cls(
            settings.ontology_dir,
            settings.shapes_dir,
            disclosure_threshold=settings.disclosure_threshold,
            engine=settings.shacl_engine,
            pyshacl_max_observations=settings.pyshacl_max_observations,
            rdf_max_observations=settings.rdf_max_observations,
        )

    def uses_table(self, parsed: ParsedFile) -> bool:
        """Whether ``parsed`` is validated by the columnar engine: tabular input with engine auto, or forced."""
        return self.engine == "columnar" or (self.engine == "auto" and parsed.format not in RDF_FORMATS)

    def engine_for(self, observations: int) -> ShapeEngine:
        """pyshacl or the SPARQL engine, by setting and size."""
        if self.engine == "pyshacl" or (self.engine == "auto" and observations <= self.pyshacl_max_observations):
            return self._pyshacl
        return self._sparql

    def validate(
        self,
        parsed: ParsedFile,
        dataset_triples: Iterable[Triple] | None = None,
        submission_id: str = "validation",
        base_iri: str = "http://127.0.0.1:8000",
    ) -> ValidationReport:
        """Validate a parsed file (its parse problems included) and, when given, its dataset description."""
        if self.uses_table(parsed):
            return self.validate_table(parsed, dataset_triples, submission_id, base_iri)[0]
        return self.validate_cube(parsed, dataset_triples, submission_id, base_iri)[0]

    def validate_table(
        self,
        parsed: ParsedFile,
        dataset_triples: Iterable[Triple] | None = None,
        submission_id: str = "validation",
        base_iri: str = "http://127.0.0.1:8000",
    ) -> tuple[ValidationReport, TermTable]:
        """The columnar engine: the file as a table of terms, the shapes and checks as column expressions; also
        returns the validated table, from which the store's triples and the column file are written."""
        table = ObservationTable.from_records(parsed.records)
        terms = term_table(table, vocab.InstanceIris(base_iri), submission_id)
        results, indexes = self._columnar.validate_table(terms, self.shapes)
        description = list(dataset_triples or ())
        other_shapes = self._columnar.compiled(self.shapes).other_shapes
        if description and other_shapes is not None:
            results.extend(self._sparql.validate(description, other_shapes))
        observations = observation_infos(terms, table.components, indexes)
        problems = list(dict.fromkeys([
            *parsed.problems,
            *columnar_checks.formula_cells(terms, table.components),
            *columnar_checks.period_cells(terms),
            *problems_from_results(results, observations, self.context),
            *columnar_checks.table_checks(terms, self.facts.count_indicators),
        ]))
        report = review(ValidationReport(file=parsed.name, observations=len(table),
                                         results=tuple(sort_problems(problems))), self.codes)
        return report, terms

    def validate_cube(
        self,
        parsed: ParsedFile,
        dataset_triples: Iterable[Triple] | None = None,
        submission_id: str = "validation",
        base_iri: str = "http://127.0.0.1:8000",
    ) -> tuple[ValidationReport, list[Triple], dict[str, ObservationInfo]]:
        """As :meth:`validate`, also returning the cube it validated, so that ingest stores it without rebuilding."""
        triples, observations = cube(parsed, submission_id, base_iri)
        report = self._run(parsed.name, triples, list(dataset_triples or ()), observations, parsed.problems)
        return report, triples, observations

    def validate_graph(self, triples: Iterable[Triple], name: str) -> ValidationReport:
        """Validate RDF that is already a cube (Turtle / JSON-LD submissions); rows come from mp:sourceRow."""
        data = list(triples)
        return self._run(name, data, [], observations_of_graph(data), ())

    def _run(
        self,
        name: str,
        triples: list[Triple],
        dataset_triples: list[Triple],
        observations: Mapping[str, ObservationInfo],
        parse_problems: Sequence[Problem],
    ) -> ValidationReport:
        if self.rdf_max_observations is not None and len(observations) > self.rdf_max_observations:
            raise TooLarge(
                f"{name}: {len(observations):,} observations in RDF; RDF submissions are validated as a graph, up "
                f"to {self.rdf_max_observations:,} observations (MPR_RDF_MAX_OBSERVATIONS). Send larger "
                "submissions as the CSV template, SDMX-CSV or SDMX-ML, which are validated column by column.")
        engine = self.engine_for(len(observations))
        if engine is self._sparql:
            results, checked = self._shapes_and_checks(shacl_data(triples, dataset_triples), observations)
        else:
            results = engine.validate(shacl_data(triples, dataset_triples), self.shapes)
            checked = run_checks(triples, observations, self.facts.count_indicators)
        # The TIME_PERIOD shape and the period check write the same problem for a cell both refuse: kept once.
        problems = list(dict.fromkeys([
            *parse_problems,
            *formula_cells(observations),
            *period_cells(observations),
            *problems_from_results(results, observations, self.context),
            *checked,
        ]))
        return review(ValidationReport(file=name, observations=len(observations),
                                       results=tuple(sort_problems(problems))), self.codes)

    def _shapes_and_checks(self, data: list[Triple], observations: Mapping[str, ObservationInfo]
                           ) -> tuple[list[ShaclResult], list[Problem]]:
        """Large files: one in-memory store for the compiled shapes and the set-based checks, the two queried
        at once (pyoxigraph evaluates queries without the GIL): about half the time of one after the other."""
        store = Store()
        store.bulk_extend(Quad(t.subject, t.predicate, t.object) for t in data)
        mark_counts(store, self.facts.count_indicators)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate-checks") as pool:
            checked = pool.submit(checks_on, store, observations)
            results = self._sparql.validate_store(store, self.shapes)
            return results, checked.result()


def cube(parsed: ParsedFile, submission_id: str, base_iri: str) -> tuple[list[Triple], dict[str, ObservationInfo]]:
    """The observations of a parsed file as RDF, and each observation's row and cells by focus IRI."""
    triples = list(records_to_triples(parsed.records, vocab.InstanceIris(base_iri), submission_id))
    observations: dict[str, ObservationInfo] = {}
    records = iter(parsed.records)
    for t in triples:
        if t.predicate == RDF_TYPE and t.object == QB_OBSERVATION:
            record = next(records)
            observations[_focus(t.subject)] = ObservationInfo(record.row, record.cells)
    return triples, observations


def observations_of_graph(triples: Sequence[Triple]) -> dict[str, ObservationInfo]:
    """Row (mp:sourceRow, if any) and cells of each qb:Observation of an RDF cube."""
    subjects = {t.subject for t in triples if t.predicate == RDF_TYPE and t.object == QB_OBSERVATION}
    cells: dict[str, dict[str, str]] = {_focus(s): {} for s in subjects}
    rows: dict[str, int] = {}
    for t in triples:
        if t.subject not in subjects:
            continue
        focus = _focus(t.subject)
        component = _COMPONENT_OF.get(t.predicate.value)
        if component is not None:
            cells[focus][component] = _cell(component, t.object)
        elif t.predicate == MP_SOURCE_ROW and isinstance(t.object, Literal) and (
                number := row_number(t.object.value)) is not None:
            rows[focus] = number
    return {f: ObservationInfo(rows.get(f), c) for f, c in cells.items()}


def shacl_data(triples: Sequence[Triple], dataset_triples: Sequence[Triple] = ()) -> list[Triple]:
    """The SHACL data graph: the cube, its description, and each observation typed with its indicator's class."""
    typed = [
        Triple(t.subject, RDF_TYPE, NamedNode(indicator_class(t.object.value)))
        for t in triples
        if t.predicate == MP_INDICATOR and isinstance(t.object, NamedNode)
    ]
    return [*triples, *dataset_triples, *typed]
