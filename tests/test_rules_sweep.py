"""adcompile/rules: every differentiable primitive's derivatives of orders 1 to 3, in
every mode, at the points where its rules divide or take logarithms (0, 1 and -1 where
they are in the domain), against exact values written by hand; at a kink, against the
convention in the README's table.

Modes: reverse (as grad, applied k times), forward (applied k times), Taylor (as
`derivative`), forward over reverse (as `hessian`, over reverse again for the third
order) and Taylor over reverse. Each function is differentiated in its first argument;
a row for another operand puts that operand first.

Each row runs on one-element arrays, which follow NumPy's semantics, so an infinite
derivative comes out inf, and on Python floats too: there a function written with NumPy
keeps NumPy's semantics, while Python's arithmetic raises where NumPy gives inf or nan
(0.0 ** -0.5), so a row of such a function runs on floats only where it is finite.

`sum_to` and the tape's push and pop are not functions a user writes; test_registry and
test_reverse check their rules. The array primitives (sum, reshape, transpose,
broadcast_to, matmul) have rows of their own, on arrays only.
"""

import math
import warnings

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.compile import compile_function
from adcompile.ir.infer import type_of
from adcompile.passes import optimize
from adcompile.passes.strength import reduce_strength
from adcompile.testing import check_grads
from adcompile.transforms.forward import forward
from adcompile.transforms.reverse import reverse
from adcompile.transforms.taylor import nth_derivative

from programs import (add, cube_of_abs, div, double_well, lorentzian, mul, negative, power,
                      power_three_halves, shifted_square, sine_squared, square)

INF, NAN = math.inf, math.nan
LN2, LN10 = math.log(2.0), math.log(10.0)


# ---- the functions, one primitive each (or the compositions issue 11 found) -----------

def sin(x):
    return np.sin(x)


def cos(x):
    return np.cos(x)


def tan(x):
    return np.tan(x)


def arcsin(x):
    return np.arcsin(x)


def arccos(x):
    return np.arccos(x)


def arctan(x):
    return np.arctan(x)


def sinh(x):
    return np.sinh(x)


def cosh(x):
    return np.cosh(x)


def tanh(x):
    return np.tanh(x)


def exp(x):
    return np.exp(x)


def expm1(x):
    return np.expm1(x)


def log(x):
    return np.log(x)


def log1p(x):
    return np.log1p(x)


def log2(x):
    return np.log2(x)


def log10(x):
    return np.log10(x)


def sqrt(x):
    return np.sqrt(x)


def absolute(x):
    return abs(x)


def as_float(x):
    return float(x)


def floor(x):
    return np.floor(x)


def ceil(x):
    return np.ceil(x)


def sign(x):
    return np.sign(x)


def subtrahend(y, x):
    return x - y


def square_by_mul(x):
    return x * x


def divisor(y, x):
    return x / y


def floor_divide(x, y):
    return x // y


def mod(x, y):
    return x % y


def mod_divisor(y, x):
    return x % y


def maximum(x, y):
    return np.maximum(x, y)


def minimum(x, y):
    return np.minimum(x, y)


def builtin_max(x, y):
    return max(x, y)


def builtin_min(x, y):
    return min(x, y)


def maximum_of_itself(x):
    return np.maximum(x, x)


def square_int(x):
    return x ** 2


def cube(x):
    return x ** 3.0


def first_power(x):
    return x ** 1.0


def zeroth_power(x):
    return x ** 0.0


def zeroth_power_int(x):
    return x ** 0


def reciprocal(x):
    return x ** -1.0


def power_half(x):
    return x ** 0.5


def exponent(y, x):
    return x ** y


def two_to_the(x):
    return 2.0 ** x


def zero_to_the(x):
    return 0.0 ** x


def cube_of_abs_written_so(x):
    return abs(x) ** 3


def summed(x):
    return np.sum(x * x ** 2.0)


def reshaped(x):
    return np.reshape(x ** 3.0, (1,))


def transposed(x):
    return np.transpose(x ** 3.0)


def broadcast(x):
    return np.broadcast_to(x ** 3.0, (1,))


def matrix_product(x):
    return x ** 2.0 @ x


# ---- the table: function, arguments, exact derivatives of orders 1, 2, 3 -----------------

SWEEP = [
    (sin, (0.0,), (1.0, 0.0, -1.0)),
    (cos, (0.0,), (0.0, -1.0, 0.0)),
    (tan, (0.0,), (1.0, 0.0, 2.0)),
    (arcsin, (0.0,), (1.0, 0.0, 1.0)),
    (arcsin, (1.0,), (INF, INF, INF)),  # one-sided, from inside the domain
    (arcsin, (-1.0,), (INF, -INF, INF)),
    (arccos, (0.0,), (-1.0, 0.0, -1.0)),
    (arccos, (1.0,), (-INF, -INF, -INF)),
    (arccos, (-1.0,), (-INF, INF, -INF)),
    (arctan, (0.0,), (1.0, 0.0, -2.0)),
    (arctan, (1.0,), (0.5, -0.5, 0.5)),
    (arctan, (-1.0,), (0.5, 0.5, 0.5)),
    (sinh, (0.0,), (1.0, 0.0, 1.0)),
    (cosh, (0.0,), (0.0, 1.0, 0.0)),
    (tanh, (0.0,), (1.0, 0.0, -2.0)),
    (exp, (0.0,), (1.0, 1.0, 1.0)),
    (expm1, (0.0,), (1.0, 1.0, 1.0)),
    (log, (1.0,), (1.0, -1.0, 2.0)),
    (log, (0.0,), (INF, -INF, INF)),
    (log1p, (0.0,), (1.0, -1.0, 2.0)),
    (log1p, (1.0,), (0.5, -0.25, 0.25)),
    (log1p, (-1.0,), (INF, -INF, INF)),
    (log2, (1.0,), (1 / LN2, -1 / LN2, 2 / LN2)),
    (log10, (1.0,), (1 / LN10, -1 / LN10, 2 / LN10)),
    (sqrt, (1.0,), (0.5, -0.25, 0.375)),
    (sqrt, (0.0,), (INF, -INF, INF)),
    (absolute, (0.0,), (0.0, 0.0, 0.0)),  # the kink: sign(0) = 0, as JAX
    (absolute, (1.0,), (1.0, 0.0, 0.0)),
    (absolute, (-1.0,), (-1.0, 0.0, 0.0)),
    (negative, (0.0,), (-1.0, 0.0, 0.0)),
    (as_float, (1.0,), (1.0, 0.0, 0.0)),
    (floor, (1.0,), (0.0, 0.0, 0.0)),  # steps: 0 on the step too, as JAX
    (ceil, (-1.0,), (0.0, 0.0, 0.0)),
    (sign, (0.0,), (0.0, 0.0, 0.0)),
    (add, (0.0, 1.0), (1.0, 0.0, 0.0)),
    (subtrahend, (0.0, 1.0), (-1.0, 0.0, 0.0)),
    (mul, (0.0, -1.0), (-1.0, 0.0, 0.0)),
    (square_by_mul, (0.0,), (0.0, 2.0, 0.0)),
    (div, (0.0, -1.0), (-1.0, 0.0, 0.0)),
    (divisor, (1.0, 1.0), (-1.0, 2.0, -6.0)),
    (divisor, (-1.0, 1.0), (-1.0, -2.0, -6.0)),
    (divisor, (1.0, 0.0), (0.0, 0.0, 0.0)),
    (floor_divide, (1.0, 1.0), (0.0, 0.0, 0.0)),
    (mod, (0.0, 1.0), (1.0, 0.0, 0.0)),
    (mod_divisor, (1.0, 2.5), (-2.0, 0.0, 0.0)),
    (mod_divisor, (-1.0, 2.5), (3.0, 0.0, 0.0)),
    (maximum, (1.0, 0.0), (1.0, 0.0, 0.0)),
    (maximum, (-1.0, 0.0), (0.0, 0.0, 0.0)),
    (maximum, (0.0, 0.0), (0.5, 0.0, 0.0)),  # a tie splits the derivative, as JAX
    (minimum, (0.0, 0.0), (0.5, 0.0, 0.0)),
    (minimum, (-1.0, 0.0), (1.0, 0.0, 0.0)),
    (builtin_max, (0.0, 0.0), (0.5, 0.0, 0.0)),
    (builtin_min, (1.0, 1.0), (0.5, 0.0, 0.0)),
    (maximum_of_itself, (0.0,), (1.0, 0.0, 0.0)),
    (square, (0.0,), (0.0, 2.0, 0.0)),
    (square, (1.0,), (2.0, 2.0, 0.0)),
    (square, (-1.0,), (-2.0, 2.0, 0.0)),
    (square_int, (0.0,), (0.0, 2.0, 0.0)),
    (cube, (0.0,), (0.0, 0.0, 6.0)),
    (first_power, (0.0,), (1.0, 0.0, 0.0)),
    (zeroth_power, (0.0,), (0.0, 0.0, 0.0)),
    (zeroth_power_int, (0.0,), (0.0, 0.0, 0.0)),
    (reciprocal, (1.0,), (-1.0, 2.0, -6.0)),
    (reciprocal, (-1.0,), (-1.0, -2.0, -6.0)),
    (power_three_halves, (1.0,), (1.5, 0.75, -0.375)),
    (power_three_halves, (0.0,), (0.0, INF, -INF)),
    (power_half, (0.0,), (INF, -INF, INF)),
    (power, (0.0, 2.0), (0.0, 2.0, 0.0)),
    (power, (0.0, 0.0), (0.0, 0.0, 0.0)),
    (power, (0.0, 1.0), (1.0, 0.0, 0.0)),
    (power, (0.0, 3.0), (0.0, 0.0, 6.0)),
    (power, (0.0, 2), (0.0, 2.0, 0.0)),
    (power, (0.0, 0), (0.0, 0.0, 0.0)),
    (power, (-1.0, 3.0), (3.0, -6.0, 6.0)),  # a negative base, an integral exponent
    (power, (-1.0, 2), (-2.0, 2.0, 0.0)),
    (power, (1.0, 2.5), (2.5, 3.75, 1.875)),
    (power, (0.0, 1.5), (0.0, INF, -INF)),
    (exponent, (2.0, 0.0), (0.0, 0.0, 0.0)),  # 0**y = 0 for y > 0
    (exponent, (0.0, 0.0), (0.0, 0.0, 0.0)),  # 0 at a zero base, as JAX
    (exponent, (2.0, 1.0), (0.0, 0.0, 0.0)),
    (exponent, (2.0, 2.0), (4 * LN2, 4 * LN2 ** 2, 4 * LN2 ** 3)),
    (exponent, (3.0, -1.0), (NAN, NAN, NAN)),  # log of a negative base: nan, as JAX
    (two_to_the, (0.0,), (LN2, LN2 ** 2, LN2 ** 3)),
    (zero_to_the, (1.0,), (0.0, 0.0, 0.0)),
    (shifted_square, (1.0,), (0.0, 2.0, 0.0)),
    (sine_squared, (0.0,), (0.0, 2.0, 0.0)),
    (lorentzian, (0.0,), (0.0, -2.0, 0.0)),
    (double_well, (0.0,), (0.0, -4.0, 0.0)),
    # The chain rule meets 0 * inf: (x*x)**0.5 has an infinite derivative in x*x, whose
    # own derivative is 0. nan, as JAX, though |x|**3 has second derivative 0 here: no
    # rule that sees one operation at a time can tell this from (x**4)**0.5, whose
    # second derivative is 2.
    (cube_of_abs, (0.0,), (0.0, NAN, NAN)),
    (cube_of_abs_written_so, (0.0,), (0.0, 0.0, 0.0)),  # 6 sign(x) at order 3: 0 at 0
]

# Written with Python's operators, so on Python floats their infinite derivatives raise,
# as Python's arithmetic does (0.0 ** -0.5); the rest are written with NumPy's functions.
PYTHON_ARITHMETIC = {power_three_halves, power_half, power, exponent, cube_of_abs}

# The array primitives, each of x**3 on one-element arrays (they take no Python floats).
ARRAY_SWEEP = [(f, (x,), (3 * x * x, 6 * x, 6.0))
               for f in (summed, reshaped, transposed, broadcast, matrix_product)
               for x in (0.0, -1.0)]


# ---- the modes ---------------------------------------------------------------------------
# A mode is the transforms applied to f, in order, for the derivative of each order;
# every cotangent and tangent seed is one, so on arrays each is elementwise. These are
# the pipelines of grad, hessian and derivative, run on arrays as well as on floats.

MODES = {
    "reverse": {k: ["reverse"] * k for k in (1, 2, 3)},
    "forward": {k: ["forward"] * k for k in (1, 2, 3)},
    "taylor": {k: [("taylor", k)] for k in (1, 2, 3)},
    "forward_over_reverse": {2: ["reverse", "forward"], 3: ["reverse", "reverse", "forward"]},
    "taylor_over_reverse": {2: ["reverse", ("taylor", 1)], 3: ["reverse", ("taylor", 2)]},
}


def _derivative(f, steps, args):
    fn = specialize(f, [type_of(a) for a in args])
    cotangents = 0
    for step in steps:
        if step == "reverse":
            fn = reverse(fn, [0], with_value=False, cotangent_params=True)
            cotangents += 1
        elif step == "forward":
            fn = forward(fn, [0], seed_ones=True, with_value=False)
        else:
            fn = nth_derivative(fn, step[1])
        fn = optimize(fn)
    _, _, run = compile_function(reduce_strength(fn), "sweep")
    ones = np.ones_like(args[0]) if isinstance(args[0], np.ndarray) else 1.0
    return run(*args, *[ones] * cotangents)


def _scalar(result) -> float:
    """The one number in a result: grad-like programs return a tuple, arrays one entry."""
    return float(np.ravel(result)[0])


def _same(got, want) -> bool:
    got = _scalar(got)
    if math.isnan(want):
        return math.isnan(got)
    return got == pytest.approx(want, rel=1e-12, abs=1e-12)


def _label(row) -> str:
    f, args, _ = row
    return f"{f.__name__}{args}"


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("row", SWEEP + ARRAY_SWEEP, ids=_label)
def test_derivatives_are_exact(row, mode):
    f, args, exact = row
    arrays = [np.array([a]) for a in args]
    on_floats = row in SWEEP and (all(math.isfinite(v) for v in exact) or
                                  f not in PYTHON_ARITHMETIC)
    wrong = []
    for order, steps in MODES[mode].items():
        want = exact[order - 1]
        for kind, values in [("arrays", arrays)] + [("floats", list(args))] * on_floats:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's divide-by-zero
                got = _derivative(f, steps, values)
            if not _same(got, want):
                wrong.append(f"order {order} on {kind}: {got}, not {want}")
    assert not wrong, "; ".join(wrong)


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("n", [0, 1, 2, 3, 4, 0.0, 1.0, 2.0, 3.0, 4.0])
def test_integer_powers_at_a_zero_base(n, mode):
    # d^k/dx^k x**n at 0 is n! when k = n, else 0; an integral float n behaves as the int
    orders = {**MODES[mode], **({4: MODES[mode][3] + ["forward"]} if 3 in MODES[mode] else {})}
    for order, steps in orders.items():
        want = math.factorial(order) if order == n else 0.0
        assert _scalar(_derivative(power, steps, [0.0, n])) == want, (order, steps)


# ---- array rules spelled as people write them -----------------------------------------

def _matvec_loss(a, c):
    return np.sum(np.sin(a @ c))


RNG = np.random.default_rng(7)


@pytest.mark.parametrize("shape_a, shape_c, spelled, cotangents", [
    ((3,), (3,), "ba = t * c", lambda a, c, g: (g * c, g * a)),
    ((2, 3), (3,), "ba = t[:, None] * c", lambda a, c, g: (np.outer(g, c), a.T @ g)),
    ((3,), (3, 2), "bc = a[:, None] * t", lambda a, c, g: (c @ g, np.outer(a, g))),
    ((4, 2, 3), (3,), None,  # a stack: as matrices
     lambda a, c, g: (g[..., None] * c, np.einsum("ki,kij->j", g, a))),
])
def test_a_product_with_a_vector_has_cotangents_without_reshapes(shape_a, shape_c, spelled,
                                                                 cotangents):
    a, c = RNG.standard_normal(shape_a), RNG.standard_normal(shape_c)
    grad = ad.grad(_matvec_loss, argnums=(0, 1))
    for got, want in zip(grad(a, c), cotangents(a, c, np.cos(a @ c))):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    if spelled is not None:
        assert spelled in grad.source and "np.reshape" not in grad.source
    check_grads(_matvec_loss, (a, c), order=2)


def _shifted_sine(s, v):
    return np.sin(s + v)


def test_a_scalar_operands_tangent_is_broadcast_not_multiplied_by_ones():
    v = np.array([0.5, -1.0, 2.0])
    jacobian = ad.jacobian(_shifted_sine)
    np.testing.assert_allclose(jacobian(0.25, v), np.cos(0.25 + v), rtol=1e-12)
    assert "ones_like" not in jacobian.source


def _spread_total(x):
    return np.sum(np.mean(x) * x)


def test_the_cotangent_of_a_total_broadcasts_as_a_number():
    x = np.array([0.5, -1.0, 2.0])
    grad = ad.grad(_spread_total)
    np.testing.assert_allclose(grad(x), np.sum(x) / 3 + np.mean(x), rtol=1e-12)
    assert "np.reshape" not in grad.source
    check_grads(_spread_total, (x,), order=2)
