"""Parameters known once the argument types are: slice bounds and shapes computed from
``len(x)``, ``x.shape`` and ``x.size``, and ``x.dtype`` as a parameter or in a comparison.
Each compiles per type signature to constants; one that depends on data is refused at
its line."""

import numpy as np
import pytest

import adcompile as ad
from adcompile.ir.deferred import Deferred, deferred_count, resolve_deferred
from adcompile.ir.primitives import Slice
from adcompile.testing import check_grads

from sourcelines import line_of

V6 = np.array([0.7, -1.2, 0.4, 1.9, -0.3, 1.1])
V32 = V6.astype(np.float32)


def drops_the_last(x):
    return np.sum(x[:len(x) - 1] ** 3)


def from_a_named_length(x):
    n = x.shape[0]
    return np.sum(x[1:n] ** 3)


def first_half(x):
    return np.sum(np.sin(x[: x.size // 2]))


def zeros_one_shorter(x):
    return np.sum((np.zeros(x.shape[0] - 1) + x[1:]) ** 3)


def pairs(x):
    return np.sum(np.prod(x.reshape(x.shape[0] // 2, 2), axis=1))


def zeros_of_its_shape(x):
    return np.sum((np.zeros(x.shape) + x) ** 3)


def step_from_the_rank(x):
    return np.sum(x[::x.ndim + 1] ** 3)


@pytest.mark.parametrize("fn, expected", [
    (drops_the_last, lambda x: np.sum(x[:-1] ** 3)),
    (from_a_named_length, lambda x: np.sum(x[1:] ** 3)),
    (first_half, lambda x: np.sum(np.sin(x[:3]))),
    (zeros_one_shorter, lambda x: np.sum(x[1:] ** 3)),
    (pairs, lambda x: np.sum(x[::2] * x[1::2])),
    (zeros_of_its_shape, lambda x: np.sum(x ** 3)),
    (step_from_the_rank, lambda x: np.sum(x[::2] ** 3)),
])
def test_bounds_and_shapes_from_shape_facts(fn, expected):
    assert ad.primal(fn)(V6) == pytest.approx(expected(V6))
    check_grads(fn, (V6,), order=2)


def test_each_signature_gets_its_own_constants():
    grad = ad.grad(drops_the_last)
    np.testing.assert_allclose(grad(V6), np.append(3 * V6[:-1] ** 2, 0.0))
    np.testing.assert_allclose(grad(V6[:3]), [3 * V6[0] ** 2, 3 * V6[1] ** 2, 0.0])
    assert "x[:5]" in grad.source_for(V6) and "x[:2]" in grad.source_for(V6[:3])


def bound_from_data(x):
    n = int(x[0])
    return np.sum(x[:n])


def shape_from_data(x):
    return np.sum(np.zeros(int(x[0])))


@pytest.mark.parametrize("fn, snippet, words", [
    (bound_from_data, "n]", ("slice", "computed from the data")),
    (shape_from_data, "int(x[0])", ("shape=", "numpy.zeros", "computed from the data")),
])
def test_a_value_from_data_is_refused_where_it_is_written(fn, snippet, words):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(V6)
    line, text = line_of(fn, snippet)
    assert (info.value.loc.line, info.value.loc.col) == (line, text.index(snippet))
    for word in words:
        assert word in str(info.value)


def test_markers_inside_slices_and_tuples_resolve():
    params = {"index": (Slice(1, Deferred(0, None, "a bound")), 2),
              "shape": (Deferred(1, None, "a shape"), 3)}
    assert deferred_count(params) == 2
    resolved = resolve_deferred(params, lambda marker: 10 + marker.position)
    assert resolved == {"index": (Slice(1, 10), 2), "shape": (11, 3)}


# ---- x.dtype ------------------------------------------------------------------------
def zeros_of_its_dtype(x):
    return np.sum((np.zeros(x.shape[0], dtype=x.dtype) + x) ** 3)


def cast_to_its_dtype(x):
    return np.sum(np.sin(x.astype(x.dtype)) * np.ones_like(x, dtype=x.dtype))


def like_with_a_dtype(x):
    return np.sum(np.cos(x) + np.zeros_like(x, dtype=np.float32))


def branches_on_the_dtype(x):
    if x.dtype == np.float32:
        return np.sum(x ** 3)
    return np.sum(x ** 2)


def branches_on_a_different_dtype(x):
    if np.float64 != x.dtype:
        return np.sum(x ** 3)
    return np.sum(x ** 2)


@pytest.mark.parametrize("fn", [zeros_of_its_dtype, cast_to_its_dtype, branches_on_the_dtype,
                                branches_on_a_different_dtype])
@pytest.mark.parametrize("x", [V6, V32])
def test_float32_in_gives_float32_out_through_grad_and_hessian(fn, x):
    value, gradient = ad.value_and_grad(fn)(x)
    hessian = ad.hessian(fn)(x)
    assert value.dtype == gradient.dtype == hessian.dtype == x.dtype
    assert value == pytest.approx(fn(x), rel=1e-6)
    check_grads(fn, (V6,), order=2)


def test_a_dtype_comparison_is_a_constant_of_the_compiled_code():
    grad = ad.grad(branches_on_the_dtype)
    np.testing.assert_allclose(grad(V32), 3 * V32 ** 2, rtol=1e-6)
    np.testing.assert_allclose(grad(V6), 2 * V6)
    source = grad.source_for(V32)
    assert ".dtype" not in source and "if " not in source


def test_a_like_array_of_another_dtype_says_so():
    assert ad.primal(like_with_a_dtype)(V6).dtype == np.float64
    assert "np.zeros_like(x, dtype=np.float32)" in ad.primal(like_with_a_dtype).source_for(V6)
    check_grads(like_with_a_dtype, (V6,), order=2)


def returns_a_dtype(x):
    return x.dtype


def compares_dtypes_by_order(x):
    return x.dtype < np.float32


@pytest.mark.parametrize("fn, words", [
    (returns_a_dtype, ("not a number or an array", "dtype=x.dtype")),
    (compares_dtypes_by_order, ("==", "x.dtype == np.float32")),
])
def test_a_dtype_is_refused_as_a_value(fn, words):
    with pytest.raises(ad.UnsupportedSyntaxError) as info:
        ad.grad(fn)(V6)
    line, text = line_of(fn, "x.dtype")
    assert info.value.loc.line == line
    for word in words:
        assert word in str(info.value)


ROWS = 3


def shape_from_a_global(x):
    return np.sum((np.zeros(ROWS - 1) + x[:ROWS - 1]) ** 3)


def test_a_shape_from_a_global_constant_is_read_when_compiling():
    check_grads(shape_from_a_global, (V6,), order=2)
    assert "x[:2]" in ad.grad(shape_from_a_global).source_for(V6)


def halves_by_count(x):
    first, second = np.split(x, len(x) // 3)
    return np.sum(first * second)


def halves_at_an_index(x):
    first, second = np.split(x, (len(x) // 2,))
    return np.sum(first * second)


def test_split_at_indices_from_the_shape_but_not_into_a_count_from_it():
    check_grads(halves_at_an_index, (V6,), order=2)
    with pytest.raises(ad.UnsupportedSyntaxError, match="number of pieces") as info:
        ad.grad(halves_by_count)(V6)
    assert "np.split(x, (len(x) // 2,))" in str(info.value)


def ones_of_its_dtype(x):
    return np.sum(np.ones(2, dtype=x.dtype) * x)


@pytest.mark.parametrize("fn", [ones_of_its_dtype, branches_on_the_dtype, zeros_of_its_shape])
def test_a_python_number_has_no_dtype_or_shape(fn):
    with pytest.raises(ad.ShapeError, match="a Python number has no (dtype|shape)"):
        ad.grad(fn)(0.5)
