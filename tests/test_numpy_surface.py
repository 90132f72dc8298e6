"""The NumPy surface, one row per supported form, each checked end to end with
`check_grads` to order 2 in both modes (forward and reverse, and each over the other).

Indexing: integers (negative too), slices with steps, ``...``, None, tuples of these,
integer arrays (constant, with repeats, and given at run time), constant boolean masks
(written in the index: an array read from outside is read at call time, so it is a
run-time index, and a run-time mask is refused),
0-d and size-1 axes; the facts of a type (``len``, ``.shape``, ``.ndim``, ``.size``);
loops over indices and over rows; writes into arrays the function made.
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
