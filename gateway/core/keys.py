"""Key provider: the key ring from `INBEELD_KEYS_JSON` (production secret store) or a local file.

A file-backed ring is re-read when the file changes (checked at most once a second), so
`inbeeld keys rotate` reaches a running gateway without a restart. A ring from the environment
changes by a rolling restart of the replicas.
"""

import time
from pathlib import Path

from .crypto import KeyRing
from .settings import Settings


def load_key_ring(settings: Settings) -> KeyRing:
    if settings.keys_json is not None:
        return KeyRing.from_json(settings.keys_json.get_secret_value())
    if settings.key_file.exists():
        return KeyRing.from_json(settings.key_file.read_text())
    if not settings.relaxed:
        raise RuntimeError("no key ring; run `inbeeld keys init`")
    ring = KeyRing.generate()
    ring.save(settings.key_file)
    return ring


class KeyRingSource:
    """The current key ring; follows the key file when there is one."""

    def __init__(self, settings: Settings, *, check_interval: float = 1.0) -> None:
        self._path: Path | None = None if settings.keys_json is not None else settings.key_file
        self._ring = load_key_ring(settings)
        self._mtime = self._stat()
        self._interval = check_interval
        self._next_check = time.monotonic() + check_interval

    def _stat(self) -> int:
        return self._path.stat().st_mtime_ns if self._path and self._path.exists() else 0

    def current(self) -> KeyRing:
        if self._path is not None and time.monotonic() >= self._next_check:
            self._next_check = time.monotonic() + self._interval
            mtime = self._stat()
            if mtime != self._mtime:
                self._ring, self._mtime = KeyRing.from_json(self._path.read_text()), mtime
        return self._ring
