"""SHACL results and check findings -> Problems a statistician can act on (DESIGN §5).

Each Problem names the row (the observation's ``mp:sourceRow``), the column (the SDMX component id
of the result path), the value as it was written (a code id, not an IRI), a short stable rule id and
a sentence. The messages are written here, not in the shapes: the shapes only say which constraint
failed; the report knows the cell, the indicator and the code list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pyoxigraph
import rdflib

from api import vocab
from api.model.sdmx_period import period_problem
from api.model.submission import Problem
from api.validation.engine import SH, ShaclResult

MPS = "https://w3id.org/migration-profile/shape/"
_SH = rdflib.Namespace(SH)
_COLUMN_OF_PATH = {vocab.prop(cid): cid for cid in vocab.COMPONENT_PROPERTIES}
_COMPONENT_RULES = {
    "MinCountConstraintComponent": "cardinality",
    "MaxCountConstraintComponent": "cardinality",
    "InConstraintComponent": "code-list",
    "DatatypeConstraintComponent": "datatype",
    "NodeKindConstraintComponent": "datatype",
    "MinInclusiveConstraintComponent": "range",
    "MaxInclusiveConstraintComponent": "range",
    "ClosedConstraintComponent": "closed",
}
_ANNOTATED = {"OrConstraintComponent", "NotConstraintComponent", "HasValueConstraintComponent"}
_LIST_LIMIT = 20
_CODE_PHRASES = {
    "REF_AREA": "an area code", "COUNTERPART_AREA": "an area code", "INDICATOR": "an indicator of the catalogue",
    "FREQ": "a frequency code", "SEX": "a sex code", "AGE": "an age group code",
    "MIGRATION_STATUS": "a migration status code", "UNIT_MEASURE": "a unit code", "UNIT_MULT": "a unit multiplier",
    "OBS_STATUS": "an observation status code", "CONF_STATUS": "a confidentiality status code",
}


@dataclass(frozen=True)
class ObservationInfo:
    """What the report needs of one observation: its input row and its cells as written."""

    row: int | None
    cells: Mapping[str, str]


@dataclass(frozen=True)
class ShapeInfo:
    """The parameters of one shape that messages quote."""

    rule: str | None = None
    name: str | None = None
    min_inclusive: str | None = None
    max_inclusive: str | None = None
    min_count: int | None = None
    max_count: int | None = None
    has_value: str | None = None
    in_values: tuple[str, ...] = ()
    indicator: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class ReportContext:
    """Shape parameters and ontology labels, built once per Validator."""

    shapes: Mapping[str, ShapeInfo]
    code_list_ids: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    threshold: int = 5


def shape_infos(shapes: rdflib.Graph) -> dict[str, ShapeInfo]:
    """ShapeInfo of every IRI-named shape of a shapes graph."""
    rule_p = rdflib.URIRef(MPS + "rule")
    indicator_p = rdflib.URIRef(MPS + "indicator")
    owner_indicator: dict[str, str] = {}
    for node, ind in shapes.subject_objects(indicator_p):
        for prop in shapes.objects(node, _SH.property):
            owner_indicator[str(prop)] = str(ind)
    infos: dict[str, ShapeInfo] = {}
    subjects = {s for s in shapes.subjects() if isinstance(s, rdflib.URIRef)}
    for s in subjects:
        def one(p: rdflib.URIRef, s: rdflib.URIRef = s) -> str | None:
            value = shapes.value(s, p)
            return None if value is None else str(value)

        in_list = shapes.value(s, _SH["in"])
        in_values = tuple(str(v) for v in rdflib.collection.Collection(shapes, in_list)) if in_list else ()
        min_count, max_count = one(_SH.minCount), one(_SH.maxCount)
        infos[str(s)] = ShapeInfo(
            rule=one(rule_p),
            name=one(_SH.name),
            min_inclusive=one(_SH.minInclusive),
            max_inclusive=one(_SH.maxInclusive),
            min_count=int(min_count) if min_count is not None else None,
            max_count=int(max_count) if max_count is not None else None,
            has_value=one(_SH.hasValue),
            in_values=in_values,
            indicator=one(indicator_p) or owner_indicator.get(str(s)),
            message=one(_SH.message),
        )
    return infos


def _local(iri: str) -> str:
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _value_text(value: str | None) -> str | None:
    """The value node as the statistician wrote it: a code id for a code IRI, a literal's lexical form."""
    if value is None:
        return None
    try:
        term = next(pyoxigraph.parse(f"<urn:s> <urn:p> {value} .", format=pyoxigraph.RdfFormat.N_TRIPLES)).object
    except (SyntaxError, StopIteration):
        return value
    if isinstance(term, pyoxigraph.NamedNode) and term.value.startswith((vocab.CODE, vocab.INDICATOR)):
        return vocab.code_id_from_iri(term.value)
    return str(getattr(term, "value", value))


def _number(text: str | None) -> str:
    """'100.0' -> '100', '5' -> '5' (bounds as a person would write them)."""
    if text is None:
        return ""
    return text[:-2] if text.endswith(".0") else text


def _metadata_message(component: str, name: str, shown: str, info: ShapeInfo) -> str:
    """The sentence for a shape of the dataset description (DCAT/PROV metadata) that is not met."""
    if component == "MinCountConstraintComponent":
        return f"the dataset description has no {name}; add it"
    if component == "MaxCountConstraintComponent":
        return f"the dataset description has more than one {name}; give exactly one"
    if component == "HasValueConstraintComponent":
        return f"the dataset description's {name} must be {_local(info.has_value or '')}"
    return f"the dataset description's {name} {shown} is not of the expected kind"


def _datatype_message(head: str, column: str | None, value: str | None, shown: str) -> str:
    """The sentence for a value that is not of its component's datatype."""
    if column == "TIME_PERIOD":
        return time_period_message(head, value)
    if column == "DECIMALS":
        return f"{head}: {shown} is not a whole number"
    if column == "OBS_VALUE":
        return f"{head}: {shown} is not a number (write digits, a dot for decimals, no thousands separator)"
    return f"{head}: {shown} is not of the expected type"


def _range_message(head: str, component: str, value: str | None, info: ShapeInfo, scope: str | None,
                   *, usual: bool = False) -> str:
    """The sentence for a value outside its range (the indicator's, or its component's), or outside the
    usual range of a legitimate value (a Warning that quotes why such a value can be right)."""
    which = "usual " if usual else ""
    if component == "MaxInclusiveConstraintComponent":
        text = f"{head}: {value} is above {_number(info.max_inclusive)}, the {which}maximum for {scope}"
    else:
        text = f"{head}: {value} is below {_number(info.min_inclusive)}, the {which}minimum for {scope}"
    return f"{text}; published with this warning: {info.message}" if usual and info.message else text


class _Writer:
    """Writes the sentence of one result."""

    def __init__(self, context: ReportContext) -> None:
        self.c = context

    def message(self, rule: str, component: str, r: ShaclResult, where: str, column: str | None,
                value: str | None, info: ShapeInfo, indicator: str | None) -> str:
        c = self.c
        shown = f"'{value}'" if value not in (None, "") else "the empty value"
        ind = f"indicator {indicator}" if indicator else "the indicator"
        label = (c.labels.get(vocab.prop(column), column) if column in vocab.COMPONENT_PROPERTIES
                 else column or "").lower()
        if rule == "dataset-metadata":
            return _metadata_message(component, info.name or _local(r.path or ""), shown, info)
        if rule == "closed":
            return (f"{where}: property <{r.path}> ({column}) is not part of the MIGRATION_PROFILE structure; "
                    "the registry accepts aggregates only, so remove it")
        head = f"{where}, {column}"
        if rule == "cardinality":
            return (f"{head}: a value is required" if component == "MinCountConstraintComponent"
                    else f"{head}: give at most {info.max_count} value(s)")
        if rule == "code-list":
            list_id = c.code_list_ids.get(column or "", "")
            named = f" (code list {list_id})" if list_id.startswith("CL_") else ""
            listed = len(info.in_values) <= _LIST_LIMIT  # a long list is never written out, nor its codes read
            allowed = f"; allowed: {', '.join(vocab.code_id_from_iri(v) for v in info.in_values)}" if listed else ""
            listing = (f"`mpr codes {column}` lists them" if column in vocab.CODE_LISTS
                       else "`mpr indicators` lists them")
            return (f"{head}: {shown} is not {_CODE_PHRASES.get(column or '', 'a known code')}{named}"
                    f"{allowed or f'; {listing}'}")
        if rule == "datatype":
            return _datatype_message(head, column, value, shown)
        if rule in ("range", "usual-range"):
            unit = self._unit(indicator)
            scope = f"{ind}{f' ({unit})' if unit else ''}" if column == "OBS_VALUE" else column
            return _range_message(head, component, value, info, scope, usual=rule == "usual-range")
        if rule == "indicator-unit":
            unit = vocab.code_id_from_iri(info.has_value or "")
            return (f"{head}: {shown} is not the unit of {ind}; it is measured in {unit} "
                    f"({c.labels.get(info.has_value or '', unit)})")
        if rule == "not-applicable-dimension":
            return f"{head}: {ind} is not broken down by {label}, so {column} must be _Z"
        if rule == "breakdown-total":
            return (f"{head}: {ind} is broken down by {label}, so {column} cannot be _Z (not applicable); "
                    "use _T for a total")
        if rule == "missing-value-status":
            return (f"{head}: the value is empty; an empty value needs an OBS_STATUS that explains it "
                    "(O missing, M cannot exist, L not collected, Q suppressed)")
        if rule == "disclosure":
            unit = self._unit(indicator).lower()
            amount = f"{value} {unit}" if unit.endswith("s") else f"{value}"
            return (f"{head}: {amount} is below the disclosure threshold of {c.threshold}: leave OBS_VALUE empty, "
                    "set CONF_STATUS C and OBS_STATUS Q (a count this small could identify people; the row is kept "
                    "confidential, never published)")
        return f"{head}: {shown} breaks the rule {rule}"

    def _unit(self, indicator: str | None) -> str:
        """The English label of the indicator's unit, from its generated unit shape."""
        if not indicator:
            return ""
        unit_shape = self.c.shapes.get(f"{MPS}indicator-{indicator}-UNIT_MEASURE")
        if unit_shape is None or unit_shape.has_value is None:
            return ""
        return self.c.labels.get(unit_shape.has_value, vocab.code_id_from_iri(unit_shape.has_value))


def time_period_message(head: str, value: str | None) -> str:
    """The sentence for a TIME_PERIOD the registry refuses, from the parser every reader uses (the TIME_PERIOD
    shape and the period check of the validator both write it, so that the two give one problem)."""
    reason = period_problem(value or "")
    if reason is None:  # a period, but typed with another kind's datatype (RDF uploads)
        return (f"{head}: '{value}' does not match its datatype: years are xsd:gYear, months xsd:gYearMonth, "
                "days xsd:date, and quarters, halves and weeks mp:sdmxTimePeriod")
    return f"{head}: {reason}"


def problems_from_results(
    results: Iterable[ShaclResult],
    observations: Mapping[str, ObservationInfo],
    context: ReportContext,
) -> list[Problem]:
    """One Problem per SHACL result (redundant ones removed, see :func:`drop_redundant`)."""
    writer = _Writer(context)
    problems: list[Problem] = []
    for r in results:
        info = context.shapes.get(r.source_shape, ShapeInfo())
        component = _local(r.component)
        if info.rule in ("dataset-metadata", "usual-range") or (component in _ANNOTATED and info.rule):
            rule = info.rule or "shape"
        else:
            rule = _COMPONENT_RULES.get(component, info.rule or "shape")
        obs = observations.get(r.focus)
        if r.path is not None and r.path in _COLUMN_OF_PATH:
            column: str | None = _COLUMN_OF_PATH[r.path]
        elif rule == "closed" and r.path is not None:
            column = _local(r.path)
        else:
            column = info.name
        if obs is not None and column is not None and column in obs.cells and rule != "closed":
            value: str | None = obs.cells[column].strip() or None
        else:
            value = _value_text(r.value)
        row = obs.row if obs is not None else None
        where = f"row {row}" if row is not None else f"observation <{r.focus}>"
        indicator = (obs.cells.get("INDICATOR", "").strip() if obs is not None else "") or (
            vocab.code_id_from_iri(info.indicator) if info.indicator else None)
        message = writer.message(rule, component, r, where, column, value, info, indicator)
        problems.append(Problem(
            severity=_local(r.severity),
            rule=rule,
            message=message,
            row=row,
            column=column,
            value=value,
            focus=r.focus,
        ))
    return drop_redundant(problems)


def drop_redundant(problems: list[Problem]) -> list[Problem]:
    """One problem per cell where one cause explains the others.

    A value that is not a number also fails its range and the disclosure rule; a missing value also
    fails the indicator's unit: keep only the datatype or cardinality problem of that cell.
    """
    primary = {(p.focus, p.column) for p in problems if p.rule in ("datatype", "cardinality")}
    return [
        p for p in problems
        if p.rule in ("datatype", "cardinality", "closed", "dataset-metadata") or (p.focus, p.column) not in primary
    ]


def sort_problems(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in row order (file-level ones first), then severity, column and rule."""
    return sorted(problems, key=lambda p: (*p.sort_key(), p.message))
