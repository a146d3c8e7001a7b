"""Suggestions for an unknown code, from the code lists and their notations (SKOS Reference §6.5, §5.2).

A statistician who writes ``GER`` for Germany, ``DE`` (ISO alpha-2), ``276`` (M49), ``Allemagne`` or
``stk_imm`` means a code the registry knows; the report says which. Matches are tried from the most certain
to the least: the code id in another case, a notation of the code (alpha-2, alpha-3, M49, a publisher's code),
a label in any language, the start of a label's first word (three characters at least), then ids that look
alike (``difflib``). The first rule that finds anything gives the answer.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

from pyoxigraph import Literal, NamedNode, Triple

from api import vocab

_IN_SCHEME = vocab.SKOS + "inScheme"
_NOTATION = vocab.SKOS + "notation"
_LABELS = (vocab.SKOS + "prefLabel", vocab.SKOS + "altLabel", vocab.SKOS + "hiddenLabel", vocab.RDFS + "label")
_PREFERRED = vocab.SKOS + "prefLabel"
INDICATOR_SCHEME = vocab.MP + "IndicatorScheme"
_MAX = 3
_MIN_PREFIX = 3


def _key(text: str) -> str:
    """Case, accents and surrounding space do not matter when a person's text is matched against a label."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class _Scheme:
    """One code list: its codes with their English label, and the texts that identify each."""

    label: dict[str, str] = field(default_factory=dict)
    by_id: dict[str, str] = field(default_factory=dict)
    by_notation: dict[str, set[str]] = field(default_factory=dict)
    by_label: dict[str, set[str]] = field(default_factory=dict)


def scheme_of(column: str) -> str | None:
    """The concept scheme IRI of a coded column (``REF_AREA`` -> the area code list), else None."""
    if column == "INDICATOR":
        return INDICATOR_SCHEME
    code_list = vocab.CODE_LISTS.get(column)
    return f"{vocab.CODE}{code_list}" if code_list else None


class CodeIndex:
    """Every code of every code list and the indicator catalogue, with the texts that name it."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        members: dict[str, str] = {}
        notations: dict[str, list[str]] = {}
        labels: dict[str, list[tuple[str, str, str | None]]] = {}
        for t in triples:
            if not isinstance(t.subject, NamedNode):
                continue
            s, p, o = t.subject.value, t.predicate.value, t.object
            if p == _IN_SCHEME and isinstance(o, NamedNode):
                members[s] = o.value
            elif p == _NOTATION and isinstance(o, Literal):
                notations.setdefault(s, []).append(o.value)
            elif p in _LABELS and isinstance(o, Literal):
                labels.setdefault(s, []).append((p, o.value, o.language))
        self._schemes: dict[str, _Scheme] = {}
        for concept, scheme_iri in members.items():
            scheme = self._schemes.setdefault(scheme_iri, _Scheme())
            code = vocab.code_id_from_iri(concept)
            scheme.by_id[code.casefold()] = code
            for notation in notations.get(concept, ()):
                scheme.by_notation.setdefault(notation.casefold(), set()).add(code)
            for predicate, text, language in labels.get(concept, ()):
                scheme.by_label.setdefault(_key(text), set()).add(code)
                if predicate == _PREFERRED and language in (None, "en"):
                    scheme.label.setdefault(code, text)

    def codes(self, column: str) -> dict[str, str]:
        """The codes of a coded column's list with their English labels (empty for a column without one)."""
        scheme = self._schemes.get(scheme_of(column) or "")
        return {} if scheme is None else {code: scheme.label.get(code, "") for code in sorted(scheme.by_id.values())}

    def label(self, column: str, code: str) -> str:
        scheme = self._schemes.get(scheme_of(column) or "")
        return "" if scheme is None else scheme.label.get(code, "")

    def suggest(self, column: str, value: str) -> tuple[str, ...]:
        """The codes ``value`` may have meant in ``column``'s code list, best first (at most three)."""
        scheme = self._schemes.get(scheme_of(column) or "")
        text = value.strip()
        if scheme is None or not text:
            return ()
        folded = text.casefold()
        if folded in scheme.by_id and scheme.by_id[folded] != text:
            return (scheme.by_id[folded],)
        for found in (scheme.by_notation.get(folded), scheme.by_label.get(_key(text))):
            if found:
                return tuple(sorted(found)[:_MAX])
        if len(text) >= _MIN_PREFIX:
            key = _key(text)
            prefixed = sorted({code for label, codes in scheme.by_label.items()
                               if label.split(" ", 1)[0].startswith(key) for code in codes})
            if prefixed:
                return tuple(prefixed[:_MAX])
        close = difflib.get_close_matches(text.upper(), list(scheme.by_id.values()), n=_MAX, cutoff=0.6)
        return tuple(close)
