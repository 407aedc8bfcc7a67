"""One root exception; each subclass carries a stable public code.

Expected, per-mutation failures are values in the schema (see ``schema.errors``). These exceptions
are for failures of a whole request that the client can act on: bad arguments to a query, an
unreachable database. Anything else is masked before it reaches a client.
"""

from __future__ import annotations

from typing import ClassVar


class GrowthGraphError(Exception):
    """Root of every error the service raises on purpose."""

    code: ClassVar[str] = "INTERNAL"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def extensions(self) -> dict[str, object]:
        """Copied into the GraphQL error, so clients read ``errors[].extensions.code``."""
        return {"code": self.code}


class BadUserInputError(GrowthGraphError):
    """An argument is out of range or malformed (a degree of 9, a broken cursor)."""

    code = "BAD_USER_INPUT"


class ServiceUnavailableError(GrowthGraphError):
    """The database cannot be reached right now; retrying later may succeed."""

    code = "SERVICE_UNAVAILABLE"


class QueryTimeoutError(GrowthGraphError):
    """The query ran past the Neo4j transaction timeout or the per-request timeout."""

    code = "QUERY_TIMEOUT"


class QueryTooComplexError(GrowthGraphError):
    """The document's estimated cost exceeds the configured budget; nothing was run."""

    code = "QUERY_TOO_COMPLEX"


class RequestTimeoutError(QueryTimeoutError):
    """The whole request ran past the per-request timeout."""


class UnauthenticatedError(GrowthGraphError):
    """No API key, or one that matches no configured key, for something that needs one."""

    code = "UNAUTHENTICATED"


class ForbiddenError(GrowthGraphError):
    """The API key's role may not do this."""

    code = "FORBIDDEN"


class BadRequestError(GrowthGraphError):
    """The HTTP request is not a GraphQL request this service can read: the body is not JSON,
    not an object, or ``query``, ``variables``, ``operationName`` or ``extensions`` is missing
    or has the wrong type."""

    code = "BAD_REQUEST"


class UnsupportedMediaTypeError(GrowthGraphError):
    """A ``POST`` whose ``Content-Type`` is not ``application/json`` (the CSRF policy)."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class MethodNotAllowedError(GrowthGraphError):
    """An HTTP method the endpoint does not take, or a mutation sent with ``GET``."""

    code = "METHOD_NOT_ALLOWED"


class NotFoundError(GrowthGraphError):
    """``GET /graphql`` without a query while the playground is off, or an unknown path."""

    code = "NOT_FOUND"


class PersistedQueryNotFoundError(GrowthGraphError):
    """A persisted-query hash sent without its document that this process does not know: the
    client sends the document with the hash again (the automatic persisted queries protocol)."""

    code = "PERSISTED_QUERY_NOT_FOUND"


class ChainTooLongError(GrowthGraphError):
    """A referral chain is longer than the walk that follows it (``attributionPath``: 1,000 hops):
    answering would misstate it, so the request is refused."""

    code = "CHAIN_TOO_LONG"
