"""Tests for adcompile/transforms/batch.py: a batched program computes what the original
computes on each member of the batch; an if whose condition does not vary is batched
branch by branch; a loop carries batches where they reach it; tapes of batches; what
cannot be batched raises BatchUnsupported.

The programs are lowered from Python functions; each primitive's batching rule is
checked on its own in tests/test_registry.py.
"""

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.ir.nodes import walk_ops
from adcompile.ir.types import type_of
from adcompile.passes import optimize
from adcompile.transforms.batch import BatchUnsupported, batch
from adcompile.transforms.forward import forward
from adcompile.transforms.reverse import reverse

RNG = np.random.default_rng(3)


def _batched(fun, args, positions, size):
    fn = batch(specialize(fun, [type_of(a) for a in args]), positions, size)
    source, constants = to_source(optimize(fn), "batched")
    return fn, compile_source(source, "batched", constants)


def _check(fun, args, positions, size=4):
    """The batched program on stacked members equals `fun` on each member."""
    _, run = _batched(fun, args, positions, size)
    members = [[a + 0.5 * k if i in positions else a for i, a in enumerate(args)]
               for k in range(size)]
    stacked = [np.stack([np.asarray(m[i], dtype=float) for m in members])
               if i in positions else a for i, a in enumerate(args)]
    expected = np.stack([np.asarray(fun(*m)) for m in members])
    np.testing.assert_allclose(run(*stacked), expected, rtol=1e-13)


def mixes(x, y, a):
    return np.sum(np.sin(x) * y, axis=1) + np.sum(a @ y.T, axis=0)


def test_a_program_of_several_primitives():
    x, y = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    a = RNG.standard_normal((4, 3))
    for positions in ([0], [1], [0, 1], [0, 1, 2]):
        _check(mixes, [x, y, a], positions)


def piecewise(x, s, c):
    if s > 0.0:
        y = x * s
    else:
        y = c
    return y


@pytest.mark.parametrize("s", [1.5, -1.5])
def test_an_if_on_a_value_the_batch_leaves_alone(s):
    # one branch yields a batch, the other one value: it is repeated along the batch
    _check(piecewise, [np.array([1.0, 2.0]), s, np.array([-3.0, 4.0])], [0])


def signs(x):
    if np.sum(x) > 0.0:
        return x
    return -x


def test_an_if_on_a_value_that_varies_across_the_batch_is_unsupported():
    with pytest.raises(BatchUnsupported, match="condition varies"):
        _batched(signs, [np.ones(2)], [0], 3)


def scaled_by_a_loop(x, n):
    t = 0.0
    for i in range(3):
        t = t + n
    return x * t


def test_a_loop_the_batch_does_not_reach_is_copied():
    fn, _ = _batched(scaled_by_a_loop, [np.ones(2), 1.5], [0], 3)
    loops = [op for op in walk_ops(fn.body) if op.prim == "loop"]
    assert len(loops) == 1 and all(v.type.shape == () for v in loops[0].outputs)
    _check(scaled_by_a_loop, [np.array([1.0, -2.0]), 1.5], [0])


def powers(x, y):
    z = y
    for i in range(3):
        z = z * x + y
    return z


def test_a_loop_carries_a_batch_from_its_initial_or_its_next_value():
    x, y = np.array([0.5, -2.0]), np.array([1.5, 0.25])
    for positions in ([0], [1], [0, 1]):
        _check(powers, [x, y], positions)


def until_small(x, s):
    while s > 0.1:
        s = s * 0.5
        x = x * s
    return x


def test_a_while_loop_whose_test_the_batch_leaves_alone():
    _check(until_small, [np.array([1.0, 2.0]), 3.0], [0])


def test_a_while_loop_whose_test_varies_across_the_batch_is_unsupported():
    with pytest.raises(BatchUnsupported, match="loop"):
        _batched(until_small, [np.ones(2), 3.0], [1], 3)


def total_of_powers(x, y):
    return np.sum(powers(x, y))


def test_a_tape_that_receives_batches_gives_batches():
    # the gradient program of a loop pushes z, a batch when x is one, and pops it back
    x, y = np.array([[0.5, -2.0], [1.0, 0.3], [2.0, 0.0]]), np.array([1.5, 0.25])
    gradient = reverse(specialize(total_of_powers, [type_of(x[0]), type_of(y)]), [0, 1],
                       with_value=False, cotangent_params=False)
    fn = optimize(batch(gradient, [0], 3))
    assert any(op.prim == "pop" and op.output.type.shape == (3, 2) for op in walk_ops(fn.body))
    source, constants = to_source(fn, "batched")
    got = compile_source(source, "batched", constants)(x, y)
    for k in range(3):
        expected = ad.grad(total_of_powers, argnums=(0, 1))(x[k], y)
        np.testing.assert_allclose(got[0][k], expected[0], rtol=1e-14)
        np.testing.assert_allclose(got[1][k], expected[1], rtol=1e-14)


def ignores(x, c):
    return c * 2.0


def test_a_result_that_does_not_depend_on_the_batch_is_repeated():
    c = np.array([[1.0, 2.0]])
    _, run = _batched(ignores, [np.ones(3), c], [0], 5)
    np.testing.assert_array_equal(run(np.ones((5, 3)), c), np.broadcast_to(2.0 * c, (5, 1, 2)))


def test_a_batch_of_python_scalars_is_an_array():
    _check(piecewise, [2.0, 1.5, 0.0], [0])


def branch_total(x):
    if np.sum(x) > 0:
        v = np.tanh(x)
    else:
        v = x * 2.0
    return np.sum(v)


def until_large(x):
    s = np.zeros(3)
    for i in range(4):
        if np.max(x) > 2.0:
            break
        s = s + np.exp(x) * x[i % 3]
        x = x * 1.3
    return np.sum(s * s)


@pytest.mark.parametrize("fun", [branch_total, until_large])
@pytest.mark.parametrize("x", [np.array([0.3, -0.2, 0.5]), np.array([-0.3, -0.2, 0.1])])
def test_a_placeholder_a_branch_yields_stands_for_a_batch(fun, x):
    # The gradient's forward sweep yields None for what the other branch (or an iteration
    # that broke) does not compute; batching the Hessian's tangents must leave it alone.
    tangent = forward(reverse(specialize(fun, [type_of(x)]), [0], with_value=False,
                              cotangent_params=False), [0], seed_ones=False, with_value=False)
    fn = optimize(batch(tangent, [1], 3))
    source, constants = to_source(fn, "batched")
    (columns,) = compile_source(source, "batched", constants)(x, np.eye(3))
    ad.testing.check_grads(fun, (x,), order=2)
    np.testing.assert_allclose(columns, ad.hessian(fun)(x), rtol=1e-14)


def moving_products(x):
    out = np.zeros(len(x))
    for i in range(len(x) - 1):
        out[i:i + 2] += x[i:i + 2] * x[i]
    return out


def test_windows_read_and_written_in_a_loop_are_batched():
    _check(moving_products, (np.linspace(0.2, 1.3, 6),), [0])
