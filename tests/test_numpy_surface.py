"""The NumPy surface, one row per supported form, each checked end to end with
`check_grads` to order 2 in both modes (forward and reverse, and each over the other).

Indexing: integers (negative too), slices with steps, ``...``, None, tuples of these,
integer arrays (constant, with repeats, and given at run time), constant boolean masks
(written in the index: an array read from outside is read at call time, so it is a
run-time index, and a run-time mask is refused),
0-d and size-1 axes; the facts of a type (``len``, ``.shape``, ``.ndim``, ``.size``);
loops over indices and over rows; writes into arrays the function made.

Elementwise functions, selection and linear algebra: a row per function at each list of
arguments, over shapes that broadcast, size-1 axes, 0-d arrays and Python scalars, and
each parameter option. Functions whose derivative is zero get exact zeros; bad shapes are
refused at the user's line with both shapes.
"""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.testing import check_grads

V = np.array([0.7, -1.2, 0.4, 1.9])
M = np.arange(12.0).reshape(3, 4) / 7 - 0.6
T = np.arange(24.0).reshape(2, 3, 4) / 11 - 0.9
ROW = np.array([[0.3, -0.8, 1.1]])  # a size-1 axis
Z = np.array(0.6)  # 0-d
IDX = np.array([3, 0, 3, -1])  # a run-time index array that repeats
MASK = np.array([True, False, True, True])  # the mask `constant_mask` writes out


def integer(x):
    return x[1] * x[-1] ** 2


def integers_2d(a):
    return a[1, -2] * np.sum(a[0] ** 2)


def step_slices(x):
    return np.sum(x[1::2] * x[::-2]) + np.sum(x[:-1] ** 3)


def slices_2d(a):
    return np.sum(a[::-1, ::2] ** 2) + np.sum(np.sin(a[:, 1:]))


def ellipsis_and_none(t):
    return np.sum(t[..., 0] ** 2) + np.sum(t[0, None, :, -1] * t[1, :, None, 0])


def mixed_tuple(t):
    return np.sum(t[0, :, [1, 2]] ** 2) + np.sum(t[:, 1, [3, 3]] * t[:, 0, [0, 1]])


def repeated_constant_indices(x):
    return np.sum(x[[0, 2, 2, -1]] ** 2)


def run_time_indices(x, idx):
    return np.sum(np.sin(x[idx]) * x[idx])


def constant_mask(x):
    return np.sum(x[[True, False, True, True]] ** 3)


def size_one_axis(r):
    return np.sum(r[0, :] * r[:, 1:2]) + r[-1, -1] ** 2


def zero_d(z):
    return np.sum(z[None] * z[()]) * z[...]


def element_loop(x):
    total = 0.0
    for i in range(len(x)):
        total = total + x[i] * x[i - 1]
    return total


def row_loop(a):
    total = 0.0
    for row in a:
        total = total + np.sum(row[1:] * row[:-1])
    return total


def shape_facts(a):
    n, m = a.shape
    total = 0.0
    for j in range(a.shape[1] - 1):
        total = total + a[n - 1, j] * a[0, j + 1]
    return total * (a.ndim + a.size) / (n * m)


def writes(x):
    y = x.copy()
    y[0] = x[1] * x[2]
    y[1:] += x[:-1] ** 2
    y[[0, 2]] *= x[[3, 3]]
    return np.sum(y * y)


def writes_in_a_loop(x):
    out = np.zeros_like(x)
    for i in range(1, len(x)):
        out[i] = x[i] * x[i - 1]
        out[0] += x[i]
    return np.sum(out ** 2)


def add_at(x, idx):
    y = np.zeros_like(x)
    np.add.at(y, np.s_[idx], x ** 2)
    return np.sum(y * y)


ROWS = [
    (integer, (V,)), (integers_2d, (M,)), (step_slices, (V,)), (slices_2d, (M,)),
    (ellipsis_and_none, (T,)), (mixed_tuple, (T,)), (repeated_constant_indices, (V,)),
    (run_time_indices, (V, IDX)), (constant_mask, (V,)), (size_one_axis, (ROW,)),
    (zero_d, (Z,)), (element_loop, (V,)), (row_loop, (M,)), (shape_facts, (M,)),
    (writes, (V,)), (writes_in_a_loop, (V,)), (add_at, (V, IDX)),
]


@pytest.mark.parametrize("f, args", ROWS, ids=[f.__name__ for f, _ in ROWS])
def test_indexing_second_order_both_modes(f, args):
    check_grads(f, args, order=2)


@pytest.mark.parametrize("f, args, expected", [
    (repeated_constant_indices, (V,), 2 * V * np.array([1, 0, 2, 1])),
    (run_time_indices, (V, IDX), np.array([0, 0, 0, 3]) * (np.sin(V) + V * np.cos(V))
     + np.array([1, 0, 0, 0]) * (np.sin(V) + V * np.cos(V))),
    (constant_mask, (V,), 3 * V ** 2 * MASK),
    (element_loop, (V,), np.roll(V, 1) + np.roll(V, -1)),
])
def test_gradients_accumulate_at_repeated_indices(f, args, expected):
    np.testing.assert_allclose(ad.grad(f)(*args), expected, rtol=1e-12)


def test_writes_compute_what_numpy_computes():
    assert ad.primal(writes)(V) == pytest.approx(writes(V.copy()), rel=1e-14)
    assert ad.primal(writes_in_a_loop)(V) == pytest.approx(writes_in_a_loop(V), rel=1e-14)
    assert ad.primal(add_at)(V, IDX) == pytest.approx(add_at(V, IDX), rel=1e-14)


def sets_twice(x):
    y = x.copy()
    y[[0, 0]] = x[1:3]
    return np.sum(y)


def test_setting_an_element_twice_is_refused_at_its_line():
    with pytest.raises(ad.ShapeError, match="selects an element twice") as info:
        ad.grad(sets_twice)(V)
    assert info.value.loc.text.strip() == "y[[0, 0]] = x[1:3]"


# ---- elementwise functions, selection and linear algebra ------------------------------
FUNCTION_ROWS = []


def row(*argument_lists):
    """Register the decorated function, to be checked at each list of arguments."""
    def register(fn):
        FUNCTION_ROWS.extend(pytest.param(fn, args, id=f"{fn.__name__}-{k}")
                     for k, args in enumerate(argument_lists))
        return fn
    return register


V3 = np.array([0.3, -0.8, 1.1])
W3 = np.array([1.2, 0.5, -0.4])
M23 = np.array([[0.7, -0.2, 0.45], [-1.3, 0.9, 0.15]])
COLUMN = np.array([[0.35], [-0.6]])
ROW3 = np.array([[0.25, -0.55, 0.8]])
ZERO_D = np.array(0.65)
SQUARE = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -0.25], [0.5, 1.5, -2.0]])
SPD = SQUARE @ SQUARE.T + np.eye(3)
STACK = np.stack([SQUARE, SPD])
SPD_STACK = np.stack([SPD, SPD + np.diag([0.5, 1.0, 3.0])])
TALL = np.array([[1.0, 0.5], [-0.3, 2.0], [0.8, -1.1]])
ONE_BY_ONE = np.array([[1.7]])


# ---- elementwise functions of two arguments --------------------------------------------
BINARY_SHAPES = [(V3, W3), (M23, W3), (COLUMN, ROW3), (ZERO_D, V3), (0.55, M23), (M23, -0.9)]


@row(*BINARY_SHAPES)
def np_arctan2(y, x):
    return np.sum(np.arctan2(y, x) * y)


@row(*BINARY_SHAPES)
def np_hypot(x, y):
    return np.sum(np.hypot(x, y))


@row(*BINARY_SHAPES)
def np_logaddexp(x, y):
    return np.sum(np.logaddexp(x, y) * x)


@row(*BINARY_SHAPES)
def np_logaddexp2(x, y):
    return np.sum(np.logaddexp2(x, y) * y)


@row(*BINARY_SHAPES)
def np_fmax(x, y):
    return np.sum(np.fmax(x, y) ** 2)


@row(*BINARY_SHAPES)
def np_fmin(x, y):
    return np.sum(np.fmin(x, y) ** 3)


@row((0.3, -0.8), (-1.3, 0.45))
def math_atan2(y, x):
    return math.atan2(y, x) * y


@row((0.3, -0.8), (1.3, 0.45))
def math_hypot(x, y):
    return math.hypot(x, y) * x


# ---- elementwise functions of one argument ---------------------------------------------
UNARY_SHAPES = [(V3,), (M23,), (ROW3,), (ZERO_D,), (0.45,)]


@row(*UNARY_SHAPES)
def np_exp2(x):
    return np.sum(np.exp2(x))


@row(*UNARY_SHAPES)
def np_arcsinh(x):
    return np.sum(np.arcsinh(x) * x)


@row(*UNARY_SHAPES)
def np_arccosh(x):
    return np.sum(np.arccosh(x * x + 1.5))


@row(*UNARY_SHAPES)
def np_arctanh(x):
    return np.sum(np.arctanh(x / 2))


@row(*UNARY_SHAPES)
def np_square(x):
    return np.sum(np.square(x) * x)


@row(*UNARY_SHAPES)
def np_reciprocal(x):
    return np.sum(np.reciprocal(x + 2.0))


@row(*UNARY_SHAPES)
def np_deg2rad(x):
    return np.sum(np.sin(np.deg2rad(x * 100)))


@row(*UNARY_SHAPES)
def np_rad2deg(x):
    return np.sum(np.rad2deg(x) * x)


@row((0.45,), (-1.3,))
def math_inverse_hyperbolic(x):
    return math.asinh(x) + math.acosh(x * x + 1.5) + math.atanh(x / 2)


@row((0.45,), (-1.3,))
def math_angles(x):
    return math.sin(math.radians(x * 100)) * math.degrees(x)


# ---- selection --------------------------------------------------------------------------
@row((M23, -0.5, 0.6), (M23, V3 - 0.6, 0.6), (V3, ZERO_D - 1, W3), (0.45, -0.5, 0.6),
     (ZERO_D, COLUMN, ROW3))
def np_clip(a, low, high):
    return np.sum(np.clip(a, low, high) ** 2)


@row((M23, 0.6), (V3, W3), (ZERO_D, 0.2))
def np_clip_above(a, high):
    return np.sum(np.clip(a, None, high) ** 2)


@row((M23, -0.5), (V3, W3))
def np_clip_below(a, low):
    return np.sum(np.clip(a, low, None) ** 2)


@row((M23,), (0.45,))
def np_clip_unbounded(a):
    return np.sum(np.clip(a, None, None) ** 2)


@row((V3, W3), (M23, W3), (COLUMN, ROW3), (ZERO_D, V3), (0.45, -0.8))
def np_where(x, y):
    return np.sum(np.where(x > y, x * y, y ** 2))


@row((M23, V3), (V3, 0.45))
def np_where_one_branch_constant(x, y):
    zero = x * 0
    return np.sum(np.where(x > 0, zero, y * x))


# ---- linear algebra ----------------------------------------------------------------------
@row((SQUARE,), (STACK,), (ONE_BY_ONE,))
def np_linalg_inv(a):
    return np.sum(np.sin(np.linalg.inv(a)))


@row((SQUARE, V3), (SQUARE, TALL), (STACK, V3), (STACK, TALL), (SPD, np.stack([TALL, -TALL])))
def np_linalg_solve(a, b):
    return np.sum(np.sin(np.linalg.solve(a, b)))


@row((SQUARE,), (STACK,), (ONE_BY_ONE,))
def np_linalg_det(a):
    return np.sum(np.linalg.det(a) ** 2)


@row((SQUARE,), (-STACK,))
def np_linalg_slogdet(a):
    sign, logabsdet = np.linalg.slogdet(a)
    return np.sum(sign * logabsdet ** 2)


@row((SPD,), (SPD_STACK,), (ONE_BY_ONE,))
def np_linalg_cholesky(a):
    return np.sum(np.sin(np.linalg.cholesky(a)))


@row((SPD,), (np.stack([SPD, np.diag([1.0, 3.0, 5.0]) + (SQUARE + SQUARE.T) / 4]),))
def np_linalg_eigh(a):
    # a function of the eigenvectors that does not depend on their signs
    w, v = np.linalg.eigh(a)
    return np.sum(np.sin(w)) + np.sum(np.sin(v * v) * a)


@row((TALL,), (TALL.T,), (np.stack([TALL, TALL ** 2]),))
def np_linalg_pinv(a):
    return np.sum(np.sin(np.linalg.pinv(a)))


@pytest.mark.parametrize("fn, args", FUNCTION_ROWS)
def test_derivatives_agree_with_finite_differences_to_second_order(fn, args):
    check_grads(fn, args, order=2)


# ---- zero derivatives ----------------------------------------------------------------------
def rounding(x):
    return np.sum(np.round(x, 1) + np.around(x) + np.trunc(x) + np.floor(x) + np.ceil(x) +
                  np.sign(x))


def rounding_to_tens(x):
    return np.sum(np.round(x, decimals=-1) * x)


def extremum_positions(x):
    return np.sum(x * np.argmax(x, axis=0)) + np.argmin(x) * np.sum(x) + \
        np.sum(np.argmax(x, axis=-1, keepdims=True) * x)


def test_piecewise_constant_functions_have_zero_derivatives():
    for x in (M23, V3 * 7, ZERO_D):
        assert np.all(ad.grad(rounding)(x) == 0)
    assert ad.grad(rounding_to_tens)(M23 * 40) == pytest.approx(np.round(M23 * 40, -1))
    check_grads(rounding_to_tens, [M23 * 40], order=2)


def test_argmax_and_argmin_are_integers_that_carry_no_derivative():
    x = M23
    expected = np.argmax(x, axis=0) + np.argmin(x) + np.argmax(x, axis=-1, keepdims=True)
    np.testing.assert_array_equal(ad.grad(extremum_positions)(x),
                                  np.broadcast_to(expected, x.shape))
    check_grads(extremum_positions, [x], order=2)


# ---- bad shapes, located ---------------------------------------------------------------------
def inverts(a):
    return np.sum(np.linalg.inv(a))


def solves(a, b):
    return np.sum(np.linalg.solve(a, b))


def determinant(a):
    return np.linalg.det(a)


def chooses(c, x, y):
    return np.sum(np.where(c > 0, x, y))


def clips(a, low):
    return np.sum(np.clip(a, low, 1.0))


def arg_of_a_tuple_of_axes(a):
    return np.sum(np.argmax(a, axis=(0, 1)) * a)


@pytest.mark.parametrize("fn, args, message", [
    (inverts, [M23], r"inv needs square matrices, not shape \(2, 3\)"),
    (inverts, [V3], r"inv needs a matrix \(at least 2 dimensions\), not an array of shape \(3,\)"),
    (solves, [SQUARE, np.ones(2)], r"solve of shapes \(3, 3\) and \(2,\)"),
    (solves, [SQUARE, np.ones((2, 3))], "the right-hand side needs 3 rows"),
    (determinant, [TALL], r"det needs square matrices, not shape \(3, 2\)"),
    (chooses, [V3, M23, np.ones(2)], r"cannot broadcast shapes"),
    (clips, [V3, np.ones(2)], r"cannot broadcast shapes \(3,\) and \(2,\)"),
    (arg_of_a_tuple_of_axes, [M23], r"argmax and argmin take one axis or None"),
])
def test_bad_shapes_are_refused_at_the_line(fn, args, message):
    with pytest.raises(ad.ShapeError, match=message) as info:
        ad.grad(fn)(*args)
    assert info.value.loc.line == fn.__code__.co_firstlineno + 1


def test_float32_stays_float32():
    a = SPD.astype(np.float32)
    for fn in (np_linalg_inv, np_linalg_cholesky, np_linalg_eigh, np_linalg_det):
        assert ad.grad(fn)(a).dtype == np.float32, fn.__name__
    x = V3.astype(np.float32)
    for fn in (np_arctan2, np_logaddexp, np_fmax, np_where):
        assert ad.grad(fn)(x, np.float32(0.5)).dtype == np.float32, fn.__name__
    # the shares of a tie are made in the dtype of the derivative
    assert ad.grad(np_clip)(x, np.float32(-0.5), np.float32(0.3)).dtype == np.float32
