"""The public view: which graphs a public caller sees, and since when (DESIGN §4); an agency's view adds its
own embargoed versions and confidential observations (issue "Country submissions" 5)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class PublishedVersion:
    """The current public version of a dataset, as the registry graph records it (no observation read)."""

    dataset: str  # the dataset's id
    graph: str  # its public graph (the submission's IRI)
    version: int
    agency: str
    observations: int  # public observations only
    generated: datetime


@dataclass(frozen=True)
class PublicView:
    """The vocabulary graph plus the public graph of each current, released submission.

    ``generated`` maps each data graph to its submission's generation time (for ``updatedAfter``);
    ``last_modified`` is the newest of them; ``observations`` the sum of the submissions' counts (an upper
    bound of what a query over the view can return). ``audience`` is "" for the public, else who the view is
    for (it enters ``tag``, so no cache or ETag is ever shared between audiences); ``restricted`` maps each
    restricted graph in ``generated`` to its submission's public graph (whose description gives provenance).
    """

    vocabulary_graph: str
    generated: dict[str, datetime]
    observations: int
    vocabulary_tag: str = ""
    audience: str = ""
    restricted: dict[str, str] = field(default_factory=dict)
    descriptions: tuple[str, ...] = ()  # graphs of public descriptions (agencies), no observations
    versions: tuple[PublishedVersion, ...] = ()  # the public view's versions by dataset id (empty for as-of views)

    @property
    def public(self) -> bool:
        """True for the view every anonymous caller shares."""
        return not self.audience

    @property
    def graphs(self) -> list[str]:
        return [self.vocabulary_graph, *self.descriptions, *sorted(self.generated)]

    @property
    def data_graphs(self) -> list[str]:
        return sorted(self.generated)

    @property
    def last_modified(self) -> datetime | None:
        return max(self.generated.values(), default=None)

    @property
    def tag(self) -> str:
        """Changes whenever what the view shows changes (an ETag ingredient)."""
        digest = hashlib.sha256(self.vocabulary_tag.encode())
        if self.audience:
            digest.update(b"\0audience\0" + self.audience.encode())
        for graph in self.descriptions:
            digest.update(b"\0description\0" + graph.encode())
        for graph in self.data_graphs:
            digest.update(graph.encode())
            digest.update(self.generated[graph].isoformat().encode())
        return digest.hexdigest()[:32]

    def updated_after(self, moment: datetime) -> PublicView:
        """Only the submissions generated after ``moment`` (SDMX ``updatedAfter``)."""
        kept = {g: t for g, t in self.generated.items() if t > moment}
        return PublicView(self.vocabulary_graph, kept, self.observations, self.vocabulary_tag, self.audience,
                          {g: s for g, s in self.restricted.items() if g in kept}, self.descriptions,
                          tuple(v for v in self.versions if v.graph in kept))


@dataclass(frozen=True)
class PublicVersion:
    """A version of a dataset that has been public: from its release until the next version replaced it."""

    dataset: str  # the dataset's IRI
    version: int
    graph: str  # its public graph (the submission's IRI)
    generated: datetime
    valid_from: datetime
    valid_to: datetime | None
    observations: int

