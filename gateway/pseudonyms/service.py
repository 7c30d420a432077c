"""Pseudonymisation: a BSN becomes index keys at once and is then forgotten.

The interface is `Pseudonymiser.index_keys`; `HmacPseudonymiser` keys the BSN with the region's
HMAC key ring (an onion over rotations, see `gateway.core.crypto`). An OPRF service, where the
partner blinds the BSN so the gateway never sees it, implements the same interface.
"""

from dataclasses import dataclass
from typing import Protocol

from gateway.core.crypto import hmac_sha256, onion_layers
from gateway.core.keys import KeyRingSource

from .bsn import Bsn

DOMAIN = b"inbeeld/bsn/v1:"


@dataclass(frozen=True)
class IndexKeys:
    """A child's index key under the newest key (for writing) and every older generation (for finding
    rows that a running re-key has not reached yet)."""

    current: tuple[str, bytes]
    older: tuple[tuple[str, bytes], ...]

    @property
    def all_values(self) -> list[bytes]:
        return [self.current[1], *(value for _, value in self.older)]


class Pseudonymiser(Protocol):
    def index_keys(self, bsn: Bsn) -> IndexKeys: ...


class HmacPseudonymiser:
    def __init__(self, keys: KeyRingSource) -> None:
        self._keys = keys

    def index_keys(self, bsn: Bsn) -> IndexKeys:
        layers = onion_layers(self._keys.current().pseudonym, DOMAIN + bsn.digits.encode("ascii"))
        return IndexKeys(current=layers[-1], older=tuple(reversed(layers[:-1])))


def rekey_step(keys: KeyRingSource, key_id: str, value: bytes) -> tuple[str, bytes]:
    """Lift a stored index key from generation `key_id` to the newest generation, without the BSN."""
    ring = keys.current().pseudonym
    kids = [k.kid for k in ring]
    if key_id not in kids:
        raise KeyError("index key made with a key that is not in the key ring")
    for key in ring[kids.index(key_id) + 1:]:
        value = hmac_sha256(key.secret, value)
    return ring[-1].kid, value
