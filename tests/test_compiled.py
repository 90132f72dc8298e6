"""Tests for adcompile/compiled.py: a Jacobian by one call of the tangent program per
basis direction (`basis_sweep`, the fallback where tangents cannot be batched) equals the
batched one."""

import numpy as np
import pytest

import adcompile as ad
from adcompile.compiled import basis_sweep

RNG = np.random.default_rng(7)


def stacked_products(a, b):
    return np.tanh(a @ b) * np.sum(b, axis=-2, keepdims=True)


def reshaped_and_transposed(x, w):
    return np.sum(np.reshape(np.transpose(x * w, (2, 0, 1)), (4, -1)) ** 2, axis=1)


def broadcast_quotient(x, y):
    return np.exp(x) / (1.0 + y * y) - np.maximum(x, 0.25)


@pytest.mark.parametrize("fn, shapes", [
    (stacked_products, [(1, 2, 3), (4, 3, 2)]), (stacked_products, [(3,), (3, 2)]),
    (reshaped_and_transposed, [(2, 3, 4), (4,)]), (broadcast_quotient, [(2, 1), (3,)]),
    (broadcast_quotient, [(), (3,)]),
], ids=lambda v: getattr(v, "__name__", None) or "-".join(map(str, v)))
def test_a_batched_jacobian_equals_the_one_by_directions(fn, shapes):
    args = [RNG.standard_normal(shape) if shape else 0.6 for shape in shapes]
    transformed = ad.jacobian(fn, argnums=(0, 1))
    blocks = transformed(*args)
    assert not transformed._last.per_direction
    by_direction = basis_sweep(
        lambda *v: ad.jvp(fn, v[:2], v[2:])[1], args, (0, 1))[0]
    for block, expected in zip(blocks, by_direction):
        assert np.shape(block) == np.shape(expected)
        np.testing.assert_allclose(block, expected, rtol=1e-13, atol=1e-15)
