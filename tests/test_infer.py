"""adcompile.ir.infer: types of results, joins, and loops widening to a fixed point."""

import numpy as np
import pytest

from adcompile.api import specialize
from adcompile.ir.builder import Builder
from adcompile.ir.infer import (infer_function, infer_op, join, representative,
                                result_type, type_of)
from adcompile.ir.nodes import (BOOL, FLOAT, INT, NONE, TAPE, Function, Op, Region, Type,
                                Value, walk_ops)

F3 = Type((3,), "float64")


# ---- functions under test --------------------------------------------------------------

def int_then_float(x):
    y = 0
    for i in range(4):
        y = y + x
    return y


def int_then_float_while(x):
    y = 0
    k = 0
    while k < 3:
        y = y + x
        k = k + 1
    return y, k


def stays_int(n):
    total = 0
    for i in range(n):
        total = total + i
    return total


def branch_join(x):
    if x > 0.0:
        y = 1
    else:
        y = x
    return y


def widens_late(x):
    a = 0
    b = 0
    for i in range(3):
        b = a
        a = x
    return b


# ---- type_of, representative -----------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (1.5, FLOAT), (3, INT), (True, BOOL), (None, NONE), (np.float64(1.0), FLOAT),
    (np.int64(2), INT), (np.bool_(True), BOOL), (np.zeros((2, 3)), Type((2, 3), "float64")),
    (np.zeros(4, dtype=np.float32), Type((4,), "float32")),
    (np.arange(3), Type((3,), "int64")),
])
def test_type_of(value, expected):
    assert type_of(value) == expected


def test_type_of_refuses_other_objects():
    with pytest.raises(TypeError, match="str"):
        type_of("text")


def test_representative_has_the_type_it_represents():
    for t in (FLOAT, INT, BOOL, NONE, F3, Type((2, 1), "float32"), Type((2,), "int64")):
        assert type_of(representative(t)) == t


# ---- join --------------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, expected", [
    (INT, FLOAT, FLOAT), (FLOAT, INT, FLOAT), (BOOL, INT, INT), (BOOL, FLOAT, FLOAT),
    (INT, INT, INT), (None, FLOAT, FLOAT), (FLOAT, None, FLOAT), (NONE, FLOAT, FLOAT),
    (FLOAT, NONE, FLOAT), (FLOAT, F3, F3), (F3, INT, F3),
    (Type((3,), "float32"), Type((3,), "float64"), F3),
    (Type((2, 1), "float64"), Type((3,), "float64"), Type((2, 3), "float64")),
    (Type((3,), "int64"), FLOAT, F3),
])
def test_join(a, b, expected):
    assert join(a, b) == expected


def test_join_is_symmetric():
    types = [INT, FLOAT, BOOL, F3, Type((2, 1), "float32"), Type((3,), "int64")]
    for a in types:
        for b in types:
            assert join(a, b) == join(b, a), (a, b)


# ---- result_type -------------------------------------------------------------------------

@pytest.mark.parametrize("prim, inputs, expected", [
    ("add", [INT, INT], INT), ("add", [INT, FLOAT], FLOAT), ("mul", [FLOAT, FLOAT], FLOAT),
    ("div", [INT, INT], FLOAT), ("floordiv", [INT, INT], INT), ("pow", [INT, INT], INT),
    ("lt", [FLOAT, INT], BOOL), ("not", [BOOL], BOOL), ("sin", [INT], FLOAT),
    ("neg", [INT], INT), ("abs", [FLOAT], FLOAT), ("floor", [FLOAT], INT),
    ("maximum", [INT, FLOAT], FLOAT),
    ("add", [F3, FLOAT], F3), ("mul", [INT, F3], F3), ("sin", [F3], F3),
    ("lt", [F3, FLOAT], Type((3,), "bool")),
    ("add", [Type((2, 1), "float64"), F3], Type((2, 3), "float64")),
    ("mul", [Type((3,), "float32"), FLOAT], Type((3,), "float32")),
    ("sum_to", [Type((2, 3), "float64"), F3], F3), ("sum_to", [F3, FLOAT], FLOAT),
    ("tape_new", [], TAPE),
])
def test_result_type(prim, inputs, expected):
    assert result_type(prim, inputs) == expected


def test_result_type_does_not_warn_or_fail_at_the_representative_point():
    # arcsin of the representative int 2 is nan: inference must not fail or warn on it
    assert result_type("log", [FLOAT]) == FLOAT
    assert result_type("div", [FLOAT, Type((3,), "float64")]) == F3
    assert result_type("arcsin", [F3]) == F3


# ---- infer_op / infer_function -----------------------------------------------------------

def test_infer_function_types_every_value_of_a_hand_built_function():
    x = Value("x")
    body = Region(params=[x])
    b = Builder(body)
    two = b.const(2)
    y = b.apply("mul", two, x)  # x untyped yet: left untyped
    assert y.type is None
    z = b.apply("sin", y)
    body.results = [z]
    fn = Function("f", body, ["x"])
    infer_function(fn, [F3])
    assert x.type == F3 and y.type == F3 and z.type == F3
    infer_function(fn, [INT])
    assert y.type == INT and z.type == FLOAT


def test_cond_output_is_the_join_of_its_branches():
    ir = specialize(branch_join, [FLOAT])
    conds = [op for op in walk_ops(ir.body) if op.prim == "cond"]
    assert len(conds) == 1
    assert conds[0].output.type == FLOAT
    assert ir.results[0].type == FLOAT


def test_tape_element_type_comes_from_pushes_and_pops_get_it():
    tape_op = Op("tape_new", [], [Value("tape")])
    infer_op(tape_op)
    tape = tape_op.output
    assert tape.type == TAPE
    x = Value("x", type=F3)
    infer_op(Op("push", [tape, x], []))
    assert tape.type == Type(None, "tape", F3)
    popped = Op("pop", [tape], [Value()])
    infer_op(popped)
    assert popped.output.type == F3


# ---- loops: widening --------------------------------------------------------------------

def _loop(ir):
    loops = [op for op in walk_ops(ir.body) if op.prim == "loop"]
    assert len(loops) == 1
    return loops[0]


def test_range_loop_widens_an_int_carried_value_to_float():
    ir = specialize(int_then_float, [FLOAT])
    loop = _loop(ir)
    body = loop.regions[-1]
    assert body.params[0].type == INT  # the index
    assert [p.type for p in body.params[1:]] == [FLOAT]
    assert [o.type for o in loop.outputs] == [FLOAT]
    assert ir.results[0].type == FLOAT


def test_range_loop_widens_to_an_array():
    ir = specialize(int_then_float, [F3])
    assert ir.results[0].type == F3
    assert _loop(ir).regions[-1].params[1].type == F3


def test_while_loop_widens_its_test_and_body_params():
    ir = specialize(int_then_float_while, [FLOAT])
    loop = _loop(ir)
    test, body = loop.regions
    y_out, k_out = loop.outputs
    assert (y_out.type, k_out.type) == (FLOAT, INT)
    assert [p.type for p in test.params] == [FLOAT, INT]
    assert [p.type for p in body.params] == [FLOAT, INT]
    assert [r.type for r in ir.results] == [FLOAT, INT]


def test_int_loop_stays_int():
    ir = specialize(stays_int, [INT])
    assert ir.results[0].type == INT


def test_widening_reaches_a_fixed_point_over_several_iterations():
    # b becomes float only in the second pass over the body (it copies a, which copies x)
    ir = specialize(widens_late, [FLOAT])
    loop = _loop(ir)
    assert all(o.type == FLOAT for o in loop.outputs)
    assert ir.results[0].type == FLOAT
    for value in loop.regions[-1].params[1:]:
        assert value.type == FLOAT


def max_with_an_int(x):
    return max(x, 1)


def test_max_of_a_float_and_an_int_is_typed_float_whichever_is_larger():
    # Python's max returns whichever operand is larger: max(3.5, 1) is the float 3.5, so the
    # result's type must hold a float (inference on the representatives 0.5 and 2 alone
    # would say int, and then the result is not differentiated).
    assert result_type("maximum", [FLOAT, INT]) == FLOAT
    assert result_type("minimum", [FLOAT, INT]) == FLOAT
    assert specialize(max_with_an_int, [FLOAT]).results[0].type == FLOAT
