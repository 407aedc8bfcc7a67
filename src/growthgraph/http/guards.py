"""HTTP guards in front of ``/graphql``: a request body size limit and a per-client rate limit.
Both answer before the request is parsed, let alone run, with a JSON error carrying a code."""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

GUARDED_PATH = "/graphql"
# Clients remembered by the rate limiter; the least recently seen are forgotten first.
MAX_CLIENTS = 10_000
KEY_HEADERS = (b"authorization", b"x-api-key")
RATE_LIMITED = "RATE_LIMITED"
TOO_LARGE = "REQUEST_TOO_LARGE"


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


def client_key(scope: Scope) -> str:
    """The presented credential (hashed: keys never sit in memory as such), else the address."""
    for name, value in scope["headers"]:
        if name in KEY_HEADERS:
            return "key:" + hashlib.sha256(value).hexdigest()
    client = scope.get("client")
    return "addr:" + (client[0] if client else "unknown")


class GuardMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, rate_limit_per_minute: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.limiter = RateLimiter(rate_limit_per_minute) if rate_limit_per_minute > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != GUARDED_PATH:
            await self.app(scope, receive, send)
            return
        if self.limiter is not None:
            wait = self.limiter.take(client_key(scope))
            if wait > 0:
                await refuse(
                    send,
                    429,
                    RATE_LIMITED,
                    "Too many requests from this client; retry after the Retry-After seconds.",
                    {"retry-after": str(math.ceil(wait))},
                )
                return
        too_large = f"The request body is larger than the limit of {self.max_body_bytes} bytes."
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_body_bytes:
                await refuse(send, 413, TOO_LARGE, too_large)
                return
        # Read the body here, bounded, so a chunked upload cannot exceed the limit either.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await refuse(send, 413, TOO_LARGE, too_large)
                return
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

        await self.app(scope, replay, send)
