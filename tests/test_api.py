"""Tests for adcompile/api.py: the public transforms.

- second derivatives: `ad.hessian` (forward-over-reverse) on a corpus of scalar
  functions, against finite differences of `ad.grad` and, independently of any
  adcompile derivative, against second differences of the function's values;
  `ad.derivative(order=2, 3)` likewise; `check_grads(order=2)`;
- `ad.jacobian` against finite differences, for tuple-valued and elementwise functions;
- argument handling: argnums, decorators, int arguments, tuple results;
- the contract of DESIGN.md: results are plain floats, calls are stateless (the cache
  and what is read from outside: test_cache.py);
- arrays: `check_grads(order=2)` through sums (every axis and keepdims), reshapes,
  transposes and matrix products of every rank, broadcast together; exact gradients,
  Hessians, Jacobians and Taylor-mode derivatives; float32 in, float32 out; gradients of
  sums over drawn shapes; shape errors at the user's line with both shapes.

Hypothesis runs derandomized (a fixed seed) without shrinking (each example compiles).
"""

from __future__ import annotations

import functools
import math
import sys
import typing

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adcompile as ad
import adcompile.rules
from adcompile.testing import check_grads

import fd
from fd import cached, directional_difference, draw_point, fl, for_each_case, step, unit
from programs import newton_sqrt, polar
from sourcelines import line_of

EXAMPLES = 10   # fewer than fd.SETTINGS: each example compiles second derivatives
Case = functools.partial(fd.Case, margin=0.1)   # a wider margin around kinks than fd.Case


# ---- the corpus for second derivatives ---------------------------------------------------

def twice(t):
    return 2.0 * t


def square_sum(a, b):
    return a * a + b * b, a * b


def quadratic(x, y):
    return 3.0 * x * x + 2.0 * x * y - y * y + x


def cubic(x, y, z):
    return x * y * z + x ** 3 - z * z * y


def trig(x, y):
    return math.sin(x * y) + math.cos(x - y) * np.tan(y / 4.0)


def exp_log(x, y):
    return math.exp(0.3 * x) * math.log(y) + x * math.log1p(y) - np.expm1(-y)


def tanh_sqrt(x, y):
    return math.tanh(x) * math.sqrt(y * y + 1.0) + np.arctan(x * y)


def rational(x, y):
    return x / (1.0 + x * x + y * y)


def power(x, y):
    return x ** y + x ** 3


def branch(x, y):
    if x > y:
        r = x * x * y
    else:
        r = math.sin(x) * y * y
    return r


def abs_and_max(x, y):
    return abs(x) * y * y + max(x, y) ** 3 - np.minimum(x * y, 0.5) * x


def helpers(x, y):
    s, p = square_sum(twice(x), y)
    return s * p + twice(p)


def horner(x, y):
    s = 0.0
    for i in range(5):
        s = s * x + y * i
    return s


def break_loop(x):
    s = 1.0
    for i in range(40):
        s = s * (1.0 + 0.3 * x) + math.sin(x)
        if s > 8.0:
            break
    return s


def nested_loops(x, y):
    s = y
    for i in range(3):
        for j in range(2):
            s = s * x + math.cos(y * j)
    return s


def carried_tuple(x, y):
    a, b = x, y
    for i in range(4):
        a, b = b * 0.5, a * b + 0.1
    return a + b * b


def with_continue(x):
    s = 0.0
    for i in range(8):
        if i % 2 == 0:
            continue
        s = s + math.sin(x * i) / i
    return s


def conditional_expression(x):
    return x ** 3 if x > 0.5 else math.cos(x) * 2.0


def augmented(x, y):
    s = x
    s *= y
    s += x * x
    s **= 2
    s /= 1.0 + y * y
    return s


def while_loop(x):
    s = x
    n = 0
    while n < 5:
        s = s - 0.1 * math.sin(s) * x
        n += 1
    return s


CASES = [
    Case(quadratic, (fl(-3, 3), fl(-3, 3))),
    Case(cubic, (fl(-2, 2), fl(-2, 2), fl(-2, 2))),
    Case(trig, (fl(-2, 2), fl(-2, 2))),
    Case(exp_log, (fl(-2, 2), fl(0.2, 4))),
    Case(tanh_sqrt, (fl(-2, 2), fl(-2, 2))),
    Case(rational, (fl(-2, 2), fl(-2, 2))),
    Case(power, (fl(0.3, 3), fl(-2, 2))),
    Case(branch, (fl(-2, 2), fl(-2, 2)), lambda x, y: (x - y,)),
    Case(abs_and_max, (fl(-2, 2), fl(-2, 2)), lambda x, y: (x, x - y, x * y - 0.5)),
    Case(helpers, (fl(-1.5, 1.5), fl(-1.5, 1.5))),
    Case(horner, (fl(-2, 2), fl(-2, 2))),
    Case(break_loop, (fl(-1, 2),)),
    Case(newton_sqrt, (fl(0.5, 50),), lambda a: (a - 1.0,)),   # at a = 1 the loop never runs
    Case(nested_loops, (fl(-1.2, 1.2), fl(-2, 2))),
    Case(carried_tuple, (fl(-1.5, 1.5), fl(-1.5, 1.5))),
    Case(with_continue, (fl(-2, 2),)),
    Case(conditional_expression, (fl(-2, 2),), lambda x: (x - 0.5,)),
    Case(augmented, (fl(-2, 2), fl(-2, 2))),
    Case(while_loop, (fl(-2, 2),)),
]

def test_the_corpus_is_large_enough():
    assert len({case.fn for case in CASES}) >= 15


@for_each_case(CASES, max_examples=EXAMPLES)
def test_hessian_matches_finite_differences_of_the_gradient(case, data):
    args = draw_point(case, data, 1e-3)
    n = len(args)
    positions = tuple(range(n))
    hess = cached(ad.hessian, case.fn, argnums=positions)(*args)
    grad = cached(ad.grad, case.fn, argnums=positions)
    h = step(args, 1e-3)
    for j in range(n):
        column = directional_difference(grad, args, unit(n, j), h)
        for i in range(n):
            assert isinstance(hess[i][j], float)
            assert hess[i][j] == pytest.approx(column[i], rel=1e-6, abs=1e-7), (i, j)


@for_each_case(CASES, max_examples=EXAMPLES)
def test_hessian_matches_second_differences_of_values(case, data):
    args = draw_point(case, data, 1e-2)
    n = len(args)
    hess = cached(ad.hessian, case.fn, argnums=tuple(range(n)))(*args)
    expected = fd.hessian_from_values(case.fn, args, step(args, 1e-2))
    for i in range(n):
        for j in range(n):
            assert hess[i][j] == pytest.approx(expected[i][j], rel=1e-4, abs=1e-4), (i, j)


@for_each_case(CASES, max_examples=5)
def test_hessian_is_symmetric(case, data):
    args = draw_point(case, data, 1e-3)
    n = len(args)
    hess = cached(ad.hessian, case.fn, argnums=tuple(range(n)))(*args)
    for i in range(n):
        for j in range(i):
            assert hess[i][j] == pytest.approx(hess[j][i], rel=1e-9, abs=1e-12)


ONE_ARGUMENT = [case for case in CASES if len(case.args) == 1]


def sin_cubed(x):
    return math.sin(x) ** 3


def log_poly(x):
    return math.log(1.0 + x * x) * x


SCALAR_CASES = ONE_ARGUMENT + [Case(sin_cubed, (fl(-3, 3),)), Case(log_poly, (fl(-2, 2),))]


@for_each_case(SCALAR_CASES, max_examples=EXAMPLES)
def test_second_derivative(case, data):
    (x,) = draw_point(case, data, 1e-2)
    d2 = cached(ad.derivative, case.fn, order=2)(x)
    assert d2 == pytest.approx(cached(ad.hessian, case.fn)(x), rel=1e-9, abs=1e-12)
    h = step([x], 1e-2)
    assert d2 == pytest.approx(fd.second_difference(case.fn, [x], [1.0], h), rel=1e-4,
                               abs=1e-4)


@for_each_case(SCALAR_CASES, max_examples=5)
def test_third_derivative(case, data):
    (x,) = draw_point(case, data, 1e-3)
    d3 = cached(ad.derivative, case.fn, order=3)(x)
    d2 = cached(ad.derivative, case.fn, order=2)
    h = step([x], 1e-3)
    assert d3 == pytest.approx(directional_difference(d2, [x], [1.0], h)[0], rel=1e-5,
                               abs=1e-5)


def test_derivative_of_order_zero_and_one():
    assert ad.derivative(sin_cubed, order=0)(0.7) == pytest.approx(sin_cubed(0.7))
    assert ad.derivative(sin_cubed)(0.7) == pytest.approx(ad.grad(sin_cubed)(0.7))
    with pytest.raises(ValueError):
        ad.derivative(sin_cubed, order=-1)


def test_derivative_of_known_functions():
    x = 0.4
    assert ad.derivative(sin_cubed, order=2)(x) == pytest.approx(
        6.0 * math.sin(x) * math.cos(x) ** 2 - 3.0 * math.sin(x) ** 3)
    assert ad.derivative(newton_sqrt, order=2)(4.0) == pytest.approx(-0.25 * 4.0 ** -1.5,
                                                                     rel=1e-6)


def elementwise(x):
    return np.sin(x) * x + np.exp(-x * x)


def test_derivative_is_elementwise_on_arrays():
    xs = np.array([-1.5, -0.2, 0.0, 0.7, 2.0])
    for order in (1, 2, 3):
        got = ad.derivative(elementwise, order=order)(xs)
        expected = [ad.derivative(elementwise, order=order)(float(x)) for x in xs]
        assert isinstance(got, np.ndarray) and got.shape == xs.shape
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-14)


# ---- check_grads(order=2) ----------------------------------------------------------------------

@for_each_case([c for c in CASES if c.fn in (
    quadratic, trig, exp_log, rational, branch, helpers, horner, carried_tuple,
    conditional_expression, while_loop)], max_examples=3)
def test_check_grads_order_2(case, data):
    args = draw_point(case, data, 1e-3)
    check_grads(case.fn, args, order=2)


# ---- jacobian -------------------------------------------------------------------------------

def orbit(x, y):
    a, b = x, y
    for i in range(3):
        a, b = a * math.cos(b), b + 0.2 * a * a
    return a, b, a - b


@pytest.mark.parametrize("fn, domains", [(polar, (fl(0.1, 3), fl(-3, 3))),
                                         (orbit, (fl(-1, 1), fl(-1, 1)))],
                         ids=["polar", "orbit"])
@settings(fd.SETTINGS, max_examples=5)
@given(data=st.data())
def test_jacobian_matches_finite_differences(fn, domains, data):
    args = data.draw(st.tuples(*domains))
    jac = cached(ad.jacobian, fn, argnums=(0, 1))(*args)
    n_out = len(fn(*args))
    assert len(jac) == n_out and all(len(row) == 2 for row in jac)
    for j in range(2):
        column = directional_difference(fn, args, unit(2, j), 1e-3)
        for i in range(n_out):
            assert jac[i][j] == pytest.approx(column[i], rel=1e-6, abs=1e-8)


def test_jacobian_with_one_argnum():
    jr = ad.jacobian(polar)(2.0, 0.5)
    assert jr == pytest.approx((math.cos(0.5), math.sin(0.5)))


def test_jacobian_of_a_scalar_function_is_its_gradient():
    assert ad.jacobian(trig, argnums=(0, 1))(0.3, 0.9) == pytest.approx(
        ad.grad(trig, argnums=(0, 1))(0.3, 0.9))


def test_jacobian_of_an_elementwise_function_is_diagonal():
    xs = np.array([-1.0, 0.25, 1.5])
    jac = ad.jacobian(elementwise)(xs)
    assert jac.shape == (3, 3)
    expected = np.diag(ad.derivative(elementwise)(xs))
    assert jac == pytest.approx(expected, rel=1e-12, abs=1e-14)


# ---- argument handling --------------------------------------------------------------------

def test_hessian_with_one_argnum_is_a_float():
    h = ad.hessian(quadratic)(0.5, 1.5)
    assert isinstance(h, float) and h == pytest.approx(6.0)
    h1 = ad.hessian(quadratic, argnums=1)(0.5, 1.5)
    assert h1 == pytest.approx(-2.0)


def test_hessian_blocks_with_tuple_argnums():
    h = ad.hessian(cubic, argnums=(0, 2))(1.0, 2.0, 3.0)
    # d2/dx2 = 6x, d2/dxdz = y, d2/dz2 = -2y
    assert h == ((pytest.approx(6.0), pytest.approx(2.0)),
                 (pytest.approx(2.0), pytest.approx(-4.0)))


def test_value_and_grad():
    value, g = ad.value_and_grad(quadratic)(0.5, 1.5)
    assert value == pytest.approx(quadratic(0.5, 1.5))
    assert g == pytest.approx(6.0 * 0.5 + 2.0 * 1.5 + 1.0)
    value, gs = ad.value_and_grad(quadratic, argnums=(0, 1))(0.5, 1.5)
    assert gs == pytest.approx((6.0 * 0.5 + 2.0 * 1.5 + 1.0, 2.0 * 0.5 - 2.0 * 1.5))


def test_grad_results_are_plain_floats():
    g = ad.grad(quadratic, argnums=(0, 1))(0.5, 1.5)
    assert type(g) is tuple and all(isinstance(v, float) for v in g)
    assert isinstance(ad.grad(quadratic)(0.5, 1.5), float)


def test_keyword_arguments_and_defaults():
    g = ad.grad(with_default)
    assert g(2.0) == pytest.approx(3.0)
    assert g(2.0, scale=5.0) == pytest.approx(5.0)
    assert g(x=2.0) == pytest.approx(3.0)


def with_default(x, scale=3.0):
    return x * scale


def counts(x, n):
    s = x
    for i in range(n):
        s = s * x
    return s


def test_grad_with_respect_to_an_int_argument_names_it():
    with pytest.raises(TypeError, match="'x'"):
        ad.grad(quadratic)(2, 1.5)
    with pytest.raises(TypeError, match="'n'"):
        ad.grad(counts, argnums=1)(1.5, 3)
    with pytest.raises(TypeError, match="'y'"):
        ad.grad(quadratic, argnums=(0, 1))(1.0, 3)
    with pytest.raises(TypeError, match="'n'"):
        ad.hessian(counts, argnums=(0, 1))(1.5, 3)


def test_int_arguments_outside_argnums_are_fine():
    assert ad.grad(counts)(1.5, 3) == pytest.approx(4.0 * 1.5 ** 3)


def test_grad_of_a_tuple_valued_function_suggests_jacobian_or_vjp():
    for transform in (ad.grad, ad.value_and_grad, ad.hessian):
        with pytest.raises(TypeError) as info:
            transform(polar)(1.0, 0.5)
        assert "jacobian" in str(info.value) and "vjp" in str(info.value)
        assert "tuple" in str(info.value)


# ---- misuse: adcompile's own error, naming the transform and the argument ----------------

class HasMethod:
    def method(self, x):
        return x * x


def transform_staged_where_it_cannot_be(x):
    return ad.jacobian(quadratic)(x, x)


# (what is done, the builtin class the error also is, fragments of its message)
def first_squared(p):
    return p[0] ** 2


MISUSE = {
    "jvp primals not a tuple": (lambda: ad.jvp(sin_cubed, 2.0, 1.0), TypeError,
                                ["jvp(sin_cubed)", "primals must be a tuple or list",
                                 "2.0 of type float"]),
    "jvp tangents not a tuple": (lambda: ad.jvp(sin_cubed, (2.0,), 1.0), TypeError,
                                 ["jvp(sin_cubed)", "tangents must be a tuple or list"]),
    "jvp one tangent short": (lambda: ad.jvp(quadratic, (1.0, 2.0), (1.0,)), TypeError,
                              ["jvp(quadratic)", "2 primals and 1 tangents"]),
    "jvp too many primals": (lambda: ad.jvp(sin_cubed, (1.0, 2.0), (1.0, 1.0)), TypeError,
                             ["jvp(sin_cubed)", "sin_cubed(x)", "too many positional"]),
    "jvp tangent a string": (lambda: ad.jvp(sin_cubed, (1.0,), ("a",)), TypeError,
                             ["jvp(sin_cubed)", "tangent 0", "'x'", "a float", "str"]),
    "jvp tangent of another shape": (
        lambda: ad.jvp(elementwise, (np.ones(3),), (np.ones(2),)), TypeError,
        ["jvp(elementwise)", "tangent 0", "an array of shape (3,)"]),
    "argnums empty tuple": (lambda: ad.grad(quadratic, argnums=()), ValueError,
                            ["grad(quadratic, argnums=())", "argnums is empty"]),
    "argnums empty list": (lambda: ad.value_and_grad(quadratic, argnums=[]), ValueError,
                           ["value_and_grad(quadratic, argnums=[])", "argnums is empty"]),
    "argnums negative": (lambda: ad.grad(quadratic, argnums=-1), ValueError,
                         ["grad(quadratic, argnums=-1)", "negative", "x (0), y (1)"]),
    "argnums twice": (lambda: ad.hessian(quadratic, argnums=(1, 1)), ValueError,
                      ["hessian(quadratic, argnums=(1, 1))", "position 1 more than once"]),
    "argnums out of range": (lambda: ad.grad(quadratic, argnums=2)(1.0, 2.0), TypeError,
                             ["grad(quadratic, argnums=2)", "position 2 is out of range",
                              "x (0), y (1)"]),
    "argnums out of range in a tuple": (
        lambda: ad.jacobian(quadratic, argnums=(0, 5)), TypeError,
        ["jacobian(quadratic, argnums=(0, 5))", "position 5 is out of range"]),
    "argnums a string": (lambda: ad.grad(quadratic, argnums="x"), TypeError,
                         ["grad(quadratic, argnums='x')", "an int or a tuple of ints"]),
    "argnums a float": (lambda: ad.grad(quadratic, argnums=1.0), TypeError,
                        ["argnums must be an int or a tuple of ints", "not 1.0"]),
    "argnums a bool": (lambda: ad.grad(quadratic, argnums=True), TypeError,
                       ["argnums must be an int or a tuple of ints", "not True"]),
    "argument missing": (lambda: ad.grad(quadratic)(1.0), TypeError,
                         ["grad(quadratic, argnums=0)", "quadratic(x, y)",
                          "missing a required argument: 'y'"]),
    "argument too many": (lambda: ad.grad(sin_cubed)(1.0, 2.0), TypeError,
                          ["grad(sin_cubed, argnums=0)", "too many positional arguments"]),
    "unknown keyword": (lambda: ad.grad(quadratic)(1.0, 2.0, z=3.0), TypeError,
                        ["grad(quadratic, argnums=0)", "unexpected keyword argument 'z'"]),
    "a string argument": (lambda: ad.grad(sin_cubed)("1.5"), TypeError,
                          ["grad(sin_cubed, argnums=0)", "argument 'x'", "'1.5' of type str",
                           "derivatives need floats", "left out of argnums"]),
    "a list of strings argument": (
        lambda: ad.grad(first_squared)([1.0, "2"]), TypeError,
        ["grad(first_squared, argnums=0)", "argument 'p' at p[1]", "of type str",
         "tuples, lists, dicts and NamedTuples of them"]),
    "an array of strings": (lambda: ad.primal(elementwise)(np.array(["a"])), TypeError,
                            ["elementwise", "argument 'x'", "of type ndarray"]),
    "None differentiated": (lambda: ad.grad(sin_cubed)(None), TypeError,
                            ["grad(sin_cubed, argnums=0)", "'x'", "None", "float inputs"]),
    "an int array differentiated": (
        lambda: ad.jacobian(elementwise)(np.arange(3)), TypeError,
        ["jacobian(elementwise, argnums=0)", "'x'", "x.astype(float)"]),
    "order negative": (lambda: ad.derivative(sin_cubed, order=-1), ValueError,
                       ["derivative(sin_cubed, order=-1)", "order must be 0 or more"]),
    "order a float": (lambda: ad.derivative(sin_cubed, order=1.5), TypeError,
                      ["derivative(sin_cubed, order=1.5)", "order must be an int"]),
    "order a bool": (lambda: ad.derivative(sin_cubed, order=True), TypeError,
                     ["order must be an int"]),
    "order a string": (lambda: ad.derivative(sin_cubed, order="2"), TypeError,
                       ["derivative(sin_cubed, order='2')", "order must be an int"]),
    "not callable": (lambda: ad.grad(3.0), TypeError,
                     ["grad expects a function", "3.0 of type float"]),
    "not callable, to jvp": (lambda: ad.jvp("f", (1.0,), (1.0,)), TypeError,
                             ["jvp expects a function", "'f' of type str"]),
    "pullback given a float for a tuple": (
        lambda: ad.vjp(polar, 1.0, 0.5)[1](1.0), TypeError,
        ["pullback of vjp(polar)", "a tuple of 2: (a float, a float)", "got 1.0"]),
    "pullback given three for two": (
        lambda: ad.vjp(polar, 1.0, 0.5)[1]((1.0, 0.0, 0.0)), TypeError,
        ["pullback of vjp(polar)", "a tuple of 2"]),
    "pullback given a tuple for a float": (
        lambda: ad.vjp(sin_cubed, 1.0)[1]((1.0, 2.0)), TypeError,
        ["pullback of vjp(sin_cubed)", "a float", "got (1.0, 2.0)"]),
    "pullback given a string": (lambda: ad.vjp(sin_cubed, 1.0)[1]("a"), TypeError,
                                ["pullback of vjp(sin_cubed)", "got 'a'"]),
    "pullback given another shape": (
        lambda: ad.vjp(elementwise, np.ones(3))[1](np.ones(2)), TypeError,
        ["pullback of vjp(elementwise)", "an array of shape (3,)"]),
    "vjp with an argument too many": (lambda: ad.vjp(sin_cubed, 1.0, 2.0), TypeError,
                                      ["vjp(sin_cubed)", "too many positional arguments"]),
    "plot to a text file": (lambda: ad.plot(sin_cubed, "graph.txt"), ValueError,
                            ["plot writes .png, .svg or .pdf files", "graph.txt"]),
    "jacobian inside a compiled function": (
        lambda: ad.grad(transform_staged_where_it_cannot_be)(1.0), TypeError,
        ["jacobian(quadratic, argnums=0)", "cannot be called inside a compiled function"]),
}


@pytest.mark.parametrize("misuse", MISUSE.values(), ids=MISUSE.keys())
def test_misuse_gets_adcompiles_own_error(misuse):
    call, builtin, fragments = misuse
    with pytest.raises(ad.AdcompileError) as info:
        call()
    assert isinstance(info.value, builtin)
    assert type(info.value) is {TypeError: ad.AdcompileTypeError,
                                ValueError: ad.AdcompileValueError}[builtin]
    for fragment in fragments:
        assert fragment in str(info.value)


def test_an_unknown_keyword_to_a_transform_names_the_transform():
    with pytest.raises(TypeError, match=r"^grad\(\) got an unexpected keyword argument"):
        ad.grad(quadratic, order=2)


def test_argnums_spelled_as_a_list_or_numpy_ints_is_the_same_transform():
    g = ad.grad(quadratic, argnums=[np.int64(0), 1])
    assert g == ad.grad(quadratic, argnums=(0, 1)) and g.argnums == (0, 1)
    assert g(0.5, 1.5) == (6.0 * 0.5 + 2.0 * 1.5 + 1.0, 2.0 * 0.5 - 2.0 * 1.5)
    assert ad.grad(quadratic, argnums=np.int64(1))(0.5, 1.5) == 2.0 * 0.5 - 2.0 * 1.5


def test_jvp_and_vjp_of_int_primals_only():
    # no float primal is not an error: there is nothing to differentiate
    assert ad.jvp(counts, (2, 3), (0, 0)) == (16, 0.0)   # 2 ** (3 + 1)
    value, pullback = ad.vjp(counts, 2, 3)
    assert (value, pullback(1.0)) == (16, (None, None))


# ---- decorators and composition ---------------------------------------------------------------

@ad.grad
def decorated(x):
    return x ** 3


@ad.grad(argnums=(0, 1))
def decorated_pair(x, y):
    return x * x * y


@ad.hessian(argnums=(0, 1))
def decorated_hessian(x, y):
    return x * x * y


def test_decorators():
    assert decorated(2.0) == pytest.approx(12.0)
    assert decorated_pair(2.0, 3.0) == pytest.approx((12.0, 4.0))
    h = decorated_hessian(2.0, 3.0)
    assert h[0] == pytest.approx((6.0, 4.0)) and h[1] == pytest.approx((4.0, 0.0))


def test_grad_of_grad():
    assert ad.grad(ad.grad(sin_cubed))(0.4) == pytest.approx(
        ad.derivative(sin_cubed, order=2)(0.4))
    assert ad.grad(ad.grad(ad.grad(sin_cubed)))(0.4) == pytest.approx(
        ad.derivative(sin_cubed, order=3)(0.4))


def uses_grad_inside(x):
    slope = ad.grad(sin_cubed)(x)
    return slope * x


def test_grad_called_inside_a_compiled_function():
    x = 0.6
    expected = ad.derivative(sin_cubed, order=2)(x) * x + ad.grad(sin_cubed)(x)
    assert ad.grad(uses_grad_inside)(x) == pytest.approx(expected)


def scaled_cube(x, scale=2.0):
    return scale * x ** 3


def uses_grad_of_a_function_with_a_default(x):
    return ad.grad(scaled_cube)(x) + ad.derivative(scaled_cube, order=2)(x)


def test_grad_called_inside_a_compiled_function_fills_in_defaults():
    # found by the fuzzer: the staged call passed one argument to a function of two
    x = 0.5
    assert ad.primal(uses_grad_of_a_function_with_a_default)(x) == 6.0 * x * x + 12.0 * x
    assert ad.grad(uses_grad_of_a_function_with_a_default)(x) == 12.0 * x + 12.0


def test_source_and_ir_are_readable():
    g = ad.grad(quadratic, argnums=(0, 1))
    g(0.5, 1.5)
    assert "def " in g.source and "return" in g.source
    assert "quadratic" in str(g.ir)


def square(x):
    return x * x


def total_square(x):
    return np.sum(x * x)


def scaled_square(a, z):
    return a * z * z


# (one lambda per line: Python 3.10 cannot tell two lambdas on one line apart)
@pytest.mark.parametrize("call, words", [
    (lambda: ad.grad(square)(1 + 2j), ["argument 'x' (position 0)", "(1+2j)"]),
    (lambda: ad.value_and_grad(total_square)(np.ones(2, complex)), ["argument 'x'"]),
    (lambda: ad.hessian(scaled_square, argnums=1)(1.0, 2j), ["argument 'z'"]),
    (lambda: ad.jacobian(square)(np.ones(2, np.complex64)), ["argument 'x'"]),
    (lambda: ad.jvp(square, (1 + 2j,), (1.0,)), ["jvp(square)", "argument 'x'"]),
    (lambda: ad.vjp(square, 1 + 2j), ["vjp(square)", "argument 'x'"]),
])
def test_complex_arguments_are_refused_by_name(call, words):
    with pytest.raises(ad.AdcompileTypeError) as info:
        call()
    for word in [*words, "complex value", "real floats", "real and imaginary parts"]:
        assert word in str(info.value)


def test_a_complex_result_has_no_gradient():
    with pytest.raises(ad.AdcompileTypeError, match="needs a real result.*complex"):
        ad.grad(lambda x: x * (1 + 2j))(1.0)


def test_complex_arguments_left_out_of_argnums_and_complex_jacobians_work():
    assert ad.grad(lambda x, z: x * x, argnums=0)(3.0, 1j) == 6.0
    np.testing.assert_array_equal(ad.jacobian(lambda x: x * (1 + 2j))(np.ones(2)),
                                  np.diag([1 + 2j, 1 + 2j]))


def tail_energy(x):
    return np.sum(x[1:] ** 2)


def test_source_before_a_call_of_an_array_function_says_how_to_get_it():
    g = ad.grad(tail_energy)
    for read, how in ((lambda: g.source, ".source_for(np.zeros(3))"),
                      (lambda: g.ir, ".ir_for(np.zeros(3))"),
                      (lambda: ad.to_dot(g), "ad.to_dot(f, np.zeros(3))")):
        with pytest.raises(ad.AdcompileTypeError) as info:
            read()
        message = str(info.value)
        assert "depends on the types of its arguments" in message and how in message
        assert isinstance(info.value.__cause__, ad.ShapeError)  # why floats do not fit


def test_source_for_example_arguments_then_shows_them():
    g = ad.grad(tail_energy)
    assert "bx[1:] += 2 * x[1:]" in g.source_for(np.zeros(3))
    assert "x: float64[3]" in str(g.ir_for(np.zeros(3)))
    assert "x: float32[2]" in str(g.ir_for(np.zeros(2, np.float32)))
    assert "x: float32[2]" in str(g.ir)  # as the last call or drawing would
    g(np.ones(4))
    assert "x: float64[4]" in str(g.ir) and g.source == g.source_for(np.ones(4))


def test_generated_source_is_stable():
    first = ad.grad(horner, argnums=(0, 1)).source
    assert ad.grad(horner, argnums=(0, 1)).source == first


def test_grad_is_stateless():
    g = ad.grad(carried_tuple, argnums=(0, 1))
    first = g(0.3, 0.7)
    g(-1.0, 1.2)
    assert g(0.3, 0.7) == first


# ---- generated names never collide with the user's -----------------------------------------

def named_like_tangents(x, dx):
    return x * dx + dx


def named_like_cotangents(x, g):
    return x * g + g


def test_jvp_of_a_function_with_a_parameter_named_dx():
    value, tangent = ad.jvp(named_like_tangents, (2.0, 3.0), (1.0, 0.0))
    assert (value, tangent) == pytest.approx((9.0, 3.0))


def test_vjp_of_a_function_with_a_parameter_named_g():
    value, pullback = ad.vjp(named_like_cotangents, 2.0, 3.0)
    assert pullback(1.0) == pytest.approx((3.0, 3.0))


def test_hessian_of_a_function_with_a_parameter_named_dx():
    h = ad.hessian(named_like_tangents, argnums=(0, 1))(2.0, 3.0)
    assert h[0] == pytest.approx((0.0, 1.0)) and h[1] == pytest.approx((1.0, 0.0))


weight = 0.25  # a global named like the parameter of named_like_a_global


def add_weight(t):
    return t + weight


def named_like_a_global(weight):
    return add_weight(weight) * weight


def test_an_input_read_from_outside_named_like_a_parameter():
    g = ad.grad(named_like_a_global)
    assert g(1.5) == 3.25
    assert g.source.startswith("def named_like_a_global_grad(weight, weight_1):")


# ---- arrays: sums, shape operations and matrix products ---------------------------------------

RNG = np.random.default_rng(7)


def sums_every_way(x):
    """Every axis and keepdims of a 2-d sum, in one program (each example compiles)."""
    s = x * x
    return (np.sin(np.sum(s)), np.sin(np.sum(s, keepdims=True)),
            np.sin(np.sum(s, axis=0)), np.sin(np.sum(s, axis=0, keepdims=True)) * x,
            np.sin(np.sum(s, axis=1)), np.sin(np.sum(s, axis=1, keepdims=True)) * x,
            np.sin(np.sum(s, axis=-1)), np.sin(np.sum(s, axis=-1, keepdims=True)),
            np.sin(np.sum(s, axis=(0, 1))), np.sin(np.sum(s, axis=(1, -2), keepdims=True)),
            np.sin(s.sum(0)), np.sin(s.sum(axis=1, keepdims=True)))


def sums_of_three_axes(x):
    return np.sin(x.sum(axis=(0, 2))) * np.sum(x * x, axis=(2, 0), keepdims=True)


def reshapes(x):
    return np.sin(x.reshape((-1, 2))) * np.reshape(x * x, (3, -1))


def transposes(x):
    y = np.transpose(x, (2, 0, 1))
    return np.exp(0.5 * y) * np.transpose(x * x, axes=(-1, 0, 1)) + x.transpose((1, 0, 2)).T


def gram(x):
    return np.tanh(x.T @ x)


def sin_matmul(a, b):
    return np.sin(a) @ (b * b)


def affine(a, x, b):
    return np.tanh(a @ x + b)


@pytest.mark.parametrize("fn, shapes", [
    (sums_every_way, [(2, 3)]), (sums_of_three_axes, [(2, 3, 4)]), (reshapes, [(2, 3)]),
    (transposes, [(2, 3, 4)]), (gram, [(3, 2)]),
    (sin_matmul, [(3,), (3,)]), (sin_matmul, [(2, 3), (3,)]), (sin_matmul, [(3,), (3, 2)]),
    (sin_matmul, [(2, 3), (3, 4)]), (sin_matmul, [(5, 2, 3), (3, 4)]),
    (sin_matmul, [(2, 3), (5, 3, 4)]), (sin_matmul, [(4, 1, 2, 3), (5, 3, 2)]),
    (affine, [(2, 3), (3,), (4, 1)]),
], ids=lambda v: getattr(v, "__name__", None) or "@".join(map(str, v)))
def test_check_grads_order_2_on_arrays(fn, shapes):
    check_grads(fn, [RNG.standard_normal(shape) for shape in shapes], order=2)


def sum_of_matvec(a, x):
    return np.sum(a @ x)


def test_gradient_of_a_sum_of_a_matrix_vector_product_is_exact():
    a = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = np.array([2.0, -1.0, 4.0])
    ga, gx = ad.grad(sum_of_matvec, argnums=(0, 1))(a, x)
    np.testing.assert_array_equal(ga, [[2.0, -1.0, 4.0], [2.0, -1.0, 4.0]])
    np.testing.assert_array_equal(gx, [4.5, -1.75, -0.5])


def quadratic_form(x, a):
    return x @ a @ x


def test_hessian_of_a_quadratic_form_is_the_symmetrized_matrix():
    a = np.array([[1.0, 2.0, -0.5], [0.0, 3.0, 1.5], [4.0, -1.0, 2.0]])
    x = np.array([0.5, -1.0, 2.0])
    np.testing.assert_array_equal(ad.hessian(quadratic_form)(x, a), a + a.T)
    np.testing.assert_array_equal(ad.grad(quadratic_form)(x, a), (a + a.T) @ x)


def matvec(a, x):
    return a @ x


def test_jacobian_of_a_matrix_vector_product():
    a = np.array([[1.5, -2.0, 0.5], [3.0, 0.25, -1.0]])
    x = np.array([2.0, -1.0, 4.0])
    np.testing.assert_array_equal(ad.jacobian(matvec, argnums=1)(a, x), a)
    by_matrix = ad.jacobian(matvec, argnums=0)(a, x)
    np.testing.assert_array_equal(by_matrix, np.einsum("ij,k->ijk", np.eye(2), x))


def weighted_sines(t, w):
    return np.sum(np.sin(t * w) * w)


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_derivative_through_a_sum(order):
    """d^k/dt^k sum(sin(t w) w) = sum(w^(k+1) sin(t w + k pi/2)), in Taylor mode."""
    w = np.array([0.5, -1.5, 2.0])
    t = 0.3
    expected = np.sum(w ** (order + 1) * np.sin(t * w + order * np.pi / 2))
    assert ad.derivative(weighted_sines, order=order)(t, w) == pytest.approx(expected,
                                                                             rel=1e-13)


def sum_of_squares(x):
    return np.sum(x * x)


def tanh_of_matvec(a, x):
    return np.sum(np.tanh(a @ x))


def test_float32_inputs_give_float32_gradients():
    x = np.array([1.0, -2.0, 3.5], dtype=np.float32)
    g = ad.grad(sum_of_squares)(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, np.array([2.0, -4.0, 7.0], dtype=np.float32))
    value, g = ad.value_and_grad(sum_of_squares)(x)
    assert value.dtype == np.float32 and value == np.float32(17.25) and g.dtype == np.float32
    a = np.array([[0.5, -1.0, 0.25], [1.5, 0.0, -0.75]], dtype=np.float32)
    ga, gx = ad.grad(tanh_of_matvec, argnums=(0, 1))(a, x)
    assert (ga.dtype, gx.dtype) == (np.float32, np.float32)
    ga64, gx64 = ad.grad(tanh_of_matvec, argnums=(0, 1))(a.astype(float), x.astype(float))
    np.testing.assert_allclose(ga, ga64, rtol=1e-6, atol=1e-6)  # 1 - tanh^2 cancels
    np.testing.assert_allclose(gx, gx64, rtol=1e-6, atol=1e-6)


def sum_all(x):
    return np.sum(np.sin(np.sum(x * x)))


def sum_all_keepdims(x):
    return np.sum(np.sin(np.sum(x * x, keepdims=True)))


def sum_first(x):
    return np.sum(np.sin(np.sum(x * x, axis=0)))


def sum_first_keepdims(x):
    return np.sum(np.sin(np.sum(x * x, axis=0, keepdims=True)))


def sum_last(x):
    return np.sum(np.sin(np.sum(x * x, axis=-1)))


def sum_last_keepdims(x):
    return np.sum(np.sin(np.sum(x * x, axis=-1, keepdims=True)))


def sum_second(x):
    return np.sum(np.sin((x * x).sum(1)))


def sum_first_and_last(x):
    return np.sum(np.sin(np.sum(x * x, axis=(0, -1))))


def sum_first_and_last_keepdims(x):
    return np.sum(np.sin(np.sum(x * x, axis=(-1, 0), keepdims=True)))


# function -> (the axes it sums, keepdims, the fewest dimensions it takes)
SUMS = {sum_all: (None, False, 1), sum_all_keepdims: (None, True, 1),
        sum_first: (0, False, 1), sum_first_keepdims: (0, True, 1),
        sum_last: (-1, False, 1), sum_last_keepdims: (-1, True, 1),
        sum_second: (1, False, 2), sum_first_and_last: ((0, -1), False, 2),
        sum_first_and_last_keepdims: ((0, -1), True, 2)}


@st.composite
def sums_and_arrays(draw):
    fn = draw(st.sampled_from(list(SUMS)))
    shape = draw(st.lists(st.integers(1, 4), min_size=SUMS[fn][2], max_size=3))
    values = draw(st.lists(st.floats(-2.0, 2.0), min_size=math.prod(shape),
                           max_size=math.prod(shape)))
    return fn, np.array(values).reshape(shape)


@settings(fd.SETTINGS, max_examples=25)
@given(sums_and_arrays())
def test_gradient_of_a_sum_over_drawn_shapes_axes_and_keepdims(case):
    """grad sum(sin(sum(x * x, axis))) = 2 x cos(sum(x * x, axis)), broadcast back."""
    fn, x = case
    axis, keepdims, _ = SUMS[fn]
    assert fn(x) == pytest.approx(float(np.sum(np.sin(np.sum(x * x, axis=axis,
                                                               keepdims=keepdims)))))
    expected = 2.0 * x * np.cos(np.sum(x * x, axis=axis, keepdims=True))
    got = ad.grad(fn)(x)
    assert got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-15)
    _, tangent = ad.jvp(fn, (x,), (np.ones_like(x),))
    assert tangent == pytest.approx(float(np.sum(expected)), rel=1e-12, abs=1e-14)


# ---- shape errors ------------------------------------------------------------------------------

def adds_mismatched(x, y):
    z = np.sin(x)
    return np.sum(z * y)


def multiplies_mismatched(a, b):
    c = a * 2.0
    return np.sum(c @ b)


def mismatched_in_a_helper(x, y):
    return np.sum(adds_mismatched(x, y)) * 2.0


@pytest.mark.parametrize("fn, args, snippet, shapes", [
    (adds_mismatched, (np.ones(3), np.ones(4)), "z * y", ["(3,)", "(4,)"]),
    (multiplies_mismatched, (np.ones((2, 3)), np.ones((4, 5))), "c @ b",
     ["(2, 3)", "(4, 5)"]),
    (mismatched_in_a_helper, (np.ones(3), np.ones(4)), "z * y", ["(3,)", "(4,)"]),
], ids=["broadcast", "matmul", "in-a-helper"])
@pytest.mark.parametrize("transform", ["grad", "jvp"])
def test_a_shape_error_names_both_shapes_at_the_users_line(fn, args, snippet, shapes,
                                                           transform):
    with pytest.raises(ad.ShapeError) as info:
        if transform == "grad":
            ad.grad(fn)(*args)
        else:
            ad.jvp(fn, args, tuple(np.ones_like(a) for a in args))
    err = info.value
    assert isinstance(err, ValueError)
    where = adds_mismatched if fn is mismatched_in_a_helper else fn
    line, text = line_of(where, snippet)
    assert (err.loc.line, err.loc.col) == (line, text.index(snippet))
    assert err.loc.filename == __file__
    for shape in shapes:
        assert shape in err.message
    assert text.strip() in str(err)


# ---- a NumPy, math or builtin function itself ---------------------------------------------

@pytest.mark.parametrize("fun, x, expected", [
    (np.sin, 0.0, 1.0), (math.exp, 1.0, math.e), (np.tanh, 0.0, 1.0), (abs, -2.0, -1.0),
    (np.sqrt, 4.0, 0.25), (math.log, 2.0, 0.5),
])
def test_grad_of_a_library_function_itself(fun, x, expected):
    assert ad.grad(fun)(x) == pytest.approx(expected)
    assert ad.grad(fun).source.startswith(("import", "def"))


def test_other_transforms_of_a_library_function():
    assert ad.derivative(np.sin, order=3)(0.0) == pytest.approx(-1.0)
    assert ad.jvp(np.exp, (1.0,), (2.0,)) == pytest.approx((math.e, 2 * math.e))
    np.testing.assert_allclose(ad.grad(np.sum)(np.ones(3)), np.ones(3))
    np.testing.assert_allclose(ad.jacobian(np.sin)(np.zeros(2)), np.eye(2))


def test_a_library_function_adcompile_does_not_know_is_refused():
    with pytest.raises(ad.SourceUnavailableError, match="convolve"):
        ad.grad(np.convolve)


# ---- methods --------------------------------------------------------------------------------

class Model:
    def __init__(self, w):
        self.w = w

    def loss(self, x):
        return self.w * x * x

    @ad.grad
    def dloss(self, x):
        return self.w * x * x

    @staticmethod
    @ad.grad
    def cube_below(x):
        return x ** 3

    @ad.grad
    @staticmethod
    def cube_above(x):
        return x ** 3


def test_a_bound_method_reads_its_instance_when_called():
    model = Model(2.0)
    grad = ad.grad(model.loss)
    assert grad(3.0) == 12.0
    model.w = 3.0
    assert grad(3.0) == 18.0 and ad.grad(model.loss)(3.0) == 18.0
    assert ad.grad(Model(5.0).loss)(1.0) == 10.0
    assert ad.hessian(model.loss)(1.0) == 6.0


def test_a_transform_decorating_a_method_binds_like_a_method():
    model = Model(3.0)
    assert model.dloss(3.0) == 18.0 and Model(1.0).dloss(3.0) == 6.0
    assert model.dloss is model.dloss  # made once per instance
    assert isinstance(Model.__dict__["dloss"], type(ad.grad(quadratic)))


def test_static_methods_under_or_over_a_transform():
    assert Model.cube_below(2.0) == Model.cube_above(2.0) == Model(1.0).cube_above(2.0) == 12.0


class Quadratic:
    """A model as PyTorch users write one: an object called like a function."""

    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return self.w * x * x


def test_an_object_with_a_python_call_is_transformed_through_it_reading_it_each_call():
    model = Quadratic(2.0)
    grad = ad.grad(model)
    assert grad(3.0) == 12.0
    model.w = 5.0
    assert grad(3.0) == 30.0 and ad.grad(Quadratic(1.0))(3.0) == 6.0
    assert ad.value_and_grad(model)(1.0) == (5.0, 10.0)
    assert ad.hessian(model)(3.0) == 10.0 and ad.hvp(model)(3.0, 2.0) == 20.0
    np.testing.assert_array_equal(ad.jacobian(model)(np.array([1.0, 2.0])),
                                  [[10.0, 0.0], [0.0, 20.0]])
    assert ad.derivative(model, order=2)(1.0) == 10.0
    assert repr(grad) == "<adcompile grad(Quadratic, argnums=0)>"  # named by its class
    assert "def Quadratic_grad(x, w):" in grad.source
    assert ad.jvp(model, (3.0,), (2.0,)) == (45.0, 60.0)
    value, pullback = ad.vjp(model, 3.0)
    assert (value, pullback(1.0)) == (45.0, (30.0,))
    model.w = 0.5
    ad.testing.check_grads(model, (1.5,), order=2)
    with pytest.raises(ad.SourceUnavailableError, match="Wrap it in a `def`"):
        ad.grad(functools.partial(max, 0.0))  # a partial is called in C, not Python


# ---- whole Jacobians and Hessians in one program; hvp -----------------------------------------

def _generated_calls(call) -> int:
    """How many times running `call()` enters code adcompile generated."""
    entered = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code.co_filename.startswith("<adcompile"):
            entered.append(frame.f_code.co_name)
    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return len(entered)


def goldstein_price(x, y):
    return (1 + (x + y + 1)**2 * (19 - 14*x + 3*x**2 - 14*y + 6*x*y + 3*y**2)) * \
        (30 + (2*x - 3*y)**2 * (18 - 32*x + 12*x**2 + 48*y - 36*x*y + 27*y**2))


def test_a_hessian_of_scalars_is_one_call_of_one_function_of_fs_arguments():
    h = ad.hessian(goldstein_price, argnums=(0, 1))
    expected = h(0.3, -0.7)
    assert _generated_calls(lambda: h(0.3, -0.7)) == 1
    namespace = {}
    exec(h.source, namespace)
    assert namespace["goldstein_price_hessian"](0.3, -0.7) == expected
    assert h.source.startswith("def goldstein_price_hessian(x, y):")
    assert expected[0][1] == pytest.approx(expected[1][0], rel=1e-14)
    grad = ad.grad(goldstein_price, argnums=(0, 1))
    for j, (dx, dy) in enumerate([(1e-6, 0.0), (0.0, 1e-6)]):
        plus, minus = grad(0.3 + dx, -0.7 + dy), grad(0.3 - dx, -0.7 - dy)
        for i in range(2):
            assert expected[i][j] == pytest.approx((plus[i] - minus[i]) / 2e-6, rel=1e-7)


def rosenbrock_of_a_vector(x):
    return np.sum(100.0 * (np.sum(x * x) - x) ** 2 + (1.0 - x) ** 2)


def test_a_hessian_of_an_array_is_one_call_of_one_function_of_fs_arguments():
    x = np.array([0.5, -1.0, 2.0, 0.25])
    h = ad.hessian(rosenbrock_of_a_vector)
    # f = sum(100 (s - x_i)^2 + (1 - x_i)^2) with s = sum(x^2): d^2f / dx_j dx_k =
    # 200 sum_i (ds/dx_j - e_ij)(ds/dx_k - e_ik) + 200 sum_i (s - x_i) 2 e_jk + 2 e_jk
    s, eye = np.sum(x * x), np.eye(x.size)
    ds = 2.0 * x[None, :] - eye  # row i: d(s - x_i)/dx
    expected = 200.0 * ds.T @ ds + 400.0 * np.sum(s - x) * eye + 2.0 * eye
    np.testing.assert_allclose(h(x), expected, rtol=1e-13)
    assert _generated_calls(lambda: h(x)) == 1
    assert "def rosenbrock_of_a_vector_hessian(x):" in h.source
    assert "np.eye(4)" in h.source


def test_a_jacobian_mixing_scalars_and_arrays_has_every_block_in_one_call():
    a, x = 0.7, np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]])

    def columns_by_jvp(args, position):
        """The blocks of column `position`, one ad.jvp per basis direction."""
        shape = np.shape(args[position])
        tangents_out = []
        for index in np.ndindex(*shape):
            tangents = [np.zeros_like(v) if isinstance(v, np.ndarray) else 0.0 for v in args]
            tangents[position] = np.zeros(shape) if shape else 1.0
            if shape:
                tangents[position][index] = 1.0
            tangents_out.append(ad.jvp(scaled_sines, tuple(args), tuple(tangents))[1])
        return [np.moveaxis(np.array([t[i] for t in tangents_out]), 0, -1).reshape(
            np.shape(tangents_out[0][i]) + shape) for i in range(2)]

    jac = ad.jacobian(scaled_sines, argnums=(0, 1))
    (da_first, dx_first), (da_second, dx_second) = jac(a, x)
    assert _generated_calls(lambda: jac(a, x)) == 1
    by_jvp = [columns_by_jvp([a, x], 0), columns_by_jvp([a, x], 1)]
    for i, (block_a, block_x) in enumerate([(da_first, dx_first), (da_second, dx_second)]):
        np.testing.assert_allclose(block_a, by_jvp[0][i], rtol=1e-14)
        np.testing.assert_allclose(block_x, by_jvp[1][i], rtol=1e-14)
    assert np.shape(da_first) == () and dx_first.shape == (2, 3)
    assert da_second.shape == (3,) and dx_second.shape == (3, 2, 3)


def scaled_sines(a, x):
    return a * np.sum(np.sin(x)), np.sum(np.tanh(a * x).T @ x, axis=0)


def cubed_through_a_loop(x):
    y = x
    for i in range(2):
        y = y * x
    return np.sum(y)


def test_a_hessian_through_a_loop_is_one_call():
    x = np.array([1.0, -2.0, 0.5])
    h = ad.hessian(cubed_through_a_loop)
    np.testing.assert_array_equal(h(x), np.diag(6.0 * x))
    assert _generated_calls(lambda: h(x)) == 1
    np.testing.assert_array_equal(ad.jacobian(cubed_through_a_loop)(x), 3.0 * x * x)


def sines_of_a_loop(x):
    y = x
    for i in range(2):
        y = np.sin(y) * x
    return np.sum(y)


def test_without_a_batching_rule_the_matrix_is_one_call_per_direction(monkeypatch):
    x = np.array([0.3, -0.7, 1.1])
    expected_hessian = ad.jacobian(ad.grad(sines_of_a_loop))(x)
    expected_jacobian = ad.grad(sines_of_a_loop)(x)
    monkeypatch.delitem(adcompile.rules.BATCH_RULES, "mul")  # tangents are multiplied
    h = ad.hessian(sines_of_a_loop)  # compiled for the first time, without the rule
    np.testing.assert_allclose(h(x), expected_hessian, rtol=1e-14)
    assert _generated_calls(lambda: h(x)) == 3
    j = ad.jacobian(sines_of_a_loop)
    np.testing.assert_allclose(j(x), expected_jacobian, rtol=1e-14)
    assert _generated_calls(lambda: j(x)) == 3


def test_hvp_is_the_hessian_times_v_for_arrays():
    x, a = RNG.standard_normal(3), RNG.standard_normal((3, 3))
    v = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ad.hvp(quadratic_form)(x, a, v), (a + a.T) @ v, rtol=1e-14)
    np.testing.assert_allclose(ad.hvp(rosenbrock_of_a_vector)(x, v),
                               ad.hessian(rosenbrock_of_a_vector)(x) @ v, rtol=1e-13)
    w = RNG.standard_normal((3, 3))
    np.testing.assert_allclose(ad.hvp(quadratic_form, argnums=1)(x, a, w), np.zeros((3, 3)))


def test_hvp_with_a_tuple_of_argnums_takes_and_gives_a_tuple():
    hessian = np.array(ad.hessian(goldstein_price, argnums=(0, 1))(0.3, -0.7))
    got = ad.hvp(goldstein_price, argnums=(0, 1))(0.3, -0.7, (2.0, -1.0))
    assert isinstance(got, tuple)
    np.testing.assert_allclose(got, hessian @ [2.0, -1.0], rtol=1e-13)
    assert ad.hvp(goldstein_price)(0.3, -0.7, 2.0) == pytest.approx(2.0 * hessian[0, 0],
                                                                    rel=1e-13)


def test_hvp_never_forms_the_hessian():
    source = ad.hvp(quadratic_form)
    source(np.ones(3), np.eye(3), np.ones(3))
    assert "def quadratic_form_hvp(x, a, dx):" in source.source
    assert "eye" not in source.source


@pytest.mark.parametrize("call, snippet", [
    (lambda: ad.hvp(quadratic_form)(np.ones(3), np.eye(3), np.ones(4)), "shape (3,)"),
    (lambda: ad.hvp(goldstein_price, argnums=(0, 1))(0.3, -0.7, 2.0), "as a tuple"),
    (lambda: ad.hvp(goldstein_price)(), "and then v"),
])
def test_hvp_says_how_v_must_be_shaped(call, snippet):
    with pytest.raises(ad.AdcompileTypeError) as info:
        call()
    assert "hvp(" in str(info.value) and snippet in str(info.value)


# ---- containers (pytrees) as arguments and results ------------------------------------

class Affine(typing.NamedTuple):
    w: object
    b: object


def mlp_loss(params, x, y):
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    return np.sum((hidden @ params["W2"] + params["b2"] - y) ** 2)


def mlp_params(rng):
    return {"W1": rng.standard_normal((2, 3)), "b1": rng.standard_normal(3),
            "W2": rng.standard_normal((3, 1)), "b2": rng.standard_normal(1)}


def mlp_gradient_by_hand(params, x, y):
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    residual = 2 * (hidden @ params["W2"] + params["b2"] - y)
    back = residual @ params["W2"].T * (1 - hidden ** 2)
    return {"W1": x.T @ back, "b1": back.sum(0), "W2": hidden.T @ residual,
            "b2": residual.sum(0)}


def test_the_gradient_of_a_dict_of_arrays_is_a_dict_with_the_hand_written_values():
    rng = np.random.default_rng(1)
    params, x, y = mlp_params(rng), rng.standard_normal((5, 2)), rng.standard_normal((5, 1))
    grad = ad.grad(mlp_loss)
    got = grad(params, x, y)
    want = mlp_gradient_by_hand(params, x, y)
    assert type(got) is dict and sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_allclose(got[name], want[name], rtol=1e-12, atol=1e-12)
    assert "def mlp_loss_grad(params_W1, params_W2, params_b1, params_b2, x, y):" in \
        grad.source
    check_grads(mlp_loss, (params, x, y), order=2)


def affine_of_containers(p, pair, items):
    a, b = pair
    first, second = items
    return p.w * a * first + p.b * b ** 2 + p[0] * second * len(items)


def nested_sum(tree):
    inner = tree["inner"]
    return tree["x"] * inner[0][1] + np.sum(inner[1]["v"] ** 2) * inner[0][0]


@pytest.mark.parametrize("fn, args", [
    (affine_of_containers, (Affine(1.5, -0.5), (0.7, 1.3), [2.0, -1.0])),
    (nested_sum, ({"x": 0.3, "inner": [(1.1, 2.0), {"v": np.array([0.5, -1.5])}]},)),
], ids=["namedtuple-tuple-list", "nested"])
def test_container_arguments_check_against_finite_differences(fn, args):
    check_grads(fn, args, order=2)
    grads = ad.grad(fn, argnums=tuple(range(len(args))))(*args)
    for arg, got in zip(args, grads):
        assert type(got) is type(arg)
    if fn is affine_of_containers:
        assert grads[0] == Affine(0.7 * 2.0 + -1.0 * 2, 1.3 ** 2)


def polar_parts(p):
    r, theta = p["r"], p["theta"]
    return {"xy": (r * np.cos(theta), r * np.sin(theta)), "area": r * r}


def test_jacobian_of_container_results_nests_outputs_outside_inputs():
    p = {"r": 2.0, "theta": 0.3}
    jac = ad.jacobian(polar_parts)(p)
    assert jac["area"] == {"r": 4.0, "theta": 0.0}
    dx, dy = jac["xy"]
    assert dx["r"] == pytest.approx(np.cos(0.3)) and dx["theta"] == pytest.approx(-2 * np.sin(0.3))
    assert dy == {"r": pytest.approx(np.sin(0.3)), "theta": pytest.approx(2 * np.cos(0.3))}
    assert ad.primal(polar_parts)(p) == polar_parts(p)
    check_grads(polar_parts, (p,), order=2)


def features_by_name(p):
    """A dict built key by key, from a walk over the argument's items."""
    out = {}
    for name, v in p.items():
        out[name] = v ** 2
    out["total"] = sum(out.values())
    out["scaled"] = {k: 2.0 * v for k, v in p.items() if k != "c"}
    return out


def test_a_dict_the_function_builds_is_returned_with_jax_s_structure():
    p = {"a": np.array([1.0, -2.0]), "c": 0.5}
    jac = ad.jacobian(features_by_name)(p)
    # outputs outside inputs, as jax.jacobian nests them
    assert sorted(jac) == ["a", "c", "scaled", "total"] and sorted(jac["scaled"]) == ["a"]
    np.testing.assert_array_equal(jac["a"]["a"], np.diag([2.0, -4.0]))
    np.testing.assert_array_equal(jac["a"]["c"], np.zeros(2))
    np.testing.assert_array_equal(jac["scaled"]["a"]["a"], 2.0 * np.eye(2))
    np.testing.assert_array_equal(jac["total"]["a"], np.diag([2.0, -4.0]))
    assert jac["total"]["c"].tolist() == [1.0, 1.0] and jac["c"]["c"] == 1.0
    got = ad.primal(features_by_name)(p)
    assert got["total"].tolist() == [1.25, 4.25] and sorted(got) == sorted(features_by_name(p))
    check_grads(features_by_name, (p,), order=2)


def test_the_gradient_of_a_function_taking_a_dict_it_copies_and_edits_is_a_dict():
    def loss(p):
        q = dict(p)
        q["w"] = q["w"] * p["b"]
        q["b"] += 1.0
        return sum(np.sum(v ** 2) for v in q.values())
    p = {"w": np.array([1.0, 2.0]), "b": 3.0}
    grads = ad.grad(loss)(p)
    # sum((w b)^2) + (b + 1)^2 -> 2 w b^2, 2 b |w|^2 + 2 (b + 1)
    assert type(grads) is dict and sorted(grads) == ["b", "w"]
    np.testing.assert_allclose(grads["w"], [18.0, 36.0])
    assert grads["b"] == pytest.approx(2 * 3.0 * 5.0 + 8.0)
    check_grads(loss, (p,), order=2)


def dict_energy(params):
    return np.sum(params["a"] ** 2 * params["b"][0]) + np.sin(params["b"][1]) * params["a"][0]


def test_hessian_of_a_dict_is_a_dict_of_dicts_of_blocks():
    params = {"a": np.array([0.5, -1.0]), "b": (1.5, 0.25)}
    hess = ad.hessian(dict_energy)(params)
    assert sorted(hess) == ["a", "b"] and sorted(hess["a"]) == ["a", "b"]
    assert hess["a"]["a"].shape == (2, 2) and len(hess["a"]["b"]) == 2
    assert hess["a"]["b"][0].shape == (2,) and len(hess["b"]) == 2
    assert np.shape(hess["b"][1]["a"]) == (2,) and np.shape(hess["b"][1]["b"][0]) == ()

    # the same matrix, row by row, from central differences of the gradient
    def flat(tree):
        return np.concatenate([np.ravel(tree["a"]), np.ravel(tree["b"])])

    def unflat(v):
        return {"a": v[:2], "b": (float(v[2]), float(v[3]))}

    grad, point, h = ad.grad(dict_energy), flat(params), 1e-5
    columns = [(flat(grad(unflat(point + h * e))) - flat(grad(unflat(point - h * e))))
               / (2 * h) for e in np.eye(4)]
    by_finite_differences = np.stack(columns, axis=1)
    exact = np.block([[hess["a"]["a"], np.stack(hess["a"]["b"], axis=1)],
                      [np.stack([hess["b"][j]["a"] for j in range(2)]),
                       np.array([[hess["b"][j]["b"][k] for k in range(2)]
                                 for j in range(2)])]])
    np.testing.assert_allclose(exact, by_finite_differences, rtol=1e-6, atol=1e-8)


def scaled_pair(p, q, factor):
    return p["u"] * q[0] * factor + q[1] ** 2


def test_argnums_tuple_gives_a_tuple_of_structures_and_value_and_grad_and_hvp_follow():
    p, q = {"u": 2.0}, (3.0, 0.5)
    gp, gq = ad.grad(scaled_pair, argnums=(0, 1))(p, q, 2.0)
    assert gp == {"u": 6.0} and gq == (4.0, 1.0)
    value, (gp2, gq2) = ad.value_and_grad(scaled_pair, argnums=(0, 1))(p, q, 2.0)
    assert value == scaled_pair(p, q, 2.0) and (gp2, gq2) == (gp, gq)
    assert ad.hvp(scaled_pair, argnums=1)(p, q, 2.0, (1.0, 0.0)) == (0.0, 0.0)
    assert ad.hvp(scaled_pair, argnums=1)(p, q, 2.0, (0.0, 1.0)) == (0.0, 2.0)


def test_jvp_and_vjp_take_and_give_structures():
    p = {"r": 2.0, "theta": 0.3}
    value, tangent = ad.jvp(polar_parts, (p,), ({"r": 1.0, "theta": 0.0},))
    assert value == polar_parts(p)
    assert tangent["area"] == 4.0 and tangent["xy"][0] == pytest.approx(np.cos(0.3))
    _, pullback = ad.vjp(polar_parts, p)
    (cotangent,) = pullback({"xy": (0.0, 0.0), "area": 1.0})
    assert cotangent == {"r": 4.0, "theta": 0.0}


def product_of_rest(x, *rest, **options):
    return x * rest[0] * rest[-1] * len(rest) * options["scale"] + options["shift"]


def test_star_args_are_differentiated_by_call_position_and_kwargs_are_read_each_call():
    grad = ad.grad(product_of_rest, argnums=(0, 2))
    assert grad(2.0, 3.0, 5.0, scale=1.0, shift=0.0) == (30.0, 12.0)
    assert grad(2.0, 3.0, 5.0, scale=10.0, shift=1.0) == (300.0, 120.0)
    assert ad.grad(product_of_rest)(2.0, 3.0, scale=2.0, shift=0.0) == 18.0
    assert ad.grad(product_of_rest, argnums=1)(2.0, 3.0, scale=2.0, shift=0.0) == 24.0
    with pytest.raises(ad.AdcompileTypeError, match="argnums position 3 is out of range"):
        grad_far = ad.grad(product_of_rest, argnums=3)
        grad_far(2.0, 3.0, scale=1.0, shift=0.0)
    with pytest.raises(ad.UnsupportedSyntaxError, match="the string 'big' cannot be used "
                       "as a number here"):
        grad(2.0, 3.0, 5.0, scale="big", shift=0.0)


def squares_of_each(*values):
    return sum(v * v for v in values)


def scaled_squares(x, *rest):
    return x * sum(v * v for v in rest)


def scaled_layers(scale, *layers):
    return scale * sum(layer["w"] * layer["b"] ** 2 for layer in layers)


def test_jvp_and_vjp_take_one_primal_per_call_position_through_star_args():
    assert ad.jvp(squares_of_each, (1.0, 2.0), (1.0, 1.0)) == (5.0, 6.0)
    value, pullback = ad.vjp(squares_of_each, 1.0, 2.0, 3.0)
    assert (value, pullback(2.0)) == (14.0, (4.0, 8.0, 12.0))
    assert ad.vjp(scaled_squares, 1.0, 2.0)[1](1.0) == (4.0, 4.0)
    assert ad.vjp(scaled_squares, 1.0, 2.0, 3.0)[1](1.0) == (13.0, 4.0, 6.0)
    assert ad.vjp(scaled_squares, 2.0, 3, 1.0)[1](1.0) == (10.0, None, 4.0)  # an int
    assert ad.jvp(scaled_squares, (1.0, 2.0), (1.0, 0.0)) == (4.0, 4.0)
    assert ad.jvp(scaled_squares, (2.0, 2.0, 3.0), (0.0, 1.0, -1.0)) == (26.0, -4.0)
    with pytest.raises(ad.AdcompileTypeError,
                       match=r"tangent 2 must be shaped like primal 'rest\[1\]', an array of "
                             r"shape \(2,\)"):
        ad.jvp(scaled_squares, (1.0, 2.0, np.ones(2)), (1.0, 0.0, 1.0))


def test_star_args_holding_containers_give_structured_tangents_and_cotangents():
    first, second = {"w": 3.0, "b": 2.0}, {"w": 1.0, "b": 5.0}
    value, pullback = ad.vjp(scaled_layers, 2.0, first, second)
    assert value == 74.0
    assert pullback(1.0) == (37.0, {"w": 8.0, "b": 24.0}, {"w": 50.0, "b": 20.0})
    value, tangent = ad.jvp(scaled_layers, (2.0, first, second),
                            (0.0, {"w": 1.0, "b": 0.0}, {"w": 0.0, "b": 1.0}))
    assert (value, tangent) == (74.0, 2.0 * (4.0 + 10.0))
    assert ad.vjp(scaled_layers, 2.0, {"w": 3, "b": 2.0})[1](1.0) == (12.0, {"w": None, "b": 24.0})


def test_jvp_and_vjp_of_a_partial_over_star_args_take_the_callers_positions():
    by_x = functools.partial(scaled_squares, 2.0)  # the partial's x is not differentiated
    assert ad.vjp(by_x, 2.0, 3.0)[1](1.0) == (8.0, 12.0)
    assert ad.jvp(by_x, (2.0, 3.0), (1.0, 0.0)) == (26.0, 8.0)
    into_rest = functools.partial(scaled_squares, 1.0, 2.0)
    assert ad.vjp(into_rest, 3.0)[1](1.0) == (6.0,)
    assert ad.jvp(into_rest, (3.0,), (1.0,)) == (13.0, 6.0)


@pytest.mark.parametrize("fn, args", [
    (squares_of_each, (1.0, -2.0)),
    (scaled_squares, (1.5, 2.0, -3.0)),
    (scaled_layers, (0.7, {"w": 1.2, "b": -0.4}, {"w": 0.3, "b": 2.0})),
    (functools.partial(scaled_squares, 1.3), (0.5, -1.5)),
    (functools.partial(scaled_layers, 0.7, {"w": 1.2, "b": -0.4}), ({"w": 0.3, "b": 2.0},)),
])
def test_star_args_check_against_finite_differences_to_second_order(fn, args):
    ad.testing.check_grads(fn, args, order=2)


def activation(x, kind="tanh", w=None):
    y = np.tanh(x) if kind == "tanh" else np.maximum(x, 0.0) if kind in ("relu", "ReLU") else x
    return y if w is None else w * y


def test_strings_and_none_arguments_are_known_while_compiling():
    grad = ad.grad(activation)
    assert grad(0.5) == pytest.approx(1.0 - np.tanh(0.5) ** 2)
    assert grad(0.5, "relu") == grad(0.5, kind="ReLU") == 1.0
    assert grad(0.5, "identity", 3.0) == 3.0
    assert "def activation_grad(x, w):" in grad.source  # no default None for a number
    assert ad.grad(activation, argnums=2)(0.5, "relu", 2.0) == 0.5
    assert "kind" not in grad.source  # the string chose the branch while compiling
    assert ad.jvp(activation, (0.5, "relu"), (1.0, None)) == (0.5, 1.0)


@pytest.mark.parametrize("call", [lambda: ad.grad(quadratic)(1.0, "y"),
                                  lambda: ad.vjp(sin_cubed, "a")])
def test_a_string_used_as_a_number_is_refused_where_it_is_used(call):
    with pytest.raises(ad.UnsupportedSyntaxError, match="cannot be used as a number here"):
        call()


def test_none_cannot_be_differentiated():
    with pytest.raises(ad.AdcompileTypeError, match="which was passed None: derivatives "
                       "need float inputs"):
        ad.grad(activation, argnums=2)(0.5, "relu", None)


def weighted(x, a, *, power=2):
    return a * x ** power


def test_a_partial_is_called_with_its_arguments_as_they_are_at_each_call():
    bound = functools.partial(weighted, a=3.0)
    assert ad.grad(bound)(2.0) == 12.0
    assert ad.grad(functools.partial(weighted, a=5.0))(2.0) == 20.0
    assert ad.grad(functools.partial(weighted, 2.0))(4.0) == 4.0  # argnums counts a
    assert ad.hessian(functools.partial(weighted, power=3))(2.0, 1.0) == 12.0


def test_source_for_a_partial_takes_the_callers_arguments():
    grad = ad.grad(functools.partial(weighted, 2.0))
    assert grad.source_for(4.0) == "def weighted_grad(x, a, power=2):\n    return x ** power\n"


def test_jvp_and_vjp_of_a_partial_take_the_callers_arguments_only():
    by_keyword = functools.partial(weighted, a=3.0, power=3)
    assert ad.jvp(by_keyword, (2.0,), (1.0,)) == (24.0, 36.0)
    value, pullback = ad.vjp(by_keyword, 2.0)
    assert (value, pullback(1.0)) == (24.0, (36.0,))
    by_position = functools.partial(weighted, np.arange(3.0))  # x bound, a differentiated
    value, tangent = ad.jvp(by_position, (2.0,), (1.0,))
    np.testing.assert_array_equal(tangent, [0.0, 1.0, 4.0])
    value, pullback = ad.vjp(by_position, 2.0)
    assert pullback(np.ones(3)) == (5.0,)
    with pytest.raises(ad.AdcompileTypeError, match="tangent 0 must be shaped like primal 'a'"):
        ad.jvp(by_position, (2.0,), (np.ones(2),))


PARTIAL = functools.partial(weighted, a=3.0)


def calls_a_partial(x):
    return PARTIAL(x) + ad.grad(PARTIAL)(x)


def test_a_partial_called_inside_compiled_code_reads_its_arguments_at_each_call():
    global PARTIAL
    compiled = ad.grad(calls_a_partial)
    assert compiled(2.0) == 3.0 * 4 + 6.0
    PARTIAL = functools.partial(weighted, a=4.0)
    try:
        assert compiled(2.0) == 4.0 * 4 + 8.0
        assert calls_a_partial(2.0) == 4.0 * 4 + 16.0
    finally:
        PARTIAL = functools.partial(weighted, a=3.0)


def gradient_of_a_dict_inside(x):
    g = ad.grad(dict_energy)({"a": x * np.ones(2), "b": (x, 2.0)})
    return np.sum(g["a"]) + g["b"][0]


def test_a_transform_of_a_container_called_inside_compiled_code():
    check_grads(gradient_of_a_dict_inside, (0.7,), order=1)


def takes_params(params):
    return params["w"] * params["n"]


@pytest.mark.parametrize("call, fragments", [
    (lambda: ad.grad(takes_params)({"w": 2.0, "n": 3}),
     ["argument 'params' (position 0)", "whose element params['n'] is 3 of type int",
      "left out of argnums", "**kwargs"]),
    (lambda: ad.grad(takes_params)({"w": 2.0, "n": "three"}),
     ["argument 'params' at params['n']", "'three' of type str"]),
    (lambda: ad.grad(takes_params)({"w": 2.0, "n": {1, 2}}),
     ["params['n']", "of type set"]),
    (lambda: ad.jvp(takes_params, ({"w": 2.0, "n": 3.0},), ({"w": 1.0},)),
     ["tangent 0 must be shaped like primal 'params'", "structured as {'n': *, 'w': *}"]),
    (lambda: ad.jvp(takes_params, ({"w": 2.0, "n": 3.0},), ({"w": 1.0, "n": np.ones(2)},)),
     ["tangent 0"]),
    (lambda: ad.vjp(polar_parts, {"r": 2.0, "theta": 0.3})[1]((1.0, 2.0)),
     ["pullback of vjp(polar_parts)", "structured as {'area': *, 'xy': (*, *)}"]),
    (lambda: ad.hvp(scaled_pair, argnums=1)({"u": 2.0}, (3.0, 0.5), 2.0, [1.0]),
     ["v must be shaped like", "'q' ((*, *))"]),
], ids=["int leaf", "string leaf", "set leaf", "tangent structure", "tangent shape",
        "cotangent structure", "hvp vector structure"])
def test_bad_container_inputs_get_errors_naming_the_path(call, fragments):
    with pytest.raises(ad.AdcompileTypeError) as info:
        call()
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)


def test_a_none_inside_a_container_is_an_empty_subtree():
    got = ad.grad(takes_params)({"w": 2.0, "n": 3.0, "unused": None})
    assert got == {"n": 2.0, "w": 3.0, "unused": None}


def test_containers_of_another_structure_compile_again_and_scalars_keep_the_fast_path():
    grad = ad.grad(quadratic, argnums=(0, 1))
    grad(1.0, 2.0)
    assert grad.__call__ is not grad._call  # the generated dispatcher serves floats
    g = ad.grad(takes_params)
    assert g({"w": 1.0, "n": 2.0}) == {"n": 1.0, "w": 2.0}
    assert g({"w": 1.0, "n": 2.0, "k": 0.0}) == {"k": 0.0, "n": 1.0, "w": 2.0}
    assert g.__call__ == g._call  # containers take the general path


def offset_energy(x):
    return np.sum((x - 1.0) ** 2)


def test_source_after_a_call_shows_that_call_even_through_a_new_transform():
    # `ad.grad(f)(x)` then `print(ad.grad(f).source)`: two equal transforms, one code
    ad.grad(offset_energy)(np.zeros(4))
    source = ad.grad(offset_energy).source
    assert "def offset_energy_grad(x):" in source
    namespace = {}
    exec(source, namespace)
    np.testing.assert_array_equal(namespace["offset_energy_grad"](np.zeros(4)), -2 * np.ones(4))
