"""`mpr`: the registry's command line (Typer + Rich). Each command calls one service and renders it.

Exit codes: 0 success / conforms; 1 the data has violations; 2 the input cannot be read or used.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api import cli_backup
from api.config import Settings
from api.errors import BadSetting, RegistryError, SubmissionRejected
from api.model.agency import AgencyKind
from api.model.report import ValidationReport
from api.model.submission import SubmissionMetadata
from api.services import build as build_service
from api.services.admin import agencies
from api.services.admin import export as export_service
from api.services.registry import Registry, open_registry
from api.services.submissions import imports, ingest
from api.services.submissions import template as template_service
from api.store.credentials import CredentialStore
from api.store.oxigraph_store import OxigraphStore

T = TypeVar("T")

app = typer.Typer(help="Migration Profile Registry: validate, load, import, export and serve.", no_args_is_help=True)
err = Console(stderr=True)
out = Console()


def _settings() -> Settings:
    """The settings from MPR_* variables; a value that is not allowed ends the command with its sentence (exit 2)."""
    try:
        return Settings.from_env()
    except BadSetting as exc:
        raise _fail(exc) from None


def _fail(exc: RegistryError) -> typer.Exit:
    err.print(f"[bold red]error:[/] {exc.message}", highlight=False)
    return typer.Exit(code=2)


def _refused(exc: RegistryError, as_json: bool) -> typer.Exit:
    """A rejected submission prints its report and exits 1; anything unreadable exits 2."""
    if isinstance(exc, SubmissionRejected):
        _print_report(exc.report, as_json)  # type: ignore[arg-type]
        err.print(f"[bold red]rejected:[/] {exc.message}", highlight=False)
        return typer.Exit(code=1)
    return _fail(exc)


def _print_report(report: ValidationReport, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.print(report.to_text(limit=200), highlight=False, markup=False)


def _spinner() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=err,
                    transient=True)


@contextmanager
def _progress_bar(title: str, console: Console | None = None) -> Iterator[Callable[[str, int, int | None], None]]:
    """A progress bar (phase, rows done of rows in all, time) on a terminal; nothing is drawn otherwise."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("rows"), TimeElapsedColumn())
    with Progress(*columns, console=console or err, transient=True) as bar:
        task = bar.add_task(title, total=None)

        def report(phase: str, done: int, total: int | None) -> None:
            bar.update(task, description=f"{title}: {phase}", completed=done, total=total)

        yield report


@app.command()
def template(
    indicators: Annotated[list[str], typer.Argument(help="Indicator ids, e.g. STK_IMM FLW_NET")],
    area: Annotated[str, typer.Option(help="Pre-fill REF_AREA (ISO alpha-3 or M49)")] = "",
    years: Annotated[str, typer.Option(help="Pre-fill TIME_PERIOD rows, e.g. 2015-2020 or 2019,2020")] = "",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file")] = None,
    xlsx: Annotated[bool, typer.Option("--xlsx", help="An Excel workbook (drop-down code lists, code list and "
                                       "indicator sheets); needs --output")] = False,
) -> None:
    """Write the submission template (SDMX-CSV 2.0 columns) for the given indicators, as CSV or a workbook."""
    if xlsx and output is None:
        raise _fail(RegistryError("--xlsx writes a workbook: give the file to write with --output, e.g. "
                                  "-o template.xlsx."))
    settings = _settings()
    registry = Registry(settings, store=_memory_store())
    try:
        year_list = _years(years)
        code = registry.areas.code(area) if area else ""
        if area and code is None:
            raise _fail(RegistryError(f"area '{area}' is not an ISO 3166 or M49 code of the area code list."))
        rows = template_service.template_rows(registry.catalogue, indicators, code or "", year_list)
    except RegistryError as exc:
        raise _fail(exc) from exc
    if output and xlsx:
        template_service.write_xlsx(registry, output, rows, indicators)
        err.print(f"workbook with {len(rows)} row(s) written to {output}")
    elif output:
        with output.open("w", encoding="utf-8", newline="") as handle:
            template_service.write_template(handle, rows)
        err.print(f"template with {len(rows)} row(s) written to {output}")
    else:
        template_service.write_template(sys.stdout, rows)


@app.command("indicators")
def indicators_(
    section: Annotated[str | None, typer.Option(help="Only this Migration Profile section, e.g. STK or FLW")] = None,
    lang: Annotated[str, typer.Option(help="Language of labels: en, fr or es")] = "en",
) -> None:
    """List the indicators the template accepts: id, section, unit, breakdowns and label."""
    registry = Registry(_settings(), store=_memory_store())
    try:
        found = template_service.indicator_listing(registry.catalogue, section)
    except RegistryError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{len(found)} indicator(s){f' of section {section.upper()}' if section else ''}")
    for column in ("id", "section", "unit", "breakdowns", "label"):
        table.add_column(column, overflow="fold")
    for indicator in found:
        table.add_row(indicator.id, indicator.section, indicator.unit, " ".join(sorted(indicator.breakdowns)) or "-",
                      indicator.labels.get(lang) or indicator.label())
    out.print(table)


@app.command("codes")
def codes_(
    code_list: Annotated[str, typer.Argument(metavar="LIST", help="A code list (CL_AREA, area) or a column "
                                             "(REF_AREA, SEX ...)")],
) -> None:
    """List the codes a coded column of the template accepts, with their labels."""
    registry = Registry(_settings(), store=_memory_store())
    try:
        list_id, columns, found = template_service.code_listing(registry, code_list)
    except RegistryError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{list_id}: {len(found)} code(s), for {', '.join(columns)}")
    table.add_column("code")
    table.add_column("label", overflow="fold")
    for code, label in found.items():
        table.add_row(code, label)
    out.print(table)


def _years(spec: str) -> list[str]:
    if not spec:
        return []
    if "-" in spec:
        start, end = spec.split("-", 1)
        if not (start.isdigit() and end.isdigit()) or int(start) > int(end):
            raise RegistryError(f"--years '{spec}': write a range like 2015-2020 or a list like 2019,2020.")
        return [str(y) for y in range(int(start), int(end) + 1)]
    return [y.strip() for y in spec.split(",") if y.strip()]


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(
        help="CSV or Excel template, SDMX-CSV 1.0/2.0, SDMX-ML 2.1/3.0 (.xml), Turtle, JSON-LD or N-Triples")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Validate a submission file; exit 0 if it conforms, 1 if it has violations, 2 if it cannot be read."""
    settings = _settings()
    registry = Registry(settings, store=_memory_store())
    try:
        with _progress_bar(file.name) as progress:
            parsed = ingest.read_file(registry, file, progress)
            report = ingest.validate(registry, parsed, progress=progress)
    except RegistryError as exc:
        raise _fail(exc) from exc
    _print_report(report, as_json)
    raise typer.Exit(code=0 if report.conforms else 1)


def _memory_store() -> OxigraphStore:
    """Validation and dry runs work on a throw-away in-memory store."""
    return OxigraphStore(None)


@app.command()
def load(
    file: Annotated[Path, typer.Argument(help="The submission file")],
    agency: Annotated[str, typer.Option(help="Agency id of the submitter, e.g. DESTATIS")],
    dataset: Annotated[str | None, typer.Option(help="Dataset id (default: the file name)")] = None,
    title: Annotated[str, typer.Option(help="Dataset title")] = "",
    source: Annotated[list[str] | None, typer.Option(help="Primary source (repeatable)")] = None,
    licence: Annotated[str, typer.Option(help="Licence IRI")] = "https://creativecommons.org/licenses/by/4.0/",
    definition_basis: Annotated[str | None, typer.Option(help="e.g. foreign-born or foreign citizens")] = None,
    release: Annotated[datetime | None, typer.Option(help="Release date-time (embargo until then)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Validate and store a submission as a new version of its dataset; nothing is stored on any violation."""
    settings = _settings()
    dataset_id = dataset or "".join(c if c.isalnum() or c in "_-" else "_" for c in file.stem)
    meta = SubmissionMetadata(
        dataset_id=dataset_id, agency_id=agency, title=title or dataset_id,
        sources=tuple(source or [agency]), licence=licence, definition_basis=definition_basis, release=release,
    )
    try:
        registry = open_registry(settings)
        try:
            with _progress_bar(file.name) as progress:
                result = ingest.submit_file(registry, file, meta, progress=progress)
        finally:
            registry.close()
    except RegistryError as exc:
        raise _refused(exc, as_json) from exc
    _print_report(result.report, as_json)
    err.print(f"stored {result.observations} observations as {result.submission_id} "
              f"({result.restricted} restricted)")


@app.command("import")
def import_(
    source: Annotated[str, typer.Argument(help="wdi, undesa-stock, undesa-origin, undesa-od, undesa-flows, unhcr, "
                                                "unhcr-annex, unsd-syb, remittance-prices, knomad-migration, "
                                                "knomad-remittances, undp-hdi, idmc, iom-missing or eurostat-asylum")],
    file: Annotated[Path, typer.Argument(help="The publisher's original file")],
    dry_run: Annotated[bool, typer.Option(help="Convert and validate only")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
) -> None:
    """Convert a publisher's original file into a submission and load it."""
    settings = _settings()
    try:
        registry = open_registry(settings) if not dry_run else Registry(settings, _memory_store())
        try:
            with _progress_bar(f"{file.name} ({source})") as progress:
                if dry_run:
                    result = imports.read_source(registry, source, file)
                    report = ingest.validate(registry, result.parsed, result.metadata, progress=progress)
                else:
                    result, submission = imports.import_source(registry, source, file, progress=progress)
                    report = submission.report
        finally:
            registry.close()
    except RegistryError as exc:
        raise _refused(exc, as_json) from exc
    _print_report(report, as_json)
    if result.unmapped:
        table = Table(title="values not mapped to an area (skipped)")
        table.add_column("publisher's name or code")
        table.add_column("values", justify="right")
        for name, count in sorted(result.unmapped.items(), key=lambda kv: -kv[1]):
            table.add_row(name, str(count))
        err.print(table)
    for note in result.notes:
        err.print(f"note: {note}", highlight=False)
    raise typer.Exit(code=0 if report.conforms else 1)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", help="csv, ttl or nq")] = "csv",
) -> None:
    """Write everything public to standard output."""
    if fmt not in ("csv", "ttl", "nq"):
        raise _fail(RegistryError(f"--format '{fmt}': use csv, ttl or nq."))
    try:
        registry = open_registry(_settings())
    except RegistryError as exc:
        raise _fail(exc) from exc
    try:
        if fmt == "csv":
            export_service.export_csv(registry, sys.stdout)
        else:
            sys.stdout.flush()
            export_service.export_rdf(registry, sys.stdout.buffer, fmt)
    finally:
        registry.close()


@app.command()
def query(
    sparql: Annotated[str, typer.Argument(help="A SPARQL SELECT or ASK query over the public view")],
) -> None:
    """Run a read-only SPARQL query over the public view and print the rows as CSV."""
    from api.services.sparql import query as query_service

    registry = open_registry(_settings())
    try:
        query_service.run_to_csv(registry, sparql, sys.stdout)
    except RegistryError as exc:
        raise _fail(exc) from exc
    finally:
        registry.close()


@app.command()
def build(
    force: Annotated[bool, typer.Option(help="Import again even if a dataset is loaded")] = False,
) -> None:
    """Build the store from datasets/ and the sources folder (MPR_SOURCES)."""
    settings = _settings()
    registry = open_registry(settings)
    try:
        with _spinner() as progress:
            task = progress.add_task("building")
            outcomes = build_service.build(
                registry, force=force, progress=lambda name: progress.update(task, description=f"importing {name}")
            )
    except RegistryError as exc:
        raise _fail(exc) from exc
    finally:
        registry.close()
    table = Table(title=f"datasets (sources: {settings.sources_dir})")
    for column in ("dataset", "status", "detail"):
        table.add_column(column)
    for outcome in outcomes:
        table.add_row(outcome.dataset_id, outcome.status, outcome.detail)
    err.print(table)
    if any(o.status == "rejected" for o in outcomes):
        raise typer.Exit(code=1)


@app.command()
def reindex() -> None:
    """Write the columnar read model again from the store: one Parquet file per submission graph."""
    from api.services.readmodel.reindex import reindex as reindex_service

    registry = open_registry(_settings())
    try:
        written = reindex_service(registry)
    except RegistryError as exc:
        raise _fail(exc) from exc
    finally:
        registry.close()
    err.print(f"{written} column file(s) written")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (more than 1 needs MPR_STORE=sparql: the "
                                         "embedded store belongs to one process)")] = 1,
) -> None:
    """Serve the web app and API."""
    import threading

    import uvicorn

    from api.services import warmup
    from api.web import log_redaction
    from api.web.app import create_app

    settings = _settings()
    if workers > 1 and settings.store != "sparql":
        raise _fail(BadSetting("--workers above 1 needs a shared store: the embedded store (MPR_STORE=oxigraph) "
                               "is held by one process. Set MPR_STORE=sparql with MPR_STORE_QUERY_URL and "
                               "MPR_STORE_UPDATE_URL (docs/deploy.md), or serve with one worker."))
    registry = open_registry(settings)  # the store made consistent once, before any worker starts
    if workers > 1:
        registry.close()
        _serve_workers(host, port, workers)
        return
    threading.Thread(target=warmup.warm, args=(registry,), name="warm-caches", daemon=True).start()
    threading.Thread(target=registry.upload_worker.start, name="start-upload-worker", daemon=True).start()
    config = uvicorn.Config(create_app(registry), host=host, port=port, log_level="info")
    log_redaction.install()  # after uvicorn configured logging: no token reaches a log line
    uvicorn.Server(config).run()


def _serve_workers(host: str, port: int, workers: int) -> None:
    """uvicorn's supervisor over ``workers`` processes sharing one listening socket, bound here with TCP_NODELAY
    (accepted connections inherit it on Linux): without it every keep-alive answer waits ~40 ms (bench/README)."""
    import socket

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from api.web import log_redaction

    config = uvicorn.Config("api.web.app:app_from_environment", factory=True, host=host, port=port,
                            workers=workers, log_level="info")
    log_redaction.install()
    sock = config.bind_socket()
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


agency_app = typer.Typer(help="Agencies: their public description and the areas they may write.",
                         no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens of agencies: create (shown once), list, revoke.", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
app.add_typer(token_app, name="token")


def _when(moment: datetime | None) -> str:
    return "" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


@agency_app.command("add")
def agency_add(
    agency_id: Annotated[str, typer.Argument(metavar="ID", help="Agency id, e.g. DESTATIS")],
    name: Annotated[list[str], typer.Option(help="Name; repeat with @de, @fr ... for other languages")],
    kind: Annotated[AgencyKind, typer.Option(help="What the agency is")],
    country: Annotated[str | None, typer.Option(help="Its country (ISO alpha-3 or M49); needed for nso, ministry")]
    = None,
    area: Annotated[list[str] | None, typer.Option(help="An area it may write (repeatable; default its country)")]
    = None,
    contact: Annotated[str | None, typer.Option(help="Contact e-mail address or URL")] = None,
    admin: Annotated[bool | None, typer.Option("--admin/--no-admin", help="May withdraw and administer "
                                               "(default: only kind admin)")] = None,
    replace: Annotated[bool, typer.Option(help="Change an existing agency (its tokens stay valid)")] = False,
) -> None:
    """Register an agency: its public description (RDF) and the areas its tokens may write."""
    request = agencies.AgencyRequest(agency_id, name, kind, country, tuple(area or ()), contact, admin)
    try:
        registry = open_registry(_settings())
        try:
            added = agencies.add_agency(registry, request, replace=replace)
        finally:
            registry.close()
    except RegistryError as exc:
        raise _fail(exc) from exc
    scope = "any area" if kind is AgencyKind.INTERNATIONAL else ", ".join(added.areas) or "no area"
    err.print(f"agency {added.id} ({added.kind.label}) {'saved' if replace else 'added'}: "
              f"{added.name()}; may write {scope}{'; admin' if added.admin else ''}.", highlight=False)
    err.print(f"next: mpr token create {added.id}", highlight=False)


@agency_app.command("list")
def agency_list() -> None:
    """The registered agencies, their kind and the areas they may write (no secrets)."""
    try:
        registry = open_registry(_settings())
        try:
            found = agencies.list_agencies(registry)
        finally:
            registry.close()
    except RegistryError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"{len(found)} agenc{'y' if len(found) == 1 else 'ies'}")
    for column in ("id", "name", "kind", "country", "may write", "admin", "contact"):
        table.add_column(column)
    for agency in found:
        scope = "any area" if agency.kind is AgencyKind.INTERNATIONAL else " ".join(agency.areas) or "-"
        table.add_row(agency.id, agency.name(), agency.kind.value, agency.country or "", scope,
                      "yes" if agency.admin else "", agency.contact or "")
    out.print(table)


def _with_credentials(action: Callable[[CredentialStore], T]) -> T:
    """Run ``action`` on the credentials database (opened beside a running server), closing it; errors exit."""
    try:
        credentials = agencies.open_credentials(_settings())
        try:
            return action(credentials)
        finally:
            credentials.close()
    except RegistryError as exc:
        raise _fail(exc) from exc


@token_app.command("create")
def token_create(
    agency: Annotated[str, typer.Argument(help="The agency id")],
    label: Annotated[str, typer.Option(help="What the token is for, e.g. 'upload robot'")] = "",
) -> None:
    """Create a token for an agency and print it once: it is stored only as a hash."""
    created = _with_credentials(lambda credentials: agencies.create_token(credentials, agency, label=label))
    sys.stdout.write(created.secret + "\n")
    err.print(f"token {created.info.id} created for {agency}. [bold yellow]Copy it now: it is not shown again[/] "
              "(the registry keeps only its hash). Send it as 'Authorization: Bearer <token>'; "
              "GET /api/whoami tests it.", highlight=False)


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID", help="The token id (`mpr token list AGENCY`)")],
) -> None:
    """Revoke a token: requests with it are refused from now on."""
    revoked = _with_credentials(lambda credentials: agencies.revoke_token(credentials, token_id))
    err.print(f"token {revoked.id} of {revoked.agency_id} revoked ({_when(revoked.revoked)}).", highlight=False)


@token_app.command("list")
def token_list(agency: Annotated[str, typer.Argument(help="The agency id")]) -> None:
    """An agency's tokens: ids, labels, dates; never the tokens or their hashes."""
    tokens = _with_credentials(lambda credentials: agencies.list_tokens(credentials, agency))
    table = Table(title=f"tokens of {agency}")
    for column in ("id", "label", "created", "last used", "revoked"):
        table.add_column(column)
    for token in tokens:
        table.add_row(token.id, token.label, _when(token.created), _when(token.last_used), _when(token.revoked))
    out.print(table)

cli_backup.register(app)

if __name__ == "__main__":  # pragma: no cover
    app()
