"""A seeded synthetic submission with planted errors, for comparing the SHACL engines (DESIGN §5)."""

from __future__ import annotations

import random

from api.model.submission import ObservationRecord

AREAS = ("DEU", "FRA", "ITA", "ESP", "POL", "SWE", "AUT", "BEL", "NLD", "PRT", "GRC", "IRL", "KEN", "SEN", "MEX")
ORIGINS = ("_T", "AFG", "SYR", "UKR", "TUR", "MAR")
AGES = ("_T", "Y0T14", "Y15T64", "Y_GE65")


def _base(area: str, year: int, kind: int, i: int) -> dict[str, str]:
    cells = {"FREQ": "A", "REF_AREA": area, "TIME_PERIOD": str(year), "UNIT_MULT": "0", "CONF_STATUS": "F",
             "OBS_STATUS": "", "DECIMALS": "0", "COMMENT": "", "SOURCE_DETAIL": ""}
    if kind == 0:
        sex = ("F", "M", "_T")[(i // 3) % 3]
        return {**cells, "INDICATOR": "STK_IMM", "COUNTERPART_AREA": ORIGINS[i % len(ORIGINS)], "SEX": sex,
                "AGE": AGES[(i // 9) % len(AGES)], "MIGRATION_STATUS": "_Z", "OBS_VALUE": str(1000 + i),
                "UNIT_MEASURE": "PS"}
    if kind == 1:
        return {**cells, "INDICATOR": "STK_IMM_PCT", "COUNTERPART_AREA": "_Z", "SEX": ("F", "M", "_T")[(i // 3) % 3],
                "AGE": "_Z", "MIGRATION_STATUS": "_Z", "OBS_VALUE": f"{(i % 400) / 10:.1f}", "UNIT_MEASURE": "PT",
                "DECIMALS": "1"}
    return {**cells, "INDICATOR": "REM_IN", "COUNTERPART_AREA": "_Z", "SEX": "_Z", "AGE": "_Z",
            "MIGRATION_STATUS": "_Z", "OBS_VALUE": str(10_000_000 + 17 * i), "UNIT_MEASURE": "USD"}


MUTATIONS: tuple[tuple[str, str], ...] = (
    ("SEX", "X"), ("REF_AREA", "QQQ"), ("OBS_VALUE", "1,5"), ("OBS_VALUE", "-4"), ("OBS_VALUE", "150"),
    ("OBS_VALUE", "3"), ("OBS_VALUE", ""), ("TIME_PERIOD", "2020/21"), ("CONF_STATUS", ""), ("UNIT_MEASURE", "PS"),
    ("UNIT_MEASURE", ""), ("AGE", "Y15T64"), ("SEX", "_Z"), ("DECIMALS", "99"), ("DECIMALS", "x"),
    ("OBS_STATUS", "ZZ"), ("UNIT_MULT", "3"), ("FREQ", ""), ("CONF_STATUS", "C"), ("OBS_VALUE", "0"),
)


def synthetic_records(n: int, seed: int = 7, error_rate: float = 0.05) -> list[ObservationRecord]:
    """``n`` observations over three indicators; about ``error_rate`` of them mutated, a few duplicated."""
    rng = random.Random(seed)
    records: list[ObservationRecord] = []
    i = 0
    while len(records) < n:
        kind = i % 3
        area = AREAS[(i // 3) % len(AREAS)]
        year = 1900 + i // (3 * len(AREAS))  # (area, year, indicator) is unique: no accidental duplicates
        cells = _base(area, year, kind, i)
        if rng.random() < error_rate:
            column, value = rng.choice(MUTATIONS)
            cells[column] = value
        records.append(ObservationRecord(cells=cells, row=len(records) + 2))
        if rng.random() < error_rate / 5 and len(records) < n:
            records.append(ObservationRecord(cells=dict(cells), row=len(records) + 2))
        i += 1
    return records
