"""IRIs of the shared vocabulary (same in every deployment) and of a deployment's instance data.

The vocabulary namespace is fixed so that two registries' data join by SPARQL (DESIGN §3);
instance data lives under the deployment's base IRI. Plain strings: no RDF library here.
"""

from __future__ import annotations

from urllib.parse import quote, unquote

ROOT = "https://w3id.org/migration-profile/"
MP = ROOT + "def#"
INDICATOR = ROOT + "indicator/"
CODE = ROOT + "code/"
VOCABULARY_GRAPH = ROOT + "graph/vocabulary"

QB = "http://purl.org/linked-data/cube#"
SDMX_CONCEPT = "http://purl.org/linked-data/sdmx/2009/concept#"
SDMX_DIMENSION = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_ATTRIBUTE = "http://purl.org/linked-data/sdmx/2009/attribute#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
DQV = "http://www.w3.org/ns/dqv#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SH = "http://www.w3.org/ns/shacl#"
FOAF = "http://xmlns.com/foaf/0.1/"
SPDX = "http://spdx.org/rdf/terms#"

DSD = MP + "dsd-MIGRATION_PROFILE"
DATAFLOW = MP + "dataflow-MIGRATION_PROFILE"

# SDMX component id -> (mp: property local name, code list folder or None for uncoded).
COMPONENT_PROPERTIES: dict[str, str] = {
    "FREQ": "freq",
    "REF_AREA": "refArea",
    "INDICATOR": "indicator",
    "COUNTERPART_AREA": "counterpartArea",
    "SEX": "sex",
    "AGE": "age",
    "MIGRATION_STATUS": "migrationStatus",
    "TIME_PERIOD": "timePeriod",
    "OBS_VALUE": "obsValue",
    "UNIT_MEASURE": "unitMeasure",
    "UNIT_MULT": "unitMult",
    "OBS_STATUS": "obsStatus",
    "CONF_STATUS": "confStatus",
    "DECIMALS": "decimals",
    "COMMENT": "comment",
    "SOURCE_DETAIL": "sourceDetail",
}

CODE_LISTS: dict[str, str] = {
    "FREQ": "freq",
    "REF_AREA": "area",
    "COUNTERPART_AREA": "area",
    "SEX": "sex",
    "AGE": "age",
    "MIGRATION_STATUS": "migration-status",
    "UNIT_MEASURE": "unit",
    "UNIT_MULT": "unit-mult",
    "OBS_STATUS": "obs-status",
    "CONF_STATUS": "conf-status",
}


def prop(component_id: str) -> str:
    """The mp: property IRI of an SDMX component id (e.g. REF_AREA -> mp:refArea)."""
    return MP + COMPONENT_PROPERTIES[component_id]


def code(code_list: str, code_id: str) -> str:
    """IRI of a code; characters outside the SDMX id pattern are percent-encoded, never dropped."""
    return f"{CODE}{code_list}/{quote(code_id, safe='')}"


def indicator(indicator_id: str) -> str:
    return INDICATOR + quote(indicator_id, safe="")


def component_value_iri(component_id: str, value: str) -> str:
    """IRI for a coded component value (the indicator dimension uses the indicator namespace)."""
    if component_id == "INDICATOR":
        return indicator(value)
    return code(CODE_LISTS[component_id], value)


def code_id_from_iri(iri: str) -> str:
    """The SDMX id at the end of a code or indicator IRI."""
    from urllib.parse import unquote

    return unquote(iri.rsplit("/", 1)[-1])


class InstanceIris:
    """IRIs minted under one deployment's base IRI (DESIGN §3)."""

    def __init__(self, base_iri: str) -> None:
        self.base = base_iri.rstrip("/")

    def dataset(self, dataset_id: str) -> str:
        return f"{self.base}/id/dataset/{quote(dataset_id, safe='')}"

    def submission(self, submission_id: str) -> str:
        return f"{self.base}/id/submission/{quote(submission_id, safe='')}"

    def observation(self, submission_id: str, series_key: str, period: str) -> str:
        return (
            f"{self.base}/id/observation/{quote(submission_id, safe='')}/"
            f"{quote(series_key, safe='.')}/{quote(period, safe='-')}"
        )

    def observation_parts(self, iri: str) -> tuple[str, str, str] | None:
        """(submission id, series key, period) of an observation IRI this deployment minted, else None."""
        prefix = f"{self.base}/id/observation/"
        if not iri.startswith(prefix):
            return None
        parts = iri[len(prefix):].split("/")
        if len(parts) != 3:
            return None
        return unquote(parts[0]), unquote(parts[1]), unquote(parts[2])

    def agency(self, agency_id: str) -> str:
        return f"{self.base}/id/agency/{quote(agency_id, safe='')}"

    def agency_graph(self, agency_id: str) -> str:
        """The named graph holding an agency's public description."""
        return f"{self.base}/graph/agency/{quote(agency_id, safe='')}"

    def file(self, sha256: str) -> str:
        return f"{self.base}/id/file/{sha256}"

    def activity(self, submission_id: str) -> str:
        return f"{self.base}/id/activity/ingest-{quote(submission_id, safe='')}"

    def audit_activity(self, activity_id: str) -> str:
        """An activity of the audit trail (uploads, withdrawals)."""
        return f"{self.base}/id/activity/{quote(activity_id, safe='')}"

    @property
    def registry_graph(self) -> str:
        return f"{self.base}/graph/registry"

    @property
    def audit_graph(self) -> str:
        """Every write as a prov:Activity: who, what, when (never public)."""
        return f"{self.base}/graph/audit"
