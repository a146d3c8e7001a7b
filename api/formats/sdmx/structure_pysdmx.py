"""The registry's structure model as pysdmx artefacts, which pysdmx writes as SDMX-ML 2.1/3.0 and SDMX-JSON 2.0.

pysdmx names are single-language and its codes have no parent: English goes in here, and the format
modules add the other languages (SDMX Information Model §3.5.1 InternationalString) and code parents (§3.6).
Stubs (REST ``detail=*stubs``) carry identification and names only, with ``isExternalReference=true``
(REST structures.md, ``detail``).
"""

from __future__ import annotations

from datetime import datetime

from pysdmx.model import (
    Agency,
    Code,
    Codelist,
    Components,
    Concept,
    ConceptScheme,
    DataType,
    Role,
)
from pysdmx.model import Component as PysdmxComponent
from pysdmx.model import Dataflow as PysdmxDataflow
from pysdmx.model import DataStructureDefinition as PysdmxDsd
from pysdmx.model.__base import MaintainableArtefact
from pysdmx.model.constraint import (
    AvailabilityConstraint,
    ConstraintAttachment,
    CubeKeyValue,
    CubeRegion,
    CubeTimeRange,
    CubeValue,
    TimePeriodBoundary,
)
from pysdmx.model.message import Header

from api.model.sdmx import CubeRegion as RegistryCubeRegion
from api.model.sdmx_structure import (
    CODELIST,
    ArtefactRef,
    Constraint,
    Dataflow,
    DataStructure,
    ItemScheme,
    Maintainable,
    pick,
)
from api.model.structure import TIME_DIMENSION

PysdmxArtefact = MaintainableArtefact | AvailabilityConstraint

URN = "urn:sdmx:org.sdmx.infomodel."
_URN_CLASS = {"dataflow": "datastructure.Dataflow", "datastructure": "datastructure.DataStructure",
              "codelist": "codelist.Codelist", "conceptscheme": "conceptscheme.ConceptScheme"}
_DATATYPES = {"String": DataType.STRING, "Decimal": DataType.DECIMAL, "Integer": DataType.INTEGER,
              "Double": DataType.DOUBLE, "ObservationalTimePeriod": DataType.PERIOD}
_ROLES = {"dimension": Role.DIMENSION, "time": Role.DIMENSION, "measure": Role.MEASURE,
          "attribute": Role.ATTRIBUTE}


def urn(ref: ArtefactRef) -> str:
    """The SDMX URN of a maintainable artefact (Information Model §3.5.3.1)."""
    return f"{URN}{_URN_CLASS[ref.type]}={ref.agency}:{ref.id}({ref.version})"


def header(message_id: str, prepared: datetime, sender: str) -> Header:
    return Header(id=message_id, prepared=prepared, sender=Agency(id=sender))


def _description(artefact: Maintainable) -> str | None:
    if artefact.stub and not artefact.complete_stub:
        return None
    return pick(artefact.descriptions, "en") or None


def _common(artefact: Maintainable) -> dict[str, object]:
    return {"id": artefact.ref.id, "agency": artefact.ref.agency, "version": artefact.ref.version,
            "name": pick(artefact.names, "en"), "description": _description(artefact),
            "is_external_reference": artefact.stub, "urn": urn(artefact.ref)}


def _scheme(scheme: ItemScheme) -> Codelist | ConceptScheme:
    common = _common(scheme)
    if scheme.ref.type == CODELIST:
        codes = () if scheme.stub else tuple(
            Code(id=i.id, name=pick(i.names, "en"), description=pick(i.descriptions, "en") or None)
            for i in scheme.items)
        return Codelist(**common, items=codes, is_partial=scheme.is_partial)  # type: ignore[arg-type]
    concepts = () if scheme.stub else tuple(
        Concept(id=i.id, name=pick(i.names, "en"), description=pick(i.descriptions, "en") or None)
        for i in scheme.items)
    return ConceptScheme(**common, items=concepts, is_partial=scheme.is_partial)  # type: ignore[arg-type]


def _dsd(structure: DataStructure) -> PysdmxDsd:
    scheme = structure.concept_scheme
    components: list[PysdmxComponent] = []
    for component in () if structure.stub else structure.components:
        concept_urn = (f"{URN}conceptscheme.Concept={scheme.agency}:{scheme.id}({scheme.version}).{component.concept}"
                       if scheme is not None else None)
        codes = None
        if component.codelist is not None:
            codes = Codelist(id=component.codelist, agency=structure.ref.agency, version=structure.ref.version,
                             urn=f"{URN}codelist.Codelist={structure.ref.agency}:{component.codelist}"
                                 f"({structure.ref.version})")
        components.append(PysdmxComponent(
            id=component.id, required=component.required, role=_ROLES[component.role],
            concept=Concept(id=component.concept, urn=concept_urn),
            local_dtype=None if codes is not None else _DATATYPES.get(component.text_type, DataType.STRING),
            local_codes=codes,
            local_enum_ref=codes.urn if codes is not None else None,
            attachment_level="O" if component.role == "attribute" else None,
        ))
    return PysdmxDsd(**_common(structure), components=Components(components))  # type: ignore[arg-type]


def _dataflow(flow: Dataflow) -> PysdmxDataflow:
    structure = urn(flow.structure) if flow.structure is not None else None
    return PysdmxDataflow(**_common(flow), structure=structure)  # type: ignore[arg-type]


def availability(region: RegistryCubeRegion) -> AvailabilityConstraint:
    """An actual constraint (SDMX 2.1 ContentConstraint type Actual; 3.0 DataConstraint role Actual)."""
    values = [CubeKeyValue(id=dimension, values=tuple(CubeValue(code) for code in codes))
              for dimension, codes in region.values.items()]
    if region.time_start is not None and region.time_end is not None:
        values.append(CubeKeyValue(id=TIME_DIMENSION, time_range=CubeTimeRange(
            start_period=TimePeriodBoundary(region.time_start), end_period=TimePeriodBoundary(region.time_end))))
    ref = region.structure
    return AvailabilityConstraint(
        constraint_attachment=ConstraintAttachment(data_provider=None, dataflows=[ref.dataflow_urn]),
        cube_region=CubeRegion(key_values=values), obs_count=region.observations,
        series_count=region.series)


def to_pysdmx(artefact: Maintainable) -> PysdmxArtefact | None:
    """The pysdmx artefact for one of ours; None for a constraint without data."""
    if isinstance(artefact, ItemScheme):
        return _scheme(artefact)
    if isinstance(artefact, DataStructure):
        return _dsd(artefact)
    if isinstance(artefact, Dataflow):
        return _dataflow(artefact)
    if isinstance(artefact, Constraint):
        return availability(artefact.region) if artefact.region is not None else None
    raise TypeError(f"no pysdmx artefact for {type(artefact).__name__}")
