"""Choose the SDMX format of an answer from ``Accept`` or ``format=`` (REST v1.5 §4.6; REST v2 doc/extend.md).

``Accept`` is read as RFC 9110 §12.5.1 says: q-values, ``*/*`` and ``type/*`` wildcards, media-type
parameters (``version`` must match; the SDMX-CSV ``labels``/``timeFormat`` become options). The server's
preference decides between equally acceptable formats, so ``*/*`` or no header gives the version's default.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.errors import BadRequest, NotAcceptable


@dataclass(frozen=True)
class SdmxFormat:
    """One representation: its id, exact media type, and the error-message family it uses."""

    id: str
    media_type: str
    version: str
    error_kind: str

    @property
    def base(self) -> str:
        return self.media_type.split(";", 1)[0]


FORMATS: dict[str, SdmxFormat] = {f.id: f for f in (
    SdmxFormat("structure-ml21", "application/vnd.sdmx.structure+xml;version=2.1", "2.1", "ml21"),
    SdmxFormat("structure-ml30", "application/vnd.sdmx.structure+xml;version=3.0.0", "3.0.0", "ml30"),
    SdmxFormat("structure-json20", "application/vnd.sdmx.structure+json;version=2.0.0", "2.0.0", "json20"),
    SdmxFormat("generic-ml21", "application/vnd.sdmx.genericdata+xml;version=2.1", "2.1", "ml21"),
    SdmxFormat("ss-ml21", "application/vnd.sdmx.structurespecificdata+xml;version=2.1", "2.1", "ml21"),
    SdmxFormat("data-ml30", "application/vnd.sdmx.data+xml;version=3.0.0", "3.0.0", "ml30"),
    SdmxFormat("data-json10", "application/vnd.sdmx.data+json;version=1.0.0", "1.0.0", "json10"),
    SdmxFormat("data-json20", "application/vnd.sdmx.data+json;version=2.0.0", "2.0.0", "json20"),
    SdmxFormat("data-csv10", "application/vnd.sdmx.data+csv;version=1.0.0", "1.0.0", "csv"),
    SdmxFormat("data-csv20", "application/vnd.sdmx.data+csv;version=2.0.0", "2.0.0", "csv"),
)}

# Server preference per (API version, kind of resource): the first is the default.
OFFERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("v1", "structure"): ("structure-ml21", "structure-ml30", "structure-json20"),
    ("v1", "data"): ("generic-ml21", "ss-ml21", "data-ml30", "data-json10", "data-json20", "data-csv10",
                     "data-csv20"),
    ("v2", "structure"): ("structure-json20", "structure-ml30", "structure-ml21"),
    ("v2", "data"): ("data-json20", "data-ml30", "data-csv20", "data-csv10", "generic-ml21", "ss-ml21",
                     "data-json10"),
}
# Generic media types that SDMX services answer with a default of their family.
_ALIASES: dict[str, dict[str, str]] = {
    "application/xml": {"v1/structure": "structure-ml21", "v1/data": "generic-ml21",
                        "v2/structure": "structure-ml30", "v2/data": "data-ml30"},
    "text/xml": {"v1/structure": "structure-ml21", "v1/data": "generic-ml21",
                 "v2/structure": "structure-ml30", "v2/data": "data-ml30"},
    "application/json": {"v1/structure": "structure-json20", "v1/data": "data-json10",
                         "v2/structure": "structure-json20", "v2/data": "data-json20"},
    "text/csv": {"v1/data": "data-csv10", "v2/data": "data-csv20"},
}
# ?format= values (REST v2 extend.md), with ?formatVersion= picking among versions.
_FORMAT_PARAM: dict[str, tuple[str, ...]] = {
    "genericdata": ("generic-ml21",),
    "structurespecificdata": ("ss-ml21", "data-ml30"),
    "jsondata": ("data-json20", "data-json10"),
    "csvdata": ("data-csv20", "data-csv10"),
    "csv": ("data-csv20", "data-csv10"),
    "structure": ("structure-ml21", "structure-ml30"),
    "jsonstructure": ("structure-json20",),
    "xml": ("generic-ml21", "data-ml30", "structure-ml21", "structure-ml30"),
    "json": ("data-json20", "data-json10", "structure-json20"),
    "sdmx-2.1": ("generic-ml21", "structure-ml21"),
    "sdmx-3.0": ("data-ml30", "structure-ml30"),
}
LABELS = ("id", "both", "name")
TIME_FORMATS = ("original", "normalized")


@dataclass(frozen=True)
class Negotiated:
    """The chosen format, plus SDMX-CSV options taken from the media type or the query."""

    format: SdmxFormat
    options: dict[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.format.media_type


@dataclass(frozen=True)
class _Range:
    base: str
    params: dict[str, str]
    q: float
    order: int

    @property
    def specificity(self) -> int:
        if self.base == "*/*":
            return 0
        return 1 if self.base.endswith("/*") else 2 + len(self.params)


def _parse_accept(header: str) -> list[_Range]:
    ranges: list[_Range] = []
    for order, part in enumerate(p for p in header.split(",") if p.strip()):
        pieces = [x.strip() for x in part.split(";")]
        base = pieces[0].lower()
        if "/" not in base:
            raise BadRequest(f"Accept: '{part.strip()}' is not a media range such as application/xml.")
        params: dict[str, str] = {}
        q = 1.0
        for piece in pieces[1:]:
            if "=" not in piece:
                continue
            name, value = (x.strip() for x in piece.split("=", 1))
            value = value.strip('"')
            if name.lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    raise BadRequest(f"Accept: q={value} is not a number between 0 and 1.") from None
            else:
                params[name] = value
        ranges.append(_Range(base, params, q, order))
    return ranges


def _same_version(asked: str, offered: str) -> bool:
    """``2.1`` = ``2.1.0``; ``2.0`` = ``2.0.0``; a semver range ``2+.0.0`` or ``2.0+`` matches within the major."""
    def parts(text: str) -> list[str]:
        return (text.split(".") + ["0", "0"])[:3]
    if "+" in asked:
        return parts(asked.replace("+", ""))[0] == parts(offered)[0]
    return parts(asked) == parts(offered)


def _matches(rng: _Range, fmt: SdmxFormat, alias_key: str) -> bool:
    if rng.base == "*/*":
        return True
    if rng.base.endswith("/*"):
        major = rng.base.split("/")[0]
        return fmt.base.split("/")[0] == major or any(
            alias.startswith(major + "/") and targets.get(alias_key) == fmt.id for alias, targets in _ALIASES.items())
    if rng.base in _ALIASES:
        return _ALIASES[rng.base].get(alias_key) == fmt.id
    if rng.base != fmt.base:
        return False
    version = rng.params.get("version")
    return version is None or _same_version(version, fmt.version)


def negotiate(api: str, kind: str, accept: str | None, query: dict[str, str]) -> Negotiated:
    """The format to answer with, or NotAcceptable naming what is offered (406)."""
    offered = [FORMATS[i] for i in OFFERS[(api, kind)]]
    chosen: SdmxFormat | None = None
    params: dict[str, str] = {}
    if "format" in query:
        chosen = _from_format_param(query["format"], query.get("formatVersion"), offered)
    else:
        header = (accept or "").strip() or "*/*"
        alias_key = f"{api}/{kind}"
        best: tuple[float, int, int, int] | None = None
        ranges = _parse_accept(header)
        refused = {f.id for r in ranges if r.q <= 0 and r.base != "*/*" for f in offered if _matches(r, f, alias_key)}
        for rng in ranges:
            if rng.q <= 0:
                continue
            for rank, fmt in enumerate(offered):
                if fmt.id in refused or not _matches(rng, fmt, alias_key):
                    continue
                score = (rng.q, rng.specificity, -rank, -rng.order)
                if best is None or score > best:
                    best, chosen, params = score, fmt, rng.params
        if chosen is None:
            raise NotAcceptable(
                f"none of the media types in Accept ({header}) can be given here; this resource offers "
                + ", ".join(f.media_type for f in offered) + " (or use ?format=)."
            )
    return Negotiated(chosen, _csv_options(chosen, params, query))


def _from_format_param(value: str, version: str | None, offered: list[SdmxFormat]) -> SdmxFormat:
    candidates = [FORMATS[i] for i in _FORMAT_PARAM.get(value, ()) if FORMATS[i] in offered]
    if version is not None:
        candidates = [f for f in candidates if _same_version(version, f.version)]
    if not candidates:
        names = sorted(k for k, ids in _FORMAT_PARAM.items() if any(FORMATS[i] in offered for i in ids))
        raise NotAcceptable(
            f"format={value}" + (f"&formatVersion={version}" if version else "")
            + f" cannot be given here; use format= one of {', '.join(names)}, or an Accept header with one of "
            + ", ".join(f.media_type for f in offered) + "."
        )
    return candidates[0]


def _csv_options(fmt: SdmxFormat, params: dict[str, str], query: dict[str, str]) -> dict[str, str]:
    if fmt.error_kind != "csv":
        return {}
    labels = query.get("labels", params.get("labels", "id"))
    time_format = query.get("timeFormat", params.get("timeFormat", "original"))
    allowed_labels = LABELS if fmt.id == "data-csv20" else LABELS[:2]
    if labels not in allowed_labels:
        raise BadRequest(f"labels={labels} is not one of {', '.join(allowed_labels)} for {fmt.media_type}.")
    if time_format not in TIME_FORMATS:
        raise BadRequest(f"timeFormat={time_format} is not one of {', '.join(TIME_FORMATS)}.")
    return {"labels": labels, "time_format": time_format}
