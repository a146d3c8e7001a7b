"""Do-no-harm disclosure control for imported publishers' data (DESIGN §5; MICIC Guideline 2).

International publishers release counts of 1-4 persons (e.g. refugees from one origin in one
country). The registry withholds such cells from the public view: for indicators that count persons
(mp:isCount), a value above 0 and below the disclosure threshold is marked CONF_STATUS C, so it is kept
in the submission's restricted graph and never published. Zero is not disclosive and stays public.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal, InvalidOperation

from api.model.catalogue import Catalogue
from api.model.submission import ObservationRecord, ParsedFile

WITHHELD_NOTE = "withheld by the registry's disclosure control: a count below {threshold}"


def _small(text: str, threshold: int) -> bool:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return False
    return Decimal(0) < value < threshold


def withhold_small_counts(parsed: ParsedFile, catalogue: Catalogue, threshold: int) -> tuple[ParsedFile, int]:
    """Mark small positive counts CONF_STATUS C (restricted); returns the new file and how many were marked."""
    counted = {i.id for i in catalogue.indicators.values() if i.is_count}
    marked = 0
    records: list[ObservationRecord] = []
    for record in parsed.records:
        cells = record.cells
        if (cells.get("INDICATOR") in counted and cells.get("CONF_STATUS", "F") == "F"
                and _small(cells.get("OBS_VALUE", "").strip(), threshold)):
            note = WITHHELD_NOTE.format(threshold=threshold)
            comment = f"{cells['COMMENT']}; {note}" if cells.get("COMMENT") else note
            records.append(dataclasses.replace(record, cells={**cells, "CONF_STATUS": "C", "COMMENT": comment}))
            marked += 1
        else:
            records.append(record)
    return dataclasses.replace(parsed, records=records), marked
