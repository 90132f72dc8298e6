"""Tests for adcompile/frontend/reads.py: where a function reads from outside, read again.

Each kind of read is checked three ways: `fetch` finds what Python would, the source of
`expression` evaluates to the same thing, and a missing value gives NameError (from
`fetch`) where Python gives one.
"""

from __future__ import annotations

import math
import sys
import types

import numpy as np
import pytest

from adcompile.frontend.reads import ROOT, Read, is_input

THIS = sys.modules[__name__]
LIMIT = 2.5
BIAS = np.array([1.0, -1.0])


def captures(a, b):
    def f(x):
        return a * x + b
    return f


def biased(x, bias=BIAS):
    return x + bias


def evaluate(read: Read, root):
    """Run the source `expression` gives, with its constants."""
    namespace = {}

    def constant(obj):
        name = f"c{len(namespace)}"
        namespace[name] = obj
        return name
    return eval(read.expression(root, constant), namespace)


def test_a_cell_of_the_root_is_read_by_index():
    f, g = captures(2.0, 3.0), captures(4.0, 5.0)
    read = Read(ROOT, "cell", f.__code__.co_freevars.index("b"), "b")
    assert (read.fetch(f), read.fetch(g)) == (3.0, 5.0)
    assert (evaluate(read, f), evaluate(read, g)) == (3.0, 5.0)


def test_rebase_names_the_cell_itself():
    f, g = captures(2.0, 3.0), captures(4.0, 5.0)
    index = f.__code__.co_freevars.index("a")
    read = Read(ROOT, "cell", index, "a").rebase(f)
    assert read.base is f.__closure__[index]
    assert read.fetch(g) == 2.0  # the root no longer matters
    assert evaluate(read, g) == 2.0
    assert Read(vars(THIS), "global", "LIMIT", "LIMIT").rebase(f).base is vars(THIS)


def test_a_global_and_a_builtin(monkeypatch):
    limit = Read(vars(THIS), "global", "LIMIT", "LIMIT")
    assert limit.fetch(None) == evaluate(limit, None) == 2.5
    monkeypatch.setattr(THIS, "LIMIT", 4.0)
    assert limit.fetch(None) == evaluate(limit, None) == 4.0
    builtin = Read(vars(THIS), "global", "abs", "abs")
    assert builtin.fetch(None) is evaluate(builtin, None) is abs
    monkeypatch.setattr(THIS, "abs", math.fabs, raising=False)  # shadowed in the module
    assert builtin.fetch(None) is evaluate(builtin, None) is math.fabs


def test_an_attribute_and_a_default():
    owner = types.SimpleNamespace(scale=0.5)
    attr = Read(owner, "attr", "scale", "scale")
    owner.scale = 0.25
    assert attr.fetch(None) == evaluate(attr, None) == 0.25
    default = Read(biased, "default", 0, "bias")
    assert default.fetch(None) is evaluate(default, None) is BIAS


def test_an_item_of_a_dict_list_or_tuple():
    table = {"rate": 0.5}
    item = Read(table, "item", "rate", "table_rate")
    table["rate"] = 0.25
    assert item.fetch(None) == evaluate(item, None) == 0.25
    assert Read((1.0, 2.0), "item", 1, "pair_1").fetch(None) == 2.0
    with pytest.raises(NameError, match="dict has no item 'missing'"):
        Read(table, "item", "missing", "table").fetch(None)


def test_what_python_would_not_find_is_a_name_error():
    def unbound_yet():
        def f(x):
            return later * x
        read = Read(ROOT, "cell", 0, "later")
        with pytest.raises(NameError, match="'later'"):
            read.fetch(f)
        with pytest.raises(ValueError):
            evaluate(read, f)  # a dispatcher falls back to `fetch` on any exception
        later = 1.0
        return read.fetch(f)
    assert unbound_yet() == 1.0
    missing = Read(vars(THIS), "global", "NOT_A_GLOBAL", "NOT_A_GLOBAL")
    with pytest.raises(NameError, match="'NOT_A_GLOBAL' is not defined"):
        missing.fetch(None)
    with pytest.raises(KeyError):
        evaluate(missing, None)


def test_reads_are_equal_by_place_not_by_name():
    unhashable = types.SimpleNamespace()
    with pytest.raises(TypeError):
        hash(unhashable)  # a base need not be hashable
    a = Read(unhashable, "attr", "x", "x")
    assert a == Read(unhashable, "attr", "x", "another hint")
    assert hash(a) == hash(Read(unhashable, "attr", "x", "x"))
    assert a != Read(types.SimpleNamespace(), "attr", "x", "x")
    assert a != Read(unhashable, "attr", "y", "y")
    assert Read(ROOT, "cell", 0, "a") != Read(ROOT, "cell", 1, "a")


@pytest.mark.parametrize("obj, expected", [
    (1.5, True), (2, True), (True, True), (np.float32(1.0), True), (np.int64(3), True),
    (np.zeros(3), True), (None, False), (math, False), (abs, False), (captures, False),
    ((1.0, 2.0), False), ("text", False),
])
def test_numbers_and_arrays_are_inputs_the_rest_is_guarded(obj, expected):
    assert is_input(obj) is expected
