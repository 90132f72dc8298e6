"""adcompile.ir.clone: a copy of the IR that shares no values, ops or regions."""

import math

import numpy as np

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.builder import Builder
from adcompile.ir.clone import clone_function, clone_op, clone_region
from adcompile.ir.nodes import Function, Region, Value, walk_ops
from adcompile.ir.types import NONE, ArrayType, FLOAT, INT
from adcompile.ir.printer import format_function
from adcompile.ir.verify import verify

from programs import taylor_sin


def branchy_loop(x, n):
    y = x
    for i in range(n):
        if y > 1.0:
            y = y * 0.5
        else:
            y = math.sin(y) + x
    k = 0
    while k < 3:
        k = k + 1
    return y + k


def _all_values(fn: Function) -> set:
    found = set(fn.params) | set(fn.results)
    stack = [fn.body]
    while stack:
        region = stack.pop()
        found |= set(region.params) | set(region.results)
        for op in region.ops:
            found |= set(op.inputs) | set(op.outputs)
            stack.extend(op.regions)
    return found


def _all_ops_and_regions(fn: Function) -> set:
    found = {id(fn.body)}
    for op in walk_ops(fn.body):
        found.add(id(op))
        found.update(id(r) for r in op.regions)
    return found


def _check_clone(fn: Function) -> Function:
    copy = clone_function(fn)
    assert not (_all_values(fn) & _all_values(copy))
    assert not (_all_ops_and_regions(fn) & _all_ops_and_regions(copy))
    assert format_function(copy) == format_function(fn)
    verify(copy, typed=all(v.type is not None for v in _all_values(fn)))
    return copy


def test_clone_of_a_specialized_function_shares_nothing_and_prints_the_same():
    _check_clone(specialize(branchy_loop, [FLOAT, INT]))


def test_clone_of_a_gradient_through_a_loop_shares_nothing_and_prints_the_same():
    g = ad.grad(taylor_sin)
    g(0.4)
    _check_clone(g.ir.function)


def test_clone_keeps_metadata():
    fn = specialize(branchy_loop, [FLOAT, INT])
    fn.defaults = {"n": 3}
    copy = clone_function(fn)
    assert copy.name == fn.name and copy.param_names == fn.param_names
    assert copy.defaults == {"n": 3} and copy.defaults is not fn.defaults
    assert copy.param_names is not fn.param_names
    assert copy.returns_tuple == fn.returns_tuple and copy.loc == fn.loc
    for old, new in zip(fn.params, copy.params):
        assert (old.hint, old.loc, old.type, old.strong_name) == \
            (new.hint, new.loc, new.type, new.strong_name)


def test_changing_the_clone_leaves_the_original_alone():
    fn = specialize(branchy_loop, [FLOAT, INT])
    before = format_function(fn)
    copy = clone_function(fn)
    for op in walk_ops(copy.body):
        op.params["touched"] = True
        for v in op.outputs:
            v.hint = "changed"
            v.type = NONE
    copy.body.ops.clear()
    assert format_function(fn) == before


def test_clone_region_maps_values_through_vmap_and_keeps_free_values():
    x, outside = Value("x", type=FLOAT), Value("w", type=FLOAT)
    region = Region(params=[x])
    b = Builder(region)
    y = b.apply("mul", x, outside)
    region.results = [y]
    vmap = {}
    copy = clone_region(region, vmap)
    assert vmap[x] is copy.params[0] and vmap[y] is copy.results[0]
    # a value from around the region, not in the map, is read as it is
    assert copy.ops[0].inputs[1] is outside
    # a value in the map is read through it
    replacement = Value("r", type=FLOAT)
    copy2 = clone_region(region, {outside: replacement})
    assert copy2.ops[0].inputs[1] is replacement


def test_clone_op_into_another_region():
    a, c = Value("a", type=FLOAT), Value("c", type=FLOAT)
    region = Region(params=[a])
    b = Builder(region)
    op = b.emit("sin", [a])
    vmap = {a: c}
    new = clone_op(op, vmap)
    assert new is not op and new.prim == "sin"
    assert new.inputs == [c]
    assert vmap[op.output] is new.output and new.output is not op.output
    assert new.output.type == FLOAT
    assert new.params is not op.params


def test_clone_of_an_array_constant_keeps_the_array():
    x = Value("x", type=ArrayType((2,), "float64"))
    region = Region(params=[x])
    b = Builder(region)
    arr = np.array([1.0, 2.0])
    region.results = [b.apply("add", x, b.const(arr))]
    copy = clone_function(Function("f", region, ["x"]))
    const = copy.body.ops[0]
    assert const.prim == "const" and const.params["value"] is arr
