from __future__ import annotations

import gc
from decimal import Decimal

import pytest

from slopolicy.text.yamlsource import (
    LoadedDocument,
    LoadError,
    iter_documents,
    locate,
    locate_key,
    positions_of,
)


def load(text: str) -> list[LoadedDocument | LoadError]:
    return list(iter_documents(text))


def data(text: str) -> object:
    (doc,) = load(text)
    assert isinstance(doc, LoadedDocument)
    return doc.data


def test_floats_are_exact_decimals() -> None:
    assert data("t: 99.95\n") == {"t": Decimal("99.95")}
    assert str(data("t: 99.95\n")["t"]) == "99.95"  # type: ignore[index]


def test_scalars_follow_yaml_1_2_core_schema() -> None:
    assert data("[1, -2, 0x10, true, false, null, ~, yes, off, '1', 2025-01-01]") == [
        1, -2, 16, True, False, None, None, "yes", "off", "1", "2025-01-01"
    ]


def test_a_base_prefix_with_no_digit_is_text_not_a_crash() -> None:
    """``0b__`` matched the integer pattern and int() found no number in it: every command
    stopped on an internal error."""
    assert data("[0b__, 0x_, 0o_, 0x_1F, 0b1_0]") == ["0b__", "0x_", "0o_", 31, 2]


def test_quoted_scalars_stay_strings() -> None:
    assert data('a: "0.5"\nb: \'true\'\n') == {"a": "0.5", "b": "true"}


def test_duplicate_key_is_reported_at_the_second_key_and_last_value_wins() -> None:
    (doc,) = load("a: 1\nb: 2\na: 3\n")
    assert isinstance(doc, LoadedDocument)
    assert doc.data == {"a": 3, "b": 2}
    (issue,) = doc.issues
    assert (issue.kind, issue.line, issue.column) == ("duplicate-key", 3, 1)
    assert issue.related[0][:2] == (1, 1)


def test_python_tags_are_never_constructed() -> None:
    (doc,) = load("a: !!python/object/apply:os.system ['echo pwned']\n")
    assert isinstance(doc, LoadedDocument)
    assert doc.data == {"a": ["echo pwned"]}
    (issue,) = doc.issues
    assert issue.kind == "tag" and "!!python/object/apply:os.system" in issue.message
    assert (issue.line, issue.column) == (1, 4)


def test_alias_bomb_is_bounded() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    prev = "a"
    for name in "bcdefghi":
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
        prev = name
    (doc,) = load("\n".join(lines) + "\n")
    assert isinstance(doc, LoadedDocument)
    assert doc.error is not None and "alias" in doc.error.message


def test_deep_nesting_is_bounded_without_recursion() -> None:
    (doc,) = load("[" * 20000 + "]" * 20000)
    assert isinstance(doc, LoadedDocument)
    assert doc.error is not None and "nesting deeper" in doc.error.message


@pytest.mark.parametrize(("number", "size"), [
    ("1e-99999999", "99,999,999 digits"), ("1E+99999999", "100,000,000 digits"),
    ("0e-99999999", "99,999,999 digits"), ("-1.5e-4300", "4,301 digits"),
    ("1e-9999999999999999999999", "over 10**18 digits"), ("1." + "5" * 4300, "4,301 digits"),
], ids=["tiny", "huge", "zero", "just-past", "past-a-decimal", "written-out"])
def test_a_decimal_too_long_written_out_stops_its_document(number: str, size: str) -> None:
    """Its exact value would cost work without bound (10**99999999): refused, as an integer
    of over 4,300 digits is, at the number."""
    (doc,) = load(f"spec:\n  target: {number}\n")
    assert isinstance(doc, LoadedDocument) and doc.error is not None
    assert (doc.error.line, doc.error.column) == (2, 11)
    assert doc.error.message.startswith(f"the number {number[:18]}")
    assert f"is {size} written out in full, too long: slopolicy reads numbers of at most " \
           "4,300 digits" in doc.error.message


def test_a_decimal_of_4300_digits_written_out_is_exact() -> None:
    assert data("[1e-4300, 1e4299, 0.5e-4299, 99.95e-10]") == [
        Decimal("1e-4300"), Decimal("1e4299"), Decimal("0.5e-4299"), Decimal("99.95e-10")]


def test_syntax_error_has_a_position() -> None:
    (error,) = load("a: 1\nb: [1, 2\nc: 3\n")
    assert isinstance(error, LoadError)
    assert error.line == 3


def test_merge_keys() -> None:
    assert data("base: &b {x: 1, y: 1}\nd:\n  <<: *b\n  y: 2\n") == {
        "base": {"x": 1, "y": 1}, "d": {"x": 1, "y": 2}
    }


def test_positions_point_at_values_and_keys() -> None:
    text = "a:\n  b:\n    - x: 1\n      y: 2\n"
    (tree,) = positions_of(text)
    assert locate(tree, ("a", "b", 0, "y")) == (4, 10)
    assert locate_key(tree, ("a", "b", 0, "y")) == (4, 7)
    # a missing key points at the deepest mapping that exists
    assert locate(tree, ("a", "b", 0, "z")) == (3, 7)


def test_several_documents_and_empty_ones() -> None:
    docs = load("a: 1\n---\n---\nb: 2\n")
    assert [d.data for d in docs if isinstance(d, LoadedDocument)] == [{"a": 1}, None, {"b": 2}]
    assert load("") == []


def only(text: str) -> LoadedDocument:
    (doc,) = load(text)
    assert isinstance(doc, LoadedDocument)
    return doc


def test_a_duplicate_key_whose_values_are_mappings() -> None:
    doc = only("spec:\n  a: 1\nother: x\nspec:\n  b: 2\n")
    assert doc.data == {"spec": {"b": 2}, "other": "x"}
    [issue] = doc.issues
    assert (issue.kind, issue.line, issue.column, issue.related) == (
        "duplicate-key", 4, 1, ((1, 1, 'first "spec"'),))
    assert "first defined at line 1" in issue.message


def test_a_key_a_merge_brought_may_be_written_once_then_is_a_duplicate() -> None:
    doc = only("base: &b {x: 1, y: 1}\nd:\n  <<: *b\n  y: 2\n  y: 3\n  x: {z: 1}\n")
    assert doc.data == {"base": {"x": 1, "y": 1}, "d": {"x": {"z": 1}, "y": 3}}
    assert [(i.kind, i.line, i.column, i.related) for i in doc.issues] == [
        ("duplicate-key", 5, 3, ((4, 3, 'first "y"'),))]


def test_aliases_as_keys_are_text_and_a_collection_is_no_key() -> None:
    assert only("- &k 7\n- &t true\n- {*k : a, *t : b}\n").data == [
        7, True, {"7": "a", "true": "b"}]
    doc = only("- &m {a: 1}\n- {*m : 1}\n")
    assert doc.error is not None
    assert (doc.error.message, doc.error.line, doc.error.column) == (
        "a mapping key must be a scalar", 2, 4)
    doc = only("? [1, 2]\n: x\n")
    assert doc.error is not None and (doc.error.line, doc.error.column) == (1, 3)


def test_an_anchored_mapping_counts_what_aliases_bring_into_it() -> None:
    # each level holds nine of the one below: the anchors' sizes must add up across levels
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for number, name in enumerate("bcde"):
        lines.append(f"{name}: &{name} {{" + ", ".join(
            f"k{i}: *{'abcd'[number]}" for i in range(9)) + "}")
    doc = only("\n".join(lines) + "\n")
    assert doc.error is None  # 9 + 81 + ... + 9**5 nodes: under the bound
    doc = only("\n".join(lines) + "\nf: [*e, *e, *e, *e]\n")
    assert doc.error is not None and "250,000 nodes" in doc.error.message
    assert doc.error.line == 6


def test_parsing_leaves_no_cyclic_garbage() -> None:
    """An audit parses thousands of blobs with the cyclic collector off: what a parse
    leaves behind must be freed by reference counting alone."""
    gc.collect()
    gc.disable()
    try:
        for _ in range(20):
            assert len(list(iter_documents("a: 1\n---\nb: [1, 2.50, {c: d}]\n"))) == 2
        left = gc.collect()
    finally:
        gc.enable()
    assert left == 0
