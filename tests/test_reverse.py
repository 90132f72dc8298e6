"""Tests for adcompile/transforms/reverse.py: reverse mode against finite differences.

Property tests over a corpus of scalar functions of one to three floats (polynomials,
trig, exp/log, tanh, sqrt, branches, abs, max/min, helpers, and loops: data-dependent
break, converging while, nested, inside branches, branches inside, continue,
loop-carried tuples). For each function and each drawn point:

- ``ad.grad`` (every float argument at once) is compared with a fourth-order central
  finite difference (tests/fd.py), independently of `adcompile.testing`;
- ``ad.vjp`` passes `check_grads(modes=("rev",))` (the dot-product test);
- ``ad.value_and_grad`` agrees with the function and with ``ad.grad``.

Points near a kink or a jump (a branch boundary, abs at 0, a change of a loop's trip
count) have no derivative to compare: each case names the quantities that must stay
away from zero, and `fd.locally_smooth` checks, numerically, that nothing changes
between the finite-difference samples.

Hypothesis runs derandomized (a fixed seed), so CI sees the same points every run.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import adcompile as ad
from adcompile.testing import check_grads

import fd
from fd import (SETTINGS, Case, cached, fl, float_positions, for_each_case,
                partial_difference, step)
from programs import newton_sqrt, pendulum_rk4, piecewise, polar, rosenbrock, taylor_sin


# ---- the corpus ------------------------------------------------------------------------

def square_helper(t):
    return t * t


def polynomial(x):
    return 3.0 * x ** 3 - 2.0 * x * x + x - 5.0


def polynomial2(x, y):
    return x * x * y + y ** 3 - x * y + 0.5 * x ** 4


def trig(x, y):
    return math.sin(x) * math.cos(y) + math.tan(x / 3.0) - np.arctan(x * y)


def inverse_trig(x):
    return math.asin(x) * math.acos(x * 0.5) + np.arctan(x)


def exp_log(x, y):
    return math.exp(x / 2.0) * math.log(y) + math.log1p(y) + math.expm1(x) - np.log2(y)


def tanh_sqrt(x, y):
    return math.tanh(x * y) + math.sqrt(y) * np.sinh(x / 4.0) + np.log10(y) * np.cosh(x / 5.0)


def rational(x, y, z):
    return x / (1.0 + y * y) - z * x / (2.0 + math.sin(z))


def power(x, y):
    return x ** y + y ** 2 - (-x) ** 2


def branches(x, y):
    if x > y:
        r = x * y
    elif x > 0.0:
        r = math.sin(x) + y
    else:
        r = -x * x * y
    return r * 2.0


def conditional_expression(x):
    y = x * x if x > 1.0 else 2.0 * x - 1.0
    return y * (x + 3.0 if x < 0.5 else math.exp(-x))


def with_abs(x, y):
    return abs(x - y) * y + abs(math.sin(x)) - np.abs(y)


def with_max_min(x, y):
    return max(x, y) * min(x * x, 2.0) + np.maximum(x, 0.5) - np.minimum(y, -x)


def with_helpers(r, theta):
    a, b = polar(r, theta)
    return square_helper(a) + b * square_helper(b + r)


def augmented(x, y):
    s = x
    s += y * y
    s *= x
    s -= -y
    s /= 1.0 + x * x
    return s


def accumulate_until(x):
    # data-dependent break: stops as soon as the running sum passes 5
    s = 0.0
    for i in range(30):
        s = s + x * x + 0.1 * i
        if s > 5.0:
            break
    return s * x


def nested_loops(x, y):
    s = 0.0
    for i in range(4):
        t = y
        for j in range(i + 1):
            t = t * x + math.sin(j * y)
        s = s + t
    return s


def loop_in_branch(x, y):
    s = y
    if x > 0.0:
        for i in range(3):
            s = s * x + y
    else:
        n = 0
        while n < 4:
            s = s - math.sin(x * s)
            n += 1
    return s


def branch_in_loop(x, y):
    s = x
    for i in range(6):
        if s > y:
            s = s - 0.3 * x * y
        else:
            s = s + math.sin(x) * 0.7
    return s


def with_continue(x):
    s = 0.0
    for i in range(9):
        if i % 3 == 0:
            continue
        s = s + x ** i / (i * i)
    return s


def loop_carried_tuple(x, y):
    a, b = x, y
    for i in range(5):
        a, b = b, a + 0.1 * b * a
    return a * b


def while_data_dependent(x):
    s = 1.0
    n = 0
    while s < 20.0:
        s = s * x + 1.0
        n += 1
    return s / n


def break_and_continue(x, y):
    s = 0.0
    for i in range(20):
        if i % 2 == 1:
            continue
        s = s + x * i - y
        if s > 10.0:
            break
    return s * y


def with_int_argument(x, n):
    s = 0.0
    for i in range(n):
        s = s + math.cos(x * i) / (i + 1)
    return s


CASES = [
    Case(polynomial, (fl(-3, 3),)),
    Case(polynomial2, (fl(-2, 2), fl(-2, 2))),
    Case(trig, (fl(-3, 3), fl(-3, 3))),
    Case(inverse_trig, (fl(-0.9, 0.9),)),
    Case(exp_log, (fl(-3, 3), fl(0.1, 5))),
    Case(tanh_sqrt, (fl(-2, 2), fl(0.1, 5))),
    Case(rational, (fl(-3, 3), fl(-3, 3), fl(-3, 3))),
    Case(power, (fl(0.2, 3), fl(-2, 2))),
    Case(branches, (fl(-3, 3), fl(-3, 3)), lambda x, y: (x - y, x)),
    Case(conditional_expression, (fl(-3, 3),), lambda x: (x - 1.0, x - 0.5)),
    Case(with_abs, (fl(-3, 3), fl(-3, 3)), lambda x, y: (x - y, math.sin(x), y)),
    Case(with_max_min, (fl(-3, 3), fl(-3, 3)),
         lambda x, y: (x - y, x * x - 2.0, x - 0.5, x + y)),
    Case(with_helpers, (fl(0.1, 3), fl(-3, 3))),
    Case(augmented, (fl(-3, 3), fl(-3, 3))),
    Case(accumulate_until, (fl(-2, 2),)),
    Case(newton_sqrt, (fl(0.01, 100),)),
    Case(taylor_sin, (fl(-4, 4),)),
    Case(nested_loops, (fl(-1.5, 1.5), fl(-2, 2))),
    Case(loop_in_branch, (fl(-2, 2), fl(-1, 1)), lambda x, y: (x,)),
    Case(branch_in_loop, (fl(-2, 2), fl(-2, 2))),
    Case(with_continue, (fl(-1.5, 1.5),)),
    Case(loop_carried_tuple, (fl(-2, 2), fl(-2, 2))),
    Case(while_data_dependent, (fl(1.1, 4),)),
    Case(break_and_continue, (fl(-2, 3), fl(-2, 2))),
    Case(with_int_argument, (fl(-3, 3), st.integers(0, 6))),
]


def draw_point(case: Case, data):
    """A point, and the float arguments' positions; each argument is differentiated
    with a step of its own, `fd.step([that argument])`."""
    args = fd.draw_point(case, data, per_argument=True)
    return args, float_positions(args)


# ---- the properties ------------------------------------------------------------------------

def test_the_corpus_is_large_enough():
    assert len({case.fn for case in CASES}) >= 15


@for_each_case(CASES)
def test_grad_matches_finite_differences(case, data):
    args, positions = draw_point(case, data)
    got = cached(ad.grad, case.fn, argnums=positions)(*args)
    assert len(got) == len(positions)
    for p, g in zip(positions, got):
        expected = partial_difference(case.fn, args, p, fd.step([args[p]]))
        assert isinstance(g, float), type(g)
        assert g == pytest.approx(expected, rel=1e-6, abs=1e-8), (case.fn.__name__, p, args)


@for_each_case(CASES)
def test_vjp_passes_check_grads(case, data):
    args, _ = draw_point(case, data)
    check_grads(case.fn, args, modes=("rev",))


@for_each_case(CASES[::3], max_examples=5)
def test_value_and_grad_agrees_with_grad(case, data):
    args, positions = draw_point(case, data)
    value, grads = ad.value_and_grad(case.fn, argnums=positions)(*args)
    assert value == pytest.approx(case.fn(*args), rel=1e-12, abs=1e-12)
    grad = cached(ad.grad, case.fn, argnums=positions)
    assert grads == pytest.approx(grad(*args), rel=1e-12, abs=1e-14)


# ---- particular derivatives ------------------------------------------------------------------

@SETTINGS
@given(a=fl(0.01, 1e4))
def test_newton_sqrt_derivative_is_half_over_sqrt(a):
    assert ad.grad(newton_sqrt)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-8)


@SETTINGS
@given(x=fl(-4, 4))
def test_taylor_sin_derivative_is_cos(x):
    assert ad.grad(taylor_sin)(x) == pytest.approx(math.cos(x), rel=1e-9, abs=1e-12)


def long_loop(x):
    s = 0.0
    for i in range(20000):
        s = s + math.sin(x + i * 1e-4)
    return s


def test_long_loop_through_the_tape():
    x = 0.3
    expected = sum(math.cos(x + i * 1e-4) for i in range(20000))
    assert ad.grad(long_loop)(x) == pytest.approx(expected, rel=1e-10)


# ---- what goes on a tape: only what changes from trip to trip -----------------------------

THETA, Y0 = np.array([9.81, 0.3]), np.array([1.0, 0.0])


def test_pendulum_integrated_with_rk4_passes_check_grads_to_order_two():
    check_grads(pendulum_rk4, (THETA, Y0), order=2)
    hessian = ad.hessian(pendulum_rk4)(THETA, Y0)
    gradient = ad.grad(pendulum_rk4)
    columns = [(gradient(THETA + h, Y0) - gradient(THETA - h, Y0)) / 2e-5
               for h in np.eye(2) * 1e-5]
    np.testing.assert_allclose(hessian, np.array(columns).T, rtol=1e-6, atol=1e-8)


def _forward_loop(source: str) -> tuple[list[str], list[str]]:
    """The lines before the first loop of a generated source, and the loop's lines."""
    lines = source.splitlines()
    start = next(k for k, line in enumerate(lines) if line.lstrip().startswith("for "))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(k for k in range(start + 1, len(lines))
               if len(lines[k]) - len(lines[k].lstrip()) <= indent)
    return lines[:start], lines[start:end]


def test_values_the_same_on_every_trip_are_computed_once_before_the_loop_not_taped():
    gradient = ad.grad(pendulum_rk4)
    gradient(THETA, Y0)
    before, loop = _forward_loop(gradient.source)
    parameters = {line.split(" = ")[0].strip(): line.split(" = ")[1]
                  for line in before if "theta[" in line}
    assert sorted(parameters.values()) == ["theta[0]", "theta[1]"]
    assert not any("theta" in line for line in loop)
    taped = {line.split(".append(")[1].rstrip(")") for line in loop if ".append(" in line}
    assert taped.isdisjoint(parameters)
    # y is taped whole rather than y[0] and y[1] on two tapes: one tape for the state,
    # one per stage's intermediate state and one per stage's sine
    assert "y" in taped and len(taped) == 8


def log_growth(x, n):
    y = x
    for i in range(n):
        y = y * math.log(x) + y
    return y


def test_a_value_that_may_raise_stays_in_a_loop_that_may_not_run_and_is_read_after_it():
    # math.log(x) does not change in the loop, but before a loop of n = 0 trips it would
    # raise where log_growth does not: it stays in the loop, and the reverse sweep reads
    # the last trip's value after it instead of a tape of copies
    gradient = ad.grad(log_growth)
    assert gradient(-1.0, 0) == 1.0
    with pytest.raises(ValueError):
        gradient(-1.0, 1)
    x, n = 2.0, 3
    growth = 1 + math.log(x)
    assert gradient(x, n) == pytest.approx(growth ** n + n * growth ** (n - 1), rel=1e-12)
    _, loop = _forward_loop(gradient.source)
    assert any("math.log(x)" in line for line in loop)
    assert [line.strip() for line in loop if ".append(" in line] == ["tape_y.append(y)"]
    check_grads(log_growth, (x, n), order=2)


def nested_growth(x, z):
    y = x
    for j in range(3):
        k = 0
        while k < j:  # runs no trip when j == 0
            k += 1
            y = y * (1.0 + 0.1 * (z ** 2) ** 2)
    return y


def test_a_value_read_after_a_loop_that_ran_no_trip_is_a_zero_the_next_order_can_use():
    # z ** 2 (which might overflow) stays in the while loop and is read after it; the
    # gradient of the gradient computes 2 * (z ** 2) before a loop of as many trips
    growth = 1.0 + 0.1 * 2.0 ** 4
    second = ad.grad(ad.grad(nested_growth, argnums=1), argnums=1)(1.5, 2.0)
    assert second == pytest.approx(
        1.5 * (6 * growth * (0.4 * 2.0 ** 3) ** 2 + 3 * growth ** 2 * 1.2 * 2.0 ** 2),
        rel=1e-12)
    check_grads(nested_growth, (1.5, 2.0), order=2)


def test_grad_with_respect_to_one_of_several_arguments():
    x, y, z = 0.4, -1.3, 2.2
    gy = ad.grad(rational, argnums=1)(x, y, z)
    assert isinstance(gy, float)
    assert gy == pytest.approx(partial_difference(rational, [x, y, z], 1, 1e-3), rel=1e-7)
    gzx = ad.grad(rational, argnums=(2, 0))(x, y, z)
    assert gzx == pytest.approx((partial_difference(rational, [x, y, z], 2, 1e-3),
                                 partial_difference(rational, [x, y, z], 0, 1e-3)), rel=1e-7)


def test_grad_is_stateless():
    g = ad.grad(loop_carried_tuple, argnums=(0, 1))
    first = g(0.3, 0.7)
    g(1.5, -0.2)
    assert g(0.3, 0.7) == first


def test_grad_of_a_branch_on_each_side():
    g = ad.grad(branches, argnums=(0, 1))
    assert g(2.0, 1.0) == pytest.approx((2.0, 4.0))                          # x > y
    assert g(0.5, 1.0) == pytest.approx((2.0 * math.cos(0.5), 2.0))          # 0 < x <= y
    assert g(-0.5, 1.0) == pytest.approx((2.0, -0.5))                        # x <= 0


def test_vjp_scales_with_the_cotangent():
    value, pullback = ad.vjp(trig, 0.3, 0.8)
    assert value == pytest.approx(trig(0.3, 0.8))
    gx1, gy1 = pullback(1.0)
    gx3, gy3 = pullback(3.0)
    assert (gx3, gy3) == pytest.approx((3.0 * gx1, 3.0 * gy1))
    assert (gx1, gy1) == pytest.approx(ad.grad(trig, argnums=(0, 1))(0.3, 0.8))


def test_vjp_of_a_tuple_valued_function():
    value, pullback = ad.vjp(polar, 2.0, 0.5)
    assert value == pytest.approx(polar(2.0, 0.5))
    gr, gtheta = pullback((1.0, 0.0))
    assert (gr, gtheta) == pytest.approx((math.cos(0.5), -2.0 * math.sin(0.5)))
    gr, gtheta = pullback((0.0, 1.0))
    assert (gr, gtheta) == pytest.approx((math.sin(0.5), 2.0 * math.cos(0.5)))


def test_vjp_gives_none_for_int_arguments():
    _, pullback = ad.vjp(with_int_argument, 0.5, 4)
    gx, gn = pullback(1.0)
    assert gn is None
    assert gx == pytest.approx(partial_difference(with_int_argument, [0.5, 4], 0, 1e-3))


# ---- loops with data-dependent exits: random thresholds, start points, trip counts ----

def capped_series(x, threshold, n):
    """my_sin's shape: a series that stops when its term is small, or after n terms."""
    y = 0.0
    t = x
    for i in range(n):
        y = y + t
        t = -t * x * x / ((2 * i + 2) * (2 * i + 3))
        if abs(t) < threshold:
            break
    return y


def capped_series_derivative(x, threshold, n):
    """The same sum, differentiated term by term (the terms it adds do not change)."""
    y, dy = 0.0, 0.0
    t, dt = x, 1.0
    for i in range(n):
        y, dy = y + t, dy + dt
        scale = -1.0 / ((2 * i + 2) * (2 * i + 3))
        t, dt = scale * t * x * x, scale * (dt * x * x + 2.0 * t * x)
        if abs(t) < threshold:
            break
    return dy


@SETTINGS
@given(st.floats(min_value=-3.0, max_value=3.0), st.floats(min_value=1e-300, max_value=1.0),
       st.integers(min_value=0, max_value=40))
def test_series_with_random_thresholds_and_trip_counts(x, threshold, n):
    got = ad.grad(capped_series)(x, threshold, n)
    assert got == pytest.approx(capped_series_derivative(x, threshold, n), rel=1e-12,
                                abs=1e-12)


@SETTINGS
@given(st.floats(min_value=0.5, max_value=1e6))
def test_newton_square_root_converging_to_a_fixed_point(a):
    assert ad.grad(newton_sqrt)(a) == pytest.approx(0.5 / math.sqrt(a), rel=1e-9)


# ---- closed under the transform: generated source, saved and imported, compiles again ----

@pytest.mark.parametrize("fn, args", [(rosenbrock, (0.5, 2.0)), (taylor_sin, (0.7,)),
                                      (newton_sqrt, (2.0,)), (piecewise, (0.4,))])
def test_generated_gradient_saved_to_a_file_is_differentiated_again(fn, args, tmp_path,
                                                                   monkeypatch):
    gradient = ad.grad(fn)
    gradient(*args)
    module_name = f"saved_{fn.__name__}"
    (tmp_path / f"{module_name}.py").write_text(gradient.source)
    monkeypatch.syspath_prepend(str(tmp_path))
    saved = getattr(__import__(module_name), f"{fn.__name__}_grad")
    assert saved(*args) == gradient(*args)
    h = step(args)
    expected = partial_difference(saved, list(args), 0, h)
    assert ad.grad(saved)(*args) == pytest.approx(expected, rel=1e-6, abs=1e-8)
    _, tangent = ad.jvp(saved, args, (1.0,) + (0.0,) * (len(args) - 1))
    assert tangent == pytest.approx(expected, rel=1e-6, abs=1e-8)


def float32_loss(x):
    return np.sum(np.sin(x) * 2.0 + x * x)


def test_a_float32_result_seeds_float32_gradients():
    x = np.linspace(0.0, 1.0, 5, dtype=np.float32)
    g = ad.grad(float32_loss)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, 2 * np.cos(x) + 2 * x, rtol=1e-6)
