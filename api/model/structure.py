"""The components of the MIGRATION_PROFILE data structure, in SDMX order (DESIGN §4)."""

from __future__ import annotations

from collections.abc import Mapping

AGENCY = "MPR"
DATAFLOW_ID = "MIGRATION_PROFILE"
DATAFLOW_VERSION = "1.0"
DSD_ID = "MIGRATION_PROFILE"  # the data structure shares the dataflow's id (skos:notation in structure.ttl)
CONCEPT_SCHEME_ID = "CS_MIGRATION_PROFILE"
DATAFLOW_REF = f"{AGENCY}:{DATAFLOW_ID}({DATAFLOW_VERSION})"

SERIES_DIMENSIONS: tuple[str, ...] = (
    "FREQ",
    "REF_AREA",
    "INDICATOR",
    "COUNTERPART_AREA",
    "SEX",
    "AGE",
    "MIGRATION_STATUS",
)
TIME_DIMENSION = "TIME_PERIOD"
DIMENSIONS: tuple[str, ...] = (*SERIES_DIMENSIONS, TIME_DIMENSION)
MEASURE = "OBS_VALUE"
ATTRIBUTES: tuple[str, ...] = (
    "UNIT_MEASURE",
    "UNIT_MULT",
    "OBS_STATUS",
    "CONF_STATUS",
    "DECIMALS",
    "COMMENT",
    "SOURCE_DETAIL",
)
# The attribute the registry adds to every value it answers (never submitted): the dataset it comes from.
DATASET_ATTRIBUTE = "DATASET"
PUBLISHED_ATTRIBUTES: tuple[str, ...] = (*ATTRIBUTES, DATASET_ATTRIBUTE)
COMPONENTS: tuple[str, ...] = (*DIMENSIONS, MEASURE, *ATTRIBUTES)
REQUIRED_COLUMNS: tuple[str, ...] = (*DIMENSIONS, MEASURE, "UNIT_MEASURE", "CONF_STATUS")

NOT_APPLICABLE = "_Z"
TOTAL = "_T"


def series_key(cells: Mapping[str, str]) -> str:
    """The SDMX series key: the series dimensions joined by dots, in DSD order."""
    return ".".join(cells.get(dim, "") or "" for dim in SERIES_DIMENSIONS)
