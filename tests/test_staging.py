"""Tests for adcompile/staging.py: a transform called inside compiled code is one
``apply`` op whose callee prints as the transform, with containers as arguments too;
what the callee reads from outside is read by the caller at each call; a partial's
bound argument that is not a number or an array is refused by name."""

import functools
import math
import sys

import numpy as np
import pytest

import adcompile as ad
from adcompile.cache import lowered
from adcompile.ir.nodes import walk_ops

THIS = sys.modules[__name__]


def square_with_settable(a):
    def g(t):
        return a * t * t

    def set_a(value):
        nonlocal a
        a = value
    return g, set_a


INNER, SET_INNER = square_with_settable(2.0)


def uses_the_gradient_of_a_closure(x):
    return ad.grad(INNER)(x) * x  # 2 a x^2


def test_a_staged_gradient_reads_its_closure_at_call_time(monkeypatch):
    primal = ad.primal(uses_the_gradient_of_a_closure)
    g = ad.grad(uses_the_gradient_of_a_closure)
    assert (primal(1.5), g(1.5)) == (9.0, 12.0)
    SET_INNER(3.0)  # the same closure, its cell rebound
    try:
        assert (primal(1.5), g(1.5)) == (13.5, 18.0)
    finally:
        SET_INNER(2.0)
    monkeypatch.setattr(THIS, "INNER", square_with_settable(-1.0)[0])  # another closure
    assert (primal(1.5), g(1.5)) == (-4.5, -6.0)


def gradient_times_x_of(inner):
    def f(x):
        return ad.grad(inner)(x) * x
    return f


def test_closures_over_different_staged_functions():
    for a in (2.0, 3.0, 2.0):
        f = gradient_times_x_of(square_with_settable(a)[0])
        assert ad.grad(f)(1.5) == 4.0 * a * 1.5
        assert ad.hessian(f)(1.5) == 4.0 * a


def energy(params):
    return np.sum(params["a"] ** 2) * params["b"][0] + params["b"][1]


def gradient_of_a_dict_inside(x):
    g = ad.grad(energy)({"a": x * np.ones(2), "b": (x, 2.0)})
    return np.sum(g["a"]) + g["b"][0]


def test_a_transform_of_containers_is_one_apply_of_their_leaves():
    applies = [op for op in walk_ops(lowered(gradient_of_a_dict_inside).function.body)
               if op.prim == "apply"]
    assert [repr(op.params["callee"]) for op in applies] == [
        "<adcompile grad(energy, argnums=0)>"]
    assert len(applies[0].inputs) == len(applies[0].outputs) == 3  # a, b[0], b[1]
    # d/da: 2 a b0 = 2 x^2 for each of the two; d/db0: sum(a^2) = 2 x^2
    assert ad.primal(gradient_of_a_dict_inside)(0.5) == 6 * 0.5 ** 2
    assert ad.grad(gradient_of_a_dict_inside)(0.5) == 12 * 0.5


def scaled_by(x, how):
    return 2.0 * x


BOUND_TO_A_FUNCTION = functools.partial(scaled_by, how=math.sin)


def calls_a_partial_bound_to_a_function(x):
    return ad.grad(BOUND_TO_A_FUNCTION)(x)


def test_a_partial_bound_to_what_is_not_a_number_is_refused():
    with pytest.raises(ad.AdcompileTypeError, match="<built-in function sin> cannot be an "
                       "argument of a transform called inside a compiled function: pass "
                       "numbers and arrays"):
        ad.primal(calls_a_partial_bound_to_a_function)(1.0)
