"""adcompile.passes.cse: an op computed twice is computed once, never hoisted."""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.nodes import walk_ops
from adcompile.ir.primitives import OPERAND
from adcompile.ir.types import ArrayType, FLOAT, TAPE
from adcompile.ir.verify import verify
from adcompile.passes.cse import cse
from adcompile.testing import check_grads

from irkit import cond, defining_op, make, prims, range_loop

F3 = ArrayType((3,), "float64")


def _run(fn):
    changed = cse(fn)
    verify(fn)
    return changed


@pytest.mark.parametrize("prim", ["add", "mul", "maximum", "minimum", "eq", "ne"])
def test_commuted_operands_are_the_same_expression(prim):
    fn = make(lambda b, x, y: (b.apply(prim, x, y), b.apply(prim, y, x)), FLOAT, FLOAT)
    assert _run(fn)
    assert fn.results[0] is fn.results[1]
    assert prims(fn) == [prim]


@pytest.mark.parametrize("prim", ["sub", "div", "pow", "lt", "mod"])
def test_order_matters_for_other_primitives(prim):
    fn = make(lambda b, x, y: (b.apply(prim, x, y), b.apply(prim, y, x)), FLOAT, FLOAT)
    assert not _run(fn)
    assert fn.results[0] is not fn.results[1]


def test_repeated_expression_is_computed_once_and_its_readers_follow():
    def build(b, x, y):
        a = b.apply("sin", b.apply("mul", x, y))
        c = b.apply("sin", b.apply("mul", x, y))
        return b.apply("sub", a, c)
    fn = make(build, FLOAT, FLOAT)
    _run(fn)
    assert prims(fn) == ["mul", "sin", "sub"]
    sub = defining_op(fn, fn.results[0])
    assert sub.inputs[0] is sub.inputs[1]


def test_equal_constants_merge_but_not_across_types():
    fn = make(lambda b, x: (b.apply("add", x, b.const(2.0)), b.apply("mul", x, b.const(2.0)),
                            b.apply("mul", x, b.const(2))), FLOAT)
    _run(fn)
    consts = [op.params["value"] for op in walk_ops(fn.body) if op.prim == "const"]
    assert sorted(map(repr, consts)) == ["2", "2.0"]


def test_array_constants_merge_only_when_the_same_array():
    shared = np.array([1.0, 2.0, 3.0])
    fn = make(lambda b, x: (b.apply("add", x, b.const(shared)),
                            b.apply("add", x, b.const(shared)),
                            b.apply("add", x, b.const(np.array([1.0, 2.0, 3.0])))), F3)
    _run(fn)
    assert fn.results[0] is fn.results[1]
    assert fn.results[2] is not fn.results[0]


def test_different_params_are_different_expressions():
    fn = make(lambda b, x: (b.apply("sum", x, axis=0), b.apply("sum", x, axis=1),
                            b.apply("sum", x, axis=-2)), ArrayType((2, 2), "float64"))
    _run(fn)
    assert fn.results[0] is fn.results[2]
    assert fn.results[1] is not fn.results[0]


def test_a_value_before_a_branch_is_reused_inside_it():
    def build(b, x):
        outer = b.apply("sin", x)
        op = cond(b, b.apply("gt", x, b.const(0.0)),
                  lambda b: [b.apply("mul", b.apply("sin", x), x)],
                  lambda b: [x], [FLOAT])
        return outer, op.output
    fn = make(build, FLOAT)
    _run(fn)
    assert prims(fn).count("sin") == 1
    then = [op for op in walk_ops(fn.body) if op.prim == "cond"][0].regions[0]
    assert then.ops[0].inputs[0] is fn.results[0]


def test_a_value_inside_a_branch_is_not_hoisted_or_reused_after_it():
    def build(b, x):
        op = cond(b, b.apply("gt", x, b.const(0.0)),
                  lambda b: [b.apply("sin", x)], lambda b: [x], [FLOAT])
        after = b.apply("sin", x)
        return op.output, after
    fn = make(build, FLOAT)
    _run(fn)
    assert prims(fn).count("sin") == 2
    sin_after = defining_op(fn, fn.results[1])
    assert sin_after in fn.body.ops


def test_sibling_branches_do_not_share():
    def build(b, x):
        op = cond(b, b.apply("gt", x, b.const(0.0)),
                  lambda b: [b.apply("sin", x)], lambda b: [b.apply("sin", x)], [FLOAT])
        return op.output
    fn = make(build, FLOAT)
    _run(fn)
    c = [op for op in walk_ops(fn.body) if op.prim == "cond"][0]
    assert c.regions[0].results[0] is not c.regions[1].results[0]
    assert prims(fn).count("sin") == 2


def test_loop_body_reuses_outer_values_but_not_the_reverse():
    def build(b, x):
        outer = b.apply("cos", x)

        def body(b, i, s):
            return [b.apply("add", s, b.apply("cos", x))], b.const(False)
        loop = range_loop(b, 3, [x], body)
        after = b.apply("exp", x)
        return b.apply("add", b.apply("add", outer, loop.output), after)
    fn = make(build, FLOAT)
    _run(fn)
    assert prims(fn).count("cos") == 1


def test_impure_ops_are_never_merged():
    def build(b, x):
        tape = b.emit("tape_new", []).output
        tape.type = TAPE
        b.emit("push", [tape, x], n_out=0)
        b.emit("push", [tape, x], n_out=0)
        p1 = b.emit("pop", [tape]).output
        p2 = b.emit("pop", [tape]).output
        p1.type = p2.type = FLOAT
        return p1, p2
    fn = make(build, FLOAT)
    cse(fn)
    assert prims(fn).count("push") == 2 and prims(fn).count("pop") == 2
    assert fn.results[0] is not fn.results[1]


def test_the_kept_value_takes_the_user_name_of_a_merged_one():
    def build(b, x):
        anon = b.apply("sin", x)
        named = b.apply("sin", x, hint="s")
        named.strong_name = True
        return b.apply("mul", anon, named)
    fn = make(build, FLOAT)
    _run(fn)
    kept = defining_op(fn, fn.results[0]).inputs[0]
    assert kept.hint == "s" and kept.strong_name


def repeated_subexpressions(x, y):
    a = math.sin(x * y) + y * x
    b = math.sin(y * x) * (x * y)
    return a + b


def test_cse_on_specialized_source():
    fn = specialize(repeated_subexpressions, [FLOAT, FLOAT])
    assert prims(fn).count("mul") == 2  # x*y once, and the product with sin
    assert prims(fn).count("sin") == 1


def test_reports_no_change():
    fn = make(lambda b, x, y: b.apply("add", b.apply("sin", x), y), FLOAT, FLOAT)
    assert cse(fn) is False



def test_new_arrays_written_into_are_not_merged():
    """Two np.zeros the user fills are two arrays, not one copied twice."""
    def build(b, x):
        first = b.apply("zeros", shape=(3,), dtype="float64")
        second = b.apply("zeros", shape=(3,), dtype="float64")
        i, j = b.const(0), b.const(1)
        return (b.apply("index_update", first, x, i, index=(OPERAND,), mode="set"),
                b.apply("index_update", second, x, j, index=(OPERAND,), mode="set"))
    fn = make(build, FLOAT)
    assert not _run(fn)
    assert prims(fn).count("zeros") == 2


def test_new_arrays_only_read_are_merged():
    fn = make(lambda b, x: (b.apply("add", b.apply("zeros", shape=(3,), dtype="float64"), x),
                            b.apply("mul", b.apply("zeros", shape=(3,), dtype="float64"), x)),
              FLOAT)
    assert _run(fn)
    assert prims(fn).count("zeros") == 1


def test_the_gradient_of_two_filled_arrays_copies_neither():
    from programs import two_filled_arrays
    source = ad.grad(two_filled_arrays).source_for(np.arange(1.0, 4.0))
    assert "copy" not in source and source.count("np.zeros((3,))") == 2
    check_grads(two_filled_arrays, (np.array([0.5, -1.0, 2.0]),), order=2)
