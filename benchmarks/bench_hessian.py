"""Whole Hessians through the public call: adcompile vs hand-written vs peers.

Run from the repo root:  python benchmarks/bench_hessian.py

`ad.hessian(f)` is one generated program of f's own arguments that returns the whole
matrix: for scalar arguments every column unrolled side by side, for an array argument
the tangent program batched over all basis directions at once, or, for a sparse
Hessian such as N-dimensional Rosenbrock's (tridiagonal), over one direction per colour
of its columns (3 here). This times one call, as users make it
(`ad.hessian(f, argnums=...)(*point)`), against:

- the Hessian written by hand (plain Python for the scalar functions; for the
  N-dimensional Rosenbrock function the tridiagonal formula in NumPy), ratio 1.00;
- the generated code alone (`.source` executed into a namespace), for scalar arguments;
- the installed peers: autograd (`autograd.hessian`) and JAX (`jax.jit(jax.hessian)`,
  float64). A missing peer prints an install hint and is skipped.

Each Hessian is checked against the hand-written one to 1e-9 before anything is timed.
The target is every call within 3x of the hand-written Hessian.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (agreeing, ensure_repo_on_path, load_peer, machine_line,  # noqa: E402
                     peer_version, table, time_with)

ensure_repo_on_path()
import numpy as np  # noqa: E402

import adcompile as ad  # noqa: E402
# the seed cases, as the tests and tests/golden/ have them
from programs import (goldstein, matyas, rosenbrock, rosenbrock_nd,  # noqa: E402
                      rosenbrock_nd_hessian_by_hand)

TARGET = 3.0
REPEAT = 101
N = 100


# ---- the same Hessians, by hand -------------------------------------------------------

def goldstein_hessian_by_hand(x, y):
    # f = P * Q, P = 1 + a^2 B, Q = 30 + c^2 D (as in bench_scalar.py). Every second
    # derivative of P is the same: 2B + 4a B' + 6a^2, with B' = dB/dx = dB/dy.
    a = x + y + 1.0
    a2 = a * a
    B = 19.0 - 14.0*x + 3.0*x*x - 14.0*y + 6.0*x*y + 3.0*y*y
    dB = 6.0*x + 6.0*y - 14.0
    P = 1.0 + a2 * B
    dP = 2.0*a*B + a2*dB
    ddP = 2.0*B + 4.0*a*dB + 6.0*a2
    c = 2.0*x - 3.0*y
    c2 = c * c
    D = 18.0 - 32.0*x + 12.0*x*x + 48.0*y - 36.0*x*y + 27.0*y*y
    Dx = 24.0*x - 36.0*y - 32.0
    Dy = 54.0*y - 36.0*x + 48.0
    Q = 30.0 + c2 * D
    Qx = 4.0*c*D + c2*Dx
    Qy = -6.0*c*D + c2*Dy
    Qxx = 8.0*D + 8.0*c*Dx + 24.0*c2
    Qxy = -12.0*D + 4.0*c*Dy - 6.0*c*Dx - 36.0*c2
    Qyy = 18.0*D - 12.0*c*Dy + 54.0*c2
    hxy = ddP*Q + dP*(Qx + Qy) + P*Qxy
    return ((ddP*Q + 2.0*dP*Qx + P*Qxx, hxy), (hxy, ddP*Q + 2.0*dP*Qy + P*Qyy))


def rosenbrock_hessian_by_hand(x0, x1):
    off = -400.0 * x0
    return ((1200.0*x0*x0 - 400.0*x1 + 2.0, off), (off, 200.0))


def matyas_hessian_by_hand(x, y):
    return ((0.52, -0.48), (-0.48, 0.52))


SCALAR_CASES = [
    # name, function, hand-written Hessian, point timed
    ("goldstein", goldstein, goldstein_hessian_by_hand, (1.0, 1.0)),
    ("rosenbrock", rosenbrock, rosenbrock_hessian_by_hand, (0.0, 2.0)),
    ("matyas", matyas, matyas_hessian_by_hand, (1.0, 1.0)),
]
CHECK_POINTS = [(1.0, 1.0), (0.0, 2.0), (0.3, -0.7), (-1.3, 0.4), (1.7, 1.9)]


# ---- the implementations timed --------------------------------------------------------

def scalar_impls(f, peers):
    h = ad.hessian(f, argnums=(0, 1))
    h(1.0, 1.0)  # compile for (float, float) outside the timing
    impls = [("adcompile ad.hessian", h)]
    namespace: dict = {}
    exec(h.source, namespace)
    impls.append(("adcompile generated code only", namespace[f"{f.__name__}_hessian"]))
    autograd = peers.get("autograd")
    if autograd:
        ah = autograd.hessian(lambda v: f(v[0], v[1]))
        impls.append(("autograd.hessian", lambda x, y: ah(autograd.numpy.array([x, y]))))
    jax = peers.get("jax")
    if jax:
        jh = jax.jit(jax.hessian(f, argnums=(0, 1)))
        jh(1.0, 1.0)
        impls.append(("jax.jit(jax.hessian) x64", lambda x, y: jax.block_until_ready(jh(x, y))))
    return impls


def array_impls(peers):
    impls = [("adcompile ad.hessian", ad.hessian(rosenbrock_nd))]
    autograd = peers.get("autograd")
    if autograd:
        impls.append(("autograd.hessian", autograd.hessian(_rosenbrock_nd_with(autograd.numpy))))
    jax = peers.get("jax")
    if jax:
        jh = jax.jit(jax.hessian(_rosenbrock_nd_with(jax.numpy)))
        impls.append(("jax.jit(jax.hessian) x64", lambda x: jax.block_until_ready(jh(x))))
    return impls


def _rosenbrock_nd_with(xp):
    return lambda x: xp.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _timed(name, impls, by_hand, point, title):
    times = time_with({"hand-written Hessian": by_hand, **dict(impls)}, point, REPEAT)
    base = times["hand-written Hessian"]
    print()
    print(table(["implementation", "us/call", "x hand-written"],
                [[label, t * 1e6, t / base] for label, t in times.items()], title=title))
    return times["adcompile ad.hessian"] / base


def main() -> None:
    print("== bench_hessian: whole Hessians in one call ==")
    print(machine_line())
    peers = {name: load_peer(name) for name in ("autograd", "jax")}
    peers = {k: v for k, v in peers.items() if v is not None}
    if peers:
        print("peers: " + ", ".join(f"{k} {peer_version(k)}" for k in peers))
    ratios = {}
    for name, f, by_hand, point in SCALAR_CASES:
        impls = agreeing("Hessian", name, scalar_impls(f, peers), by_hand, CHECK_POINTS)
        ratios[name] = _timed(name, impls, by_hand, point,
                              f"{name} Hessian at {point} (min of {REPEAT} interleaved "
                              "repeats of ~2 ms)")
    name = f"rosenbrock_nd, n = {N}"
    rng = np.random.default_rng(0)
    points = [(rng.uniform(-2.0, 2.0, N),) for _ in range(3)]
    try:
        ad.hessian(rosenbrock_nd)(*points[0])
    except ad.UnsupportedSyntaxError as exc:
        print(f"\n{name}: not measured, adcompile cannot compile it yet:\n{exc}")
    else:
        impls = agreeing("Hessian", name, array_impls(peers), rosenbrock_nd_hessian_by_hand,
                         points)
        ratios[name] = _timed(name, impls, rosenbrock_nd_hessian_by_hand, points[0],
                              f"{name} Hessian (min of {REPEAT} interleaved repeats)")
    print()
    for name, ratio in ratios.items():
        verdict = "met" if ratio <= TARGET else "NOT met"
        print(f"target ad.hessian within {TARGET:g}x of hand-written, {name}: "
              f"{ratio:.2f}x -> {verdict}")


if __name__ == "__main__":
    main()
