"""What the GraphQL layer reports about itself: the service's Prometheus metrics and the id of
the request being served (set by ``http.observability``, quoted in masked errors and logs)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from growthgraph.graph.database import Database

_request_id: ContextVar[str | None] = ContextVar("growthgraph_request_id", default=None)

# Operation names come from clients, and every distinct label value is a time series kept for
# the life of the process: only this many names get a label of their own (the first seen), and
# only names a GraphQL document could hold, of sane length. Every other name is "other".
MAX_OPERATION_NAMES = 50
OTHER = "other"
_OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


def current_request_id() -> str | None:
    """The id of the request being served, if any."""
    return _request_id.get()


def bind_request_id(request_id: str) -> Token[str | None]:
    """Make ``request_id`` the current one (undo with ``unbind_request_id``)."""
    return _request_id.set(request_id)


def unbind_request_id(token: Token[str | None]) -> None:
    _request_id.reset(token)


@dataclass
class Metrics:
    """The service's Prometheus metrics, in a registry of their own (one per app)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    requests: Counter = field(init=False)
    request_seconds: Histogram = field(init=False)
    operation_seconds: Histogram = field(init=False)
    errors: Counter = field(init=False)
    operation_names: set[str] = field(init=False, default_factory=set[str])
    _names_lock: threading.Lock = field(init=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.requests = Counter(
            "growthgraph_http_requests",
            "HTTP requests by method, route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "growthgraph_http_request_seconds",
            "HTTP request latency by route.",
            ["route"],
            registry=self.registry,
        )
        self.operation_seconds = Histogram(
            "growthgraph_graphql_operation_seconds",
            "GraphQL operation latency by operation type and name.",
            ["type", "name"],
            registry=self.registry,
        )
        self.errors = Counter(
            "growthgraph_graphql_errors",
            "GraphQL errors by extensions.code.",
            ["code"],
            registry=self.registry,
        )

    def operation_label(self, name: str) -> str:
        """The ``name`` label of an operation: its name while fewer than
        ``MAX_OPERATION_NAMES`` names have been seen (and it is a sane name), else "other"."""
        if not _OPERATION_NAME.fullmatch(name):
            return OTHER
        with self._names_lock:
            if name in self.operation_names:
                return name
            if len(self.operation_names) < MAX_OPERATION_NAMES:
                self.operation_names.add(name)
                return name
        return OTHER

    def watch(self, db_ref: dict[str, Database], pool_size: int) -> None:
        """Export the Neo4j pool figures of the app's database as gauges."""
        self.registry.register(_PoolCollector(db_ref, pool_size))


class _PoolCollector(Collector):
    def __init__(self, db_ref: dict[str, Database], pool_size: int) -> None:
        self._db_ref = db_ref
        self._pool_size = pool_size

    def collect(self) -> Iterable[Metric]:
        db = self._db_ref.get("db")
        yield GaugeMetricFamily(
            "growthgraph_neo4j_pool_max_size", "Configured Neo4j connection pool size.",
            value=self._pool_size,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "growthgraph_neo4j_in_flight",
            "Neo4j statements and transactions running now (each holds a pooled connection).",
            value=0 if db is None else db.in_flight,
        )
        yield GaugeMetricFamily(
            "growthgraph_neo4j_round_trips",
            "Neo4j round trips since start.",
            value=0 if db is None else db.round_trips,
        )
        yield GaugeMetricFamily(
            "growthgraph_neo4j_unavailable",
            "Neo4j round trips refused since start because the database could not be reached.",
            value=0 if db is None else db.unavailable,
        )
