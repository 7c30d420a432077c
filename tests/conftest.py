"""Every database test runs twice: on a SQLite file and on the PostgreSQL at 127.0.0.1:5432."""

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.fixtures.gateway import (
    ENV_CI,
    Gateway,
    create_pg_database,
    drop_pg_database,
    gateway_settings,
    postgres_available,
    running_gateway,
)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def pg_available() -> bool:
    available = postgres_available()
    if not available and ENV_CI:
        pytest.fail("PostgreSQL on 127.0.0.1:5432 is unreachable; CI must run the PostgreSQL tests")
    return available


@contextlib.contextmanager
def _postgres_database(pg_available: bool, *, empty: bool = False) -> Iterator[str]:
    if not pg_available:
        pytest.skip("PostgreSQL on 127.0.0.1:5432 is unreachable (start it: see README)")
    name = create_pg_database(empty=empty)
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_pg_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool) -> Iterator[str]:
    """A new database with the newest schema (a PostgreSQL one is copied from a migrated template)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'inbeeld.db'}"
        return
    with _postgres_database(pg_available) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path, pg_available: bool) -> Iterator[str]:
    """A new database without any schema, for the migrations themselves."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
        return
    with _postgres_database(pg_available, empty=True) as url:
        yield url


@pytest.fixture
def postgres_url(pg_available: bool) -> Iterator[str]:
    with _postgres_database(pg_available) as url:
        yield url


@pytest.fixture
async def gateway(database_url: str, tmp_path: Path) -> AsyncIterator[Gateway]:
    async with running_gateway(gateway_settings(tmp_path, database_url)) as gw:
        yield gw


@pytest.fixture
def page() -> Iterator[Page]:
    """A page in Debian's headless chromium (Playwright); ask for the gateway fixture first."""
    from tests.fixtures.browser import chromium_page

    with chromium_page() as page:
        yield page
