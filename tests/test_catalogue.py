"""The indicator catalogue (ontology/indicators.ttl) read through the service every interface uses."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import rdflib

from api.model.catalogue import Catalogue
from api.services.catalogue import load_catalogue

ONTOLOGY = Path(__file__).resolve().parents[1] / "ontology"
SECTIONS = {"CTX", "STK", "FLW", "CHR", "LAB", "REM", "DIA", "IRR", "FDP", "RET", "GOV"}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue(ONTOLOGY)


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted(ONTOLOGY.rglob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def test_at_least_fifty_indicators_over_every_section(catalogue: Catalogue) -> None:
    assert len(catalogue.indicators) >= 50
    per_section = Counter(i.section for i in catalogue.indicators.values())
    assert set(per_section) == SECTIONS
    assert min(per_section.values()) >= 2


def test_every_indicator_is_fully_described(catalogue: Catalogue) -> None:
    for indicator in catalogue.indicators.values():
        assert re.fullmatch(r"[A-Za-z0-9_@$-]+", indicator.id)
        assert {"en", "fr", "es"} <= set(indicator.labels), indicator.id
        assert indicator.definitions.get("en"), indicator.id
        assert indicator.breakdowns <= {"COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS"}
        if indicator.unit == "PT":  # a share is 0-100; a rate of change is unbounded; a cost may be negative
            assert (indicator.min_value, indicator.max_value) in {(0, 100), (-100, 100), (None, None)}, indicator.id
        if indicator.is_count:
            assert indicator.min_value == 0, indicator.id


def test_units_sections_and_series_are_defined_codes(graph: rdflib.Graph) -> None:
    mp = rdflib.Namespace("https://w3id.org/migration-profile/def#")
    skos = rdflib.namespace.SKOS
    for prop in (mp.unit, mp.section, skos.exactMatch, skos.closeMatch):
        for _, target in graph.subject_objects(prop):
            assert (target, skos.inScheme, None) in graph, f"{target} is used but not defined"
    series_scheme = rdflib.URIRef("https://w3id.org/migration-profile/code/series")
    for series in graph.subjects(skos.inScheme, series_scheme):
        organisation = graph.value(series, mp.organisation)
        assert organisation is not None and (organisation, skos.inScheme, None) in graph


def test_no_two_indicators_claim_the_same_exact_series(catalogue: Catalogue) -> None:
    exact = Counter((s.organisation, s.code) for i in catalogue.indicators.values()
                    for s in i.source_series if s.match == "exact")
    assert [k for k, n in exact.items() if n > 1] == []
    assert catalogue.by_source("WB", "SM.POP.NETM").id == "FLW_NET"  # type: ignore[union-attr]
    assert catalogue.by_source("WB", "ATCR.CORR").id == "REM_CST_CORR"  # type: ignore[union-attr]


def test_an_indicator_added_to_the_ontology_only_appears_in_the_catalogue(tmp_path: Path) -> None:
    copy = tmp_path / "ontology"
    copy.mkdir()
    for path in ONTOLOGY.rglob("*.ttl"):
        target = copy / path.relative_to(ONTOLOGY)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    (copy / "extra.ttl").write_text(
        "@prefix mp: <https://w3id.org/migration-profile/def#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/migration-profile/indicator/CHR_TEST> a mp:Indicator, skos:Concept ;\n"
        '  skos:notation "CHR_TEST" ; skos:prefLabel "Test"@en ; skos:definition "A test."@en ;\n'
        "  mp:unit <https://w3id.org/migration-profile/code/unit/PS> ;\n"
        "  mp:section <https://w3id.org/migration-profile/code/section/CHR> ; mp:isCount true ;\n"
        "  mp:breakdown mp:sex .\n", encoding="utf-8")
    added = load_catalogue(copy).get("CHR_TEST")
    assert added is not None and added.breakdowns == frozenset({"SEX"}) and added.is_count
