"""adcompile.ir.verify: the IR invariants hold after every stage, and broken IR is caught."""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.builder import Builder
from adcompile.ir.clone import clone_function
from adcompile.ir.nodes import Function, Region, Value
from adcompile.ir.types import ArrayType, FLOAT, INT
from adcompile.ir.verify import IRError, verify
from adcompile.passes.cse import cse
from adcompile.passes.dce import dce
from adcompile.passes.driver import PASSES, optimize
from adcompile.passes.simplify import simplify
from adcompile.transforms.forward import forward
from adcompile.transforms.reverse import reverse

from programs import newton_sqrt, taylor_sin

F3 = ArrayType((3,), "float64")


# ---- the corpus ----------------------------------------------------------------------

def polynomial(x, y):
    return 3.0 * x * x * y - 2.0 * y + x / (1.0 + y * y)


def elif_chain(x):
    if x > 1.0:
        y = math.sin(x)
    elif x > 0.0:
        y = x * x
    elif x > -1.0:
        y = math.exp(x)
    else:
        y = -x
    return y * x


def conditional_expression(x, y):
    z = x * y if x > y else x + y
    return z * z


def helper(u, v):
    return u * math.cos(v) + v


def calls_helper(x, y):
    a = helper(x, y)
    b = helper(a, x)
    return a * b


def skip_with_continue(x):
    s = 0.0
    for i in range(6):
        if i % 2 == 0:
            continue
        s = s + x ** i
    return s


def nested_loops(x):
    s = 0.0
    for i in range(3):
        for j in range(2):
            s = s + math.sin(x * i + j)
    return s


def loop_in_branch(x):
    if x > 0.0:
        s = x
        for i in range(3):
            s = s * x
    else:
        s = -x
    return s


def branch_in_loop(x, y):
    s = 0.0
    for i in range(4):
        if s < 2.0:
            s = s + x * y
        else:
            s = s - y
    return s


def early_return(x):
    if x < 0.0:
        return x * x
    y = math.log(1.0 + x)
    return y * 2.0


def tuple_result(x, y):
    a, b = x * y, x + y
    return a, b


def min_max_abs(x, y):
    return max(x, y) * abs(x - y) + min(x * x, 1.0)


def inner_grad(x):
    return x * ad.grad(helper)(x, 2.0)


def while_break(x):
    s = x
    k = 0
    while k < 10:
        s = s * 0.9 + math.sin(s)
        if s > 3.0:
            break
        k = k + 1
    return s


def elementwise_array(x):
    return np.sin(x) * x + np.exp(-x)


def int_argument(x, n):
    y = x
    for i in range(n):
        y = y * x + i
    return y


CORPUS = [
    (polynomial, [FLOAT, FLOAT], True), (elif_chain, [FLOAT], True),
    (conditional_expression, [FLOAT, FLOAT], True), (calls_helper, [FLOAT, FLOAT], True),
    (taylor_sin, [FLOAT], True), (newton_sqrt, [FLOAT], True),
    (skip_with_continue, [FLOAT], True), (nested_loops, [FLOAT], True),
    (loop_in_branch, [FLOAT], True), (branch_in_loop, [FLOAT, FLOAT], True),
    (early_return, [FLOAT], True), (tuple_result, [FLOAT, FLOAT], False),
    (min_max_abs, [FLOAT, FLOAT], True), (inner_grad, [FLOAT], True),
    (while_break, [FLOAT], True), (elementwise_array, [F3], False),
    (int_argument, [FLOAT, INT], True),
]
IDS = [c[0].__name__ for c in CORPUS]


def _float_positions(types):
    return [k for k, t in enumerate(types) if t.is_float]


@pytest.mark.parametrize("fun, types, scalar", CORPUS, ids=IDS)
def test_verifies_after_specialize(fun, types, scalar):
    verify(specialize(fun, types))


@pytest.mark.parametrize("fun, types, scalar", CORPUS, ids=IDS)
def test_verifies_after_forward(fun, types, scalar):
    fn = specialize(fun, types)
    wrt = _float_positions(types)
    verify(forward(fn, wrt, seed_ones=False, with_value=True))
    verify(forward(fn, wrt[:1], seed_ones=True, with_value=False))


@pytest.mark.parametrize("fun, types, scalar", CORPUS, ids=IDS)
def test_verifies_after_reverse(fun, types, scalar):
    fn = specialize(fun, types)
    wrt = _float_positions(types)
    verify(reverse(fn, wrt, with_value=True, cotangent_params=True))
    if scalar:
        verify(reverse(fn, wrt, with_value=False, cotangent_params=False))


@pytest.mark.parametrize("fun, types, scalar", CORPUS, ids=IDS)
def test_verifies_after_each_pass_alone(fun, types, scalar):
    fn = specialize(fun, types)
    wrt = _float_positions(types)
    raw = reverse(fn, wrt, with_value=True, cotangent_params=True)
    for run in (simplify, cse, dce, *PASSES):
        copy = clone_function(raw)
        run(copy)
        verify(copy)


@pytest.mark.parametrize("fun, types, scalar", CORPUS, ids=IDS)
def test_verifies_after_second_order(fun, types, scalar):
    fn = specialize(fun, types)
    wrt = _float_positions(types)
    first = optimize(reverse(fn, wrt, with_value=False, cotangent_params=True))
    verify(first)
    verify(optimize(forward(first, wrt, seed_ones=False, with_value=True)))
    tangent = optimize(forward(fn, wrt, seed_ones=False, with_value=False))
    verify(optimize(forward(tangent, wrt, seed_ones=False, with_value=False)))
    verify(optimize(reverse(tangent, wrt, with_value=False, cotangent_params=True)))


def test_verifies_the_ir_of_public_transforms():
    for transform in (ad.grad, ad.value_and_grad, ad.hessian):
        t = transform(taylor_sin)
        t(0.5)
        verify(t.ir.function)
    d = ad.derivative(newton_sqrt, order=2)
    d(2.0)
    verify(d.ir.function)


# ---- hand-broken IR ------------------------------------------------------------------

def _small():
    """f(x) = sin(x) * x, typed."""
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    s = b.apply("sin", x)
    y = b.apply("mul", s, x)
    body.results = [y]
    return Function("f", body, ["x"]), b


def _with_cond():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    pred = b.apply("gt", x, b.const(0.0))
    then, other = Region(), Region()
    with b.into(then):
        then.results = [b.apply("sin", x)]
    with b.into(other):
        other.results = [b.apply("cos", x)]
    cond = b.emit("cond", [pred], n_out=1, regions=[then, other])
    cond.output.type = FLOAT
    body.results = [cond.output]
    return Function("f", body, ["x"]), cond


def _with_loop():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    start, stop, step = b.const(0), b.const(3), b.const(1)
    i, s = Value("i", type=INT), Value("s", type=FLOAT)
    inner = Region(params=[i, s])
    with b.into(inner):
        inner.results = [b.apply("mul", s, x), b.const(False)]
    loop = b.emit("loop", [start, stop, step, x], {"kind": "range"}, n_out=1, regions=[inner])
    loop.output.type = FLOAT
    body.results = [loop.output]
    return Function("f", body, ["x"]), loop


def test_the_hand_built_functions_are_valid():
    verify(_small()[0])
    verify(_with_cond()[0])
    verify(_with_loop()[0])


def test_use_before_definition():
    fn, _ = _small()
    fn.body.ops.reverse()  # mul now reads sin's output before sin runs
    with pytest.raises(IRError, match="before it is defined"):
        verify(fn)


def test_use_of_a_value_defined_nowhere():
    fn, b = _small()
    fn.body.ops[1].inputs[0] = Value("ghost", type=FLOAT)
    with pytest.raises(IRError, match="before it is defined"):
        verify(fn)


def test_result_that_is_not_visible():
    fn, _ = _small()
    fn.body.results = [Value("ghost", type=FLOAT)]
    with pytest.raises(IRError, match="yields"):
        verify(fn)


def test_reading_a_branch_value_after_the_cond():
    fn, cond = _with_cond()
    inside = cond.regions[0].results[0]
    fn.body.results = [inside]
    with pytest.raises(IRError):
        verify(fn)


def test_reading_the_other_branchs_value():
    fn, cond = _with_cond()
    cond.regions[1].results = [cond.regions[0].results[0]]
    with pytest.raises(IRError):
        verify(fn)


def test_value_defined_twice():
    fn, _ = _small()
    first, second = fn.body.ops
    second.outputs = [first.output]
    with pytest.raises(IRError, match="defined twice"):
        verify(fn)


def test_wrong_result_count_of_a_branch():
    fn, cond = _with_cond()
    cond.regions[1].results = cond.regions[1].results * 2
    with pytest.raises(IRError, match="one value per output"):
        verify(fn)


def test_wrong_result_count_of_a_loop_body():
    fn, loop = _with_loop()
    loop.regions[0].results.pop()  # the exit flag is missing
    with pytest.raises(IRError, match="exit flag"):
        verify(fn)


def test_wrong_input_count_of_a_loop():
    fn, loop = _with_loop()
    loop.inputs.append(fn.params[0])
    with pytest.raises(IRError, match="range loop"):
        verify(fn)


def test_wrong_arity_of_a_primitive():
    fn, _ = _small()
    fn.body.ops[0].inputs.append(fn.params[0])
    with pytest.raises(IRError, match="takes 1 inputs"):
        verify(fn)


def test_unknown_primitive():
    fn, _ = _small()
    fn.body.ops[0].prim = "frobnicate"
    with pytest.raises(IRError, match="unknown primitive"):
        verify(fn)


def test_unknown_loop_kind():
    fn, loop = _with_loop()
    loop.params["kind"] = "until"
    with pytest.raises(IRError, match="unknown kind"):
        verify(fn)


def test_cond_with_params_on_a_branch():
    fn, cond = _with_cond()
    cond.regions[0].params.append(Value("p", type=FLOAT))
    with pytest.raises(IRError):
        verify(fn)


def test_untyped_value_only_when_typed():
    fn, _ = _small()
    fn.body.ops[0].output.type = None
    with pytest.raises(IRError, match="no type"):
        verify(fn)
    verify(fn, typed=False)


def test_ir_error_is_an_assertion_error():
    assert issubclass(IRError, AssertionError)


def test_verify_does_not_change_the_ir():
    fn, _ = _small()
    ops = list(fn.body.ops)
    verify(fn)
    assert fn.body.ops == ops


def test_verifies_code_read_back_from_generated_source_with_tapes():
    # the frontend reads a gradient's own source (tapes: `[]`, .append, .pop) back in
    g = ad.grad(taylor_sin)
    g(0.5)
    fn = specialize(g._last.function, [FLOAT])
    verify(fn)
    verify(optimize(forward(fn, [0], seed_ones=False, with_value=True)))
    verify(optimize(reverse(fn, [0], with_value=True, cotangent_params=True)))
