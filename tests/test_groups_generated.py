"""ontology/codes/groups-wb.ttl and groups-undesa.ttl are what scripts/generate_groups.py makes of the sources."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest
import rdflib

REPO = Path(__file__).resolve().parents[1]
GROUP = rdflib.Namespace("https://w3id.org/migration-profile/code/group/")
AREA = "https://w3id.org/migration-profile/code/area/"
SKOS = rdflib.namespace.SKOS


def test_generated_group_files_are_up_to_date(shared_data: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import generate_groups
    finally:
        sys.path.pop(0)
    assert generate_groups.main(["--sources", str(shared_data), "--check"]) == 0


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for path in sorted((REPO / "ontology" / "codes").glob("groups*.ttl")):
        g.parse(path, format="turtle")
    return g


def _members(graph: rdflib.Graph, group: str) -> set[str]:
    return {str(m).removeprefix(AREA) for m in graph.objects(GROUP[group], SKOS.member)}


def test_world_bank_groups_are_those_of_wdicountry(graph: rdflib.Graph, shared_data: Path) -> None:
    with (shared_data / "worldbank-wdi" / "WDICountry.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Region"].strip()]
    high = {r["Country Code"] for r in rows if r["Income Group"] == "High income"}
    assert _members(graph, "WB_HIC") == high
    assert _members(graph, "WB_ECS") == {r["Country Code"] for r in rows if r["Region"] == "Europe & Central Asia"}


def test_the_eu_has_27_members_today_and_the_uk_until_2020(graph: rdflib.Graph) -> None:
    current = _members(graph, "EU27")
    assert len(current) == 27 and "GBR" not in current and {"DEU", "HRV"} <= current
    uk = [m for m in graph.objects(GROUP["EU27"], rdflib.URIRef("https://w3id.org/migration-profile/def#membership"))
          if str(graph.value(m, rdflib.URIRef("https://w3id.org/migration-profile/def#memberArea"))).endswith("/GBR")]
    until = graph.value(uk[0], rdflib.URIRef("https://w3id.org/migration-profile/def#memberUntil"))
    assert str(until) == "2020-01-31"


def test_development_groups_of_the_ims_table(graph: rdflib.Graph) -> None:
    assert {"DEU", "FRA", "GBR"} <= _members(graph, "UNDESA_MDR")
    assert {"SYR", "LBY", "PHL", "MEX"} <= _members(graph, "UNDESA_LDR")
    assert {"SYR", "LBY"} <= _members(graph, "SDG_1833")
