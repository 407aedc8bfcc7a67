"""The sort key of a name (graph.name_keys): ASCII, and ordered as the names are by code point
(Python's ``str`` order), whatever the characters; the order by UTF-16 code unit, which Neo4j
uses to compare a text with a parameter, is a different one for the names these tests pick."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from growthgraph.graph.name_keys import is_sort_key, keyed, name_sort_key

# Letters from every plane that matters: ASCII, the rest of the BMP below and above the
# surrogates, and characters outside the BMP.
_CHARS = st.sampled_from(
    ["A", "a", " ", "é", "\u4e2d", "\ue000", "\uff38", "\ufffd"]
) | st.characters(min_codepoint=0x10000, max_codepoint=0x10FFFF)
NAMES = st.text(_CHARS, max_size=6) | st.text(max_size=6)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def test_the_two_orders_differ_beyond_the_basic_multilingual_plane() -> None:
    x, rocket = "Orbit \uff38", "Orbit \U0001f680"
    assert x < rocket  # by code point
    assert _utf16(rocket) < _utf16(x)  # by UTF-16 code unit
    assert name_sort_key(x) < name_sort_key(rocket)
    assert name_sort_key(x) == "4f7262697420efbcb8"  # "Orbit " then U+FF38 as EF BC B8


@given(NAMES, NAMES)
def test_keys_order_as_the_names_by_code_point(a: str, b: str) -> None:
    ka, kb = name_sort_key(a), name_sort_key(b)
    assert ka.isascii()
    assert kb.isascii()
    assert (ka < kb) == (a < b)
    assert (ka == kb) == (a == b)
    # ASCII compares alike by code point and by UTF-16 code unit.
    assert (_utf16(ka) < _utf16(kb)) == (a < b)


@given(st.lists(NAMES, max_size=12))
def test_sorting_by_key_sorts_the_names(names: list[str]) -> None:
    assert sorted(names, key=name_sort_key) == sorted(names)


@given(NAMES)
def test_a_key_names_its_name_and_is_recognised(name: str) -> None:
    key = name_sort_key(name)
    assert is_sort_key(key)
    assert bytes.fromhex(key).decode("utf-8", "surrogatepass") == name


def test_text_that_is_not_a_key_is_not_recognised() -> None:
    for text in ("Acme", "4F", "4f7", "4f 72", "0x4f", "\uff10\uff10"):
        assert not is_sort_key(text), text
    assert is_sort_key("")  # the key of an empty name


def test_keyed_adds_the_key_of_the_name_only() -> None:
    assert keyed({"id": "p1", "name": "Orbit \U0001f680"}) == {
        "id": "p1",
        "name": "Orbit \U0001f680",
        "nameSortKey": "4f7262697420f09f9a80",
    }
    assert keyed({"id": "p2"}) == {"id": "p2"}
