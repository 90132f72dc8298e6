"""adcompile.ir.nodes: values, ops, regions, and the helpers that walk them."""

import pytest

from adcompile.errors import Loc
from adcompile.ir.builder import Builder
from adcompile.ir.nodes import (Function, Op, Region, Value, defined_in, free_values,
                                substitute, used_in, walk_ops)
from adcompile.ir.types import FLOAT, INT


# ---- Value ---------------------------------------------------------------------------

def test_values_are_equal_only_when_identical():
    a, b = Value("x", type=FLOAT), Value("x", type=FLOAT)
    assert a != b
    assert a == a
    assert len({a, b}) == 2
    assert {a: 1}.get(b) is None


def test_value_keeps_hint_location_type_and_strong_name():
    loc = Loc("f.py", 3, 4, "    y = x")
    v = Value("y", loc, FLOAT, strong_name=True)
    assert (v.hint, v.loc, v.type, v.strong_name) == ("y", loc, FLOAT, True)
    assert Value().strong_name is False
    assert repr(v) == "<Value y float>"
    assert repr(Value()) == "<Value _ ?>"


# ---- Op, Region, Function ------------------------------------------------------------

def test_op_output_is_its_single_output():
    v = Value("y")
    assert Op("neg", [Value()], [v]).output is v
    with pytest.raises(AssertionError):
        Op("cond", [Value()], [Value(), Value()]).output  # noqa: B018


def test_ops_and_regions_compare_by_identity():
    x = Value()
    a, b = Op("neg", [x], [Value()]), Op("neg", [x], [Value()])
    assert a != b
    assert Region() != Region()
    assert len({Region(), Region()}) == 2


def test_region_defaults_are_not_shared():
    r1, r2 = Region(), Region()
    r1.ops.append(Op("const", [], [Value()], {"value": 1}))
    assert r2.ops == [] and r2.params == [] and r2.results == []


def test_function_params_and_results_are_its_body_region():
    x, y = Value("x"), Value("y")
    body = Region(params=[x], results=[y])
    fn = Function("f", body, ["x"])
    assert fn.params is body.params
    assert fn.results is body.results
    assert fn.defaults == {} and fn.returns_tuple is False


# ---- structured ops ------------------------------------------------------------------

def _range_loop():
    """for i in range(0, 5, 1): (a, b) = (a + x, b) ; x from outside."""
    x = Value("x", type=FLOAT)
    top = Region(params=[x])
    b = Builder(top)
    start, stop, step = b.const(0), b.const(5), b.const(1)
    a0, b0 = b.const(0.0), b.const(1.0)
    i, a, bb = Value("i", type=INT), Value("a", type=FLOAT), Value("b", type=FLOAT)
    body = Region(params=[i, a, bb])
    with b.into(body):
        a_next = b.apply("add", a, x)
        flag = b.const(False)
    body.results = [a_next, bb, flag]
    loop = b.emit("loop", [start, stop, step, a0, b0], {"kind": "range"}, n_out=2,
                  regions=[body])
    top.results = [loop.outputs[0]]
    return top, loop, (x, start, stop, step, a0, b0, i, a, bb, a_next, flag)


def test_walk_ops_visits_nested_ops_in_program_order():
    top, loop, _ = _range_loop()
    prims = [op.prim for op in walk_ops(top)]
    # the loop comes before its body's ops, which come before what follows the loop
    assert prims == ["const"] * 5 + ["loop", "add", "const"]


def test_defined_used_and_free_values():
    top, loop, (x, start, stop, step, a0, b0, i, a, bb, a_next, flag) = _range_loop()
    body = loop.regions[0]
    assert defined_in(body) == {i, a, bb, a_next, flag}
    assert used_in(body) == {a, x, a_next, bb, flag}
    # the body reads x from around it, and nothing else from outside
    assert free_values(body) == {x}
    assert free_values(top) == set()
    assert defined_in(top) >= {x, start, loop.outputs[0], a_next}


def test_substitute_replaces_uses_in_place_including_nested_regions_and_results():
    top, loop, (x, *_rest) = _range_loop()
    body = loop.regions[0]
    y = Value("y", type=FLOAT)
    out = loop.outputs[0]
    substitute(top, {x: y, out: y})
    assert body.ops[0].inputs[1] is y
    assert top.results == [y]
    assert x not in used_in(top)


def test_substitute_with_empty_mapping_changes_nothing():
    top, loop, _ = _range_loop()
    before = [list(op.inputs) for op in walk_ops(top)]
    substitute(top, {})
    assert [list(op.inputs) for op in walk_ops(top)] == before
