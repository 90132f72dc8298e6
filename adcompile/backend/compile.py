"""Generated source -> a Python function, registered with linecache for tracebacks."""

from __future__ import annotations

import itertools
import linecache
from typing import Callable

from ..ir.nodes import Function
from .codegen import to_source
from .spellings import FAITHFUL, FAST

_counter = itertools.count(1)
# What the fast spelling raises where the faithful one gives inf or nan, or raises too.
FALLBACK_ERRORS = (ArithmeticError, ValueError)


def compile_source(source: str, name: str, constants: dict | None = None):
    """Execute `source` (a module defining `name`) and return the function it defines.

    The text is stored in `linecache` under a unique file name, so a traceback through
    the generated code shows its lines.
    """
    filename = f"<adcompile {name} #{next(_counter)}>"
    lines = source.splitlines(keepends=True)
    linecache.cache[filename] = (len(source), None, lines, filename)
    namespace: dict = dict(constants or {})
    exec(compile(source, filename, "exec"), namespace)
    return namespace[name]


def compile_function(fn: Function, name: str, defined: Callable | None = None
                     ) -> tuple[str, Callable, Callable]:
    """The source of `fn` as people read it, the function it defines, and the function to
    call to run it.

    The source computes scalars the fast way (`math` and operators, see
    `adcompile.backend.spellings`). Where that raises (an overflow, a division by zero,
    a domain error), the same IR spelled faithfully runs instead: inf and nan where the
    user's function computes with NumPy, or where only a derivative rule's operation
    fails (the second derivative of ``(x * x) ** 1.5`` at 0). Unless `defined(*args)`
    says the user's own function computes at these arguments, the fast code's error is
    raised instead, as the user's function raises there.
    """
    source, constants = to_source(fn, name, FAST)
    fast = compile_source(source, name, constants)
    faithful_source, faithful_constants = to_source(fn, name, FAITHFUL)
    if faithful_source == source:
        return source, fast, fast
    faithful = compile_source(faithful_source, name, faithful_constants)

    def run(*args):
        try:
            return fast(*args)
        except FALLBACK_ERRORS:
            if defined is not None and not defined(*args):
                raise
            return faithful(*args)

    run.__name__ = run.__qualname__ = name
    return source, fast, run
