"""The hash locks the README installs from agree with pyproject.toml: every dependency pinned, within its range,
with its files' hashes. (Regenerate them as the README's Dependencies paragraph says.)"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _pins(lock: Path) -> dict[str, str]:
    """name -> version; each entry is a `name==version ; markers \\` line and its indented `--hash` lines."""
    pins = {}
    for entry in re.split(r"\n(?=\S)", lock.read_text()):
        if entry.startswith("#") or not entry.strip():
            continue
        pinned = re.match(r"([A-Za-z0-9._-]+)(?:\[[^\]]*\])?==([^\s;\\]+)", entry)
        assert pinned, f"{lock.name}: not a pin: {entry[:80]}"
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", entry), f"{lock.name}: {pinned[1]} has no hash"
        pins[canonicalize_name(pinned[1])] = pinned[2]
    assert pins, f"{lock.name} pins nothing"
    return pins


@pytest.mark.parametrize(("lock", "groups"), [("requirements.lock", ()), ("requirements-dev.lock", ("dev",))])
def test_the_lock_pins_every_dependency_within_its_range(lock: str, groups: tuple[str, ...]) -> None:
    pins = _pins(ROOT / lock)
    wanted = [*PROJECT["dependencies"], *(d for g in groups for d in PROJECT["optional-dependencies"][g])]
    for line in wanted:
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} lacks {name}: regenerate it"
        assert requirement.specifier.contains(pins[name], prereleases=True), f"{lock}: {name}=={pins[name]}"
