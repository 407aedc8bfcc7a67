"""The GraphQL endpoint, where HTTP meets GraphQL: :class:`PlaygroundGraphQL` serves ``/graphql``
(the playground page on ``GET`` with ``Accept: text/html``, GraphQL over HTTP otherwise) and
answers every refusal as GraphQL over HTTP does: a 4xx status with a JSON body
``{"errors": [...]}`` whose errors carry ``extensions.code`` (never a text/plain body). It checks
once that the request's text is valid Unicode and not nested absurdly deep, and answers an
unauthenticated request with 401."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    Response,
)
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.http.typevars import Context, RootValue
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL, GRAPHQL_WS_PROTOCOL
from strawberry.types import ExecutionResult

from growthgraph.api.telemetry import current_request_id
from growthgraph.errors import (
    BadRequestError,
    BadUserInputError,
    GrowthGraphError,
    MethodNotAllowedError,
    NotFoundError,
    PersistedQueryNotFoundError,
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from strawberry.http.ides import GraphQL_IDE
    from strawberry.schema import BaseSchema

from growthgraph.http.persisted import PersistedQueries
from growthgraph.http.playground import (
    ASSETS_PATH,
    DEFAULT_QUERY,
    missing_playground_assets,
    not_installed,
    playground_html,
)

log = logging.getLogger("growthgraph.http")

# How deeply the JSON of a request (variables, extensions) may nest. The schema's inputs nest a
# few levels; this keeps every later step (coercion, the driver) far from the recursion limit.
MAX_INPUT_DEPTH: Final = 32
_ONE_MINUTE: Final = timedelta(minutes=1)
WWW_AUTHENTICATE: Final = {"www-authenticate": 'Bearer realm="growthgraph"'}


class RefusalError(Exception):
    """A request refused at the HTTP boundary: answered with ``status`` and a JSON error body."""

    def __init__(
        self, status: int, error: GrowthGraphError, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(error.message)
        self.status = status
        self.error = error
        self.headers = headers or {}


# Strawberry's own refusals (an HTTPException with a status and a reason) and their codes.
_CODES_BY_STATUS: Final[dict[int, type[GrowthGraphError]]] = {
    404: NotFoundError,
    405: MethodNotAllowedError,
    415: UnsupportedMediaTypeError,
}
_TOO_DEEP: Final = f"The request's JSON nests deeper than {MAX_INPUT_DEPTH} levels."
_NOT_UTF8: Final = "The request holds text that is not valid UTF-8."


def _bad_request(message: str) -> RefusalError:
    return RefusalError(400, BadRequestError(message))


def error_body(message: str, code: str, **more: object) -> dict[str, Any]:
    """The GraphQL-over-HTTP body of a request refused before execution."""
    return {"errors": [{"message": message, "extensions": {"code": code, **more}}]}


def refusal_of(error: HTTPException) -> RefusalError:
    kind = _CODES_BY_STATUS.get(error.status_code, BadRequestError)
    return RefusalError(error.status_code, kind(error.reason))


def check_request_text(data: GraphQLRequestData) -> None:
    """One check at the boundary for every string a request carries (``query``,
    ``operationName``, every variable and extension, keys included): valid Unicode, so no lone
    surrogate (an escaped ``\\ud800`` in JSON) reaches a resolver, a log line or the driver;
    and no nesting deeper than :data:`MAX_INPUT_DEPTH`. Refused as ``BAD_USER_INPUT`` (400)."""
    pending: list[tuple[object, int]] = [
        (data.query, 0),
        (data.operation_name, 0),
        (data.variables, 0),
        (data.extensions, 0),
    ]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            _check_text(value)
        elif isinstance(value, dict | list):
            if depth >= MAX_INPUT_DEPTH:
                raise RefusalError(400, BadUserInputError(_TOO_DEEP))
            items: list[object] = []
            if isinstance(value, dict):
                for key, item in value.items():  # pyright: ignore[reportUnknownVariableType]
                    items += [key, item]
            else:
                items += value  # pyright: ignore[reportUnknownArgumentType]
            pending.extend((item, depth + 1) for item in items)


def _check_text(value: str) -> None:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise RefusalError(
            400,
            BadUserInputError(
                "The request holds text that is not valid Unicode (an unpaired surrogate)."
            ),
        ) from None


class TextFrames(ASGIWebSocketAdapter):
    """WebSocket messages as text frames, as graphql-transport-ws requires (browsers hand a
    binary frame to a client as a Blob, which their protocol code cannot read), whatever
    :meth:`PlaygroundGraphQL.encode_json` returns for HTTP bodies."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as gone:
            raise WebSocketDisconnected from gone


class PlaygroundGraphQL(GraphQL[Context, RootValue]):
    """Strawberry's ASGI GraphQL app, with the self-hosted playground as its IDE.

    ``GET`` requests that accept HTML get :func:`playground_html`; everything
    else is handled by :class:`strawberry.asgi.GraphQL` unchanged.  The
    playground's fetcher posts to ``endpoint`` or, when that is ``None``, to the
    path the page was requested at.  When ``assets_dir`` is given and the assets
    are missing there, the page is replaced by a 503 saying how to install them.
    ``graphql_ide=None`` turns the playground off.
    """

    def __init__(
        self,
        schema: BaseSchema,
        *,
        default_query: str = DEFAULT_QUERY,
        endpoint: str | None = None,
        assets_dir: Path | None = None,
        assets_path: str = ASSETS_PATH,
        graphql_ide: GraphQL_IDE | None = "graphiql",
        allow_queries_via_get: bool = True,
        keep_alive: bool = False,
        keep_alive_interval: float = 1,
        subscription_protocols: Sequence[str] = (
            GRAPHQL_TRANSPORT_WS_PROTOCOL,
            GRAPHQL_WS_PROTOCOL,
        ),
        connection_init_wait_timeout: timedelta = _ONE_MINUTE,
        multipart_uploads_enabled: bool = False,
        max_subscriptions_per_connection: int | None = 100,
        allowed_origins: Sequence[str] = (),
        persisted_queries: PersistedQueries | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=graphql_ide,
            allow_queries_via_get=allow_queries_via_get,
            keep_alive=keep_alive,
            keep_alive_interval=keep_alive_interval,
            subscription_protocols=subscription_protocols,
            connection_init_wait_timeout=connection_init_wait_timeout,
            multipart_uploads_enabled=multipart_uploads_enabled,
            max_subscriptions_per_connection=max_subscriptions_per_connection,
            allowed_origins=allowed_origins,
        )
        self.default_query = default_query
        self.endpoint = endpoint
        self.assets_dir = assets_dir
        self.assets_path = assets_path
        self.persisted_queries = persisted_queries

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except RefusalError as refusal:
            response = _refusal_response(refusal)
        except HTTPException as error:
            response = _refusal_response(refusal_of(error))
        except Exception:
            # Nothing unexpected leaves as a bare 500: masked, logged once, with the request id.
            log.exception("unexpected error serving %s %s", scope["method"], scope["path"])
            request_id = current_request_id()
            extra = {} if request_id is None else {"requestId": request_id}
            response = JSONResponse(
                error_body("Internal error.", "INTERNAL_SERVER_ERROR", **extra), status_code=500
            )
        await response(scope, receive, send)

    websocket_adapter_class = TextFrames

    def encode_json(self, data: object) -> bytes:
        """The response body, written by orjson (several times faster than ``json`` on the
        large answers of list reads). What orjson refuses (an integer past 64 bits) is written
        by ``json`` as before."""
        try:
            return orjson.dumps(data)
        except TypeError:
            return json.dumps(data, separators=(",", ":")).encode()

    def decode_json(self, data: str | bytes) -> object:
        """Strict JSON: UTF-8 only, and a refusal (not a crash) when it nests too deeply. orjson
        reads the body; whatever it refuses is read again by ``json``, whose verdict (and
        message) stands, so both accept exactly the same bodies."""
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            return json.loads(text)
        except UnicodeDecodeError:
            raise RefusalError(400, BadUserInputError(_NOT_UTF8)) from None
        except RecursionError:
            raise RefusalError(400, BadUserInputError(_TOO_DEEP)) from None
        except json.JSONDecodeError:
            raise _bad_request("The request body is not valid JSON.") from None

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        if request.method == "POST":
            content_type, _ = parse_content_type(request.content_type or "")
            if content_type != "application/json":
                raise RefusalError(
                    415,
                    UnsupportedMediaTypeError("Send a POST with `Content-Type: application/json`."),
                )
        data = await super().parse_http_body(request)
        if isinstance(data, list):  # refused by Strawberry already: batching is off
            raise _bad_request("Batched requests are not accepted.")
        operation_name = cast("object", data.operation_name)  # as sent: Strawberry does not check
        if not isinstance(operation_name, str | None):
            raise _bad_request("`operationName` must be a string or null.")
        check_request_text(data)
        if self.persisted_queries is not None:
            try:
                self.persisted_queries.resolve(data)
            except PersistedQueryNotFoundError as miss:
                raise RefusalError(200, miss) from None
            except BadRequestError as bad:
                raise RefusalError(400, bad) from None
        return data

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: RootValue | None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as error:
            cause = error.__cause__
            if isinstance(cause, InvalidOperationTypeError):
                raise RefusalError(
                    405,
                    MethodNotAllowedError(cause.as_http_error_reason(request_adapter.method)),
                    {"allow": "POST"},
                ) from None
            if isinstance(cause, MissingQueryError):
                raise _bad_request("The request has no GraphQL `query`.") from None
            raise

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        """A request refused for want of valid credentials is 401, whichever layer refused it
        (a key that matches nothing, or no key where one is needed), with the same body: only
        ``errors``, as every refusal before execution at the HTTP layer."""
        if isinstance(response_data, list) or not _unauthenticated(response_data):
            return super().create_response(response_data, sub_response)
        refused: GraphQLHTTPResponse = {"errors": response_data.get("errors")}
        response = super().create_response(refused, sub_response)
        response.status_code = 401
        response.headers.update(WWW_AUTHENTICATE)
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        """Serve the self-hosted playground page instead of Strawberry's CDN one."""
        if self.assets_dir is not None and missing_playground_assets(self.assets_dir):
            return not_installed()
        return HTMLResponse(
            playground_html(
                endpoint=self.endpoint if self.endpoint is not None else request.url.path,
                default_query=self.default_query,
                assets_path=self.assets_path,
            ),
            headers={"Cache-Control": "no-cache"},
        )


async def http_error(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (a method a route does not take, a path that does not exist) in
    the same shape as every other: a JSON ``errors`` body with a code."""
    assert isinstance(error, StarletteHTTPException)
    kind = _CODES_BY_STATUS.get(error.status_code, BadRequestError)
    return _refusal_response(
        RefusalError(error.status_code, kind(error.detail), dict(error.headers or {}))
    )


def _refusal_response(refusal: RefusalError) -> Response:
    headers = dict(refusal.headers)
    if refusal.status == 401:
        headers.update(WWW_AUTHENTICATE)
    return JSONResponse(
        error_body(refusal.error.message, refusal.error.code),
        status_code=refusal.status,
        headers=headers,
    )


def _unauthenticated(response: GraphQLHTTPResponse) -> bool:
    """Whether the answer is a refusal for want of credentials (no data, UNAUTHENTICATED)."""
    if response.get("data") is not None:
        return False
    errors: list[Any] = list(response.get("errors") or ())
    for error in errors:
        if not isinstance(error, dict):
            continue
        extensions = cast("dict[str, object]", error).get("extensions")
        code = (
            cast("dict[str, object]", extensions).get("code")
            if isinstance(extensions, dict)
            else None
        )
        if code == UnauthenticatedError.code:
            return True
    return False
