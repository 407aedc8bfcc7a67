"""Keyed hashes of sign-up identifiers (IP address, device id).

Only the HMAC-SHA256 of a normalised value is stored, keyed with ``GROWTHGRAPH_HASH_SECRET``: equal
inputs give equal hashes, so shared devices and addresses can be found, but a stored hash cannot be
reversed or checked against a guessed value without the key.
"""

from __future__ import annotations

import hashlib
import hmac


def keyed_hash(secret: str, kind: str, value: str) -> str:
    """Hex HMAC-SHA256 of ``kind:value`` (trimmed, lower-cased); ``kind`` keeps an IP address
    and a device id with the same text apart."""
    message = f"{kind}:{value.strip().lower()}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
