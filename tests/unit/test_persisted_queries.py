"""Automatic persisted queries: the hash names exactly one document, and memory stays bounded."""

from __future__ import annotations

import hashlib

import pytest
from strawberry.http import GraphQLRequestData

from growthgraph.errors import BadRequestError, PersistedQueryNotFoundError
from growthgraph.http.persisted import PERSISTED_QUERY_NOT_FOUND, PersistedQueries, query_hash


def request(query: str | None, digest: object, *, version: object = 1) -> GraphQLRequestData:
    entry = {"version": version, "sha256Hash": digest}
    return GraphQLRequestData(
        query=query, variables=None, operation_name=None, extensions={"persistedQuery": entry}
    )


def test_the_hash_is_sha256_of_the_utf8_text() -> None:
    text = '{ user(id: "ü") { id } }'
    assert query_hash(text) == hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_a_miss_then_the_document_then_a_hit() -> None:
    store = PersistedQueries(10)
    text = "{ __typename }"
    digest = query_hash(text)
    with pytest.raises(PersistedQueryNotFoundError) as miss:
        store.resolve(request(None, digest))
    assert miss.value.message == PERSISTED_QUERY_NOT_FOUND
    store.resolve(request(text, digest))
    hashed_only = request(None, digest)
    store.resolve(hashed_only)
    assert hashed_only.query == text


def test_a_hash_that_is_not_the_documents_is_refused_and_not_stored() -> None:
    store = PersistedQueries(10)
    wrong = query_hash("{ other }")
    with pytest.raises(BadRequestError, match="does not match"):
        store.resolve(request("{ __typename }", wrong))
    with pytest.raises(PersistedQueryNotFoundError):
        store.resolve(request(None, wrong))
    assert len(store) == 0


@pytest.mark.parametrize(
    ("digest", "version"),
    [
        ("ABC", 1),
        ("g" * 64, 1),
        ("A" * 64, 1),  # uppercase hex is not what clients send
        (query_hash("x") + "\n", 1),
        (None, 1),
        (query_hash("x"), 2),
        (query_hash("x"), "1"),
    ],
)
def test_malformed_entries_are_refused(digest: object, version: object) -> None:
    with pytest.raises(BadRequestError):
        PersistedQueries(10).resolve(request(None, digest, version=version))


def test_an_entry_that_is_not_an_object_is_refused() -> None:
    data = GraphQLRequestData(
        query=None, variables=None, operation_name=None, extensions={"persistedQuery": "x"}
    )
    with pytest.raises(BadRequestError):
        PersistedQueries(10).resolve(data)


def test_requests_without_the_extension_are_left_alone() -> None:
    store = PersistedQueries(10)
    for extensions in (None, {}, {"tracing": True}):
        data = GraphQLRequestData(
            query="{ a }", variables=None, operation_name=None, extensions=extensions
        )
        store.resolve(data)
        assert data.query == "{ a }"
    assert len(store) == 0


def test_the_least_recently_used_document_goes_first() -> None:
    store = PersistedQueries(2)
    texts = ["{ a }", "{ b }", "{ c }"]
    store.resolve(request(texts[0], query_hash(texts[0])))
    store.resolve(request(texts[1], query_hash(texts[1])))
    store.resolve(request(None, query_hash(texts[0])))  # a is used again: b is now the oldest
    store.resolve(request(texts[2], query_hash(texts[2])))
    assert len(store) == 2
    with pytest.raises(PersistedQueryNotFoundError):
        store.resolve(request(None, query_hash(texts[1])))
    for text in (texts[0], texts[2]):
        hit = request(None, query_hash(text))
        store.resolve(hit)
        assert hit.query == text


def test_capacity_zero_remembers_nothing_but_still_checks_the_hash() -> None:
    store = PersistedQueries(0)
    text = "{ a }"
    store.resolve(request(text, query_hash(text)))
    with pytest.raises(PersistedQueryNotFoundError):
        store.resolve(request(None, query_hash(text)))
    with pytest.raises(BadRequestError):
        store.resolve(request(text, query_hash("{ b }")))
