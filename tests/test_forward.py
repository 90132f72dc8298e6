"""Tests for adcompile/transforms/forward.py: forward mode against finite differences.

Property tests over a corpus of scalar functions of one to three floats, different from
the corpus of tests/test_reverse.py. For each function and each drawn point:

- ``ad.jvp`` along a drawn tangent (all float arguments moving at once) is compared
  with a fourth-order central finite difference along that tangent (tests/fd.py);
- `check_grads(modes=("fwd",))` passes (one argument at a time);
- forward and reverse mode agree: ``u * jvp(f, x, v) == <vjp(f, x)(u), v>`` (the
  dot-product test), also for tuple-valued functions.

Points near a kink or a jump have no derivative: each case names the quantities that
must stay away from zero, and `fd.locally_smooth` checks numerically that nothing changes
between the finite-difference samples. Hypothesis runs derandomized (a fixed seed).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given

import adcompile as ad
from adcompile.testing import check_grads

from fd import SETTINGS, Case, directional_difference, draw_point, fl, for_each_case, step
from programs import polar


# ---- the corpus ------------------------------------------------------------------------

def scale_and_shift(t, scale=2.0, shift=-1.0):
    return t * scale + shift


def split(t):
    return t * t, math.sin(t)


def cubic_mix(x, y):
    return x ** 3 * y - 4.0 * x * y * y + 7.0


def sincos(x):
    return math.sin(x) ** 2 + math.cos(2.0 * x) * np.sin(x / 3.0)


def tan_and_arcs(x):
    return math.tan(x) + np.arcsin(x / 2.0) + math.acos(x / 3.0) * math.atan(x)


def exps(x, y):
    return math.exp(x * y) - np.expm1(-x) + math.log(1.0 + y * y) + np.log1p(x * x)


def hyperbolic(x):
    return math.sinh(x) * math.cosh(x / 2.0) - np.tanh(x) ** 2


def roots(x, y):
    return math.sqrt(y) * x + y ** 1.5 + np.sqrt(x * x + y)


def quotient(x, y, z):
    return (x * y - z) / (1.0 + z * z + x * x) - -x


def logs(x):
    return math.log(x) + math.log2(x) * np.log10(x)


def piecewise(x):
    if x < -1.0:
        y = -x * 2.0 - 1.0
    elif x < 0.0:
        y = x * x
    elif x < 1.5:
        y = math.sin(x)
    else:
        y = math.exp(x - 1.5) + 0.4
    return y


def nested_if(x, y):
    if x > 0.0:
        if y > 0.0:
            r = x * y
        else:
            r = x - y
    else:
        r = (x + y) ** 2 if x + y > 0.0 else -(x * y)
    return r


def abs_max_min(x, y):
    return abs(x * y - 1.0) + max(math.sin(x), y) - np.minimum(x, 0.0) + min(x, y) * 2.0


def floor_and_sign(x):
    return math.floor(x) * x + np.sign(x) * x * x + math.ceil(x / 2.0)


def with_helpers(x, y):
    a = scale_and_shift(x)
    b = scale_and_shift(y, 0.5)
    c, d = split(a * b)
    return c + d * scale_and_shift(b, shift=3.0)


def product_until(x):
    # data-dependent break
    p = 1.0
    for i in range(1, 60):
        p = p * (1.0 + x / i)
        if p > 20.0:
            break
    return p


def fixed_point(x):
    # y = x cos(y), iterated until it stops moving, then one more step
    y = 0.0
    delta = 1.0
    n = 0
    while delta > 1e-14 and n < 500:
        y_next = x * math.cos(y)
        delta = abs(y_next - y)
        y = y_next
        n += 1
    return x * math.cos(y)


def for_with_inner_while(x):
    t = x
    for i in range(4):
        n = 0
        while n < i:
            t = t * x * 0.5 + 1.0
            n += 1
    return t


def data_dependent_continue(x):
    s = 0.0
    for i in range(10):
        if i * x > 2.0:
            continue
        s = s + math.sin(i * x)
    return s


def rotate(x, angle):
    # loop-carried tuple
    a, b = x, 1.0
    c, s = math.cos(angle), math.sin(angle)
    for i in range(7):
        a, b = a * c - b * s, a * s + b * c
    return a * 2.0 + b


def series_exp(x):
    # while loop with a convergence test
    term, total, n = 1.0, 1.0, 1
    while abs(term) > 1e-17 * abs(total) and n < 200:
        term = term * x / n
        total = total + term
        n += 1
    return total


def loop_in_branch(x, y):
    s = x
    if x > y:
        n = 0
        while s < 10.0 and n < 100:
            s = s * 1.5 + y * y
            n += 1
    else:
        for i in range(3):
            s = s - math.cos(s * y)
    return s


def augmented_ops(x, y):
    s = y
    s **= 2
    s /= 1.0 + x * x
    s -= x
    s *= y
    s += 1.0
    return s


CASES = [
    Case(cubic_mix, (fl(-2, 2), fl(-2, 2))),
    Case(sincos, (fl(-4, 4),)),
    Case(tan_and_arcs, (fl(-1.2, 1.2),)),
    Case(exps, (fl(-1.5, 1.5), fl(-1.5, 1.5))),
    Case(hyperbolic, (fl(-2, 2),)),
    Case(roots, (fl(-3, 3), fl(0.1, 4))),
    Case(quotient, (fl(-2, 2), fl(-2, 2), fl(-2, 2))),
    Case(logs, (fl(0.1, 20),)),
    Case(piecewise, (fl(-3, 3),), lambda x: (x + 1.0, x, x - 1.5)),
    Case(nested_if, (fl(-2, 2), fl(-2, 2)), lambda x, y: (x, y, x + y)),
    Case(abs_max_min, (fl(-2, 2), fl(-2, 2)),
         lambda x, y: (x * y - 1.0, math.sin(x) - y, x, x - y)),
    Case(floor_and_sign, (fl(-3, 3),),
         lambda x: (x - round(x), x / 2.0 - round(x / 2.0), x)),
    Case(with_helpers, (fl(-2, 2), fl(-2, 2))),
    Case(product_until, (fl(-0.5, 3),)),
    Case(fixed_point, (fl(-0.8, 0.8),)),
    Case(for_with_inner_while, (fl(-1.5, 1.5),)),
    Case(data_dependent_continue, (fl(0.1, 3),)),
    Case(rotate, (fl(-2, 2), fl(-3, 3))),
    Case(series_exp, (fl(-3, 3),)),
    Case(loop_in_branch, (fl(0.5, 3), fl(-1, 1.5)), lambda x, y: (x - y,)),
    Case(augmented_ops, (fl(-2, 2), fl(-2, 2))),
]


def draw_tangent(args, data):
    return [data.draw(fl(-2, 2), label="tangent") if isinstance(a, float) else None
            for a in args]


def tangents_for_jvp(args, direction):
    return tuple(d if d is not None else a for a, d in zip(args, direction))


# ---- the properties ----------------------------------------------------------------------

def test_the_corpus_is_large_enough():
    assert len({case.fn for case in CASES}) >= 15


@for_each_case(CASES)
def test_jvp_matches_finite_differences(case, data):
    args = draw_point(case, data)
    direction = draw_tangent(args, data)
    value, tangent = ad.jvp(case.fn, args, tangents_for_jvp(args, direction))
    assert value == pytest.approx(case.fn(*args), rel=1e-12, abs=1e-12)
    expected = directional_difference(case.fn, args, direction, step(args))
    assert np.ravel(tangent) == pytest.approx(expected, rel=1e-6, abs=1e-8)


@for_each_case(CASES)
def test_jvp_passes_check_grads(case, data):
    args = draw_point(case, data)
    check_grads(case.fn, args, modes=("fwd",))


@for_each_case(CASES, max_examples=8)
def test_forward_and_reverse_agree(case, data):
    """u * (J v) == (J^T u) . v"""
    args = draw_point(case, data)
    direction = draw_tangent(args, data)
    u = data.draw(fl(-2, 2), label="cotangent")
    _, tangent = ad.jvp(case.fn, args, tangents_for_jvp(args, direction))
    _, pullback = ad.vjp(case.fn, *args)
    cotangents = pullback(u)
    rev = sum(c * d for c, d in zip(cotangents, direction) if d is not None)
    assert u * tangent == pytest.approx(rev, rel=1e-9, abs=1e-10)


# ---- vector-valued functions ------------------------------------------------------------------

def spiral(x, y):
    a, b = x, y
    for i in range(4):
        a, b = a * math.cos(b) - 0.1 * b, a * math.sin(b) + 0.1 * a
    return a, b, a * b


VECTOR_CASES = [Case(polar, (fl(0.1, 3), fl(-3, 3))), Case(spiral, (fl(-1, 1), fl(-1, 1)))]


@for_each_case(VECTOR_CASES, max_examples=8)
def test_jvp_of_tuple_valued_functions(case, data):
    args = draw_point(case, data)
    direction = draw_tangent(args, data)
    value, tangent = ad.jvp(case.fn, args, tangents_for_jvp(args, direction))
    assert isinstance(value, tuple) and isinstance(tangent, tuple)
    assert value == pytest.approx(case.fn(*args), rel=1e-12)
    expected = directional_difference(case.fn, args, direction, step(args))
    assert tangent == pytest.approx(tuple(expected), rel=1e-6, abs=1e-8)


@for_each_case(VECTOR_CASES, max_examples=8)
def test_forward_and_reverse_agree_for_tuple_valued_functions(case, data):
    args = draw_point(case, data)
    direction = draw_tangent(args, data)
    n_out = len(case.fn(*args))
    u = tuple(data.draw(fl(-2, 2), label="cotangent") for _ in range(n_out))
    _, tangent = ad.jvp(case.fn, args, tangents_for_jvp(args, direction))
    _, pullback = ad.vjp(case.fn, *args)
    cotangents = pullback(u)
    lhs = sum(ui * ti for ui, ti in zip(u, tangent))
    rhs = sum(c * d for c, d in zip(cotangents, direction))
    assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-10)


# ---- particular properties ----------------------------------------------------------------------

@SETTINGS
@given(x=fl(-0.8, 0.8))
def test_fixed_point_derivative_by_the_implicit_function_theorem(x):
    y = fixed_point(x)
    expected = math.cos(y) / (1.0 + x * math.sin(y))
    _, tangent = ad.jvp(fixed_point, (x,), (1.0,))
    assert tangent == pytest.approx(expected, rel=1e-8, abs=1e-12)


@SETTINGS
@given(x=fl(-3, 3))
def test_series_exp_derivative_is_exp(x):
    _, tangent = ad.jvp(series_exp, (x,), (1.0,))
    assert tangent == pytest.approx(math.exp(x), rel=1e-12)


def test_jvp_is_linear_in_the_tangent():
    args = (0.7, -0.4)
    _, t1 = ad.jvp(cubic_mix, args, (1.0, 0.5))
    _, t2 = ad.jvp(cubic_mix, args, (2.0, 1.0))
    _, t0 = ad.jvp(cubic_mix, args, (0.0, 0.0))
    assert t2 == pytest.approx(2.0 * t1)
    assert t0 == 0.0


def int_argument(x, n):
    s = x
    for i in range(n):
        s = s * x + i
    return s


def test_jvp_ignores_int_arguments():
    value, tangent = ad.jvp(int_argument, (1.5, 3), (1.0, 3))
    assert value == int_argument(1.5, 3)
    expected = directional_difference(int_argument, [1.5, 3], [1.0, None], 1e-3)[0]
    assert tangent == pytest.approx(expected, rel=1e-8)


def test_floor_ceil_sign_have_zero_derivative():
    # d/dx [floor(x) x + sign(x) x^2 + ceil(x/2)] = floor(x) + 2 sign(x) x
    x = 1.3
    _, tangent = ad.jvp(floor_and_sign, (x,), (1.0,))
    assert tangent == pytest.approx(1.0 + 2.0 * x)


def test_derivative_order_one_is_jvp_with_tangent_one():
    for x in (-2.5, -0.5, 0.3, 2.0):
        assert ad.derivative(piecewise)(x) == pytest.approx(ad.jvp(piecewise, (x,), (1.0,))[1])
