"""Matching indexes and constraints by definition (both conform modules)."""

from modoboa.core.takeover.matching import match_by_definition


def test_same_name_kept_same_definition_renamed_others_created():
    actual = {
        ("t", "ok"): "a",
        ("t", "old_name"): "b",
        ("t", "wrong"): "x",
        ("t", "extra"): "z",
    }
    reference = {("t", "ok"): "a", ("t", "new_name"): "b", ("t", "wrong"): "c", ("t", "n"): "d"}
    steps, kept = match_by_definition(actual, reference)
    assert steps == [
        ("create", ("t", "n"), False),
        ("rename", ("t", "new_name"), ("t", "old_name")),
        ("keep", ("t", "ok"), None),
        ("create", ("t", "wrong"), True),
    ]
    assert kept == {("t", "ok"), ("t", "old_name")}


def test_a_definition_is_matched_within_its_table_and_once():
    actual = {("a", "x"): "d", ("b", "y"): "d"}
    reference = {("a", "one"): "d", ("a", "two"): "d", ("b", "y"): "e"}
    steps, kept = match_by_definition(actual, reference)
    assert steps == [
        ("rename", ("a", "one"), ("a", "x")),
        ("create", ("a", "two"), False),
        ("create", ("b", "y"), True),
    ]
    assert kept == {("a", "x")}
