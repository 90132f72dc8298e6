"""Gradient of scalar functions at Python-float points: adcompile vs hand-written vs peers.

Run from the repo root:  python benchmarks/bench_scalar.py

For goldstein (Goldstein-Price, seed case 3) and rosenbrock (seed case 9) this times one
gradient call (both partial derivatives, Python floats in, floats out):

- the gradient written by hand in plain Python (the baseline, ratio 1.00);
- `ad.grad(f, argnums=(0, 1))` called as users call it (argument binding, cache look-up,
  then the generated code);
- the generated code alone (`.source` executed into a namespace and called directly), to
  show how much of the time is the call wrapper and how much the code adcompile writes;
- every installed peer: autograd, torch, jax (`jax.jit(jax.grad(f))`, float64), tangent,
  dezero. Missing peers print an install hint and are skipped.

Every gradient is checked against the hand-written one to 1e-9 before anything is timed.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (agreeing, ensure_repo_on_path, load_peer, machine_line,  # noqa: E402
                     peer_version, table, time_with)

ensure_repo_on_path()
import adcompile as ad  # noqa: E402
# the seed cases, as the tests and tests/golden/ have them
from programs import goldstein, rosenbrock  # noqa: E402


# ---- the same gradients, by hand ----------------------------------------------------

def goldstein_grad_by_hand(x, y):
    # f = P * Q with
    #   P = 1 + a**2 * B,  a = x + y + 1,  B = 19 - 14x + 3x^2 - 14y + 6xy + 3y^2
    #   Q = 30 + c**2 * D, c = 2x - 3y,    D = 18 - 32x + 12x^2 + 48y - 36xy + 27y^2
    # dB/dx = dB/dy = 6x + 6y - 14
    # dD/dx = 24x - 36y - 32,  dD/dy = 54y - 36x + 48
    # Written for speed as a careful person would: x*x rather than x**2, and float
    # literals, so that CPython takes its float-float fast paths.
    a = x + y + 1.0
    a2 = a * a
    B = 19.0 - 14.0*x + 3.0*x*x - 14.0*y + 6.0*x*y + 3.0*y*y
    P = 1.0 + a2 * B
    c = 2.0*x - 3.0*y
    c2 = c * c
    D = 18.0 - 32.0*x + 12.0*x*x + 48.0*y - 36.0*x*y + 27.0*y*y
    Q = 30.0 + c2 * D
    dP = 2.0*a*B + a2 * (6.0*x + 6.0*y - 14.0)       # dP/dx == dP/dy
    dQdx = 4.0*c*D + c2 * (24.0*x - 36.0*y - 32.0)
    dQdy = -6.0*c*D + c2 * (54.0*y - 36.0*x + 48.0)
    return dP * Q + P * dQdx, dP * Q + P * dQdy


def rosenbrock_grad_by_hand(x0, x1):
    r = x1 - x0 * x0
    return -400.0 * x0 * r + 2.0 * (x0 - 1.0), 200.0 * r


CASES = [
    # name, function, hand-written gradient, point timed (the seed's)
    ("goldstein", goldstein, goldstein_grad_by_hand, (1.0, 1.0)),
    ("rosenbrock", rosenbrock, rosenbrock_grad_by_hand, (0.0, 2.0)),
]
REPEAT = 101
CHECK_POINTS = [(1.0, 1.0), (0.0, 2.0), (0.3, -0.7), (-1.3, 0.4), (1.7, 1.9),
                (-0.5, -1.5), (0.1, 0.2)]


# ---- one gradient implementation per competitor, each (x, y) -> (float, float) --------

def adcompile_impls(f):
    g = ad.grad(f, argnums=(0, 1))
    g(1.0, 1.0)  # compile for (float, float) outside the timing
    impls = [("adcompile ad.grad", g)]
    namespace: dict = {}
    try:
        exec(g.source, namespace)
        generated = namespace[f"{f.__name__}_grad"]
        generated(1.0, 1.0)
        impls.append(("adcompile generated code only", generated))
    except Exception as exc:  # the source may need constants only compile_source injects
        print(f"  (cannot run {f.__name__}'s .source standalone: {exc!r})")
    return g, impls


def peer_impls(f, peers):
    impls = []
    autograd = peers.get("autograd")
    if autograd:
        ag = autograd.grad(f, argnum=(0, 1))
        impls.append(("autograd", lambda x, y: tuple(float(v) for v in ag(x, y))))
    torch = peers.get("torch")
    if torch:
        def torch_grad(x, y):
            xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
            yt = torch.tensor(y, dtype=torch.float64, requires_grad=True)
            gx, gy = torch.autograd.grad(f(xt, yt), (xt, yt))
            return gx.item(), gy.item()
        impls.append(("torch (eager, .item())", torch_grad))
    jax = peers.get("jax")
    if jax:
        jg = jax.jit(jax.grad(f, argnums=(0, 1)))
        jg(1.0, 1.0)  # trace and compile outside the timing
        impls.append(("jax.jit(jax.grad) x64", lambda x, y: jax.block_until_ready(jg(x, y))))
    tangent = peers.get("tangent")
    if tangent:
        try:
            impls.append(("tangent", tangent.grad(f, wrt=(0, 1))))
        except Exception as exc:
            print(f"  tangent cannot differentiate {f.__name__}: {exc!r}")
    dezero = peers.get("dezero")
    if dezero:
        import numpy as np
        Variable = dezero.Variable

        def dezero_grad(x, y):
            xv, yv = Variable(np.array(x)), Variable(np.array(y))
            f(xv, yv).backward()
            return float(xv.grad.data), float(yv.grad.data)
        impls.append(("dezero", dezero_grad))
    return impls


def main() -> None:
    print("== bench_scalar: gradient of scalar functions at float points ==")
    print(machine_line())
    peers = {name: load_peer(name) for name in ("autograd", "torch", "jax", "tangent",
                                                 "dezero")}
    peers = {k: v for k, v in peers.items() if v is not None}
    if peers:
        print("peers: " + ", ".join(f"{k} {peer_version(k)}" for k in peers))
    summary = []
    for name, f, by_hand, point in CASES:
        g, impls = adcompile_impls(f)
        impls += peer_impls(f, peers)
        # correctness first: everyone agrees with the hand-written gradient to 1e-9;
        # adcompile must (assert), a peer that does not is reported and left out
        impls = agreeing("gradient", name, impls, by_hand, CHECK_POINTS)
        times = time_with({"plain function f(x, y) (no gradient)": f,
                           "hand-written gradient": by_hand, **dict(impls)}, point, REPEAT)
        base = times["hand-written gradient"]
        rows = [[label, t * 1e6, t / base] for label, t in times.items()]
        rows[0][2] = float("nan")
        summary.append((name, base, times))
        print()
        print(table(["implementation", "us/call", "x hand-written"], rows,
                    title=f"{name} gradient at {point} "
                          f"(min of {REPEAT} interleaved repeats of ~2 ms)"))
        if name == "goldstein":
            lines = [ln for ln in g.source.splitlines() if ln.strip()]
            print(f"generated source of goldstein's gradient: {len(lines)} non-blank lines "
                  f"({len(g.source.splitlines())} lines in all)")
    print()
    for name, base, times in summary:
        call = times["adcompile ad.grad"]
        ratio = call / base
        verdict = "met" if ratio <= 1.5 else "NOT met"
        print(f"target adcompile within 1.5x of hand-written, {name}: {ratio:.2f}x "
              f"-> {verdict}")
        code = times.get("adcompile generated code only")
        if code is not None:
            print(f"  generated code alone: {code / base:.2f}x "
                  f"({'met' if code / base <= 1.5 else 'NOT met'}); the ad.grad call wrapper "
                  f"adds {(call - code) * 1e6:.2f} us per call")


if __name__ == "__main__":
    main()
