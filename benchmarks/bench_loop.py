"""A long scalar loop: gradient time and tape memory, with a data-dependent `break`.

Run from the repo root:  python benchmarks/bench_loop.py

The function is a recurrence with a data-dependent exit:

    y = 1.0
    for i in range(n):
        y = y * 0.99999 + math.sin(x * y) * 1e-5
        if y < threshold:
            break

With threshold = -1 it never breaks and runs exactly n iterations; with a threshold
picked between the values of y after 999 and 1000 iterations it stops after 1000,
however large n is. The script reports

- speed: `ad.grad(decay)` over 100,000 iterations / the plain function (target <= 4x);
- tape memory: tracemalloc's peak during one gradient call minus what was allocated
  before it, per iteration and per taped float (the number of `.append(` calls inside
  the forward loop of `.source`; target <= 100 bytes per taped float per iteration);
- that memory follows the iterations run, not the range bound: `range(1_000_000)` with
  a break after 1,000 iterations against 1,000,000 iterations (expect ~1000x less);
- autograd on the same recurrence (with `autograd.numpy.sin`), when installed, over
  1,000 iterations (it is ~1000x slower), compared per iteration;
- a user's array loop: a damped pendulum integrated with 20 steps of RK4, parameters
  `theta` read in every step: the gradient's tapes and lines, and its time against the
  plain function (values that do not change in the loop, such as theta[0], are computed
  once before it, not taped).
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (close, ensure_repo_on_path, load_peer, machine_line, table,  # noqa: E402
                     time_calls, time_once)

ensure_repo_on_path()
import numpy as np  # noqa: E402

import adcompile as ad  # noqa: E402
from programs import pendulum_rk4  # noqa: E402

X = 0.5
N = 100_000
NEVER = -1.0  # y stays near 1, so `y < -1` never holds
REPEAT = 25
N_AUTOGRAD = 1_000  # autograd takes ~0.5 ms per iteration: fewer, compared per iteration


def decay(x, n, threshold):
    y = 1.0
    for i in range(n):
        y = y * 0.99999 + math.sin(x * y) * 1e-5
        if y < threshold:
            break
    return y


def decay_grad_by_hand(x, n, threshold):
    """Reference gradient: forward sweep keeping y, reverse sweep (for the checks)."""
    ys = []
    y = 1.0
    for i in range(n):
        ys.append(y)
        y = y * 0.99999 + math.sin(x * y) * 1e-5
        if y < threshold:
            break
    by, bx = 1.0, 0.0
    for y in reversed(ys):
        c = by * 1e-5 * math.cos(x * y)
        bx += c * y
        by = by * 0.99999 + c * x
    return bx


def rk4_report() -> None:
    theta, y0 = np.array([9.81, 0.3]), np.array([1.0, 0.0])
    g = ad.grad(pendulum_rk4)
    g(theta, y0)
    tapes = g.source.count(" = []")
    times = time_calls({"plain": lambda: pendulum_rk4(theta, y0),
                        "grad": lambda: g(theta, y0)}, repeat=REPEAT, target=0.01)
    print(table(["pendulum, 20 RK4 steps", "us/call", "x plain function"],
                [["plain function", times["plain"] * 1e6, 1.0],
                 ["adcompile ad.grad", times["grad"] * 1e6, times["grad"] / times["plain"]]],
                title=f"a user's array loop: ad.grad has {tapes} tapes, "
                      f"{len(g.source.splitlines())} lines"))


def threshold_for(iterations: int) -> float:
    """A threshold that makes `decay(X, n, threshold)` stop after exactly `iterations`."""
    y, previous = 1.0, None
    for i in range(iterations):
        previous = y
        y = y * 0.99999 + math.sin(X * y) * 1e-5
    assert y < previous, "the recurrence must be decreasing at X for this to work"
    return (previous + y) / 2


def taped_per_iteration(source: str) -> int:
    """`.append(` calls in the first loop of the generated source (the forward sweep)."""
    lines = source.splitlines()
    start = next(i for i, ln in enumerate(lines) if re.match(r"\s*(for|while)\b", ln))
    indent = len(lines[start]) - len(lines[start].lstrip())
    count = 0
    for ln in lines[start + 1:]:
        if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
            break
        count += ln.count(".append(")
    return count


def peak_bytes(fn, *args) -> int:
    """Peak memory allocated by `fn(*args)` above what was allocated before the call."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        fn(*args)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def main() -> None:
    print("== bench_loop: gradient through a 100,000-iteration loop ==")
    print(machine_line())
    g = ad.grad(decay)
    stop_1000 = threshold_for(1000)
    # correctness: the fixed count and the data-dependent break, against the hand sweep
    for n, thr in [(N, NEVER), (1_000_000, stop_1000), (10, NEVER)]:
        got, want = g(X, n, thr), decay_grad_by_hand(X, n, thr)
        assert close(got, want), f"grad at n={n}, threshold={thr}: {got} != {want}"

    taped = taped_per_iteration(g.source)
    if taped == 0:
        print("warning: found no `.append(` in the forward loop of .source; the per-float "
              "column below divides by 1")
    print(f"generated gradient: {len(g.source.splitlines())} lines, {taped} tape appends "
          "per forward iteration")

    # ---- speed ------------------------------------------------------------------------
    rows = []
    times = time_calls({
        "plain": lambda: decay(X, N, NEVER),
        "by_hand": lambda: decay_grad_by_hand(X, N, NEVER),
        "grad": lambda: g(X, N, NEVER),
        "plain_b": lambda: decay(X, 1_000_000, stop_1000),
        "grad_b": lambda: g(X, 1_000_000, stop_1000),
    }, repeat=REPEAT, target=0.002)
    plain, by_hand, grad = times["plain"], times["by_hand"], times["grad"]
    plain_b, grad_b = times["plain_b"], times["grad_b"]
    rows.append(["plain function", N, plain * 1e3, plain / N * 1e9, 1.0])
    rows.append(["hand-written gradient", N, by_hand * 1e3, by_hand / N * 1e9,
                 by_hand / plain])
    rows.append(["adcompile ad.grad", N, grad * 1e3, grad / N * 1e9, grad / plain])
    autograd = load_peer("autograd")
    ag_grad = None
    if autograd:
        import autograd.numpy as anp

        def decay_autograd(x, n, threshold):
            y = 1.0
            for i in range(n):
                y = y * 0.99999 + anp.sin(x * y) * 1e-5
                if y < threshold:
                    break
            return y
        ag_grad = autograd.grad(decay_autograd)
        assert close(float(ag_grad(X, 1000, NEVER)), decay_grad_by_hand(X, 1000, NEVER))
        t = time_once(lambda: ag_grad(X, N_AUTOGRAD, NEVER), repeat=3)
        rows.append(["autograd", N_AUTOGRAD, t * 1e3, t / N_AUTOGRAD * 1e9,
                     t / N_AUTOGRAD / (plain / N)])
    print()
    print(table(["gradient", "iterations", "ms/call", "ns/iteration", "x plain function"],
                rows, title=f"speed (min of {REPEAT} interleaved repeats of one call; "
                            "autograd: 3 calls, fewer iterations, ratio per iteration)"))
    print(f"break after 1,000 of range(1_000_000): plain {plain_b * 1e6:.1f} us, "
          f"ad.grad {grad_b * 1e6:.1f} us ({grad_b / plain_b:.2f}x)")

    print()
    rk4_report()

    # ---- memory -----------------------------------------------------------------------
    mem_rows = []
    # tracemalloc makes the 1,000,000-iteration call ~20x slower (~2 us per allocation
    # with a million live floats): its peak is measured in a child process while this one
    # measures the rest (no timing runs any more), so that the script stays under a
    # minute. Memory figures do not depend on CPU contention.
    child = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--peak",
                              "1000000", repr(NEVER)], stdout=subprocess.PIPE, text=True)
    peaks = {"range(100_000), no break": (N, peak_bytes(g, X, N, NEVER)),
             "range(1_000_000), break after 1,000":
                 (1000, peak_bytes(g, X, 1_000_000, stop_1000))}
    ag_peak = peak_bytes(ag_grad, X, N_AUTOGRAD, NEVER) if ag_grad is not None else None
    out, _ = child.communicate()
    assert child.returncode == 0, "the child measuring 1,000,000 iterations failed"
    peaks["range(1_000_000), no break"] = (1_000_000, int(out.split()[-1]))
    for label in ["range(100_000), no break", "range(1_000_000), no break",
                  "range(1_000_000), break after 1,000"]:
        iterations, peak = peaks[label]
        mem_rows.append([f"adcompile, {label}", iterations, peak / 1024,
                         peak / iterations, peak / iterations / max(taped, 1)])
    if ag_peak is not None:
        mem_rows.append([f"autograd, range({N_AUTOGRAD:_}), no break", N_AUTOGRAD,
                         ag_peak / 1024, ag_peak / N_AUTOGRAD, float("nan")])
    print()
    print(table(["gradient call", "iterations", "peak KiB", "bytes/iter",
                 "bytes/taped float/iter"], mem_rows,
                title=f"tape memory (tracemalloc peak minus baseline; {taped} taped floats "
                      "per iteration in adcompile's forward loop)"))

    # ---- verdicts ---------------------------------------------------------------------
    print()
    ratio = grad / plain
    print(f"target gradient within 4x of the plain function: {ratio:.2f}x -> "
          f"{'met' if ratio <= 4 else 'NOT met'}")
    per_float = peaks["range(100_000), no break"][1] / N / max(taped, 1)
    print(f"target at most 100 bytes per taped float per iteration: {per_float:.1f} -> "
          f"{'met' if per_float <= 100 else 'NOT met'}")
    full = peaks["range(1_000_000), no break"][1]
    short = peaks["range(1_000_000), break after 1,000"][1]
    print(f"memory 1,000,000 iterations / 1,000 iterations (both range(1_000_000)): "
          f"{full / short:.0f}x -> {'met' if full / short >= 500 else 'NOT met'} "
          "(expect ~1000x)")


def child_peak(n: int, threshold: float) -> None:
    """`--peak N THRESHOLD`: print the tracemalloc peak of one gradient call."""
    g = ad.grad(decay)
    g(X, 10, threshold)  # compile outside the measurement
    print(peak_bytes(g, X, n, threshold))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peak"]:
        child_peak(int(sys.argv[2]), float(sys.argv[3]))
    else:
        main()
