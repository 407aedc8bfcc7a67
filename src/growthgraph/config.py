"""The one validated settings object, read from the environment (and an optional ``.env``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Passwords that ship in examples: fine on a laptop, refused in production.
PLACEHOLDER_PASSWORDS = frozenset({"growthgraph-dev", "password", "neo4j", "changeme"})
PLACEHOLDER_HASH_SECRETS = frozenset({"growthgraph-dev-hash-secret", "changeme", "secret"})


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting of the service. Each one is documented in ``.env.example`` and the README."""

    model_config = SettingsConfigDict(
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

    env: Environment = Field(default=Environment.DEVELOPMENT, validation_alias="GROWTHGRAPH_ENV")
    log_level: str = Field(default="info", validation_alias="GROWTHGRAPH_LOG_LEVEL")
    demo_data: bool = Field(default=True, validation_alias="GROWTHGRAPH_DEMO_DATA")
    demo_users: int = Field(
        default=10_000, ge=0, le=5_000_000, validation_alias="GROWTHGRAPH_DEMO_USERS"
    )
    demo_seed: int = Field(default=7, validation_alias="GROWTHGRAPH_DEMO_SEED")

    neo4j_pool_size: int = Field(
        default=50, ge=1, le=1000, validation_alias="GROWTHGRAPH_NEO4J_POOL_SIZE"
    )
    query_timeout_s: float = Field(
        default=15.0, gt=0, le=600, validation_alias="GROWTHGRAPH_QUERY_TIMEOUT"
    )
    default_page_size: int = Field(
        default=20, ge=1, le=1000, validation_alias="GROWTHGRAPH_PAGE_SIZE"
    )
    max_page_size: int = Field(
        default=100, ge=1, le=1000, validation_alias="GROWTHGRAPH_MAX_PAGE_SIZE"
    )
    max_query_depth: int = Field(
        default=10, ge=2, le=100, validation_alias="GROWTHGRAPH_MAX_QUERY_DEPTH"
    )
    max_aliases: int = Field(default=30, ge=1, le=1000, validation_alias="GROWTHGRAPH_MAX_ALIASES")
    max_tokens: int = Field(
        default=2_000, ge=50, le=100_000, validation_alias="GROWTHGRAPH_MAX_TOKENS"
    )
    inactive_days: int = Field(
        default=30, ge=1, le=3650, validation_alias="GROWTHGRAPH_INACTIVE_DAYS"
    )
    betweenness_cutoff: int = Field(
        default=4, ge=0, le=50, validation_alias="GROWTHGRAPH_BETWEENNESS_CUTOFF"
    )
    analysis_batch_size: int = Field(
        default=5_000, ge=100, le=100_000, validation_alias="GROWTHGRAPH_ANALYSIS_BATCH"
    )
    hash_secret: SecretStr = Field(
        default=SecretStr("growthgraph-dev-hash-secret"),
        validation_alias="GROWTHGRAPH_HASH_SECRET",
    )
    max_cost: int = Field(
        default=20_000, ge=1, le=10_000_000, validation_alias="GROWTHGRAPH_MAX_COST"
    )
    max_body_bytes: int = Field(
        default=65_536, ge=1_024, le=64 * 1024 * 1024, validation_alias="GROWTHGRAPH_MAX_BODY_BYTES"
    )
    request_timeout_s: float = Field(
        default=30.0, gt=0, le=3_600, validation_alias="GROWTHGRAPH_REQUEST_TIMEOUT"
    )
    # Per client (API key, else address) requests per minute; 0 turns the limit off.
    rate_limit_per_minute: int = Field(
        default=1_200, ge=0, le=1_000_000, validation_alias="GROWTHGRAPH_RATE_LIMIT"
    )
    # Unset: on in development, off in production.
    introspection: bool | None = Field(default=None, validation_alias="GROWTHGRAPH_INTROSPECTION")
    # Access: "role:sha256-hex" pairs, comma-separated (roles: analyst, writer, admin).
    api_keys: str = Field(default="", validation_alias="GROWTHGRAPH_API_KEYS")
    public_aggregates: bool = Field(default=False, validation_alias="GROWTHGRAPH_PUBLIC_AGGREGATES")
    # Browser origins allowed by CORS, comma-separated; empty: no cross-origin access.
    cors_origins: str = Field(default="", validation_alias="GROWTHGRAPH_CORS_ORIGINS")
    # Fail fast when Neo4j is down: connect, pool-acquisition and transient-retry budgets.
    neo4j_connect_timeout_s: float = Field(
        default=2.0, gt=0, le=60, validation_alias="GROWTHGRAPH_NEO4J_CONNECT_TIMEOUT"
    )
    neo4j_acquire_timeout_s: float = Field(
        default=5.0, gt=0, le=120, validation_alias="GROWTHGRAPH_NEO4J_ACQUIRE_TIMEOUT"
    )
    neo4j_retry_time_s: float = Field(
        default=1.0, ge=0, le=120, validation_alias="GROWTHGRAPH_NEO4J_RETRY_TIME"
    )
    # Keep the leaderboard counters (graph.counters) on every sign-up. Off only to measure what
    # they cost: topReferrers then scans, and `growthgraph counters rebuild` must run before on.
    referral_counters: bool = Field(default=True, validation_alias="GROWTHGRAPH_REFERRAL_COUNTERS")
    metrics: bool = Field(default=True, validation_alias="GROWTHGRAPH_METRICS")
    playground: bool = Field(default=True, validation_alias="GROWTHGRAPH_PLAYGROUND")
    playground_dir: str | None = Field(default=None, validation_alias="GROWTHGRAPH_PLAYGROUND_DIR")

    @property
    def auth_required(self) -> bool:
        """Keys are checked when any is configured, and always in production."""
        return bool(self.api_keys.strip()) or self.env is Environment.PRODUCTION

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
        from growthgraph.access import parse_keys

        parse_keys(self.api_keys)  # refuse a malformed key list at start-up
        if self.default_page_size > self.max_page_size:
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
