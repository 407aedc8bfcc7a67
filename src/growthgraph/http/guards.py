"""HTTP guards in front of ``/graphql``: a per-client rate limit and a request body size limit.
Both answer before the request is parsed, let alone run, with a JSON error carrying a code.

The rate limit is keyed by who the caller *is*, never by the text of a header: an API key that
authenticates is counted under its configured identity (however it was presented), everything
else under the caller's network address. Requests that present a key matching nothing have a
budget of their own per address, much smaller, so keys cannot be guessed at the general rate.
The address is the TCP peer's; ``X-Forwarded-For`` is read only when that peer is one of the
configured trusted proxies (``GROWTHGRAPH_TRUSTED_PROXIES``), and then only up to the first hop
that is not one of them.

``auth.Gate`` decides the identity and consults :class:`ClientLimits` before it answers
anything, so the guards' order is: who is calling, may they call now, is the body acceptable."""

from __future__ import annotations

import ipaddress
import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from enum import StrEnum

from starlette.types import Message, Receive, Scope, Send

from growthgraph.config import Network

GUARDED_PATH = "/graphql"
# Clients remembered by the rate limiter; the least recently seen are forgotten first.
MAX_CLIENTS = 10_000
RATE_LIMITED = "RATE_LIMITED"
TOO_LARGE = "REQUEST_TOO_LARGE"
UNKNOWN_ADDRESS = "unknown"


async def refuse(
    send: Send, status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to that many."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, client: str, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.pop(client, None) or _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[client] = bucket
        if len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate


class Standing(StrEnum):
    """What a request's credentials say about its caller, for the rate limit."""

    KEY = "key"  # a configured key: counted under that key's identity
    ANONYMOUS = "addr"  # no key (or keys not checked): counted under the address
    FAILED = "fail"  # a key that matches nothing: the address's failed-attempts budget


@dataclass(frozen=True, slots=True)
class Client:
    """Whom a request is counted against: a configured key's identity (its configured hash) or
    a network address."""

    standing: Standing
    identity: str

    @property
    def bucket(self) -> str:
        return f"{self.standing.value}:{self.identity}"


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    candidate = text.strip()
    if candidate.startswith("[") and "]" in candidate:  # [v6]:port
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # v4:port
        candidate = candidate.split(":", 1)[0]
    try:
        return ipaddress.ip_address(candidate)
    except ValueError:
        return None


def client_address(scope: Scope, trusted: tuple[Network, ...]) -> str:
    """The caller's address: the TCP peer, unless the peer is a trusted proxy; then the nearest
    address in ``X-Forwarded-For`` that is not a trusted proxy (a client can prepend anything to
    that header, so only the hops our own proxies appended count)."""
    client = scope.get("client")
    peer = client[0] if client else UNKNOWN_ADDRESS
    if not trusted or not _trusted(_address(peer), trusted):
        return peer
    hops: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            hops += value.decode("latin-1").split(",")
    current = peer
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # garbage from here on was not written by a proxy of ours
        current = str(address)
        if not _trusted(address, trusted):
            break
    return current


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, trusted: tuple[Network, ...]
) -> bool:
    return address is not None and any(address in network for network in trusted)


class ClientLimits:
    """The rate limits: ``per_minute`` requests a minute per key or address, and a separate,
    smaller ``failures_per_minute`` budget per address for requests whose key matches nothing.
    Either may be 0 (off)."""

    def __init__(self, per_minute: int, failures_per_minute: int) -> None:
        self.requests = RateLimiter(per_minute) if per_minute > 0 else None
        self.failures = RateLimiter(failures_per_minute) if failures_per_minute > 0 else None

    def take(self, client: Client, now: float | None = None) -> float:
        """0 when the request may go ahead, else the seconds until it could."""
        limiter = self.failures if client.standing is Standing.FAILED else self.requests
        return 0.0 if limiter is None else limiter.take(client.bucket, now)


async def refuse_rate_limited(send: Send, wait: float) -> None:
    await refuse(
        send,
        429,
        RATE_LIMITED,
        "Too many requests from this client; retry after the Retry-After seconds.",
        {"retry-after": str(math.ceil(wait))},
    )


async def read_bounded(
    receive: Receive, send: Send, scope: Scope, max_body_bytes: int
) -> Receive | None:
    """Read the request's body, refusing it (413) past ``max_body_bytes`` whether it announces
    its length or comes in chunks; the ``receive`` that replays it, or None once refused."""
    too_large = f"The request body is larger than the limit of {max_body_bytes} bytes."
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > max_body_bytes:
            await refuse(send, 413, TOO_LARGE, too_large)
            return None
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_body_bytes:
            await refuse(send, 413, TOO_LARGE, too_large)
            return None
        chunks.append(chunk)
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
