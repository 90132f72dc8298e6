"""The NumPy surface, one row per supported form, each checked end to end with
`check_grads` to order 2 in both modes (forward and reverse, and each over the other).

Indexing: integers (negative too), slices with steps, ``...``, None, tuples of these,
integer arrays (constant, with repeats, and given at run time), constant boolean masks
(written in the index: an array read from outside is read at call time, so it is a
run-time index, and a run-time mask is refused),
0-d and size-1 axes; the facts of a type (``len``, ``.shape``, ``.ndim``, ``.size``);
loops over indices and over rows; writes into arrays the function made.

Reductions and products: each function and form over shapes with broadcasting, size-1
axes and 0-d arrays, and over its axis options; then the exact values where a
convention decides them (ties in max and min, zeros in prod).
"""

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


# ---- reductions -------------------------------------------------------------------------
rng = np.random.default_rng(8)
VEC = rng.standard_normal(4)
MAT = rng.standard_normal((2, 3))
UNIT = rng.standard_normal((2, 1, 3))  # a size-1 axis
TEN = rng.standard_normal((2, 3, 4))
SCALAR = np.array(0.7)  # 0-d
SQUARE = rng.standard_normal((3, 3))


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


@pytest.mark.parametrize("x, axis", [(MAT, None), (MAT, 0), (TEN, -1), (UNIT, 1), (VEC, None),
                                     (SCALAR, None)])
def test_cumsum(x, axis):
    check_grads(running_sum(axis), (x,), order=2)


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


@pytest.mark.parametrize("x, params", [(SQUARE, {}), (MAT, {"offset": 1}), (MAT, {"offset": -1}),
                                       (TEN, {"axis1": 2, "axis2": 0}),
                                       (UNIT, {"axis1": -1, "axis2": 0, "offset": 1})])
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
    (kron, MAT, SQUARE[:2, :2]), (kron, VEC[:2], MAT), (kron, SCALAR, VEC),
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


@pytest.mark.parametrize("fn, args", [
    (einsum_matrix_product, (MAT, MAT.T)), (einsum_implicit, (MAT, MAT)),
    (einsum_three, (VEC[:2], MAT, SQUARE)), (einsum_one, (TEN,)), (einsum_summed_alone, (MAT, VEC)),
], ids=lambda v: getattr(v, "__name__", ""))
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


def test_float32_stays_float32():
    x, a = VEC.astype(np.float32), rng.standard_normal((3, 4)).astype(np.float32)
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
