"""Shared helpers for the benchmark scripts: timing, peer detection, tables.

Nothing here is a test. Timings are taken with `timeit`: the number of calls per repeat
is calibrated so that one repeat is short (~2 ms; long calls: one call per repeat), the
repeats of the things compared are interleaved so that load from elsewhere on the machine
falls on all of them alike, and the minimum over many repeats is reported. Short repeats
matter on a shared 2-core machine: a repeat that is not preempted at all is then likely
to occur, and its time is the one reported.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib
import importlib.util
import os
import platform
import sys
import timeit

# Peers: module name -> pip package that provides it.
PEERS = {
    "autograd": "autograd",
    "torch": "torch==2.13.0",  # plain `torch` may pull a multi-GB CUDA build
    "jax": "jax jaxlib",
    "tangent": "tangent-ad",
    "dezero": "dezero",
}


def load_peer(name: str):
    """The imported peer module, or None after printing how to install it."""
    if importlib.util.find_spec(name) is None:
        print(f"peer {name} not installed: pip install {PEERS[name]}")
        return None
    try:
        if name == "dezero":
            return _import_dezero()
        module = importlib.import_module(name)
        if name == "jax":
            # Everything else in these tables computes in float64; so must JAX.
            module.config.update("jax_enable_x64", True)
        return module
    except Exception as exc:  # a peer that is present but broken is skipped, not fatal
        print(f"peer {name} installed but fails to import ({type(exc).__name__}: {exc}); "
              "skipped")
        return None


def peer_version(name: str) -> str:
    """The installed version of the pip package that provides peer `name`."""
    from importlib.metadata import PackageNotFoundError, version
    for package in PEERS[name].split()[:1] + [name]:
        try:
            return version(package)
        except PackageNotFoundError:
            continue
    return "?"


def _import_dezero():
    """dezero 0.0.13 uses `np.int` as a default argument at import time, which NumPy 2
    removed. Alias it only while dezero imports, then take the alias away again."""
    import numpy as np
    added = not hasattr(np, "int")
    if added:
        np.int = int
    try:
        return importlib.import_module("dezero")
    finally:
        if added:
            del np.int


def time_calls(fns: dict, repeat: int = 101, target: float = 0.002) -> dict:
    """Seconds per call of each `fn()` in `fns` (label -> function).

    The number of calls per repeat is calibrated per function so that one repeat takes
    about `target` seconds; then the repeats are interleaved (one repeat of every
    function, `repeat` times over), so that a burst of load on the machine falls on all
    of them alike; the minimum over the repeats is reported."""
    timers = {}
    for label, fn in fns.items():
        timer = timeit.Timer(fn)
        number, elapsed = 1, timer.timeit(1)
        while elapsed < target / 10:  # calibrate on a few calls, 10x more each time
            number *= 10
            elapsed = timer.timeit(number)
        timers[label] = (timer, max(1, round(number * target / elapsed)))
    best = {label: float("inf") for label in fns}
    for _ in range(repeat):
        for label, (timer, number) in timers.items():
            best[label] = min(best[label], timer.timeit(number) / number)
    return best


def keep_freed_memory() -> str:
    """Ask glibc's malloc to keep freed blocks for reuse, and say what was done.

    A temporary of a million floats is 8 MB. By default glibc returns such blocks to the
    OS or keeps them depending on the history of the process (its mmap threshold moves
    with the blocks freed), and a block taken fresh from the OS costs a page fault per
    4 KiB, as much as the arithmetic on it: the same code then timed 3 ms in one row and
    7 ms in the next. With blocks up to 32 MB kept in the heap and the heap never
    trimmed, the rows compare the arithmetic."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"))
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return "malloc: not glibc, left as it is"
    m_trim_threshold, m_mmap_threshold = -1, -3
    if mallopt(m_mmap_threshold, 32 * 2**20) and mallopt(m_trim_threshold, 2**30):
        return "malloc: glibc keeps freed blocks up to 32 MB (mallopt)"
    return "malloc: glibc refused mallopt, left as it is"


def time_with(fns: dict, args: tuple, repeat: int = 101) -> dict:
    """Seconds per call of each function in `fns` (label -> function) called with `args`,
    as `time_calls` times them."""
    return time_calls({label: (lambda fn=fn: fn(*args)) for label, fn in fns.items()},
                      repeat=repeat)


def time_once(fn, repeat: int = 3) -> float:
    """Seconds of one call of `fn()` (for long calls), minimum over `repeat` runs."""
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    """`a` and `b` agree to `tol`, relative to their size (absolute below 1)."""
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def agrees(got, want, tol: float = 1e-9) -> bool:
    """Whether two results (numbers, nested tuples or arrays) have one shape and agree to `tol`."""
    import numpy as np
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    return got.shape == want.shape and all(close(a, b, tol) for a, b in zip(got.flat, want.flat))


def agreeing(what: str, name: str, impls: list, by_hand, points) -> list:
    """The (label, implementation) pairs whose results agree with `by_hand` at every point.

    An adcompile implementation that disagrees is a failure (assert); a peer that does is
    reported and left out of the table.
    """
    kept = []
    for label, impl in impls:
        problem = None
        for point in points:
            want = by_hand(*point)
            try:
                got = impl(*point)
            except Exception as exc:
                problem = f"raised {exc!r} at {point}"
                break
            if not agrees(got, want):
                problem = f"gave {got} at {point}, hand-written {want}"
                break
        assert problem is None or not label.startswith("adcompile"), \
            f"{label} {what} of {name} {problem}"
        if problem:
            print(f"  {label} left out of the {name} table: it {problem}")
        else:
            kept.append((label, impl))
    return kept


def table(headers: list[str], rows: list[list], title: str | None = None) -> str:
    """A plain-text table with right-aligned columns."""
    cells = [[str(h) for h in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    if title:
        lines.append(title)
    lines.append("  ".join(h.ljust(w) if i == 0 else h.rjust(w)
                           for i, (h, w) in enumerate(zip(cells[0], widths))))
    lines.append("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(row, widths))))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        if value != value:
            return "n/a"
        return f"{value:.2f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def machine_line() -> str:
    blas = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
            if k in os.environ}
    load = "/".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} cores, load average {load} (1/5/15 min); "
            f"OPENBLAS env: {blas or 'not set'}")


def ensure_repo_on_path() -> None:
    """Run from the repo root as `python benchmarks/NAME.py`: make `adcompile`, the
    benchmark modules and the test programs (tests/programs.py, where the seed cases
    are) importable even without an editable install."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    for path in (os.path.join(root, "tests"), here, root):
        if path not in sys.path:
            sys.path.insert(0, path)
