"""adcompile.passes.dce: remove what no result needs, in conds, loops and tapes too."""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import FLOAT, TAPE
from adcompile.ir.verify import verify
from adcompile.frontend.lower import lower_function
from adcompile.passes.dce import dce, drop_dead_carried

from irkit import cond, make, prims, range_loop


def _run(fn):
    changed = dce(fn)
    verify(fn, typed=False)
    return changed


def _only(fn, prim):
    found = [op for op in walk_ops(fn.body) if op.prim == prim]
    assert len(found) == 1, found
    return found[0]


def test_unused_ops_are_removed_and_used_ones_kept():
    def build(b, x):
        b.apply("sin", x)
        b.apply("exp", b.apply("cos", x))
        return b.apply("neg", x)
    fn = make(build, FLOAT)
    assert _run(fn)
    assert prims(fn) == ["neg"]
    assert not dce(fn)  # nothing left to do


def test_unused_cond_outputs_are_removed():
    def build(b, x):
        op = cond(b, b.apply("gt", x, b.const(0.0)),
                  lambda b: [b.apply("sin", x), b.apply("cos", x)],
                  lambda b: [b.apply("exp", x), b.apply("log", x)], [FLOAT, FLOAT])
        return op.outputs[1]
    fn = make(build, FLOAT)
    _run(fn)
    c = _only(fn, "cond")
    assert len(c.outputs) == 1
    then, other = c.regions
    assert [op.prim for op in then.ops] == ["cos"]
    assert [op.prim for op in other.ops] == ["log"]
    assert fn.results == c.outputs


def test_cond_with_no_live_output_is_removed_with_its_predicate():
    def build(b, x):
        cond(b, b.apply("gt", x, b.const(0.0)), lambda b: [b.apply("sin", x)],
             lambda b: [x], [FLOAT])
        return x
    fn = make(build, FLOAT)
    _run(fn)
    assert prims(fn) == []


def test_unused_loop_carried_values_are_removed():
    def build(b, x):
        def body(b, i, s, p):
            return [b.apply("add", s, x), b.apply("mul", p, x)], b.const(False)
        loop = range_loop(b, 4, [x, x], body, hints=["s", "p"])
        return loop.outputs[0]
    fn = make(build, FLOAT)
    _run(fn)
    loop = _only(fn, "loop")
    body = loop.regions[0]
    assert len(loop.outputs) == 1 and len(loop.inputs) == 4
    assert [p.hint for p in body.params[1:]] == ["s"]
    assert len(body.results) == 2  # s and the exit flag
    assert "mul" not in prims(fn)


def test_a_carried_value_feeding_a_live_one_is_kept():
    def build(b, x):
        def body(b, i, s, p):
            # s reads p, so p stays though only s is returned
            return [b.apply("add", s, p), b.apply("mul", p, x)], b.const(False)
        loop = range_loop(b, 4, [x, x], body, hints=["s", "p"])
        return loop.outputs[0]
    fn = make(build, FLOAT)
    _run(fn)
    assert len(_only(fn, "loop").outputs) == 2


def test_a_carried_value_feeding_the_exit_flag_is_kept():
    def build(b, x):
        def body(b, i, s, k):
            k1 = b.apply("add", k, b.const(1))
            return [b.apply("mul", s, x), k1], b.apply("gt", k1, b.const(2))
        loop = range_loop(b, 10, [x, b.const(0)], body, hints=["s", "k"])
        return loop.outputs[0]
    fn = make(build, FLOAT)
    _run(fn)
    assert len(_only(fn, "loop").outputs) == 2


def test_a_loop_with_no_live_carried_value_is_removed():
    def build(b, x):
        range_loop(b, 3, [x], lambda b, i, s: ([b.apply("sin", s)], b.const(False)))
        return x
    fn = make(build, FLOAT)
    _run(fn)
    assert prims(fn) == []


def _taped(pop_is_read):
    def build(b, x):
        tape = b.emit("tape_new", [], hint="tape").output
        tape.type = TAPE

        def body(b, i, s):
            b.emit("push", [tape, s], n_out=0)
            return [b.apply("mul", s, x)], b.const(False)
        loop = range_loop(b, 3, [x], body)

        def back(b, i, g):
            popped = b.emit("pop", [tape]).output
            popped.type = FLOAT
            return [b.apply("add", g, popped) if pop_is_read else g], b.const(False)
        adjoint = range_loop(b, 3, [x], back)
        return loop.output, adjoint.output
    return make(build, FLOAT)


def test_unread_tapes_are_removed_with_their_pushes_and_pops():
    fn = _taped(pop_is_read=False)
    _run(fn)
    assert not {"tape_new", "push", "pop"} & set(prims(fn))


def test_read_tapes_are_kept_with_all_their_pushes_and_pops():
    fn = _taped(pop_is_read=True)
    _run(fn)
    assert prims(fn).count("tape_new") == 1
    assert prims(fn).count("push") == 1 and prims(fn).count("pop") == 1


def test_a_loop_that_pushes_onto_a_live_tape_stays_even_without_live_outputs():
    def build(b, x):
        tape = b.emit("tape_new", []).output
        tape.type = TAPE

        def body(b, i, s):
            b.emit("push", [tape, s], n_out=0)
            return [s], b.const(False)
        range_loop(b, 3, [x], body)
        popped = b.emit("pop", [tape]).output
        popped.type = FLOAT
        return popped
    fn = make(build, FLOAT)
    _run(fn)
    assert "loop" in prims(fn) and "push" in prims(fn)


def series(x):
    y = x
    t = x
    unused = 0.0
    for i in range(1, 30):
        t = -t * x * x / ((2 * i) * (2 * i + 1))
        y = y + t
        unused = unused + math.cos(t)
        if abs(t) < 1e-12:
            break
    return y


def test_unused_user_loop_value_is_removed_from_source():
    fn = specialize(series, [FLOAT])
    loop = _only(fn, "loop")
    assert "cos" not in prims(fn)
    assert [o.hint for o in loop.outputs] == ["y", "t"]


def value_only(x):
    y = x
    for i in range(5):
        y = y * x
    return y


def test_reverse_mode_tapes_only_what_the_adjoint_reads():
    g = ad.grad(value_only)
    value = g(0.5)
    fn = g.ir.function
    # one tape: the carried y (x is read from outside the loop, not taped)
    assert prims(fn).count("tape_new") == 1
    assert prims(fn).count("push") == 1 and prims(fn).count("pop") == 1
    # and the program DCE kept computes d(x**6)/dx
    assert value == pytest.approx(6 * 0.5 ** 5, rel=1e-12)


def sums_rows_of_two_widths(y, z):
    a = 0.0
    for row in y:
        a = a + np.sum(row)
    b = 0.0
    for row in z:  # `row` is (3,) before this loop and (6,) in it; nothing reads it after
        b = b + np.sum(row * 2.0)
    return a + b


def test_a_loop_variable_nothing_reads_after_the_loop_is_not_carried_into_typing():
    y, z = np.ones((2, 3)), np.ones((2, 6))
    assert ad.primal(sums_rows_of_two_widths)(y, z) == sums_rows_of_two_widths(y, z)
    np.testing.assert_array_equal(ad.grad(sums_rows_of_two_widths, argnums=1)(y, z),
                                  np.full((2, 6), 2.0))
    fn = lower_function(sums_rows_of_two_widths)
    before = [len(op.outputs) for op in walk_ops(fn.body) if op.prim == "loop"]
    drop_dead_carried(fn)
    verify(fn, typed=False)
    after = [len(op.outputs) for op in walk_ops(fn.body) if op.prim == "loop"]
    assert after[1] == before[1] - 1  # the second loop no longer carries `row`
