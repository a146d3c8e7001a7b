"""`mpr backup` and `mpr restore`: the whole store as N-Quads, the credentials as a SQLite copy.

Registered on the main app by ``register(app)`` (api/cli.py); the work is in ``api.services.backup``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.config import Settings
from api.errors import RegistryError
from api.services.admin import backup as service

err = Console(stderr=True)


def _fail(exc: RegistryError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    return typer.Exit(code=2)


def _size(size: int) -> str:
    return f"{size:,} bytes ({size / 1e6:.1f} MB)"


def _report_store(verb: str, copy: service.StoreCopy) -> None:
    err.print(f"{verb} {copy.quads:,} quads in {copy.graphs:,} named graphs: {copy.path}, {_size(copy.size)}, "
              f"{copy.seconds:.1f} s", highlight=False)


def _report_credentials(verb: str, copy: service.CredentialsCopy) -> None:
    err.print(f"{verb} credentials of {copy.agencies} agencies and {copy.tokens} tokens (hashes only): "
              f"{copy.path} (mode 0600)", highlight=False)


def backup(
    file: Annotated[Path | None, typer.Argument(help="Store backup: N-Quads, gzip-compressed if it ends in .gz")]
    = None,
    credentials: Annotated[Path | None, typer.Option(help="Also copy the credentials database (SQLite) here")]
    = None,
) -> None:
    """Back up the whole store (every graph, restricted ones too) and/or the credentials; works beside `mpr serve`.

    Files are written beside their target, then renamed, readable by their owner only (they hold confidential
    figures and token hashes). Example: mpr backup store.nq.gz --credentials credentials.sqlite"""
    if file is None and credentials is None:
        raise _fail(RegistryError("give a FILE for the store and/or --credentials FILE: nothing to back up."))
    try:
        settings = Settings.from_env()
        if file is not None:
            _report_store("backed up", service.backup_store(settings, file))
        if credentials is not None:
            _report_credentials("backed up", service.backup_credentials(settings, credentials))
    except RegistryError as exc:
        raise _fail(exc) from exc


def restore(
    file: Annotated[Path | None, typer.Argument(help="A store backup written by `mpr backup` (.nq or .nq.gz)")]
    = None,
    credentials: Annotated[Path | None, typer.Option(help="A credentials backup written by "
                                                     "`mpr backup --credentials`")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Replace a store or credentials that hold data")] = False,
) -> None:
    """Replace the store and/or the credentials with a backup; stop `mpr serve` first.

    The file is loaded and checked in a new folder first (a damaged or truncated backup changes nothing); the
    replaced store is kept as store.before-restore-<time> in the data folder (delete it when satisfied)."""
    if file is None and credentials is None:
        raise _fail(RegistryError("give a FILE for the store and/or --credentials FILE: nothing to restore."))
    try:
        settings = Settings.from_env()
        store_copy, credentials_copy = service.restore(settings, file, credentials, replace=yes)
    except RegistryError as exc:
        raise _fail(exc) from exc
    if store_copy is not None:
        _report_store("restored", store_copy)
        for note in store_copy.notes:
            err.print(f"note: {note}", highlight=False)
        if store_copy.previous is not None:
            err.print(f"the previous store is kept in {store_copy.previous}", highlight=False)
    if credentials_copy is not None:
        _report_credentials("restored", credentials_copy)


def register(app: typer.Typer) -> None:
    """Add `backup` and `restore` to the `mpr` app."""
    app.command()(backup)
    app.command()(restore)
