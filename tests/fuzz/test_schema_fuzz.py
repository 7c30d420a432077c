"""A short schemathesis pass over the served OpenAPI, per role and anonymously, with every check on: no server
error, no answer outside the schema, no operation that lets a missing or broken token through
(`python -m tests.fuzz.run` is the long run)."""

from pathlib import Path

import pytest

from tests.fixtures.portal import demo_gateway

from .run import CALLERS, fuzz

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    work: Path = tmp_path_factory.mktemp("fuzz")
    with demo_gateway(work, f"sqlite+aiosqlite:///{work / 'fuzz.db'}", children=20) as gateway:
        yield gateway


@pytest.mark.parametrize("caller", list(CALLERS))
def test_no_failures_for(caller: str, served) -> None:  # type: ignore[no-untyped-def]
    run = fuzz(served.url, served.settings, caller, max_examples=5, seed=1)
    assert run.generated > 500 and run.errors == 0
    assert run.failures == [], run.failures
