"""Generate ontology/codes/areas.ttl, the area code list (DESIGN §3 "Areas").

Run from the repository root:  .venv/bin/python scripts/generate_areas.py --sources ../shared/data
(``--check`` compares instead of writing). Needs pycountry (the ``codegen`` extra).

Inputs, all read from the sources folder except the committed alias table:
- country-codes/UNSD-M49-en.csv: the UNSD M49 overview (regions, sub-regions, intermediate regions,
  LDC / LLDC / SIDS flags), zero-padded codes;
- country-codes/country-codes.csv: UNTERM English, French and Spanish short and formal names, official
  and CLDR names;
- pycountry: ISO 3166-1 names, and ISO 3166-3 for two former areas publishers still use (ANT, SCG);
- ontology/codes/area-aliases.csv (name,code,publisher,note): publishers' spellings -> skos:hiddenLabel;
  a name written ``code:XYZ`` is a publisher's code variant -> skos:notation "XYZ"^^mp:publisherCode;
  an empty code means "seen, deliberately not mapped" (the note says why).

Output: every ISO 3166-1 country or territory by alpha-3 code with typed alpha-2, alpha-3 and M49
notations and labels; M49 world, regions, sub-regions and intermediate regions by three-digit code
with skos:broader along the geographic tree; the groupings LDC 199, LLDC 432, SIDS 722 (mp:memberOf);
Kosovo XKX, Channel Islands CHI (830), ICAO Doc 9303 XXA / XXX, and _T, _Z, _U.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from api.importers.areas import normalise_name  # noqa: E402

SCHEME = "https://w3id.org/migration-profile/code/area"
M49_FILE = Path("country-codes") / "UNSD-M49-en.csv"
CODES_FILE = Path("country-codes") / "country-codes.csv"
ALIASES_FILE = REPO / "ontology" / "codes" / "area-aliases.csv"
OUTPUT_FILE = REPO / "ontology" / "codes" / "areas.ttl"

ALPHA2, ALPHA3, M49, PUBLISHER = "mp:iso3166Alpha2", "mp:iso3166Alpha3", "mp:m49", "mp:publisherCode"
GROUPINGS = (  # M49 code, flag column of the M49 overview, labels
    ("199", "Least Developed Countries (LDC)", "Least developed countries"),
    ("432", "Land Locked Developing Countries (LLDC)", "Landlocked developing countries"),
    ("722", "Small Island Developing States (SIDS)", "Small island developing States"),
)
_ARTICLE = re.compile(r"\s*\((the|l'|le|la|les|el|los|las)\)\s*$", re.IGNORECASE)


@dataclass
class Area:
    """One concept of the area list, before serialisation."""

    code: str
    notations: list[tuple[str, str]] = field(default_factory=list)
    pref: dict[str, str] = field(default_factory=dict)
    alt: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)
    broader: str | None = None
    member_of: list[str] = field(default_factory=list)
    region: bool = False
    notes: list[tuple[str, str]] = field(default_factory=list)
    replaced_by: list[str] = field(default_factory=list)

    def add_alt(self, label: str) -> None:
        label = " ".join(label.split())
        key = normalise_name(label)
        if key and key not in {normalise_name(x) for x in [self.pref.get("en", ""), *self.alt]}:
            self.alt.append(label)

    def name_keys(self) -> set[str]:
        return {normalise_name(x) for x in [self.pref["en"], *self.alt]}


def clean_unterm(name: str) -> str:
    """UNTERM short name -> label: "Bahamas (the)" -> "Bahamas", "Holy See (the) *" -> "Holy See"."""
    return _ARTICLE.sub("", name.replace("*", "").strip()).strip()


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _countries(m49_rows: list[dict[str, str]], code_rows: list[dict[str, str]]) -> dict[str, Area]:
    import pycountry  # the codegen extra; imported here so that --help works without it

    extra = {row["ISO3166-1-Alpha-3"]: row for row in code_rows}
    areas: dict[str, Area] = {}
    for row in m49_rows:
        alpha3 = row["ISO-alpha3 Code"]
        iso = pycountry.countries.get(alpha_3=alpha3)
        if iso is None:
            raise SystemExit(f"{alpha3} of the M49 overview is not an ISO 3166-1 code in pycountry")
        more = extra.get(alpha3, {})
        area = Area(alpha3)
        area.notations = [(row["ISO-alpha2 Code"], ALPHA2), (alpha3, ALPHA3), (row["M49 Code"].zfill(3), M49)]
        english = clean_unterm(more.get("UNTERM English Short", "")) or iso.name
        area.pref["en"] = english
        for lang, column in (("fr", "UNTERM French Short"), ("es", "UNTERM Spanish Short")):
            if clean_unterm(more.get(column, "")):
                area.pref[lang] = clean_unterm(more[column])
        formal = more.get("UNTERM English Formal", "").replace("*", "").strip()
        for label in (re.sub(r"^the\s+", "", formal), more.get("official_name_en", ""), row["Country or Area"],
                      more.get("CLDR display name", ""), iso.name, getattr(iso, "official_name", ""),
                      getattr(iso, "common_name", "")):
            if label:
                area.add_alt(label)
        parent = row["Intermediate Region Code"] or row["Sub-region Code"] or row["Region Code"] or row["Global Code"]
        area.broader = parent
        area.member_of = [code for code, column, _ in GROUPINGS if row[column].strip().lower() == "x"]
        areas[alpha3] = area
    return areas


def _regions(m49_rows: list[dict[str, str]]) -> dict[str, Area]:
    regions: dict[str, Area] = {}
    levels = (("Global Code", "Global Name", None), ("Region Code", "Region Name", "Global Code"),
              ("Sub-region Code", "Sub-region Name", "Region Code"),
              ("Intermediate Region Code", "Intermediate Region Name", "Sub-region Code"))
    for row in m49_rows:
        for code_col, name_col, parent_col in levels:
            code = row[code_col]
            if code and code not in regions:
                area = Area(code, notations=[(code, M49)], region=True)
                area.pref["en"] = row[name_col]
                area.broader = row[parent_col] if parent_col else None
                regions[code] = area
    for code, column, label in GROUPINGS:
        area = Area(code, notations=[(code, M49)], region=True)
        area.pref["en"] = label
        area.add_alt(column[column.index("(") + 1:-1])
        area.notes.append(("skos:scopeNote", f"UN M49 grouping ({column}); countries belong to it by mp:memberOf, "
                                             "outside the geographic tree."))
        regions[code] = area
    return regions


def _additions() -> dict[str, Area]:
    """Areas publishers use that ISO 3166-1 and the M49 overview do not list as such."""
    import pycountry

    kosovo = Area("XKX", notations=[("XK", ALPHA2), ("XKX", ALPHA3)], broader="039")
    kosovo.pref["en"] = "Kosovo"
    kosovo.notes.append(("skos:editorialNote",
                         "Kosovo under UN Security Council resolution 1244 (1999). XK / XKX are user-assigned ISO 3166 "
                         "codes, as used by the European Commission, the World Bank and the IMF; UN M49 has no code "
                         "for it and counts it within Serbia (688)."))
    channel = Area("CHI", notations=[("830", M49)], broader="154")
    channel.pref["en"] = "Channel Islands"
    channel.notes.append(("skos:scopeNote",
                          "Guernsey (GGY) and Jersey (JEY) together, as UN DESA and the World Bank report them. CHI is "
                          "the World Bank's code; UN M49 830."))
    stateless = Area("XXA")
    stateless.pref["en"] = "Stateless person"
    stateless.notes.append(("skos:scopeNote", "ICAO Doc 9303 code for a stateless person: an origin or citizenship, "
                                              "not a place."))
    unspecified = Area("XXX")
    unspecified.pref["en"] = "Person of unspecified nationality"
    unspecified.notes.append(("skos:scopeNote", "ICAO Doc 9303 code for unspecified nationality; used for origins a "
                                                "publisher gives as various, unknown or an ethnic group."))
    added = {a.code: a for a in (kosovo, channel, stateless, unspecified)}
    successors = {"ANT": ["BES", "CUW", "SXM"], "SCG": ["MNE", "SRB"]}
    for alpha3, replaced_by in successors.items():
        old = pycountry.historic_countries.get(alpha_3=alpha3)
        if old is None:
            raise SystemExit(f"pycountry has no former country {alpha3}")
        area = Area(alpha3, notations=[(old.alpha_2, ALPHA2), (alpha3, ALPHA3), (old.numeric.zfill(3), M49)],
                    replaced_by=replaced_by)
        area.pref["en"] = old.name
        area.notes.append(("skos:historyNote",
                           f"Former area: ISO 3166-1 code withdrawn on {old.withdrawal_date} (ISO 3166-3 "
                           f"{old.alpha_4}); kept because publishers' historical series use it. Not part of the "
                           "geographic tree."))
        added[alpha3] = area
    for code, label, definition in (("_T", "All areas", "All countries and areas taken together."),
                                    ("_Z", "Not applicable", "The indicator is not broken down by this area."),
                                    ("_U", "Unknown area", "The area is not stated or not known.")):
        special = Area(code)
        special.pref["en"] = label
        special.notes.append(("skos:definition", definition))
        added[code] = special
    return added


def read_aliases(path: Path) -> list[dict[str, str]]:
    """The committed alias table; rows with an empty code are documented but not mapped."""
    with path.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.DictReader(f) if row["name"].strip() and not row["name"].startswith("#")]
    return rows


def apply_aliases(areas: dict[str, Area], rows: list[dict[str, str]]) -> None:
    """Publishers' spellings -> hiddenLabel, their code variants -> typed notation; collisions are errors."""
    owner: dict[str, str] = {}
    for area in areas.values():
        for key in area.name_keys():
            owner.setdefault(key, area.code)
    codes = {value.upper() for a in areas.values() for value, _ in a.notations} | set(areas)
    for row in rows:
        name, code = row["name"].strip(), row["code"].strip()
        if not code:
            continue
        if code not in areas:
            raise SystemExit(f"area-aliases.csv: {name!r} maps to {code!r}, which is not an area code")
        if name.startswith("code:"):
            variant = name[5:].strip().upper()
            if variant in codes:
                raise SystemExit(f"area-aliases.csv: code {variant} is already an area code or notation")
            areas[code].notations.append((variant, PUBLISHER))
            codes.add(variant)
            continue
        key = normalise_name(name)
        current = owner.get(key)
        if current is not None and current != code:
            raise SystemExit(f"area-aliases.csv: {name!r} -> {code} but that name already denotes {current}")
        if current is None:
            areas[code].hidden.append(" ".join(name.split()))
            owner[key] = code


def build_areas(sources: Path, aliases: Path = ALIASES_FILE) -> str:
    """The Turtle text of ontology/codes/areas.ttl (deterministic for the same inputs)."""
    m49_rows = read_csv(sources / M49_FILE)
    code_rows = read_csv(sources / CODES_FILE)
    regions = _regions(m49_rows)
    countries = _countries(m49_rows, code_rows)
    areas: dict[str, Area] = {**regions, **countries, **_additions()}
    apply_aliases(areas, read_aliases(aliases))
    return serialise(areas)


def _literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _name(code: str) -> str:
    return f":{code}"


def _sort_key(area: Area) -> tuple[int, str]:
    if area.region:
        return (0, area.code)
    if area.code.startswith("_"):
        return (2, area.code)
    return (1, area.code)


def serialise(areas: dict[str, Area]) -> str:
    ordered = sorted(areas.values(), key=_sort_key)
    tops = [a.code for a in ordered if a.broader is None]
    out = [
        "@prefix mp: <https://w3id.org/migration-profile/def#> .\n",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n",
        "@prefix dct: <http://purl.org/dc/terms/> .\n",
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n",
        f"@prefix : <{SCHEME}/> .\n\n",
        "# Generated by scripts/generate_areas.py from the UNSD M49 overview, the country-codes data package\n",
        "# (UNTERM, CLDR and official names), pycountry (ISO 3166) and ontology/codes/area-aliases.csv.\n",
        "# Do not edit by hand: change the generator or the alias table and run it again.\n\n",
        f"<{SCHEME}> a skos:ConceptScheme ;\n",
        '    skos:notation "CL_AREA" ;\n',
        '    skos:prefLabel "Areas"@en, "Zones"@fr, "Zonas"@es ;\n',
        '    rdfs:comment "Countries and territories by ISO 3166-1 alpha-3 code, UN M49 regions and groupings by '
        'their three-digit code, and the special codes _T, _Z, _U; every area carries its alpha-2, alpha-3 and '
        'M49 notations."@en ;\n',
        '    mp:agencyId "MPR" ;\n',
        '    owl:versionInfo "1.0" ;\n',
        "    skos:hasTopConcept " + ", ".join(_name(c) for c in tops) + " .\n",
    ]
    for area in ordered:
        lines = [f"{_name(area.code)} a skos:Concept" + (", mp:Region" if area.region else ""),
                 f"skos:inScheme <{SCHEME}>"]
        if area.broader is None:
            lines.append(f"skos:topConceptOf <{SCHEME}>")
        notations = [_literal(area.code)] + [f"{_literal(v)}^^{dt}" for v, dt in area.notations if v]
        lines.append("skos:notation " + ", ".join(notations))
        lines.append("skos:prefLabel " + ", ".join(f"{_literal(v)}@{k}" for k, v in area.pref.items()))
        if area.alt:
            lines.append("skos:altLabel " + ", ".join(f"{_literal(v)}@en" for v in area.alt))
        if area.hidden:
            lines.append("skos:hiddenLabel " + ", ".join(f"{_literal(v)}@en" for v in area.hidden))
        for predicate, text in area.notes:
            lines.append(f"{predicate} {_literal(text)}@en")
        if area.broader:
            lines.append(f"skos:broader {_name(area.broader)}")
        if area.member_of:
            lines.append("mp:memberOf " + ", ".join(_name(c) for c in area.member_of))
        if area.replaced_by:
            lines.append("dct:isReplacedBy " + ", ".join(_name(c) for c in area.replaced_by))
        out.append("\n" + " ;\n    ".join(lines) + " .\n")
    return "".join(out)


def ambiguous_names(areas_ttl: str) -> dict[str, set[str]]:
    """Normalised English labels that several areas share (reported by the generator, resolved by AreaIndex)."""
    seen: dict[str, set[str]] = defaultdict(set)
    for match in re.finditer(r'^:(\S+) a skos:Concept(.*?)(?=^:|\Z)', areas_ttl, re.M | re.S):
        for label in re.findall(r'"((?:[^"\\]|\\.)*)"@en', match.group(2)):
            seen[normalise_name(label)].add(match.group(1))
    return {key: codes for key, codes in seen.items() if len(codes) > 1}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=Path, default=Path(os.environ.get("MPR_SOURCES", "../shared/data")),
                        help="folder of the publishers' files (default: MPR_SOURCES or ../shared/data)")
    parser.add_argument("--aliases", type=Path, default=ALIASES_FILE)
    parser.add_argument("--output", type=Path, default=OUTPUT_FILE)
    parser.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    args = parser.parse_args(argv)
    text = build_areas(args.sources, args.aliases)
    for key, codes in sorted(ambiguous_names(text).items()):
        print(f"note: the name {key!r} is shared by {', '.join(sorted(codes))}", file=sys.stderr)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is not up to date; run scripts/generate_areas.py", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    count = len(re.findall(r"^:\S+ a skos:Concept", text, re.M))
    print(f"wrote {args.output} ({count} areas)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
