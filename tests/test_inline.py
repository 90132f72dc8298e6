"""adcompile.transforms.inline: a staged `grad(g)(x)` inside a compiled function becomes
the ops of g's gradient."""

import math

import pytest

import adcompile as ad
from adcompile.cache import lowered
from adcompile.pipeline import specialize
from adcompile.ir.clone import clone_function
from adcompile.ir.infer import infer_function
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import FLOAT
from adcompile.ir.verify import verify
from adcompile.transforms.inline import inline_applies

from irkit import prims


def g(x, y):
    return math.sin(x) * y + x * x


def uses_grad(x):
    return ad.grad(g)(x, 3.0) * x


def uses_grad_tuple(x, y):
    gx, gy = ad.grad(g, argnums=(0, 1))(x, y)
    return gx + gy * 2.0


def uses_value_and_grad(x):
    value, slope = ad.value_and_grad(g)(x, 2.0)
    return value + slope


def uses_derivative(x):
    return ad.derivative(h, order=2)(x)


def h(x):
    return x * x * x


def nested(x):
    return ad.grad(uses_grad)(x) + 1.0


def in_a_loop(x):
    s = 0.0
    for i in range(3):
        s = s + ad.grad(g)(x * i, 1.0)
    return s


def test_lowering_stages_the_call_as_an_apply():
    assert "apply" in prims(lowered(uses_grad).function)


@pytest.mark.parametrize("fun, types", [
    (uses_grad, [FLOAT]), (uses_grad_tuple, [FLOAT, FLOAT]), (uses_value_and_grad, [FLOAT]),
    (uses_derivative, [FLOAT]), (nested, [FLOAT]), (in_a_loop, [FLOAT])])
def test_specialize_leaves_no_apply(fun, types):
    fn = specialize(fun, types)
    assert "apply" not in prims(fn)
    verify(fn)


def build(callee, types):
    return callee.build_ir(types)


def test_inline_applies_replaces_the_apply_by_the_ir_built_for_the_callee():
    fn = clone_function(lowered(uses_grad).function)
    infer_function(fn, [FLOAT])
    built = []
    assert inline_applies(fn, lambda callee, types: built.append((callee, types)) or
                          build(callee, types))
    assert built == [(ad.grad(g), [FLOAT, FLOAT])]
    names = prims(fn)
    assert "apply" not in names
    assert "cos" in names  # d/dx sin(x) * y
    assert inline_applies(fn, build) is False  # nothing left to expand
    infer_function(fn, [FLOAT])
    verify(fn)


def test_a_staged_call_and_what_is_computed_from_it_stay_untyped_until_expanded():
    fn = clone_function(lowered(uses_grad).function)
    infer_function(fn, [FLOAT])
    apply = next(op for op in walk_ops(fn.body) if op.prim == "apply")
    assert apply.output.type is None and fn.results[0].type is None
    inline_applies(fn, build)
    infer_function(fn, [FLOAT])
    assert fn.results[0].type == FLOAT


def test_inlined_values_are_fresh():
    fn = clone_function(lowered(uses_grad).function)
    infer_function(fn, [FLOAT])
    inline_applies(fn, build)
    callee = ad.grad(g).build_ir([FLOAT, FLOAT])
    callee_values = {v for op in walk_ops(callee.body) for v in op.outputs}
    ours = {v for op in walk_ops(fn.body) for v in op.outputs}
    assert not callee_values & ours


def test_values_agree_with_calling_the_transforms():
    x = 0.7
    assert ad.primal(uses_grad)(x) == pytest.approx(ad.grad(g)(x, 3.0) * x)
    assert ad.primal(uses_grad_tuple)(x, 0.4) == pytest.approx(
        ad.grad(g, argnums=(0, 1))(x, 0.4)[0] + 2.0 * ad.grad(g, argnums=(0, 1))(x, 0.4)[1])
    value, slope = ad.value_and_grad(g)(x, 2.0)
    assert ad.primal(uses_value_and_grad)(x) == pytest.approx(value + slope)
    assert ad.primal(uses_derivative)(x) == pytest.approx(6 * x)
    assert ad.primal(in_a_loop)(x) == pytest.approx(
        sum(math.cos(x * i) + 2 * x * i for i in range(3)))


def test_derivatives_flow_through_inlined_derivatives():
    x = 0.7
    # d/dx [(cos(x) * 3 + 2x) * x]
    assert ad.grad(uses_grad)(x) == pytest.approx(
        -math.sin(x) * 3 * x + math.cos(x) * 3 + 4 * x, rel=1e-12)
    assert ad.primal(nested)(x) == pytest.approx(ad.grad(uses_grad)(x) + 1.0)


def test_generated_code_has_no_calls_to_transforms():
    p = ad.primal(nested)
    p(0.7)
    assert p.source.count("def ") == 1
    assert "grad" not in p.source and "adcompile" not in p.source
