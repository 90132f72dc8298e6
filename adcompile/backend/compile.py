"""Generated source -> a Python function, registered with linecache for tracebacks."""

from __future__ import annotations

import itertools
import linecache

_counter = itertools.count(1)


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
