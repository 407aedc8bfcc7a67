"""``Idempotency-Key`` on ``POST /graphql``: a client that retries a mutation (say, after a
timeout) with the same key and body gets the first answer again, and the mutation does not run
twice.

- first request with a key: it runs; a complete answer without top-level errors is stored;
- same key, same body, done: the stored answer, with ``Idempotent-Replayed: true``;
- same key, same body, still running: 409 ``IDEMPOTENCY_KEY_IN_USE`` (retry shortly);
- same key, another body: 422 ``IDEMPOTENCY_KEY_REUSED``.

Keys are scoped to the presented credential, so two clients cannot collide. Only documents that
may run a mutation are recorded: a query sent with the header simply runs.

A record never blocks a retry whose outcome it does not know. The running request holds its key
under a short lease (``GROWTHGRAPH_IDEMPOTENCY_LEASE``) that it renews while it runs, so the key
of a request whose process died frees once the lease lapses. When the outcome cannot be recorded
(Neo4j failed), the claim is released; when even that fails, this process remembers the claim as
abandoned and takes the key over at the next attempt or drops it at the next sweep. Records older
than ``GROWTHGRAPH_IDEMPOTENCY_RETENTION`` are treated as absent and purged at start-up and then
periodically.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import re
import secrets
import socket
from collections import OrderedDict
from typing import cast

from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from growthgraph.api.extensions import INTERNAL, MASKED_MESSAGE
from growthgraph.api.telemetry import current_request_id
from growthgraph.errors import GrowthGraphError
from growthgraph.graph import idempotency
from growthgraph.graph.database import Database
from growthgraph.http.auth import presented_key
from growthgraph.http.guards import refuse

log = logging.getLogger("growthgraph.idempotency")

HEADER = b"idempotency-key"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,200}")
IN_USE = "IDEMPOTENCY_KEY_IN_USE"
REUSED = "IDEMPOTENCY_KEY_REUSED"
INVALID = "INVALID_IDEMPOTENCY_KEY"
# Claims this process could not release (Neo4j failed), kept until it can; the oldest are
# forgotten first (their leases lapse on their own).
MAX_ABANDONED = 10_000
# The mutation check parses the document; this bounds its work whatever the body size limit.
MAX_TOKENS = 100_000


class IdempotencyMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        db_ref: dict[str, Database],
        *,
        lease_s: float = 10.0,
        retention_s: float = 86_400.0,
    ) -> None:
        self.app = app
        self.db_ref = db_ref
        self.lease_s = lease_s
        self.retention_s = retention_s
        self.purge_every_s = min(300.0, max(1.0, retention_s / 10))
        # Who holds a claim: this process, then a token per request.
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._abandoned: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._sweeper: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
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
        if not may_write(body):
            await self.app(scope, _replay(body), send)  # a read: nothing to record
            return
        owner = presented_key(scope) or ""
        key = hashlib.sha256(
            f"{hashlib.sha256(owner.encode()).hexdigest()}:{text}".encode()
        ).hexdigest()
        await self._idempotent(scope, body, send, key, hashlib.sha256(body).hexdigest())

    async def _idempotent(
        self, scope: Scope, body: bytes, send: Send, key: str, fingerprint: str
    ) -> None:
        db = self.db_ref["db"]
        holder = f"{self.instance}:{secrets.token_hex(8)}"
        abandoned = [h for (k, h) in self._abandoned if k == key]
        try:
            claim = await idempotency.claim(
                db,
                key,
                fingerprint,
                holder=holder,
                lease_s=self.lease_s,
                retention_s=self.retention_s,
                abandoned=abandoned,
            )
        except Exception as exc:
            # The claim may have been written all the same (a commit whose answer was lost).
            self._abandon(key, holder)
            await _failed(send, exc)
            return
        for h in abandoned:
            self._abandoned.pop((key, h), None)
        if claim.fingerprint != fingerprint:
            await refuse(send, 422, REUSED, "This Idempotency-Key was used with another request.")
            return
        if not claim.fresh:
            if claim.state == "done" and claim.response is not None:
                await _answer(send, 200, [], claim.response.encode(), replayed=True)
            else:
                await refuse(
                    send, 409, IN_USE, "A request with this key is running.", {"retry-after": "1"}
                )
            return
        recorded = False
        renewer = asyncio.ensure_future(self._renew(db, key, holder))
        try:
            status, headers, answer = await self._run(scope, body)
            if status == 200 and _complete(answer):
                recorded = await self._record(db, key, holder, answer)
        finally:
            renewer.cancel()
            if not recorded:
                await self._release(db, key, holder)
        await _answer(send, status, headers, answer, replayed=False)

    async def _renew(self, db: Database, key: str, holder: str) -> None:
        """Keep the lease while the request runs; a failed renewal is tried again."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            try:
                if not await idempotency.renew(db, key, holder=holder, lease_s=self.lease_s):
                    return
            except Exception:
                log.warning("could not renew an idempotency lease", exc_info=True)

    async def _record(self, db: Database, key: str, holder: str, answer: bytes) -> bool:
        try:
            return await idempotency.complete(db, key, answer.decode(), holder=holder)
        except Exception:
            log.warning("could not record an idempotent answer; releasing the key", exc_info=True)
            return False

    async def _release(self, db: Database, key: str, holder: str) -> None:
        """Let a retry run. Remembered first, so a failure (or a cancellation) leaves the claim
        on the abandoned list, from which the next attempt or sweep takes it."""
        self._abandon(key, holder)
        try:
            await idempotency.release(db, key, holder=holder)
        except Exception:
            log.warning("could not release an idempotency key; it is retried", exc_info=True)
            return
        self._abandoned.pop((key, holder), None)

    def _abandon(self, key: str, holder: str) -> None:
        self._abandoned[(key, holder)] = None
        while len(self._abandoned) > MAX_ABANDONED:
            self._abandoned.popitem(last=False)

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        status = 500
        headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal status, headers
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, _replay(body), capture)
        return status, headers, b"".join(chunks)

    # --- start-up and periodic upkeep: purge expired records, drop abandoned claims ---

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def watch_receive() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown" and self._sweeper is not None:
                self._sweeper.cancel()
            return message

        async def watch_send(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete" and "db" in self.db_ref:
                self._sweeper = asyncio.ensure_future(self._sweep_forever())
            await send(message)

        await self.app(scope, watch_receive, watch_send)

    async def _sweep_forever(self) -> None:
        while True:
            await self.sweep()
            await asyncio.sleep(self.purge_every_s)

    async def sweep(self) -> int:
        """Purge the records past the retention and drop the claims this process abandoned;
        returns how many records were purged (0 when Neo4j failed: the next sweep tries again)."""
        db = self.db_ref["db"]
        try:
            if self._abandoned:
                claims = list(self._abandoned)
                await idempotency.release_all(db, claims)
                for claim in claims:
                    self._abandoned.pop(claim, None)
            return await idempotency.purge(db, retention_s=self.retention_s)
        except Exception:
            log.warning("idempotency upkeep failed; it runs again later", exc_info=True)
            return 0


def may_write(body: bytes) -> bool:
    """False only for a request that surely runs no mutation: a JSON object whose document
    parses and has no mutation among the operations it may select. Anything else goes through
    the claim (and a refused request releases it)."""
    try:
        payload = json.loads(body)
    except (ValueError, RecursionError):
        return True
    if not isinstance(payload, dict):
        return True
    fields = cast("dict[str, object]", payload)
    query = fields.get("query")
    name = fields.get("operationName")
    if not isinstance(query, str):
        return True
    try:
        document = parse(query, no_location=True, max_tokens=MAX_TOKENS)
    except (GraphQLError, RecursionError):
        return True
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if isinstance(name, str):
        operations = [o for o in operations if o.name is not None and o.name.value == name]
    return any(o.operation is OperationType.MUTATION for o in operations)


def _complete(answer: bytes) -> bool:
    """A JSON object without top-level errors: the answer a retry may be given again."""
    try:
        parsed = json.loads(answer or b"{}")
    except (ValueError, RecursionError):
        return False
    return isinstance(parsed, dict) and "errors" not in parsed


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


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


async def _failed(send: Send, exc: Exception) -> None:
    """The record could not be read or written: a coded JSON error, never a bare 500."""
    if isinstance(exc, GrowthGraphError):
        await refuse(send, 503, exc.code, exc.message)
        return
    log.error("idempotency record failed", exc_info=exc, extra={"code": INTERNAL})
    extensions = {"code": INTERNAL}
    request_id = current_request_id()
    if request_id is not None:
        extensions["requestId"] = request_id
    payload = {"errors": [{"message": MASKED_MESSAGE, "extensions": extensions}]}
    await _answer(send, 500, [], json.dumps(payload).encode(), replayed=False)


async def _answer(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes, *, replayed: bool
) -> None:
    """Send an answer: the inner app's own headers when it gave some, else JSON ones."""
    raw = [(k, v) for k, v in headers if k.lower() != b"content-length"]
    if not any(k.lower() == b"content-type" for k, _ in raw):
        raw.append((b"content-type", b"application/json"))
    raw.append((b"content-length", str(len(body)).encode()))
    if replayed:
        raw.append((b"idempotent-replayed", b"true"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
