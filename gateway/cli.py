"""The `inbeeld` command line: serve, migrate, keys, organisations, demo, OpenAPI."""

import asyncio
import json
import os
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import func, select

from gateway.core.clock import system_clock
from gateway.core.crypto import KeyRing
from gateway.core.db import Database, migrate
from gateway.core.keys import KeyRingSource, load_key_ring
from gateway.core.settings import Mode, Settings
from gateway.core.vocabulary import AttendanceStatus, OrgType, Role

# No locals in tracebacks: they could hold keys or identifiers.
app = typer.Typer(help="Inbeeld: a privacy-preserving regional case index gateway.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False)
keys_app = typer.Typer(help="The key ring: create, rotate, re-key.", no_args_is_help=True)
org_app = typer.Typer(help="Partner organisations.", no_args_is_help=True)
demo_app = typer.Typer(help="The synthetic demo region.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
app.add_typer(org_app, name="org")
app.add_typer(demo_app, name="demo")

DEMO_DIR = Path("var/demo")


def _demo_env(host: str, port: int) -> None:
    os.environ.update({
        "INBEELD_MODE": Mode.demo.value, "INBEELD_DATA_DIR": str(DEMO_DIR),
        "INBEELD_PUBLIC_URL": f"http://{host}:{port}",
    })


@app.command()
def serve(
    demo: Annotated[bool, typer.Option(help="Synthetic region on SQLite in var/demo")] = False,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (stateless; share the database)")] = 1,
) -> None:
    """Migrate the database and start the gateway."""
    import uvicorn

    from gateway.core.logging import configure_logging

    if demo:
        _demo_env(host, port)
    settings = Settings()
    load_key_ring(settings)  # create demo keys once, before several workers could race to
    migrate(settings.effective_database_url)
    if demo:
        seeded = asyncio.run(_seed_demo_once(settings))
        (DEMO_DIR / "demo.json").write_text(json.dumps({"public_url": settings.public_url}))
        _print_demo_banner(settings, seeded)
    configure_logging()
    uvicorn.run("gateway.app:create_app", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_config=None, server_header=False)


async def _seed_demo_once(settings: Settings) -> bool:
    from gateway.demo.data import seed_demo
    from gateway.index.models import Child
    from gateway.pseudonyms.service import HmacPseudonymiser

    db = Database(settings.effective_database_url)
    try:
        async with db.engine.begin() as conn:
            if await conn.scalar(select(func.count()).select_from(Child)):
                return False
            await seed_demo(conn, pseudonymiser=HmacPseudonymiser(KeyRingSource(settings)),
                            region=settings.region, now=system_clock())
            return True
    finally:
        await db.dispose()


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


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new pseudonym key; running gateways pick it up within a second. Then run `keys rekey`."""
    settings = Settings()
    ring = load_key_ring(settings).with_new_pseudonym_key()
    ring.save(settings.key_file)
    typer.echo(f"new pseudonym key {ring.pseudonym[-1].kid}; now run `inbeeld keys rekey`")


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
) -> None:
    """Enrol a partner organisation."""
    from gateway.organisations.schemas import OrganisationCreate
    from gateway.organisations.service import enrol

    settings = Settings()
    migrate(settings.effective_database_url)
    body = OrganisationCreate(id=id, name=name, type=type, identifier=identifier, contact_point=contact_point,
                              region=region or settings.region, webhook_url=webhook_url)

    async def run() -> None:
        db = Database(settings.effective_database_url)
        try:
            async with db.engine.begin() as conn:
                await enrol(conn, body=body, relaxed=settings.relaxed, now=system_clock())
        finally:
            await db.dispose()

    asyncio.run(run())
    typer.echo(f"enrolled {id}")


def _token(settings: Settings, org: str, role: Role, professional: str) -> str:
    from gateway.auth.tokens import Caller, mint_access_token
    from gateway.organisations.repository import type_of

    async def org_type() -> OrgType:
        db = Database(settings.effective_database_url)
        try:
            async with db.engine.connect() as conn:
                found = await type_of(conn, org)
        finally:
            await db.dispose()
        if found is None:
            raise typer.BadParameter(f"unknown organisation {org!r}")
        return OrgType(found)

    caller = Caller(organisation_id=org, organisation_type=asyncio.run(org_type()), role=role,
                    professional=professional)
    return mint_access_token(load_key_ring(settings), issuer=settings.public_url,
                             audience=settings.token_audience, caller=caller)


@app.command("dev-token")
def dev_token(
    org: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()], professional: str = "prof-dev"
) -> None:
    """Print a 5-minute access token signed with this gateway's key ring (operators only)."""
    typer.echo(_token(Settings(), org, role, professional))


@demo_app.command("token")
def demo_token(
    org: Annotated[str, typer.Option()], role: Annotated[Role, typer.Option()], professional: str = "prof-demo"
) -> None:
    """Print a 5-minute access token for a demo organisation (run `inbeeld serve --demo` first)."""
    demo_file = DEMO_DIR / "demo.json"
    if not demo_file.exists():
        raise typer.BadParameter("no demo found; start it with `inbeeld serve --demo`")
    public_url = json.loads(demo_file.read_text())["public_url"]
    settings = Settings(mode=Mode.demo, data_dir=DEMO_DIR, public_url=public_url)
    typer.echo(_token(settings, org, role, professional))
