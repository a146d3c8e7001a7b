"""Fixtures shared by the importer tests: the publishers' files, an area index and a catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from api.importers.areas import AreaIndex
from api.model.catalogue import Catalogue, Indicator, SourceSeries

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sources_dir() -> Path:
    """The publishers' original files: MPR_SOURCES, else the shared data folder beside the repository."""
    path = Path(os.environ.get("MPR_SOURCES", REPO / ".." / "shared" / "data")).resolve()
    if not path.is_dir():
        pytest.skip(f"the publishers' files are not at {path} (set MPR_SOURCES)")
    return path


@pytest.fixture(scope="session")
def area_index() -> AreaIndex:
    """The registry's area code list (ontology/codes/areas.ttl)."""
    return AreaIndex.load(REPO / "ontology")


def _indicator(iid: str, unit: str, section: str, breakdowns: set[str], *series: str, count: bool = True) -> Indicator:
    return Indicator(
        id=iid, labels={"en": iid}, definitions={}, unit=unit, section=section,
        breakdowns=frozenset(breakdowns), is_count=count,
        source_series=tuple(SourceSeries(*s.split(":", 1)) for s in series),
    )


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """Stand-in for the catalogue of ontology/indicators.ttl until it exists: the indicators the
    importers of WDI, Remittance Prices, the UNSD yearbook, UN DESA and UNHCR files need."""
    indicators = [
        _indicator("CTX_POP", "PS", "CTX", {"SEX", "AGE"}, "WB:SP.POP.TOTL"),
        _indicator("FLW_NET", "PS", "FLW", set(), "WB:SM.POP.NETM"),
        _indicator("FDP_REF_O", "PS", "FDP", {"COUNTERPART_AREA"}, "WB:SM.POP.REFG.OR"),
        _indicator("REM_OUT", "USD", "REM", set(), "WB:BM.TRF.PWKR.CD.DT", count=False),
        _indicator("REM_CST_CORR", "PT", "REM", {"COUNTERPART_AREA"}, "WB:ATCR.CORR", count=False),
        _indicator("STK_IMM", "PS", "STK", {"SEX", "AGE", "COUNTERPART_AREA"}, "WB:SM.POP.TOTL"),
        _indicator("STK_IMM_PCT", "PT", "STK", {"SEX", "AGE"}, "WB:SM.POP.TOTL.ZS", count=False),
        _indicator("FDP_REF_A", "PS", "FDP", {"COUNTERPART_AREA"}, "WB:SM.POP.REFG"),
        _indicator("FDP_ASY", "PS", "FDP", {"COUNTERPART_AREA"}),
        _indicator("FDP_OOC", "PS", "FDP", set()),
        _indicator("FDP_POC", "PS", "FDP", set()),
    ]
    return Catalogue(indicators={i.id: i for i in indicators})
