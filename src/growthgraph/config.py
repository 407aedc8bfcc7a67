"""The one validated settings object, read from the environment (and an optional ``.env``)."""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Passwords that ship in examples: fine on a laptop, refused in production.
PLACEHOLDER_PASSWORDS = frozenset({"growthgraph-dev", "password", "neo4j", "changeme"})
PLACEHOLDER_HASH_SECRETS = frozenset({"growthgraph-dev-hash-secret", "changeme", "secret"})


class Role(StrEnum):
    ANALYST = "analyst"
    WRITER = "writer"
    ADMIN = "admin"


def parse_keys(spec: str) -> tuple[tuple[Role, str], ...]:
    """``role:hash,role:hash`` (whitespace ignored) into pairs; raises ValueError when malformed."""
    pairs: list[tuple[Role, str]] = []
    for item in spec.replace("\n", ",").split(","):
        entry = item.strip()
        if not entry:
            continue
        role, sep, digest = entry.partition(":")
        digest = digest.strip().lower()
        if not sep or role.strip() not in Role.__members__.values():
            raise ValueError(f"API key entry must be role:sha256-hex with a known role: {role!r}")
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError("API key hashes must be 64 hex characters (SHA-256)")
        pairs.append((Role(role.strip()), digest))
    return tuple(pairs)


def is_loopback(host: str) -> bool:
    """``localhost`` or an address in 127.0.0.0/8 or ::1."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(spec: str) -> tuple[Network, ...]:
    """``GROWTHGRAPH_TRUSTED_PROXIES``: addresses or CIDR ranges, comma-separated; raises
    ValueError on anything else."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False) for item in spec.split(",") if item.strip()
    )


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of the service, read from ``GROWTHGRAPH_<FIELD>`` (the Neo4j connection,
    host and port from their conventional unprefixed names). Each one is documented in
    ``.env.example`` and the README."""

    model_config = SettingsConfigDict(
        env_prefix="GROWTHGRAPH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
        frozen=True,
    )

    neo4j_uri: str = Field(default="bolt://127.0.0.1:7687", validation_alias="NEO4J_URI")
    neo4j_user: str = Field(default="neo4j", validation_alias="NEO4J_USER")
    neo4j_password: SecretStr = Field(
        default=SecretStr("growthgraph-dev"), validation_alias="NEO4J_PASSWORD"
    )
    neo4j_database: str = Field(default="neo4j", validation_alias="NEO4J_DATABASE")
    host: str = Field(default="127.0.0.1", validation_alias="HOST")
    port: int = Field(default=8000, ge=1, le=65535, validation_alias="PORT")
    # Server processes; 0 means one per CPU. They share nothing in memory (see the README).
    workers: int = Field(default=0, ge=0, le=256)

    env: Environment = Environment.DEVELOPMENT
    log_level: str = "info"
    demo_data: bool = True
    demo_users: int = Field(default=10_000, ge=0, le=5_000_000)
    demo_seed: int = 7

    neo4j_pool_size: int = Field(default=50, ge=1, le=1000)
    query_timeout: float = Field(default=15.0, gt=0, le=600)
    page_size: int = Field(default=20, ge=1, le=1000)
    max_page_size: int = Field(default=100, ge=1, le=1000)
    # Everyday reads (entities, pages, referrers, referrals) as one shaped Cypher statement.
    compiled_reads: bool = True
    max_query_depth: int = Field(default=10, ge=2, le=100)
    max_aliases: int = Field(default=30, ge=1, le=1000)
    max_tokens: int = Field(default=2_000, ge=50, le=100_000)
    inactive_days: int = Field(default=30, ge=1, le=3650)
    betweenness_cutoff: int = Field(default=4, ge=0, le=50)
    analysis_batch: int = Field(default=5_000, ge=100, le=100_000)
    hash_secret: SecretStr = SecretStr("growthgraph-dev-hash-secret")
    max_cost: int = Field(default=20_000, ge=1, le=10_000_000)
    max_body_bytes: int = Field(default=65_536, ge=1_024, le=64 * 1024 * 1024)
    request_timeout: float = Field(default=30.0, gt=0, le=3_600)
    # Per client (API key, else address) requests per minute; 0 turns the limit off.
    rate_limit: int = Field(default=1_200, ge=0, le=1_000_000)
    # Requests a minute per address presenting an API key that matches nothing; 0: no limit.
    auth_failure_limit: int = Field(default=30, ge=0, le=1_000_000)
    # Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated);
    # empty: the TCP peer is the client.
    trusted_proxies: str = ""
    # Idempotency-Key records: the lease (seconds) a running request holds its key under, renewed
    # while it runs, and how long (seconds) an answer is kept for retries before it is purged.
    idempotency_lease: float = Field(default=10.0, ge=0.5, le=600)
    idempotency_retention: float = Field(default=86_400.0, ge=1, le=90 * 86_400)
    # The change feed (graph.changes): seconds a change is kept before it is pruned.
    change_retention: float = Field(default=7 * 86_400.0, ge=60, le=365 * 86_400)
    # Subscriptions: seconds between two reads of the feed, and open WebSocket connections
    # per client (API key, else address) in each server process.
    live_poll_interval: float = Field(default=0.5, ge=0.05, le=60)
    live_connections: int = Field(default=10, ge=1, le=10_000)
    # Webhooks: delivery attempts before a delivery is given up, the first retry's delay
    # (seconds, doubled after each failure, at most an hour), and each attempt's timeout.
    webhook_attempts: int = Field(default=8, ge=1, le=50)
    webhook_backoff: float = Field(default=2.0, ge=0.01, le=3_600)
    webhook_timeout: float = Field(default=5.0, gt=0, le=120)
    # Whether this process sends webhooks; off in processes that only answer requests (another
    # process, with it on, fans the feed out and sends).
    webhook_sender: bool = True
    # Unset: on in development, off in production.
    introspection: bool | None = None
    # Access: "role:sha256-hex" pairs, comma-separated (roles: analyst, writer, admin).
    api_keys: str = ""
    public_aggregates: bool = False
    # Browser origins allowed by CORS, comma-separated; empty: no cross-origin access.
    cors_origins: str = ""
    # Fail fast when Neo4j is down: connect, pool-acquisition and transient-retry budgets.
    neo4j_connect_timeout: float = Field(default=2.0, gt=0, le=60)
    neo4j_acquire_timeout: float = Field(default=5.0, gt=0, le=120)
    neo4j_retry_time: float = Field(default=1.0, ge=0, le=120)
    # Keep the leaderboard counters (graph.counters) on every sign-up. Off only to measure what
    # they cost: topReferrers then scans, and `growthgraph counters rebuild` must run before on.
    referral_counters: bool = True
    metrics: bool = True
    playground: bool = True
    playground_dir: str | None = None
    # The network explorer page at /explorer, and where its npm bundle lives.
    explorer: bool = True
    explorer_dir: str | None = None
    # Automatic persisted queries: documents remembered per process by hash (0 turns them off).
    persisted_queries: int = Field(default=1_000, ge=0, le=100_000)

    @property
    def auth_required(self) -> bool:
        """Keys are checked when any is configured, and always in production."""
        return bool(self.api_keys.strip()) or self.env is Environment.PRODUCTION

    @property
    def worker_count(self) -> int:
        """``workers``, with 0 meaning one process per CPU."""
        return self.workers or os.cpu_count() or 1

    def open_bind_refusal(self) -> str | None:
        """Why serving on ``host`` must be refused, if it must: without keys every caller is an
        admin, which is only acceptable on the loopback interface."""
        if self.auth_required or is_loopback(self.host):
            return None
        return (
            f"HOST={self.host} is not a loopback address, and no API keys are configured: every "
            "caller would be an admin. Set GROWTHGRAPH_API_KEYS (role:sha256-hex pairs, see the "
            "README's Security section), or serve on 127.0.0.1."
        )

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    @property
    def introspection_enabled(self) -> bool:
        if self.introspection is not None:
            return self.introspection
        return self.env is not Environment.PRODUCTION

    @model_validator(mode="after")
    def _check(self) -> Self:
        parse_keys(self.api_keys)  # refuse a malformed key list at start-up
        parse_proxies(self.trusted_proxies)  # and a malformed proxy list
        if self.page_size > self.max_page_size:
            raise ValueError("GROWTHGRAPH_PAGE_SIZE must not exceed GROWTHGRAPH_MAX_PAGE_SIZE")
        if (
            self.env is Environment.PRODUCTION
            and self.neo4j_password.get_secret_value() in PLACEHOLDER_PASSWORDS
        ):
            raise ValueError("NEO4J_PASSWORD is a placeholder; set a real secret in production")
        if (
            self.env is Environment.PRODUCTION
            and self.hash_secret.get_secret_value() in PLACEHOLDER_HASH_SECRETS
        ):
            raise ValueError(
                "GROWTHGRAPH_HASH_SECRET is a placeholder; set a real secret in production"
            )
        return self
