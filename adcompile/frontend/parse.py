"""Source -> gast: find a function's source text and parse it.

The tree's line and column numbers are relative to the dedented text; `ParsedFunction.loc`
turns them back into places in the user's file.
"""

from __future__ import annotations

import inspect
import re
import textwrap
from dataclasses import dataclass

import gast

from ..errors import Loc, SourceUnavailableError, UnsupportedSyntaxError


@dataclass
class ParsedFunction:
    node: gast.FunctionDef
    filename: str
    first_line: int      # line number, in the file, of the first line of the source text
    indent: int          # columns removed by dedenting
    lines: list[str]     # the source text's lines, as in the file

    def loc(self, node) -> Loc:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + self.indent
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return Loc(self.filename, self.first_line + line - 1, col, text)


_CACHE: dict[object, ParsedFunction] = {}


def parse_function(fn) -> ParsedFunction:
    """Parse the source of a Python function defined with `def`."""
    code = getattr(fn, "__code__", None)
    if code is None:
        raise SourceUnavailableError(
            f"{getattr(fn, '__qualname__', fn)!r} is not a Python function with source code "
            "(it may be a builtin or a C extension): adcompile compiles functions from their "
            "source. Wrap it in a `def` whose body adcompile can read, or use a NumPy/math "
            "function it knows.")
    if code in _CACHE:
        return _CACHE[code]
    try:
        # The code object, not the function: a decorator's wrapper is itself, not what
        # functools.wraps says it wraps.
        lines, first_line = inspect.getsourcelines(code)
    except (OSError, TypeError) as exc:
        raise SourceUnavailableError(
            f"cannot find the source of {fn.__qualname__!r} (defined in {code.co_filename}): "
            "functions made by exec() or typed at an interactive prompt have no source file. "
            "Define it in a module or a script.") from exc
    first_line = max(first_line, 1)
    text = "".join(lines)
    dedented = textwrap.dedent(text)
    indent = len(lines[0]) - len(lines[0].lstrip()) if dedented != text else 0
    filename = code.co_filename
    if fn.__name__ == "<lambda>":
        raise UnsupportedSyntaxError(
            "a lambda cannot be compiled",
            Loc(filename, first_line, _column_of_lambda(lines[0]), lines[0]),
            "define the function with `def` so its body can be read")
    module = gast.parse(dedented)
    node = next((n for n in module.body
                 if isinstance(n, (gast.FunctionDef, gast.AsyncFunctionDef))), None)
    if isinstance(node, gast.AsyncFunctionDef):
        raise UnsupportedSyntaxError(
            "an async function cannot be compiled",
            Loc(filename, first_line + node.lineno - 1, node.col_offset + indent,
                lines[node.lineno - 1]),
            "differentiate synchronous code only")
    if node is None:
        raise SourceUnavailableError(f"no `def` found in the source of {fn.__qualname__!r}")
    parsed = ParsedFunction(node, filename, first_line, indent, [l for l in lines])
    _CACHE[code] = parsed
    return parsed


def _column_of_lambda(line: str) -> int:
    found = re.search(r"\blambda\b", line)
    return found.start() if found else 0
