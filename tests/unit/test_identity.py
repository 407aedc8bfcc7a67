"""Keyed hashing of sign-up identifiers and the secret's production rule."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import SecretStr, ValidationError

from growthgraph.config import Environment, Settings
from growthgraph.identity import keyed_hash


def test_hash_is_hmac_sha256_of_the_normalised_value() -> None:
    expected = hmac.new(b"k", b"ip:10.0.0.1", hashlib.sha256).hexdigest()
    assert keyed_hash("k", "ip", " 10.0.0.1 ") == expected
    assert keyed_hash("k", "device", "ABC") == keyed_hash("k", "device", "abc")
    assert keyed_hash("k", "ip", "x") != keyed_hash("k", "device", "x")
    assert keyed_hash("k", "ip", "x") != keyed_hash("other", "ip", "x")


def test_placeholder_hash_secret_refused_in_production() -> None:
    strong = SecretStr("a-real-password-123")
    with pytest.raises(ValidationError, match="GROWTHGRAPH_HASH_SECRET"):
        Settings(env=Environment.PRODUCTION, neo4j_password=strong)
    ok = Settings(env=Environment.PRODUCTION, neo4j_password=strong, hash_secret=SecretStr("s3"))
    assert ok.hash_secret.get_secret_value() == "s3"
