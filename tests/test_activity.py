"""adcompile.transforms.activity: which values depend differentiably on the inputs."""

import math

import numpy as np

from adcompile.pipeline import specialize
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import ArrayType, FLOAT, INT, TAPE
from adcompile.transforms.activity import active_values

from irkit import make, range_loop

F3 = ArrayType((3,), "float64")


def _by_prim(fn, prim):
    return [op for op in walk_ops(fn.body) if op.prim == prim]


def two_inputs(x, y):
    a = np.sin(x)
    b = np.cos(y)
    return a * b, b * 2.0


def rounding(x):
    f = math.floor(x)
    s = abs(x)
    n = int(x)
    return f * s + n


def compare(x):
    flag = x > 1.0
    return flag


def picks_up_later(x):
    a = 1.0
    b = 2.0
    for i in range(3):
        b = a * 3.0
        a = x
    return b


def loop_counter(x, n):
    k = 0
    s = 0.0
    for i in range(n):
        k = k + 1
        s = s + x
    return s, k


def branch(x, y):
    if y > 0.0:
        z = x * 2.0
    else:
        z = y
    return z


def constant_branch(x, y):
    if x > 0.0:
        z = 1.0
    else:
        z = y
    return z


def test_values_computed_from_the_seed_are_active():
    fn = specialize(two_inputs, [FLOAT, FLOAT])
    x, y = fn.params
    active = active_values(fn, [x])
    sin = _by_prim(fn, "sin")[0]
    cos = _by_prim(fn, "cos")[0]
    assert x in active and y not in active
    assert sin.output in active and cos.output not in active
    assert fn.results[0] in active and fn.results[1] not in active
    active = active_values(fn, [y])
    assert sin.output not in active and fn.results[1] in active


def test_constants_are_never_active():
    fn = specialize(two_inputs, [FLOAT, FLOAT])
    active = active_values(fn, list(fn.params))
    assert not {op.output for op in _by_prim(fn, "const")} & active


def test_zero_derivative_primitives_stop_activity():
    fn = specialize(rounding, [FLOAT])
    active = active_values(fn, fn.params)
    assert _by_prim(fn, "floor")[0].output not in active
    assert _by_prim(fn, "int")[0].output not in active
    assert _by_prim(fn, "abs")[0].output in active
    assert fn.results[0] in active


def test_truth_values_are_not_active():
    fn = specialize(compare, [FLOAT])
    active = active_values(fn, fn.params)
    assert fn.results[0] not in active


def test_int_and_non_float_seeds_are_not_active():
    fn = specialize(loop_counter, [FLOAT, INT])
    x, n = fn.params
    assert active_values(fn, [n]) == set()
    active = active_values(fn, [x])
    s, k = fn.results
    assert s in active and k not in active
    loop = _by_prim(fn, "loop")[0]
    index = loop.regions[0].params[0]
    assert index not in active


def test_loop_activity_reaches_a_fixed_point():
    # b becomes active only on the second iteration, through a
    fn = specialize(picks_up_later, [FLOAT])
    active = active_values(fn, fn.params)
    loop = _by_prim(fn, "loop")[0]
    assert all(out in active for out in loop.outputs if out.type.is_float)
    assert fn.results[0] in active
    body = loop.regions[0]
    assert all(p in active for p in body.params[1:])


def test_cond_output_active_when_a_branch_yields_an_active_value():
    fn = specialize(branch, [FLOAT, FLOAT])
    x, y = fn.params
    assert fn.results[0] in active_values(fn, [x])
    assert fn.results[0] in active_values(fn, [y])
    fn = specialize(constant_branch, [FLOAT, FLOAT])
    x, y = fn.params
    assert fn.results[0] not in active_values(fn, [x])  # x only decides the branch
    assert fn.results[0] in active_values(fn, [y])


def test_arrays_are_active_like_scalars():
    fn = specialize(two_inputs, [F3, FLOAT])
    active = active_values(fn, [fn.params[0]])
    assert fn.results[0] in active


def test_tape_is_active_when_an_active_value_is_pushed_and_then_pops_are():
    def build(b, x, y):
        tapes = []
        for _ in range(2):
            t = b.emit("tape_new", []).output
            t.type = TAPE
            tapes.append(t)

        def body(b, i, s):
            b.emit("push", [tapes[0], s], n_out=0)
            b.emit("push", [tapes[1], y], n_out=0)
            return [b.apply("mul", s, s)], b.const(False)
        range_loop(b, 3, [x], body)
        pops = []
        for t in tapes:
            p = b.emit("pop", [t]).output
            p.type = FLOAT
            pops.append(p)
        return tuple(pops)
    fn = make(build, FLOAT, FLOAT)
    x = fn.params[0]
    active = active_values(fn, [x])
    tape_x, tape_y = [op.output for op in _by_prim(fn, "tape_new")]
    assert tape_x in active and tape_y not in active
    assert fn.results[0] in active and fn.results[1] not in active
