"""``/api/datasets``: the public datasets as a DCAT 3 catalogue (JSON, and JSON-LD with the DCAT context).

Only the current, released version of each dataset appears (the public view; with an agency's principal,
that agency's view); its distributions point to this registry's JSON, CSV, SDMX and RDF answers for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import quote, unquote

from api import vocab
from api.errors import NotFound
from api.formats.rdf.writer import N_TRIPLES
from api.formats.sdmx.data_csv import CSV20
from api.formats.tabular.csv_writer import CSV
from api.formats.tabular.json_writer import JSON
from api.model.agency import Principal
from api.model.read_api import DatasetOut, DistributionOut, SeriesPart, VersionOut
from api.model.sdmx_period import period_bounds
from api.model.view import PublishedVersion
from api.services.read.index import ReadIndex, read_index, reconciled_index
from api.services.registry import Registry
from api.services.versions import public_versions

DOWNLOAD_PATH = "/api/download?"  # a file (DCAT 3 §6.7 dcat:downloadURL), written once per view and data generation


def _distributions(dataset_id: str) -> list[DistributionOut]:
    key = quote(dataset_id, safe="")
    return [
        DistributionOut("Observations as JSON", JSON.media_type, f"/api/observations?dataset={key}"),
        DistributionOut("Observations as CSV", CSV.media_type,
                        f"/api/observations?dataset={key}&format={CSV.names[0]}"),
        DistributionOut("RDF Data Cube (N-Triples; Turtle, JSON-LD and RDF/XML by Accept)",
                        N_TRIPLES.media_type, f"/api/datasets/{key}/rdf"),
        DistributionOut("This dataset's observations as SDMX-CSV (the registry's dataflow, this dataset only)",
                        CSV20.media_type, f"/sdmx/v2/data/dataflow/MPR/MIGRATION_PROFILE/1.0/*?format={CSV20.names[0]}"
                        f"&c%5BDATASET%5D={key}"),
        DistributionOut("This dataset's observations as a file (SDMX-CSV 1.0; Parquet and gzip by format= and "
                        "gzip=)", CSV.media_type, f"/api/download?dataset={key}&format=sdmx-csv"),
        DistributionOut("This dataset's observations as a file (CSV, a DATASET column)", CSV.media_type,
                        f"/api/download?dataset={key}&format=csv"),
    ]


def _datasets(registry: Registry, index: ReadIndex) -> Iterator[DatasetOut]:
    parts_of: dict[str, list[SeriesPart]] = defaultdict(list)
    for part in index.parts:
        parts_of[part.graph].append(part)
    for graph, provenance in sorted(index.provenance.items(), key=lambda item: item[1].dataset):
        parts = parts_of.get(graph, [])
        periods = [p for part in parts for p in part.periods]
        yield DatasetOut(
            id=provenance.dataset, title=provenance.dataset_title or provenance.dataset, agency=provenance.agency,
            version=provenance.version, submitted=provenance.submitted, licence=provenance.licence,
            sources=list(provenance.sources), primary_source=provenance.primary_source,
            definition_basis=provenance.definition_basis, observations=len(periods),
            indicators=sorted({p.code("INDICATOR") for p in parts}), areas=sorted({p.code("REF_AREA") for p in parts}),
            first_period=min(periods, key=period_bounds) if periods else None,
            last_period=max(periods, key=period_bounds) if periods else None,
            iri=registry.iris.dataset(provenance.dataset), submission_iri=graph,
            distributions=_distributions(provenance.dataset))


def published(registry: Registry) -> list[PublishedVersion]:
    """The current public version of every dataset with its public count, by dataset id (the home page): what the
    public view already read from the registry graph, no further query."""
    return list(registry.public_view().versions)


def dataflow_values(registry: Registry) -> int:
    """How many values the public dataflow answers: one per key and period (the reconciled view)."""
    return reconciled_index(registry, registry.public_view()).observations


def list_datasets(registry: Registry, principal: Principal | None = None) -> list[DatasetOut]:
    """Every public dataset (every dataset ``principal`` may see), by id."""
    view = registry.public_view() if principal is None else registry.agency_view(principal)
    return list(_datasets(registry, read_index(registry, view).folded()))


def get_dataset(registry: Registry, dataset_id: str, principal: Principal | None = None) -> DatasetOut:
    for dataset in list_datasets(registry, principal):
        if dataset.id == dataset_id:
            return dataset
    raise NotFound(f"no public dataset has the id '{dataset_id}': /api/datasets lists them.")


def dataset_versions(registry: Registry, dataset_id: str, now: datetime | None = None,
                     principal: Principal | None = None) -> list[VersionOut]:
    """Every version of a dataset that has been public, oldest first, with when each was valid (DESIGN §4);
    with ``principal``, also its own versions under embargo (valid from their release time)."""
    wanted = registry.iris.dataset(dataset_id)
    found = sorted((v for v in public_versions(registry, (now or datetime.now(UTC)).astimezone(UTC), principal)
                    if v.dataset == wanted), key=lambda v: v.version)
    if not found:
        raise NotFound(f"no public dataset has the id '{dataset_id}': /api/datasets lists them.")
    return [VersionOut(version=v.version, submission=unquote(v.graph.rsplit("/", 1)[-1]), submission_iri=v.graph,
                       generated=v.generated, valid_from=v.valid_from, valid_to=v.valid_to,
                       observations=v.observations, current=v.valid_to is None) for v in found]


def dataset_graph(registry: Registry, dataset_id: str) -> str:
    """The public graph of a dataset's current version (its RDF download)."""
    return get_dataset(registry, dataset_id).submission_iri


def json_ld(datasets: list[DatasetOut], base: str) -> dict[str, object]:
    """The catalogue in JSON-LD with DCAT 3, Dublin Core and PROV terms (DCAT 3 §5, §6)."""
    def one(d: DatasetOut) -> dict[str, object]:
        return {
            "@id": d.iri, "@type": "dcat:Dataset", "dct:identifier": d.id, "dct:title": d.title,
            "dct:publisher": {"@id": registry_agency(base, d.agency), "skos:notation": d.agency},
            "dct:license": {"@id": d.licence} if d.licence else None,
            "dct:source": d.sources, "prov:hadPrimarySource": d.primary_source,
            "dcat:version": str(d.version), "dct:modified": {"@value": d.submitted.isoformat(),
                                                              "@type": "xsd:dateTime"},
            "dcat:hasCurrentVersion": {"@id": d.submission_iri},
            "dct:temporal": {"@type": "dct:PeriodOfTime", "dcat:startDate": d.first_period,
                             "dcat:endDate": d.last_period} if d.first_period else None,
            "dct:spatial": [{"@id": vocab.code("area", a)} for a in d.areas],
            "dcat:theme": [{"@id": vocab.indicator(i)} for i in d.indicators],
            "dcat:distribution": [{"@type": "dcat:Distribution", "dct:title": x.title, "dcat:mediaType": x.media_type,
                                   "dcat:accessURL": {"@id": base + x.access_url},
                                   **({"dcat:downloadURL": {"@id": base + x.access_url}}
                                      if x.access_url.startswith(DOWNLOAD_PATH) else {})}
                                  for x in d.distributions],
        }
    return {
        "@context": {"dcat": vocab.DCAT, "dct": vocab.DCT, "prov": vocab.PROV, "skos": vocab.SKOS, "xsd": vocab.XSD},
        "@id": base + "/api/datasets", "@type": "dcat:Catalog", "dct:title": "Migration Profile Registry",
        "dcat:dataset": [{k: v for k, v in one(d).items() if v is not None} for d in datasets],
    }


def registry_agency(base: str, agency: str) -> str:
    return vocab.InstanceIris(base).agency(agency)
