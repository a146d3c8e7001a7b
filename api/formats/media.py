"""Content negotiation for the registry's non-SDMX routes (RFC 9110 §12.5.1 Accept, q-values, wildcards).

``choose(accept, offers, format_param)`` picks one offered :class:`MediaType`; ``format=`` (a short name such as
``ttl`` or ``json``) beats the header; nothing acceptable is :class:`NotAcceptable` naming what is offered.
SDMX routes have their own rules (versions, aliases) in ``sdmx_negotiation``.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.errors import BadRequest, NotAcceptable


@dataclass(frozen=True)
class MediaType:
    """One offered representation: its media type, the ``format=`` names that select it, its charset."""

    media_type: str
    names: tuple[str, ...]
    charset: bool = True

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


@dataclass(frozen=True)
class _Range:
    base: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return 0 if self.base == "*/*" else 1 if self.base.endswith("/*") else 2


def parse_accept(header: str) -> list[tuple[str, float]]:
    """(media range, q) pairs of an Accept header; a malformed range or q is BadRequest."""
    return [(r.base, r.q) for r in _ranges(header)]


def _ranges(header: str) -> list[_Range]:
    ranges: list[_Range] = []
    for order, part in enumerate(p for p in header.split(",") if p.strip()):
        pieces = [x.strip() for x in part.split(";")]
        base = pieces[0].lower()
        if "/" not in base:
            raise BadRequest(f"Accept: '{part.strip()}' is not a media range such as text/turtle.")
        q = 1.0
        for piece in pieces[1:]:
            name, _, value = piece.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip().strip('"'))
                except ValueError:
                    raise BadRequest(f"Accept: q={value.strip()} is not a number between 0 and 1.") from None
        ranges.append(_Range(base, q, order))
    return ranges


def _matches(base: str, offer: MediaType) -> bool:
    if base == "*/*":
        return True
    if base.endswith("/*"):
        return offer.media_type.split("/")[0] == base.split("/")[0]
    return base == offer.media_type


def choose(accept: str | None, offers: tuple[MediaType, ...], format_param: str | None = None) -> MediaType:
    """The offer to answer with: ``format=`` first, else the best Accept match (q, specificity, our order)."""
    offered = ", ".join(o.media_type for o in offers)
    if format_param is not None:
        wanted = format_param.strip().lower()
        for offer in offers:
            if wanted in offer.names or wanted == offer.media_type:
                return offer
        names = ", ".join(o.names[0] for o in offers if o.names)
        raise BadRequest(f"format={format_param} is not offered here: use one of {names}.")
    ranges = _ranges((accept or "").strip() or "*/*")
    refused = {o.media_type for r in ranges if r.q <= 0 and r.base != "*/*" for o in offers if _matches(r.base, o)}
    best: tuple[float, int, int, int] | None = None
    chosen: MediaType | None = None
    for rng in ranges:
        if rng.q <= 0:
            continue
        for rank, offer in enumerate(offers):
            if offer.media_type in refused or not _matches(rng.base, offer):
                continue
            score = (rng.q, rng.specificity, -rank, -rng.order)
            if best is None or score > best:
                best, chosen = score, offer
    if chosen is None:
        raise NotAcceptable(f"none of the types in Accept can be given here: ask for one of {offered}.")
    return chosen
