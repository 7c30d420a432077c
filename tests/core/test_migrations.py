"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import gateway.models  # noqa: F401  (registers the tables)
from gateway.core.db import make_sync_engine, migrate


def test_migrations_match_the_models(empty_database_url: str) -> None:
    engine = make_sync_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            assert not MigrationContext.configure(conn).get_current_revision()  # from empty
    finally:
        engine.dispose()
    migrate(empty_database_url)
    engine = make_sync_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    finally:
        engine.dispose()
    assert diff == []
    migrate(empty_database_url)  # running again is a no-op
