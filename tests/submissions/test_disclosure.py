"""Small counts of imported publishers' data are withheld (CONF_STATUS C); zeros and rates stay public."""

from __future__ import annotations

from api.model.catalogue import Catalogue, Indicator
from api.model.submission import ObservationRecord, ParsedFile
from api.services.submissions.disclosure import withhold_small_counts


def test_small_positive_counts_are_withheld() -> None:
    catalogue = Catalogue({
        "FDP_REF_A": Indicator("FDP_REF_A", {}, {}, "PS", "FDP", is_count=True),
        "STK_IMM_PCT": Indicator("STK_IMM_PCT", {}, {}, "PT", "STK", is_count=False),
    })
    rows = [("FDP_REF_A", "3"), ("FDP_REF_A", "0"), ("FDP_REF_A", "5"), ("STK_IMM_PCT", "2.5"), ("FDP_REF_A", "")]
    parsed = ParsedFile("f.csv", "csv", [
        ObservationRecord({"INDICATOR": i, "OBS_VALUE": v, "CONF_STATUS": "F", "COMMENT": ""}, row=n)
        for n, (i, v) in enumerate(rows, start=2)
    ])
    result, marked = withhold_small_counts(parsed, catalogue, 5)
    assert marked == 1
    assert [r.cells["CONF_STATUS"] for r in result.records] == ["C", "F", "F", "F", "F"]
    assert "disclosure control" in result.records[0].cells["COMMENT"]
    assert result.records[0].row == 2
