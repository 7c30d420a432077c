"""A witness keeps the newest checkpoint it has seen of a gateway's log and accepts a newer one only with a
consistency proof (RFC 9162) from the old to the new tree. A log that rewrote its history — even re-signed by an
operator holding the key — or shows a shorter or different log than before is caught. The privacy officer runs
one against their own store (`inbeeld audit witness`); another region's gateway can run the same."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from gateway.core.crypto import CryptoError, unb64url

from .chain import verify_consistency
from .checkpoints import verify_checkpoint


@dataclass(frozen=True)
class Observation:
    ok: bool
    size: int
    message: str


def _load(store: Path) -> dict[str, Any]:
    return json.loads(store.read_text()) if store.exists() else {}


def _save(store: Path, state: dict[str, Any]) -> None:
    temporary = store.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(store)


def observe(http: httpx.Client, gateway: str, store: Path) -> Observation:
    """Fetch the gateway's newest checkpoint and check it against what this witness saw before."""
    state = _load(store)
    base = gateway.rstrip("/")
    # The gateway's keys are pinned on first sight: a later key must come with the old one still listed.
    keys = http.get(f"{base}/v1/webhooks/jwks").json()
    pinned = state.get("jwks", keys)
    if not {k["kid"] for k in pinned["keys"]} & {k["kid"] for k in keys["keys"]}:
        return Observation(False, 0, "the gateway's signing keys changed completely since the last observation")
    checkpoint = http.get(f"{base}/v1/audit/checkpoints/latest").json()
    try:
        size, root, _ = verify_checkpoint(checkpoint, {"keys": pinned["keys"] + keys["keys"]})
    except (CryptoError, KeyError, TypeError, ValueError) as exc:
        return Observation(False, 0, f"the newest checkpoint does not verify ({exc})")
    seen = state.get("checkpoint")
    if seen is not None:
        old_size, old_root = int(seen["statement"]["tree_size"]), unb64url(seen["statement"]["root_hash"])
        if size < old_size:
            return Observation(False, size, f"the log shrank from {old_size} to {size} records")
        if size == old_size and root != old_root:
            return Observation(False, size, f"two different logs were signed at size {size}")
        if size > old_size:
            proof = http.get(f"{base}/v1/audit/proofs/consistency", params={"first": old_size, "second": size})
            path = [unb64url(p) for p in proof.json().get("proof", [])] if proof.status_code == 200 else []
            if not verify_consistency(old_size, size, path, old_root, root):
                return Observation(False, size, f"the log at {size} does not extend the log this witness saw at "
                                                f"{old_size}: its history was rewritten")
    _save(store, {"gateway": base, "jwks": {"keys": _merge(pinned["keys"], keys["keys"])}, "checkpoint": checkpoint})
    return Observation(True, size, f"consistent up to {size} records")


def _merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {k["kid"] for k in old}
    return old + [k for k in new if k["kid"] not in known]
