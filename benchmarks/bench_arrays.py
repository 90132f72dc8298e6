"""Element loops over arrays: the reverse sweep of a loop reading x[i] costs O(n).

Run from the repo root:  python benchmarks/bench_arrays.py

Horner's rule over n coefficients reads one coefficient per iteration:

    y = 0.0
    for i in range(len(c)):
        y = y * x + c[i]

Its gradient with respect to c adds one element per iteration into the adjoint of c;
generated code does it in place (``bc[i] += by``), so the gradient costs a constant times
the plain loop, and ten times more coefficients cost ten times more. Reported, through
``ad.grad(horner, argnums=(0, 1))(x, c)``:

- the gradient over n = 20,000 coefficients / the plain function (target <= 15x);
- the gradient over 200,000 coefficients / over 20,000 (target <= 20x: linear is 10x;
  an adjoint added as a whole array per iteration would be ~100x);
- the answer checked against the derivative of the polynomial, computed with NumPy.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import ensure_repo_on_path, machine_line, table, time_once  # noqa: E402

ensure_repo_on_path()
import adcompile as ad  # noqa: E402

N = 20_000
SCALE = 10
X = 0.999


def horner(x, c):
    y = 0.0
    for i in range(len(c)):
        y = y * x + c[i]
    return y


def check(gradient, x: float, c: np.ndarray) -> None:
    """d/dx and d/dc of sum_k c[k] x^(n-1-k), from NumPy's polynomial tools."""
    bx, bc = gradient(x, c)
    powers = x ** np.arange(len(c) - 1, -1, -1)
    expected_bx = np.polyval(np.polyder(c), x)
    assert np.allclose(bc, powers, rtol=1e-9), "the gradient with respect to c is wrong"
    assert abs(bx - expected_bx) <= 1e-8 * max(1.0, abs(expected_bx)), \
        "the gradient with respect to x is wrong"


def main() -> None:
    print(machine_line())
    rng = np.random.default_rng(0)
    small, large = rng.standard_normal(N), rng.standard_normal(N * SCALE)
    gradient = ad.grad(horner, argnums=(0, 1))
    for c in (small, large):
        check(gradient, X, c)
    primal = time_once(lambda: horner(X, small), repeat=7)
    grad_small = time_once(lambda: gradient(X, small), repeat=7)
    grad_large = time_once(lambda: gradient(X, large), repeat=3)
    print(table(["", "ms", "ratio", "target"], [
        [f"plain horner, n = {N:,}", primal * 1e3, "", ""],
        [f"ad.grad(horner), n = {N:,}", grad_small * 1e3,
         f"{grad_small / primal:.2f}x the plain loop", "<= 15x"],
        [f"ad.grad(horner), n = {N * SCALE:,}", grad_large * 1e3,
         f"{grad_large / grad_small:.2f}x n = {N:,}", "<= 20x"],
    ], title="Horner's rule: gradient over an element loop"))


if __name__ == "__main__":
    main()
