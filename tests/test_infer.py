"""adcompile.ir.infer: types of every value, loops widening to a fixed point, and shape
errors located at the user's line."""

import numpy as np
import pytest

from adcompile.pipeline import specialize
from adcompile.ir.builder import Builder
from adcompile.errors import ShapeError, UnsupportedSyntaxError
from adcompile.frontend.lower import lower_function
from adcompile.ir.infer import NOT_ARRAY, infer_function, infer_op
from adcompile.ir.primitives import result_type
from adcompile.ir.nodes import Function, Op, Region, Value, walk_ops
from adcompile.ir.types import TAPE, ArrayType, FLOAT, INT, TapeType

F3 = ArrayType((3,), "float64")


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
    assert tape.type == TapeType(F3)
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
    # result's type must hold a float, or the result is not differentiated.
    assert result_type("maximum", [FLOAT, INT]) == FLOAT
    assert result_type("minimum", [FLOAT, INT]) == FLOAT
    assert specialize(max_with_an_int, [FLOAT]).results[0].type == FLOAT


def mismatched_add(x, y):
    z = x * 2.0
    return z + y


def mismatched_matmul(a, b):
    return np.sum(a @ b)


def test_a_broadcasting_mismatch_is_an_error_at_the_users_line_with_both_shapes():
    with pytest.raises(ShapeError) as info:
        specialize(mismatched_add, [F3, ArrayType((4,), "float64")])
    err = info.value
    assert err.loc.line == mismatched_add.__code__.co_firstlineno + 2
    assert "(3,)" in str(err) and "(4,)" in str(err)
    assert "return z + y" in str(err)


def test_a_matmul_of_mismatched_inner_dimensions_is_an_error_with_both_shapes():
    with pytest.raises(ShapeError, match=r"\(2, 3\) and \(4, 5\)") as info:
        specialize(mismatched_matmul, [ArrayType((2, 3), "float64"),
                                       ArrayType((4, 5), "float64")])
    assert info.value.loc.line == mismatched_matmul.__code__.co_firstlineno + 1


def test_shape_errors_reach_the_user_through_grad():
    import adcompile as ad
    with pytest.raises(ad.ShapeError, match="cannot broadcast"):
        ad.grad(mismatched_add)(np.ones(3), np.ones(4))


def test_params_are_normalized_once_the_input_types_are_known():
    x = Value("x", type=ArrayType((2, 3), "float64"))
    op = Op("sum", [x], [Value()], {"axis": -1})
    infer_op(op)
    assert op.params == {"axis": (1,), "keepdims": False}
    assert op.output.type == ArrayType((2,), "float64")


def scales_what_the_loop_carries(x):
    s = 1.0
    t = x
    for i in range(3):
        s = t
        s *= 2.0
    return s


def test_the_not_array_check_passes_on_numbers_and_leaves_the_ir():
    fn = lower_function(scales_what_the_loop_carries)
    assert any(op.prim == NOT_ARRAY for op in walk_ops(fn.body))
    infer_function(fn, [FLOAT])
    assert not any(op.prim == NOT_ARRAY for op in walk_ops(fn.body))


def test_the_not_array_check_refuses_an_array():
    with pytest.raises(UnsupportedSyntaxError, match="would change the caller's array x"):
        infer_function(lower_function(scales_what_the_loop_carries),
                       [ArrayType((3,), "float64")])


def scales_a_shared_number_that_becomes_an_array(x):
    s = 1.0
    for i in range(3):
        u = s
        s *= 2.0
        s = s + x + u
    return s


def test_the_not_array_check_sees_the_type_a_loop_widens_to():
    fn = lower_function(scales_a_shared_number_that_becomes_an_array)
    infer_function(fn, [FLOAT])
    with pytest.raises(UnsupportedSyntaxError, match="the array s shares with u"):
        infer_function(lower_function(scales_a_shared_number_that_becomes_an_array),
                       [ArrayType((3,), "float64")])
