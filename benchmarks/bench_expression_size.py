"""Size of higher derivatives: `ad.derivative(tanh, order=k)` for k = 1..8, vs SymPy.

Run from the repo root:  python benchmarks/bench_expression_size.py

For each order k this reports, for adcompile, the number of IR ops of the compiled
derivative (counted recursively through nested regions with `walk_ops`, constants
included, and without `const` ops) and the non-blank lines of its `.source`; and, for
SymPy, the size of `diff(tanh(x), x, k)`: `count_ops` as SymPy builds it, its
`len(str(...))`, `count_ops` after `sympy.simplify`, and `count_ops` after `sympy.cse`
(the fair comparison with an SSA graph, which shares subexpressions). The values of both
at x = 1 are checked against each other to 1e-9. The growth target is that order 8 is at
most 4 times the size of order 4.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import close, ensure_repo_on_path, machine_line, table  # noqa: E402

ensure_repo_on_path()
import numpy as np  # noqa: E402

import adcompile as ad  # noqa: E402
from adcompile.ir.nodes import walk_ops  # noqa: E402

ORDERS = range(1, 9)
SIMPLIFY_BUDGET = 20.0  # seconds for all sympy.simplify calls together; skipped beyond


def tanh(x):
    return np.tanh(x)


def adcompile_sizes(k: int):
    d = ad.derivative(tanh, order=k)
    value = d(1.0)
    ops = list(walk_ops(d.ir.function.body))
    non_const = [op for op in ops if op.prim != "const"]
    lines = [ln for ln in d.source.splitlines() if ln.strip()]
    return value, len(ops), len(non_const), len(lines)


def sympy_sizes(sympy, k: int, simplify_left: float):
    x = sympy.Symbol("x")
    expr = sympy.diff(sympy.tanh(x), x, k)
    simplified = float("nan")
    spent = 0.0
    if simplify_left > 0:
        start = time.perf_counter()
        simplified = sympy.count_ops(sympy.simplify(expr))
        spent = time.perf_counter() - start
    replacements, reduced = sympy.cse(expr)
    cse_ops = sum(sympy.count_ops(v) for _, v in replacements) + sympy.count_ops(reduced[0])
    value = float(expr.subs(x, 1))
    return value, sympy.count_ops(expr), len(str(expr)), simplified, cse_ops, spent


def main() -> None:
    print("== bench_expression_size: derivative(tanh, order=k) ==")
    print(machine_line())
    have_sympy = importlib.util.find_spec("sympy") is not None
    if have_sympy:
        import sympy
    else:
        print("sympy not installed: pip install sympy (SymPy columns skipped)")
    headers = ["order", "ad IR ops", "ad non-const ops", "ad source lines"]
    if have_sympy:
        headers += ["sympy count_ops", "sympy len(str)", "sympy simplified ops",
                    "sympy cse ops"]
    rows = []
    sizes = {}
    budget = SIMPLIFY_BUDGET
    for k in ORDERS:
        value, n_ops, n_non_const, n_lines = adcompile_sizes(k)
        sizes[k] = (n_ops, n_non_const, n_lines)
        row = [k, n_ops, n_non_const, n_lines]
        if have_sympy:
            want, s_ops, s_len, s_simpl, s_cse, spent = sympy_sizes(sympy, k, budget)
            budget -= spent
            assert close(value, want), f"order {k} at x=1: adcompile {value} != sympy {want}"
            row += [s_ops, s_len, s_simpl, s_cse]
        rows.append(row)
    print()
    print(table(headers, rows, title="size of the k-th derivative of tanh"))
    if have_sympy and budget <= 0:
        print("(sympy.simplify went past its time budget; later orders show n/a)")
    print()
    for i, what in enumerate(["IR ops", "non-const IR ops", "source lines"]):
        ratio = sizes[8][i] / sizes[4][i]
        print(f"order 8 / order 4, {what}: {sizes[8][i]} / {sizes[4][i]} = {ratio:.2f} "
              f"-> target <= 4 {'met' if ratio <= 4 else 'NOT met'}")


if __name__ == "__main__":
    main()
