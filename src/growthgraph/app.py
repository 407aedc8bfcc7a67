"""``create_app(settings)``: the Starlette application. The lifespan owns the one async driver."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from growthgraph.api.context import Context
from growthgraph.api.schema import build_schema
from growthgraph.api.telemetry import Metrics
from growthgraph.background import Background
from growthgraph.config import Settings, parse_keys, parse_proxies
from growthgraph.errors import ServiceUnavailableError
from growthgraph.graph.changes import FeedWatch
from growthgraph.graph.constraints import apply_schema
from growthgraph.graph.database import Database
from growthgraph.http.auth import Gate
from growthgraph.http.explorer import explorer_dir, explorer_routes
from growthgraph.http.front import FrontDoor
from growthgraph.http.graphql_view import PlaygroundGraphQL, http_error
from growthgraph.http.guards import ClientLimits
from growthgraph.http.idempotency import IdempotencyMiddleware
from growthgraph.http.live import LiveContext, LiveGate, LiveTransportHandler
from growthgraph.http.persisted import PersistedQueries
from growthgraph.http.playground import playground_assets_dir, playground_routes

log = logging.getLogger("growthgraph")

STARTUP_ATTEMPTS = 30


class GraphQLApp(PlaygroundGraphQL[Context, None]):
    """Strawberry's ASGI app with the self-hosted playground and our per-request context."""

    def __init__(
        self, settings: Settings, db_ref: dict[str, Database], metrics: Metrics | None = None
    ) -> None:
        super().__init__(
            build_schema(settings, metrics),
            assets_dir=playground_assets_dir(settings.playground_dir),
            graphql_ide="graphiql" if settings.playground else None,
            allow_queries_via_get=True,
            persisted_queries=PersistedQueries(settings.persisted_queries),
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            allowed_origins=settings.cors_origin_list,
        )
        self._settings = settings
        self._db_ref = db_ref
        self.feed_watch: FeedWatch | None = None  # made in the lifespan, on the serving loop
        self.live_gate = LiveGate(
            parse_keys(settings.api_keys),
            required=settings.auth_required,
            per_client=settings.live_connections,
            failure_limit=settings.auth_failure_limit,
            trusted_proxies=parse_proxies(settings.trusted_proxies),
        )

    graphql_transport_ws_handler_class = LiveTransportHandler

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        if isinstance(request, WebSocket):
            return LiveContext(
                db=self._db_ref["db"],
                settings=self._settings,
                feed_watch=self.feed_watch,
                websocket=request,
            )
        return Context(db=self._db_ref["db"], settings=self._settings)


async def connect(settings: Settings) -> Database:
    """Open the driver and wait (briefly) for Neo4j, then apply constraints and indexes."""
    db = Database.connect(
        settings.neo4j_uri,
        settings.neo4j_user,
        settings.neo4j_password.get_secret_value(),
        database=settings.neo4j_database,
        timeout_s=settings.query_timeout,
        pool_size=settings.neo4j_pool_size,
        connect_timeout_s=settings.neo4j_connect_timeout,
        acquire_timeout_s=settings.neo4j_acquire_timeout,
        retry_time_s=settings.neo4j_retry_time,
    )
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await db.verify()
            break
        except ServiceUnavailableError:
            if attempt == STARTUP_ATTEMPTS:
                await db.close()
                raise
            log.warning("Neo4j at %s not reachable yet (attempt %d)", settings.neo4j_uri, attempt)
            await asyncio.sleep(1.0)
    await apply_schema(db)
    return db


def create_app(settings: Settings, *, db: Database | None = None) -> Starlette:
    """Build the app; with ``db``, share an open database (which the app then leaves open)."""
    db_ref: dict[str, Database] = {}

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncGenerator[None]:
        owned = db is None
        db_ref["db"] = await connect(settings) if db is None else db
        app.state.db = db_ref["db"]
        background = Background(settings, db_ref["db"])
        background.start()
        graphql.feed_watch = FeedWatch(db_ref["db"], settings.live_poll_interval)
        try:
            yield
        finally:
            await graphql.feed_watch.close()
            await background.stop()
            if owned:
                await db_ref["db"].close()

    metrics = Metrics() if settings.metrics else None
    if metrics is not None:
        metrics.watch(db_ref, settings.neo4j_pool_size)
    graphql = GraphQLApp(settings, db_ref, metrics)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            await db_ref["db"].verify()
        except ServiceUnavailableError:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def metrics_endpoint(request: Request) -> Response:
        assert metrics is not None
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def root(request: Request) -> Response:
        return RedirectResponse("/graphql")

    routes: list[BaseRoute] = [
        Route("/", root),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", graphql),  # subscriptions: graphql-transport-ws
    ]
    if metrics is not None:
        routes.append(Route("/metrics", metrics_endpoint))
    if settings.playground:
        routes += playground_routes(playground_assets_dir(settings.playground_dir))
    if settings.explorer:
        routes += explorer_routes(explorer_dir(settings.explorer_dir))
    # One layer in front (request id, metrics, CORS, who is calling and may they call now, the
    # body limit: all before the body is parsed), then idempotent replays of mutations.
    middleware = [
        Middleware(
            FrontDoor,
            gate=Gate(
                keys=parse_keys(settings.api_keys),
                required=settings.auth_required,
                limits=ClientLimits(settings.rate_limit, settings.auth_failure_limit),
                trusted_proxies=parse_proxies(settings.trusted_proxies),
                anonymous_may_read=settings.public_aggregates,
            ),
            max_body_bytes=settings.max_body_bytes,
            metrics=metrics,
            cors_origins=settings.cors_origin_list,
        ),
        Middleware(
            IdempotencyMiddleware,
            db_ref=db_ref,
            lease_s=settings.idempotency_lease,
            retention_s=settings.idempotency_retention,
        ),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=middleware,
        exception_handlers={HTTPException: http_error},
    )


def app_from_environment() -> Starlette:
    """The app with settings read from the environment: the factory each server process of
    ``growthgraph serve --workers N`` calls for itself."""
    from growthgraph.http.observability import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
