"""The catalogue's data itself: ontology/indicators.ttl and ontology/codes/series.ttl (DESIGN §4).

Read with rdflib straight from the Turtle files, independently of the catalogue service, so a mistake in
the data cannot hide behind a mistake in the reader.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF, SKOS

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
INDICATORS_FILE = ONTOLOGY / "indicators.ttl"
SERIES_FILE = ONTOLOGY / "codes" / "series.ttl"

MP = rdflib.Namespace("https://w3id.org/migration-profile/def#")
ROOT = "https://w3id.org/migration-profile/"
INDICATOR_NS = ROOT + "indicator/"
CODE = ROOT + "code/"
SERIES_SCHEME = rdflib.URIRef(CODE + "series")
SCHEME = MP.IndicatorScheme
XSD_STRING = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#string")
XSD_DECIMAL = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#decimal")
XSD_BOOLEAN = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#boolean")

SECTIONS = {"CTX", "STK", "FLW", "CHR", "LAB", "REM", "DIA", "IRR", "FDP", "RET", "GOV"}
BREAKDOWNS = {MP.counterpartArea: "CA", MP.sex: "S", MP.age: "A", MP.migrationStatus: "MS"}
SDMX_ID = re.compile(r"^[A-Za-z0-9_@$-]+$")
SDG_INDICATOR = re.compile(r"^\d{1,2}\.[0-9a-z]{1,2}\.\d{1,2}$")  # an indicator, not a goal or target
# Percentages that are rates of change: no bounds (a stock can shrink or more than double).
RATES_OF_CHANGE = {"STK_IMM_GR", "STK_REF_GR"}

# Importers produce these ids: unit, breakdowns (CA counterpart area, S sex, A age, MS migration status),
# is a count, the minimum ("-" none), the source series "ORG/CODE" matched exactly, and those it must
# at least match closely.
IMPORTED: dict[str, tuple[str, set[str], bool, str, set[str], set[str]]] = {
    "CTX_POP": ("PS", {"S", "A"}, True, "0", {"WB/SP.POP.TOTL"}, {"UNDESA/WPP.POP"}),
    "FLW_NET": ("PS", {"S"}, False, "-", {"WB/SM.POP.NETM"}, set()),
    "STK_IMM": ("PS", {"S", "A", "CA"}, True, "0", {"UNDESA/IMS.T1"}, {"WB/SM.POP.TOTL"}),
    "STK_IMM_PCT": ("PT", {"S"}, False, "0", {"WB/SM.POP.TOTL.ZS", "UNDESA/IMS.T3"}, set()),
    "CHR_FEM": ("PT", set(), False, "0", {"WB/SG.POP.MIGR.FE.ZS", "UNDESA/IMS.T4"}, set()),
    "STK_IMM_GR": ("PT", {"S"}, False, "-", {"UNDESA/IMS.T5"}, set()),
    "STK_REF": ("PS", set(), True, "0", {"UNDESA/IMS.T6"}, set()),
    "STK_REF_PCT": ("PT", set(), False, "0", set(), {"UNDESA/IMS.T6"}),
    "STK_REF_GR": ("PT", set(), False, "-", set(), {"UNDESA/IMS.T6"}),
    "FDP_REF_A": ("PS", {"CA", "S", "A"}, True, "0", {"WB/SM.POP.RHCR.EA", "UNHCR/REF"}, {"WB/SM.POP.REFG"}),
    "FDP_REF_O": ("PS", {"CA", "S", "A"}, True, "0", {"WB/SM.POP.REFG.OR", "WB/SM.POP.RHCR.EO"}, set()),
    "FDP_ASY": ("PS", {"CA", "S", "A"}, True, "0", {"UNHCR/ASY"}, {"WB/SM.POP.ASYS.EA"}),
    "FDP_IDP": ("PS", {"S", "A"}, True, "0", {"UNHCR/IDP"}, {"WB/VC.IDP.TOCV"}),
    "FDP_STA": ("PS", {"S", "A", "CA"}, True, "0", {"UNHCR/STA"}, set()),
    "FDP_OOC": ("PS", {"CA"}, True, "0", {"UNHCR/OOC"}, set()),
    "FDP_POC": ("PS", {"CA"}, True, "0", {"UNSD/SYB.POC"}, {"UNHCR/POC"}),
    "RET_REF": ("PS", {"CA", "S", "A"}, True, "0", {"UNHCR/RET"}, set()),
    "RET_IDP": ("PS", {"S", "A"}, True, "0", {"UNHCR/RDP"}, set()),
    "REM_IN": ("USD", set(), False, "0", {"WB/BX.TRF.PWKR.CD.DT"}, set()),
    "REM_IN_GDP": ("PT", set(), False, "0", {"WB/BX.TRF.PWKR.DT.GD.ZS"}, set()),
    "REM_OUT": ("USD", set(), False, "0", {"WB/BM.TRF.PWKR.CD.DT"}, set()),
    "REM_CST_IB": ("PT", set(), False, "-100", {"WB/SI.RMT.COST.IB.ZS"}, set()),
    "REM_CST_OB": ("PT", set(), False, "-100", {"WB/SI.RMT.COST.OB.ZS"}, set()),
    "REM_CST_CORR": ("PT", {"CA"}, False, "-100", {"WB/ATCR.CORR"}, set()),
    "CTX_GDPPC": ("USD_PPP", set(), False, "0", {"WB/NY.GDP.PCAP.PP.CD"}, set()),
    "CTX_GDPPC_USD": ("USD", set(), False, "0", {"WB/NY.GDP.PCAP.CD"}, set()),
    "CTX_UNEMP": ("PT", {"S", "A"}, False, "0", {"WB/SL.UEM.TOTL.ZS"}, set()),
    "CTX_POV": ("PT", set(), False, "0", {"WB/SI.POV.DDAY"}, set()),
    "CTX_HDI": ("IX", set(), False, "0", {"UNDP/HDI"}, set()),
    "FDP_DIS": ("MOV", set(), True, "0", {"WB/VC.IDP.NWDS"}, set()),
    "FDP_NWCV": ("MOV", set(), True, "0", {"WB/VC.IDP.NWCV"}, set()),
}
SDG = {"REM_IN_GDP": "17.3.2", "REM_CST_IB": "10.c.1", "REM_CST_OB": "10.c.1", "REM_CST_CORR": "10.c.1",
       "IRR_DEAD": "10.7.3", "IRR_TRAF": "16.2.2", "GOV_POL": "10.7.2", "FDP_REF_R": "10.7.4",
       "LAB_RCOST": "10.7.1", "LAB_INJF": "8.8.1", "LAB_RIGHTS": "8.8.2"}


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    """indicators.ttl and series.ttl only: what this catalogue itself states."""
    g = rdflib.Graph()
    g.parse(INDICATORS_FILE, format="turtle")
    g.parse(SERIES_FILE, format="turtle")
    return g


@pytest.fixture(scope="module")
def indicators(graph: rdflib.Graph) -> dict[str, rdflib.URIRef]:
    found = {str(graph.value(s, SKOS.notation)): s for s in graph.subjects(RDF.type, MP.Indicator)}
    assert all(isinstance(s, rdflib.URIRef) for s in found.values())
    return found  # type: ignore[return-value]


def _one(graph: rdflib.Graph, subject: rdflib.term.Node, prop: rdflib.URIRef) -> rdflib.term.Node:
    values = list(graph.objects(subject, prop))
    assert len(values) == 1, f"{subject} has {len(values)} {prop}"
    return values[0]


def _code(iri: rdflib.term.Node, code_list: str) -> str:
    prefix = f"{CODE}{code_list}/"
    assert str(iri).startswith(prefix), f"{iri} is not in code/{code_list}/"
    return str(iri)[len(prefix):]


def _series(graph: rdflib.Graph, indicator: rdflib.URIRef, prop: rdflib.URIRef) -> set[str]:
    return {_code(o, "series") for o in graph.objects(indicator, prop)}


def _decimal(graph: rdflib.Graph, subject: rdflib.URIRef, prop: rdflib.URIRef) -> Decimal | None:
    values = list(graph.objects(subject, prop))
    if not values:
        return None
    assert len(values) == 1, f"{subject} has several {prop}"
    literal = values[0]
    assert isinstance(literal, rdflib.Literal) and literal.datatype == XSD_DECIMAL, f"{subject} {prop}"
    return Decimal(str(literal))


def test_enough_indicators_and_every_section_has_two(
    graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]
) -> None:
    assert len(indicators) >= 55
    sections = Counter(_code(_one(graph, s, MP.section), "section") for s in indicators.values())
    assert set(sections) == SECTIONS
    assert min(sections.values()) >= 2, sections


def test_every_indicator_is_a_top_concept_named_by_its_sdmx_id(
    graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]
) -> None:
    assert set(graph.objects(SCHEME, SKOS.hasTopConcept)) == set(indicators.values())
    for indicator_id, iri in indicators.items():
        assert SDMX_ID.match(indicator_id), indicator_id
        assert str(iri) == INDICATOR_NS + indicator_id
        assert _one(graph, iri, SKOS.notation).datatype in (None, XSD_STRING)  # type: ignore[attr-defined]
        assert (iri, RDF.type, SKOS.Concept) in graph
        assert (iri, SKOS.inScheme, SCHEME) in graph and (iri, SKOS.topConceptOf, SCHEME) in graph
        section = _code(_one(graph, iri, MP.section), "section")
        assert indicator_id.split("_")[0] == section, f"{indicator_id} is filed under {section}"


def test_the_indicator_scheme_is_declared_here(graph: rdflib.Graph) -> None:
    assert (SCHEME, RDF.type, SKOS.ConceptScheme) in graph
    assert str(_one(graph, SCHEME, SKOS.notation)) == "CL_INDICATOR"
    assert {label.language for label in graph.objects(SCHEME, SKOS.prefLabel)} == {"en", "fr", "es"}  # type: ignore[attr-defined]


def test_the_scheme_labels_agree_with_the_rest_of_the_ontology(graph: rdflib.Graph) -> None:
    """Another file may describe mp:IndicatorScheme too; merged, each language must keep one label."""
    merged = rdflib.Graph()
    for path in sorted(ONTOLOGY.rglob("*.ttl")):
        merged.parse(path, format="turtle")
    languages = Counter(label.language for label in merged.objects(SCHEME, SKOS.prefLabel))  # type: ignore[attr-defined]
    assert all(n == 1 for n in languages.values()), languages
    assert len(list(merged.objects(SCHEME, SKOS.notation))) == 1


def test_labels_and_definitions_in_three_languages(graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]) -> None:
    for indicator_id, iri in indicators.items():
        labels = Counter(label.language for label in graph.objects(iri, SKOS.prefLabel))  # type: ignore[attr-defined]
        assert labels == Counter({"en": 1, "fr": 1, "es": 1}), indicator_id
        definitions = {d.language: str(d) for d in graph.objects(iri, SKOS.definition)}  # type: ignore[attr-defined]
        assert len(definitions.get("en", "")) >= 30, indicator_id
        assert definitions.get("fr") != definitions["en"] and definitions.get("es") != definitions["en"], indicator_id
    english = Counter(str(d) for d in graph.objects(None, SKOS.definition) if d.language == "en")  # type: ignore[attr-defined]
    assert [d for d, n in english.items() if n > 1] == []


def test_unit_count_flag_and_breakdowns(graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]) -> None:
    for indicator_id, iri in indicators.items():
        unit = _code(_one(graph, iri, MP.unit), "unit")
        is_count = _one(graph, iri, MP.isCount)
        assert isinstance(is_count, rdflib.Literal) and is_count.datatype == XSD_BOOLEAN, indicator_id
        assert set(graph.objects(iri, MP.breakdown)) <= set(BREAKDOWNS), indicator_id
        if is_count.toPython():
            assert unit in {"PS", "MOV", "NUM"}, f"{indicator_id}: a count in {unit}"
            assert _decimal(graph, iri, MP.minValue) == 0, f"{indicator_id}: a count must not be negative"


COSTS = frozenset({"REM_CST_CORR", "REM_CST_IB", "REM_CST_OB"})


def test_value_ranges(graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]) -> None:
    for indicator_id, iri in indicators.items():
        unit = _code(_one(graph, iri, MP.unit), "unit")
        low, high = _decimal(graph, iri, MP.minValue), _decimal(graph, iri, MP.maxValue)
        if low is not None and high is not None:
            assert low < high, indicator_id
        if unit == "PT" and indicator_id in RATES_OF_CHANGE:
            assert (low, high) == (None, None), indicator_id
        elif unit == "PT" and indicator_id in COSTS:
            # a total cost is negative where the exchange-rate margin favours the sender (World Bank RPW):
            # admitted, and a Warning below the usual minimum of 0
            assert (low, high) == (-100, 100), indicator_id
            assert _decimal(graph, iri, MP.usualMinValue) == 0, indicator_id
            assert graph.value(iri, MP.unusualValueNote) is not None, indicator_id
        elif unit == "PT":
            assert (low, high) == (0, 100), indicator_id
    ranges = {i: (_decimal(graph, indicators[i], MP.minValue), _decimal(graph, indicators[i], MP.maxValue))
              for i in ("CTX_HDI", "GOV_RATIF", "GOV_POL", "LAB_RIGHTS", "FLW_NET")}
    assert ranges == {"CTX_HDI": (0, 1), "GOV_RATIF": (0, 4), "GOV_POL": (1, 4), "LAB_RIGHTS": (0, 10),
                      "FLW_NET": (None, None)}
    assert _code(_one(graph, indicators["GOV_RATIF"], MP.unit), "unit") == "NUM"


@pytest.mark.parametrize("indicator_id", sorted(IMPORTED))
def test_ids_the_importers_produce(
    graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef], indicator_id: str
) -> None:
    unit, breakdowns, is_count, minimum, exact, close = IMPORTED[indicator_id]
    assert indicator_id in indicators
    iri = indicators[indicator_id]
    assert _code(_one(graph, iri, MP.unit), "unit") == unit
    assert {BREAKDOWNS[b] for b in graph.objects(iri, MP.breakdown)} == breakdowns  # type: ignore[index]
    assert _one(graph, iri, MP.isCount).toPython() is is_count  # type: ignore[attr-defined]
    low = _decimal(graph, iri, MP.minValue)
    assert low is None if minimum == "-" else low == Decimal(minimum)
    assert _series(graph, iri, SKOS.exactMatch) == exact
    assert _series(graph, iri, SKOS.closeMatch) >= close


def test_sdg_indicators_are_indicator_numbers(graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]) -> None:
    for indicator_id, iri in indicators.items():
        for value in graph.objects(iri, MP.sdgIndicator):
            assert isinstance(value, rdflib.Literal) and value.language is None, indicator_id
            assert SDG_INDICATOR.match(str(value)), f"{indicator_id}: {value} is not an SDG indicator number"
    for indicator_id, number in SDG.items():
        assert {str(v) for v in graph.objects(indicators[indicator_id], MP.sdgIndicator)} == {number}


def test_no_two_indicators_claim_the_same_exact_series(graph: rdflib.Graph) -> None:
    claims = Counter(o for o in graph.objects(None, SKOS.exactMatch))
    assert [str(s) for s, n in claims.items() if n > 1] == []
    both = [(s, o) for s, o in graph.subject_objects(SKOS.exactMatch) if (s, SKOS.closeMatch, o) in graph]
    assert both == []


def test_every_matched_series_is_described(graph: rdflib.Graph) -> None:
    assert str(_one(graph, SERIES_SCHEME, SKOS.notation)) == "CL_SOURCE_SERIES"
    assert (SERIES_SCHEME, RDF.type, SKOS.ConceptScheme) in graph
    matched = set(graph.objects(None, SKOS.exactMatch)) | set(graph.objects(None, SKOS.closeMatch))
    described = set(graph.subjects(SKOS.inScheme, SERIES_SCHEME))
    assert matched - described == set(), "matched but not in codes/series.ttl"
    assert described - matched == set(), "in codes/series.ttl but matched by no indicator"
    for series in described:
        organisation, _, notation = _code(series, "series").partition("/")
        assert (series, RDF.type, MP.SourceSeries) in graph and (series, RDF.type, SKOS.Concept) in graph
        assert str(_one(graph, series, SKOS.notation)) == notation
        assert str(_one(graph, series, MP.organisation)) == f"{CODE}organisation/{organisation}"
        assert any(label.language == "en" for label in graph.objects(series, SKOS.prefLabel)), series  # type: ignore[attr-defined]


def test_world_bank_series_carry_the_wdi_names(graph: rdflib.Graph, shared_data: Path) -> None:
    path = shared_data / "worldbank-wdi" / "WDISeries_migration-extract.csv"
    if not path.is_file():
        pytest.skip(f"{path.name} is not among the publishers' files")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        names = {row["Series Code"]: row["Indicator Name"] for row in csv.DictReader(handle)}
    compared = 0
    for series in graph.subjects(MP.organisation, rdflib.URIRef(CODE + "organisation/WB")):
        code = str(graph.value(series, SKOS.notation))
        if code in names:
            assert str(graph.value(series, SKOS.prefLabel)) == names[code], code
            compared += 1
    assert compared >= 10


def test_definitions_are_not_copied_from_the_world_bank(graph: rdflib.Graph, shared_data: Path) -> None:
    path = shared_data / "worldbank-wdi" / "WDISeries_migration-extract.csv"
    if not path.is_file():
        pytest.skip(f"{path.name} is not among the publishers' files")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        texts = " ".join(f"{r['Short definition']} {r['Long definition']}".lower() for r in csv.DictReader(handle))
    for definition in graph.objects(None, SKOS.definition):
        words = str(definition).lower().split()
        runs = [" ".join(words[i:i + 8]) for i in range(len(words) - 7)]
        assert not [r for r in runs if r in texts], f"copied wording in: {definition}"


def test_comparability_notes_where_comparisons_need_care(
    graph: rdflib.Graph, indicators: dict[str, rdflib.URIRef]
) -> None:
    def note(indicator_id: str) -> str:
        return " ".join(str(n) for n in graph.objects(indicators[indicator_id], MP.comparabilityNote)
                        if n.language == "en").lower()  # type: ignore[attr-defined]

    assert "foreign-born" in note("STK_IMM") and "citizen" in note("STK_IMM")
    assert "five-year" in note("FLW_NET") and "annual" in note("FLW_NET")
    assert "five-year" in note("STK_IMM_GR")
    assert "mandate" in note("FDP_REF_A") and "sm.pop.rhcr.ea" in note("FDP_REF_A")
    assert "sm.pop.rhcr.eo" in note("FDP_REF_O")
    assert "mid-year" in note("STK_REF") and "end-year" in note("STK_REF")
    for sensitive in ("IRR_DEAD", "IRR_TRAF"):
        assert "do no harm" in note(sensitive) and "small" in note(sensitive), sensitive


@pytest.mark.parametrize(("code_list", "prop"), [("unit", MP.unit), ("section", MP.section),
                                                ("organisation", MP.organisation)])
def test_referenced_codes_exist_in_their_code_list(graph: rdflib.Graph, code_list: str, prop: rdflib.URIRef) -> None:
    path = ONTOLOGY / "codes" / f"{code_list}.ttl"
    if not path.is_file():
        pytest.skip(f"codes/{code_list}.ttl is not written yet")
    codes = rdflib.Graph().parse(path, format="turtle")
    scheme = rdflib.URIRef(CODE + code_list)
    used = set(graph.objects(None, prop))
    assert used, f"nothing refers to code/{code_list}"
    missing = {str(c) for c in used if (c, SKOS.inScheme, scheme) not in codes}
    assert missing == set()
