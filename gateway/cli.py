"""The `inbeeld` command line: serve, migrate, keys, organisations, demo, OpenAPI."""

import asyncio
import json
import os
import uuid
from collections.abc import Awaitable, Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.clock import system_clock
from gateway.core.crypto import KeyRing
from gateway.core.db import Database, migrate
from gateway.core.errors import InbeeldError
from gateway.core.keys import KeyRingSource, load_key_ring
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import AttendanceStatus, OrgType, Purpose, Role

# No locals in tracebacks: they could hold keys or identifiers.
app = typer.Typer(help="Inbeeld: a privacy-preserving regional case index gateway.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
keys_app = typer.Typer(help="The key ring: create, rotate, re-key.", no_args_is_help=True)
org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo region.", no_args_is_help=True)
client_app = typer.Typer(help="Partner systems (OAuth clients with private_key_jwt).", no_args_is_help=True)
app.add_typer(client_app, name="client")
policy_app = typer.Typer(help="Rego policies.", no_args_is_help=True)
consent_app = typer.Typer(help="Consent receipts.", no_args_is_help=True)
app.add_typer(consent_app, name="consent")
audit_app = typer.Typer(help="The tamper-evident audit log: verify, export, checkpoint, replay, purge.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")
app.add_typer(policy_app, name="policy")
app.add_typer(keys_app, name="keys")
app.add_typer(org_app, name="org")
app.add_typer(demo_app, name="demo")

DEMO_DIR = Path("var/demo")


def _demo_env(host: str, port: int) -> None:
    os.environ.update({
        "INBEELD_MODE": Mode.demo.value, "INBEELD_DATA_DIR": str(DEMO_DIR),
        "INBEELD_PUBLIC_URL": f"http://{host}:{port}", "INBEELD_DEMO_SERVICES": "true",
    })


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Synthetic region on SQLite in var/demo")] = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (stateless; share the database)")] = 1,
) -> None:
    """Migrate the database and start the gateway."""
    from gateway import serving
    from gateway.core.logging import log_config

    if demo:
        _demo_env(host, port)
    settings = Settings()
    load_key_ring(settings)  # create demo keys once, before several workers could race to
    migrate(settings.effective_database_url)
    if demo:
        private_keys = asyncio.run(_seed_demo_once(settings))
        if private_keys is not None:
            _write_demo_client_keys(private_keys)
        seeded = private_keys is not None
        (DEMO_DIR / "demo.json").write_text(json.dumps({"public_url": settings.public_url}))
        _print_demo_banner(settings, seeded)
    options = {"app": "gateway.app:create_app", "factory": True, "host": host, "port": port, "access_log": False,
               "log_config": log_config(), "server_header": False,
               "timeout_graceful_shutdown": int(settings.shutdown_grace_seconds)}
    serving.serve(options, workers=workers, grace_seconds=settings.shutdown_grace_seconds)


async def _seed_demo_once(settings: Settings) -> dict[str, dict[str, Any]] | None:
    """Seed an empty demo database; returns the partners' private keys, or None when already seeded."""
    from gateway.cases.rules import rules_from
    from gateway.demo.data import seed_demo
    from gateway.index.models import Child
    from gateway.pseudonyms.service import HmacPseudonymiser

    db = Database(settings.effective_database_url)
    try:
        async with db.engine.begin() as conn:
            if await conn.scalar(select(func.count()).select_from(Child)):
                return None
            return await seed_demo(conn, pseudonymiser=HmacPseudonymiser(KeyRingSource(settings)),
                                   region=settings.region, now=system_clock(),
                                   rules=await rules_from(settings.policy_dir, settings.region))
    finally:
        await db.dispose()


def _write_demo_client_keys(private_keys: dict[str, dict[str, Any]]) -> None:
    """Each demo partner's private key, readable by the owner only (`inbeeld demo token` signs with it)."""
    clients = DEMO_DIR / "clients"
    clients.mkdir(mode=0o700, parents=True, exist_ok=True)
    for org_id, private in private_keys.items():
        key_file = clients / f"{org_id}.json"
        key_file.touch(mode=0o600)
        key_file.write_text(json.dumps(private))


def _print_demo_banner(settings: Settings, seeded: bool) -> None:
    from gateway.demo.data import first_demo_bsn_with

    bsn, _ = first_demo_bsn_with(AttendanceStatus.thuiszitter)
    base = settings.public_url
    typer.echo(f"""
Inbeeld demo region {'created' if seeded else 'reused'} in {DEMO_DIR}/ (synthetic data, test BSNs 9999xxxxx).

  Token for the leerplichtambtenaar (valid 5 minutes; run again for a new one):
    TOKEN=$(inbeeld demo token --org leerplicht-utrecht --role leerplichtambtenaar)

  Find a thuiszitter by BSN (in the body, never in the URL):
    curl -s -X POST {base}/v1/children/lookup -H "Authorization: Bearer $TOKEN" \\
         -H 'Content-Type: application/json' -d '{{"bsn": "{bsn.digits}", "purpose": "leerplicht-handhaving"}}'

  Parent portal (log in with the demo's DigiD-like test provider; pick a synthetic parent):
    {base}/portaal

  API description: {base}/v1/openapi.json
""")


@app.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date (Alembic)."""
    migrate(Settings().effective_database_url)
    typer.echo("database at the latest schema")


@app.command()
def openapi(out: Path = Path("openapi/openapi.json")) -> None:
    """Write the OpenAPI document the app serves."""
    from gateway.app import create_app, openapi_document

    document = openapi_document(create_app(Settings(mode=Mode.development, data_dir=Path("var/openapi"))))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    typer.echo(f"wrote {out}")


@keys_app.command("init")
def keys_init() -> None:
    """Create a key ring file (refuses to overwrite one)."""
    settings = Settings(mode=Mode.development)
    if settings.key_file.exists():
        raise typer.BadParameter(f"{settings.key_file} exists; use `inbeeld keys rotate`")
    KeyRing.generate().save(settings.key_file)
    typer.echo(f"created {settings.key_file} (mode 0600); keep a backup in your secret store")


class KeyKind(StrEnum):
    pseudonym = "pseudonym"
    token = "token"  # noqa: S105  (a key kind, not a secret)
    signing = "signing"


@keys_app.command("rotate")
def keys_rotate(kind: Annotated[KeyKind, typer.Option(help="Which key to add")] = KeyKind.pseudonym) -> None:
    """Add a new key; running gateways pick it up within a second. After a pseudonym key: `keys rekey`."""
    settings = Settings()
    ring = load_key_ring(settings)
    if kind is KeyKind.pseudonym:
        ring = ring.with_new_pseudonym_key()
        hint = f"new pseudonym key {ring.pseudonym[-1].kid}; now run `inbeeld keys rekey`"
    elif kind is KeyKind.token:
        ring = ring.with_new_token_key()
        hint = f"new access-token key {ring.token[-1][0]}; tokens signed with older keys stay valid until they expire"
    else:
        ring = ring.with_new_signing_key()
        hint = f"new webhook signing key {ring.signing[-1][0]}; published at /v1/webhooks/jwks"
    ring.save(settings.key_file)
    typer.echo(hint)


@keys_app.command("rekey")
def keys_rekey(batch: int = 1000) -> None:
    """Lift every stored index key to the newest pseudonym key, in batches, while the gateway serves."""
    from gateway.pseudonyms.rekey import rekey

    settings = Settings()

    async def run() -> int:
        db = Database(settings.effective_database_url)
        try:
            return await rekey(db, KeyRingSource(settings), batch=batch)
        finally:
            await db.dispose()

    typer.echo(f"re-keyed {asyncio.run(run())} children")


@org_app.command("add")
def org_add(
    id: Annotated[str, typer.Option("--id")],
    name: Annotated[str, typer.Option()],
    type: Annotated[OrgType, typer.Option()],
    identifier: Annotated[str, typer.Option(help="OIN or BRIN")],
    contact_point: Annotated[str, typer.Option(help="Functional mailbox or phone of the team")],
    region: Annotated[str | None, typer.Option()] = None,
    webhook_url: Annotated[str | None, typer.Option()] = None,
    gemeente: Annotated[str | None, typer.Option(help="Where it works (the monitor counts per gemeente)")] = None,
    school_type: Annotated[str | None, typer.Option(help="Schools: po, so, vo, vso or mbo")] = None,
) -> None:
    """Enrol a partner organisation."""
    from gateway.organisations.schemas import OrganisationCreate
    from gateway.organisations.service import enrol

    body = OrganisationCreate(id=id, name=name, type=type, identifier=identifier, contact_point=contact_point,
                              region=region or Settings().region, webhook_url=webhook_url, gemeente=gemeente,
                              school_type=school_type)
    relaxed = Settings().relaxed
    _run(lambda conn: enrol(conn, body=body, relaxed=relaxed, now=system_clock()))
    typer.echo(f"enrolled {id}")


@client_app.command("add")
def client_add(
    org: Annotated[str, typer.Option()], jwks: Annotated[Path, typer.Option(help="Public JWKS file")]
) -> None:
    """Enrol the partner system of an organisation with its public keys (private_key_jwt)."""
    from gateway.auth.service import enrol_client

    _run(lambda conn: enrol_client(conn, organisation_id=org, jwks=_read_json(jwks), now=system_clock()))
    typer.echo(f"enrolled client {org}")


@client_app.command("add-key")
def client_add_key(
    org: Annotated[str, typer.Option()], jwk: Annotated[Path, typer.Option(help="Public JWK file")]
) -> None:
    """Rotation, step 1: add the partner's new public key next to the old one."""
    from gateway.auth.service import add_client_key

    _run(lambda conn: add_client_key(conn, organisation_id=org, jwk=_read_json(jwk)))
    typer.echo(f"added a key to client {org}")


@client_app.command("remove-key")
def client_remove_key(org: Annotated[str, typer.Option()], kid: Annotated[str, typer.Option()]) -> None:
    """Rotation, step 2: remove the old key once the partner signs with the new one."""
    from gateway.auth.service import remove_client_key

    _run(lambda conn: remove_client_key(conn, organisation_id=org, kid=kid))
    typer.echo(f"removed key {kid} from client {org}")


@client_app.command("revoke")
def client_revoke(org: Annotated[str, typer.Option()]) -> None:
    """Revoke a compromised client: no new tokens, and its live tokens stop working within a second."""
    from gateway.auth.service import revoke_client

    _run(lambda conn: revoke_client(conn, organisation_id=org, now=system_clock()))
    typer.echo(f"revoked client {org}")


@client_app.command("reinstate")
def client_reinstate(org: Annotated[str, typer.Option()], jwks: Annotated[Path, typer.Option()]) -> None:
    """Bring a revoked client back, with new keys only."""
    from gateway.auth.service import reinstate_client

    _run(lambda conn: reinstate_client(conn, organisation_id=org, jwks=_read_json(jwks)))
    typer.echo(f"reinstated client {org}")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"{path}: {type(exc).__name__}") from None


def _run(operation: Callable[[AsyncConnection], Awaitable[None]]) -> None:
    """Run one administrative change in a transaction; problems are printed, not traced."""

    async def step(conn: AsyncConnection, _settings: Settings) -> None:
        await operation(conn)

    try:
        _in_transaction(step)
    except InbeeldError as error:
        typer.echo(f"refused: {error.detail}", err=True)
        raise typer.Exit(1) from None


def _demo_request(org: str, role: Role, professional: str) -> tuple[str, dict[str, str]]:
    from gateway.auth.assertion import client_assertion, token_request_form

    demo_file = DEMO_DIR / "demo.json"
    key_file = DEMO_DIR / "clients" / f"{org}.json"
    if not demo_file.exists() or not key_file.exists():
        raise typer.BadParameter("no demo client for this organisation; start the demo with `inbeeld serve --demo`")
    endpoint = json.loads(demo_file.read_text())["public_url"].rstrip("/") + "/v1/oauth/token"
    assertion = client_assertion(_read_json(key_file), client_id=org, token_endpoint=endpoint,
                                 professional_id=professional, role=role.value)
    return endpoint, token_request_form(assertion)


@demo_app.command("assertion")
def demo_assertion(
    org: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()], professional: str = "prof-demo"
) -> None:
    """Print a client assertion signed with the demo organisation's private key (for a token request by hand)."""
    typer.echo(_demo_request(org, role, professional)[1]["client_assertion"])


@demo_app.command("token")
def demo_token(
    org: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()], professional: str = "prof-demo"
) -> None:
    """Request a 5-minute access token from the running demo, as the organisation's partner system would."""
    import httpx

    endpoint, form = _demo_request(org, role, professional)
    response = httpx.post(endpoint, data=form, timeout=10)
    if response.status_code != 200:
        typer.echo(f"refused: {response.text}", err=True)
        raise typer.Exit(1)
    typer.echo(response.json()["access_token"])


@policy_app.command("bundle")
def policy_bundle(out: Path = Path("inbeeld-policies.tar.gz")) -> None:
    """Build the OPA bundle (policies + .manifest with revision) for the sidecar."""
    from gateway.policy.engine import build_bundle, policy_sources, revision_of

    out.write_bytes(build_bundle(Settings(mode=Mode.development).policy_dir))
    typer.echo(f"wrote {out} (revision {revision_of(policy_sources(Settings(mode=Mode.development).policy_dir))})")


@consent_app.command("verify-receipt")
def consent_verify_receipt(
    receipt: Path, jwks: Annotated[Path, typer.Option(help="The gateway's published keys (/v1/webhooks/jwks)")],
) -> None:
    """Verify a consent receipt offline against the gateway's published signing keys."""
    from consent.receipts import verify_receipt
    from gateway.core.crypto import CryptoError

    try:
        content = verify_receipt(_read_json(receipt), _read_json(jwks))
    except CryptoError as error:
        typer.echo(f"NOT VALID: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"valid receipt: {content.get('action', '?')} of consent {content.get('consent_id', '?')}")


# --- audit -------------------------------------------------------------------------------------------

def _in_transaction(operation: Callable[[AsyncConnection, Settings], Awaitable[Any]]) -> Any:
    """Run one step in a transaction on the configured database (migrated first)."""
    settings = Settings()
    migrate(settings.effective_database_url)

    async def run() -> Any:
        db = Database(settings.effective_database_url)
        try:
            async with db.engine.begin() as conn:
                return await operation(conn, settings)
        finally:
            await db.dispose()

    return asyncio.run(run())


def _print_report(report: Any) -> None:
    typer.echo(f"{report.log or 'a log with no checkpoint yet'}: {report.records} records, {report.checkpoints} "
               f"signed checkpoints; the newest valid checkpoint covers {report.covered} "
               f"(the {report.records - report.covered} after it are chained, not yet signed)")
    if not report.ok:
        for finding in report.findings:
            typer.echo(f"TAMPERED: {finding}", err=True)
        raise typer.Exit(1)
    typer.echo("audit log verified")


@audit_app.command("verify")
def audit_verify(
    export: Annotated[Path | None, typer.Option(help="An export (`inbeeld audit export`) instead of the database")]
    = None,
    jwks: Annotated[Path | None, typer.Option(help="The gateway's published keys, to verify an export")] = None,
) -> None:
    """Check every record against the chain and the signed checkpoints; exit 1 on any finding."""
    from gateway.audit.verify import Entry, verify_log, verify_stored
    from gateway.core.crypto import public_jwk

    if export is not None:
        if jwks is None:
            raise typer.BadParameter("--jwks is needed to verify an export")
        lines = [json.loads(line) for line in export.read_text().splitlines() if line.strip()]
        log = next((line["log"] for line in lines if line.get("type") == "log"), None)
        entries = [Entry.from_export(line) for line in lines if line.get("type") == "record"]
        checkpoints = [line["checkpoint"] for line in lines if line.get("type") == "checkpoint"]
        _print_report(verify_log(entries, checkpoints, _read_json(jwks), log=log))
        return

    async def from_database(conn: AsyncConnection, settings: Settings) -> Any:
        keys = load_key_ring(settings).signing
        return await verify_stored(conn, {"keys": [public_jwk(kid, key) for kid, key in keys]})

    _print_report(_in_transaction(from_database))


@audit_app.command("export")
def audit_export(out: Annotated[Path, typer.Option(help="JSON lines: the log's id, records, checkpoints")]) -> None:
    """Write the whole log with its checkpoints (no BSN is in it), verifiable offline with `audit verify --export`."""
    from gateway.audit.checkpoints import checkpoint_table, log_name, public_checkpoint
    from gateway.audit.repository import records_in_order
    from gateway.audit.verify import Entry

    async def write(conn: AsyncConnection, settings: Settings) -> int:
        count = 0
        with out.open("w") as file:
            file.write(json.dumps({"type": "log", "log": await log_name(conn, settings)}) + "\n")
            async for row in records_in_order(conn):
                file.write(json.dumps(Entry.from_row(row).export()) + "\n")
                count += 1
            for row in (await conn.execute(checkpoint_table.select().order_by(checkpoint_table.c.tree_size))).all():
                file.write(json.dumps({"type": "checkpoint", "checkpoint": public_checkpoint(row)}) + "\n")
        return count

    typer.echo(f"wrote {_in_transaction(write)} records to {out}")


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint now (the gateway also does so every N records or T seconds)."""
    from datetime import UTC, datetime

    from gateway.audit.checkpoints import make_checkpoint

    async def sign(conn: AsyncConnection, settings: Settings) -> Any:
        return await make_checkpoint(conn, ring=load_key_ring(settings), settings=settings, now=datetime.now(UTC))

    made = _in_transaction(sign)
    typer.echo(f"signed checkpoint at size {made['statement']['tree_size']}" if made else "nothing new to sign")


@audit_app.command("replay")
def audit_replay(seq: int) -> None:
    """Make a recorded decision again with its own policy revision and with today's; say whether they agree."""
    from gateway.audit.replay import NothingToReplay, replay
    from gateway.policy.engine import EmbeddedRegoEngine

    async def again(conn: AsyncConnection, settings: Settings) -> Any:
        return await replay(conn, seq, today=EmbeddedRegoEngine(settings.policy_dir))

    try:
        result = _in_transaction(again)
    except NothingToReplay as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({
        "seq": result.seq, "entrypoint": result.entrypoint, "recorded": result.recorded,
        "revision_then": result.revision_then, "replayed_then": result.then, "reproduced": result.reproduced,
        "revision_now": result.revision_now, "today": result.now, "same_today": result.same_today}, indent=2))


retention_app = typer.Typer(help="Retention terms (INBEELD_RETENTION_*).", no_args_is_help=True)
app.add_typer(retention_app, name="retention")


@retention_app.command("apply")
def retention_apply() -> None:
    """Remove what is past its term (run daily): old involvement signals, children, audit record content."""
    from datetime import UTC, datetime

    from gateway.retention.service import apply

    async def run(conn: AsyncConnection, settings: Settings) -> Any:
        return await apply(conn, settings=settings, now=datetime.now(UTC))

    done = _in_transaction(run)
    typer.echo(f"removed {done.involvements} involvement signals, {done.case_events} attendance and case events, "
               f"{done.cases} ended thuiszitter cases and {done.children} children; emptied "
               f"{done.audit_records} audit records (purged through position {done.purged_through})")


@audit_app.command("witness")
def audit_witness(
    gateway: Annotated[str, typer.Option(help="The gateway's base URL")],
    store: Annotated[Path, typer.Option(help="This witness's own file (keep it away from the gateway)")],
) -> None:
    """Check the gateway's newest checkpoint against the one this witness saw before (run it regularly)."""
    import httpx

    from gateway.audit.witness import observe

    with httpx.Client(timeout=30) as http:
        seen = observe(http, gateway, store)
    if not seen.ok:
        typer.echo(f"SPLIT VIEW OR REWRITTEN LOG: {seen.message}", err=True)
        raise typer.Exit(1)
    typer.echo(seen.message)


monitor_app = typer.Typer(help="The monthly thuiszitter monitor.", no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("report")
def monitor_report(
    month: Annotated[str, typer.Option(help="YYYY-MM")],
    out: Annotated[Path, typer.Option(help="Directory for monitor-YYYY-MM.json and .csv")] = Path("."),
) -> None:
    """Write the month's monitor (suppressed as over the API) to JSON and CSV files, for the Leerplicht–SWV
    meeting, the kernpartneroverleg or the OOGO. Audited as an export by the operator."""
    from datetime import UTC, date, datetime

    from gateway.audit.service import ALLOWED, AuditEntry
    from gateway.context import RequestMeta
    from gateway.monitor.service import as_csv, build

    try:
        first = date.fromisoformat(month + "-01")
    except ValueError:
        typer.echo("refused: --month must be YYYY-MM", err=True)
        raise typer.Exit(2) from None

    async def run(conn: AsyncConnection, settings: Settings) -> Any:
        with typer.progressbar(length=13, label=f"monitor {month}") as bar:
            report = await build(conn, region=settings.region, first=first, threshold=settings.monitor_min_count,
                                 progress=lambda: bar.update(1))
        await AuditEntry("-", "operator", "-", RequestMeta(f"cli-{uuid.uuid4().hex[:12]}", "inbeeld-cli"),
                         "monitor.export", "monitoring").record(conn, now=datetime.now(UTC), outcome=ALLOWED)
        return report

    report = _in_transaction(run)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"monitor-{month}.json").write_text(report.model_dump_json(indent=2), encoding="utf-8")
    (out / f"monitor-{month}.csv").write_text(as_csv(report), encoding="utf-8")
    typer.echo(f"wrote {out / f'monitor-{month}.json'} and .csv")


cases_app = typer.Typer(help="Thuiszitter cases.", no_args_is_help=True)
app.add_typer(cases_app, name="cases")


@cases_app.command("reassess")
def cases_reassess() -> None:
    """Derive every child's status, cases and clocks again (after a new rule set version), in batches."""
    from datetime import UTC, datetime

    from gateway.cases.repository import children_with_events, lock_child
    from gateway.cases.rules import load_rules
    from gateway.cases.service import reassess_with
    from gateway.core.clock import local_date

    settings = Settings()
    migrate(settings.effective_database_url)

    async def run() -> int:
        from gateway.app import policy_engine

        db, policy = Database(settings.effective_database_url), policy_engine(settings)
        await policy.start()
        try:
            rules, done, after = await load_rules(policy, settings.region), 0, 0
            while True:
                async with db.engine.begin() as conn:
                    batch = await children_with_events(conn, after=after, limit=500)
                    for child_id in batch:
                        await lock_child(conn, child_id)
                        await reassess_with(conn, rules, child_id, local_date(datetime.now(UTC)))
                if not batch:
                    return done
                done, after = done + len(batch), batch[-1]
        finally:
            await policy.close()
            await db.dispose()

    typer.echo(f"reassessed {asyncio.run(run())} children")


import_app = typer.Typer(help="Batch files from partner systems.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _import(file: Path, org: str, role: Role, rejects: Path | None,
            work: Callable[[Any, Any, Callable[[int], None]], Awaitable[Any]]) -> Any:
    """Run `work(context, caller, progress)` as the organisation's import, list its rejected rows (line, reason)
    and write them to `rejects`; exit 3 when there are any."""
    import csv

    from adapters.errors import AdapterError
    from gateway.app import create_app
    from gateway.auth.tokens import Caller
    from gateway.organisations.repository import type_of

    settings = Settings().model_copy(update={"outbox_worker": False, "audit_checkpointer": False,
                                             "case_watcher": False})
    migrate(settings.effective_database_url)

    async def run() -> Any:
        application = create_app(settings)
        async with application.router.lifespan_context(application):
            context = application.state.context
            async with context.db.engine.connect() as conn:
                kind = await type_of(conn, org)
            if kind is None:
                raise typer.BadParameter(f"organisation {org!r} is not enrolled", param_hint="--org")
            caller = Caller(organisation_id=org, organisation_type=OrgType(kind), role=role, professional="import")
            with typer.progressbar(length=1, label=f"import {file.name}") as bar:
                def progress(total: int) -> None:
                    if total:
                        bar.length = total
                    else:
                        bar.update(1)
                return await work(context, caller, progress)

    try:
        report = asyncio.run(run())
    except AdapterError as error:
        typer.echo(f"refused: {error.reason}", err=True)
        raise typer.Exit(1) from None
    if rejects is not None:
        with rejects.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["line", "reason"])
            writer.writerows((r.line, r.reason) for r in report.rejected)
    return report


def _exit_on_rejects(report: Any) -> None:
    for rejected in report.rejected[:20]:
        typer.echo(f"  line {rejected.line}: {rejected.reason}", err=True)
    if report.rejected:
        raise typer.Exit(3)


RejectsOption = Annotated[Path | None, typer.Option(help="Write rejected rows (line, reason) to this CSV")]


@import_app.command("absence")
def import_absence_command(
    file: Annotated[Path, typer.Argument(help="CSV: event_id, child_ref or bsn, kind, starts_on, ends_on, hours, …")],
    org: Annotated[str, typer.Option(help="The organisation whose export this is")],
    role: Annotated[Role, typer.Option(help="The role it reports in")] = Role.verzuimadministratie,
    purpose: Annotated[Purpose, typer.Option()] = Purpose.signalering,
    rejects: RejectsOption = None,
) -> None:
    """Report every row as an event, as the organisation's own system would over the API: checked row by row,
    idempotent (a row sent before is recognised), audited; rejected rows are listed with their line and reason."""
    from gateway.cases.importer import import_absence

    report = _import(file, org, role, rejects, lambda context, caller, progress: import_absence(
        context, caller, file, purpose=purpose, progress=progress))
    typer.echo(f"{report.rows} rows: {report.accepted} accepted, {report.repeated} already received, "
               f"{len(report.rejected)} rejected")
    _exit_on_rejects(report)


@import_app.command("involvements")
def import_involvements_command(
    file: Annotated[Path, typer.Argument(help="CSV: bsn, and optionally purpose, contact_point, since, until, "
                                              "legal_basis, birth_date")],
    org: Annotated[str, typer.Option(help="The organisation whose intake this is")],
    role: Annotated[Role, typer.Option(help="The role it registers in")] = Role.zorgcoordinator,
    purpose: Annotated[Purpose, typer.Option(help="For rows that give none")] = Purpose.signalering,
    rejects: RejectsOption = None,
) -> None:
    """Register every row as an involvement, as POST /v1/involvement-batches would: 500 rows a transaction, each
    decided and audited as if registered alone; rejected rows are listed with their line and reason."""
    from gateway.index.importer import import_involvements

    report = _import(file, org, role, rejects, lambda context, caller, progress: import_involvements(
        context, caller, file, purpose=purpose, progress=progress))
    typer.echo(f"{report.rows} rows: {report.registered} registered, {len(report.rejected)} rejected")
    _exit_on_rejects(report)
