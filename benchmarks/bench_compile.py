"""Compile time against the size of the data: compiling must not compute on it.

Run from the repo root:  python benchmarks/bench_compile.py

Two measurements for each size n:

- *compile*: the time `grad(f)` takes to compile for arguments of that shape (lowering,
  typing, transforming, simplifying, generating and exec'ing the code), without calling
  the generated function;
- *first-call overhead*, through the public call `ad.grad(f)(x)`: the first call's time
  minus a later call's, on a function object never compiled before.

Targets (issue 7): the first-call overhead of a 10-operation gradient at n = 3,000,000
within 30 ms of the same at n = 10; a gradient through a 1500x1500 matrix product
compiles as fast as through a 4x4 one (within 20%, or 5 ms).
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
import tempfile
import time

from _common import ensure_repo_on_path, machine_line, table

ensure_repo_on_path()

import numpy as np  # noqa: E402

import adcompile as ad  # noqa: E402

ELEMENTWISE = '''
import numpy as np

def loss(x):
    y = np.sin(x) * x + 2.0
    z = np.exp(-y * y) / (1.0 + x * x)
    return np.sum(np.tanh(z) - y * 0.5)
'''

MATMUL = '''
import numpy as np

def loss(A, B):
    return np.sum(np.tanh(A @ B))
'''

_counter = itertools.count()
_folder = tempfile.mkdtemp(prefix="adcompile_bench_")


def fresh(source: str):
    """A function never compiled before: the same source in a module of its own."""
    name = f"bench_module_{next(_counter)}"
    path = os.path.join(_folder, name + ".py")
    with open(path, "w") as f:
        f.write(source)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.loss


def compile_seconds(source: str, args: list, repeat: int = 5) -> float:
    """The fastest of `repeat` compilations, each of a function never compiled before."""
    times = []
    for _ in range(repeat):
        transform = ad.grad(fresh(source), argnums=tuple(range(len(args))))
        start = time.perf_counter()
        transform.compiled(args)
        times.append(time.perf_counter() - start)
    return min(times)


def first_call_overhead(source: str, args: list, repeat: int = 5) -> float:
    """The fastest first call minus the fastest later call."""
    firsts, laters = [], []
    for _ in range(repeat):
        transform = ad.grad(fresh(source), argnums=tuple(range(len(args))))
        for times in (firsts, laters, laters):
            start = time.perf_counter()
            transform(*args)
            times.append(time.perf_counter() - start)
    return min(firsts) - min(laters)


def main() -> int:
    print(machine_line())
    ops = 10  # sin mul add mul neg exp add mul div tanh sub mul sum: ten of them count
    rows, overheads = [], {}
    for n in (10, 1_000, 100_000, 3_000_000):
        x = np.linspace(-1.0, 1.0, n)
        overheads[n] = first_call_overhead(ELEMENTWISE, [x])
        rows.append([f"n = {n:,}", compile_seconds(ELEMENTWISE, [x]) * 1e3,
                     overheads[n] * 1e3])
    print(table(["elementwise gradient", "compile, ms", "first-call overhead, ms"], rows,
                f"Gradient of a {ops}-operation elementwise loss"))
    grew = (overheads[3_000_000] - overheads[10]) * 1e3
    print(f"first-call overhead at n = 3,000,000 minus at n = 10: {grew:.1f} ms "
          f"(target: within 30 ms): {'met' if grew <= 30 else 'NOT met'}")
    print()
    rows, compiles = [], {}
    for n in (4, 100, 1500):
        rng = np.random.default_rng(0)
        args = [rng.standard_normal((n, n)), rng.standard_normal((n, n))]
        compiles[n] = compile_seconds(MATMUL, args)
        rows.append([f"{n} x {n}", compiles[n] * 1e3])
    print(table(["matrix product gradient", "compile, ms"], rows,
                "Gradient through A @ B"))
    slack = max(0.2 * compiles[4], 0.005)
    met = compiles[1500] - compiles[4] <= slack
    print(f"1500x1500 compiles in {compiles[1500] * 1e3:.1f} ms, 4x4 in "
          f"{compiles[4] * 1e3:.1f} ms (target: within 20% or 5 ms): "
          f"{'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
