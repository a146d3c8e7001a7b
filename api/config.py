"""Settings read once from MPR_* environment variables into one frozen object (no import-time state)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from api.model.submission import InputLimits

_LIMITS = InputLimits()


def _project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Everything configurable; build with :meth:`from_env` or directly in tests."""

    base_iri: str = "http://127.0.0.1:8000"
    data_dir: Path | None = Path("var")
    sources_dir: Path = Path("../shared/data")
    ontology_dir: Path = field(default_factory=lambda: _project_root() / "ontology")
    shapes_dir: Path = field(default_factory=lambda: _project_root() / "shapes")
    datasets_dir: Path = field(default_factory=lambda: _project_root() / "datasets")
    disclosure_threshold: int = 5
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_max_depth: int = _LIMITS.max_depth
    upload_max_literal_bytes: int = _LIMITS.max_literal_bytes
    upload_max_items: int = _LIMITS.max_items
    upload_timeout_s: float = 900.0  # the worker parsing and validating one upload is stopped after this
    shacl_engine: str = "auto"
    pyshacl_max_observations: int = 2_000
    sdmx_max_observations: int = 5_000_000
    sdmx_max_regrouped_observations: int = 500_000
    sdmx_replay_observations: int = 10_000  # answers up to this size are read from the store once
    sparql_timeout_s: float = 10.0
    sparql_max_rows: int = 100_000
    sparql_workers: int = 2
    sparql_max_memory_mb: int = 1024  # each query worker's memory limit (RLIMIT_DATA); 0 for none
    sparql_client_queries: int = 2  # queries one client (remote address) may have running or waiting
    sparql_queue: int = 8  # queries that may wait for a worker, all clients together

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Read MPR_BASE_IRI, MPR_DATA ('' or ':memory:' for an in-memory store), MPR_SOURCES, ..."""
        env = dict(os.environ if env is None else env)
        data = env.get("MPR_DATA", "var")
        return cls(
            base_iri=env.get("MPR_BASE_IRI", cls.base_iri).rstrip("/"),
            data_dir=None if data in ("", ":memory:") else Path(data),
            sources_dir=Path(env.get("MPR_SOURCES", "../shared/data")),
            disclosure_threshold=int(env.get("MPR_DISCLOSURE_THRESHOLD", "5")),
            max_upload_bytes=int(env.get("MPR_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024))),
            upload_max_depth=int(env.get("MPR_UPLOAD_MAX_DEPTH", str(_LIMITS.max_depth))),
            upload_max_literal_bytes=int(env.get("MPR_UPLOAD_MAX_LITERAL_BYTES", str(_LIMITS.max_literal_bytes))),
            upload_max_items=int(env.get("MPR_UPLOAD_MAX_ITEMS", str(_LIMITS.max_items))),
            upload_timeout_s=float(env.get("MPR_UPLOAD_TIMEOUT", "900")),
            shacl_engine=env.get("MPR_SHACL_ENGINE", "auto"),
            pyshacl_max_observations=int(env.get("MPR_PYSHACL_MAX_OBSERVATIONS", "2000")),
            sdmx_max_observations=int(env.get("MPR_SDMX_MAX_OBSERVATIONS", "5000000")),
            sdmx_max_regrouped_observations=int(env.get("MPR_SDMX_MAX_REGROUPED_OBSERVATIONS", "500000")),
            sparql_timeout_s=float(env.get("MPR_SPARQL_TIMEOUT", "10")),
            sparql_max_rows=int(env.get("MPR_SPARQL_MAX_ROWS", "100000")),
            sparql_workers=int(env.get("MPR_SPARQL_WORKERS", "2")),
            sparql_max_memory_mb=int(env.get("MPR_SPARQL_MAX_MEMORY_MB", "1024")),
            sparql_client_queries=int(env.get("MPR_SPARQL_CLIENT_QUERIES", "2")),
            sparql_queue=int(env.get("MPR_SPARQL_QUEUE", "8")),
        )

    @property
    def input_limits(self) -> InputLimits:
        """The bounds every submission parser applies (uploads, ``mpr validate`` and ``mpr load``)."""
        return InputLimits(max_bytes=self.max_upload_bytes, max_depth=self.upload_max_depth,
                           max_literal_bytes=self.upload_max_literal_bytes, max_items=self.upload_max_items)

    @property
    def store_path(self) -> Path | None:
        """Folder of the on-disk store, or None for an in-memory store."""
        return None if self.data_dir is None else self.data_dir / "store"
