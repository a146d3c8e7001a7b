"""What a format is: the one declaration a writer or reader makes of its media type, names and suffixes.

As sdmx1's readers declare ``media_types`` and ``suffixes``, every writer and reader here declares a
:class:`FormatSpec` once, beside its code; each family lists its specs in one tuple. Content negotiation
(``negotiation``), ``format=`` names, upload suffixes, error media types and the OpenAPI document are derived
from those tuples, never typed again. Media types and their parameters follow RFC 9110 §8.3.1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.model.submission import InputLimits, ParsedFile

XML_ALIASES = ("application/xml", "text/xml")  # generic types that SDMX services answer with their XML default


@dataclass(frozen=True, kw_only=True)
class FormatSpec:
    """One representation.

    ``media_type`` is written as answered, parameters included (``...+json;version=2.0.0``); ``names`` are the
    ``format=`` values that select it; ``aliases`` are generic media types that ask for it (the first offer that
    declares an alias answers it); ``suffixes`` are file suffixes (``.ttl``); ``charset`` adds
    ``; charset=utf-8`` to the Content-Type; ``uri`` is its W3C "Unique URIs for File Formats" IRI, if any.
    """

    id: str
    media_type: str
    title: str
    names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    charset: bool = False
    uri: str | None = None

    @property
    def base(self) -> str:
        """``type/subtype`` without parameters, lower case (RFC 9110 §8.3.1: case-insensitive)."""
        return self.media_type.split(";", 1)[0].strip().lower()

    @property
    def params(self) -> dict[str, str]:
        """The parameters the media type declares (``version`` for SDMX types), names in lower case."""
        return media_params(self.media_type)

    @property
    def version(self) -> str | None:
        return self.params.get("version")

    @property
    def content_type(self) -> str:
        """The Content-Type header of an answer in this format."""
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


@dataclass(frozen=True)
class Reader:
    """An upload reader: the format it reads (its media type and aliases name it in a Content-Type, its suffixes
    in a file name) and the function that reads a file of it within ``InputLimits``."""

    format: FormatSpec
    read: Callable[[Path, InputLimits | None], ParsedFile]

    @property
    def media_types(self) -> tuple[str, ...]:
        return (self.format.base, *self.format.aliases)


def media_params(text: str) -> dict[str, str]:
    """The ``name=value`` parameters after a media type or range (names in lower case, quotes removed)."""
    params: dict[str, str] = {}
    for piece in text.split(";")[1:]:
        name, sep, value = piece.partition("=")
        if sep:
            params[name.strip().lower()] = value.strip().strip('"')
    return params
