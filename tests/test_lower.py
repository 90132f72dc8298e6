"""Tests for adcompile/frontend/lower.py: gast -> SSA IR.

Two kinds of tests:

- the shape of the IR: every value is defined once and used only where it is in scope,
  and each `if` / conditional expression / `and` / `or` becomes one ``cond`` op and each
  loop one ``loop`` op (counted with `walk_ops` in ``.ir.function``);
- the meaning of the IR: the compiled primal (`ad.primal`) computes what Python computes,
  for helpers, elif chains, chained comparisons, short-circuit `and`/`or` and tuples;

- primitives' parameters: keyword and positional arguments, names bound to constants,
  negative axes and tuples lower into the op's parameters (as written; normalized once
  typed), and array methods, ``.T`` and ``@`` lower to their primitives;

and the errors lowering raises (it resolves names, so it is where calls with no rule,
loops over lists, maybe-unbound names and parameters not known while compiling are
refused), each located with a caret, and a hint that works when followed.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import os
import re
import sys
import typing
from collections import Counter

import numpy as np
import pytest

import adcompile as ad
from adcompile.frontend.callables import METHODS
from adcompile.frontend.lower import lower, lower_function
from adcompile.ir.primitives import OPERAND, Slice, Window
from adcompile.ir.nodes import Function, Region, walk_ops
from adcompile.ir.types import type_of
from adcompile.testing import check_grads

from sourcelines import line_of

SOME_LIST = [1.0, 2.0, 3.0]
THIS = sys.modules[__name__]


# ---- helpers --------------------------------------------------------------------------

def prims(fn) -> Counter:
    """How many ops of each primitive the compiled primal's IR has."""
    return Counter(op.prim for op in walk_ops(ad.primal(fn).ir.function.body))


def assert_ssa(fn: Function) -> None:
    """Each value is defined once (a parameter or an op output) and each use sees a
    definition in its own region, earlier, or in an enclosing region."""
    defined: set[int] = set()

    def define(value):
        assert id(value) not in defined, f"{value!r} is defined twice"
        defined.add(id(value))

    def region(r: Region, scope: frozenset):
        visible = set(scope)
        for p in r.params:
            define(p)
            visible.add(id(p))
        for op in r.ops:
            for v in op.inputs:
                assert id(v) in visible, f"{op!r} reads {v!r} before it is defined"
            for inner in op.regions:
                region(inner, frozenset(visible))
            for v in op.outputs:
                define(v)
                visible.add(id(v))
        for v in r.results:
            assert id(v) in visible, f"a region yields {v!r}, which it cannot see"

    region(fn.body, frozenset())


def assert_same_as_python(fn, points):
    compiled = ad.primal(fn)
    for args in points:
        expected = fn(*args)
        got = compiled(*args)
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), args


def assert_points_at(err, fn, snippet: str, *words: str):
    """`err` locates the first occurrence of `snippet` in `fn`'s source, with a caret
    under it and a hint (see tests/test_fence.py for the same check on the fence)."""
    line, text = line_of(fn, snippet)
    text = text.rstrip("\n")
    expected = (line, text.index(snippet))
    message = str(err)
    assert os.path.realpath(err.loc.filename) == os.path.realpath(__file__), message
    assert (err.loc.line, err.loc.col) == expected, message
    assert f"{err.loc.filename}:{expected[0]}:{expected[1] + 1}:" in message, message
    shown = message.splitlines()
    caret = next(i for i, line in enumerate(shown) if line.strip() == "^")
    assert shown[caret - 1].strip() == text.strip(), message
    assert shown[caret - 1][shown[caret].index("^"):].startswith(snippet), message
    assert err.hint and f"hint: {err.hint}" in message, message
    for word in words:
        assert word.lower() in err.message.lower(), f"{word!r} not in:\n{message}"


def refuse(fn, *args):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(*(args or (1.5,)))
    return info.value


# ---- programs -------------------------------------------------------------------------

def straight_line(x, y):
    a = x * y
    b = a + math.sin(x)
    a = b * b
    return a - y


def one_if(x):
    if x > 0.0:
        y = x * 2.0
    else:
        y = -x
    return y


def elif_chain(x):
    if x > 2.0:
        y = x * x
    elif x > 1.0:
        y = 3.0 * x
    elif x > 0.0:
        y = x + 1.0
    else:
        y = -x
    return y


def if_without_else(x):
    y = x
    if x > 1.0:
        y = y * 3.0
    return y


def conditional_expression(x, y):
    return x if x < y else y * 2.0


def early_return(x):
    if x > 1.0:
        return x * x
    y = x + 1.0
    return y * 2.0


def one_for(x):
    s = 0.0
    for i in range(4):
        s = s + x * i
    return s


def one_while(x):
    n = 0
    while x < 100.0:
        x = x * 2.0
        n += 1
    return x + n


def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(i + 1):
            s = s + x * j
    return s


def loop_with_break(x):
    s = 0.0
    for i in range(50):
        s = s + x
        if s > 5.0:
            break
    return s


def branch_in_loop(x):
    s = 0.0
    for i in range(5):
        if i % 2 == 0:
            s = s + x
        else:
            s = s * x
    return s


def loop_in_branch(x):
    s = x
    if x > 0.0:
        for i in range(3):
            s = s * x
    else:
        s = -s
    return s


def sin_helper(t):
    return math.sin(t) * t


def scaled(t, factor=3.0):
    return t * factor


def calls_helpers(x):
    a = sin_helper(x)
    b = scaled(x)
    c = scaled(a, 0.5)
    return a + b + c


def inner_helper(t):
    return t * t


def outer_helper(t):
    return inner_helper(t) + inner_helper(2.0 * t)


def calls_nested_helpers(x):
    return outer_helper(x) * 2.0


def looping_helper(t, n):
    s = 0.0
    for i in range(n):
        s = s + t
    return s


def calls_looping_helper(x):
    return looping_helper(x, 3) + looping_helper(x * x, 2)


def chained(x, lo, hi):
    if lo < x < hi:
        return x * x
    return x


def chained_three(x):
    if 0.0 < x <= 1.0 < x * 2.0:
        return 1.0
    return 0.0


def and_short_circuit(x):
    if x != 0.0 and 1.0 / x > 2.0:
        return x * x
    return x


def or_short_circuit(x):
    if x == 0.0 or 1.0 / x < 0.5:
        return x * 3.0
    return x


def and_or_values(x, y):
    return (x > 0.0 and y > 0.0) or x > y


def not_operator(x):
    if not x > 1.0:
        return x
    return 2.0 * x


def swap(x, y):
    x, y = y, x
    return x - 2.0 * y


def pair(t):
    return t * 2.0, t + 1.0


def unpacks_helper_result(x):
    a, b = pair(x)
    return a * b


def tuple_variable(x, y):
    p = (x, y)
    a, b = p
    return a * p[1] + b


def negative_index(x, y):
    p = (x, y, x * y)
    return p[-1] - p[-3]


def carries_a_tuple(x):
    a, b = x, 1.0
    for i in range(4):
        a, b = a + b, a * b
    return a + b


def returns_a_tuple(x, y):
    return x * y, x + y


def augmented(x):
    y = x
    y += 1.0
    y *= x
    y -= 2.0
    y /= 3.0
    y **= 2
    return y


# ---- the SSA invariant ------------------------------------------------------------------

ALL_PROGRAMS = [straight_line, one_if, elif_chain, if_without_else, conditional_expression,
                early_return, one_for, one_while, nested_loops, loop_with_break,
                branch_in_loop, loop_in_branch, calls_helpers, calls_nested_helpers,
                calls_looping_helper, chained, chained_three, and_short_circuit,
                or_short_circuit, not_operator, swap, unpacks_helper_result,
                tuple_variable, carries_a_tuple, returns_a_tuple, augmented]


@pytest.mark.parametrize("fn", ALL_PROGRAMS, ids=lambda f: f.__name__)
def test_lowered_ir_is_ssa(fn):
    assert_ssa(lower_function(fn))


@pytest.mark.parametrize("fn", ALL_PROGRAMS, ids=lambda f: f.__name__)
def test_compiled_ir_is_ssa(fn):
    assert_ssa(ad.primal(fn).ir.function)


def test_parameters_keep_their_names():
    fn = lower_function(straight_line)
    assert fn.param_names == ["x", "y"]
    assert [p.hint for p in fn.params] == ["x", "y"]
    assert not fn.returns_tuple
    assert lower_function(returns_a_tuple).returns_tuple
    assert len(lower_function(returns_a_tuple).results) == 2


def test_rebinding_makes_new_values():
    fn = lower_function(straight_line)
    hints = [v.hint for op in walk_ops(fn.body) for v in op.outputs]
    assert hints.count("a") == 2   # `a` assigned twice: two values, both named a


# ---- what the function reads from outside ----------------------------------------------------

SCALE = 2.0


def scale_then(step):
    def f(x):
        return step(x) * SCALE * math.pi + step(x)
    return f


def half(t):
    return 0.5 * t


def test_numbers_read_from_outside_are_parameters_after_the_users():
    lowered = lower(scale_then(half))
    fn = lowered.function
    assert fn.param_names == ["x", "SCALE", "pi"]
    assert [read.name for read in lowered.inputs] == ["SCALE", "pi"]
    consts = [op.params["value"] for op in walk_ops(fn.body) if op.prim == "const"]
    assert consts == [0.5, 0.5]  # half's own literal, once per inlined call
    guarded = {read.name: obj for read, obj in lowered.guards.items()}
    assert guarded == {"step": half, "math": math}  # `step` read once, guarded once


def test_a_lowering_is_valid_while_its_guards_find_the_same_objects(monkeypatch):
    lowered = lower(scale_then(half))
    assert lowered.valid_for(scale_then(half))       # another closure: the same reads
    assert not lowered.valid_for(scale_then(abs))    # its cell holds another function
    monkeypatch.setattr(THIS, "SCALE", 3.0)
    assert lowered.valid_for(scale_then(half))       # an input may change
    monkeypatch.setattr(THIS, "SCALE", "text")
    assert not lowered.valid_for(scale_then(half))   # ... but stays a number


def test_a_staged_transform_passes_on_what_its_function_reads():
    lowered = lower(stages_the_gradient_of_a_closure)
    (apply,) = [op for op in walk_ops(lowered.function.body) if op.prim == "apply"]
    assert apply.inputs[1:] == lowered.function.params[1:]  # after x: the callee's `a`
    assert [read.name for read in lowered.inputs] == ["a"]
    assert STAGED in lowered.guards.values()


def square_times(a):
    def g(t):
        return a * t * t
    return g


STAGED = square_times(1.5)


def stages_the_gradient_of_a_closure(x):
    return ad.grad(STAGED)(x) * x


# ---- the shape of control flow ----------------------------------------------------------

@pytest.mark.parametrize("fn, conds, loops", [
    (straight_line, 0, 0),
    (one_if, 1, 0),
    (elif_chain, 3, 0),
    (if_without_else, 1, 0),
    (conditional_expression, 1, 0),
    (early_return, 1, 0),
    (one_for, 0, 1),
    (one_while, 0, 1),
    (nested_loops, 0, 2),
    (branch_in_loop, 1, 1),
    (loop_in_branch, 1, 1),
    (calls_looping_helper, 0, 2),
], ids=lambda v: getattr(v, "__name__", str(v)))
def test_cond_and_loop_counts(fn, conds, loops):
    counts = prims(fn)
    assert (counts["cond"], counts["loop"]) == (conds, loops), counts


def test_break_becomes_the_exit_condition():
    fn = ad.primal(loop_with_break).ir.function
    loops = [op for op in walk_ops(fn.body) if op.prim == "loop"]
    assert len(loops) == 1
    assert loops[0].params["kind"] == "range"
    body = loops[0].regions[-1]
    exit_value = body.results[-1]
    # the exit flag is computed in the body (from `s > 5.0`), not a constant False
    producers = {id(v): op for op in body.ops for v in op.outputs}
    assert producers[id(exit_value)].prim == "gt"


def test_while_loop_has_a_test_region():
    fn = ad.primal(one_while).ir.function
    (loop,) = [op for op in walk_ops(fn.body) if op.prim == "loop"]
    assert loop.params["kind"] == "while"
    test, body = loop.regions
    assert len(test.results) == 1
    assert len(body.results) == len(loop.outputs) + 1   # carried values, then exit


def test_loop_carries_only_what_changes():
    fn = ad.primal(one_for).ir.function
    (loop,) = [op for op in walk_ops(fn.body) if op.prim == "loop"]
    assert len(loop.outputs) == 1     # s is carried; x is read from the enclosing scope


# ---- helpers are inlined ----------------------------------------------------------------

def test_helpers_are_inlined():
    counts = prims(calls_helpers)
    assert "apply" not in counts and "call" not in counts
    assert counts["sin"] == 1
    assert_same_as_python(calls_helpers, [(0.3,), (-1.2,), (2.5,)])
    x = 0.7
    expected = (math.cos(x) * x + math.sin(x)) * 1.5 + 3.0
    assert ad.grad(calls_helpers)(x) == pytest.approx(expected, rel=1e-12)


def test_nested_helpers_are_inlined():
    assert prims(calls_nested_helpers)["mul"] >= 2
    assert_same_as_python(calls_nested_helpers, [(0.5,), (-2.0,)])
    assert ad.grad(calls_nested_helpers)(1.5) == pytest.approx(20.0 * 1.5)


def test_helper_with_a_loop_is_inlined_with_its_int_argument():
    assert_same_as_python(calls_looping_helper, [(0.5,), (-2.0,)])
    x = 1.25
    assert ad.grad(calls_looping_helper)(x) == pytest.approx(3.0 + 4.0 * x)


def recursive(x):
    if x > 1.0:
        return recursive(x / 2.0)
    return x


def test_recursion_is_refused():
    assert_points_at(refuse(recursive), recursive, "recursive(x / 2.0)", "recursive")


# ---- elif chains --------------------------------------------------------------------------

def test_elif_chain_takes_each_branch():
    assert_same_as_python(elif_chain, [(3.0,), (1.5,), (0.5,), (-0.5,)])
    grad = ad.grad(elif_chain)
    assert grad(3.0) == pytest.approx(6.0)
    assert grad(1.5) == pytest.approx(3.0)
    assert grad(0.5) == pytest.approx(1.0)
    assert grad(-0.5) == pytest.approx(-1.0)


def test_early_return_runs_the_rest_only_on_the_other_path():
    assert_same_as_python(early_return, [(2.0,), (0.5,)])
    assert ad.grad(early_return)(2.0) == pytest.approx(4.0)
    assert ad.grad(early_return)(0.5) == pytest.approx(2.0)


# ---- chained comparisons ------------------------------------------------------------------

@pytest.mark.parametrize("x", [-1.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_chained_comparison(x):
    assert ad.primal(chained)(x, 0.0, 2.0) == chained(x, 0.0, 2.0)
    expected = 2.0 * x if 0.0 < x < 2.0 else 1.0
    assert ad.grad(chained)(x, 0.0, 2.0) == pytest.approx(expected)


@pytest.mark.parametrize("x", [-0.5, 0.25, 0.5, 0.75, 1.0, 1.5])
def test_three_way_chained_comparison(x):
    assert ad.primal(chained_three)(x) == chained_three(x)


def counts_calls(t):
    return t * 1.0


def middle_once(x):
    # the middle operand of a chained comparison is evaluated once
    if 0.0 < counts_calls(x) * 2.0 < 3.0:
        return x * x
    return x


def test_chained_comparison_evaluates_the_middle_once():
    assert prims(middle_once)["mul"] <= 3   # t * 1.0, * 2.0 and x * x, not twice
    assert ad.grad(middle_once)(1.0) == pytest.approx(2.0)
    assert ad.grad(middle_once)(2.0) == pytest.approx(1.0)


# ---- and / or short-circuit ---------------------------------------------------------------

def test_and_does_not_evaluate_the_right_side_when_the_left_is_false():
    assert ad.primal(and_short_circuit)(0.0) == 0.0          # no ZeroDivisionError
    assert ad.grad(and_short_circuit)(0.0) == pytest.approx(1.0)
    assert ad.primal(and_short_circuit)(0.25) == pytest.approx(0.0625)
    assert ad.grad(and_short_circuit)(0.25) == pytest.approx(0.5)
    assert ad.grad(and_short_circuit)(1.0) == pytest.approx(1.0)


def test_or_does_not_evaluate_the_right_side_when_the_left_is_true():
    assert ad.primal(or_short_circuit)(0.0) == 0.0
    assert ad.grad(or_short_circuit)(0.0) == pytest.approx(3.0)
    assert ad.grad(or_short_circuit)(4.0) == pytest.approx(3.0)
    assert ad.grad(or_short_circuit)(1.0) == pytest.approx(1.0)


@pytest.mark.parametrize("x, y", [(1.0, 2.0), (-1.0, 2.0), (2.0, -1.0), (-2.0, -1.0),
                                  (-1.0, -2.0), (1.0, -2.0)])
def test_and_or_values(x, y):
    assert ad.primal(and_or_values)(x, y) == and_or_values(x, y)


@pytest.mark.parametrize("x", [0.5, 2.0])
def test_not(x):
    assert ad.primal(not_operator)(x) == not_operator(x)
    assert ad.grad(not_operator)(x) == pytest.approx(1.0 if x <= 1.0 else 2.0)


# ---- alternatives that are the same value ----------------------------------------------------
# Each once raised KeyError('.value') or KeyError('.return'), or kept the binding from
# before the if, because lowering merged only what differed between the two branches.

def conditional_with_equal_arms(x):
    w = x
    return (w if w < 1.0 else x) * 2.0


def nested_conditionals_with_equal_arms(x):
    return ((x if x > 0.0 else x) if x < 1.0 else x) * 2.0


def and_with_equal_operands(x):
    return (x and x) * 2.0


def or_with_equal_operands(x):
    return (x or x) * 3.0


def and_of_three_equal_operands(x):
    return (x and x and x) * 2.0


def chained_comparison_of_equal_operands(x):
    return (2.0 if x <= x <= x else 1.0) * x


def both_branches_assign_the_same_value(x):
    y = 0.0
    if x > 0.0:
        y = x
    else:
        y = x
    return y * 3.0


def both_branches_return_the_same_value(x):
    y = x * 2.0
    if x > 0.0:
        return y
    return y


@pytest.mark.parametrize("fn, slope", [
    (conditional_with_equal_arms, 2.0),
    (nested_conditionals_with_equal_arms, 2.0),
    (and_with_equal_operands, 2.0),
    (or_with_equal_operands, 3.0),
    (and_of_three_equal_operands, 2.0),
    (chained_comparison_of_equal_operands, 2.0),
    (both_branches_assign_the_same_value, 3.0),
    (both_branches_return_the_same_value, 2.0),
], ids=lambda v: getattr(v, "__name__", str(v)))
@pytest.mark.parametrize("x", [-1.5, 0.5, 2.0])
def test_alternatives_that_are_the_same_value(fn, slope, x):
    assert ad.primal(fn)(x) == fn(x) == slope * x
    assert ad.grad(fn)(x) == slope
    assert_ssa(lower_function(fn))


# ---- tuples --------------------------------------------------------------------------------

def test_swap():
    assert ad.primal(swap)(1.0, 5.0) == swap(1.0, 5.0)
    assert ad.grad(swap, argnums=(0, 1))(1.0, 5.0) == pytest.approx((-2.0, 1.0))


def test_unpacking_a_helper_result():
    x = 1.5
    assert ad.primal(unpacks_helper_result)(x) == pytest.approx(unpacks_helper_result(x))
    assert ad.grad(unpacks_helper_result)(x) == pytest.approx(4.0 * x + 2.0)


def test_tuple_variable_and_constant_index():
    assert ad.primal(tuple_variable)(2.0, 3.0) == tuple_variable(2.0, 3.0)
    assert ad.grad(tuple_variable, argnums=(0, 1))(2.0, 3.0) == pytest.approx((3.0, 3.0))


def test_negative_constant_index():
    # found by the fuzzer: `-1` is a minus applied to 1 in the syntax tree
    assert ad.primal(negative_index)(2.0, 3.0) == 4.0
    assert ad.grad(negative_index, argnums=(0, 1))(2.0, 3.0) == (2.0, 2.0)


def test_loop_carried_tuple():
    assert_same_as_python(carries_a_tuple, [(0.5,), (1.1,), (-0.3,)])


def test_tuple_return():
    assert ad.primal(returns_a_tuple)(2.0, 3.0) == (6.0, 5.0)


def test_augmented_assignment():
    assert_same_as_python(augmented, [(0.5,), (2.0,), (-1.5,)])


def unpack_mismatch(x):
    a, b = pair(x), x
    c, d, e = a
    return c + d + e + b


def test_unpacking_the_wrong_number_of_values_is_refused():
    assert_points_at(refuse(unpack_mismatch), unpack_mismatch, "c, d, e", "unpack")


# ---- names both branches bind to the same value ----------------------------------------------

def swaps_in_both_branches(a, b):
    if a > 1.0:
        a, b = b, a
    else:
        a, b = 2.0 * b, a
    return a + 10.0 * b


def same_value_in_both_arms(x):
    w = x
    return (w if w < 1.0 else x) * 2.0


def test_a_name_both_branches_bind_to_one_outer_value():
    # found by the fuzzer: after the if, `b` is `a` on either path, yet it kept its old
    # value (a wrong answer); the same cause made the conditional expression raise
    assert_same_as_python(swaps_in_both_branches, [(0.5, 3.0), (1.5, 3.0)])
    assert ad.grad(swaps_in_both_branches, argnums=(0, 1))(0.5, 3.0) == (10.0, 2.0)
    assert ad.primal(same_value_in_both_arms)(0.5) == 1.0
    assert ad.grad(same_value_in_both_arms)(3.0) == 2.0


# ---- names bound where the loop goes on ------------------------------------------------------

def bound_unless_broken(x):
    total = 0.0
    for i in range(4):
        if i == 2:
            break
        else:
            step, pair = x * i, (x, 2.0 * x)
        total = total + step + pair[1]
    return total


def bound_unless_continued_in_a_nested_if(x):
    total = 0.0
    for i in range(4):
        if x > 0.0:
            if i % 2 == 1:
                continue
            step = x * i
        else:
            step = -x
        total = total + step
    return total


@pytest.mark.parametrize("fn", [bound_unless_broken, bound_unless_continued_in_a_nested_if])
def test_a_name_bound_in_every_branch_that_goes_on(fn):
    # found by the fuzzer: Python reads `step` only where the branch that binds it ran,
    # so it is bound there; lowering said it "may be unbound"
    assert_same_as_python(fn, [(0.5,), (-1.5,), (2.0,)])
    for x in (0.5, -1.5):
        assert ad.grad(fn)(x) == pytest.approx((fn(x + 1e-6) - fn(x - 1e-6)) / 2e-6)


def product(a, b):
    return a * b


def bound_to_a_staged_grad_unless_continued(x):
    total = 0.0
    for i in range(2):
        if x > 5.0:
            slope = ad.grad(product, argnums=1)(x, x)
        else:
            continue
        total = total + slope ** 2
    return total + x


def test_a_name_bound_to_a_staged_call_unless_continued():
    # found by the fuzzer: the None the continuing branch yields made the name None-typed
    # before the staged grad was typed ("pow of none, int")
    for x in (6.0, 0.5):
        assert ad.primal(bound_to_a_staged_grad_unless_continued)(x) == \
            bound_to_a_staged_grad_unless_continued(x)
    assert ad.grad(bound_to_a_staged_grad_unless_continued)(6.0) == 25.0
    assert ad.derivative(bound_to_a_staged_grad_unless_continued, order=2)(6.0) == 4.0


def bound_in_one_branch_only(x):
    if x > 0.0:
        y = x
    return y + 1.0


def test_a_name_bound_in_one_branch_only_is_refused():
    assert_points_at(refuse(bound_in_one_branch_only), bound_in_one_branch_only,
                     "y + 1.0", "may be unbound")


# ---- errors lowering raises -----------------------------------------------------------------

def calls_gamma(x):
    y = x * 2.0
    return math.gamma(y)


def calls_qr(a):
    q = np.linalg.qr(a)
    return q * 2.0


def loops_over_a_list(x):
    s = 0.0
    for v in SOME_LIST:
        s = s + v * x
    return s


def assigned_in_one_branch(x):
    if x > 0.0:
        y = x * 2.0
    return y * 3.0


def assigned_in_one_branch_of_elif(x):
    if x > 0.0:
        y = x * 2.0
    elif x > -1.0:
        y = x
    else:
        z = x
    return y + x


def assigned_only_in_loop(x):
    for i in range(3):
        z = x * i
    return z + 1.0


def assigned_only_in_while(x):
    while x < 10.0:
        x = x * 2.0
        w = x
    return w * 1.0


def undefined_name(x):
    return x * not_defined_anywhere  # noqa: F821


def test_call_with_no_source_and_no_rule_is_refused():
    assert_points_at(refuse(calls_gamma), calls_gamma, "math.gamma(y)", "gamma", "no")


def test_numpy_function_with_no_rule_is_refused():
    err = refuse(calls_qr, np.eye(2))
    assert_points_at(err, calls_qr, "np.linalg.qr(a)", "qr")


def slices_lists_and_tuples(xs, pair):
    rest = xs[1:]
    rest.append(xs[0] * 2.0)  # a slice is a new list, the function's own
    return sum(rest) * xs[0] + sum(xs[::-1][:2]) + pair[1:][0] * pair[0] + len(xs[:-1])


def slices_a_list_by_a_run_time_bound(xs, n):
    return sum(xs[:n])


def filters_a_list_by_a_run_time_bound(xs, n):
    return sum(v for k, v in enumerate(xs) if k < n)


def test_a_list_or_tuple_of_known_length_is_sliced_while_compiling():
    xs, pair = [1.0, 2.0, 3.0], (4.0, 5.0)
    assert ad.primal(slices_lists_and_tuples)(xs, pair) == slices_lists_and_tuples(xs, pair)
    assert ad.grad(slices_lists_and_tuples, argnums=(0, 1))(xs, pair) == (
        [9.0, 2.0, 2.0], (5.0, 4.0))
    check_grads(slices_lists_and_tuples, (xs, pair), order=2)
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(slices_a_list_by_a_run_time_bound)(xs, 2)
    assert_points_at(info.value, slices_a_list_by_a_run_time_bound, "n]", "sliced by bounds")
    assert "enumerate(xs) if k < n" in info.value.hint
    assert ad.grad(filters_a_list_by_a_run_time_bound)(xs, 2) == [1.0, 1.0, 0.0]


def keeps_lambdas_in_a_list_made_in_a_loop(x):
    functions = [lambda v, k=k: v * k for k in range(3)]
    return sum(h(x) for h in functions)


def walks_functions_in_a_tuple(x):
    total = 0.0
    for h in (np.sin, lambda u: u * u):
        total = total + h(x)
    return total


def test_a_function_used_as_a_value_is_refused_with_a_hint_that_compiles():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(keeps_lambdas_in_a_list_made_in_a_loop)(3.0)
    assert_points_at(info.value, keeps_lambdas_in_a_list_made_in_a_loop, "lambda v",
                     "the function '<lambda>' defined in the body", "list made in a loop")
    assert "Local(" not in str(info.value)
    assert ad.grad(walks_functions_in_a_tuple)(0.5) == pytest.approx(np.cos(0.5) + 1.0)


def test_for_over_a_global_list_walks_its_items():
    assert ad.grad(loops_over_a_list)(2.0) == 6.0
    assert [prim for prim, _ in lowered_ops(loops_over_a_list)].count("loop") == 0


def test_name_assigned_in_one_branch_is_refused():
    assert_points_at(refuse(assigned_in_one_branch), assigned_in_one_branch,
                     "y * 3.0", "'y'", "branch")


def test_name_assigned_in_some_branches_of_an_elif_is_refused():
    assert_points_at(refuse(assigned_in_one_branch_of_elif),
                     assigned_in_one_branch_of_elif, "y + x",
                     "'y'", "branch")


def test_name_assigned_only_inside_a_for_loop_is_refused():
    assert_points_at(refuse(assigned_only_in_loop), assigned_only_in_loop,
                     "z + 1.0", "'z'", "loop")


def test_name_assigned_only_inside_a_while_loop_is_refused():
    assert_points_at(refuse(assigned_only_in_while), assigned_only_in_while,
                     "w * 1.0", "'w'", "loop")


def test_undefined_name_is_refused():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(undefined_name)(1.5)
    assert "not_defined_anywhere" in str(info.value)
    assert info.value.loc.line == inspect.getsourcelines(undefined_name)[1] + 1


def calls_numpy_polyval(x):
    return np.polyval(x, 2.0)


def test_a_numpy_function_without_a_primitive_is_refused_not_inlined():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        lower_function(calls_numpy_polyval)
    assert "numpy.polyval is not supported" in str(info.value)
    assert info.value.loc.filename == __file__
    assert "pass it in as an argument" in info.value.hint


# ---- primitives' parameters: keyword arguments, constants, methods ------------------------------

M23 = np.array([[1.5, -2.0, 0.25], [-3.0, 4.5, -0.5]])
V3 = np.array([0.5, -1.0, 2.0])


def sum_keepdims(x):
    return np.sum(x, axis=0, keepdims=True)


def sum_positional(x):
    return np.sum(x, 0)


def sum_all_positional(x):
    return np.sum(x, 1, None, None, True)


def sum_axis_by_name(x):
    ax = 1
    return np.sum(x, axis=ax)


def sum_negative_axis(x):
    return np.sum(x, axis=-1)


def sum_negative_axis_by_name(x):
    ax = -1
    return np.sum(x, axis=ax)


def sum_axes_tuple(x):
    return np.sum(x, axis=(0, -1), keepdims=True)


def sum_axes_tuple_by_name(x):
    axes = (-2, 1)
    return np.sum(x, axis=axes)


def sums_over(x, axis):
    return np.sum(x, axis=axis)


def sum_axis_through_a_helper(x):
    return sums_over(x, 0)


def dtype_and_out_at_their_defaults(x):
    return np.sum(x, 0, None, out=None)


def transpose_attribute(x):
    return x.T


def reshape_method(x):
    return x.reshape((3, 2))


def reshape_function_by_keyword(x):
    return np.reshape(x, shape=(-1,))


def sum_method(x):
    return x.sum(axis=1)


def transpose_method(x):
    return x.transpose((1, 0))


def transpose_function(x):
    return np.transpose(x)


def broadcast_function(x):
    return np.broadcast_to(x, (4, 2, 3))


def matmul_operator(x, y):
    return x @ y


def matmul_function(x, y):
    return np.matmul(x, y)


CASTS = ("as_numpy", "as_python")


def lowered_ops(fn) -> list:
    """The ops lowering makes of `fn`, with the parameters as the user wrote them;
    constants, their negations and the casts to a library's scalars left out."""
    return [(op.prim, op.params) for op in walk_ops(lower_function(fn).body)
            if op.prim not in ("const", "neg", *CASTS)]


def sines_of_each_library(x):
    return np.sin(x) + math.sin(x) + abs(x) + x.sum() + x.T


def test_each_operand_is_cast_to_the_scalars_of_the_callables_library():
    ops = [op.prim for op in walk_ops(lower_function(sines_of_each_library).body)
           if op.prim != "add"]
    assert ops == ["as_numpy", "sin", "as_python", "sin", "abs", "as_numpy", "sum",
                   "transpose"]


def typed_ops(fn, *args) -> list:
    """The ops of `fn` compiled for `args`, parameters normalized."""
    return [(op.prim, op.params) for op in walk_ops(ad.primal(fn).build_ir(
        [type_of(a) for a in args]).body) if op.prim != "const"]


@pytest.mark.parametrize("fn, lowered, typed", [
    (sum_keepdims, {"axis": 0, "keepdims": True}, {"axis": (0,), "keepdims": True}),
    (sum_positional, {"axis": 0, "keepdims": False}, {"axis": (0,), "keepdims": False}),
    (sum_all_positional, {"axis": 1, "keepdims": True}, {"axis": (1,), "keepdims": True}),
    (sum_axis_by_name, {"axis": 1, "keepdims": False}, {"axis": (1,), "keepdims": False}),
    (sum_negative_axis, {"axis": -1, "keepdims": False}, {"axis": (1,), "keepdims": False}),
    (sum_negative_axis_by_name, {"axis": -1, "keepdims": False},
     {"axis": (1,), "keepdims": False}),
    (sum_axes_tuple, {"axis": (0, -1), "keepdims": True},
     {"axis": (0, 1), "keepdims": True}),
    (sum_axes_tuple_by_name, {"axis": (-2, 1), "keepdims": False},
     {"axis": (0, 1), "keepdims": False}),
    (sum_axis_through_a_helper, {"axis": 0, "keepdims": False},
     {"axis": (0,), "keepdims": False}),
    (dtype_and_out_at_their_defaults, {"axis": 0, "keepdims": False},
     {"axis": (0,), "keepdims": False}),
    (sum_method, {"axis": 1, "keepdims": False}, {"axis": (1,), "keepdims": False}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_sum_lowers_to_one_op_with_its_parameters(fn, lowered, typed):
    assert lowered_ops(fn) == [("sum", lowered)]
    assert typed_ops(fn, M23) == [("sum", typed)]
    got = ad.primal(fn)(M23)
    assert got.shape == fn(M23).shape
    np.testing.assert_array_equal(got, fn(M23))


@pytest.mark.parametrize("fn, prim, lowered, typed", [
    (transpose_attribute, "transpose", {"axes": None}, {"axes": (1, 0)}),
    (transpose_method, "transpose", {"axes": (1, 0)}, {"axes": (1, 0)}),
    (transpose_function, "transpose", {"axes": None}, {"axes": (1, 0)}),
    (reshape_method, "reshape", {"shape": (3, 2)}, {"shape": (3, 2)}),
    (reshape_function_by_keyword, "reshape", {"shape": (-1,)}, {"shape": (6,)}),
    (broadcast_function, "broadcast_to", {"shape": (4, 2, 3)}, {"shape": (4, 2, 3)}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_shape_operations_lower_to_their_primitives(fn, prim, lowered, typed):
    assert lowered_ops(fn) == [(prim, lowered)]
    assert typed_ops(fn, M23) == [(prim, typed)]
    np.testing.assert_array_equal(ad.primal(fn)(M23), fn(M23))


@pytest.mark.parametrize("fn", [matmul_operator, matmul_function], ids=lambda f: f.__name__)
def test_matmul_lowers_to_one_op(fn):
    assert lowered_ops(fn) == [("matmul", {})]
    np.testing.assert_array_equal(ad.primal(fn)(M23, V3), M23 @ V3)


def pops_into_a_primitive(x):
    stack = []
    stack.append(x)
    stack.append(2.0 * x)
    return np.sin(stack.pop()) + 10.0 * np.sum(stack.pop(), axis=0)


def nested_primitives(x):
    return np.sum(np.sin(np.cos(np.exp(x))), axis=0)


def test_a_primitives_arguments_are_lowered_once():
    """Lowering an argument twice would pop a tape twice, and double the work at each
    level of nesting."""
    assert Counter(prim for prim, _ in lowered_ops(nested_primitives)) == \
        {"sum": 1, "sin": 1, "cos": 1, "exp": 1}
    counts = Counter(prim for prim, _ in lowered_ops(pops_into_a_primitive))
    assert counts["pop"] == 2 and counts["push"] == 2
    assert ad.primal(pops_into_a_primitive)(V3) == pytest.approx(pops_into_a_primitive(V3))


# ---- errors in a primitive's arguments, each with a hint that works ------------------------------

def axis_known_only_at_run_time(x, n):
    return np.sum(x, axis=n - 1)


def axis_known_while_compiling(x, n):
    return np.sum(x, axis=1)


def shape_known_only_at_run_time(x, n):
    return np.reshape(x, (n, -1))


def shape_known_while_compiling(x, n):
    return np.reshape(x, (3, -1))


def unknown_keyword(x):
    return np.sum(x, axes=0)


def repeated_argument(x):
    return np.sum(x, 0, axis=0)


def one_axis(x):
    return np.sum(x, axis=0)


def missing_shape(x):
    return np.reshape(x)


def shape_as_a_tuple(x):
    return np.reshape(x, (3, 2))


def with_dtype(x):
    return np.sum(x, dtype=np.float32)


def into_out(x):
    return np.sum(x, out=np.empty(3))


def without_dtype_or_out(x):
    return np.sum(x)


def shape_as_numbers(x):
    return np.reshape(x, 3, 2)


def method_shape_as_numbers(x):
    return x.reshape(3, 2).sum()


def method_shape_as_a_tuple(x):
    return x.reshape((3, 2)).sum()


def method_axes_as_numbers(x):
    return x.transpose(1, 0).sum(axis=0)


def method_axes_as_a_tuple(x):
    return x.transpose((1, 0)).sum(axis=0)


def unsupported_method(x):
    return x.argsort()


@pytest.mark.parametrize("refused, snippet, words, rewrite", [
    (axis_known_only_at_run_time, "n - 1", ["axis=", "known while compiling"],
     axis_known_while_compiling),
    (shape_known_only_at_run_time, "n, -1", ["shape=", "known while compiling"],
     shape_known_while_compiling),
    (unknown_keyword, "0)", ["numpy.sum", "no parameter", "'axes'"], one_axis),
    (repeated_argument, "0)", ["numpy.sum", "repeats", "'axis'"], one_axis),
    (missing_shape, "np.reshape(x)", ["numpy.reshape", "needs", "'shape'"],
     shape_as_a_tuple),
    (with_dtype, "np.float32", ["dtype=", "not supported"], without_dtype_or_out),
    (into_out, "np.empty(3)", ["out=", "not supported"], without_dtype_or_out),
    (shape_as_numbers, "np.reshape", ["numpy.reshape", "at most 2"], shape_as_a_tuple),
], ids=lambda v: getattr(v, "__name__", ""))
def test_a_refused_argument_is_located_and_its_hint_works(refused, snippet, words, rewrite):
    """`rewrite` is `refused` rewritten as the hint says."""
    args = (M23, 2)[:refused.__code__.co_argcount]
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.primal(refused)(*args)
    assert_points_at(info.value, refused, snippet, *words)
    np.testing.assert_array_equal(ad.primal(rewrite)(*args), rewrite(*args))


@pytest.mark.parametrize("as_numbers, as_a_tuple", [
    (method_shape_as_numbers, method_shape_as_a_tuple),
    (method_axes_as_numbers, method_axes_as_a_tuple)])
def test_a_methods_shape_or_axes_may_be_separate_numbers(as_numbers, as_a_tuple):
    """As NumPy's methods take them: x.reshape(3, 2) is x.reshape((3, 2))."""
    assert lowered_ops(as_numbers) == lowered_ops(as_a_tuple)
    np.testing.assert_array_equal(ad.primal(as_numbers)(M23), as_numbers(M23))


def test_an_unsupported_method_is_located_and_the_hint_names_methods_that_work():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.primal(unsupported_method)(M23)
    assert_points_at(info.value, unsupported_method, "x.argsort", ".argsort()",
                     "not supported")
    named = re.findall(r"\.(\w+)\(\)", info.value.hint)
    assert named == list(METHODS)
    np.testing.assert_array_equal(ad.primal(calls_the_hinted_methods)(M23),
                                  calls_the_hinted_methods(M23))


@dataclasses.dataclass
class DataclassParams:
    a: float


class NamedParams(typing.NamedTuple):
    a: float


def reads_a_field(p):
    return p.a * p.a


def test_reading_a_field_of_an_object_argument_says_what_arguments_may_be():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(reads_a_field)(DataclassParams(3.0))
    assert_points_at(info.value, reads_a_field, "p.a", ".a", "NamedTuples", "dataclass")
    assert "typing.NamedTuple" in info.value.hint
    assert ad.grad(reads_a_field)(NamedParams(3.0)) == NamedParams(6.0)


def calls_the_hinted_methods(x):
    return x.sum(axis=0) + x.transpose().reshape((3, 2)).sum(axis=1)


# ---- functions defined in the body ---------------------------------------------------

def nested_helpers(x, y):
    def square_plus_y(u, scale=2.0):
        return scale * u * u + y
    sine_times_x = lambda v: np.sin(v) * x  # noqa: E731
    return square_plus_y(x) + sine_times_x(y) + square_plus_y(y, scale=3.0)


def late_binding(x):
    a = 1.0
    def times_a(u):
        return u * a
    a = 3.0
    return times_a(x)


def default_at_definition(x):
    a = 2.0
    def times(u, factor=a):
        return u * factor
    a = 5.0
    return times(x)


def apply_twice(f, x):
    return f(f(x))


def passes_a_local_function(x):
    c = 0.5
    return apply_twice(lambda u: u * u + c, x)


def recursive_local(x):
    def down(u):
        return down(u)
    return down(x)


def keyword_only(x, *, power=3):
    return x ** power


def test_functions_defined_in_the_body_are_inlined():
    assert ad.grad(nested_helpers, argnums=(0, 1))(1.0, 2.0) == pytest.approx(
        (4.0 + np.sin(2.0), 1.0 + np.cos(2.0) + 12.0 + 1.0))
    ad.testing.check_grads(nested_helpers, (1.0, 2.0), order=2)
    assert ad.grad(nested_helpers).source.count("def ") == 1


def test_a_nested_function_sees_the_names_around_it_as_they_are_when_called():
    assert ad.grad(late_binding)(2.0) == 3.0 == late_binding(1.0)
    assert ad.grad(default_at_definition)(2.0) == 2.0


def test_a_lambda_passed_to_a_helper_is_called_there():
    assert ad.primal(passes_a_local_function)(2.0) == passes_a_local_function(2.0)
    assert ad.grad(passes_a_local_function)(2.0) == pytest.approx(2 * 4.5 * 2 * 2.0)


def test_a_recursive_nested_function_is_refused():
    with pytest.raises(ad.UnsupportedSyntaxError, match="recursive call to 'down'") as info:
        ad.grad(recursive_local)(1.0)
    assert info.value.loc.line == line_of(recursive_local, "return down(u)")[0]


def test_keyword_only_parameters_with_defaults():
    assert ad.grad(keyword_only)(2.0) == 12.0
    assert ad.grad(keyword_only)(2.0, power=2) == 4.0

# ---- indexing, the facts of a type, loops over arrays, writes ------------------------------
V4 = np.array([0.5, -1.0, 2.0, 1.5])


def reads_elements(x, i):
    return x[1:, None, ...][::-1, 0] * x[i, -1] + x[[0, 0]]


def reads_shape_facts(x):
    n, m = x.shape
    return len(x) + x.shape[-1] + x.ndim + x.size + n * m


def loops_over_rows(x):
    total = 0.0
    for row in x:
        total = total + row
    return total


def out_of_bounds(x):
    return x[0] + x[4]


def masked_by_data(x):
    return np.sum(x[x > 0])


def slice_bound_at_run_time(x):
    n = int(x[0])
    return np.sum(x[:n - 1])


def reads_dtype(x):
    return x.dtype


def writes_into_an_argument(x):
    x[0] = 1.0
    return np.sum(x)


def writes_into_a_view(x):
    y = x.copy()
    row = y[0]
    row[1] = 2.0
    return np.sum(y)


def test_indices_lower_to_one_index_op_each_with_the_structure_as_a_parameter():
    assert [(prim, params) for prim, params in lowered_ops(reads_elements)
            if prim == "index"] == [
        ("index", {"index": (Slice(1, None, None), None, Ellipsis)}),
        ("index", {"index": (Slice(None, None, -1), 0)}),
        ("index", {"index": (OPERAND, -1)}), ("index", {"index": ((0, 0),)})]
    m = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(ad.primal(reads_elements)(m, 2), reads_elements(m, 2))


# ---- slices of run-time start and fixed length ---------------------------------------------
def moving_sums(x):
    out = np.zeros(len(x) - 2)
    for i in range(len(x) - 2):
        out[i] = np.sum(x[i:i + 3])
    return np.sum(out ** 2)


def squares_of_pairs(x):
    n = len(x) // 2
    out = np.zeros((n, 2))
    for i in range(n):
        out[i, :] = x[2 * i:2 * i + 2] ** 2
    return np.sum(out)


def sets_windows(x):
    out = np.zeros(len(x) + 1)
    for i in range(len(x) - 1):
        out[i:i + 2] = x[i:i + 2] * x[i]
    return np.sum(out ** 2)


def adds_windows(x):
    out = np.zeros(len(x) + 1)
    for i in range(len(x) - 2):
        out[i:i + 2] += np.sin(x[i + 1:i + 3]) * x[i]
    return np.sum(out ** 2)


def products_while(x):
    total = 0.0
    i = 0
    while i + 3 <= len(x):
        total = total + np.prod(x[i:i + 3])
        i = i + 2
    return total


def row_windows(X):
    total = 0.0
    for i in range(X.shape[0] - 1):
        total = total + np.sum(X[i:i + 2, :] ** 2) * X[i, 0]
    return total


def column_windows(X):
    out = np.zeros((X.shape[0], X.shape[1] + 1))
    for j in range(X.shape[1] - 1):
        out[:, j:j + 2] += np.cos(X[:, j:j + 2]) * np.sum(X[..., j:j + 2] ** 2)
    return np.sum(out ** 2)


def windows_of_a_length_from_the_shape(x):
    k = len(x) // 4
    total = 0.0
    for i in range(2, len(x) - k - 1):
        total = total + np.sum(x[i - 2:i - 2 + k] ** 2) * x[i - 1] + np.sum(x[i - 2:i + 3:2])
    return total


def window_at(x, k):
    return np.sum(x[k:k + 3] ** 2)


def window_of_unrelated_bounds(x, j):
    return np.sum(x[1:j])


def window_of_a_length_from_data(x, k):
    n = np.argmax(x)
    return np.sum(x[k:k + n])


WINDOWS = [moving_sums, squares_of_pairs, sets_windows, adds_windows, products_while,
           row_windows, column_windows, windows_of_a_length_from_the_shape]


def test_a_slice_of_run_time_start_and_fixed_length_lowers_to_a_window():
    windows = [params["index"] for prim, params in lowered_ops(moving_sums) +
               lowered_ops(squares_of_pairs) + lowered_ops(column_windows)
               if prim in ("index", "index_update") and any(
                   isinstance(entry, Window) for entry in params["index"])]
    assert windows == [(Window(3),), (Window(2),), (Slice(), Window(2)),  # out[:, j:j + 2] +=
                       (Slice(), Window(2)), (Ellipsis, Window(2)), (Slice(), Window(2))]
    compiled = ad.primal(window_at)
    compiled(np.ones(4), 1)
    assert Counter(op.prim for op in walk_ops(compiled.ir.function.body))["check_window"] == 1


@pytest.mark.parametrize("fn", WINDOWS)
def test_windows_read_and_written_in_loops_have_exact_derivatives(fn):
    x = np.linspace(0.2, 1.3, 12).reshape(3, 4) if "X" in inspect.signature(fn).parameters \
        else np.linspace(0.2, 1.3, 9)
    np.testing.assert_allclose(ad.primal(fn)(x), fn(x), rtol=1e-14)
    check_grads(fn, (x,), order=2)


def test_a_window_reaching_outside_its_axis_raises_where_numpy_would_shorten_it():
    x = np.linspace(0.2, 1.3, 8)
    assert len(x[6:6 + 3]) == 2 and len(x[-1:-1 + 3]) == 0  # NumPy's slices
    np.testing.assert_allclose(ad.grad(window_at)(x, 5), [0] * 5 + list(2 * x[5:]))
    for compiled in (ad.primal(window_at), ad.grad(window_at)):
        for k in (6, -1, 100):
            with pytest.raises(IndexError, match=re.escape(
                    f"x[k:k + 3] with k = {k} reads outside an axis of 8: adcompile "
                    "compiles slices of a fixed length")):
                compiled(x, k)


def test_a_slice_whose_length_depends_on_data_is_refused_with_the_fixed_length_form():
    x = np.linspace(0.2, 1.3, 8)
    for fn, snippet in ((window_of_unrelated_bounds, "j]"), (window_of_a_length_from_data,
                                                            "k:k + n")):
        with pytest.raises(ad.UnsupportedSyntaxError) as info:
            ad.grad(fn)(x, 3)
        assert_points_at(info.value, fn, snippet, "known while compiling")
        assert "x[k:k + 3]" in info.value.hint or "x[i:i + 3]" in info.value.hint
    with pytest.raises(ad.ShapeError, match="does not fit in axis 0 of size 8"):
        ad.primal(lambda x, k: x[k:k + 9])(x, 0)


def test_the_facts_of_a_type_are_constants_once_typed():
    primal = ad.primal(reads_shape_facts)
    assert primal(np.zeros((3, 2))) == 3 + 2 + 2 + 6 + 6
    assert {op.prim for op in walk_ops(primal.ir.function.body)} == {"const"}


def test_a_loop_over_an_array_walks_its_first_axis():
    m = np.arange(6.0).reshape(3, 2)
    primal = ad.primal(loops_over_rows)
    np.testing.assert_array_equal(primal(m), m.sum(axis=0))
    assert "for i in range(3):\n        row = x[i]" in primal.source


@pytest.mark.parametrize("fn, error, snippet, words", [
    (out_of_bounds, ad.ShapeError, "x[4]", ("index 4 is out of bounds", "size 4", "(4,)")),
    (masked_by_data, ad.ShapeError, "x[x > 0]", ("boolean mask", "np.where")),
    (slice_bound_at_run_time, ad.UnsupportedSyntaxError, "n - 1", ("slice",)),
    (reads_dtype, ad.UnsupportedSyntaxError, "x.dtype", (".dtype",)),
    (writes_into_an_argument, ad.UnsupportedSyntaxError, "x[0]", ("argument",)),
    (writes_into_a_view, ad.UnsupportedSyntaxError, "row[1]", ("view",)),
])
def test_bad_indices_are_located(fn, error, snippet, words):
    with pytest.raises(error) as info:
        ad.grad(fn)(V4)
    line, text = line_of(fn, snippet)
    assert (info.value.loc.line, info.value.loc.col) == (line, text.index(snippet))
    for word in words:
        assert word in str(info.value)


def writes_into_fresh_arrays(x):
    column_sums = np.sum(x.reshape(2, 2) * 1.5, axis=0)
    column_sums[0] = 3.0 * column_sums[1]
    waves = np.sin(x)
    waves[1] = 0.5
    flat = x.flatten()
    flat[0] = 2.0 * flat[1]
    kept = np.where(x > 0, x, 0.0)
    kept[0] = 1.0
    product = np.outer(x, x)
    product[0, 0] = x[1]
    cumulative = np.cumsum(x)
    cumulative[-1] = 0.0
    return np.sum(column_sums ** 2) + np.sum(waves ** 2) + np.sum(flat ** 3) + \
        np.sum(kept * x) + np.sum(product ** 2) + np.sum(cumulative ** 2)


def test_what_numpy_returns_fresh_may_be_written_into():
    check_grads(writes_into_fresh_arrays, (V4,), order=2)


def writes_into_a_transpose(x):
    y = x.reshape(2, 2).T
    y[0, 1] = 1.0
    return np.sum(y)


def writes_into_a_slice(x):
    tail = x[1:]
    tail[0] = 1.0
    return np.sum(tail)


def writes_into_a_shared_array(x):
    y = x * 2
    z = y
    y[0] = 1.0
    return np.sum(z)


@pytest.mark.parametrize("fn, snippet, words", [
    (writes_into_a_transpose, "y[0, 1]", ("'y' may be a view of", "transpose",
                                         "would change")),
    (writes_into_a_slice, "tail[0]", ("'tail' may be a view of 'x'", "would change 'x' too")),
    (writes_into_an_argument, "x[0]", ("'x' is an argument", "the caller's array")),
    (writes_into_a_shared_array, "y[0]", ("'y' is also held by 'z'",)),
])
def test_writes_that_would_change_another_array_say_which(fn, snippet, words):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(V4)
    line, text = line_of(fn, snippet)
    assert (info.value.loc.line, info.value.loc.col) == (line, text.index(snippet))
    for word in (*words, "y = x.copy()"):
        assert word in str(info.value)


SUM_OPTIONS = {"axis": 0}


def unpacks_keywords(x):
    return np.sum(x, **SUM_OPTIONS)


def einsum_of_nothing(x):
    return np.einsum("ij->")


def test_keyword_unpacking_works_and_an_einsum_without_operands_is_located(monkeypatch):
    np.testing.assert_array_equal(ad.primal(unpacks_keywords)(M23), M23.sum(axis=0))
    monkeypatch.setitem(SUM_OPTIONS, "axis", 1)  # a parameter read again: compiled again
    np.testing.assert_array_equal(ad.primal(unpacks_keywords)(M23), M23.sum(axis=1))
    with pytest.raises(ad.UnsupportedSyntaxError, match="at least one operand"):
        ad.primal(einsum_of_nothing)(M23)


def einsum_and_norm_parameters(a, b):
    return np.einsum("ij,kj", a, b) * np.linalg.norm(a, "fro") + np.linalg.norm(b, -np.inf)


def test_string_and_infinite_parameters_lower_as_written():
    np.testing.assert_allclose(ad.primal(einsum_and_norm_parameters)(M23, M23 + 1),
                               einsum_and_norm_parameters(M23, M23 + 1), rtol=1e-15)


def clips_both_sides(x, low, high):
    return np.clip(x, low, high)


def clips_above(x, high):
    return np.clip(x, None, high)


def clips_below(x, low):
    return np.clip(x, a_min=low, a_max=None)


def clips_nothing(x):
    return np.clip(x, None, None)


def unpacks_slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return sign * logabsdet


def indexes_eigh(a):
    return np.linalg.eigh(a)[1]


def rounds(x):
    return np.round(x, 2) + np.argmax(x, axis=-1) + np.argmin(x)


@pytest.mark.parametrize("fn, lowered", [
    (clips_both_sides, [("clip", {})]),
    (clips_above, [("minimum", {})]),
    (clips_below, [("maximum", {})]),
    (clips_nothing, []),
    (unpacks_slogdet, [("slogdet_sign", {}), ("slogdet_logabsdet", {}), ("mul", {})]),
    (indexes_eigh, [("eigh_values", {}), ("eigh_vectors", {})]),
    (rounds, [("round", {"decimals": 2}), ("argmax", {"axis": -1, "keepdims": False}),
              ("add", {}), ("argmin", {"axis": None, "keepdims": False}), ("add", {})]),
])
def test_a_none_bound_or_a_pair_of_results_lowers_to_the_primitives_computed(fn, lowered):
    """np.clip without a bound is the one-sided primitive; a callable returning a pair
    is a primitive per element, and the one code reads is the one computed."""
    assert lowered_ops(fn) == lowered


def test_an_unused_element_of_a_pair_is_not_computed():
    compiled = ad.primal(indexes_eigh)
    compiled(np.eye(2))
    assert "return np.linalg.eigh(a)[1]\n" in compiled.source
    assert "[0]" not in compiled.source


# ---- containers: parameters bound to structures, dict items, fields, dict literals ----

class Point(typing.NamedTuple):
    x: object
    y: object


def reads_containers(p, pair, items):
    a, b = pair
    first, second = items
    moved = {"x": p.x + a, "y": p[1] * b}
    return {"sum": moved["x"] + moved["y"] * len(items), "parts": (first, second)}


def test_a_container_parameter_is_bound_to_the_same_structure_of_leaf_parameters():
    from adcompile.arguments import flatten_arguments
    args = (Point(1.0, 2.0), (3.0, 4.0), [5.0, 6.0])
    _, trees = flatten_arguments(list(args))
    lowered = lower(reads_containers, trees)
    assert lowered.function.param_names == ["p_x", "p_y", "pair_0", "pair_1", "items_0",
                                            "items_1"]
    assert str(lowered.result_tree) == "{'parts': (*, *), 'sum': *}"
    assert_ssa(lowered.function)
    assert ad.primal(reads_containers)(*args) == reads_containers(*args)


def missing_key(p):
    return p["z"]


def missing_field(p):
    return p.z


def computed_key(p, k):
    return p[k]


def container_as_number(p):
    return p * 2.0


def structure_by_branch(p, x):
    q = {"a": x} if x > 0 else {"b": x}
    return q


@pytest.mark.parametrize("fn, arg, snippet, words", [
    (missing_key, {"x": 1.0}, '"z"', ["its keys: 'x'"]),
    (missing_field, Point(1.0, 2.0), "p.z", ["Point has no field .z"]),
    (container_as_number, (1.0, 2.0), "p * 2.0", ["a tuple is repeated by an int"]),
])
def test_misused_containers_are_refused_at_their_line(fn, arg, snippet, words):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(arg)
    assert_points_at(info.value, fn, snippet, *words)


def test_a_dict_key_computed_at_run_time_and_structures_that_differ_by_branch_are_refused():
    with pytest.raises(ad.UnsupportedSyntaxError, match="key must be .* known while compiling"):
        ad.grad(computed_key)({"x": 1.0}, 1.0)
    with pytest.raises(ad.UnsupportedSyntaxError, match="different structures"):
        ad.primal(structure_by_branch)(1.0, 2.0)


# ---- dicts the function makes and walks --------------------------------------------------
# Each form is compared with what Python computes (a dict's keys are known while compiling,
# so the compiled code must give Python's answer) and checked to second order in both modes.

def sets_new_keys(x):
    d = {}
    d["a"] = x
    d["b"] = x ** 2
    return d["a"] * d["b"]


def updates_keys_in_place(x):
    d = {"a": x, 0: 2.0}
    d["a"] += x * x
    d[0] *= x
    d["a"] = d["a"] * d[0]
    return d["a"]


def keys_bound_to_names(x):
    key, other = "w", 1
    d = {key: x}
    d[other] = np.sin(x)
    d[key] -= d[1]
    return d["w"] * d[other]


def sets_keys_in_a_walk(x):
    d = {}
    for k in ("u", "v"):
        d[k] = x * 3.0 if k == "u" else x ** 3
    for k in d:
        d[k] = d[k] * x
    return d["u"] + d["v"]


def sets_keys_on_both_branches(x):
    d = {"a": x}
    if x > 1.0:
        d["a"] = x * 3.0
        d["b"] = x
    else:
        d["b"] = 2.0 * x
    d["a"] += d["b"]
    return d["a"] * d["b"]


def carries_a_dict_through_a_loop(x):
    d = {"a": x, "b": 1.0}
    for _ in range(3):
        d["b"] = d["b"] * d["a"]
    d["c"] = d["b"] + 1.0
    return d["c"]


def copies_and_extends_an_argument(p):
    q = dict(p)
    q["a"] = q["a"] * 3.0
    r = {**q, "c": p["a"] * p["b"]}
    s = p.copy()
    s["b"] += 1.0
    t = dict(q, b=s["b"])
    return q["a"] + r["c"] + p["a"] + t["b"] * t["a"]


def reads_with_methods(p):
    total = sum(v ** 2 for v in p.values()) + len(p) * p.get("a") + p.get("z", 0.5)
    for k, v in p.items():
        total = total + v * (2.0 if "b" in p else 1.0) * (k == "a")
    keys = list(p.keys())
    return total * p[keys[1]] + ("z" not in p)


def builds_by_comprehension(p):
    doubled = {k: v * 2.0 for k, v in p.items()}
    chosen = {k: doubled[k] * p[k] for k in p if k != "b"}
    return sum(doubled.values()) * chosen["a"]


def scales_by_keyword_options(x, **opts):
    return x * opts.get("m", 1.0) + opts.get("shift", 0.0) * len(opts)


def make_pair(x):
    return {"a": x}, [x]


def edits_what_a_helper_made(x):
    d, xs = make_pair(x)
    d["b"] = x * 2.0
    xs.append(d["b"])
    return d["a"] * xs[1]


def carries_a_dict_through_a_while(x):
    d = {"a": x, "n": 0.0}
    while d["n"] < 3.0:
        d["a"] = d["a"] * x
        d["n"] += 1.0
    return d["a"]


def breaks_out_of_a_walk_over_items(x):
    d = {"a": x, "b": 2.0, "c": 3.0}
    total = 0.0
    for k, v in d.items():
        if v > 2.5:
            break
        total = total + v * x
    return total


def makes_a_dict_on_each_branch(x):
    if x > 0.0:
        d = {"a": x}
    else:
        d = {"a": -x}
    d["b"] = d["a"] * 2.0
    return d["b"] * (d.get("z") is None)


P = {"a": 1.5, "b": -0.5}


@pytest.mark.parametrize("fn, args", [
    (sets_new_keys, (1.5,)),
    (updates_keys_in_place, (1.5,)),
    (keys_bound_to_names, (0.7,)),
    (sets_keys_in_a_walk, (1.5,)),
    (sets_keys_on_both_branches, (1.5,)),
    (sets_keys_on_both_branches, (0.5,)),
    (carries_a_dict_through_a_loop, (1.5,)),
    (copies_and_extends_an_argument, (P,)),
    (reads_with_methods, (P,)),
    (builds_by_comprehension, (P,)),
    (scales_by_keyword_options, (1.5,)),
    (edits_what_a_helper_made, (1.5,)),
    (carries_a_dict_through_a_while, (1.5,)),
    (breaks_out_of_a_walk_over_items, (1.5,)),
    (breaks_out_of_a_walk_over_items, (3.0,)),
    (makes_a_dict_on_each_branch, (-1.5,)),
])
def test_dicts_the_function_makes_give_python_s_values_and_derivatives(fn, args):
    assert ad.primal(fn)(*args) == pytest.approx(fn(*args), rel=1e-12)
    check_grads(fn, args, order=2)


def test_dict_derivatives_are_exact():
    assert ad.grad(sets_new_keys)(1.5) == pytest.approx(3 * 1.5 ** 2)
    # 2 (x + x^2) x -> 2 (2x + 3x^2)
    assert ad.grad(updates_keys_in_place)(1.5) == pytest.approx(2 * (3.0 + 3 * 2.25))
    assert ad.grad(carries_a_dict_through_a_loop)(1.5) == pytest.approx(3 * 1.5 ** 2)
    grads = ad.grad(builds_by_comprehension)({"a": 1.0, "b": 2.0})
    # (2a + 2b) 2a^2 -> d/da = 12a^2 + 8ab, d/db = 4a^2
    assert grads == {"a": pytest.approx(28.0), "b": pytest.approx(4.0)}
    assert ad.grad(scales_by_keyword_options)(1.5, m=3.0, shift=1.0) == pytest.approx(3.0)
    assert ad.primal(scales_by_keyword_options)(1.5, m=3.0, shift=1.0) == \
        pytest.approx(4.5 + 2.0)


def test_a_dict_keeps_python_s_key_order_where_paths_join():
    def walks_after_an_if(x):
        d = {"b": x, "a": 2.0 * x}
        if x > 0.0:
            d["b"] = x * x
        return np.array(list(d.values()))
    assert ad.primal(walks_after_an_if)(3.0).tolist() == [9.0, 6.0]


def adds_a_key_in_one_branch(x):
    d = {"a": x}
    if x > 0.0:
        d["b"] = x
    return d["a"] * 2.0


def sets_the_key_before_the_if(x):
    d = {"a": x, "b": 0.0}
    if x > 0.0:
        d["b"] = x
    return d["a"] * 2.0


def adds_a_key_in_a_loop(x):
    d = {"a": x}
    for i in range(3):
        d["b"] = d["a"] * i
    return d["a"]


def sets_the_key_before_the_loop(x):
    d = {"a": x, "b": 0.0}
    for i in range(3):
        d["b"] = d["a"] * i
    return d["a"]


def keys_computed_at_run_time(x):
    d = {}
    for i in range(3):
        d[i] = x * i
    return d[2]


def a_list_instead(x):
    ys = [0.0] * 3
    for i in range(3):
        ys[i] = x * i
    return ys[2]


def writes_into_an_argument(p):
    p["a"] = p["a"] * 2.0
    return p["a"]


def writes_into_a_copy(p):
    p = dict(p)
    p["a"] = p["a"] * 2.0
    return p["a"]


def writes_through_an_alias(x):
    d = {"a": x}
    e = d
    e["a"] = 1.0
    return d["a"] * x


def writes_into_a_copied_alias(x):
    d = {"a": x}
    e = d
    e = dict(e)
    e["a"] = 1.0
    return d["a"] * x


def writes_after_an_if_that_may_alias(x):
    d = {"a": x}
    if x > 0.0:
        e = d
    else:
        e = {"a": 2.0 * x}
    d["a"] = 5.0
    return e["a"]


def copies_before_writing_after_an_if(x):
    d = {"a": x}
    if x > 0.0:
        e = d
    else:
        e = {"a": 2.0 * x}
    d = dict(d)
    d["a"] = 5.0
    return e["a"]


def aliases_in_a_loop(x):
    d = {"a": x}
    e = {"a": 0.0}
    for _ in range(2):
        e = d
    d["a"] = 5.0
    return e["a"]


def copies_after_a_loop_that_aliases(x):
    d = {"a": x}
    e = {"a": 0.0}
    for _ in range(2):
        e = d
    d = dict(d)
    d["a"] = 5.0
    return e["a"]


def rebinds_to_an_argument_in_a_loop(x, p):
    d = {"a": x}
    for _ in range(2):
        d["a"] = d["a"] * x
        d = p
    return d["a"]


def adds_keys_in_two_orders(x):
    d = {}
    if x > 0.0:
        d["a"], d["b"] = x, 2.0
    else:
        d["b"], d["a"] = 2.0, x
    return d["a"]


def writes_into_a_dict_a_dict_holds(x):
    q = {"w": {"a": x}}
    q["w"]["a"] = 1.0
    return q["w"]["a"]


def takes_out_changes_and_puts_back(x):
    q = {"w": {"a": x}}
    w = dict(q["w"])
    w["a"] = 1.0
    q["w"] = w
    return q["w"]["a"] * x


def adds_keys_while_walking(x):
    d = {"a": x}
    for k in d:
        d["b"] = d[k] * 2.0
    return d["b"]


def walks_a_copy_of_the_keys(x):
    d = {"a": x}
    for k in list(d):
        d["b"] = d[k] * 2.0
    return d["b"]


def updates_a_dict(p):
    q = dict(p)
    q.update(a=1.0)
    return q["a"]


@pytest.mark.parametrize("fn, args, snippet, words, hint, instead", [
    (adds_a_key_in_one_branch, (1.0,), "x > 0.0", ["'b' on one path"],
     "set d['b'] before the if", sets_the_key_before_the_if),
    (adds_a_key_in_a_loop, (1.0,), "for i", ["'b' on one path"],
     "set d['b'] before the loop", sets_the_key_before_the_loop),
    (keys_computed_at_run_time, (1.0,), "i] =", ["known while compiling"],
     "use a list or an array", a_list_instead),
    (writes_into_an_argument, ({"a": 1.0},), 'p["a"] =', ["caller's data"],
     "p = dict(p)", writes_into_a_copy),
    (writes_through_an_alias, (1.0,), 'e["a"] =', ["another name holds"],
     "e = dict(e)", writes_into_a_copied_alias),
    (writes_after_an_if_that_may_alias, (1.0,), 'd["a"] = 5', ["another name's"],
     "d = dict(d)", copies_before_writing_after_an_if),
    (aliases_in_a_loop, (1.0,), 'd["a"] = 5', ["another name's"], "d = dict(d)",
     copies_after_a_loop_that_aliases),
    (adds_keys_in_two_orders, (1.0,), "x > 0.0", ["different orders"],
     "add its keys in one order", None),
    (writes_into_a_dict_a_dict_holds, (1.0,), 'q["w"]["a"] =', ["what a dict holds"],
     "w = dict(q['w'])", takes_out_changes_and_puts_back),
    (adds_keys_while_walking, (1.0,), "d:", ["raises RuntimeError in Python"],
     "for k in list(d):", walks_a_copy_of_the_keys),
    (updates_a_dict, ({"a": 1.0},), "q.update", ["not supported"], "{**d, 'k': v}",
     copies_and_extends_an_argument),
])
def test_dict_writes_python_would_not_match_are_refused_with_a_hint_that_compiles(
        fn, args, snippet, words, hint, instead):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(*args)
    assert_points_at(info.value, fn, snippet, *words)
    assert hint in info.value.hint
    if instead is not None:  # what the hint says compiles and gives Python's answer
        point = (P,) if instead is copies_and_extends_an_argument else args
        assert ad.primal(instead)(*point) == pytest.approx(instead(*point))


def test_a_dict_rebound_in_a_loop_to_one_it_did_not_make_is_refused():
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(rebinds_to_an_argument_in_a_loop)(1.0, {"a": 2.0})
    assert_points_at(info.value, rebinds_to_an_argument_in_a_loop, "for _",
                     "next iteration would write into")
    assert "d = dict(...)" in info.value.hint


# ---- lists, comprehensions and loops over containers ------------------------------------
# Each form is checked to second order in both modes at a point; the forms that build a
# list in a loop are checked for an IR whose size does not grow with the data.

def appends_in_a_loop(x):
    xs = []
    for i in range(4):
        xs.append(x * i + 1.0)
    return sum(xs) * xs[-1]


def appends_in_a_while_loop(x):
    xs = []
    t = x
    while t < 5.0:
        xs.append(t * t)
        t = t + 1.0
    return sum(xs) + len(xs)


def a_list_literal(x):
    xs = [x, 2.0 * x, x * x]
    xs.append(3.0)
    xs[1] += x * x
    return xs[0] * xs[2] + xs[-1] * len(xs) + sum(xs) * xs[1]


def indexes_by_the_loop_index(x):
    ys = [v * v for v in x]
    s = 0.0
    for i in range(len(ys)):
        s = s + ys[i] * x[i]
    return s


def sums_a_generator(x):
    return sum(v * v for v in x)


def filters_a_comprehension(x, w):
    ys = [x[i] * w for i in range(len(x)) if i % 2 == 0]
    return sum(y * y for y in ys)


def nests_comprehensions(x):
    return sum(a * b for a in x for b in x if a < b)


def comprehension_over_a_tuple(x):
    zs = [v * x for v in (1.0, 2.0, 3.0) if v > 1.5]
    return np.sum(np.array(zs))


def stacks_a_built_list(x):
    rows = [x, 2.0 * x]
    rows.append(x * x)
    return np.sum(np.stack(rows) ** 2)


def writes_into_a_made_list(x):
    acc = [0.0, 0.0, 0.0]
    for i in range(3):
        acc[i] = x[i] * x[i]
    return np.sum(np.array(acc) * x[:3])


def writes_at_a_run_time_index(x):
    acc = [v for v in x]
    for i in range(len(x)):
        acc[i] = acc[i] * x[i]
    return sum(acc)


def zips_and_enumerates(x, y):
    t = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        t = t + (i + 1) * a * b
    return t


def enumerates_a_list(x):
    ys = [np.sin(v) for v in x]
    t = 0.0
    for k, v in enumerate(ys, 1):
        t = t + k * v
    return t


def walks_reversed_rows(x):
    t = 0.0
    for row in reversed(x):
        t = t * 0.5 + row
    return t


def zips_a_range_and_rows(x):
    t = 0.0
    for k, v in zip(range(3, 0, -1), x):
        t = t + k * v * v
    return t


def steps_down(x):
    t = 0.0
    for i in range(len(x) - 1, -1, -1):
        t = t * x[i] + 1.0
    return t


def unrolls_a_tuple(x):
    t = 0.0
    for w, p in ((1.0, 2), (0.5, 3)):
        t = t + w * x ** p
    return t


def breaks_out_of_a_tuple_loop(x):
    t = 0.0
    for w in (1.0, 2.0, 3.0):
        if t > 1.0:
            break
        t = t + w * x
    return t


def reads_the_loop_variable_after(x):
    t = 0.0
    for v in x:
        t = t + v
    return t * v


def pops_from_a_list(x):
    xs = []
    for i in range(3):
        xs.append(x * (i + 1.0))
    last = xs.pop()
    return last * sum(xs)


def appends_under_an_if(x):
    xs = []
    for v in x:
        if v > 0:
            xs.append(v * v)
        else:
            xs.append(-v)
    return sum(xs)


def sums_array_rows(a):
    return np.sum(sum(a) * sum(row * row for row in a))


def makes_a_list(x, n):
    out = []
    for k in range(n):
        out.append(x * k)
    return out


def calls_a_helper_making_a_list(x):
    ys = makes_a_list(x, 4)
    return sum(ys) * ys[1]


def appends_until_a_break(x):
    xs = []
    t = x
    while True:
        xs.append(t)
        t = t * 0.5
        if t < 0.1:
            break
    return sum(v * v for v in xs)


def builds_a_list_per_iteration(x):
    totals = []
    for i in range(3):
        row = []
        for j in range(2):
            row.append(x[i] * j + x[i] * x[i])
        totals.append(sum(row))
    return sum(totals)


def reads_the_list_it_grows(x):
    xs = [x]
    for k in range(4):
        xs.append(sum(xs) * x + xs[k])
    return xs[-1] + len(xs)


def appends_in_one_branch(x):
    xs = [x]
    if x > 0:
        xs.append(x * x)
    return sum(xs) * len(xs)


V = np.array([0.7, -1.2, 1.9, 0.4])
W = np.array([1.1, 0.3, -0.8, 2.0])
LIST_FORMS = [
    (appends_in_a_loop, (0.7,)), (appends_in_a_while_loop, (1.3,)), (a_list_literal, (0.9,)),
    (indexes_by_the_loop_index, (V,)), (sums_a_generator, (V,)),
    (filters_a_comprehension, (V, 0.7)), (nests_comprehensions, (V,)),
    (comprehension_over_a_tuple, (1.2,)), (stacks_a_built_list, (V,)),
    (writes_into_a_made_list, (V,)), (writes_at_a_run_time_index, (V,)),
    (zips_and_enumerates, (V, W)), (enumerates_a_list, (V,)),
    (walks_reversed_rows, (V.reshape(2, 2),)), (zips_a_range_and_rows, (V,)),
    (steps_down, (V,)), (unrolls_a_tuple, (0.8,)), (breaks_out_of_a_tuple_loop, (0.6,)),
    (reads_the_loop_variable_after, (V,)), (pops_from_a_list, (0.9,)),
    (appends_under_an_if, (V,)), (sums_array_rows, (V.reshape(2, 2),)),
    (calls_a_helper_making_a_list, (1.3,)), (appends_until_a_break, (1.7,)),
    (builds_a_list_per_iteration, (V,)), (reads_the_list_it_grows, (0.7,)),
    (appends_in_one_branch, (0.8,)), (appends_in_one_branch, (-0.8,)),
]


@pytest.mark.parametrize("fn, args", LIST_FORMS, ids=[f.__name__ for f, _ in LIST_FORMS])
def test_list_and_loop_forms(fn, args):
    assert ad.primal(fn)(*args) == pytest.approx(fn(*args), rel=1e-12)
    ad.testing.check_grads(fn, args, order=2)


@pytest.mark.parametrize("fn, x", [(appends_in_a_loop, 0.7), (a_list_literal, 0.9),
                                   (pops_from_a_list, 0.9), (unrolls_a_tuple, 0.8)])
def test_scalar_list_forms_in_taylor_mode_and_hessian(fn, x):
    h = 1e-4
    second = (fn(x + h) - 2 * fn(x) + fn(x - h)) / h ** 2
    assert ad.derivative(fn, order=2)(x) == pytest.approx(second, rel=1e-5)
    assert ad.hessian(fn)(x) == pytest.approx(second, rel=1e-5)
    assert ad.grad(ad.grad(fn))(x) == pytest.approx(second, rel=1e-5)


def squares_into_a_pair(x):
    ys = [v * v for v in x]
    return np.array([sum(ys), ys[0] * x[1]])


def test_a_list_jacobian():
    expected = np.array([2 * V, [0.0, V[0] ** 2, 0.0, 0.0]])
    expected[1, 0] = 2 * V[0] * V[1]
    assert np.allclose(ad.jacobian(squares_into_a_pair)(V), expected)


def test_a_list_hessian_over_arrays():
    h = ad.hessian(filters_a_comprehension)(V, 0.7)
    assert np.allclose(h, np.diag([2 * 0.7 ** 2, 0.0, 2 * 0.7 ** 2, 0.0]))


def ops_in(fn) -> int:
    return sum(1 for _ in walk_ops(fn.body))


@pytest.mark.parametrize("fn", [sums_a_generator, filters_a_comprehension,
                                indexes_by_the_loop_index, appends_under_an_if])
def test_a_list_built_in_a_loop_compiles_to_ir_of_one_size(fn):
    """The gradient's IR is a loop whatever the length: the same ops for 3 elements as
    for 3000 (O(n) to run, see the next test)."""
    sizes = []
    for n in (3, 3000):
        args = (np.linspace(0.5, 1.5, n),) + ((0.7,) if fn is filters_a_comprehension else ())
        grad = ad.grad(fn)
        grad(*args)
        sizes.append(ops_in(grad.ir.function))
    assert sizes[0] == sizes[1]


def test_appending_and_its_reverse_write_in_place():
    """O(1) per element in both sweeps: append, and the reverse's pop, write on the list
    in place, and an element's adjoint is added at its index; no list is copied in a
    loop, an `if` (a comprehension's filter) included."""
    for fn, args in ((filters_a_comprehension, (V, 0.7)), (appends_under_an_if, (V,)),
                     (appends_in_a_while_loop, (1.3,))):
        grad = ad.grad(fn)
        grad(*args)
        lines = grad.source.splitlines()
        lists = {m.group(1) for line in lines
                 for m in [re.search(r"(\w+)\.(append\(|pop\(\))", line)]
                 if m and not m.group(1).startswith("tape")}
        assert lists, grad.source
        in_loops = [line for line in lines if line.startswith("        ")]
        copies = {name for line in in_loops for name in re.findall(r"(\w+)\.copy\(\)", line)}
        assert not copies & lists, grad.source


def reads_a_loop_variable_maybe_unbound(x, n):
    for i in range(n):
        x = x * 1.5
    return x * i


def test_a_loop_variable_after_no_iteration_raises_as_python_does():
    grad = ad.grad(reads_a_loop_variable_maybe_unbound)
    assert grad(2.0, 3) == pytest.approx(1.5 ** 3 * 2)
    with pytest.raises(UnboundLocalError, match="'i'"):
        grad(2.0, 0)
    with pytest.raises(UnboundLocalError):
        reads_a_loop_variable_maybe_unbound(2.0, 0)


def reads_a_loop_variable_after_no_iteration(x):
    for unset in range(0):
        x = x * 2.0
    return unset * x


def test_a_loop_variable_after_a_loop_of_no_iteration_is_refused_while_compiling():
    assert_points_at(refuse(reads_a_loop_variable_after_no_iteration),
                     reads_a_loop_variable_after_no_iteration, "unset * x", "no iteration")


# ---- arrays of lists of run-time length ----------------------------------------------------
def stacks_a_comprehension(x):
    return np.sum(np.array([np.sin(v) for v in x]) ** 2)


def cube(v):
    return v * v * v


def stacks_a_helper_by_index(x):
    return np.array([cube(x[i]) for i in range(len(x))]) @ x


def stacks_rows(X):
    return np.sum(np.stack([row * 2 for row in X]) * X)


def stacks_rows_along_axis_one(X):
    return np.sum(np.stack([np.tanh(row) for row in X], axis=1) * X.T)


def stacks_appends(x):
    xs = []
    for i in range(len(x)):
        xs.append(x[i] ** 3)
    return np.sum(np.array(xs) * np.cos(x))


def stacks_a_zip(x, y):
    return np.sum(np.array([a * b for a, b in zip(x, y)]) ** 2)


def stacks_after_a_known_start(x):
    xs = [x[0]]
    for v in x:
        xs.append(v * v)
    xs.append(x[1])
    return np.sum(np.array(xs) * np.array(list(np.exp(np.array(xs)))))


def stacks_an_empty_range(x):
    ys = np.array([v * v for v in x[:0]])
    return np.sum(x * x) + np.sum(ys)


def stacks_into_vectors(x):
    return np.array([v * x for v in x])


M = np.array([[0.5, -0.3], [1.2, 0.8], [-0.4, 0.9]])
STACKED_FORMS = [(stacks_a_comprehension, (V,)), (stacks_a_helper_by_index, (V,)),
                 (stacks_rows, (M,)), (stacks_rows_along_axis_one, (M,)),
                 (stacks_appends, (V,)), (stacks_a_zip, (V, W)),
                 (stacks_after_a_known_start, (V,)), (stacks_an_empty_range, (V,))]


@pytest.mark.parametrize("fn, args", STACKED_FORMS, ids=[f.__name__ for f, _ in STACKED_FORMS])
def test_an_array_of_a_list_of_run_time_length(fn, args):
    assert ad.primal(fn)(*args) == pytest.approx(fn(*args), rel=1e-12)
    ad.testing.check_grads(fn, args, order=2)


def _one_direction_at_a_time(derivative, x):
    """The columns of a matrix from one jvp per unit direction."""
    columns = [derivative(x, np.eye(x.size)[k].reshape(x.shape)) for k in range(x.size)]
    return np.stack(columns, axis=-1)


@pytest.mark.parametrize("fn, args", [*STACKED_FORMS[:2], (stacks_appends, (V,)),
                                      (indexes_by_the_loop_index, (V,)),
                                      (sums_a_generator, (V,)), (writes_into_a_made_list, (V,)),
                                      (writes_at_a_run_time_index, (V,)),
                                      (builds_a_list_per_iteration, (V,))],
                         ids=lambda a: getattr(a, "__name__", ""))
def test_a_hessian_through_lists_is_one_batched_program(fn, args):
    hessian = ad.hessian(fn)
    got = hessian(*args)
    assert not hessian._last.per_direction
    gradient = ad.grad(fn)
    expected = _one_direction_at_a_time(lambda x, d: ad.jvp(gradient, (x,), (d,))[1], *args)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_a_jacobian_through_lists_is_one_batched_program():
    jacobian = ad.jacobian(stacks_into_vectors)
    got = jacobian(V)
    assert not jacobian._last.per_direction
    expected = _one_direction_at_a_time(
        lambda x, d: ad.jvp(stacks_into_vectors, (x,), (d,))[1], V)
    np.testing.assert_allclose(got, expected, rtol=1e-13)
    np.testing.assert_allclose(got, np.einsum("ik,j->ijk", np.eye(4), V)
                               + np.einsum("i,jk->ijk", V, np.eye(4)), rtol=1e-13)


def stacks_a_filtered_comprehension(x):
    return np.sum(np.array([v * v for v in x if v > 0]))


def stacks_the_filter_as_a_value(x):
    return np.sum(np.array([v * v if v > 0 else 0.0 for v in x]))


def stacks_over_a_run_time_range(x, n):
    return np.sum(np.array([x[i] for i in range(n)]))


def stacks_over_len_of_x(x, n):
    return np.sum(np.array([x[i] for i in range(len(x))]))


def test_an_array_of_a_filtered_list_is_refused_with_a_hint_that_compiles():
    with pytest.raises(ad.UnsupportedSyntaxError) as caught:
        ad.grad(stacks_a_filtered_comprehension)(V)
    err = caught.value
    assert "np.array" in str(err) and "under an if" in str(err)
    assert err.loc.line == inspect.getsourcelines(stacks_a_filtered_comprehension)[1] + 1
    assert "np.array([v if v > 0 else 0.0 for v in x])" in err.hint
    np.testing.assert_allclose(ad.grad(stacks_the_filter_as_a_value)(V),
                               np.where(V > 0, 2 * V, 0.0))


def test_an_array_of_a_list_as_long_as_a_run_time_int_is_refused_with_a_hint():
    with pytest.raises(ad.UnsupportedSyntaxError) as caught:
        ad.grad(stacks_over_a_run_time_range)(V, 4)
    err = caught.value
    assert "length of a list made into an array" in str(err) and "len(x)" in err.hint
    assert err.loc.line == inspect.getsourcelines(stacks_over_a_run_time_range)[1] + 1
    np.testing.assert_allclose(ad.grad(stacks_over_len_of_x)(V, 4), np.ones(4))


# ---- augmented assignment: a rebinding, unless NumPy would update a shared array ---------

def adds_into_an_alias_of_an_argument(x):
    y = x
    y += 1.0
    return np.sum(x * y)


def adds_into_a_copy_of_an_argument(x):
    y = x.copy()
    y += 1.0
    return np.sum(x * y)


def scales_an_argument(x):
    x *= 2.0
    return np.sum(x ** 2)


def scales_an_argument_anew(x):
    x = x * 2.0
    return np.sum(x ** 2)


def subtracts_from_a_flipped_view(x):
    out = x * 2
    v = np.flip(out)
    v -= 1
    return np.sum(out * x)


def subtracts_from_a_flipped_copy(x):
    out = x * 2
    v = np.flip(out)
    v = v - 1
    return np.sum(out * x)


def scales_a_slice_view(x):
    out = x * 2
    v = out[1:]
    v *= 2
    return np.sum(out * x) + np.sum(v)


def scales_a_slice_copy(x):
    out = x * 2
    v = out[1:]
    v = v.copy()
    v *= 2
    return np.sum(out * x) + np.sum(v)


def adds_into_a_shared_array(x):
    out = x * 2
    y = out
    y += 1
    return np.sum(out * x)


def adds_into_a_copy_of_a_shared_array(x):
    out = x * 2
    y = out.copy()
    y += 1
    return np.sum(out * x)


def multiplies_a_shared_array_by_a_matrix(x):
    out = x * 2
    y = out
    y @= np.eye(4)
    return np.sum(out * x)


def multiplies_anew_by_a_matrix(x):
    out = x * 2
    y = out
    y = y @ np.eye(4)
    return np.sum(out * x)


def divides_an_argument_in_a_loop(x):
    s = x
    for i in range(3):
        s /= 2.0 + i
    return np.sum(s * x)


def divides_a_copy_in_a_loop(x):
    s = x.copy()
    for i in range(3):
        s /= 2.0 + i
    return np.sum(s * x)


def adds_into_an_array_a_list_literal_holds(x):
    y = x * 2.0
    acc = [y]
    y += 1.0
    return np.sum(acc[0] * x)


def adds_anew_after_a_list_literal(x):
    y = x * 2.0
    acc = [y]
    y = y + 1.0
    return np.sum(acc[0] * x)


def adds_into_an_array_appended_in_a_loop(x):
    acc = []
    y = x * 2.0
    for i in range(2):
        acc.append(y)
        y += 1.0
    return np.sum(acc[0] * acc[1])


def appends_a_copy_in_a_loop(x):
    acc = []
    y = x * 2.0
    for i in range(2):
        acc.append(y.copy())
        y += 1.0
    return np.sum(acc[0] * acc[1])


def adds_into_an_array_a_view_of_it_holds(x):
    out = np.zeros(4) + x
    v = out.T
    out += 1.0
    return np.sum(v * x)


def adds_anew_to_an_array_a_view_of_it_holds(x):
    out = np.zeros(4) + x
    v = out.T
    out = out + 1.0
    return np.sum(v * x)


@pytest.mark.parametrize("fn, snippet, words, hinted", [
    (adds_into_an_alias_of_an_argument, "y += 1.0",
     ("`y += ...` would change the caller's array x",), adds_into_a_copy_of_an_argument),
    (scales_an_argument, "x *= 2.0", ("would change the caller's array x",),
     scales_an_argument_anew),
    (subtracts_from_a_flipped_view, "v -= 1", ("may be a view", "flip"),
     subtracts_from_a_flipped_copy),
    (scales_a_slice_view, "v *= 2", ("would write into out, of which v may be a view",),
     scales_a_slice_copy),
    (adds_into_a_shared_array, "y += 1", ("the array y shares with out",),
     adds_into_a_copy_of_a_shared_array),
    (multiplies_a_shared_array_by_a_matrix, "y @= np.eye(4)", ("`y @= ...`", "shares"),
     multiplies_anew_by_a_matrix),
    (divides_an_argument_in_a_loop, "s /= 2.0 + i", ("the caller's array x",),
     divides_a_copy_in_a_loop),
    # Python's list holds the array itself, which the update changes (the wrong value
    # once given was the list holding the old array)
    (adds_into_an_array_a_list_literal_holds, "y += 1.0", ("the element of acc that y is",),
     adds_anew_after_a_list_literal),
    (adds_into_an_array_appended_in_a_loop, "y += 1.0", ("the list element y was stored as",),
     appends_a_copy_in_a_loop),
    (adds_into_an_array_a_view_of_it_holds, "out += 1.0", ("would change v, which may be a "
                                                          "view of out",),
     adds_anew_to_an_array_a_view_of_it_holds),
])
def test_an_augmented_assignment_numpy_would_do_in_place_on_a_shared_array_is_refused(
        fn, snippet, words, hinted):
    before = V4.copy()
    err = refuse(fn, V4)
    assert_points_at(err, fn, snippet, *words, "changes it in place")
    assert np.array_equal(V4, before)
    check_grads(hinted, (V4,), order=2)


def test_the_hint_for_an_augmented_assignment_names_the_rewrite_and_the_copy():
    assert refuse(adds_into_an_alias_of_an_argument, V4).hint == \
        "write `y = y + ...` for a new array, or `y = x.copy()` first"
    assert refuse(subtracts_from_a_flipped_view, V4).hint == \
        "write `v = v - ...` for a new array, or `v = v.copy()` first"


def adds_into_an_alias_of_a_number(x):
    y = x
    y += 1.0
    y *= x
    return y * x


def doubles_a_shared_reduction(x):
    s = np.sum(x ** 2)
    t = s
    t *= 2.0
    return s + t


def adds_into_its_own_array(x):
    y = x * 2
    y += 1
    y *= y
    return np.sum(y)


def accumulates_rows(x):
    s = 0.0
    for row in x:
        s += row * row
    s /= 2.0
    return np.sum(s)


def adds_into_an_array_either_branch_made(x):
    if x[0] > 0:
        y = x * 2
    else:
        y = np.sin(x)
    y += 1
    return np.sum(y * x)


def test_an_augmented_assignment_on_a_number_or_on_an_array_the_function_owns_compiles():
    check_grads(adds_into_an_array_either_branch_made, (V4,), order=2)
    check_grads(adds_into_an_array_either_branch_made, (-V4,), order=2)
    assert ad.grad(adds_into_an_alias_of_a_number)(2.0) == 3 * 2.0 ** 2 + 2 * 2.0
    check_grads(adds_into_an_alias_of_a_number, (np.float64(1.5),), order=2)
    check_grads(doubles_a_shared_reduction, (V4,), order=2)
    check_grads(adds_into_its_own_array, (V4,), order=2)
    check_grads(accumulates_rows, (V4.reshape(2, 2),), order=2)
    assert ad.grad(accumulates_rows)(V4.reshape(2, 2)) == pytest.approx(V4.reshape(2, 2))


def writes_into_an_array_a_slice_of_it_holds(x):
    out = np.zeros(4)
    v = out[0:2]
    out[0] = x
    return np.sum(v)


def writes_into_an_array_after_copying_the_slice(x):
    out = np.zeros(4)
    v = out[0:2].copy()
    out[0] = x
    return np.sum(v) + np.sum(out * out)


def test_writing_into_an_array_a_view_of_it_holds_is_refused():
    # Python's v sees the write (the compiled code once returned the old zeros)
    err = refuse(writes_into_an_array_a_slice_of_it_holds, 1.5)
    assert_points_at(err, writes_into_an_array_a_slice_of_it_holds, "out[0] = x",
                     "writing into out would change v, which may be a view of out")
    check_grads(writes_into_an_array_after_copying_the_slice, (1.5,), order=2)


def doubles_the_previous_element(x):
    out = np.zeros(4) + x
    for i in range(1, 4):
        previous = out[i - 1]
        out[i] = previous * 2.0
    out += out[0]
    return np.sum(out * x)


def test_an_element_read_is_no_view_so_writing_after_it_compiles():
    # out[i - 1] of a vector is a number: only once out's rank is known is that sure
    assert ad.primal(doubles_the_previous_element)(1.5) == doubles_the_previous_element(1.5)
    check_grads(doubles_the_previous_element, (1.5,), order=2)


# ---- lists and tuples where NumPy takes array_like, max(xs), *args, a, *rest = xs -------

def sums_a_list(x):
    return np.sum([x, x ** 2]) + np.mean((x, 2.0 * x))


def dots_lists(x, y):
    xs = [x, y]
    return np.dot([1.0, 2.0], xs) * np.sum(xs)


def outer_of_argument_sequences(xs, ys):
    return np.sum(np.outer(xs, ys) ** 2)


def sums_an_appended_list(x):
    squares = []
    for i in range(len(x)):
        squares.append(x[i] ** 2)
    return np.sum(squares) + np.sin(squares)[0]


def sums_nested_lists(a, b):
    rows = [[a, b], [b * b, 1.0]]
    return np.sum([[a, b], [a * b, 2.0]]) * np.sum(np.dot(rows, rows))


def test_numpy_functions_take_lists_and_tuples_as_np_array_makes_them():
    assert ad.primal(sums_a_list)(1.5) == 1.5 + 2.25 + 2.25
    assert ad.grad(sums_a_list)(1.5) == pytest.approx(1.0 + 3.0 + 1.5)
    check_grads(sums_a_list, (1.5,), order=2)
    assert ad.primal(dots_lists)(1.5, 2.0) == (1.5 + 4.0) * 3.5
    check_grads(dots_lists, (1.5, 2.0), order=2)
    assert ad.primal(outer_of_argument_sequences)([1.0, 2.0], (3.0, 4.0)) == \
        outer_of_argument_sequences([1.0, 2.0], (3.0, 4.0))
    check_grads(outer_of_argument_sequences, ([1.0, 2.0], (3.0, 4.0)), order=2)
    assert ad.primal(sums_an_appended_list)(V4) == pytest.approx(sums_an_appended_list(V4))
    check_grads(sums_an_appended_list, (V4,), order=2)
    assert ad.primal(sums_nested_lists)(1.5, 2.0) == pytest.approx(sums_nested_lists(1.5, 2.0))
    check_grads(sums_nested_lists, (1.5, 2.0), order=2)


def joins_lists_and_tuples(a, b):
    xs, pair = [a], (a, b)
    both = xs + [b] + [a * b]
    return both[2] * (pair + (b,))[2] + len(xs * 2) + (pair * 2)[3] * len(2 * pair)


def repeats_a_tuple_a_run_time_number_of_times(x):
    p = (x[0],)
    return (p * len(x))[1]


def repeats_as_hinted(x):
    p = (x[0],)
    return ([p[0]] * len(x))[1] + np.sum(np.array(p) * x)


def adds_a_list_to_a_number(a):
    return [a, a] + a


def adds_arrays_of_lists(a):
    return np.array([a, a]) + np.array([a])


def test_operators_on_lists_keep_pythons_meaning():
    assert ad.primal(joins_lists_and_tuples)(1.5, 2.0) == 1.5 * 2.0 * 2.0 + 2 + 2.0 * 4
    check_grads(joins_lists_and_tuples, (1.5, 2.0), order=2)
    err = refuse(repeats_a_tuple_a_run_time_number_of_times, V4)
    assert_points_at(err, repeats_a_tuple_a_run_time_number_of_times, "p * len(x)",
                     "tuple is repeated by an int known while compiling")
    assert "[v] * len(x)" in err.hint and "np.array(p) * x" in err.hint
    check_grads(repeats_as_hinted, (V4,), order=2)
    err = refuse(adds_a_list_to_a_number)
    assert_points_at(err, adds_a_list_to_a_number, "[a, a] + a", "joins two lists")
    assert "np.array(xs) + np.array(ys)" in err.hint
    check_grads(adds_arrays_of_lists, (1.5,), order=2)


def largest_of_a_list_tuple_and_numbers(a):
    xs = [a, 2.0 * a - 1.0]
    return max(xs) * min((a, -a, 0.5)) + max(a, 1.0, a * a) - min(a, 2.0, 0.0)


def largest_element_of_a_vector(x):
    return max(x) - min(x)


def largest_of_an_appended_list(x):
    squares = []
    for v in x:
        squares.append(v * v)
    return max(squares)


def largest_of_ties(a, b, c):
    return max([a, b, c]) + min(b, c, 3.0)


def test_max_and_min_of_one_sequence_choose_among_its_elements():
    assert ad.primal(largest_of_a_list_tuple_and_numbers)(1.5) == \
        largest_of_a_list_tuple_and_numbers(1.5)
    # d(max(xs) * min(...)) = 2 * -1.5 + 2.0 * -1; d max(a, 1, a * a) = 2a
    assert ad.grad(largest_of_a_list_tuple_and_numbers)(1.5) == -5.0 + 3.0
    check_grads(largest_of_a_list_tuple_and_numbers, (1.5,), order=2)
    x = np.array([1.0, -3.0, 2.0])
    assert ad.primal(largest_element_of_a_vector)(x) == 5.0
    np.testing.assert_array_equal(ad.grad(largest_element_of_a_vector)(x), [0.0, -1.0, 1.0])
    check_grads(largest_element_of_a_vector, (x,), order=2)
    assert ad.primal(largest_of_an_appended_list)(x) == 9.0
    np.testing.assert_array_equal(ad.grad(largest_of_an_appended_list)(x), [0.0, -6.0, 0.0])
    check_grads(largest_of_an_appended_list, (x,), order=2)
    # a tie of k shares the derivative 1/k each, as max(a, b) does of two
    assert ad.grad(largest_of_ties, argnums=(0, 1, 2))(1.5, 1.5, 1.5) == \
        pytest.approx((1 / 3, 1 / 3 + 1 / 2, 1 / 3 + 1 / 2))


def largest_by_key(x):
    xs = [x[0], x[1], x[2]]
    return max(xs, key=np.sin)


def largest_by_key_as_hinted(x):
    xs = [x[0], x[1], x[2]]
    return xs[int(np.argmax(np.array([np.sin(v) for v in xs])))]


def largest_with_default(x):
    return max([], default=0.0) * x


def largest_with_default_as_hinted(x):
    xs = []
    return max(xs) if len(xs) > 0 else x


def largest_of_a_filtered_list(x):
    positives = []
    for v in x:
        if v > 0:
            positives.append(v)
    return max(positives)


def test_max_with_a_key_or_a_default_is_refused_with_a_hint_that_compiles():
    x = np.array([1.0, -3.0, 2.0])
    err = refuse(largest_by_key, x)
    assert_points_at(err, largest_by_key, "np.sin)", "max(..., key=) is not supported")
    assert "xs[int(np.argmax(np.array([f(v) for v in xs])))]" in err.hint
    assert ad.primal(largest_by_key_as_hinted)(x) == 2.0
    check_grads(largest_by_key_as_hinted, (x,), order=2)
    err = refuse(largest_with_default)
    assert_points_at(err, largest_with_default, "0.0)", "default=")
    assert "max(xs) if len(xs) > 0 else d" in err.hint
    assert ad.primal(largest_with_default_as_hinted)(1.5) == 1.5
    err = refuse(largest_of_a_filtered_list, x)
    assert_points_at(err, largest_of_a_filtered_list, "positives)", "max of a list",
                     "when the code runs")


def helper_of_three(a, b, c=1.0):
    return a * b + c


def spreads_arguments(a):
    pair, single = (a, 2.0 * a), [3.0 * a]
    return np.hypot(*pair) + helper_of_three(*pair) + helper_of_three(a, *single, c=a) + \
        helper_of_three(*[a, a]) + helper_of_three(*PAIR_OF_NUMBERS) + math.atan2(*pair)


PAIR_OF_NUMBERS = (2.0, 3.0)


def spreads_an_array(x):
    return helper_of_three(*x)


def spreads_a_computed_tuple(x):
    return helper_of_three(*np.split(x, 2))


def test_starred_arguments_of_known_length_are_written_out():
    assert ad.primal(spreads_arguments)(1.5) == pytest.approx(spreads_arguments(1.5))
    check_grads(spreads_arguments, (1.5,), order=2)
    err = refuse(spreads_an_array, np.ones(2))
    assert_points_at(err, spreads_an_array, "*x", "known while compiling", "an array")
    err = refuse(spreads_a_computed_tuple, np.ones(2))
    assert_points_at(err, spreads_a_computed_tuple, "*np.split", "for a name")
    assert "name it first" in err.hint


def spreads_a_computed_tuple_as_hinted(x):
    halves = np.split(x, 2)
    return np.sum(helper_of_three(*halves))


def unpacks_with_a_starred_target(a):
    first, *rest = [a, 2.0 * a, 3.0 * a]
    *init, last = (1.0, a, a * a)
    head, *middle, tail = (a, 2.0 * a, 3.0 * a, 4.0 * a)
    only, *nothing = (a,)
    return first * rest[1] + np.sum(init) * last + head * sum(middle) * tail + \
        only * len(nothing) + len(rest)


def unpacks_too_short(a):
    first, *rest, last = (a,)
    return first


def unpacks_a_shape_with_a_starred_target(x):
    n, *rest = x.shape
    return x[0]


def test_starred_targets_take_what_the_other_names_leave():
    check_grads(spreads_a_computed_tuple_as_hinted, (np.ones(2),), order=2)
    assert ad.primal(unpacks_with_a_starred_target)(1.5) == \
        pytest.approx(unpacks_with_a_starred_target(1.5))
    check_grads(unpacks_with_a_starred_target, (1.5,), order=2)
    assert_points_at(refuse(unpacks_too_short), unpacks_too_short, "first, *rest",
                     "2 names and a starred one")
    assert_points_at(refuse(unpacks_a_shape_with_a_starred_target, np.ones(2)),
                     unpacks_a_shape_with_a_starred_target, "n, *rest", "one name per axis")


def maps(x):
    return sum(map(np.sin, x))


def maps_as_hinted(x):
    return sum([np.sin(v) for v in x])


def filters(x):
    return sum(filter(lambda v: v > 0, x))


def filters_as_hinted(x):
    return sum([v for v in x if v > 0])


def sorts(a, b):
    return sorted([a, b])[0]


def sorts_two_as_hinted(a, b):
    low, high = (min(a, b), max(a, b))
    return low * 2.0 + high


def rounds(a):
    return round(a) * a


def rounds_as_hinted(a):
    return np.round(a) * a + np.round(a, 2)


def checks_a_type(a, b):
    return a * 2.0 if isinstance(a, float) else b


def checks_a_mode_as_hinted(a, b, kind="float"):
    return a * 2.0 if kind == "float" else b


@pytest.mark.parametrize("refused, snippet, words, hinted", [
    (rounds, "round(", ["round(...) is not supported"], rounds_as_hinted),
    (checks_a_type, "isinstance(", ["isinstance(...) is not supported"],
     checks_a_mode_as_hinted),
    (maps, "map(", ["map(...) is not supported"], maps_as_hinted),
    (filters, "filter(", ["filter(...) is not supported"], filters_as_hinted),
    (sorts, "sorted(", ["sorted(...) is not supported"], sorts_two_as_hinted),
], ids=lambda v: getattr(v, "__name__", ""))
def test_builtins_written_otherwise_are_refused_with_a_hint_that_compiles(refused, snippet,
                                                                          words, hinted):
    args = (np.array([1.0, -3.0, 2.0]),) if refused in (maps, filters) else \
        (1.3, 2.0)[:refused.__code__.co_argcount]
    assert_points_at(refuse(refused, *args), refused, snippet, *words)
    assert ad.primal(hinted)(*args) == pytest.approx(hinted(*args))
    check_grads(hinted, args, order=2)


def writes_after_a_library_view_of_it(x, how):
    out = np.zeros((1, 3)) + x
    view = {"squeeze": np.squeeze, "transpose": np.transpose, "ravel": np.ravel}[how](out)
    out -= 1.0
    return np.sum(view)


@pytest.mark.parametrize("how", ["squeeze", "transpose", "ravel"])
def test_a_view_made_by_a_numpy_function_blocks_writing_into_its_array(how):
    # NumPy's view sees the write: the compiled code once returned the old values (found
    # by the array fuzzer, seed 6 program 117, np.squeeze)
    err = refuse(writes_after_a_library_view_of_it, np.zeros(3), how)
    assert_points_at(err, writes_after_a_library_view_of_it, "out -= 1.0",
                     "would change view, which may be a view of out")


def writes_into_a_view_of_a_temporary(z):
    v = np.roll(z, 1)[::2]  # nothing else sees the rolled array
    v += z[0]
    w = (z * 2.0).T[1:]
    w[0] = z[0] ** 2
    return np.sum(v ** 2) + np.sum(w * z[1:])


def writes_into_a_view_another_name_sees(z):
    t = z * 2.0
    v = t[1:]
    v += 1.0
    return np.sum(t)


def test_a_view_of_an_array_nothing_else_sees_may_be_written_into():
    z = np.array([0.3, -1.2, 0.7, 2.0])
    assert ad.primal(writes_into_a_view_of_a_temporary)(z) == pytest.approx(
        writes_into_a_view_of_a_temporary(z), rel=1e-15)
    check_grads(writes_into_a_view_of_a_temporary, (z,), order=2)
    err = refuse(writes_into_a_view_another_name_sees, z)
    assert_points_at(err, writes_into_a_view_another_name_sees, "v += 1.0",
                     "would write into t, of which v may be a view")


def updates_what_square_made(y):
    v = np.square(y)
    v += y
    return np.sum(v)


def test_np_square_makes_a_new_array_the_function_may_update():
    y = np.array([1.0, -2.0])
    assert ad.primal(updates_what_square_made)(y) == updates_what_square_made(y)
    check_grads(updates_what_square_made, (y,), order=2)


class TwoMethods:
    def __init__(self, w):
        self.w = w

    def forward(self, x):
        return np.tanh(self.w * x)

    def loss(self, x, y):
        return np.sum((self.forward(x) - y) ** 2)


def test_a_method_calls_another_method_of_self():
    model = TwoMethods(np.array([0.5, -1.0]))
    x, y = np.array([1.0, 2.0]), np.zeros(2)
    grad_loss = ad.grad(model.loss)
    t = np.tanh(model.w * x)
    np.testing.assert_allclose(grad_loss(x, y), 2.0 * t * (1.0 - t * t) * model.w)
    check_grads(model.loss, (x, y), order=2)
    model.w = np.array([1.0, 1.0])  # read at the call, through the other method too
    t = np.tanh(x)
    np.testing.assert_allclose(grad_loss(x, y), 2.0 * t * (1.0 - t * t))


def mean_under_a_mask(p, mask=None):
    if mask is not None:
        return np.sum(p * mask) / np.sum(mask)
    return np.mean(p)


def reduces_by_mode(x, mode="all"):
    if mode == "all":
        return np.sum(x)
    return np.sum(x, axis=1)  # would not type for a vector: lowered only for other modes


def test_an_early_return_under_a_condition_known_while_compiling_lowers_one_branch():
    p = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(ad.grad(mean_under_a_mask)(p), np.full(3, 1.0 / 3.0))
    np.testing.assert_allclose(ad.grad(mean_under_a_mask)(p, np.array([1.0, 0.0, 1.0])),
                               [0.5, 0.0, 0.5])
    np.testing.assert_array_equal(ad.grad(reduces_by_mode)(p), np.ones(3))


def scaled_square(x, scale=1.0, shift=0.0):
    return scale * x ** 2 + shift


def passes_its_keywords_on(x, **kw):
    options = {"shift": 1.0, "scale": 2.0}
    return scaled_square(x, **kw) + scaled_square(x, **options)


def unpacks_a_dict_written_in_the_call(x):
    return scaled_square(x, **{"scale": 2.0})


def test_keywords_unpacked_from_a_dict_in_a_call():
    assert ad.grad(passes_its_keywords_on)(2.0) == 4.0 + 8.0
    assert ad.grad(passes_its_keywords_on)(2.0, scale=3.0) == 12.0 + 8.0
    check_grads(passes_its_keywords_on, (2.0,), order=2)
    err = refuse(unpacks_a_dict_written_in_the_call, 1.0)
    assert_points_at(err, unpacks_a_dict_written_in_the_call, '{"scale"', "**-unpacking")


def splices_and_collects(a, xs):
    state = (a, *xs)
    values = [2.0 * a, *state, *xs]
    return sum(values) * state[0] + sum(tuple(v * v for v in xs))


class CallableModel:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return self.w * x * x


MODEL = CallableModel(3.0)


def calls_a_model_object(x):
    return MODEL(x) + 1.0


def test_starred_elements_tuple_of_a_generator_and_a_callable_object_in_the_body():
    assert ad.grad(splices_and_collects, argnums=(0, 1))(1.0, (2.0, 3.0)) == (
        16.0, (6.0, 8.0))
    check_grads(splices_and_collects, (1.0, (2.0, 3.0)), order=2)
    g = ad.grad(calls_a_model_object)
    assert g(1.0) == 6.0
    MODEL.w = 4.0  # read at the call
    try:
        assert g(1.0) == 8.0
    finally:
        MODEL.w = 3.0


def updates_the_eigenvalues(y):
    m = y @ y.T + np.diag(np.array([2.0, 3.0]))
    values, _ = np.linalg.eigh(m)
    values += 1.0  # a new array, as each of a pair a NumPy function returns
    return np.sum(values ** 2)


def test_each_array_of_a_pair_a_numpy_function_returns_is_the_functions_own():
    y = np.array([[0.3, 1.0], [0.5, -0.2]])
    assert ad.primal(updates_the_eigenvalues)(y) == pytest.approx(updates_the_eigenvalues(y))
    check_grads(updates_the_eigenvalues, (y,), order=1)


def test_a_model_objects_class_call_replaced_takes_effect_at_the_next_call(monkeypatch):
    g = ad.grad(calls_a_model_object)
    assert g(1.0) == 6.0
    monkeypatch.setattr(CallableModel, "__call__", lambda self, x: self.w * x)
    assert g(1.0) == 3.0
