"""Structure query paths (REST v1.5 §4.3, REST v2 structures.md) and what they select from the vocabulary."""

from __future__ import annotations

import pytest

from api.errors import BadRequest, NotFound
from api.model.sdmx_structure import Constraint, ItemScheme
from api.model.sdmx_structure_query import StructureQuery, version_matches
from api.services.registry import Registry
from api.services.sdmx import structures as sdmx_structures
from api.services.sdmx.structure_params import parse_schema_v2, parse_structure_v1, parse_structure_v2

DSD_LISTS = {"CL_FREQ", "CL_AREA", "CL_INDICATOR", "CL_SEX", "CL_AGE", "CL_MIGRATION_STATUS", "CL_UNIT_MEASURE",
             "CL_UNIT_MULT", "CL_OBS_STATUS", "CL_CONF_STATUS"}


def refs(registry: Registry, query: StructureQuery) -> set[str]:
    return {f"{a.ref.type}:{a.ref.id}" for a in sdmx_structures.structures(registry, query).artefacts}


# -- parsing -------------------------------------------------------------------------------------

def test_v1_keywords_and_lists() -> None:
    query = parse_structure_v1("codelist", "MPR", "CL_SEX+CL_AGE", "latest", "F+M", {"detail": "allstubs"})
    assert query.types == ("codelist",) and query.ids == ("CL_SEX", "CL_AGE") and query.items == ("F", "M")
    assert query.detail == "allstubs" and query.versions == ("latest",)
    everything = parse_structure_v1("structure", "all", "all", "all", None, {})
    assert everything.agencies is None and everything.ids is None and everything.versions == ("*",)
    assert parse_structure_v1("contentconstraint", None, None, None, None, {}).types == ("dataconstraint",)


def test_v2_wildcards_and_lists() -> None:
    query = parse_structure_v2("codelist,conceptscheme", "*", "CL_SEX,CS_MIGRATION_PROFILE", "+", "*",
                               {"references": "ancestors"})
    assert query.types == ("codelist", "conceptscheme") and query.agencies is None
    assert query.versions == ("+",) and query.items is None and query.references == "ancestors"
    assert parse_structure_v2(None, None, None, None, None, {}).versions == ("latest",)  # ~ by default
    assert len(parse_structure_v2("*", None, None, "1.0,2.0", None, {}).types) == 5


@pytest.mark.parametrize(("args", "params", "fragment"), [
    (("codelist", "MPR", "CL SEX", None, None), {}, "resourceID"),
    (("codelist", "MPR", "CL_SEX", "one", None), {}, "version"),
    (("dataflow", "MPR", "MIGRATION_PROFILE", None, "A"), {}, "itemID"),
    (("codelist", None, None, None, None), {"detail": "most"}, "detail"),
    (("codelist", None, None, None, None), {"references": "cousins"}, "references"),
    (("codelist", None, None, None, None), {"references": "ancestors"}, "references"),  # v2 only
    (("codelist", None, None, None, None), {"colour": "red"}, "colour"),
])
def test_v1_mistakes_are_400_naming_the_part(args: tuple[str, ...], params: dict[str, str], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        parse_structure_v1(*args, params)  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "params", "fragment"), [
    (("widget", None, None, None, None), {}, "structure type"),
    (("codelist", "M PR", None, None, None), {}, "agencyID"),
    (("codelist", None, None, "latest", None), {}, "version"),
    (("dataflow", None, None, None, "A"), {}, "itemID"),
    (("codelist", None, None, None, None), {"asOf": "yesterday"}, "asOf"),
    (("codelist", None, None, None, None), {"detail": "some"}, "detail"),
])
def test_v2_mistakes_are_400_naming_the_part(args: tuple[str, ...], params: dict[str, str], fragment: str) -> None:
    with pytest.raises(BadRequest, match=fragment):
        parse_structure_v2(*args, params)  # type: ignore[arg-type]


def test_types_the_registry_does_not_maintain_are_404() -> None:
    with pytest.raises(NotFound):
        parse_structure_v1("categoryscheme", None, None, None, None, {})
    with pytest.raises(NotFound):
        parse_structure_v2("hierarchy", None, None, None, None, {})


def test_schema_paths() -> None:
    assert parse_schema_v2("dataflow", "MPR", "MIGRATION_PROFILE", None, {}) == (
        "dataflow", "MPR", "MIGRATION_PROFILE", "latest")
    with pytest.raises(BadRequest, match="context"):
        parse_schema_v2("table", "MPR", "X", "1.0", {})


@pytest.mark.parametrize(("spec", "version", "newest", "expected"), [
    ("1.0", "1.0", "1.0", True), ("1.0.0", "1.0", "1.0", True), ("2.0", "1.0", "1.0", False),
    ("*", "1.0", "2.0", True), ("latest", "1.0", "2.0", False), ("+", "2.0", "2.0", True),
    ("1+.0", "1.0", "1.0", True), ("2+.0", "1.0", "1.0", False), ("1.2+.0", "1.0", "1.0", False),
])
def test_version_matching(spec: str, version: str, newest: str, expected: bool) -> None:
    assert version_matches(spec, version, newest) is expected


# -- selection and references --------------------------------------------------------------------

def test_references(registry: Registry) -> None:
    dsd = "datastructure:MIGRATION_PROFILE"
    flow = "dataflow:MIGRATION_PROFILE"
    lists = {f"codelist:{c}" for c in DSD_LISTS}
    scheme = "conceptscheme:CS_MIGRATION_PROFILE"
    sex = StructureQuery(types=("codelist",), ids=("CL_SEX",))
    assert refs(registry, sex) == {"codelist:CL_SEX"}
    assert refs(registry, StructureQuery(types=("codelist",), ids=("CL_SEX",), references="parents")) == {
        "codelist:CL_SEX", dsd}
    assert refs(registry, StructureQuery(types=("codelist",), ids=("CL_SEX",),
                                         references="parentsandsiblings")) == {dsd, *lists, scheme}
    # no public data in this registry, so the dataflow's actual constraint does not exist
    assert refs(registry, StructureQuery(types=("codelist",), ids=("CL_SEX",), references="ancestors")) == {
        "codelist:CL_SEX", dsd, flow}
    assert refs(registry, StructureQuery(types=("dataflow",), references="children")) == {flow, dsd}
    assert refs(registry, StructureQuery(types=("dataflow",), references="descendants")) == {flow, dsd, *lists,
                                                                                           scheme}
    assert refs(registry, StructureQuery(types=("dataflow",), references="codelist")) == {flow, *lists}
    assert refs(registry, StructureQuery(types=("datastructure",), references="dataflow")) == {dsd, flow}


def test_item_queries_give_partial_schemes(registry: Registry) -> None:
    result = sdmx_structures.structures(registry, StructureQuery(types=("codelist",), ids=("CL_SEX",),
                                                                 items=("F", "Q")))
    (scheme,) = result.artefacts
    assert isinstance(scheme, ItemScheme) and scheme.is_partial
    assert [i.id for i in scheme.items] == ["F"] and scheme.items[0].parent is None  # _T is not in the answer
    with pytest.raises(NotFound):
        sdmx_structures.structures(registry, StructureQuery(types=("codelist",), ids=("CL_SEX",), items=("Q",)))


def test_referencepartial_keeps_the_concepts_a_structure_uses(registry: Registry) -> None:
    result = sdmx_structures.structures(registry, StructureQuery(
        types=("datastructure",), references="children", detail="referencepartial"))
    scheme = next(a for a in result.artefacts if isinstance(a, ItemScheme) and a.ref.type == "conceptscheme")
    assert len(scheme.items) == 17 and not scheme.is_partial  # every concept is used (DATASET among them)
    assert not any(isinstance(a, Constraint) for a in result.artefacts)


def test_unknown_artefacts_are_404(registry: Registry) -> None:
    for query in (StructureQuery(types=("dataflow",), ids=("NOPE",)),
                  StructureQuery(types=("codelist",), agencies=("ECB",)),
                  StructureQuery(types=("codelist",), ids=("CL_SEX",), versions=("2.0",)),
                  StructureQuery(types=("dataconstraint",))):  # no public data yet
        with pytest.raises(NotFound, match="MIGRATION_PROFILE"):
            sdmx_structures.structures(registry, query)
