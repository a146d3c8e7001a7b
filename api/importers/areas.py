"""The area code list (ontology/codes/areas.ttl) as a lookup table for importers (DESIGN §3 "Areas").

Publishers name areas in many ways: ISO 3166-1 alpha-3 or alpha-2 codes, M49 numbers with or without
leading zeros, World Bank variants (KSV, WLD), and spellings such as "Iran (Islamic Rep. of)" or
"Curacao ". ``AreaIndex`` maps all of them to the registry's canonical code id: the alpha-3 code for a
country or territory, the three-digit M49 code for a region or grouping.

Names are compared after ``normalise_name`` (case, accents, punctuation, surrounding spaces, "&" / "and",
"St." / "Saint", the word "the"). When two areas share a normalised name, the kind of label decides:
an English skos:prefLabel wins over an English skos:altLabel, which wins over a skos:hiddenLabel (the
publishers' spellings of ontology/codes/area-aliases.csv), which wins over French or Spanish labels; a
name two areas share at the same level is ambiguous and not indexed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pyoxigraph
from pyoxigraph import Literal, NamedNode, RdfFormat

from api import vocab

AREAS_FILE = Path("codes") / "areas.ttl"
AREA_SCHEME = vocab.CODE + "area"
AREA_PREFIX = AREA_SCHEME + "/"

_NOTATION = vocab.SKOS + "notation"
_BROADER = vocab.SKOS + "broader"
_MEMBER_OF = vocab.MP + "memberOf"
_TYPE = vocab.RDF + "type"
_REGION = vocab.MP + "Region"
_PREF = vocab.SKOS + "prefLabel"
_ALT = vocab.SKOS + "altLabel"
_HIDDEN = vocab.SKOS + "hiddenLabel"
_CODE_DATATYPES = {vocab.MP + name for name in ("iso3166Alpha2", "iso3166Alpha3", "m49", "publisherCode")}

_APOSTROPHES = re.compile(r"['\u2018\u2019\u02bc`\u00b4]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DROPPED_WORDS = {"the"}
_WORD_FORMS = {"st": "saint", "ste": "sainte"}


def normalise_name(text: str) -> str:
    """The comparison key of an area name: "Côte d’Ivoire " -> "cote divoire", "St. Lucia" -> "saint lucia"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = _APOSTROPHES.sub("", plain.replace("&", " and "))
    words = [_WORD_FORMS.get(w, w) for w in _NON_ALNUM.sub(" ", plain).split() if w not in _DROPPED_WORDS]
    return " ".join(words)


def _priority(predicate: str, language: str | None) -> int | None:
    """Rank of a label for name lookups (lower wins); None for predicates that are not labels."""
    english = language in (None, "", "en")
    if predicate == _PREF:
        return 0 if english else 3
    if predicate == _ALT:
        return 1 if english else 4
    if predicate == _HIDDEN:
        return 2
    return None


def _unique_names(candidates: dict[int, dict[str, set[str]]]) -> dict[str, str]:
    """Normalised name -> area, from the best-ranked labels of each name; a name two areas share is left out."""
    names: dict[str, str] = {}
    for key in {key for table in candidates.values() for key in table}:
        best = candidates[min(rank for rank, table in candidates.items() if key in table)][key]
        if key and len(best) == 1:
            names[key] = next(iter(best))
    return names


class AreaIndex:
    """Area codes and names of the registry's area code list (code/area), read once."""

    def __init__(
        self,
        codes: dict[str, str],
        names: dict[str, str],
        labels: dict[tuple[str, str], str],
        parents: dict[str, str],
        groups: dict[str, set[str]],
        regions: set[str],
    ) -> None:
        self._codes = codes
        self._names = names
        self._labels = labels
        self._parents = parents
        self._groups = groups
        self._regions = regions
        self._children: dict[str, set[str]] = defaultdict(set)
        for child, parent in parents.items():
            self._children[parent].add(child)

    @classmethod
    def load(cls, ontology_dir: Path) -> AreaIndex:
        """Read ontology/codes/areas.ttl (about 10 000 triples; well under a second)."""
        path = ontology_dir / AREAS_FILE
        ids: set[str] = set()
        typed_codes: dict[str, str] = {}
        candidates: dict[int, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        labels: dict[tuple[str, str], str] = {}
        parents: dict[str, str] = {}
        groups: dict[str, set[str]] = defaultdict(set)
        regions: set[str] = set()
        for quad in pyoxigraph.parse(path=str(path), format=RdfFormat.TURTLE):
            subject, predicate, obj = quad.subject, quad.predicate.value, quad.object
            if not isinstance(subject, NamedNode) or not subject.value.startswith(AREA_PREFIX):
                continue
            area = vocab.code_id_from_iri(subject.value)
            ids.add(area)
            if isinstance(obj, Literal):
                if predicate == _NOTATION:
                    if obj.datatype.value in _CODE_DATATYPES:
                        typed_codes[obj.value.upper()] = area
                    continue
                rank = _priority(predicate, obj.language)
                if rank is None:
                    continue
                candidates[rank][normalise_name(obj.value)].add(area)
                if predicate == _PREF:
                    labels[(area, obj.language or "en")] = obj.value
            elif isinstance(obj, NamedNode) and obj.value.startswith(AREA_PREFIX):
                target = vocab.code_id_from_iri(obj.value)
                if predicate == _BROADER:
                    parents[area] = target
                elif predicate == _MEMBER_OF:
                    groups[target].add(area)
            elif isinstance(obj, NamedNode) and predicate == _TYPE and obj.value == _REGION:
                regions.add(area)
        codes = dict(typed_codes)
        codes.update({area.upper(): area for area in ids})
        return cls(codes, _unique_names(candidates), labels, parents, dict(groups), regions)

    def code(self, text: str) -> str | None:
        """Alpha-3, alpha-2, M49 (padded or not) or a publisher's variant, any case -> canonical code id."""
        key = text.strip().upper()
        if not key:
            return None
        if key.isdigit():
            key = key.zfill(3)
        return self._codes.get(key)

    def name(self, text: str) -> str | None:
        """Any label, alternative or hidden label (normalised) -> canonical code id."""
        key = normalise_name(text)
        return self._names.get(key) if key else None

    def country_names(self) -> dict[str, str]:
        """Normalised name -> code of every name of a country or territory (regions and groupings left out)."""
        return {name: code for name, code in self._names.items() if code not in self._regions}

    def label(self, code: str, lang: str = "en") -> str | None:
        """The preferred label of a code in a language (English when that language has none)."""
        return self._labels.get((code, lang)) or self._labels.get((code, "en"))

    def is_region(self, code: str) -> bool:
        """True for M49 regions and groupings (aggregates), False for countries, territories and special codes."""
        return code in self._regions

    def broader(self, code: str) -> str | None:
        """The next area up the M49 geographic tree (country -> intermediate or sub-region -> region -> 001)."""
        return self._parents.get(code)

    def members(self, region_code: str) -> set[str]:
        """All countries and territories below a region (transitively) or in a grouping such as LDC 199."""
        found: set[str] = set()
        pending = [region_code, *self._groups.get(region_code, ())]
        seen: set[str] = set()
        while pending:
            current = pending.pop()
            if current in seen:
                continue
            seen.add(current)
            if current != region_code and current not in self._regions:
                found.add(current)
            pending.extend(self._children.get(current, ()))
        return found

    def codes(self) -> set[str]:
        """Every canonical code id of the list (countries, regions, groupings and special codes)."""
        return set(self._codes.values())

