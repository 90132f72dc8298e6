"""Tests for adcompile/transforms/sparsity.py: the Jacobian pattern of small programs
against their exact nonzero structure (written out, or read off the Jacobian at a random
point, where a structural nonzero is nonzero), conservative patterns where no rule
applies, the size bound, and the column colouring (no two columns of one colour share
a row)."""

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.types import type_of
from adcompile.passes import optimize
from adcompile.transforms import sparsity
from adcompile.transforms.reverse import reverse
from adcompile.transforms.sparsity import colour_columns, jacobian_pattern
from programs import rosenbrock_nd

RNG = np.random.default_rng(5)
A = RNG.standard_normal((4, 6))


def _pattern(fun, x, of_gradient=False):
    fn = specialize(fun, [type_of(x)])
    if of_gradient:
        fn = optimize(reverse(fn, [0], with_value=False, cotangent_params=False))
    return jacobian_pattern(fn, 0)


def _structure(fun, x):
    """The nonzeros of the Jacobian of `fun` at `x` (a generic point), (size, size)."""
    jacobian = np.asarray(ad.jacobian(fun)(x))
    return jacobian.reshape(-1, x.size) != 0


def tridiagonal(n):
    return np.abs(np.subtract.outer(np.arange(n), np.arange(n))) <= 1


def test_the_rosenbrock_hessian_is_tridiagonal():
    [pattern] = _pattern(rosenbrock_nd, RNG.standard_normal(9), of_gradient=True)
    np.testing.assert_array_equal(pattern, tridiagonal(9))


def shifted_products(x):
    return x[1:] * x[:-1] - np.sin(x[:-1])


def moved(x):
    return (x.reshape(3, 4).T * 2.0).ravel()


def row_sums(x):
    return np.sum(np.exp(x.reshape(3, 4)), axis=1, keepdims=True)


def running(x):
    return np.cumsum(x[::2] ** 2)


def running_products_and_differences(x):
    m = x.reshape(3, 4)
    return np.concatenate([np.cumprod(x[::3] ** 2), np.diff(m, axis=0).ravel(),
                           np.diff(x[4:], n=3), np.vander(x[:3], 2).ravel()])


def joined(x):
    return np.concatenate([np.pad(x[:3], (1, 2)), np.flip(x), np.tile(x[:2], 2)])


def written(x):
    y = np.zeros_like(x)
    y[1:] = 2.0 * x[:-1]
    y[:3] += x[9:]
    return y


def products(x):
    m = x.reshape(2, 6)
    stacked = x[:8].reshape(2, 2, 2) @ x[4:].reshape(2, 2, 2)
    return np.concatenate([(m @ m.T).ravel() + np.sum(A @ x[:6]), stacked.ravel(),
                           x[:3] @ x[3:9].reshape(3, 2), (x[:2].reshape(2, 1) @ x[3:6, None].T).ravel()])


def broadcast(x):
    return (x[:4, None] * x[None, 8:]).ravel() + np.sum(x[4:8])


@pytest.mark.parametrize("fun", [shifted_products, moved, row_sums, running,
                                 running_products_and_differences, joined, written, products,
                                 broadcast])
def test_patterns_are_the_exact_structure(fun):
    x = RNG.uniform(0.5, 1.5, 12)
    [pattern] = _pattern(fun, x)
    np.testing.assert_array_equal(pattern, _structure(fun, x))


def test_where_depends_on_both_choices_whatever_the_data():
    def chosen(x):
        return np.where(x > 0.0, np.sqrt(np.abs(x)), x[::-1]) + np.maximum(x, 0.5)
    [pattern] = _pattern(chosen, RNG.uniform(0.5, 1.5, 6))
    np.testing.assert_array_equal(pattern, np.eye(6, dtype=bool) | np.eye(6, dtype=bool)[::-1])


def test_a_result_that_depends_on_nothing_has_an_empty_pattern():
    [pattern] = _pattern(lambda x: np.floor(x) + np.zeros_like(x), RNG.standard_normal(5))
    assert pattern.shape == (5, 5) and not pattern.any()


def looped(x):
    y = x * 1.0
    for i in range(3):
        y = y * x[i]
    return y


def branched(x):
    if np.sum(x) > 0.0:
        return x[:2] * 2.0
    return x[1:3]


def inverted(x):
    return np.linalg.inv(x[:4].reshape(2, 2)).ravel()


def windowed(x):
    start = np.argmax(x[:3])  # a slice of fixed length whose start is known at run time
    return x[start:start + 2] * 2.0


@pytest.mark.parametrize("fun", [looped, branched, inverted, windowed])
def test_loops_ifs_and_ops_without_a_rule_are_dense_over_what_they_read(fun):
    x = RNG.uniform(0.5, 1.5, 6)
    [pattern] = _pattern(fun, x)
    read = {looped: np.arange(6), branched: np.arange(6), inverted: np.arange(4),
            windowed: np.arange(6)}[fun]
    expected = np.zeros((pattern.shape[0], 6), dtype=bool)
    expected[:, read] = True
    np.testing.assert_array_equal(pattern, expected)
    assert (pattern | ~_structure(fun, x)).all()  # never misses a nonzero


def test_a_loop_with_a_tape_is_dense_in_the_hessian():
    def f(x):
        s = 0.0
        for i in range(len(x)):
            s = s + np.sin(s * x[i])
        return s
    [pattern] = _pattern(f, RNG.standard_normal(4), of_gradient=True)
    assert pattern.all()


def test_no_pattern_past_the_size_bound(monkeypatch):
    x = RNG.standard_normal(12)
    assert _pattern(shifted_products, x) is not None
    monkeypatch.setattr(sparsity, "MAX_PATTERN_INPUTS", 11)
    assert _pattern(shifted_products, x) is None
    monkeypatch.setattr(sparsity, "MAX_PATTERN_INPUTS", 4096)
    monkeypatch.setattr(sparsity, "MAX_PATTERN_ENTRIES", 100)  # 12 x 12 is more
    assert _pattern(shifted_products, x) is None


def _valid(pattern, colours):
    for colour in set(colours.tolist()):
        assert (pattern[:, colours == colour].sum(axis=1) <= 1).all(), colour


def test_a_tridiagonal_takes_three_colours():
    colours = colour_columns(tridiagonal(50), max_colours=12)
    np.testing.assert_array_equal(colours, np.arange(50) % 3)


@pytest.mark.parametrize("density", [0.02, 0.1, 0.3])
def test_no_two_columns_of_one_colour_share_a_row(density):
    pattern = RNG.random((40, 60)) < density
    colours = colour_columns(pattern, max_colours=60)
    assert colours.shape == (60,)
    _valid(pattern, colours)


def test_colouring_gives_up_past_max_colours():
    assert colour_columns(np.ones((3, 8), dtype=bool), max_colours=7) is None  # a full row
    assert colour_columns(tridiagonal(8), max_colours=2) is None
    assert colour_columns(tridiagonal(8), max_colours=3) is not None
