"""adcompile.runtime.broadcast: sum_to, the adjoint of broadcasting."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcompile.runtime import sum_to
from adcompile.runtime.broadcast import sum_to as sum_to_direct


def test_the_runtime_package_exports_it():
    assert sum_to is sum_to_direct


def test_same_shape_is_returned_as_it_is():
    g = np.arange(6.0).reshape(2, 3)
    assert sum_to(g, np.zeros((2, 3))) is g
    assert sum_to(2.5, 1.0) == 2.5


def test_leading_axes_are_summed_away():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(sum_to(g, np.zeros(4)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(sum_to(g, np.zeros((3, 4))), g.sum(axis=0))


def test_axes_of_length_one_are_summed_and_kept():
    g = np.arange(12.0).reshape(3, 4)
    got = sum_to(g, np.zeros((3, 1)))
    assert got.shape == (3, 1)
    np.testing.assert_array_equal(got, g.sum(axis=1, keepdims=True))
    got = sum_to(g, np.zeros((1, 4)))
    assert got.shape == (1, 4)
    np.testing.assert_array_equal(got, g.sum(axis=0, keepdims=True))


def test_mixed_leading_and_unit_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    got = sum_to(g, np.zeros((3, 1)))
    assert got.shape == (3, 1)
    np.testing.assert_array_equal(got, g.sum(axis=(0, 2)).reshape(3, 1))


def test_a_python_scalar_like_gets_a_python_float():
    got = sum_to(np.full((2, 3), 0.5), 1.0)
    assert type(got) is float and got == 3.0
    got = sum_to(np.ones(4), 2)
    assert type(got) is float and got == 4.0


def test_a_zero_dimensional_array_like_gets_an_array():
    got = sum_to(np.ones((2, 2)), np.array(1.0))
    assert isinstance(got, np.ndarray) and got.shape == () and got == 4.0


def test_a_unit_axis_that_was_not_broadcast_is_left_alone():
    g = np.arange(3.0).reshape(3, 1)
    got = sum_to(np.broadcast_to(g, (2, 3, 1)), np.zeros((3, 1)))
    np.testing.assert_array_equal(got, 2 * g)


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_pairs(draw):
    """(big, small): shapes with `small` broadcastable to `big`."""
    big = draw(shapes)
    keep = draw(st.integers(0, len(big)))
    small = tuple(1 if draw(st.booleans()) else n for n in big[len(big) - keep:])
    return big, small


@given(broadcast_pairs(), st.integers(0, 2 ** 31 - 1))
def test_sum_to_is_the_adjoint_of_broadcasting(pair, seed):
    big, small = pair
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(big)
    v = rng.standard_normal(small)
    got = sum_to(g, v)
    assert np.shape(got) == small
    # <sum_to(g), v> == <g, broadcast(v)>
    assert np.sum(got * v) == pytest.approx(np.sum(g * np.broadcast_to(v, big)), abs=1e-9)
