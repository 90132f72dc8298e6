"""Run every benchmark, one after the other, and print all their tables.

Run from the repo root:  python benchmarks/run_all.py

Each benchmark runs in its own Python process (with this same interpreter), so that one's
imports, caches and tracemalloc state cannot disturb another's numbers.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BENCHMARKS = ["bench_scalar.py", "bench_expression_size.py", "bench_loop.py", "bench_compile.py",
              "bench_arrays.py", "bench_hessian.py", "bench_numpy.py"]


def main() -> int:
    print(f"adcompile benchmarks, {datetime.date.today().isoformat()}, {sys.executable}")
    failed = []
    for name in BENCHMARKS:
        print()
        print("#" * 88)
        start = time.perf_counter()
        sys.stdout.flush()
        result = subprocess.run([sys.executable, os.path.join(HERE, name)],
                                cwd=os.path.dirname(HERE))
        print(f"[{name}: {time.perf_counter() - start:.1f} s, exit code {result.returncode}]")
        if result.returncode != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
