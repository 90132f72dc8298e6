"""Tests for adcompile/testing.py: `check_grads`, `finite_floats` and the finite
differences behind them.

`check_grads` must pass for correct derivatives and raise a readable
`GradientCheckError` (naming the function, the argument, the order and the mode) when
they are wrong. Wrong derivatives are made two ways: by a function whose finite
differences cannot agree with any derivative (a jump at the test point), and by
monkeypatching the `jvp` / `vjp` that `check_grads` calls so that they return a wrong
derivative for one argument only.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import adcompile as ad
import adcompile.testing
from adcompile.testing import (GradientCheckError, check_grads, finite_floats,
                               numerical_directional_derivative)

SETTINGS = settings(max_examples=50, deadline=None, derandomize=True, database=None)


# ---- functions ----------------------------------------------------------------------------

def smooth(x, y):
    return math.sin(x) * y + x * x * math.exp(-y)


def scaled_by_int(x, n):
    return x ** n + n


def pair(x, y):
    return x * y, math.cos(x) + y


def elementwise(x):
    return np.sin(x) * x


def ridge(w, lam=0.1, *, power=3):
    return lam * np.sum(w ** 2) + np.sum(np.sin(w) ** power)


def jump(x):
    # a jump at x = 0.5: no derivative there, and finite differences see the jump
    if x > 0.5:
        return x + 1.0
    return x


def jump_in_y(x, y):
    if y > 0.0:
        return x * x + y + 1.0
    return x * x + y


def kink_in_slope(x):
    # continuous with a continuous first derivative (0 at 0), but the second
    # derivative is 2 on the right and 1 on the left
    if x > 0.0:
        return x * x
    return 0.5 * x * x


# ---- check_grads passes for correct derivatives ------------------------------------------

@pytest.mark.parametrize("modes", [("fwd",), ("rev",), ("fwd", "rev")])
def test_check_grads_passes_for_a_smooth_function(modes):
    check_grads(smooth, (0.3, -0.8), modes=modes)


def test_check_grads_skips_int_arguments():
    check_grads(scaled_by_int, (1.3, 3))


def test_check_grads_with_argnums():
    check_grads(smooth, (0.3, -0.8), argnums=1)
    check_grads(smooth, (0.3, -0.8), argnums=(1, 0))


def test_check_grads_on_a_tuple_valued_function():
    check_grads(pair, (0.7, 1.1))


def test_check_grads_on_an_array_argument():
    check_grads(elementwise, (np.array([0.1, -0.5, 2.0]),))


def test_check_grads_on_a_function_with_defaults_checks_the_arguments_given():
    # the first-order programs checked at order 2 take the defaults as arguments too
    check_grads(ridge, (np.array([0.3, -1.2]),), order=2)


def test_check_grads_order_2_of_a_partial_differentiates_the_callers_arguments():
    # the first-order programs take the partial's own argument first
    check_grads(functools.partial(smooth, 0.3), (-0.8,), order=2)


def test_check_grads_order_2_passes_for_a_smooth_function():
    check_grads(smooth, (0.3, -0.8), order=2)


@SETTINGS
@given(x=finite_floats(-3, 3), y=finite_floats(-3, 3))
def test_check_grads_passes_across_the_domain(x, y):
    check_grads(smooth, (x, y))


# ---- check_grads raises, with a readable message, for wrong derivatives -----------------

def lines_of(info):
    return str(info.value).splitlines()


@pytest.mark.parametrize("mode, words", [("fwd", "forward mode"), ("rev", "reverse mode")])
def test_a_jump_at_the_point_is_reported(mode, words):
    with pytest.raises(GradientCheckError) as info:
        check_grads(jump, (0.5,), modes=(mode,))
    message = str(info.value)
    first = lines_of(info)[0]
    assert "jump" in first
    assert "argument 'x'" in first
    assert "order 1" in first
    assert words in first
    assert "finite differences" in message
    assert "expected" in message and "got" in message
    assert "rtol=" in message and "atol=" in message


def test_the_message_names_the_argument_that_is_wrong():
    with pytest.raises(GradientCheckError) as info:
        check_grads(jump_in_y, (0.4, 0.0))
    first = lines_of(info)[0]
    assert "argument 'y'" in first and "'x'" not in first


def test_gradient_check_error_is_an_assertion_error():
    assert issubclass(GradientCheckError, AssertionError)


def test_tolerances_are_used():
    # a finite difference over the jump is off by about 1/(12 h); with an enormous
    # atol the check passes
    check_grads(jump, (0.5,), atol=1e6)


def wrong_for_y_jvp(fun, primals, tangents):
    """adcompile's jvp, but 1% off whenever y (position 1) moves."""
    value, tangent = ad.jvp(fun, primals, tangents)
    if tangents[1] != 0.0:
        tangent = tangent * 1.01
    return value, tangent


def wrong_for_y_vjp(fun, *primals):
    """adcompile's vjp, but the cotangent of y (position 1) is 1% off."""
    value, pullback = ad.vjp(fun, *primals)

    def wrong_pullback(g):
        gx, gy = pullback(g)
        return gx, gy * 1.01
    return value, wrong_pullback


@pytest.mark.parametrize("mode, patched, wrong, words", [
    ("fwd", "jvp", wrong_for_y_jvp, "forward mode"),
    ("rev", "vjp", wrong_for_y_vjp, "reverse mode")], ids=["forward", "reverse"])
def test_a_wrong_derivative_is_reported(monkeypatch, mode, patched, wrong, words):
    monkeypatch.setattr(adcompile.testing, patched, wrong)
    check_grads(smooth, (0.3, -0.8), argnums=0, modes=(mode,))   # x is still right
    with pytest.raises(GradientCheckError) as info:
        check_grads(smooth, (0.3, -0.8), modes=(mode,))
    first = lines_of(info)[0]
    assert "smooth" in first and "argument 'y'" in first and "order 1" in first
    assert words in first


def test_modes_choose_what_is_checked(monkeypatch):
    monkeypatch.setattr(adcompile.testing, "vjp", wrong_for_y_vjp)
    check_grads(smooth, (0.3, -0.8), modes=("fwd",))       # the broken vjp is not used
    monkeypatch.setattr(adcompile.testing, "jvp", wrong_for_y_jvp)
    with pytest.raises(GradientCheckError):
        check_grads(smooth, (0.3, -0.8), modes=("fwd",))


def test_a_wrong_second_derivative_is_reported_as_order_2():
    # the first derivative is right (x -> 2x or x, continuous at 0; finite differences
    # are off by h/6 there, hence atol); the second derivative jumps from 1 to 2
    check_grads(kink_in_slope, (0.0,), order=1, atol=1e-3)
    with pytest.raises(GradientCheckError) as info:
        check_grads(kink_in_slope, (0.0,), order=2, modes=("fwd",))
    first = lines_of(info)[0]
    assert "kink_in_slope" in first
    assert "order 2" in first


# ---- finite differences ---------------------------------------------------------------------

@SETTINGS
@given(x=finite_floats(-5, 5))
def test_numerical_directional_derivative_is_accurate(x):
    got = numerical_directional_derivative(lambda t: math.sin(t), [x], 0, 1.0, 1e-3)
    assert got.shape == (1,)
    assert got[0] == pytest.approx(math.cos(x), abs=1e-11)


def test_numerical_directional_derivative_scales_with_the_direction():
    got = numerical_directional_derivative(smooth, [0.3, -0.8], 1, -2.0, 1e-3)
    expected = -2.0 * (math.sin(0.3) - 0.09 * math.exp(0.8))
    assert got[0] == pytest.approx(expected, rel=1e-10)


def test_numerical_directional_derivative_of_a_tuple_valued_function():
    got = numerical_directional_derivative(pair, [0.7, 1.1], 0, 1.0, 1e-3)
    assert got == pytest.approx([1.1, -math.sin(0.7)], rel=1e-10)


# ---- finite_floats ----------------------------------------------------------------------------

@SETTINGS
@given(x=finite_floats())
def test_finite_floats_default_range(x):
    assert isinstance(x, float)
    assert math.isfinite(x)
    assert -10.0 <= x <= 10.0


@SETTINGS
@given(x=finite_floats(-3.0, 7.5))
def test_finite_floats_respects_the_bounds(x):
    assert math.isfinite(x) and -3.0 <= x <= 7.5


@SETTINGS
@given(x=finite_floats(-1e308, 1e308))
def test_finite_floats_never_gives_nan_or_inf(x):
    assert math.isfinite(x)


@SETTINGS
@given(x=finite_floats(0.5, 0.5))
def test_finite_floats_with_equal_bounds(x):
    assert x == 0.5


def test_finite_floats_is_a_hypothesis_strategy():
    assert isinstance(finite_floats(), st.SearchStrategy)
