"""Set-based checks that SHACL-per-node would make quadratic (DESIGN §5).

Each is one SPARQL SELECT with GROUP BY (``api/store/queries/validation/``) over an in-memory
pyoxigraph store holding the submission's observations: duplicate keys, sex totals (F + M = _T within
0.5 % for count indicators) and one unit and multiplier per series. Keys are compared as terms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode, Quad, QuerySolutions, Store, Triple

from api import vocab
from api.model.structure import series_key
from api.model.submission import Problem, row_number
from api.store.queries import load_query
from api.validation.report import ObservationInfo

IS_COUNT = NamedNode(vocab.MP + "isCount")
TRUE = Literal("true", datatype=NamedNode(vocab.XSD + "boolean"))


def check_store(triples: Iterable[Triple], count_indicators: Iterable[str]) -> Store:
    """An in-memory store with the observations and which indicators are counts."""
    store = Store()
    store.bulk_extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    mark_counts(store, count_indicators)
    return store


def mark_counts(store: Store, count_indicators: Iterable[str]) -> None:
    """Say in ``store`` which indicators are counts (what the sex-total check reads)."""
    store.extend(Quad(NamedNode(iri), IS_COUNT, TRUE) for iri in count_indicators)


def _select(store: Store, name: str) -> QuerySolutions:
    result = store.query(load_query(f"validation/{name}"))
    assert isinstance(result, QuerySolutions)
    return result


def _row(term: object) -> int | None:
    return row_number(term.value) if isinstance(term, Literal) else None


def _where(row: int | None, focus: str) -> str:
    return f"row {row}" if row is not None else f"observation <{focus}>"


def _key_text(info: ObservationInfo | None) -> str:
    if info is None:
        return ""
    return f"{series_key(info.cells)} {info.cells.get('TIME_PERIOD', '').strip()}"


def duplicate_keys(store: Store, observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """Violation for every observation repeating the key (8 dimension values) of an earlier one."""
    groups: dict[tuple[str, ...], list[tuple[int | None, str]]] = defaultdict(list)
    dims = ("freq", "area", "indicator", "counterpart", "sex", "age", "status", "period")
    for s in _select(store, "duplicate-keys"):
        key = tuple(str(s[d]) for d in dims)
        groups[key].append((_row(s["row"]), s["obs"].value))
    return duplicate_problems(
        [[(row, focus, _key_text(observations.get(focus))) for row, focus in members] for members in groups.values()])


def duplicate_problems(groups: Iterable[list[tuple[int | None, str, str]]]) -> list[Problem]:
    """The duplicate-key problems of groups of (row, focus, key text) that share all dimension values: every
    member after the first (in row order) repeats it."""
    problems: list[Problem] = []
    for members in groups:
        members = sorted(members, key=lambda m: (m[0] is None, m[0] or 0, m[1]))
        first_row, first_focus, _ = members[0]
        for row, focus, key_text in members[1:]:
            problems.append(Problem(
                "Violation", "duplicate-key",
                f"{_where(row, focus)}: the key {key_text} appears again; {_where(first_row, first_focus)} has the "
                "same dimension values. Each series key and period may appear once: remove or correct one row",
                row=row, column=None, value=key_text, focus=focus,
            ))
    return problems


def _decimal(text: str) -> str:
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def sex_totals(store: Store, observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """Warning on each _T observation of a count indicator that is not F + M (+ _U where given) within 0.5 %."""
    problems: list[Problem] = []
    for s in _select(store, "sex-total"):
        focus = s["total"].value
        info = observations.get(focus)
        row = info.row if info is not None else None
        total = info.cells.get("OBS_VALUE", "").strip() if info is not None else s["totalValue"].value
        parts = s["parts"].value.split() if s["parts"] is not None else []
        unknown = s["unknown"] is not None and s["unknown"].value == "1"
        problems.append(sex_total_problem(row, focus, total, s["sum"].value, parts, unknown=unknown))
    return problems


def sex_total_problem(row: int | None, focus: str, total: str, sum_text: str, parts: list[str],
                      unknown: bool = False) -> Problem:
    """The sex-total warning of one _T observation (``parts``: the rows of F and M, and of _U, sex not reported,
    when ``unknown``)."""
    ordered = sorted(parts, key=int)
    rows = f" (rows {', '.join(ordered[:-1])} and {ordered[-1]})" if len(parts) == (3 if unknown else 2) else ""
    sexes = "F + M + _U" if unknown else "F + M"
    return Problem(
        "Warning", "sex-total",
        f"{_where(row, focus)}, OBS_VALUE: the total {total} (SEX _T) differs from {sexes} = "
        f"{_decimal(sum_text)}{rows} by more than 0.5 %; check the three figures",
        row=row, column="OBS_VALUE", value=total, focus=focus,
    )


def unit_consistency(store: Store, observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """Violation on each observation whose unit or multiplier differs from the rest of its series."""
    series: dict[str, list[tuple[int | None, str, str, str]]] = defaultdict(list)
    for s in _select(store, "unit-consistency"):
        focus = s["obs"].value
        info = observations.get(focus)
        key = series_key(info.cells) if info is not None else focus
        series[key].append((_row(s["row"]), focus, s["unit"].value, s["mult"].value))
    return unit_problems(series)


def unit_problems(series: Mapping[str, list[tuple[int | None, str, str, str]]]) -> list[Problem]:
    """The unit-consistency problems of series (by series key) that mix units: (row, focus, unit IRI, multiplier
    IRI) of each of their observations; the usual pair is the most frequent, the first seen on a tie."""
    problems: list[Problem] = []
    for key, members in series.items():
        members = sorted(members, key=lambda m: (m[0] is None, m[0] or 0, m[1]))
        counts = Counter((unit, mult) for _, _, unit, mult in members)
        first_seen: dict[tuple[str, str], int] = {}
        for i, (_, _, unit, mult) in enumerate(members):
            first_seen.setdefault((unit, mult), i)
        usual = max(counts, key=lambda pair: (counts[pair], -first_seen[pair]))
        for row, focus, unit, mult in members:
            if (unit, mult) == usual:
                continue
            column, written, expected = (
                ("UNIT_MEASURE", unit, usual[0]) if unit != usual[0] else ("UNIT_MULT", mult, usual[1])
            )
            value = vocab.code_id_from_iri(written)
            problems.append(Problem(
                "Violation", "unit-consistency",
                f"{_where(row, focus)}, {column}: '{value}' differs from "
                f"'{vocab.code_id_from_iri(expected)}' used by the other observations of series {key}; "
                "one series has one unit and one unit multiplier",
                row=row, column=column, value=value, focus=focus,
            ))
    return problems


def run_checks(
    triples: Iterable[Triple], observations: Mapping[str, ObservationInfo], count_indicators: Iterable[str]
) -> list[Problem]:
    """All set-based checks on one submission's observations."""
    return checks_on(check_store(triples, count_indicators), observations)


def checks_on(store: Store, observations: Mapping[str, ObservationInfo]) -> list[Problem]:
    """All set-based checks over a store that holds the observations and the count marks (``mark_counts``)."""
    return [
        *duplicate_keys(store, observations),
        *sex_totals(store, observations),
        *unit_consistency(store, observations),
    ]
