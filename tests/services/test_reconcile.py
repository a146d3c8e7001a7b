"""The precedence of the reconciled view (api/services/reconcile.py), rule by rule, and the catalogue data it
reads: every indicator's primary source and the republications among datasets/."""

from __future__ import annotations

from datetime import UTC, datetime

from api.services.build import read_descriptions
from api.services.catalogue import load_catalogue
from api.services.ontology import ontology_store
from api.services.reconcile import Reconciler, Source, assign
from tests.conftest import REPO

OLD, NEW = datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
SOURCES = {
    "g:nso": Source("g:nso", "NSO_DEU", "DESTATIS", OLD),
    "g:desa": Source("g:desa", "UNDESA_IMS", "UNDESA", OLD),
    "g:unsd": Source("g:unsd", "UNSD_SYB", "UNSD", NEW, republishes="UNDESA"),
    "g:wb": Source("g:wb", "WB_POP", "WB", NEW),
    "g:wb_old": Source("g:wb_old", "WB_POP_OLD", "WB", OLD),
}
RANKED = Reconciler(SOURCES, {"DESTATIS": "DEU"}, {"STK_IMM": "UNDESA", "CTX_POP": "UNDESA"})


def test_national_agency_for_its_own_country_first_then_primary_source_then_newest() -> None:
    assert RANKED.order(SOURCES, "DEU", "STK_IMM") == ("g:nso", "g:desa", "g:wb", "g:wb_old", "g:unsd")
    # the same agency for another country is not national there: the primary source leads
    assert RANKED.order(SOURCES, "FRA", "STK_IMM") == ("g:desa", "g:wb", "g:nso", "g:wb_old", "g:unsd")
    # no primary source among them: the newest release first
    assert RANKED.order(["g:wb_old", "g:wb", "g:nso"], "FRA", "FDP_IDP") == ("g:wb", "g:nso", "g:wb_old")


def test_a_republication_never_outranks_its_origin_even_when_newer() -> None:
    for area in ("DEU", "FRA"):
        for indicator in ("STK_IMM", "CTX_POP", "FDP_IDP"):
            order = RANKED.order(SOURCES, area, indicator)
            assert order.index("g:unsd") > order.index("g:desa")


def test_each_period_goes_to_the_best_graph_that_gives_it() -> None:
    periods = {"g:desa": ["2015", "2020"], "g:unsd": ["2010", "2015", "2020"], "g:nso": ["2020"]}
    assert assign(RANKED.order(periods, "DEU", "STK_IMM"), periods) == {
        "g:nso": ["2020"], "g:desa": ["2015"], "g:unsd": ["2010"]}
    assert assign(("g:x",), {"g:y": ["2020"]}) == {}


def test_every_indicator_has_a_primary_source_among_the_organisations() -> None:
    catalogue = load_catalogue(REPO / "ontology")
    organisations = {row["n"].value for row in ontology_store(REPO / "ontology").query(  # type: ignore[union-attr]
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> SELECT ?n WHERE { ?o skos:inScheme "
        "<https://w3id.org/migration-profile/code/organisation> ; skos:notation ?n }")}
    assert organisations
    assert {i.id for i in catalogue.indicators.values() if i.primary_source not in organisations} == set()
    assert catalogue.indicators["STK_IMM"].primary_source == "UNDESA"
    assert catalogue.indicators["FDP_REF_O"].primary_source == "UNHCR"


def test_the_unsd_yearbook_republishes_un_desa() -> None:
    republished = {d.id: d.republishes for d in read_descriptions(REPO / "datasets")}
    assert republished["UNSD_SYB65_MIGRANTS_REFUGEES"] == "UNDESA"
    assert republished["UNDESA_IMS2020_DESTINATION"] is None
