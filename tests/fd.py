"""Finite differences, smoothness checks and hypothesis helpers for the property tests
(test_api.py, test_forward.py, test_reverse.py); not a test module.

The differences are written out here, independently of `adcompile.testing`. A direction
is a list with an entry per argument: a float to move that argument by, or None to
leave it alone (an int argument, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from adcompile.testing import finite_floats

# Derandomized (a fixed seed) so CI sees the same points on every run. No shrinking:
# every example compiles a derivative program, so shrinking a failure would take minutes;
# derandomized generation tries simple values (0.0, 1.0, ...) first anyway.
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow])


# ---- finite differences ------------------------------------------------------------------

def float_positions(args):
    return tuple(i for i, a in enumerate(args) if isinstance(a, float))


def unit(n, *positions):
    """The direction that moves each of `positions` by 1 and leaves the rest alone."""
    v = [None] * n
    for p in positions:
        v[p] = 1.0 if v[p] is None else v[p] + 1.0
    return v


def moved(args, direction, t):
    return [a + t * d if d is not None else a for a, d in zip(args, direction)]


def step(values, rel=1e-3):
    """A finite-difference step: `rel` times the largest float in `values`, at least 1."""
    return rel * max([1.0] + [abs(a) for a in values if isinstance(a, float)])


def directional_difference(fn, args, direction, h):
    """d/dt fn(args + t * direction) at t = 0, fourth-order central stencil, as a flat
    array (tuple results are flattened)."""
    def at(k):
        return flat(fn(*moved(args, direction, k * h)))
    return (at(-2) - 8.0 * at(-1) + 8.0 * at(1) - at(2)) / (12.0 * h)


def flat(value) -> np.ndarray:
    """A number, an array, or a tuple of them (of any shapes), as one flat float array."""
    if isinstance(value, tuple):
        return np.concatenate([flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=float))


def partial_difference(fn, args, position, h):
    """d fn / d args[position] of a scalar function."""
    return directional_difference(fn, args, unit(len(args), position), h)[0]


def second_difference(fn, args, direction, h):
    """d^2/dt^2 fn(args + t * direction) at 0; fourth-order central stencil."""
    f = [fn(*moved(args, direction, k * h)) for k in (-2, -1, 0, 1, 2)]
    return (-f[0] + 16.0 * f[1] - 30.0 * f[2] + 16.0 * f[3] - f[4]) / (12.0 * h * h)


def hessian_from_values(fn, args, h):
    """H[i][j] from second differences of fn alone: H_ij = (D2(e_i + e_j) - D2(e_i)
    - D2(e_j)) / 2."""
    n = len(args)
    diag = [second_difference(fn, args, unit(n, i), h) for i in range(n)]
    return [[diag[i] if i == j else
             (second_difference(fn, args, unit(n, i, j), h) - diag[i] - diag[j]) / 2.0
             for j in range(n)] for i in range(n)]


# ---- smoothness --------------------------------------------------------------------------

def no_kink_along(g, h) -> bool:
    """`g(t)`: the function along a line through the point (t = 0). True when no kink
    or jump lies within 8h: central differences with steps h and 4h agree, and so do
    the one-sided differences on either side, which a kink exactly at the point (where
    every central difference gives the average slope) cannot fool."""
    def central(s):
        return (g(-2 * s) - 8.0 * g(-s) + 8.0 * g(s) - g(2 * s)) / (12.0 * s)

    def one_sided(s):   # third-order accurate, samples on one side only
        return (-11.0 * g(0.0) + 18.0 * g(s) - 9.0 * g(2 * s) + 2.0 * g(3 * s)) / (6.0 * s)

    near = central(h)
    return all(np.allclose(other, near, rtol=1e-4, atol=1e-6)
               for other in (central(4 * h), one_sided(h / 4), one_sided(-h / 4)))


def locally_smooth(fn, args, steps) -> bool:
    """No kink or jump near the point along any argument in `steps`, {position: the
    finite-difference step along it}."""
    def line(p):
        direction = unit(len(args), p)
        return lambda t: np.ravel(np.asarray(fn(*moved(args, direction, t)), dtype=float))
    return all(no_kink_along(line(p), h) for p, h in steps.items())


# ---- a corpus of cases, and points drawn for them ------------------------------------------

@dataclass(frozen=True)
class Case:
    fn: Callable
    args: tuple                               # a strategy per argument
    avoid: Callable | None = None             # quantities that must stay away from 0
    margin: float = 0.05

    def __str__(self):
        return self.fn.__name__


def fl(lo, hi):
    return finite_floats(lo, hi)


def draw_point(case: Case, data, rel=1e-3, per_argument=False):
    """Arguments for `case`, away from the zeros of `case.avoid` and from any kink or
    jump along a float argument. The step checked along each is `step(args, rel)`, or
    with `per_argument`, `step([that argument], rel)`: the step the test differentiates
    with."""
    args = data.draw(st.tuples(*case.args), label="args")
    if case.avoid is not None:
        assume(all(abs(q) > case.margin for q in case.avoid(*args)))
    steps = {p: step([args[p]] if per_argument else args, rel) for p in float_positions(args)}
    assume(locally_smooth(case.fn, args, steps))
    return args


def for_each_case(cases, max_examples=SETTINGS.max_examples):
    """A property test `test(case, data)`, run for each of `cases` (ids: the function's
    name) on points hypothesis draws with `data` under SETTINGS."""
    def decorate(test):
        drawn = settings(SETTINGS, max_examples=max_examples)(given(data=st.data())(test))
        return pytest.mark.parametrize("case", cases, ids=str)(drawn)
    return decorate


_COMPILED: dict = {}


def cached(transform, fn, **kwargs):
    """One compiled transform per function, reused across examples."""
    key = (transform, fn, tuple(sorted(kwargs.items())))
    if key not in _COMPILED:
        _COMPILED[key] = transform(fn, **kwargs)
    return _COMPILED[key]
