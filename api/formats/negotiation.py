"""The one content negotiator of every route (RFC 9110 §12.5.1 Accept; §12.1 proactive negotiation).

``Accept`` is a list of media ranges with q-values, ``*/*`` and ``type/*`` wildcards and parameters. Each offer
takes the quality of the most specific range that matches it (a parameter makes a range more specific;
``text/turtle;q=0`` refuses Turtle even beside ``*/*``). A parameter the offer declares (SDMX ``version``) must
agree; one it does not declare (SDMX-CSV ``labels``, ``charset``) is handed back with the choice. The best quality
wins; between equals, the more specific range, then the server's order of offers, then the header's order. No
header, or an empty one, is ``*/*``. Nothing acceptable is :class:`NotAcceptable` (406) naming every offer.

``format=`` short names (or a media type) beat the header (:func:`choose`, :func:`by_name`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from api.errors import BadRequest, NotAcceptable
from api.formats.spec import FormatSpec, media_params

S = TypeVar("S", bound=FormatSpec)


@dataclass(frozen=True)
class MediaRange:
    """One element of Accept: ``base`` (``type/subtype``, ``type/*`` or ``*/*``), its parameters and q."""

    base: str
    params: dict[str, str]
    q: float
    order: int

    @property
    def specificity(self) -> int:
        """``*/*`` < ``type/*`` < ``type/subtype`` < the same with each parameter (RFC 9110 §12.5.1)."""
        if self.base == "*/*":
            return 0
        return 1 if self.base.endswith("/*") else 2 + len(self.params)


@dataclass(frozen=True)
class Choice(Generic[S]):
    """The chosen offer, and the parameters of the range that chose it (``labels=both`` and the like)."""

    format: S
    params: dict[str, str] = field(default_factory=dict)


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an Accept header; a range without ``/`` or a q that is not a number in [0, 1] is
    BadRequest."""
    ranges: list[MediaRange] = []
    for order, part in enumerate(p for p in header.split(",") if p.strip()):
        base = part.split(";", 1)[0].strip().lower()
        if "/" not in base:
            raise BadRequest(f"Accept: '{part.strip()[:100]}' is not a media range such as text/turtle or "
                             "application/xml.")
        params = media_params(part)
        q = 1.0
        if "q" in params:
            text = params.pop("q")
            try:
                q = float(text)
            except ValueError:
                q = -1.0
            if not 0 <= q <= 1:
                raise BadRequest(f"Accept: q={text[:20]} is not a number between 0 and 1.")
        ranges.append(MediaRange(base, params, q, order))
    return ranges


def same_version(asked: str, offered: str | None) -> bool:
    """``2.1`` = ``2.1.0``; ``2.0`` = ``2.0.0``; a range ``2+.0.0`` or ``2.0+`` matches within the major
    (SDMX REST v2 semantic versioning of media types)."""
    if offered is None:
        return False

    def parts(text: str) -> list[str]:
        return [*text.split("."), "0", "0"][:3]

    if "+" in asked:
        return parts(asked.replace("+", ""))[0] == parts(offered)[0]
    return parts(asked) == parts(offered)


def _alias_targets(offers: Sequence[S]) -> dict[str, S]:
    """Each alias media type -> the first offer that declares it (the server's default of that family)."""
    targets: dict[str, S] = {}
    for offer in offers:
        for alias in offer.aliases:
            targets.setdefault(alias, offer)
    return targets


def _matches(rng: MediaRange, offer: FormatSpec, aliases: dict[str, FormatSpec]) -> bool:
    own = [a for a, target in aliases.items() if target is offer]
    if rng.base == "*/*":
        return True
    if rng.base.endswith("/*"):
        major = rng.base[:-1]
        return any(t.startswith(major) for t in (offer.base, *own))
    if rng.base in own:
        return True
    if rng.base != offer.base:
        return False
    declared = offer.params
    for name, value in rng.params.items():
        if name in declared and not (same_version(value, declared[name]) if name == "version"
                                     else value.lower() == declared[name].lower()):
            return False
    return True


def negotiate(accept: str | None, offers: Sequence[S], *, hint: str = "") -> Choice[S]:
    """The offer that best satisfies ``accept`` (see the module docstring); ``hint`` ends the 406 message."""
    header = (accept or "").strip() or "*/*"
    ranges = parse_accept(header)
    aliases: dict[str, FormatSpec] = dict(_alias_targets(offers))
    best: tuple[float, int, int, int] | None = None
    chosen: Choice[S] | None = None
    for rank, offer in enumerate(offers):
        matching = [r for r in ranges if _matches(r, offer, aliases)]
        if not matching:
            continue
        decisive = max(matching, key=lambda r: (r.specificity, r.q))
        if decisive.q <= 0:
            continue
        score = (decisive.q, decisive.specificity, -rank, -decisive.order)
        if best is None or score > best:
            best, chosen = score, Choice(offer, decisive.params)
    if chosen is None:
        raise NotAcceptable(f"none of the media types in Accept ({header[:200]}) can be given here; this resource "
                            f"offers {', '.join(o.media_type for o in offers)}{hint}.")
    return chosen


def by_name(value: str, candidates: Sequence[S], *, version: str | None = None) -> list[S]:
    """The candidates that ``format=value`` names, in the order given, kept to ``version`` when one is asked
    for (SDMX REST v2 ``formatVersion``)."""
    found = [c for c in candidates if value in c.names]
    return found if version is None else [c for c in found if same_version(version, c.version)]


def choose(accept: str | None, offers: Sequence[S], format_param: str | None = None) -> S:
    """``format=`` first (BadRequest naming the names offered when it names none), else :func:`negotiate`."""
    if format_param is None:
        return negotiate(accept, offers).format
    wanted = format_param.strip().lower()
    found = by_name(wanted, offers) or [o for o in offers if o.media_type.lower() == wanted]
    if not found:
        names = ", ".join(o.names[0] for o in offers if o.names)
        raise BadRequest(f"format={format_param[:40]} is not offered here: use one of {names}.")
    return found[0]
