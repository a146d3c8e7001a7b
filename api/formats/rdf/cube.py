"""Observation records -> RDF Data Cube triples (DESIGN §4; W3C vocab-data-cube §6, §7).

Each observation gets: rdf:type qb:Observation, qb:dataSet, one value per dimension, the measure,
its attributes, ``mp:seriesKey`` (the SDMX series key, so key lookups do not depend on store size)
and ``mp:sourceRow`` (the 1-based line of the input file it came from).
Values are converted, never silently dropped: an unparseable number becomes a plain literal so that
the datatype shape reports it with its row and column.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab
from api.model.sdmx_period import period_kind
from api.model.structure import ATTRIBUTES, DIMENSIONS, MEASURE, series_key
from api.model.submission import ObservationRecord

XSD_DECIMAL = NamedNode(vocab.XSD + "decimal")
XSD_INTEGER = NamedNode(vocab.XSD + "integer")
XSD_GYEAR = NamedNode(vocab.XSD + "gYear")
XSD_GYEARMONTH = NamedNode(vocab.XSD + "gYearMonth")
XSD_DATE = NamedNode(vocab.XSD + "date")
SDMX_PERIOD = NamedNode(vocab.MP + "sdmxTimePeriod")
RDF_TYPE = NamedNode(vocab.RDF + "type")
QB_OBSERVATION = NamedNode(vocab.QB + "Observation")
QB_DATASET_PROP = NamedNode(vocab.QB + "dataSet")
MP_SERIES_KEY = NamedNode(vocab.MP + "seriesKey")
MP_SOURCE_ROW = NamedNode(vocab.MP + "sourceRow")

PROPS = {cid: NamedNode(vocab.prop(cid)) for cid in vocab.COMPONENT_PROPERTIES}
_CODED = set(vocab.CODE_LISTS) | {"INDICATOR"}

MAX_FRACTION_DIGITS = 18

_PERIOD_TYPES = {"year": XSD_GYEAR, "month": XSD_GYEARMONTH, "day": XSD_DATE, "other": SDMX_PERIOD}


def time_period_literal(text: str) -> Literal:
    """SDMX time period -> a typed literal that sorts correctly within its frequency.

    Years are xsd:gYear, months xsd:gYearMonth, days xsd:date; quarters, halves and weeks keep
    the SDMX form typed mp:sdmxTimePeriod (the forms are the period model's, api/model/sdmx_period.py).
    Anything else stays a plain string. The typing looks at the form only: the TIME_PERIOD shape and the
    validator's period check refuse, with the row and column, a year outside the accepted range or a day or
    week that does not exist.
    """
    text = text.strip()
    kind = period_kind(text)
    return Literal(text) if kind is None else Literal(text, datatype=_PERIOD_TYPES[kind])


def number_literal(text: str, datatype: NamedNode = XSD_DECIMAL) -> Literal:
    """A decimal (or integer) literal in canonical form, or a plain string when not a number.

    Oxigraph's xsd:decimal keeps 18 fractional digits (a larger scale makes the literal ill-typed and
    every comparison an error), so spreadsheet doubles such as 0.0012048120192047036 are rounded half-even
    to 18 places: far below the precision any publisher reports.
    """
    cleaned = text.strip()
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return Literal(cleaned)
    if not number.is_finite():
        return Literal(cleaned)
    if datatype == XSD_INTEGER:
        if number != number.to_integral_value():
            return Literal(cleaned)
        return Literal(str(int(number)), datatype=XSD_INTEGER)
    if -number.as_tuple().exponent > MAX_FRACTION_DIGITS:  # type: ignore[operator]
        number = number.quantize(Decimal(1).scaleb(-MAX_FRACTION_DIGITS))
    canonical = format(number.normalize(), "f") if number != 0 else "0"
    if "." not in canonical:
        canonical += ".0"
    return Literal(canonical, datatype=XSD_DECIMAL)


@lru_cache(maxsize=1 << 16)
def _coded_term(component_id: str, text: str) -> NamedNode:
    return NamedNode(vocab.component_value_iri(component_id, text.strip()))


@lru_cache(maxsize=1 << 12)
def _period_term(text: str) -> Literal:
    return time_period_literal(text)


def value_term(component_id: str, text: str) -> NamedNode | Literal:
    """The RDF term for one component value written as ``text`` in a file (codes and periods memoised)."""
    if component_id in _CODED:
        return _coded_term(component_id, text)
    if component_id == "TIME_PERIOD":
        return _period_term(text)
    if component_id == MEASURE:
        return number_literal(text)
    if component_id == "DECIMALS":
        return number_literal(text, XSD_INTEGER)
    return Literal(text.strip())


def observation_triples(
    record: ObservationRecord, observation: NamedNode, dataset: NamedNode
) -> Iterator[Triple]:
    """The triples of one observation; empty cells give no triple (a missing value)."""
    cells = record.cells
    yield Triple(observation, RDF_TYPE, QB_OBSERVATION)
    yield Triple(observation, QB_DATASET_PROP, dataset)
    for component_id in (*DIMENSIONS, MEASURE, *ATTRIBUTES):
        text = cells.get(component_id)
        if text is None or text.strip() == "":
            continue
        yield Triple(observation, PROPS[component_id], value_term(component_id, text))
    yield Triple(observation, MP_SERIES_KEY, Literal(series_key(cells)))
    if record.row is not None:
        yield Triple(observation, MP_SOURCE_ROW, Literal(str(record.row), datatype=XSD_INTEGER))


def records_to_triples(
    records: Iterable[ObservationRecord], iris: vocab.InstanceIris, submission_id: str
) -> Iterator[Triple]:
    """All observation triples of a submission, observation IRIs minted from key and period."""
    dataset = NamedNode(iris.submission(submission_id))
    seen: dict[str, int] = {}
    for record in records:
        key = series_key(record.cells)
        period = record.cells.get("TIME_PERIOD", "").strip()
        iri = iris.observation(submission_id, key, period)
        # Duplicate keys are reported by validation; give each its own node so none is merged away.
        n = seen.get(iri, 0)
        seen[iri] = n + 1
        if n:
            iri = f"{iri}-dup{n}"
        yield from observation_triples(record, NamedNode(iri), dataset)
