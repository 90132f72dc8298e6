"""The NumPy surface, one row per supported form, each checked end to end with
`check_grads` to order 2 in both modes (forward and reverse, and each over the other).

Indexing: integers (negative too), slices with steps, ``...``, None, tuples of these,
integer arrays (constant, with repeats, and given at run time), constant boolean masks
(written in the index: an array read from outside is read at call time, so it is a
run-time index, and a run-time mask is refused),
0-d and size-1 axes; the facts of a type (``len``, ``.shape``, ``.ndim``, ``.size``);
loops over indices and over rows; writes into arrays the function made.

Shape operations, joins, splits and creation: each row's function uses the NumPy call in
every form it compiles (axis options, positional and keyword), on shapes that include
size-1 axes, 0-d values (a shape () is drawn as a Python float) and broadcasting, composed
with a nonlinear call so that second derivatives are not zero. Creation and casts to ints
give exact zeros; shape errors are reported at the user's line with both shapes.

Elementwise functions, selection and linear algebra: a row per function at each list of
arguments, over shapes that broadcast, size-1 axes, 0-d arrays and Python scalars, and
each parameter option. Functions whose derivative is zero get exact zeros; bad shapes are
refused at the user's line with both shapes.

Reductions and products: each function and form over shapes with broadcasting, size-1
axes and 0-d arrays, and over its axis options; then the exact values where a
convention decides them (ties in max and min, zeros in prod).

Whole matrices: every row's Hessian (of a scalar function) or Jacobian is one batched
program (a batching rule for each primitive it meets), equal to one jvp per direction.
"""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.testing import check_grads

from sourcelines import line_of

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


RNG = np.random.default_rng(8)


def _draw(shape):
    return float(RNG.standard_normal()) if shape == () else RNG.standard_normal(shape)


# ---- shape operations, joins and splits ------------------------------------------------------

def ravel(x):
    return np.sin(np.ravel(x)) * x.ravel() + x.flatten()


def ravel_a_number(x):
    return np.sin(np.ravel(x))


def squeeze(x):
    return np.sin(np.squeeze(x)), np.squeeze(x * x, axis=0), x.squeeze(2)


def expand_dims(x):
    return np.sin(np.expand_dims(x, 0)), np.expand_dims(x * x, axis=(0, -1))


def atleast_nd(x):
    return np.sin(np.atleast_1d(x)), np.atleast_2d(x) * x, np.cos(np.atleast_3d(x))


def swapaxes(x):
    return np.sin(np.swapaxes(x, 0, 2)) * x.swapaxes(-1, 0)


def moveaxis(x):
    return np.sin(np.moveaxis(x, 0, -1)), np.moveaxis(x * x, (0, 1), (2, 0))


def flip(x):
    return np.sin(np.flip(x)) * np.flip(x, 0) + np.flip(x * x, axis=(0, 1))


def roll(x):
    return np.sin(np.roll(x, 2)) * np.roll(x, -1, axis=1) + np.roll(x * x, (1, 2), axis=(0, 1))


def repeat(x):
    return np.sin(np.repeat(x, 2)), np.repeat(x * x, 3, axis=1), x.repeat(2, axis=0)


def repeat_flattened(x):
    return np.sin(np.repeat(x, 3)) * x


def tile(x):
    return np.sin(np.tile(x, 2)), np.tile(x * x, (2, 1, 2))


def diag(x):
    return np.sin(np.diag(x)), np.diag(x * x, 1), np.diag(x, k=-1)


def diagonal(x):
    return (np.sin(np.diagonal(x)), np.diagonal(x * x, 1), np.diagonal(x, -1, 2, 0),
            x.diagonal(0, 1, 2))


def triangles(x):
    return np.sin(np.triu(x)) * np.tril(x, -1) + np.triu(x * x, k=1)


def concatenate(x, y):
    return (np.sin(np.concatenate((x, y))), np.concatenate([x, x * y], axis=-1),
            np.concatenate((x, y), axis=None))


def stack(x, y):
    return np.sin(np.stack((x, y))), np.stack([x * y, y], axis=-1), np.stack((x, y), 1)


def stack_scalars(x, y):
    return np.sin(np.stack((x, y))) * np.stack([x * y, y], axis=-1)


def array_of_numbers(x, y):
    return np.sin(np.array([[x, y], [x * y, 1.0]]))


def array_of_arrays(x):
    return np.sin(np.array([x, x * x])), np.array(((x, x), (x, 2.0 * x)))


def hstack(x, y):
    return np.sin(np.hstack((x, y))) * np.hstack([y, x])


def vstack(x, y):
    return np.sin(np.vstack([x, y])) * np.vstack((x * y, y))


def split(x):
    a, b = np.split(x, 2)
    c, d, e = np.split(x, [1, 2], axis=1)
    return np.sin(a) * b, c * e * np.cos(d)


def array_split(x):
    a, b = np.array_split(x, 2, axis=-1)
    c, d, e = np.array_split(x * x, 3)
    return np.sin(a), b * b, c, np.sin(d) * e


def pad(x):
    return np.sin(np.pad(x, 1)), np.pad(x * x, ((1, 0), (0, 2)))


def reshape_method(x):
    return np.sin(x.reshape(3, 2)) * x.reshape(-1, 1, 3).transpose(2, 1, 0)


def astype(x):
    return np.sin(x.astype(np.float64)) * np.astype(x, float) + x.astype(int) * x


def scalar_types(x):
    return np.sin(np.float64(x)) * np.float64(2.0) + np.int64(x) * x


def copy(x):
    return np.sin(x.copy()) * np.copy(x)


# ---- creation --------------------------------------------------------------------------------

def constants(x):
    return (x * np.ones(3) + np.zeros((2, 3)) + np.eye(2, 3, 1) * x
            + np.arange(3) * x + np.linspace(0, 1, 3) * np.sin(x)
            + np.ones((2, 3), dtype=np.float64) * np.eye(3)[:2])


def full(x):
    return np.sin(np.full((2, 3), x)) * np.full(3, x * x)


def likes(x, y):
    return (np.sin(np.full_like(x, y)) * np.ones_like(x) + np.zeros_like(x) * x
            + np.full_like(np.empty_like(x), 2.0) * x)


def writes_into_created_arrays(x):
    y = np.zeros(3)
    y[0] = x * x
    z = np.concatenate((np.full(2, x), np.arange(2.0)))
    z[1:3] += np.sin(x)
    return y * z[:3]


SHAPE_ROWS = [
    (writes_into_created_arrays, [()]),
    (ravel, [(2, 3)]), (ravel, [(1,)]), (ravel_a_number, [()]),
    (squeeze, [(1, 3, 1)]),
    (expand_dims, [(2, 3)]), (expand_dims, [()]),
    (atleast_nd, [()]), (atleast_nd, [(3,)]), (atleast_nd, [(2, 3)]),
    (swapaxes, [(2, 3, 4)]), (swapaxes, [(1, 3, 1)]),
    (moveaxis, [(2, 3, 4)]),
    (flip, [(2, 3)]), (flip, [(1, 3)]),
    (roll, [(2, 3)]), (roll, [(1, 3)]),
    (repeat, [(2, 3)]), (repeat_flattened, [()]), (repeat_flattened, [(2, 1)]),
    (tile, [(2, 3)]), (tile, [(3,)]), (tile, [()]),
    (diag, [(3,)]), (diag, [(2, 3)]), (diag, [(3, 3)]),
    (diagonal, [(2, 3, 4)]),
    (triangles, [(3, 3)]), (triangles, [(2, 3, 4)]),
    (concatenate, [(2, 3), (1, 3)]), (concatenate, [(3,), (3,)]),
    (stack, [(2, 3), (2, 3)]), (stack_scalars, [(), ()]),
    (array_of_numbers, [(), ()]), (array_of_arrays, [(3,)]),
    (hstack, [(3,), (3,)]), (hstack, [(2, 3), (2, 3)]), (hstack, [(), ()]),
    (vstack, [(2, 3), (3,)]), (vstack, [(), ()]),
    (split, [(2, 3)]), (array_split, [(3, 3)]),
    (pad, [(2, 3)]),
    (reshape_method, [(2, 3)]),
    (astype, [(2, 3)]), (scalar_types, [()]), (scalar_types, [(3,)]),
    (copy, [(2, 3)]),
    (constants, [(3,)]), (full, [()]), (full, [(3,)]), (likes, [(2, 3), ()]),
    (likes, [(2, 3), (3,)]),
]


@pytest.mark.parametrize("fn, shapes", SHAPE_ROWS,
                         ids=[f"{fn.__name__}-{'-'.join(map(str, shapes))}"
                              for fn, shapes in SHAPE_ROWS])
def test_shape_operations_second_order_both_modes(fn, shapes):
    check_grads(fn, [_draw(shape) for shape in shapes], order=2)


def zeros_of_every_kind(x):
    return (np.zeros(3) + np.ones((2, 3)) + np.eye(3)[:2] + np.arange(3.0)
            + np.linspace(0, 1, 3) + np.full((2, 3), 2.0) + np.zeros_like(x)
            + np.ones_like(x) + np.full_like(x, 3.0) + np.empty_like(x) * 0.0
            + x.astype(int) + x.astype(bool))


def test_creation_and_casts_to_int_have_zero_derivatives():
    x = np.array([0.5, -1.5, 2.5])
    np.testing.assert_array_equal(ad.jacobian(zeros_of_every_kind)(x), np.zeros((2, 3, 3)))


def grows_float32(x):
    return np.sum(np.concatenate((x, np.flip(x))) * np.tile(x, 2))


def test_float32_in_float32_out():
    x = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    g = ad.grad(grows_float32)(x)
    assert g.dtype == np.float32
    np.testing.assert_array_equal(g, 2 * x + 2 * x[::-1])


def split_sum(x):
    a, b, c = np.split(x, 3)
    return np.sum(a * 1.0 + b * 2.0 + c * 3.0)


def test_the_gradient_of_a_split_puts_each_piece_back_in_place():
    g = ad.grad(split_sum)(np.arange(6.0))
    np.testing.assert_array_equal(g, [1.0, 1.0, 2.0, 2.0, 3.0, 3.0])


def diagonal_sum(x):
    return np.sum(np.diagonal(x, 1) * np.array([1.0, 2.0]))


def test_the_gradient_of_a_diagonal_is_on_that_diagonal():
    np.testing.assert_array_equal(ad.grad(diagonal_sum)(np.ones((2, 4))),
                                  [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])


# ---- shape errors at the user's line ----------------------------------------------------------

def concatenates_mismatched(x, y):
    return np.concatenate((x, y), axis=1)


def stacks_mismatched(x, y):
    return np.stack([x, y])


def splits_unequally(x):
    a, b = np.split(x, 2)
    return a + b


def squeezes_a_long_axis(x):
    return np.squeeze(x, axis=0)


def diag_of_a_cube(x):
    return np.diag(x)


@pytest.mark.parametrize("fn, args, snippet, words", [
    (concatenates_mismatched, (np.ones((2, 3)), np.ones((3, 3))), "np.concatenate",
     ["(2, 3)", "(3, 3)", "axis 1"]),
    (stacks_mismatched, (np.ones(3), np.ones(2)), "np.stack", ["(3,)", "(2,)"]),
    (splits_unequally, (np.ones(5),), "np.split", ["length of 5", "2 equal sections",
                                                    "np.array_split"]),
    (squeezes_a_long_axis, (np.ones((2, 1)),), "np.squeeze", ["(2, 1)", "length is 2"]),
    (diag_of_a_cube, (np.ones((2, 2, 2)),), "np.diag", ["(2, 2, 2)", "np.diagonal"]),
], ids=lambda v: getattr(v, "__name__", None))
def test_a_shape_error_is_at_the_users_line(fn, args, snippet, words):
    with pytest.raises(ad.ShapeError) as info:
        ad.grad(fn)(*args)
    line, text = line_of(fn, snippet)
    assert (info.value.loc.line, info.value.loc.col) == (line, text.index(snippet))
    for word in words:
        assert word in info.value.message
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


# ---- reductions -------------------------------------------------------------------------
# a generator of its own: these values stay when rows are added above
REDUCTIONS_RNG = np.random.default_rng(8)
VEC = REDUCTIONS_RNG.standard_normal(4)
MAT = REDUCTIONS_RNG.standard_normal((2, 3))
UNIT = REDUCTIONS_RNG.standard_normal((2, 1, 3))  # a size-1 axis
TEN = REDUCTIONS_RNG.standard_normal((2, 3, 4))
SCALAR = np.array(0.7)  # 0-d
RANDOM_SQUARE = REDUCTIONS_RNG.standard_normal((3, 3))


def reduce_over(fn, axis=None, keepdims=False):
    def f(x):
        return fn(x, axis=axis, keepdims=keepdims)
    return f


def spread_over(fn, axis=None, ddof=0, keepdims=False):
    def f(x):
        return fn(x, axis=axis, ddof=ddof, keepdims=keepdims)
    return f


REDUCTIONS = [np.mean, np.prod, np.max, np.amin, np.var, np.std]
AXIS_FORMS = [(MAT, {}), (MAT, {"axis": 0}), (MAT, {"axis": -1, "keepdims": True}),
              (TEN, {"axis": (0, 2)}), (UNIT, {"axis": 1}), (UNIT, {"keepdims": True}),
              (VEC, {}), (SCALAR, {})]


# std over one element is 0 whatever x is, and its derivative 0/0 (nan, as in JAX):
# checked exactly below, not against finite differences.
REDUCTION_CASES = [(fn, x, params) for fn in REDUCTIONS for x, params in AXIS_FORMS
                   if not (fn is np.std and np.size(np.std(x, **params)) == x.size)]
SPREAD_CASES = [(np.var, MAT, {"ddof": 1}), (np.std, MAT, {"axis": 1, "ddof": 1}),
                (np.var, TEN, {"axis": (0, 2), "ddof": 2, "keepdims": True})]


@pytest.mark.parametrize("fn, x, params", REDUCTION_CASES + SPREAD_CASES,
                         ids=[f"{fn.__name__}{x.shape}{params}"
                              for fn, x, params in REDUCTION_CASES + SPREAD_CASES])
def test_reduction(fn, x, params):
    over = spread_over if "ddof" in params else reduce_over
    check_grads(over(fn, **params), (x,), order=2)


def methods(x):
    return (x.mean(axis=0) * x.prod() + x.max(axis=1, keepdims=True) * x.min()
            + x.var(ddof=1) * x.std(0) + x.cumsum(1) + x.trace())


def test_reduction_methods():
    check_grads(methods, (MAT,), order=2)


def running_sum(axis=None):
    def f(x):
        return np.cumsum(x, axis=axis)
    return f


CUMSUMS = [(MAT, None), (MAT, 0), (TEN, -1), (UNIT, 1), (VEC, None), (SCALAR, None)]


@pytest.mark.parametrize("x, axis", CUMSUMS)
def test_cumsum(x, axis):
    check_grads(running_sum(axis), (x,), order=2)


def running_product(axis=None):
    def f(x):
        return np.cumprod(x, axis=axis)
    return f


CUMPRODS = [(MAT, None), (MAT, 0), (TEN, -1), (UNIT, 1), (VEC, None), (SCALAR, None)]


@pytest.mark.parametrize("x, axis", CUMPRODS)
def test_cumprod(x, axis):
    check_grads(running_product(axis), (x,), order=2)


def running_product_through_zeros(x):
    return x.cumprod()


def test_cumprod_is_exact_at_zeros():
    # never divides by x: d out[i] / d x[j] is the product of the others up to i
    x = np.array([2.0, 0.0, 3.0, 0.0])
    jacobian = ad.jacobian(running_product_through_zeros)(x)
    np.testing.assert_array_equal(jacobian, [[1, 0, 0, 0], [0, 2, 0, 0], [0, 6, 0, 0],
                                             [0, 0, 0, 0]])


def differences(n=1, axis=-1):
    def f(x):
        return np.diff(x, n=n, axis=axis) ** 2
    return f


DIFFS = [(VEC, 1, -1), (VEC, 3, 0), (MAT, 1, 0), (TEN, 2, 1), (UNIT, 1, 1), (VEC, 0, -1),
         (VEC, 4, -1)]


@pytest.mark.parametrize("x, n, axis", DIFFS)
def test_diff(x, n, axis):
    check_grads(differences(n, axis), (x,), order=2)


def vandermonde(N=None, increasing=False):
    def f(x):
        return np.vander(x, N, increasing=increasing) ** 2
    return f


VANDERS = [(VEC, None, False), (VEC, 3, True), (np.array([0.0, -1.5]), 4, False),
           (VEC, 1, False), (VEC, 0, True)]


@pytest.mark.parametrize("x, N, increasing", VANDERS)
def test_vander(x, N, increasing):
    check_grads(vandermonde(N, increasing), (x,), order=2)


def square_by_vander(x):
    return np.vander(x, 3)  # x**2, x, 1


def cubic_by_vander(x):
    return np.sum(np.vander(x, 4))  # x**3 + x**2 + x + 1


def test_vander_is_exact_at_zero():
    # the derivative of x**k is k x**(k-1), never k x**k / x
    zero = np.array([0.0])
    np.testing.assert_array_equal(ad.jacobian(square_by_vander)(zero), [[[0.0], [1.0], [0.0]]])
    np.testing.assert_array_equal(ad.grad(cubic_by_vander)(zero), [1.0])
    np.testing.assert_array_equal(ad.hessian(cubic_by_vander)(zero), [[2.0]])


NORMS = [(VEC, {}), (VEC, {"ord": 1}), (VEC, {"ord": np.inf}), (VEC, {"ord": -np.inf}),
         (VEC, {"ord": 3}), (VEC, {"ord": 0}), (MAT, {}), (MAT, {"ord": "fro"}), (MAT, {"ord": 1}),
         (MAT, {"ord": -1}), (MAT, {"ord": np.inf}), (MAT, {"ord": -np.inf, "axis": (1, 0)}),
         (MAT, {"axis": 1}), (TEN, {"ord": 1, "axis": -1, "keepdims": True}),
         (TEN, {"axis": (2, 0), "keepdims": True}), (TEN, {}), (UNIT, {"ord": 4, "axis": 2})]


def norm_of(ord=None, axis=None, keepdims=False):
    def f(x):
        return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)
    return f


@pytest.mark.parametrize("x, params", NORMS, ids=lambda v: str(getattr(v, "shape", v)))
def test_norm(x, params):
    check_grads(norm_of(**params), (x,), order=2)


def trace_over(offset=0, axis1=0, axis2=1):
    def f(x):
        return np.trace(x, offset=offset, axis1=axis1, axis2=axis2)
    return f


TRACES = [(RANDOM_SQUARE, {}), (MAT, {"offset": 1}), (MAT, {"offset": -1}),
          (TEN, {"axis1": 2, "axis2": 0}), (UNIT, {"axis1": -1, "axis2": 0, "offset": 1})]


@pytest.mark.parametrize("x, params", TRACES)
def test_trace(x, params):
    check_grads(trace_over(**params), (x,), order=2)


# ---- products ---------------------------------------------------------------------------
def tensordot_over(axes):
    def f(a, b):
        return np.tensordot(a, b, axes)
    return f


def dot(a, b):
    return np.dot(a, b)


def dot_method(a, b):
    return a.dot(b)


def inner(a, b):
    return np.inner(a, b)


def outer(a, b):
    return np.outer(a, b)


def kron(a, b):
    return np.kron(a, b)


def cross(a, b):
    return np.cross(a, b)


PRODUCTS = [
    (dot, VEC, VEC), (dot, MAT, MAT.T), (dot, MAT, VEC[:3]), (dot, VEC[:2], MAT),
    (dot, TEN, TEN[0].T), (dot, SCALAR, MAT), (dot, UNIT, VEC[:3]), (dot_method, MAT, VEC[:3]),
    (inner, VEC, VEC), (inner, MAT, MAT), (inner, TEN, TEN[:, 0]), (inner, SCALAR, VEC),
    (outer, VEC, VEC[:2]),
    (tensordot_over(1), MAT, MAT.T), (tensordot_over(2), TEN, TEN[0]),
    (tensordot_over(0), VEC[:2], MAT),
    (tensordot_over(((0, 2), (1, 0))), TEN, TEN[0].T[:, :2]),
    (kron, MAT, RANDOM_SQUARE[:2, :2]), (kron, VEC[:2], MAT), (kron, SCALAR, VEC),
    (cross, VEC[:3], MAT[1]), (cross, MAT, VEC[:3]), (cross, UNIT, MAT),
]


@pytest.mark.parametrize("fn, a, b", PRODUCTS,
                         ids=[f"{getattr(fn, '__name__', 'f')}{a.shape}{b.shape}"
                              for fn, a, b in PRODUCTS])
def test_product(fn, a, b):
    check_grads(fn, (a, b), order=2)


def einsum_matrix_product(a, b):
    return np.einsum("ij,jk->ik", a, b)


def einsum_implicit(a, b):
    return np.einsum("ij,kj", a, b)  # implicit output: "ik"


def einsum_three(a, b, c):
    return np.einsum("i,ij,jk->k", a, b, c)


def einsum_one(a):
    return np.einsum("ijk->kj", a)


def einsum_summed_alone(a, b):
    return np.einsum("ij,k->k", a, b)  # a's axes are summed with nothing else


EINSUMS = [(einsum_matrix_product, (MAT, MAT.T)), (einsum_implicit, (MAT, MAT)),
           (einsum_three, (VEC[:2], MAT, RANDOM_SQUARE)), (einsum_one, (TEN,)),
           (einsum_summed_alone, (MAT, VEC))]


@pytest.mark.parametrize("fn, args", EINSUMS, ids=lambda v: getattr(v, "__name__", ""))
def test_einsum(fn, args):
    check_grads(fn, args, order=2)


# ---- exact values -------------------------------------------------------------------
def max_of(x):
    return np.max(x)


def min_by_rows(x):
    return x.min(axis=1)


def test_tied_maxima_share_the_gradient_equally_as_in_jax():
    np.testing.assert_array_equal(ad.grad(max_of)(np.array([1.0, 3.0, 3.0, 3.0])),
                                  [0.0, 1 / 3, 1 / 3, 1 / 3])
    rows = np.array([[2.0, 2.0, 5.0], [1.0, 4.0, 9.0]])
    _, pullback = ad.vjp(min_by_rows, rows)
    np.testing.assert_array_equal(pullback(np.array([1.0, 1.0]))[0],
                                  [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])


def prod_of(x):
    return np.prod(x)


def test_prod_with_zeros_is_exact():
    np.testing.assert_array_equal(ad.grad(prod_of)(np.array([2.0, 0.0, 3.0])), [0.0, 6.0, 0.0])
    np.testing.assert_array_equal(ad.grad(prod_of)(np.array([0.0, 0.0, 3.0])), [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(ad.hessian(prod_of)(np.array([0.0, 0.0, 3.0])),
                                  [[0.0, 3.0, 0.0], [3.0, 0.0, 0.0], [0.0, 0.0, 0.0]])


def weighted_running_sum(x, w):
    return np.sum(w * np.cumsum(x))


def spread(x):
    return np.var(x, ddof=1)


def vector_norm(x):
    return np.linalg.norm(x)


def trace_of(x):
    return np.trace(x, offset=1)


def std_of(x):
    return np.std(x)


def test_exact_derivatives():
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_array_equal(ad.grad(weighted_running_sum)(x, np.array([1.0, 10.0, 100.0])),
                                  [111.0, 110.0, 100.0])
    np.testing.assert_allclose(ad.grad(spread)(x), [-4 / 3, -1 / 3, 5 / 3], rtol=1e-15)
    np.testing.assert_allclose(ad.grad(vector_norm)(np.array([3.0, 4.0])), [0.6, 0.8],
                               rtol=1e-15)
    np.testing.assert_array_equal(ad.grad(trace_of)(np.zeros((2, 3))),
                                  [[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    with np.errstate(invalid="ignore"):
        assert np.isnan(ad.grad(std_of)(np.array([2.0])))
        assert np.all(np.isnan(ad.grad(vector_norm)(np.zeros(2))))


def float32_loss(x, a):
    return np.linalg.norm(np.dot(a, x)) + np.mean(x) * np.max(x) + np.std(np.cumsum(x))


def test_float32_stays_float32_through_reductions_and_products():
    x, a = VEC.astype(np.float32), REDUCTIONS_RNG.standard_normal((3, 4)).astype(np.float32)
    assert ad.grad(float32_loss)(x, a).dtype == np.float32
    assert ad.grad(float32_loss, argnums=1)(x, a).dtype == np.float32


A = np.array([0.3, -0.5, 0.9])
B = np.array([1.1, 0.4, -0.7])


def products_of_a_scalar(s):
    a, b = s * A, s * B
    return (np.einsum("i,i,i->", a, a, b) + np.sum(np.kron(a, b)) + s * np.mean(np.cumsum(a))
            + np.sum(np.cross(a, b)) + np.trace(np.outer(a, b)))


def test_taylor_mode_through_products_and_linear_reductions():
    s = 0.7
    expected = (6 * np.sum(A * A * B) * s + 2 * np.sum(A) * np.sum(B)
                + 2 * np.mean(np.cumsum(A)) + 2 * np.sum(np.cross(A, B)) + 2 * np.dot(A, B))
    assert ad.derivative(products_of_a_scalar, order=2)(s) == pytest.approx(expected,
                                                                              rel=1e-12)
    assert ad.derivative(products_of_a_scalar, order=3)(s) == pytest.approx(
        6 * np.sum(A * A * B), rel=1e-12)


def tied_norm(x):
    return np.linalg.norm(x, np.inf)


def test_ties_forward_and_in_the_infinity_norm():
    _, tangent = ad.jvp(max_of, (np.array([3.0, 1.0, 3.0]),), (np.array([1.0, 5.0, 2.0]),))
    assert tangent == 1.5
    np.testing.assert_array_equal(ad.grad(tied_norm)(np.array([-2.0, 1.0, 2.0])),
                                  [-0.5, 0.0, 0.5])


def mismatched_dot(a, b):
    return np.sum(np.dot(a, b))


def matrix_two_norm(x):
    return np.linalg.norm(x, 2)


def test_bad_shapes_and_orders_are_located_errors():
    with pytest.raises(ad.ShapeError, match=r"\(2, 3\), \(4,\): the inner dimensions differ") \
            as info:
        ad.grad(mismatched_dot)(MAT, VEC)
    assert "np.dot(a, b)" in str(info.value)
    with pytest.raises(ad.ShapeError, match="singular values") as info:
        ad.grad(matrix_two_norm)(MAT)
    assert "np.linalg.norm(x, 2)" in str(info.value)


# ---- whole Jacobians and Hessians in one program ----------------------------------------
MATRIX_RNG = np.random.default_rng(21)


def _every_row():
    """(id, function, arguments) for every row above."""
    rows = [(f, args) for f, args in ROWS]
    rows += [(fn, tuple(float(MATRIX_RNG.standard_normal()) if shape == () else
                        MATRIX_RNG.standard_normal(shape) for shape in shapes))
             for fn, shapes in SHAPE_ROWS]
    rows += [tuple(param.values) for param in FUNCTION_ROWS]
    rows += [((spread_over if "ddof" in params else reduce_over)(fn, **params), (x,))
             for fn, x, params in REDUCTION_CASES + SPREAD_CASES]
    rows += [(methods, (MAT,))]
    rows += [(running_sum(axis), (x,)) for x, axis in CUMSUMS]
    rows += [(running_product(axis), (x,)) for x, axis in CUMPRODS]
    rows += [(differences(n, axis), (x,)) for x, n, axis in DIFFS]
    rows += [(vandermonde(N, increasing), (x,)) for x, N, increasing in VANDERS]
    rows += [(norm_of(**params), (x,)) for x, params in NORMS]
    rows += [(trace_over(**params), (x,)) for x, params in TRACES]
    rows += [(fn, (a, b)) for fn, a, b in PRODUCTS] + EINSUMS
    return [pytest.param(fn, args, id=f"{fn.__name__}-{k}") for k, (fn, args) in enumerate(rows)]


def _by_directions(g, args, positions):
    """blocks[i][j]: d(result i of g)/d(args[positions[j]]), one ad.jvp per basis
    direction, shaped result.shape + argument.shape."""
    columns = []
    for p in positions:
        shape = np.shape(args[p])
        tangents_out = []
        for index in np.ndindex(*shape):
            tangents = [np.zeros_like(a) if isinstance(a, np.ndarray) else 0.0 for a in args]
            if isinstance(args[p], np.ndarray):
                tangents[p][index] = 1.0
            else:
                tangents[p] = 1.0
            out = ad.jvp(g, tuple(args), tuple(tangents))[1]
            tangents_out.append(out if isinstance(out, tuple) else (out,))
        columns.append([np.moveaxis(np.array([t[i] for t in tangents_out], dtype=float), 0, -1)
                        .reshape(np.shape(tangents_out[0][i]) + shape)
                        for i in range(len(tangents_out[0]))])
    return [[column[i] for column in columns] for i in range(len(columns[0]))]


@pytest.mark.parametrize("fn, args", _every_row())
def test_the_matrix_is_one_batched_program_equal_to_one_jvp_per_direction(fn, args):
    """The Hessian of a scalar function, else the Jacobian, with respect to every float
    argument: one call of a batched program, equal to the per-direction derivatives."""
    positions = tuple(k for k, a in enumerate(args) if np.asarray(a).dtype.kind == "f")
    value = fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])
    scalar = not isinstance(value, tuple) and np.ndim(value) == 0
    if scalar:
        matrix, g = ad.hessian(fn, argnums=positions), ad.grad(fn, argnums=positions)
    else:
        matrix, g = ad.jacobian(fn, argnums=positions), fn
    got = matrix(*args)
    assert not matrix._last.per_direction
    got = got if scalar or isinstance(value, tuple) else (got,)
    expected = _by_directions(g, args, positions)
    assert len(got) == len(expected)
    for got_row, expected_row in zip(got, expected):
        for block, by_direction in zip(got_row, expected_row):
            assert np.shape(block) == np.shape(by_direction)
            np.testing.assert_allclose(block, by_direction, rtol=1e-12, atol=1e-14)
