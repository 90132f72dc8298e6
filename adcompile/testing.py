"""Checking derivatives against finite differences, for users' own test suites.

`check_grads(f, args)` takes a random direction in one argument at a time and compares:

- forward mode: the JVP along that direction with a finite difference of f;
- reverse mode: ``<pullback(u), v>`` with ``<u, finite difference along v>`` for a random
  output cotangent u (the dot-product test);

and with ``order=2`` it does the same to the compiled first-derivative programs
themselves (forward over forward, reverse over forward, forward over reverse, and
reverse over reverse where the program has no tape), which checks second derivatives
and that adcompile's output can be differentiated again. Finite differences use the
fourth-order central stencil, so the default tolerances can be tight. Arguments and
results may be containers (see `adcompile.pytree`): directions and cotangents are drawn
for their float leaves.
"""

from __future__ import annotations

import numpy as np

from .api import Transformed, jvp, vjp
from .errors import NonDifferentiableError
from .ir.types import type_of
from .pytree import flatten, unflatten


class GradientCheckError(AssertionError):
    """A derivative disagreed with finite differences."""


def _is_float(leaf) -> bool:
    try:
        return type_of(leaf).is_float
    except TypeError:
        return False


def _map_floats(fn, value, *others):
    """`value` with `fn(leaf, *other leaves)` in place of each float leaf."""
    leaves, tree = flatten(value)
    rest = [flatten(other)[0] for other in others]
    return unflatten(tree, [fn(leaf, *(r[k] for r in rest)) if _is_float(leaf) else leaf
                            for k, leaf in enumerate(leaves)])


def _flat(value) -> np.ndarray:
    leaves = [np.ravel(np.asarray(leaf, dtype=float))
              for leaf in flatten(value)[0] if leaf is not None]
    return np.concatenate(leaves) if leaves else np.zeros(0)


def _shift(args: list, position: int, direction, step: float) -> list:
    moved = list(args)
    moved[position] = _map_floats(
        lambda a, d: a + step * d if isinstance(a, np.ndarray) else float(a + step * d),
        args[position], direction)
    return moved


def numerical_directional_derivative(f, args, position: int, direction, step: float):
    """d/dh f(args with args[position] + h*direction) at h = 0, fourth-order accurate."""
    samples = {k: _flat(f(*_shift(args, position, direction, k * step))) for k in (-2, -1, 1, 2)}
    return (samples[-2] - 8 * samples[-1] + 8 * samples[1] - samples[2]) / (12 * step)


def _random_like(value, rng):
    return _map_floats(lambda leaf: rng.standard_normal(leaf.shape)
                       if isinstance(leaf, np.ndarray) else float(rng.standard_normal()),
                       value)


def _zeros_like(value):
    return _map_floats(lambda leaf: np.zeros_like(leaf, dtype=float)
                       if isinstance(leaf, np.ndarray) else 0.0, value)


def _name_of(f) -> str:
    return getattr(f, "__name__", repr(f))


def check_grads(f, args, order: int = 1, modes=("fwd", "rev"), *, argnums=None,
                rtol: float = 1e-5, atol: float = 1e-7, step: float | None = None,
                seed: int = 0) -> None:
    """Raise `GradientCheckError` unless adcompile's derivatives of `f` at `args` match
    finite differences, to `order` 1 or 2, in the `modes` "fwd" and/or "rev"."""
    args = list(args)
    positions = argnums if argnums is not None else \
        [i for i, v in enumerate(args) if any(_is_float(leaf) for leaf in flatten(v)[0])]
    positions = [positions] if isinstance(positions, int) else list(positions)
    rng = np.random.default_rng(seed)
    names = _parameter_names(f, len(args))
    for position in positions:
        direction = _random_like(args[position], rng)
        scale = max(1.0, float(np.abs(_flat(args[position])).max(initial=0.0)))
        h = step if step is not None else 1e-3 * scale
        expected = numerical_directional_derivative(f, args, position, direction, h)
        where = f"{_name_of(f)}: argument {names[position]!r}, order {order}"
        if "fwd" in modes:
            tangents = [_zeros_like(a) for a in args]
            tangents[position] = direction
            _, got = jvp(f, args, tangents)
            _compare(_flat(got), expected, f"{where}, forward mode (jvp)", rtol, atol)
        if "rev" in modes:
            value, pullback = vjp(f, *args)
            cotangent = _random_like(value, rng)
            got = np.dot(_flat(pullback(cotangent)[position]), _flat(direction))
            want = np.dot(_flat(cotangent), expected)
            _compare(np.array([got]), np.array([want]),
                     f"{where}, reverse mode (vjp dot-product test)", rtol, atol)
    if order >= 2:
        _check_second_order(f, args, positions, modes, order, rtol, atol, step, seed)


def _check_second_order(f, args, positions, modes, order, rtol, atol, step, seed):
    """Differentiate the compiled first-derivative programs, and check those."""
    rng = np.random.default_rng(seed + 1)
    if "fwd" in modes:
        # The program takes what f reads from outside after f's arguments.
        compiled, values = _prepared(f, "jvp", positions, args)
        leaves = list(compiled.positions)  # the program takes leaves
        tangents = [_random_like(values[p], rng) for p in leaves]
        check_grads(compiled.function, values + tangents, order - 1, modes,
                    argnums=leaves,
                    rtol=rtol * 10, atol=atol * 10, step=step, seed=seed + 2)
    if "rev" in modes:
        value = f(*args)
        cotangent = _random_like(value, rng)
        compiled, values = _prepared(f, "vjp", positions, args)
        leaves = list(compiled.positions)  # the program takes leaves
        program = compiled.function
        cotangents = flatten(cotangent)[0]
        inner_modes = tuple(modes)
        try:
            Transformed(program, "vjp", tuple(leaves)).prepare(values + cotangents)
        except NonDifferentiableError:
            inner_modes = tuple(m for m in modes if m != "rev")  # reverse of a taped loop
        check_grads(program, values + cotangents, order - 1, inner_modes, argnums=leaves,
                    rtol=rtol * 10, atol=atol * 10, step=step, seed=seed + 3)


def _prepared(f, kind: str, positions: list[int], args: list):
    """The compiled `kind` program of `f` for the arguments at `positions`, and what to
    call it with for the call ``f(*args)``: every parameter's leaves (a partial's own and
    the defaults too), then the inputs f reads from outside. Its `positions` are the
    leaves it differentiates."""
    transform = Transformed(f, kind, tuple(positions))
    return transform.prepare(transform.bind_call(tuple(args), {}))


def _compare(got: np.ndarray, expected: np.ndarray, where: str, rtol: float, atol: float):
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=rtol, atol=atol):
        raise GradientCheckError(
            f"{where}: derivative disagrees with finite differences\n"
            f"  expected (finite differences): {np.array2string(expected, precision=12)}\n"
            f"  got (adcompile):               {np.array2string(got, precision=12)}\n"
            f"  (rtol={rtol}, atol={atol})")


def _parameter_names(f, n: int) -> list[str]:
    import inspect
    try:
        names = list(inspect.signature(f).parameters)
    except (TypeError, ValueError):
        names = []
    return names + [f"#{i}" for i in range(len(names), n)]


def finite_floats(min_value: float = -10.0, max_value: float = 10.0):
    """A hypothesis strategy for finite floats in a range (no nan, no inf)."""
    try:
        from hypothesis import strategies
    except ImportError as exc:
        raise ImportError("finite_floats needs hypothesis: pip install hypothesis") from exc
    return strategies.floats(min_value=min_value, max_value=max_value,
                             allow_nan=False, allow_infinity=False)


__all__ = ["check_grads", "finite_floats", "GradientCheckError",
           "numerical_directional_derivative"]
