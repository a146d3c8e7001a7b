"""The area code list (ontology/codes/areas.ttl), its generator and AreaIndex (DESIGN §3 "Areas")."""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
from pathlib import Path
from types import ModuleType

import pyoxigraph
import pytest
from pyoxigraph import RdfFormat, Store

from api import vocab
from api.importers.areas import AreaIndex, normalise_name

REPO = Path(__file__).resolve().parents[1]
ONTOLOGY = REPO / "ontology"
ALIASES = ONTOLOGY / "codes" / "area-aliases.csv"
SPECIAL = {"_T", "_Z", "_U", "XXA", "XXX"}


@pytest.fixture(scope="module")
def areas() -> AreaIndex:
    return AreaIndex.load(ONTOLOGY)


@pytest.fixture(scope="module")
def graph() -> Store:
    store = Store()
    store.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in
                 pyoxigraph.parse(path=str(ONTOLOGY / "codes" / "areas.ttl"), format=RdfFormat.TURTLE))
    return store


def select(store: Store, query: str) -> list[tuple[str, ...]]:
    prefixes = (f"PREFIX skos: <{vocab.SKOS}>\nPREFIX mp: <{vocab.MP}>\n"
                f"PREFIX area: <{vocab.CODE}area/>\n")
    return [tuple(t.value for t in s) for s in store.query(prefixes + query)]  # type: ignore[union-attr]


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_areas", REPO / "scripts" / "generate_areas.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module


# --- the list ---------------------------------------------------------------------------------------

def test_every_iso_country_and_the_m49_regions(graph: Store, areas: AreaIndex) -> None:
    current = select(graph, """SELECT ?c WHERE { ?c skos:notation ?n .
        FILTER(datatype(?n) = mp:iso3166Alpha3) FILTER NOT EXISTS { ?c skos:historyNote ?h } }""")
    assert len(current) >= 249
    assert {"001", "002", "019", "142", "150", "009", "155", "202", "419", "005", "011", "154"} <= areas.codes()
    assert all(areas.is_region(code) for code in ("001", "150", "155", "419", "005", "199", "432", "722"))
    assert not any(areas.is_region(code) for code in ("DEU", "CHI", "XKX", "ATA", *SPECIAL))
    assert SPECIAL | {"XKX", "CHI", "DEU", "ANT", "SCG"} <= areas.codes()


def test_typed_notations(graph: Store) -> None:
    found = set(select(graph, """SELECT ?n (STR(datatype(?n)) AS ?dt) WHERE { area:DEU skos:notation ?n }"""))
    assert found == {("DEU", vocab.XSD + "string"), ("DE", vocab.MP + "iso3166Alpha2"),
                     ("DEU", vocab.MP + "iso3166Alpha3"), ("276", vocab.MP + "m49")}
    afg = select(graph, "SELECT ?n WHERE { area:AFG skos:notation ?n FILTER(datatype(?n) = mp:m49) }")
    assert afg == [("004",)]
    notes = select(graph, "SELECT ?n WHERE { area:XKX skos:editorialNote ?n }")
    assert notes and "user-assigned" in notes[0][0]


def test_broader_chain(areas: AreaIndex) -> None:
    assert areas.broader("DEU") == "155"
    assert areas.broader("155") == "150"
    assert areas.broader("150") == "001"
    assert areas.broader("001") is None
    assert [areas.broader("NGA"), areas.broader("011"), areas.broader("202")] == ["011", "202", "002"]
    assert areas.broader("XXA") is None


def test_members(areas: AreaIndex) -> None:
    western = areas.members("155")
    assert {"DEU", "FRA", "NLD"} <= western and "ITA" not in western
    assert western < areas.members("150") < areas.members("001")
    assert len(areas.members("001")) >= 249
    assert not any(areas.is_region(code) for code in areas.members("001"))
    ldc = areas.members("199")
    assert "AFG" in ldc and "DEU" not in ldc and len(ldc) > 40
    assert "SXM" not in areas.members("001") or areas.broader("SXM") == "029"
    assert areas.members("DEU") == set()


def test_lookup_by_code(areas: AreaIndex) -> None:
    cases = {"DEU": "DEU", "deu": "DEU", " DE ": "DEU", "de": "DEU", "276": "DEU", "4": "AFG", "004": "AFG",
             "150": "150", "1": "001", "001": "001", "XK": "XKX", "XKX": "XKX", "KSV": "XKX", "WLD": "001",
             "CHI": "CHI", "830": "CHI", "_T": "_T", "_z": "_Z", "XXA": "XXA", "LDC": "199",
             "900": "001", "910": "014", "1830": "419", "941": "199", "ZAR": "COD", "AN": "ANT"}
    assert {text: areas.code(text) for text in cases} == cases
    assert areas.code("ZZZ") is None
    assert areas.code("") is None
    assert areas.code("EUU") is None
    assert areas.code("901") is None  # UN DESA "Developed regions": no M49 area


def test_lookup_by_name(areas: AreaIndex) -> None:
    cases = {
        "Germany": "DEU", " germany ": "DEU", "Dem. Rep. of the Congo": "COD", "Iran (Islamic Rep. of)": "IRN",
        "Côte d'Ivoire": "CIV", "Cote d’Ivoire": "CIV", "COTE D'IVOIRE": "CIV", "Curacao ": "CUW",
        "Bosnia & Herzegovina": "BIH", "St. Lucia": "LCA", "Bahamas, The": "BHS", "Europe": "150",
        "Latin America & the Caribbean": "419", "Stateless": "XXA", "Various": "XXX", "Unknown ": "XXX",
        "Tibetan": "XXX", "Allemagne": "DEU", "Kosovo": "XKX", "Channel Islands": "CHI", "Turkey": "TUR",
        "United States": "USA", "Micronesia (Fed. States of)": "FSM", "Micronesia": "057",
    }
    assert {text: areas.name(text) for text in cases} == cases
    assert areas.name("Atlantis") is None
    assert areas.name("  ") is None


def test_labels(areas: AreaIndex) -> None:
    assert areas.label("DEU") == "Germany"
    assert areas.label("DEU", "fr") == "Allemagne"
    assert areas.label("DEU", "es") == "Alemania"
    assert areas.label("BHS") == "Bahamas"
    assert areas.label("150", "fr") == "Europe"
    assert areas.label("NOPE") is None


def test_normalise_name() -> None:
    assert normalise_name("  Côte d’Ivoire ") == normalise_name("Cote d'Ivoire") == "cote divoire"
    assert normalise_name("St. Kitts & Nevis") == "saint kitts and nevis"
    assert normalise_name("Gambia, The") == normalise_name("The Gambia") == "gambia"


# --- the alias table ----------------------------------------------------------------------------------

def alias_rows() -> list[dict[str, str]]:
    with ALIASES.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_alias_table_rows_resolve_to_their_code(areas: AreaIndex) -> None:
    rows = alias_rows()
    assert rows and list(rows[0]) == ["name", "code", "publisher", "note"]
    for row in rows:
        name, code = row["name"], row["code"]
        assert row["publisher"] and row["note"], row
        if name.startswith("code:"):
            assert areas.code(name[5:]) == (code or None), row
        elif code:
            assert areas.name(name) == code, row
        else:
            assert row["note"].startswith(("unmapped", "not mapped")), row


# --- the generator --------------------------------------------------------------------------------

def test_clean_unterm() -> None:
    module = generator()
    assert module.clean_unterm("Bahamas (the)") == "Bahamas"
    assert module.clean_unterm("Holy See (the) *") == "Holy See"
    assert module.clean_unterm("Afghanistan (l')") == "Afghanistan"
    assert module.clean_unterm("Iran (Islamic Republic of)") == "Iran (Islamic Republic of)"


def test_alias_that_contradicts_a_standard_name_is_refused(shared_data: Path, tmp_path: Path) -> None:
    pytest.importorskip("pycountry", reason="the generator needs pycountry (the codegen extra)")
    bad = tmp_path / "aliases.csv"
    bad.write_text("name,code,publisher,note\nGermany,FRA,test,wrong\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="already denotes DEU"):
        generator().build_areas(shared_data, bad)


def test_committed_areas_equal_the_generator_output(shared_data: Path) -> None:
    pytest.importorskip("pycountry", reason="the generator needs pycountry (the codegen extra)")
    if not (shared_data / "country-codes" / "UNSD-M49-en.csv").is_file():
        pytest.skip("country-codes/UNSD-M49-en.csv is not in the sources folder")
    expected = generator().build_areas(shared_data, ALIASES)
    committed = (ONTOLOGY / "codes" / "areas.ttl").read_text(encoding="utf-8")
    assert committed == expected, "ontology/codes/areas.ttl is stale: run scripts/generate_areas.py"


# --- the publishers' names ------------------------------------------------------------------------

def decoded_lines(path: Path) -> list[str]:
    """Each line as UTF-8 if it is, else Windows-1252 (the UNHCR Refugee Data Finder file mixes them)."""
    lines = []
    for raw in path.read_bytes().split(b"\n"):
        try:
            lines.append(raw.decode("utf-8").lstrip("\ufeff").rstrip("\r"))
        except UnicodeDecodeError:
            lines.append(raw.decode("cp1252").rstrip("\r"))
    return lines


def csv_rows(lines: list[str], header_starts: str) -> list[list[str]]:
    start = next(i for i, line in enumerate(lines) if line.startswith(header_starts))
    return list(csv.reader(io.StringIO("\n".join(lines[start + 1:]))))


def test_every_unhcr_name_maps(shared_data: Path, areas: AreaIndex) -> None:
    folder = shared_data / "unhcr"
    popstats = csv_rows(decoded_lines(folder / "unhcr_popstats_persons_of_concern_timeseries_2000-2013.csv"),
                        "Country / territory of residence")
    finder = csv_rows(decoded_lines(folder / "unhcr_rdf_refugees_asylum-seekers_by_origin_asylum_1995-2014.csv"),
                      "Year,")
    names = {r[i] for r in popstats if len(r) > 3 for i in (0, 1)}
    names |= {r[i] for r in finder if len(r) > 3 for i in (1, 2)}
    assert len(names) > 200
    found = {name: areas.name(name) or areas.name(name.replace(".", " ")) for name in names}
    assert sorted(name for name, code in found.items() if code is None) == []
    assert found["Côte d'Ivoire"] == "CIV" and found["Curacao "] == "CUW"
    assert {found[n] for n in ("Stateless",)} == {"XXA"}
    assert {found[n] for n in ("Various", "Unknown ", "Tibetan")} == {"XXX"}


def test_every_remittance_corridor_area_maps(shared_data: Path, areas: AreaIndex) -> None:
    path = next((shared_data / "worldbank-remittance-prices").glob("*.csv"))
    rows = [r for r in csv_rows(decoded_lines(path), "Sending Countries Name") if len(r) > 5 and r[1]]
    assert len(rows) > 100
    pairs = {(r[0], r[1]) for r in rows} | {(r[4], r[5]) for r in rows}
    wrong = {(name, code): (areas.name(name), areas.code(code)) for name, code in pairs
             if areas.name(name) is None or areas.name(name) != areas.code(code)}
    assert wrong == {}


def test_every_wdi_economy_maps_and_only_wld_and_ldc_aggregates(shared_data: Path, areas: AreaIndex) -> None:
    rows = list(csv.DictReader(decoded_lines(shared_data / "worldbank-wdi" / "WDICountry.csv")))
    economies = [r for r in rows if r["Region"]]
    assert len(economies) > 200
    assert [r["Country Code"] for r in economies if areas.code(r["Country Code"]) is None] == []
    for r in economies:
        for column in ("Short Name", "Table Name", "Long Name"):
            if r[column] != "Micronesia":  # the M49 sub-region 057 (alias table)
                assert areas.name(r[column]) == areas.code(r["Country Code"]), (column, r[column])
    mapped = {r["Country Code"]: areas.code(r["Country Code"]) for r in rows if not r["Region"]}
    assert {code: area for code, area in mapped.items() if area} == {"WLD": "001", "LDC": "199"}


def test_every_unsd_yearbook_area_maps_by_code_and_name(shared_data: Path, areas: AreaIndex) -> None:
    path = next((shared_data / "unsd-syb-migrants-refugees").glob("*.csv"))
    rows = csv_rows(decoded_lines(path), "Region/Country/Area")
    pairs = {(r[0], r[1]) for r in rows if len(r) > 2 and r[0]}
    unmapped = {name for code, name in pairs if areas.code(code) is None}
    assert unmapped == {"South-central Asia", "Latin America"}
    wrong = {name for code, name in pairs if areas.code(code) and areas.name(name) != areas.code(code)}
    assert wrong == set()
