"""Request ids, structured JSON logs and Prometheus metrics.

Every HTTP request gets an id: the caller's ``X-Request-ID`` when it is sane, otherwise a fresh one.
It is echoed in the ``X-Request-ID`` response header, attached to every log line written while the
request runs, and put in ``extensions.requestId`` of masked errors, so a client can quote it.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from starlette.types import Scope

from growthgraph.api.telemetry import (
    Metrics,
    current_request_id,
)

REQUEST_ID_HEADER = "x-request-id"
# Ids from callers are echoed into headers and logs: printable, short, no separators to inject.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is sane, else a new random one."""
    if header is not None and _SANE_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = current_request_id()
        if request_id is not None:
            entry["requestId"] = request_id
        for key in ("operation", "code", "path"):
            value = record.__dict__.get(key)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str) -> None:
    """Send every log line (ours, uvicorn's, the driver's) to stderr as JSON."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True


def request_id_of(scope: Scope) -> str:
    """The request's id: its (last) ``X-Request-ID`` when sane, else a new one."""
    header = None
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            header = value.decode("latin-1")
    return request_id_from(header)


def record_request(metrics: Metrics, scope: Scope, status: int, seconds: float) -> None:
    """Count and time one HTTP request, under bounded labels."""
    route = _route(scope["path"])
    metrics.requests.labels(_method(scope["method"]), route, str(status)).inc()
    metrics.request_seconds.labels(route).observe(seconds)


_KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics")


def _route(path: str) -> str:
    """A bounded label: known routes by name, everything else as one bucket."""
    return path if path in _KNOWN_ROUTES else "other"


_KNOWN_METHODS = frozenset({"GET", "POST", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})


def _method(method: str) -> str:
    """A bounded label: a client may send any method token."""
    return method if method in _KNOWN_METHODS else "other"
