"""Tests for adcompile/transforms/jacobian.py: whole Jacobians and Hessians of array
parameters, compressed by column colouring where sparse: the values against the
hand-written Hessian, the uncompressed (dense) program and finite differences; the seed
holds one direction per colour; dense matrices keep the dense program."""

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import type_of
from adcompile.passes import optimize
from adcompile.transforms import jacobian
from adcompile.transforms.jacobian import jacobian_blocks
from adcompile.transforms.reverse import reverse
from programs import rosenbrock_nd, rosenbrock_nd_hessian_by_hand

RNG = np.random.default_rng(11)


def _blocks(fun, args, of_gradient, compression):
    """The program of `jacobian_blocks` (of the gradient, for a Hessian), compiled, with
    `jacobian.COMPRESSION` set to `compression` (it returns a tuple of blocks); and its
    IR."""
    fn = specialize(fun, [type_of(a) for a in args])
    if of_gradient:
        fn = optimize(reverse(fn, [0], with_value=False, cotangent_params=False))
    saved, jacobian.COMPRESSION = jacobian.COMPRESSION, compression
    try:
        ir = optimize(jacobian_blocks(fn, [0]))
    finally:
        jacobian.COMPRESSION = saved
    source, constants = to_source(ir, "blocks")
    return compile_source(source, "blocks", constants), ir


def _seed_shape(ir):
    """The shape of the tangent directions the program is batched over."""
    for op in walk_ops(ir.body):
        if op.prim in ("const", "basis") and op.output.hint == "dx":
            return op.output.type.shape
    raise AssertionError("no seed")


DENSE = 10 ** 9  # a compression no pattern reaches: the dense program


@pytest.mark.parametrize("n", [12, 40])
def test_the_rosenbrock_hessian_is_compressed_to_three_directions_and_exact(n):
    compressed, ir = _blocks(rosenbrock_nd, [np.zeros(n)], True, jacobian.COMPRESSION)
    dense, dense_ir = _blocks(rosenbrock_nd, [np.zeros(n)], True, DENSE)
    assert _seed_shape(ir) == (3, n) and _seed_shape(dense_ir) == (n, n)
    for _ in range(4):
        x = RNG.uniform(-2.0, 2.0, n)
        [got] = compressed(x)
        np.testing.assert_allclose(got, rosenbrock_nd_hessian_by_hand(x), rtol=1e-13,
                                   atol=1e-12)
        np.testing.assert_array_equal(got, dense(x)[0])


def test_ad_hessian_compresses_and_matches_hessian_vector_products():
    x = RNG.uniform(-2.0, 2.0, 30)
    h = ad.hessian(rosenbrock_nd)
    got = h(x)
    assert "column_colours" in h.source and "np.eye(30)" not in h.source
    columns = np.stack([ad.hvp(rosenbrock_nd)(x, e) for e in np.eye(30)], axis=1)
    np.testing.assert_allclose(got, columns, rtol=1e-13, atol=1e-12)


def banded(x):
    """A vector function of a matrix: each result reads a few neighbours."""
    v = x.ravel()
    return np.sin(v[2:] * v[:-2]) + v[1:-1] ** 2, np.exp(x[:, 1:] - x[:, :-1])


def _by_differences(fun, x, result, h=1e-6):
    columns = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = h
        up, down = fun(x + e.reshape(x.shape))[result], fun(x - e.reshape(x.shape))[result]
        columns.append((np.asarray(up) - np.asarray(down)) / (2 * h))
    return np.stack(columns, axis=-1).reshape(np.shape(columns[0]) + x.shape)


def test_a_sparse_jacobian_of_a_vector_function_of_a_matrix():
    x = RNG.uniform(-1.0, 1.0, (6, 5))
    compressed, ir = _blocks(banded, [x], False, jacobian.COMPRESSION)
    dense, _ = _blocks(banded, [x], False, DENSE)
    assert _seed_shape(ir)[0] < 30 // jacobian.COMPRESSION
    got, expected = compressed(x), dense(x)
    for k in range(2):
        assert got[k].shape == np.shape(banded(x)[k]) + x.shape
        np.testing.assert_array_equal(got[k], expected[k])
        np.testing.assert_allclose(got[k], _by_differences(banded, x, k), rtol=1e-7,
                                   atol=1e-8)


def test_the_public_jacobian_of_a_sparse_function():
    x = RNG.uniform(-1.0, 1.0, 40)
    f = ad.jacobian(lambda x: x[1:] * x[:-1] - np.sin(x[:-1]))
    got = f(x)
    assert "column_colours" in f.source
    expected = np.zeros((39, 40))
    expected[np.arange(39), np.arange(39)] = x[1:] - np.cos(x[:-1])
    expected[np.arange(39), np.arange(1, 40)] = x[:-1]
    np.testing.assert_allclose(got, expected, rtol=1e-14)


def test_float32_stays_float32():
    x = RNG.uniform(-2.0, 2.0, 24).astype(np.float32)
    got = ad.hessian(rosenbrock_nd)(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, rosenbrock_nd_hessian_by_hand(x.astype(float)),
                               rtol=1e-5, atol=1e-3)


A = RNG.standard_normal((16, 16))


def square_of_sum(x):
    return np.sum(x) ** 2


def quadratic_form(x):
    return x @ A @ x


@pytest.mark.parametrize("fun, hessian", [
    (square_of_sum, lambda x: np.full((16, 16), 2.0)),
    (quadratic_form, lambda x: A + A.T),
])
def test_dense_hessians_keep_the_dense_program(fun, hessian):
    x = RNG.standard_normal(16)
    h = ad.hessian(fun)
    np.testing.assert_allclose(h(x), hessian(x), rtol=1e-12, atol=1e-12)
    # no gather from compressed directions (the identity seed itself may simplify away:
    # the Hessian of x @ A @ x is written (A + A.T).T)
    assert "column_colours" not in h.source


@pytest.mark.parametrize("n", [12, 100])
def test_the_source_of_a_compressed_hessian_defines_its_constants_and_runs_alone(n):
    h = ad.hessian(rosenbrock_nd)
    x = RNG.uniform(-2.0, 2.0, n)
    expected = h(x)
    source = h.source
    # a banded pattern's constants are short expressions, not their values
    assert f"rows = np.r_[1:{n}, 0:{n}, 0:{n - 1}]\n" in source
    assert f"columns = np.r_[0:{n - 1}, 0:{n}, 1:{n}]\n" in source
    assert "np.array(" not in source  # the colours: columns % 3, or np.arange(298) % 3
    namespace = {}
    exec(source, namespace)
    np.testing.assert_array_equal(namespace["rosenbrock_nd_hessian"](x), expected)


def shifted_product(x, y):
    return np.sum(x[1:] * y[:-1])


def test_a_hessian_that_is_zero_is_written_as_zeros():
    h = ad.hessian(shifted_product)
    np.testing.assert_array_equal(h(np.ones(5), np.ones(5)), np.zeros((5, 5)))
    assert h.source.endswith("def shifted_product_hessian(x, y):\n"
                             "    return np.zeros((5, 5))\n")
