"""Data as it was disseminated, version by version (REST v2 data.md ``includeHistory``; DESIGN §4 revisions).

Each public version of a dataset is one data set, valid from when it was generated and released until the
next version replaced it. The data of a version is read from its own public graph, so a revision never
hides what was published before it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

from api import vocab
from api.errors import NotFound
from api.model.sdmx import DataMessage, DataVersion, Series
from api.model.sdmx_data_query import DataQuery
from api.model.view import PublicView
from api.services.registry import Registry
from api.services.sdmx.data import data_message
from api.services.versions import public_versions


def history_message(
    registry: Registry, query: DataQuery, *, names: dict[str, dict[str, str]] | None = None,
    component_names: dict[str, str] | None = None, language: str = "en", now: datetime | None = None,
) -> DataMessage:
    """One data set per public version that holds data for ``query``; NotFound when none does."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    plain = replace(query, include_history=False, as_of=None, updated_after=None)
    found: list[DataVersion] = []
    first: DataMessage | None = None
    for public in public_versions(registry, moment):
        valid_from, valid_to = public.valid_from, public.valid_to
        if query.as_of is not None and valid_from > query.as_of:
            continue
        if query.updated_after is not None and valid_from <= query.updated_after:
            continue
        view = PublicView(vocab.VOCABULARY_GRAPH, {public.graph: public.generated}, public.observations,
                          registry.vocabulary_tag)
        try:
            message = data_message(registry, plain, names=names, component_names=component_names,
                                   language=language, now=moment, view=view)
        except NotFound:
            continue
        first = first or message
        found.append(DataVersion(valid_from, valid_to, message.series))
    if first is None:
        raise NotFound("no version of the data matches the query: check the key, the filters and asOf.")
    versions = tuple(found)

    def every_series() -> Iterator[Series]:
        return itertools.chain.from_iterable(v.series() for v in versions)

    return replace(first, series=every_series, history=versions, frames=None)
