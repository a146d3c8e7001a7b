"""Synthetic submissions for the benchmarks (DESIGN §5 validation, §6 store).

``python bench/generate.py --observations N --out FILE [--seed S] [--errors 0.01]`` writes a CSV in the
template's columns (SDMX-CSV 2.0). The areas, indicators and code lists come from ontology/: up to 40
indicators of the real catalogue, each broken down exactly as its mp:breakdown allows (sex F/M/_T with
_T = F + M for counts, age groups, migration statuses, counterpart areas; every other breakdown _Z), in
the indicator's unit and inside its value range, over sparse years 1990-2024. ``--errors`` seeds a share
of rows with the mistakes validation must find. Rows are written as they are made (nothing the size of
the file is held in memory) and the output depends only on the arguments: same seed, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pyoxigraph import NamedNode  # noqa: E402

from api import vocab  # noqa: E402
from api.formats.tabular.template import template_header  # noqa: E402
from api.model.catalogue import Indicator  # noqa: E402
from api.model.structure import COMPONENTS, DATAFLOW_REF, NOT_APPLICABLE, TOTAL  # noqa: E402
from api.services.catalogue import load_catalogue  # noqa: E402
from api.services.ontology import ontology_triples  # noqa: E402

YEARS = tuple(range(1990, 2025))
FIVE_YEARLY = tuple(range(1990, 2025, 5))
MAX_INDICATORS = 40
MAX_AGE_GROUPS = 5
MAX_STATUSES = 3
AGE_PARTITION = ("Y0T14", "Y15T24", "Y25T54", "Y55T64", "Y_GE65")
STATUS_PARTITION = ("FB", "NB")  # foreign-born, native-born
MIN_AREAS = 5
DISCLOSURE_FLOOR = 20  # clean counts stay well above the disclosure threshold (5)
UNKNOWN_AREA = "XZZ"  # user-assigned range of ISO 3166-1: never a real area
SKOS_IN_SCHEME = vocab.SKOS + "inScheme"
SKOS_NOTATION = vocab.SKOS + "notation"
_ALPHA3 = re.compile(r"^[A-Z]{3}$")
_SPECIAL = {TOTAL, NOT_APPLICABLE, "_U", "_O", "_X"}
_COUNTABLE_UNITS = {"PS", "NUM", "MOV"}
ERROR_KINDS = (
    "out_of_range",
    "unknown_code",
    "duplicate_key",
    "sex_total_mismatch",
    "wrong_unit",
    "missing_conf_status",
    "small_count_not_confidential",
)
COL = {c: i + 3 for i, c in enumerate(COMPONENTS)}  # position of each component in a template row


@dataclass(frozen=True)
class IndicatorPlan:
    """What the generator needs of one catalogue indicator."""

    id: str
    unit: str
    is_count: bool
    low: float
    high: float
    decimals: int
    by_sex: bool
    by_age: bool
    by_status: bool
    by_counterpart: bool
    scale: float  # typical magnitude of a total, as a share of an area's size (counts) or of the range
    has_min: bool = False  # the catalogue declares mp:minValue / mp:maxValue (else low / high are ours)
    has_max: bool = False


@dataclass(frozen=True)
class Universe:
    """Areas, indicators and codes read from the ontology."""

    areas: tuple[str, ...]
    indicators: tuple[IndicatorPlan, ...]
    age_groups: tuple[str, ...]
    statuses: tuple[str, ...]
    obs_status: tuple[str, ...]
    units: tuple[str, ...]


@dataclass
class GenerationSummary:
    """What one run wrote: the row count, the seeded errors by kind, and the shape of the data."""

    path: str
    rows: int
    seed: int
    error_share: float
    areas: int
    indicators: int
    counterparts: int
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=lambda: dict.fromkeys(ERROR_KINDS, 0))


def _code_lists(ontology_dir: Path) -> dict[str, list[str]]:
    """Code list folder -> code ids, read from the concepts' skos:inScheme (no SPARQL needed)."""
    lists: dict[str, set[str]] = {}
    for t in ontology_triples(ontology_dir):
        subject, predicate, scheme = t.subject, t.predicate, t.object
        if predicate.value != SKOS_IN_SCHEME or not isinstance(scheme, NamedNode) \
                or not isinstance(subject, NamedNode) or not scheme.value.startswith(vocab.CODE):
            continue
        name = scheme.value[len(vocab.CODE):]
        if "/" not in name:
            lists.setdefault(name, set()).add(vocab.code_id_from_iri(subject.value))
    return {k: sorted(v) for k, v in lists.items()}


def _areas(codes: dict[str, list[str]]) -> list[str]:
    """ISO alpha-3 areas of the area code list; pycountry's only when the ontology has none."""
    areas = [c for c in codes.get("area", []) if _ALPHA3.match(c)]
    if areas:
        return areas
    import pycountry  # fallback for an ontology without areas; such a file will not validate

    return sorted(c.alpha_3 for c in pycountry.countries)


def _pick_groups(codes: list[str], limit: int, preferred: tuple[str, ...] = ()) -> tuple[str, ...]:
    """``preferred`` when the list has them all (a partition), else up to ``limit`` codes spread over the list."""
    if preferred and set(preferred) <= set(codes):
        return preferred
    plain = [c for c in codes if c not in _SPECIAL]
    if len(plain) <= limit:
        return tuple(plain)
    step = len(plain) / limit
    return tuple(plain[int(i * step)] for i in range(limit))


def _choose_indicators(indicators: list[Indicator], limit: int) -> list[Indicator]:
    """Up to ``limit`` indicators, taken round-robin over their breakdown sets so every mix is present."""
    groups: dict[tuple[str, ...], list[Indicator]] = {}
    for ind in sorted(indicators, key=lambda i: i.id):
        groups.setdefault(tuple(sorted(ind.breakdowns)), []).append(ind)
    chosen: list[Indicator] = []
    queues = [groups[k] for k in sorted(groups)]
    while len(chosen) < limit and any(queues):
        for queue in queues:
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return sorted(chosen, key=lambda i: i.id)


def _plan(ind: Indicator, rng: random.Random) -> IndicatorPlan:
    unit = ind.unit
    is_count = ind.is_count
    low = float(ind.min_value) if ind.min_value is not None else 0.0
    if ind.max_value is not None:
        high = float(ind.max_value)
    elif unit == "PT":
        high = 100.0
    elif is_count or unit in _COUNTABLE_UNITS:
        high = math.inf
    else:
        high = low + 1000.0
    if is_count and high < DISCLOSURE_FLOOR * 4:
        is_count = False  # a "count" whose range forbids a split into F and M above the floor
    decimals = 0 if is_count or unit in _COUNTABLE_UNITS else (2 if high - low <= 10 else 1)
    scale = 10 ** rng.uniform(-2.0, -0.3) if math.isinf(high) else rng.uniform(0.2, 0.6)
    b = ind.breakdowns
    return IndicatorPlan(ind.id, unit, is_count, low, high, decimals, "SEX" in b, "AGE" in b,
                         "MIGRATION_STATUS" in b, "COUNTERPART_AREA" in b, scale,
                         ind.min_value is not None, ind.max_value is not None)


def load_universe(ontology_dir: Path, max_indicators: int = MAX_INDICATORS) -> Universe:
    """Read the catalogue, areas and code lists that the generated data will use."""
    catalogue = load_catalogue(ontology_dir)
    if not catalogue.indicators:
        raise SystemExit(f"no indicators in {ontology_dir}: the generator needs the catalogue")
    codes = _code_lists(ontology_dir)
    rng = random.Random("indicators")
    plans = tuple(_plan(i, rng) for i in _choose_indicators(list(catalogue.indicators.values()), max_indicators))
    obs_status = tuple(c for c in ("A", "E", "P") if c in codes.get("obs-status", ["A"])) or ("A",)
    units = tuple(codes.get("unit", [])) or tuple(sorted({p.unit for p in plans} | {"PS", "PT"}))
    return Universe(
        areas=tuple(_areas(codes)),
        indicators=plans,
        age_groups=_pick_groups(codes.get("age", []), MAX_AGE_GROUPS, AGE_PARTITION),
        statuses=_pick_groups(codes.get("migration-status", []), MAX_STATUSES, STATUS_PARTITION),
        obs_status=obs_status,
        units=units,
    )


# -- the shape of the data -------------------------------------------------------------------------------

def _combos(plan: IndicatorPlan, universe: Universe, partners: tuple[str, ...]) -> list[tuple[str, str, str]]:
    """(counterpart, age, status) of each series before the sex split: age x status crossed, partners marginal."""
    ages = (TOTAL, *universe.age_groups) if plan.by_age else (NOT_APPLICABLE,)
    statuses = (TOTAL, *universe.statuses) if plan.by_status else (NOT_APPLICABLE,)
    cp_total = TOTAL if plan.by_counterpart else NOT_APPLICABLE
    combos = [(cp_total, a, s) for a in ages for s in statuses]
    if plan.by_counterpart:
        combos.extend((p, ages[0], statuses[0]) for p in partners)
    return combos


def _series_years(rng: random.Random) -> tuple[int, ...]:
    """Sparse years: a five-yearly pattern for a quarter of the series, else 6-14 random years."""
    if rng.random() < 0.25:
        return FIVE_YEARLY
    return tuple(sorted(rng.sample(YEARS, rng.randint(6, 14))))


def _partners(universe: Universe, area: str, k: int, seed: int) -> tuple[str, ...]:
    others = [a for a in universe.areas if a != area]
    return tuple(sorted(random.Random(f"{seed}|partners|{area}").sample(others, min(k, len(others)))))


def _obs_per_area(universe: Universe, k: int) -> float:
    """Expected observations of one area with ``k`` counterpart areas per area."""
    mean_years = 0.25 * len(FIVE_YEARLY) + 0.75 * 10
    total = 0.0
    for plan in universe.indicators:
        ages = len(universe.age_groups) + 1 if plan.by_age else 1
        statuses = len(universe.statuses) + 1 if plan.by_status else 1
        series = ages * statuses + (k if plan.by_counterpart else 0)
        total += series * (3 if plan.by_sex else 1) * mean_years
    return total


def _series_rng(seed: int, area: str, plan: IndicatorPlan, combo: tuple[str, str, str]) -> random.Random:
    """One generator per series, so a series' years and values do not depend on what came before."""
    return random.Random(f"{seed}|{area}|{plan.id}|{'|'.join(combo)}")


def _series(universe: Universe, areas: list[str], k: int, seed: int
            ) -> Iterator[tuple[str, IndicatorPlan, tuple[str, str, str], random.Random, tuple[int, ...]]]:
    """Every series of the file in order: (area, indicator, combo, its generator, its years)."""
    for area in areas:
        partners = _partners(universe, area, k, seed)
        for plan in universe.indicators:
            for combo in _combos(plan, universe, partners):
                srng = _series_rng(seed, area, plan, combo)
                yield area, plan, combo, srng, _series_years(srng)


def _capacity(universe: Universe, areas: list[str], k: int, seed: int) -> int:
    return sum(len(years) * (3 if plan.by_sex else 1) for _, plan, _, _, years in _series(universe, areas, k, seed))


def _areas_for(universe: Universe, n_areas: int, seed: int) -> list[str]:
    return sorted(random.Random(f"{seed}|areas").sample(universe.areas, n_areas))


def choose_shape(universe: Universe, observations: int, seed: int) -> tuple[list[str], int]:
    """(areas, counterparts per area) that hold ``observations`` rows with little to spare (counted exactly)."""
    base = _obs_per_area(universe, 0)
    per_partner = _obs_per_area(universe, 1) - base
    max_areas = len(universe.areas)
    n_areas, k = max_areas, 0
    if base * max_areas >= observations:
        n_areas = max(min(MIN_AREAS, max_areas), min(max_areas, math.ceil(observations / base)))
    elif per_partner > 0:
        k = min(max_areas - 1, math.ceil((observations / max_areas - base) / per_partner))
    while True:
        areas = _areas_for(universe, n_areas, seed)
        if _capacity(universe, areas, k, seed) >= observations:
            return areas, k
        if n_areas < max_areas:
            n_areas = min(max_areas, n_areas + max(1, n_areas // 20))
        elif per_partner > 0 and k < max_areas - 1:
            k += 1
        else:
            raise SystemExit(f"{observations} observations do not fit in {max_areas} areas")


# -- values ----------------------------------------------------------------------------------------------

def _fmt(value: float, decimals: int) -> str:
    return str(round(value)) if decimals == 0 else f"{value:.{decimals}f}"


def _clip(value: float, plan: IndicatorPlan) -> float:
    return min(max(value, plan.low), plan.high)


def _series_values(plan: IndicatorPlan, size: float, share: float, year: int, rng: random.Random
                   ) -> list[tuple[str, float]]:
    """(sex, value) of one series in one year: F, M, then _T (= F + M for counts), or one _Z value."""
    trend = 1.0 + 0.015 * (year - 2005) + rng.uniform(-0.03, 0.03)
    if plan.is_count:
        total = max(size * plan.scale * share * trend, DISCLOSURE_FLOOR * 3.0)
        if not math.isinf(plan.high):
            total = min(total, plan.high)
        if not plan.by_sex:
            return [(NOT_APPLICABLE, float(round(total)))]
        female = float(max(DISCLOSURE_FLOOR, round(total * rng.uniform(0.4, 0.6))))
        male = float(max(DISCLOSURE_FLOOR, round(total - female)))
        return [("F", female), ("M", male), (TOTAL, female + male)]
    if math.isinf(plan.high):
        centre = plan.low + max(size * plan.scale, 100.0) * share * trend
    else:
        centre = _clip(plan.low + (plan.high - plan.low) * plan.scale * share * trend, plan)
    if not plan.by_sex:
        return [(NOT_APPLICABLE, centre)]
    female = _clip(centre * rng.uniform(0.85, 1.15), plan)
    male = _clip(centre * rng.uniform(0.85, 1.15), plan)
    return [("F", female), ("M", male), (TOTAL, _clip((female + male) / 2, plan))]


# -- seeded errors ---------------------------------------------------------------------------------------

def _applicable(kind: str, plan: IndicatorPlan, sex: str, first_in_group: bool, has_previous: bool) -> bool:
    if kind == "duplicate_key":
        return first_in_group and has_previous
    if kind == "sex_total_mismatch":
        return plan.is_count and plan.by_sex and sex == TOTAL
    if kind == "small_count_not_confidential":  # on F of a sex group, _T follows so that _T = F + M holds
        return plan.is_count and (not plan.by_sex or sex == "F")
    if kind == "out_of_range":  # only where the catalogue declares a range; never on F/M/_T of a count
        return (plan.has_min or plan.has_max) and not (plan.is_count and plan.by_sex)
    return True


def _seed_error(kind: str, row: list[str], plan: IndicatorPlan, group: list[list[str]], previous: list[str] | None,
                universe: Universe) -> list[str]:
    value_col, unit_col = COL["OBS_VALUE"], COL["UNIT_MEASURE"]
    if kind == "out_of_range":
        if plan.has_max:
            bad = plan.high + max(1.0, (plan.high - plan.low) * 0.5)
        else:
            bad = plan.low - max(1.0, abs(plan.low) * 0.5)
        row[value_col] = _fmt(bad, plan.decimals)
    elif kind == "unknown_code":
        row[COL["REF_AREA"]] = UNKNOWN_AREA
    elif kind == "duplicate_key" and previous is not None:
        row = list(previous)  # the same key (and value) as the row before
    elif kind == "sex_total_mismatch":
        female, male = float(group[0][value_col]), float(group[1][value_col])
        row[value_col] = _fmt(round((female + male) * 1.1) + 7, 0)
    elif kind == "wrong_unit":
        row[unit_col] = next((u for u in ("PT", "PS", "USD") if u != plan.unit and u in universe.units), "PS")
    elif kind == "missing_conf_status":
        row[COL["CONF_STATUS"]] = ""
    elif kind == "small_count_not_confidential":
        row[value_col] = "3"
        if plan.by_sex and len(group) == 3:
            group[2][value_col] = _fmt(3 + float(group[1][value_col]), 0)
    return row


# -- the file --------------------------------------------------------------------------------------------

def generate_rows(universe: Universe, observations: int, seed: int = 1, errors: float = 0.0,
                  summary: GenerationSummary | None = None) -> Iterator[list[str]]:
    """Yield exactly ``observations`` template rows (without the header), area by area."""
    areas, k = choose_shape(universe, observations, seed)
    if summary is not None:
        summary.areas, summary.indicators, summary.counterparts = len(areas), len(universe.indicators), k
    sizes = {a: 10 ** random.Random(f"{seed}|size|{a}").uniform(4.0, 7.5) for a in areas}
    err_rng = random.Random(f"{seed}|errors")
    sex_col = COL["SEX"]
    emitted = 0
    previous: list[str] | None = None
    for area, plan, (cp, age, status), srng, years in _series(universe, areas, k, seed):
        share = 1.0 if cp in (TOTAL, NOT_APPLICABLE) and age in (TOTAL, NOT_APPLICABLE) \
            and status in (TOTAL, NOT_APPLICABLE) else srng.uniform(0.05, 0.5)
        obs_status = srng.choice(universe.obs_status) if srng.random() < 0.2 else "A"
        for year in years:
            group = [["dataflow", DATAFLOW_REF, "I", "A", area, plan.id, cp, sex, age, status, str(year),
                      _fmt(value, plan.decimals), plan.unit, "0", obs_status, "F", "", "", ""]
                     for sex, value in _series_values(plan, sizes[area], share, year, srng)]
            for i, row in enumerate(group):
                if errors and err_rng.random() < errors:
                    kinds = [kd for kd in ERROR_KINDS
                             if _applicable(kd, plan, row[sex_col], i == 0, previous is not None)]
                    kind = err_rng.choice(kinds)
                    row = group[i] = _seed_error(kind, row, plan, group, previous, universe)
                    if summary is not None:
                        summary.errors[kind] += 1
                yield row
                previous = row
                emitted += 1
                if emitted >= observations:
                    return
    raise AssertionError(f"choose_shape promised {observations} rows, the series gave {emitted}")


def generate(out: Path, observations: int, seed: int = 1, errors: float = 0.0,
             ontology_dir: Path = ROOT / "ontology", universe: Universe | None = None) -> GenerationSummary:
    """Write the file (header + ``observations`` rows) and a ``.meta.json`` beside it; return the summary."""
    started = time.perf_counter()
    universe = universe or load_universe(ontology_dir)
    summary = GenerationSummary(str(out), observations, seed, errors, 0, 0, 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(template_header())
        writer.writerows(generate_rows(universe, observations, seed, errors, summary))
    tmp.replace(out)
    summary.seconds = round(time.perf_counter() - started, 3)
    meta = out.with_name(out.name + ".meta.json")
    meta.write_text(json.dumps(asdict(summary), indent=2) + "\n", encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic MIGRATION_PROFILE submission (CSV template).")
    parser.add_argument("--observations", "-n", type=int, required=True, help="number of data rows")
    parser.add_argument("--out", type=Path, required=True, help="the CSV file to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--errors", type=float, default=0.0, help="share of rows given a seeded error (0-1)")
    parser.add_argument("--ontology", type=Path, default=ROOT / "ontology", help="the ontology folder")
    args = parser.parse_args(argv)
    if args.observations < 1 or not 0 <= args.errors <= 1:
        parser.error("--observations must be >= 1 and --errors within 0..1")
    summary = generate(args.out, args.observations, args.seed, args.errors, args.ontology)
    print(json.dumps(asdict(summary)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
