"""``Idempotency-Key`` on ``POST /graphql``: a client that retries a request (say, after a timeout)
with the same key and body gets the first answer again, and the operation does not run twice.

- first request with a key: it runs; a complete answer without top-level errors is stored;
- same key, same body, done: the stored answer, with ``Idempotent-Replayed: true``;
- same key, same body, still running: 409 ``IDEMPOTENCY_KEY_IN_USE`` (retry shortly);
- same key, another body: 422 ``IDEMPOTENCY_KEY_REUSED``.

Keys are scoped to the presented credential, so two clients cannot collide.
"""

from __future__ import annotations

import hashlib
import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from growthgraph.errors import ServiceUnavailableError
from growthgraph.graph import idempotency
from growthgraph.graph.database import Database
from growthgraph.http.auth import presented_key
from growthgraph.http.guards import refuse

HEADER = b"idempotency-key"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,200}")
IN_USE = "IDEMPOTENCY_KEY_IN_USE"
REUSED = "IDEMPOTENCY_KEY_REUSED"
INVALID = "INVALID_IDEMPOTENCY_KEY"


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, db_ref: dict[str, Database], stale_s: float) -> None:
        self.app = app
        self.db_ref = db_ref
        self.stale_s = stale_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = next((v for k, v in scope.get("headers", []) if k == HEADER), None)
        if (
            given is None
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != "/graphql"
        ):
            await self.app(scope, receive, send)
            return
        text = given.decode("latin-1")
        if not _SANE.fullmatch(text):
            await refuse(send, 400, INVALID, "Idempotency-Key must be 1-200 of A-Z a-z 0-9 . _ : -")
            return
        body = await _read(receive)
        owner = presented_key(scope) or ""
        key = hashlib.sha256(f"{hashlib.sha256(owner.encode()).hexdigest()}:{text}".encode())
        fingerprint = hashlib.sha256(body).hexdigest()
        db = self.db_ref["db"]
        try:
            claim = await idempotency.claim(db, key.hexdigest(), fingerprint, stale_s=self.stale_s)
        except ServiceUnavailableError:
            await refuse(send, 503, ServiceUnavailableError.code, "Neo4j cannot be reached.")
            return
        if claim.fingerprint != fingerprint:
            await refuse(send, 422, REUSED, "This Idempotency-Key was used with another request.")
            return
        if not claim.fresh:
            if claim.state == "done" and claim.response is not None:
                await _answer(send, 200, claim.response.encode(), replayed=True)
            else:
                await refuse(
                    send, 409, IN_USE, "A request with this key is running.", {"retry-after": "1"}
                )
            return
        status, answer = await self._run(scope, body, send)
        try:
            if status == 200 and "errors" not in json.loads(answer or b"{}"):
                await idempotency.complete(db, key.hexdigest(), answer.decode())
            else:
                await idempotency.release(db, key.hexdigest())
        except ServiceUnavailableError:
            pass  # the claim goes stale and a retry runs again; the operations are idempotent
        await _answer(send, status, answer, replayed=False)

    async def _run(self, scope: Scope, body: bytes, send: Send) -> tuple[int, bytes]:
        status = 500
        chunks: list[bytes] = []
        sent = False

        async def receive() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        return status, b"".join(chunks)


async def _read(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _answer(send: Send, status: int, body: bytes, *, replayed: bool) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
