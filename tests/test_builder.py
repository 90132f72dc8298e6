"""adcompile.ir.builder: appending ops to a region, typed as they go."""

import pytest

from adcompile.errors import Loc
from adcompile.ir.builder import Builder
from adcompile.ir.nodes import Region, Value
from adcompile.ir.types import ArrayType, FLOAT, INT

LOC = Loc("f.py", 3, 4, "    y = x + 1")
OTHER = Loc("f.py", 9, 0, "z")


def test_emit_appends_in_order_and_returns_the_op():
    x = Value("x", type=FLOAT)
    region = Region(params=[x])
    b = Builder(region)
    first = b.emit("neg", [x])
    second = b.emit("sin", [first.output])
    assert region.ops == [first, second]
    assert first.inputs == [x] and second.inputs == [first.output]
    assert first.output is not second.output


def test_apply_types_the_result_when_the_inputs_are_typed():
    x = Value("x", type=ArrayType((3,), "float64"))
    b = Builder(Region(params=[x]))
    y = b.apply("add", x, b.const(1))
    assert y.type == ArrayType((3,), "float64")
    assert b.apply("lt", y, x).type == ArrayType((3,), "bool")


def test_apply_leaves_the_result_untyped_when_an_input_is_untyped():
    x = Value("x")
    b = Builder(Region(params=[x]))
    y = b.apply("add", x, b.const(1.0))
    assert y.type is None


def test_const_is_typed_from_its_value():
    b = Builder(Region())
    assert b.const(2).type == INT
    assert b.const(2.0).type == FLOAT
    c = b.const(3.0, hint="c")
    assert c.hint == "c"
    op = b.region.ops[-1]
    assert op.prim == "const" and op.params == {"value": 3.0} and op.inputs == []


def test_hint_and_params_reach_the_op():
    x = Value("x", type=FLOAT)
    b = Builder(Region(params=[x]))
    y = b.apply("neg", x, hint="y")
    assert y.hint == "y"
    params = {"kind": "range"}
    op = b.emit("loop", [], params, n_out=0)
    params["kind"] = "while"
    assert op.params == {"kind": "range"}  # copied, not aliased


def test_emit_makes_n_outputs_all_carrying_the_hint():
    b = Builder(Region())
    op = b.emit("cond", [b.const(True)], n_out=3, hint="r", regions=[Region(), Region()])
    assert len(op.outputs) == 3 and len(set(op.outputs)) == 3
    assert all(v.hint == "r" for v in op.outputs)


def test_structured_ops_are_not_typed_by_emit():
    b = Builder(Region())
    pred = b.const(True)
    op = b.emit("cond", [pred], n_out=1, regions=[Region(), Region()])
    assert op.outputs[0].type is None


def test_location_defaults_to_the_builders_and_can_be_overridden():
    x = Value("x", type=FLOAT)
    b = Builder(Region(params=[x]), LOC)
    op = b.emit("neg", [x])
    assert op.loc == LOC and op.output.loc == LOC
    op = b.emit("neg", [x], loc=OTHER)
    assert op.loc == OTHER and op.output.loc == OTHER
    b.loc = OTHER
    assert b.emit("sin", [x]).loc == OTHER


def test_into_emits_into_another_region_and_restores():
    outer, inner = Region(), Region()
    b = Builder(outer)
    with b.into(inner) as same:
        assert same is b
        b.const(1.0)
    b.const(2.0)
    assert [op.params["value"] for op in inner.ops] == [1.0]
    assert [op.params["value"] for op in outer.ops] == [2.0]


def test_into_restores_the_region_after_an_exception():
    outer, inner = Region(), Region()
    b = Builder(outer)
    with pytest.raises(RuntimeError):
        with b.into(inner):
            raise RuntimeError("boom")
    assert b.region is outer


def test_into_nests():
    a, c, d = Region(), Region(), Region()
    b = Builder(a)
    with b.into(c):
        with b.into(d):
            b.const(1)
        b.const(2)
    assert len(d.ops) == 1 and len(c.ops) == 1 and a.ops == []
