"""Tests for adcompile/backend/arrays.py: each array constant's text reads back to the
same values and dtype; regular patterns are short expressions, the rest literals."""

import numpy as np
import pytest

from adcompile.backend.arrays import array_text, assignments

CASES = [
    (np.arange(12), "np.arange(12)"),
    (np.arange(0, 30, 3), "np.arange(0, 30, 3)"),
    (np.arange(10, 0, -2), "np.arange(10, 0, -2)"),
    (np.r_[1:12, 0:12, 0:11], "np.r_[1:12, 0:12, 0:11]"),
    (np.arange(12) % 3, "np.arange(12) % 3"),
    (np.r_[0:5, 0:5], "np.r_[0:5, 0:5]"),  # two periods read better as runs
    (np.eye(3)[:, np.arange(12) % 3], "np.eye(3)[:, np.arange(12) % 3]"),
    (np.eye(2)[:, [0, 1, 0, 1, 0, 1]].reshape(2, 3, 2),
     "np.reshape(np.eye(2)[:, np.arange(6) % 2], (2, 3, 2))"),
    (np.eye(4), "np.eye(4)"),
    (np.zeros((3, 4)), "np.zeros((3, 4))"),
    (np.ones(5, dtype=np.float32), "np.ones((5,), dtype=np.float32)"),
    (np.full((2, 3), 2.5), "np.full((2, 3), 2.5)"),
    (np.array([3, 1, 4, 1, 5, 9, 2, 6]), "np.array([3, 1, 4, 1, 5, 9, 2, 6])"),
    (np.array([2, 2, 2, 5, 6, 7]), "np.array([2, 2, 2, 5, 6, 7])"),  # no range steps by 0
    (np.array([1.0, np.nan, -np.inf, 0.1]), "np.array([1.0, np.nan, -np.inf, 0.1])"),
    (np.array([], dtype=np.int64), "np.array([], dtype=np.int64)"),
    (np.array([1, 2], dtype=np.int32), "np.array([1, 2], dtype=np.int32)"),
    (np.array([True, False]), "np.array([True, False])"),
]


@pytest.mark.parametrize("value, text", CASES, ids=[text for _, text in CASES])
def test_an_array_is_written_as_what_makes_it(value, text):
    assert array_text(value) == text
    again = eval(text, {"np": np})
    assert again.dtype == value.dtype and again.shape == value.shape
    np.testing.assert_array_equal(again, value)


def test_a_constant_without_a_pattern_may_be_the_remainders_of_another():
    columns = np.r_[0:11, 0:12, 1:12]
    text = assignments({"colours": columns % 3, "columns": columns})
    assert text == "columns = np.r_[0:11, 0:12, 1:12]\ncolours = columns % 3\n"
    namespace = {"np": np}
    exec(text, namespace)
    np.testing.assert_array_equal(namespace["colours"], columns % 3)


def test_any_int_vector_reads_back():
    # runs of every step (0 and negative ones too), periods, and values without a pattern
    rng = np.random.default_rng(5)
    for _ in range(300):
        pieces = [np.arange(length) * int(rng.integers(-3, 4)) + int(rng.integers(-5, 5))
                  for length in rng.integers(1, 6, size=rng.integers(1, 6))]
        value = np.concatenate(pieces)
        if rng.random() < 0.2:
            value = np.arange(value.size) % int(rng.integers(1, 4))
        again = eval(array_text(value), {"np": np})
        assert again.dtype == value.dtype
        np.testing.assert_array_equal(again, value)
