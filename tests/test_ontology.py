"""The vocabulary, the data structure and the code lists of ontology/ (DESIGN §3, §4; W3C vocab-data-cube §11)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store

from api import vocab

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology"
TTL_FILES = sorted(ONTOLOGY.rglob("*.ttl"))
PREFIXES = """
PREFIX qb: <http://purl.org/linked-data/cube#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX mp: <https://w3id.org/migration-profile/def#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
DIMENSIONS = ["FREQ", "REF_AREA", "INDICATOR", "COUNTERPART_AREA", "SEX", "AGE", "MIGRATION_STATUS", "TIME_PERIOD"]
ATTRIBUTES = ["UNIT_MEASURE", "UNIT_MULT", "OBS_STATUS", "CONF_STATUS", "DECIMALS", "COMMENT", "SOURCE_DETAIL",
              "DATASET"]  # DATASET: added by the registry to every value it answers (the reconciled view), never sent


@pytest.fixture(scope="module")
def store() -> Store:
    """Every Turtle file of ontology/ in one in-memory store (default graph)."""
    st = Store()
    for path in TTL_FILES:
        st.extend(Quad(q.subject, q.predicate, q.object)
                  for q in pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE))
    return st


def rows(store: Store, query: str) -> list[tuple[str, ...]]:
    return [tuple(term.value if term is not None else "" for term in solution)
            for solution in store.query(PREFIXES + query)]  # type: ignore[union-attr]


def pairs(store: Store, query: str) -> dict[str, str]:
    """A two-column SELECT as a dict."""
    return {row[0]: row[1] for row in rows(store, query)}


def scheme_codes(store: Store, code_list: str) -> dict[str, str]:
    """code id -> English label of one code list."""
    return pairs(store, f"""SELECT ?n ?l WHERE {{ ?c skos:inScheme <{vocab.CODE}{code_list}> ;
        skos:notation ?n ; skos:prefLabel ?l . FILTER(datatype(?n) = xsd:string && lang(?l) = "en") }}""")


@pytest.mark.parametrize("path", TTL_FILES, ids=lambda p: p.relative_to(ONTOLOGY).as_posix())
def test_every_turtle_file_parses(path: Path) -> None:
    """With both RDF libraries the registry uses (pyoxigraph for the store, rdflib under pyshacl)."""
    triples = list(pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE))
    assert triples, f"{path.name} is empty"
    assert len(rdflib.Graph().parse(path, format="turtle")) == len(set(triples))


def test_the_ontology_has_the_expected_files() -> None:
    names = {p.relative_to(ONTOLOGY).as_posix() for p in TTL_FILES}
    lists = ("freq", "areas", "sex", "age", "migration-status", "unit", "unit-mult", "obs-status", "conf-status",
             "section", "organisation", "series", "unhcr-population-type", "ilo-migration-status")
    assert {"vocabulary.ttl", "structure.ttl"} | {f"codes/{name}.ttl" for name in lists} <= names


def test_every_code_has_scheme_notation_and_english_label(store: Store) -> None:
    bad = rows(store, """SELECT DISTINCT ?c WHERE { ?c a skos:Concept .
        FILTER (NOT EXISTS { ?c skos:inScheme ?s }
             || NOT EXISTS { ?c skos:notation ?n . FILTER(datatype(?n) = xsd:string) }
             || NOT EXISTS { ?c skos:prefLabel ?l . FILTER(lang(?l) = "en") }) }""")
    assert bad == []
    count = rows(store, "SELECT (COUNT(?c) AS ?n) WHERE { ?c a skos:Concept }")
    assert int(count[0][0]) > 400


def test_every_scheme_has_an_sdmx_id_and_a_label(store: Store) -> None:
    bad = rows(store, """SELECT ?s WHERE { ?s a skos:ConceptScheme .
        FILTER (NOT EXISTS { ?s skos:notation ?n }
             || NOT EXISTS { ?s skos:prefLabel ?l . FILTER(lang(?l) = "en") }) }""")
    assert bad == []
    notations = pairs(store, "SELECT ?s ?n WHERE { ?s a skos:ConceptScheme ; skos:notation ?n }")
    expected = {"freq": "CL_FREQ", "area": "CL_AREA", "sex": "CL_SEX", "age": "CL_AGE",
                "migration-status": "CL_MIGRATION_STATUS", "unit": "CL_UNIT_MEASURE", "unit-mult": "CL_UNIT_MULT",
                "obs-status": "CL_OBS_STATUS", "conf-status": "CL_CONF_STATUS", "section": "CL_SECTION",
                "organisation": "CL_ORGANISATION", "series": "CL_SOURCE_SERIES"}
    for folder, sdmx_id in expected.items():
        assert notations.get(vocab.CODE + folder) == sdmx_id, folder
    assert notations.get(vocab.MP + "IndicatorScheme") == "CL_INDICATOR"


def test_no_code_is_in_a_scheme_that_does_not_exist(store: Store) -> None:
    bad = rows(store, """SELECT DISTINCT ?s WHERE { ?c skos:inScheme ?s .
        FILTER NOT EXISTS { ?s a skos:ConceptScheme } }""")
    assert bad == []


def test_top_concepts_are_declared_both_ways_and_have_no_broader(store: Store) -> None:
    bad = rows(store, """SELECT ?c WHERE {
        { ?s skos:hasTopConcept ?c FILTER NOT EXISTS { ?c skos:topConceptOf ?s } }
        UNION { ?c skos:topConceptOf ?s FILTER NOT EXISTS { ?s skos:hasTopConcept ?c } }
        UNION { ?c skos:topConceptOf ?s ; skos:broader ?b } }""")
    assert bad == []
    orphans = rows(store, f"""SELECT ?c WHERE {{ ?c skos:inScheme ?s .
        FILTER(STRSTARTS(STR(?s), "{vocab.CODE}"))
        FILTER NOT EXISTS {{ ?c skos:topConceptOf ?s }} FILTER NOT EXISTS {{ ?c skos:broader ?b }}
        FILTER NOT EXISTS {{ ?c a mp:SourceSeries }} }}""")
    assert orphans == []


def test_vocabulary_terms_are_defined_with_label_and_comment(store: Store) -> None:
    terms = ["Indicator", "SourceSeries", "Submission", "Agency", "section", "unit", "isCount", "minValue", "maxValue",
             "breakdown", "sdgIndicator", "comparabilityNote", "organisation", "seriesKey", "sourceRow",
             "definitionBasis", "releaseDate", "status", "version", "sha256", "sdmxTimePeriod", "iso3166Alpha2",
             "iso3166Alpha3", "m49", "publisherCode", "memberOf", "Region", "agencyId", "Dataflow"]
    described = {iri for (iri,) in rows(store, """SELECT ?t WHERE { ?t rdfs:label ?l ; rdfs:comment ?c .
        FILTER(lang(?l) = "en" && lang(?c) = "en") }""")}
    assert [t for t in terms if vocab.MP + t not in described] == []
    supers = set(rows(store, "SELECT ?c ?s WHERE { ?c rdfs:subClassOf ?s }"))
    assert (vocab.MP + "Indicator", vocab.SKOS + "Concept") in supers
    for parent in (vocab.QB + "DataSet", vocab.DCAT + "Dataset", vocab.PROV + "Entity"):
        assert (vocab.MP + "Submission", parent) in supers
    for parent in (vocab.PROV + "Organization", vocab.FOAF + "Organization"):
        assert (vocab.MP + "Agency", parent) in supers
    datatypes = {iri for (iri,) in rows(store, "SELECT ?d WHERE { ?d a rdfs:Datatype }")}
    assert {vocab.MP + d for d in ("sdmxTimePeriod", "iso3166Alpha2", "iso3166Alpha3", "m49")} <= datatypes
    untyped = rows(store, """SELECT ?p WHERE { ?p a rdf:Property . FILTER(STRSTARTS(STR(?p), STR(mp:)))
        FILTER NOT EXISTS { ?p rdfs:range ?r } }""")
    assert untyped == []


# --- the data structure definition ----------------------------------------------------------------

def components(store: Store, kind: str) -> list[tuple[str, ...]]:
    return rows(store, f"""SELECT ?id ?order ?concept ?required WHERE {{
        mp:dsd-MIGRATION_PROFILE qb:component ?spec . ?spec qb:{kind} ?p ; qb:order ?order .
        ?p skos:notation ?id ; qb:concept ?concept ; rdfs:label ?label .
        OPTIONAL {{ ?spec qb:componentRequired ?required }} }} ORDER BY ?order""")


def test_dsd_has_the_eight_dimensions_in_order(store: Store) -> None:
    dims = components(store, "dimension")
    assert [d[0] for d in dims] == DIMENSIONS
    assert [int(d[1]) for d in dims] == list(range(1, 9))
    concepts = {d[0]: d[2] for d in dims}
    assert concepts["REF_AREA"] == vocab.SDMX_CONCEPT + "refArea"
    assert concepts["TIME_PERIOD"] == vocab.SDMX_CONCEPT + "timePeriod"
    assert concepts["INDICATOR"] == vocab.MP + "concept-INDICATOR"


def test_dsd_has_the_measure_and_the_seven_attributes(store: Store) -> None:
    measures = components(store, "measure")
    assert [(m[0], m[2]) for m in measures] == [("OBS_VALUE", vocab.SDMX_CONCEPT + "obsValue")]
    attrs = components(store, "attribute")
    assert [a[0] for a in attrs] == ATTRIBUTES
    required = {a[0]: a[3] for a in attrs}
    assert required == {a: ("true" if a in ("UNIT_MEASURE", "CONF_STATUS") else "false") for a in ATTRIBUTES}
    dsd = rows(store, """SELECT ?n WHERE { mp:dsd-MIGRATION_PROFILE a qb:DataStructureDefinition ; skos:notation ?n ;
        mp:agencyId "MPR" ; <http://www.w3.org/2002/07/owl#versionInfo> "1.0" }""")
    assert dsd == [("MIGRATION_PROFILE",)]
    flow = rows(store, """SELECT ?n WHERE { mp:dataflow-MIGRATION_PROFILE skos:notation ?n ;
        <http://purl.org/dc/terms/conformsTo> mp:dsd-MIGRATION_PROFILE }""")
    assert flow == [("MIGRATION_PROFILE",)]


def test_component_properties_match_the_shared_contract(store: Store) -> None:
    found = pairs(store, """SELECT ?id ?p WHERE { mp:dsd-MIGRATION_PROFILE qb:component ?s .
        ?s ?kind ?p . VALUES ?kind { qb:dimension qb:measure qb:attribute } ?p skos:notation ?id }""")
    assert found == {**{cid: vocab.prop(cid) for cid in vocab.COMPONENT_PROPERTIES},
                     "DATASET": vocab.MP + "sourceDataset"}
    lists = pairs(store, "SELECT ?p ?list WHERE { ?p a qb:CodedProperty ; qb:codeList ?list }")
    expected = {vocab.prop(cid): vocab.CODE + folder for cid, folder in vocab.CODE_LISTS.items()}
    expected[vocab.prop("INDICATOR")] = vocab.MP + "IndicatorScheme"
    assert lists == expected
    subproperties = set(rows(store, "SELECT ?p ?s WHERE { ?p rdfs:subPropertyOf ?s }"))
    assert (vocab.prop("REF_AREA"), vocab.SDMX_DIMENSION + "refArea") in subproperties
    assert (vocab.prop("OBS_VALUE"), vocab.SDMX_MEASURE + "obsValue") in subproperties
    assert (vocab.prop("CONF_STATUS"), vocab.SDMX_ATTRIBUTE + "confStatus") in subproperties
    ranges = pairs(store, "SELECT ?p ?r WHERE { ?p rdfs:range ?r . FILTER(?p IN (mp:obsValue, mp:timePeriod)) }")
    assert ranges == {vocab.prop("OBS_VALUE"): vocab.XSD + "decimal", vocab.prop("TIME_PERIOD"): vocab.RDFS + "Literal"}


def test_mp_concepts_of_the_structure_are_in_the_mp_concept_scheme(store: Store) -> None:
    found = rows(store, """SELECT ?n WHERE { ?c skos:inScheme mp:conceptScheme-MIGRATION_PROFILE ; skos:notation ?n }
        ORDER BY ?n""")
    assert [f[0] for f in found] == ["COUNTERPART_AREA", "DATASET", "INDICATOR", "MIGRATION_STATUS", "SOURCE_DETAIL"]


# W3C Data Cube integrity constraints on the structure (vocab-data-cube §11.1), as SELECTs of offenders.
IC_QUERIES = {
    "IC-3 every DSD has a measure": """SELECT ?dsd WHERE { ?dsd a qb:DataStructureDefinition .
        FILTER NOT EXISTS { ?dsd qb:component/qb:measure ?p . ?p a qb:MeasureProperty } }""",
    "IC-4 every dimension has a range": """SELECT ?dim WHERE { ?dim a qb:DimensionProperty .
        FILTER NOT EXISTS { ?dim rdfs:range ?range } }""",
    "IC-5 every coded dimension has a code list": """SELECT ?dim WHERE { ?dim a qb:DimensionProperty ;
        rdfs:range skos:Concept . FILTER NOT EXISTS { ?dim qb:codeList ?list } }""",
    "IC-6 only attributes may be optional": """SELECT ?p WHERE { ?dsd qb:component ?spec .
        ?spec qb:componentRequired "false"^^xsd:boolean ; qb:componentProperty|qb:dimension|qb:measure|qb:attribute ?p .
        FILTER NOT EXISTS { ?p a qb:AttributeProperty } }""",
    "component properties are typed": """SELECT ?p WHERE {
        { ?s qb:dimension ?p FILTER NOT EXISTS { ?p a qb:DimensionProperty } }
        UNION { ?s qb:measure ?p FILTER NOT EXISTS { ?p a qb:MeasureProperty } }
        UNION { ?s qb:attribute ?p FILTER NOT EXISTS { ?p a qb:AttributeProperty } } }""",
    "coded properties name an existing scheme": """SELECT ?p WHERE { ?p qb:codeList ?list .
        FILTER NOT EXISTS { ?list a skos:ConceptScheme } }""",
}


@pytest.mark.parametrize("name", list(IC_QUERIES))
def test_structure_integrity_constraint(store: Store, name: str) -> None:
    assert rows(store, IC_QUERIES[name]) == []


def test_integrity_queries_catch_a_broken_structure() -> None:
    """The IC queries above do fail: a dimension without range or code list and an optional dimension."""
    st = Store()
    ex = "http://example.org/"
    qb = vocab.QB
    triples = [
        (ex + "dsd", vocab.RDF + "type", qb + "DataStructureDefinition"),
        (ex + "dsd", qb + "component", ex + "spec"),
        (ex + "spec", qb + "dimension", ex + "dim"),
        (ex + "spec", qb + "componentRequired", Literal("false", datatype=NamedNode(vocab.XSD + "boolean"))),
        (ex + "dim", vocab.RDF + "type", qb + "DimensionProperty"),
        (ex + "coded", vocab.RDF + "type", qb + "DimensionProperty"),
        (ex + "coded", vocab.RDFS + "range", vocab.SKOS + "Concept"),
    ]
    for s, p, o in triples:
        st.add(Quad(NamedNode(s), NamedNode(p), o if isinstance(o, Literal) else NamedNode(str(o))))
    for name in ("IC-3 every DSD has a measure", "IC-4 every dimension has a range",
                 "IC-5 every coded dimension has a code list", "IC-6 only attributes may be optional"):
        assert rows(st, IC_QUERIES[name]) != [], name


# --- code lists -----------------------------------------------------------------------------------

def test_small_code_lists_have_the_contract_codes(store: Store) -> None:
    assert set(scheme_codes(store, "freq")) == set("ASQMWD")
    assert set(scheme_codes(store, "sex")) == {"F", "M", "_T", "_U", "_Z"}
    assert set(scheme_codes(store, "unit")) == {"PS", "PT", "USD", "USD_PPP", "IX", "PER_100K", "RATIO", "SCORE",
                                                "NUM", "MOV", "YR"}
    assert scheme_codes(store, "unit-mult") == {"0": "Units", "3": "Thousands", "6": "Millions", "9": "Billions"}
    conf = scheme_codes(store, "conf-status")
    assert set(conf) == set("FCDNSA") and conf["F"] == "Free"
    obs = scheme_codes(store, "obs-status")
    assert set(obs) == set("ABDEFGIKLMNOPQSUV")
    assert obs["Q"] == "Missing value; suppressed" and obs["O"] == "Missing value"
    assert obs["M"] == "Missing value; data cannot exist"
    assert obs["L"] == "Missing value; data exist but were not collected"
    assert set(scheme_codes(store, "organisation")) == {"WB", "UNDESA", "UNHCR", "UNSD", "ILO", "OECD", "IOM", "UNODC",
                                                        "IDMC", "UNDP", "UNESCO", "ESTAT", "KNOMAD", "OHCHR"}
    homepages = rows(store, f"SELECT ?c WHERE {{ ?c skos:inScheme <{vocab.CODE}organisation> ; foaf:homepage ?h }}")
    assert len(homepages) == 14


def test_percent_is_bounded(store: Store) -> None:
    found = rows(store, f"""SELECT ?min ?max WHERE {{ <{vocab.code("unit", "PT")}> mp:minValue ?min ;
        mp:maxValue ?max }}""")
    assert found == [("0", "100")]


def test_main_lists_have_english_french_and_spanish_labels(store: Store) -> None:
    for code_list in ("sex", "age", "migration-status", "section"):
        missing = rows(store, f"""SELECT ?c WHERE {{ ?c skos:inScheme <{vocab.CODE}{code_list}> .
            FILTER (NOT EXISTS {{ ?c skos:prefLabel ?fr FILTER(lang(?fr) = "fr") }}
                 || NOT EXISTS {{ ?c skos:prefLabel ?es FILTER(lang(?es) = "es") }}) }}""")
        assert missing == [], code_list


def test_sections_have_definitions(store: Store) -> None:
    found = rows(store, f"""SELECT ?n WHERE {{ ?c skos:inScheme <{vocab.CODE}section> ; skos:notation ?n ;
        skos:definition ?d . FILTER(lang(?d) = "en") }}""")
    assert {f[0] for f in found} == {"CTX", "STK", "FLW", "CHR", "LAB", "REM", "DIA", "IRR", "FDP", "RET", "GOV"}


def _age_interval(code: str) -> tuple[int, int] | None:
    if m := re.fullmatch(r"Y(\d+)T(\d+)", code):
        return int(m.group(1)), int(m.group(2))
    if m := re.fullmatch(r"Y_LT(\d+)", code):
        return 0, int(m.group(1)) - 1
    if m := re.fullmatch(r"Y_GE(\d+)", code):
        return int(m.group(1)), 999
    return None


def test_age_groups_nest_exactly_in_their_broader_group(store: Store) -> None:
    codes = set(scheme_codes(store, "age"))
    bands = {f"Y{a}T{a + 4}" for a in range(0, 85, 5)} | {"Y_GE85"}
    assert bands | {"_T", "_Z", "_U", "Y_LT15", "Y0T14", "Y15T24", "Y15T64", "Y25T54", "Y55T64", "Y_GE15", "Y_GE65",
                    "Y20T64", "Y_LT18", "Y18T34", "Y35T64",
                    # IDMC's estimates of IDPs by sex and age
                    "Y0T1", "Y0T17", "Y0T24", "Y5T11", "Y5T14", "Y12T14", "Y12T16", "Y15T17", "Y25T64"} == codes
    broader = pairs(store, f"""SELECT ?n ?bn WHERE {{ ?c skos:inScheme <{vocab.CODE}age> ; skos:notation ?n ;
        skos:broader ?b . ?b skos:notation ?bn . FILTER(datatype(?n) = xsd:string && datatype(?bn) = xsd:string) }}""")
    assert bands <= set(broader), "every five-year band has a broader group"
    for child, parent in broader.items():
        inner, outer = _age_interval(child), _age_interval(parent)
        if parent == "_T":
            continue
        assert inner and outer and outer[0] <= inner[0] and inner[1] <= outer[1], (child, parent)
    assert broader["Y80T84"] == "Y_GE65" and broader["Y15T19"] == "Y15T24"


def test_migration_status_links(store: Store) -> None:
    codes = set(scheme_codes(store, "migration-status"))
    assert {"NB", "FB", "CIT", "NCIT", "STL", "FBNC", "FBC", "NBNC", "NBC", "RETM", "DESC", "REF", "ASY", "OIP",
            "IDP", "RDP", "RET", "OOC", "MWK", "TMP", "_T", "_Z", "_U"} == codes
    broader = set(rows(store, f"""SELECT ?n ?bn WHERE {{ ?c skos:inScheme <{vocab.CODE}migration-status> ;
        skos:notation ?n ; skos:broader/skos:notation ?bn }}"""))
    assert {("FBNC", "FB"), ("FBNC", "NCIT"), ("NBC", "NB"), ("NBC", "CIT"), ("STL", "NCIT")} <= broader
    exact = pairs(store, f"""SELECT ?n ?target WHERE {{ ?c skos:inScheme <{vocab.CODE}migration-status> ;
        skos:notation ?n ; skos:exactMatch ?t . ?t skos:inScheme <{vocab.CODE}unhcr-population-type> ;
        skos:notation ?target }}""")
    assert exact == {"REF": "REF", "ASY": "ASY", "IDP": "IDP", "STL": "STA", "OIP": "OIP", "OOC": "OOC", "RET": "RET",
                     "RDP": "RDP"}
    close = pairs(store, f"""SELECT ?n ?target WHERE {{ ?c skos:inScheme <{vocab.CODE}migration-status> ;
        skos:notation ?n ; skos:closeMatch ?t . ?t skos:inScheme <{vocab.CODE}ilo-migration-status> ;
        skos:notation ?target }}""")
    assert close == {"NB": "NAT_BORN", "FB": "FOR_BORN", "CIT": "CIT", "NCIT": "FOR_CIT"}
    assert set(scheme_codes(store, "unhcr-population-type")) == {"REF", "ASY", "IDP", "STA", "OIP", "OOC", "RET",
                                                                 "RDP", "HST"}
    scoped = rows(store, f"""SELECT ?n WHERE {{ ?c skos:inScheme <{vocab.CODE}migration-status> ; skos:notation ?n ;
        skos:scopeNote ?s . FILTER(CONTAINS(?s, "12 months")) }}""")
    assert {"FB", "NB", "CIT", "NCIT"} <= {s[0] for s in scoped}


def test_match_targets_exist(store: Store) -> None:
    dangling = rows(store, f"""SELECT ?t WHERE {{ ?c skos:exactMatch|skos:closeMatch|skos:broader ?t .
        FILTER(STRSTARTS(STR(?t), "{vocab.CODE}")) FILTER NOT EXISTS {{ ?t skos:inScheme ?s }} }}""")
    assert dangling == []
