"""`mpr import SOURCE FILE`: a publisher's original file -> a submission, loaded (issue: importers)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from api.errors import InputFileError
from api.importers.base import ImportContext, Importer, ImportResult
from api.services.registry import Registry
from api.services.submissions import ingest
from api.services.submissions.disclosure import withhold_small_counts
from api.services.submissions.progress import READING, Progress, quiet


def importers() -> dict[str, Importer]:
    """Every importer by the SOURCE name the CLI takes."""
    from api.importers.eurostat_asylum import EurostatAsylumImporter
    from api.importers.idmc import IdmcImporter
    from api.importers.iom_missing import IomMissingImporter
    from api.importers.knomad import KnomadMigrationImporter, KnomadRemittancesImporter
    from api.importers.remittance_prices import RemittancePricesImporter
    from api.importers.undesa_flows import UndesaFlowsImporter
    from api.importers.undesa_od import UndesaOriginDestinationImporter
    from api.importers.undesa_origin import UndesaOriginImporter
    from api.importers.undesa_stock import UndesaStockImporter
    from api.importers.undp_hdi import UndpHdiImporter
    from api.importers.unhcr import UnhcrImporter
    from api.importers.unhcr_annex import UnhcrAnnexImporter
    from api.importers.unsd_syb import UnsdSybImporter
    from api.importers.wdi import WdiImporter

    found: list[Importer] = [
        WdiImporter(), UndesaStockImporter(), UnhcrImporter(), UnsdSybImporter(), RemittancePricesImporter(),
        UndesaOriginImporter(), UndesaOriginDestinationImporter(), KnomadMigrationImporter(),
        KnomadRemittancesImporter(),
        UndpHdiImporter(), IdmcImporter(), IomMissingImporter(), EurostatAsylumImporter(),
        UndesaFlowsImporter(), UnhcrAnnexImporter(),
    ]
    return {i.name: i for i in found}


def read_source(registry: Registry, source: str, path: Path) -> ImportResult:
    """Convert a publisher's file (small counts withheld) without storing anything."""
    available = importers()
    if source not in available:
        raise InputFileError(f"unknown source '{source}'; use one of: {', '.join(sorted(available))}.")
    if not path.is_file():
        raise InputFileError(f"{path}: no such file.")
    threshold = registry.settings.disclosure_threshold
    context = ImportContext(areas=registry.areas, catalogue=registry.catalogue, disclosure_threshold=threshold)
    result = available[source].read(path, context)
    parsed, withheld = withhold_small_counts(result.parsed, registry.catalogue, threshold)
    if withheld:
        note = (f"{withheld} count(s) between 1 and {threshold - 1} withheld from the public view "
                "(CONF_STATUS C) by the registry's disclosure control")
        result = dataclasses.replace(result, parsed=parsed, notes=(*result.notes, note))
    return result


def import_source(
    registry: Registry, source: str, path: Path, *, dataset_id: str | None = None, title: str | None = None,
    progress: Progress = quiet,
) -> tuple[ImportResult, ingest.SubmissionResult]:
    """Convert and load; the dataset id and title of a datasets/ description win over the importer's."""
    progress(READING, 0, None)
    result = read_source(registry, source, path)
    meta = result.metadata
    if dataset_id:
        meta = dataclasses.replace(meta, dataset_id=dataset_id)
    if title:
        meta = dataclasses.replace(meta, title=title)
    return result, ingest.submit(registry, result.parsed, meta, progress=progress)
