"""Automatic persisted queries: the protocol Apollo clients speak (hash first, document on a miss).

A client sends ``extensions.persistedQuery = {"version": 1, "sha256Hash": "<64 hex>"}``:

- with the ``query`` too: the hash must be the SHA-256 of the query's UTF-8 text; the document is
  remembered under it and the request runs as usual;
- without ``query``: the remembered document runs; an unknown hash is answered (200) with one
  error ``PersistedQueryNotFound`` (code ``PERSISTED_QUERY_NOT_FOUND``), and the client sends
  the document again with its hash.

Documents are kept per process in a bounded least-recently-used map
(``GROWTHGRAPH_PERSISTED_QUERIES``). With several processes or replicas a hash known to one may be
unknown to another: that costs the client one extra round trip, never a wrong answer, because a
document is only stored under the hash of its own text. Nothing here widens what a caller may
run: the stored document goes through the same validation, limits and permissions as any other.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING, Final, cast

from growthgraph.errors import BadRequestError, PersistedQueryNotFoundError

if TYPE_CHECKING:
    from strawberry.http import GraphQLRequestData

__all__ = ["PERSISTED_QUERY_NOT_FOUND", "PersistedQueries", "query_hash"]

PERSISTED_QUERY_NOT_FOUND: Final = "PersistedQueryNotFound"
"""The message Apollo clients look for (with the code) before sending the document."""

_HASH: Final = re.compile(r"[0-9a-f]{64}")


def query_hash(query: str) -> str:
    """The hash a client sends for ``query``: SHA-256 of its UTF-8 text, lowercase hex."""
    return hashlib.sha256(query.encode("utf-8")).hexdigest()


class PersistedQueries:
    """Documents by hash, at most ``capacity`` of them, least recently used dropped first.

    ``capacity`` 0 turns the protocol off: every hash-only request is a miss, and a request
    with both a document and a hash runs as if it had no hash (after the hash is checked).
    """

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._documents: OrderedDict[str, str] = OrderedDict()
        self._lock = Lock()  # resolve() may run on the event loop and in worker threads

    def __len__(self) -> int:
        return len(self._documents)

    def resolve(self, data: GraphQLRequestData) -> None:
        """Fill in ``data.query`` from the hash, or remember the document under it.

        Does nothing for a request without ``extensions.persistedQuery``. Raises
        :class:`BadRequestError` for a malformed entry or a hash that is not the document's,
        :class:`PersistedQueryNotFoundError` for a hash-only request this process does not know.
        """
        extensions = data.extensions
        if not isinstance(extensions, dict) or "persistedQuery" not in extensions:
            return
        entry = cast("object", extensions["persistedQuery"])
        if not isinstance(entry, dict):
            raise BadRequestError("`extensions.persistedQuery` must be an object.")
        fields = cast("dict[str, object]", entry)
        if fields.get("version") != 1:
            raise BadRequestError("Only version 1 of `extensions.persistedQuery` is supported.")
        digest = fields.get("sha256Hash")
        if not isinstance(digest, str) or not _HASH.fullmatch(digest):
            raise BadRequestError(
                "`extensions.persistedQuery.sha256Hash` must be 64 lowercase hexadecimal digits."
            )
        query = cast("object", data.query)
        if isinstance(query, str):
            if query_hash(query) != digest:
                raise BadRequestError("provided sha does not match query")
            self._remember(digest, query)
            return
        if query is not None:
            raise BadRequestError("`query` must be a string.")
        known = self._recall(digest)
        if known is None:
            raise PersistedQueryNotFoundError(PERSISTED_QUERY_NOT_FOUND)
        data.query = known

    def _remember(self, digest: str, query: str) -> None:
        if self.capacity <= 0:
            return
        with self._lock:
            self._documents[digest] = query
            self._documents.move_to_end(digest)
            while len(self._documents) > self.capacity:
                self._documents.popitem(last=False)

    def _recall(self, digest: str) -> str | None:
        with self._lock:
            query = self._documents.get(digest)
            if query is not None:
                self._documents.move_to_end(digest)
            return query
