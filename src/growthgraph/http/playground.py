"""Self-hosted GraphiQL playground.

The page served at ``GET /graphql`` (``Accept: text/html``) loads GraphiQL and
React from this application only, never from a CDN, so it works on a machine
without internet access.  The browser bundles come from the pinned npm packages
in ``playground/package.json`` and are installed at setup time with
``npm ci --prefix playground``; they are not part of the repository.

Only an allow-list of four files is served from ``node_modules``, under
:data:`ASSETS_PATH`.  Importing this module does no I/O.

:class:`PlaygroundGraphQL` is also where HTTP meets GraphQL, so it answers every refusal there
as GraphQL over HTTP does: a 4xx status with a JSON body ``{"errors": [...]}`` whose errors carry
``extensions.code`` (never a text/plain body), checks once that the request's text is valid
Unicode and not nested absurdly deep, and answers an unauthenticated request with 401.
"""

from __future__ import annotations

import html
import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
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
    UnauthenticatedError,
    UnsupportedMediaTypeError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from strawberry.http.ides import GraphQL_IDE
    from strawberry.schema import BaseSchema

log = logging.getLogger("growthgraph.http")

__all__ = [
    "ASSETS_PATH",
    "ASSET_VERSION",
    "DEFAULT_QUERY",
    "MAX_INPUT_DEPTH",
    "NOT_INSTALLED_MESSAGE",
    "PLAYGROUND_ASSETS",
    "PlaygroundAsset",
    "PlaygroundGraphQL",
    "missing_playground_assets",
    "playground_assets_dir",
    "playground_html",
    "playground_routes",
]

ASSETS_PATH: Final = "/playground"
"""URL prefix under which the playground's static files are served."""

ASSET_VERSION: Final = "graphiql-3.9.0.react-18.3.1"
"""Cache-busting token appended to asset URLs (``?v=...``).

It names the versions pinned in ``playground/package.json``; change it together
with them so browsers drop their long-cached copies.
"""

NOT_INSTALLED_MESSAGE: Final = "playground assets are not installed: run make setup"

MAX_INPUT_DEPTH: Final = 32
"""How deeply the JSON of a request (variables, extensions) may nest. The schema's inputs nest a
few levels; this keeps every later step (coercion, the driver) far from the recursion limit."""

WWW_AUTHENTICATE: Final = {"www-authenticate": 'Bearer realm="growthgraph"'}

_ONE_MINUTE: Final = timedelta(minutes=1)
_CACHE_CONTROL: Final = "public, max-age=31536000, immutable"
_JS: Final = "text/javascript; charset=utf-8"
_CSS: Final = "text/css; charset=utf-8"


@dataclass(frozen=True, slots=True)
class PlaygroundAsset:
    """One allow-listed file: its public name and its path inside node_modules."""

    name: str
    source: str
    media_type: str


PLAYGROUND_ASSETS: Final[tuple[PlaygroundAsset, ...]] = (
    PlaygroundAsset("react.production.min.js", "react/umd/react.production.min.js", _JS),
    PlaygroundAsset(
        "react-dom.production.min.js", "react-dom/umd/react-dom.production.min.js", _JS
    ),
    PlaygroundAsset("graphiql.min.js", "graphiql/graphiql.min.js", _JS),
    PlaygroundAsset("graphiql.min.css", "graphiql/graphiql.min.css", _CSS),
)
"""Every file the playground page needs; nothing else is served."""

DEFAULT_QUERY: Final = """\
# Welcome to the growthgraph playground. Press the play
# button (or Ctrl-Enter) to run; Ctrl-Space completes
# fields, and the Docs pane on the left has every
# field's definition.
#
# Who drove the most second-degree sign-ups? Ranks
# referrers by the users exactly `degree` REFERRED hops
# below them: degree 1 = their direct referrals,
# degree 2 = the referrals of their referrals.
# Then: how big and deep did the leading influencer's
# cascade grow, and where does one user's attribution
# lead?
query GrowthAtAGlance {
  topReferrers(degree: 2, limit: 10) {
    signUps
    referrer {
      id
      kind
      # A referrer is an influencer, a partner or a user.
      ... on Influencer { handle platform }
      ... on Partner { name }
      ... on User { name }
    }
  }
  referralCascade(root: {kind: INFLUENCER, id: "inf-1"}, maxDepth: 10) {
    total
    depth
    levels { depth signUps }
  }
  attributionPath(userId: "u-000500") { id kind }
}
"""
"""The query preloaded into the editor on a first visit."""


def playground_assets_dir(configured: str | None) -> Path:
    """Return the ``node_modules`` directory the playground assets are read from.

    ``configured`` is the ``GROWTHGRAPH_PLAYGROUND_DIR`` setting. When it is
    empty or ``None`` the default is ``<repo>/playground/node_modules``, found
    relative to this package's source (a source checkout or an editable
    install). A configured directory may be either that ``node_modules``
    directory itself or the ``playground`` directory that holds it.
    """
    if configured is None or not configured.strip():
        return Path(__file__).resolve().parents[3] / "playground" / "node_modules"
    directory = Path(configured.strip()).expanduser().absolute()
    nested = directory / "node_modules"
    if not (directory / "graphiql").is_dir() and nested.is_dir():
        return nested
    return directory


def missing_playground_assets(assets_dir: Path) -> list[str]:
    """Return the allow-listed files missing from ``assets_dir`` (empty if none)."""
    return [
        asset.source for asset in PLAYGROUND_ASSETS if not (assets_dir / asset.source).is_file()
    ]


def _not_installed() -> PlainTextResponse:
    return PlainTextResponse(
        NOT_INSTALLED_MESSAGE, status_code=503, headers={"Cache-Control": "no-store"}
    )


def _asset_endpoint(path: Path, media_type: str) -> Callable[[Request], Response]:
    # Synchronous on purpose: Starlette runs it in its thread pool, so the
    # existence check never blocks the event loop.
    def endpoint(_request: Request) -> Response:
        if not path.is_file():
            return _not_installed()
        return FileResponse(
            path,
            media_type=media_type,
            headers={
                "Cache-Control": _CACHE_CONTROL,
                "X-Content-Type-Options": "nosniff",
            },
        )

    return endpoint


def playground_routes(assets_dir: Path, *, assets_path: str = ASSETS_PATH) -> list[BaseRoute]:
    """Routes serving the allow-listed playground files under ``assets_path``.

    Nothing is read when the routes are built: a request for a file that is not
    installed gets a 503 saying how to install it.
    """
    return [
        Route(
            f"{assets_path.rstrip('/')}/{asset.name}",
            _asset_endpoint(assets_dir / asset.source, asset.media_type),
            methods=["GET", "HEAD"],
            name=f"playground:{asset.name}",
        )
        for asset in PLAYGROUND_ASSETS
    ]


def _script_json(value: object) -> str:
    """Encode ``value`` as JSON that is safe inside an inline ``<script>``."""
    return (
        json.dumps(value, ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _asset_url(assets_path: str, name: str) -> str:
    return html.escape(f"{assets_path}/{name}?v={ASSET_VERSION}", quote=True)


def playground_html(*, endpoint: str, default_query: str, assets_path: str = ASSETS_PATH) -> str:
    """Return the GraphiQL page.

    The page loads the allow-listed assets from ``assets_path`` on the same
    origin, sends operations to ``endpoint`` (same origin, ``POST`` JSON), and
    preloads ``default_query`` into the editor when the browser has no saved
    session.
    """
    prefix = assets_path.rstrip("/")
    config = _script_json(
        {
            "endpoint": endpoint,
            "defaultQuery": default_query,
            "notInstalled": NOT_INSTALLED_MESSAGE,
        }
    )
    return f"""<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="robots" content="noindex">
    <title>growthgraph playground</title>
    <link rel="stylesheet" href="{_asset_url(prefix, "graphiql.min.css")}">
    <style>
      html, body {{ height: 100%; margin: 0; }}
      #graphiql {{ height: 100vh; }}
      .playground-message {{ font: 16px/1.5 system-ui, sans-serif; padding: 2rem; }}
    </style>
  </head>
  <body>
    <div id="graphiql">
      <noscript>
        <p class="playground-message">The playground needs JavaScript.</p>
      </noscript>
    </div>
    <script src="{_asset_url(prefix, "react.production.min.js")}"></script>
    <script src="{_asset_url(prefix, "react-dom.production.min.js")}"></script>
    <script src="{_asset_url(prefix, "graphiql.min.js")}"></script>
    <script>
      (function () {{
        "use strict";
        var config = {config};
        var container = document.getElementById("graphiql");
        if (!window.React || !window.ReactDOM || !window.GraphiQL) {{
          var message = document.createElement("p");
          message.className = "playground-message";
          message.textContent = config.notInstalled;
          container.replaceChildren(message);
          return;
        }}
        var fetcher = window.GraphiQL.createFetcher({{ url: config.endpoint }});
        window.ReactDOM.createRoot(container).render(
          window.React.createElement(window.GraphiQL, {{
            fetcher: fetcher,
            defaultQuery: config.defaultQuery,
          }})
        );
      }})();
    </script>
  </body>
</html>
"""


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

    def decode_json(self, data: str | bytes) -> object:
        """Strict JSON: UTF-8 only, and a refusal (not a crash) when it nests too deeply."""
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
            return _not_installed()
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
