"""Taylor mode (adcompile/transforms/taylor.py): derivative(f, order=n) in one pass."""

import ast
import math
import re

import numpy as np
import pytest
from hypothesis import given, strategies as st

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import FLOAT
from adcompile.passes import optimize
from adcompile.transforms.forward import forward
from adcompile.transforms.taylor import TaylorUnsupported, nth_derivative

from programs import (double_well, lorentzian, my_sin, power_three_halves, shifted_square,
                      sine_squared, square)


def tanh(x):
    return np.tanh(x)


def mixed(x):
    return math.exp(math.sin(x)) / (1.0 + x * x) + math.sqrt(2.0 + math.cos(x)) ** 3


def powers(x):
    return x ** 5 - 3.0 * x ** 2 + 2.0


def elementary(x):
    return math.log1p(x * x) + math.atan(x) + math.sinh(x) * math.cosh(0.5 * x) + math.tan(x)


def branchy(x):
    if x > 0.3:
        y = math.exp(x) * math.cos(x)
    else:
        y = x ** 3 - math.sin(x)
    return y


def fractional_powers(x, p):
    return (1.5 + math.sin(x)) ** 2.5 + (2.0 + x * x) ** p - math.exp(x) ** -1.5


def looped(x):
    y = x
    for _ in range(4):
        y = math.sin(y) + 0.5 * x * y
    return y


def nested_forward(f, order, x, *rest):
    """The same derivative by forward mode applied `order` times: a second opinion."""
    fn = specialize(f, [FLOAT] * (1 + len(rest)))
    for _ in range(order):
        fn = optimize(forward(fn, [0], seed_ones=True, with_value=False))
    source, constants = to_source(fn, "check")
    return compile_source(source, "check", constants)(x, *rest)


@pytest.mark.parametrize("f", [tanh, mixed, powers, elementary, branchy, looped,
                               fractional_powers])
@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_taylor_mode_agrees_with_nested_forward_mode(f, order):
    extra = (0.7,) if f is fractional_powers else ()  # a run-time exponent
    for x in (-0.7, 0.2, 0.9):
        got = ad.derivative(f, order=order)(x, *extra)
        assert got == pytest.approx(nested_forward(f, order, x, *extra), rel=1e-10, abs=1e-10)


@given(st.floats(min_value=-2.0, max_value=2.0))
def test_tanh_derivatives_match_the_polynomial_recurrence(x):
    # d^k tanh = P_k(tanh), P_0(t) = t, P_(k+1)(t) = P_k'(t) * (1 - t^2)
    t = math.tanh(x)
    poly = np.polynomial.Polynomial([0.0, 1.0])
    for order in range(1, 9):
        poly = poly.deriv() * np.polynomial.Polynomial([1.0, 0.0, -1.0])
        want = poly(t)
        assert ad.derivative(tanh, order=order)(x) == pytest.approx(want, rel=1e-9, abs=1e-9)


def test_powers_are_exact_at_zero():
    # x**5 by the binomial series, not y' = 5y/x (which divides by zero at 0)
    assert ad.derivative(powers, order=2)(0.0) == -6.0
    assert ad.derivative(powers, order=5)(0.0) == 120.0
    assert ad.derivative(powers, order=6)(0.0) == 0.0


# issue 11: each raised ZeroDivisionError at order 1 (the series divided by the base)
@pytest.mark.parametrize("f, x, exact", [
    (square, 0.0, [0.0, 2.0, 0.0, 0.0]),
    (shifted_square, 1.0, [0.0, 2.0, 0.0, 0.0]),
    (sine_squared, 0.0, [0.0, 2.0, 0.0, -8.0]),  # (1 - cos 2x) / 2
    (lorentzian, 0.0, [0.0, -2.0, 0.0, 24.0]),  # 1 - x^2 + x^4 - ...
    (double_well, 0.0, [0.0, -4.0, 0.0, 24.0]),
])
def test_integral_float_exponents_are_exact_at_a_zero_base(f, x, exact):
    assert [ad.derivative(f, order=n)(x) for n in (1, 2, 3, 4)] == exact


def test_a_fractional_power_at_zero_divides_by_zero_only_above_its_order():
    assert ad.derivative(power_three_halves, order=1)(0.0) == 0.0
    with np.errstate(divide="ignore"):
        assert ad.derivative(power_three_halves, order=2)(np.zeros(2)).tolist() == [np.inf] * 2
        assert ad.derivative(power_three_halves, order=3)(np.zeros(2)).tolist() == [-np.inf] * 2


def test_elementwise_on_arrays():
    xs = np.linspace(-3.0, 3.0, 7)
    assert np.allclose(ad.derivative(tanh, order=2)(xs),
                       -2.0 * np.tanh(xs) * (1.0 - np.tanh(xs) ** 2))


def test_size_grows_quadratically_not_geometrically():
    sizes = []
    for order in (2, 4, 8):
        ir = optimize(nth_derivative(specialize(tanh, [FLOAT]), order))
        sizes.append(sum(1 for _ in walk_ops(ir.body)))
    assert sizes[2] <= 4 * sizes[1]
    assert sizes[1] <= 4 * sizes[0]


def self_power(x):
    return x ** x


def test_a_moving_base_and_exponent_fall_back_to_nested_forward_mode():
    with pytest.raises(TaylorUnsupported):
        nth_derivative(specialize(self_power, [FLOAT]), 2)
    # d^2/dx^2 x^x = x^x ((1 + log x)^2 + 1/x), at 1: 2
    assert ad.derivative(self_power, order=2)(1.0) == pytest.approx(2.0, rel=1e-12)


def test_a_runtime_exponent_has_a_series():
    nth_derivative(specialize(my_sin, [FLOAT, FLOAT]), 2)  # x ** (2i + 1): no fallback
    x = math.pi / 4  # issue 4: through the data-dependent loop, to 1e-12
    assert ad.derivative(my_sin, order=2)(x, 1e-150) == pytest.approx(-math.sin(x), abs=1e-12)
    assert ad.derivative(my_sin, order=3)(x, 1e-150) == pytest.approx(-math.cos(x), abs=1e-12)
    assert ad.hessian(my_sin)(x, 1e-150) == pytest.approx(-math.sin(x), abs=1e-12)
    assert ad.grad(ad.grad(my_sin))(x, 1e-150) == pytest.approx(-math.sin(x), abs=1e-12)


def cubes(x):
    return x ** 2.0 @ x


def test_a_linear_op_of_zero_coefficients_is_zero():
    # the gradient 3x^2 reaches the matmul's reverse as a reshape whose third coefficient
    # is zero: its jvp was called with no tangent (an AttributeError)
    assert ad.derivative(ad.grad(cubes), order=2)(np.array([0.5, -1.0])).tolist() == [6.0, 6.0]


def test_loops_carry_every_coefficient():
    program = ad.derivative(looped, order=3)
    program(0.4)
    assert "for " in program.source  # the loop stays a loop


def sine(x):
    return np.sin(x)


def same_twice(x):
    y = np.exp(x)
    return y - y


def logarithm(x):
    return np.log(x)


def _scaled(node):
    """Whether `node` is a constant times something: `c * e`, `e * c`."""
    return isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
        isinstance(side, ast.Constant) for side in (node.left, node.right))


def _constant_chains(source: str) -> list[str]:
    """`c1 * (c2 * e)` and `-(c * e)`: factors a person would have multiplied out."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if _scaled(node) and any(_scaled(side) for side in (node.left, node.right)) or \
                isinstance(node, ast.UnaryOp) and _scaled(node.operand):
            found.append(ast.unparse(node))
    return found


def _trivial_factors(source: str) -> list[str]:
    """Multiplications by a literal 0 or 1."""
    return [ast.unparse(node) for node in ast.walk(ast.parse(source))
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and any(
                isinstance(side, ast.Constant) and side.value in (0, 1)
                for side in (node.left, node.right))]


def test_the_checks_find_what_they_look_for():
    assert _constant_chains("y = 6.0 * (0.25 * x) + -(2.0 * x) + 2.0 * (3.0 * x + y)") == [
        "6.0 * (0.25 * x)", "-(2.0 * x)"]
    assert _trivial_factors("y = 1.0 * x + x * 0.0 + 2.0 * x") == ["1.0 * x", "x * 0.0"]


def test_exact_factors_make_sin_orders_what_a_person_writes():
    expected = ["math.cos(x)", "-math.sin(x)", "-math.cos(x)", "math.sin(x)"]
    for order in range(1, 9):
        assert ad.derivative(sine, order=order).source == (
            f"import math\n\n\ndef sine_d{order}(x):\n"
            f"    return {expected[(order - 1) % 4]}\n")


@pytest.mark.parametrize("fun", [tanh, mixed, powers, elementary, sine],
                         ids=lambda f: f.__name__)
def test_no_constant_chains_and_no_trivial_factors(fun):
    for order in range(1, 9):
        source = ad.derivative(fun, order=order).source
        assert _constant_chains(source) == [], (order, source)
        assert _trivial_factors(source) == [], (order, source)


def test_tanh_terms_have_integer_constants():
    # tanh''' = 4 t^2 (1 - t^2) - 2 (1 - t^2)^2 with t = tanh(x), as written by hand
    assert ad.derivative(tanh, order=3).source.endswith(
        "    return 4.0 * (t * (t * t1)) - 2.0 * (t1 * t1)\n")
    for order in range(1, 9):
        constants = re.findall(r"\d+\.\d+", ad.derivative(tanh, order=order).source)
        assert all(float(c).is_integer() for c in constants), (order, constants)


def test_folding_keeps_what_inf_and_nan_give():
    with np.errstate(all="ignore"):
        # y - y is nan where y overflows, in every order: never folded to 0
        for order in (1, 2, 3):
            assert math.isnan(ad.derivative(same_twice, order=order)(1000.0))
            assert ad.derivative(same_twice, order=order)(1.0) == 0.0
        assert ad.derivative(logarithm, order=3)(0.0) == math.inf  # 2 / x**3
