"""Source -> gast: find a function's source text and parse it.

The tree's line and column numbers are relative to the dedented text; `ParsedFunction.loc`
turns them back into places in the user's file.

A lambda is found in the parse of its whole file, by its first line and its parameters (and, on Python 3.11+, by its column, which tells apart two lambdas
on one line with the same parameters), and is read as a ``def`` returning its body.
"""

from __future__ import annotations

import inspect
import linecache
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
        parsed = _parse_lambda(code, filename)
        _CACHE[code] = parsed
        return parsed
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


def function_from_lambda(node: gast.Lambda, name: str = "<lambda>") -> gast.FunctionDef:
    """A ``def`` with the lambda's parameters, returning its body, at its place."""
    body = gast.copy_location(gast.Return(value=node.body), node.body)
    fields = dict(name=name, args=node.args, body=[body], decorator_list=[], returns=None,
                  type_comment=None, type_params=[])
    return gast.copy_location(
        gast.FunctionDef(**{key: fields[key] for key in gast.FunctionDef._fields}), node)


def _parse_lambda(code, filename: str) -> ParsedFunction:
    # A lambda's lines may be a fragment of an expression: parse the whole file instead.
    lines = linecache.getlines(filename)
    line = code.co_firstlineno
    where = Loc(filename, line, 0, lines[line - 1] if 0 < line <= len(lines) else "")
    try:
        tree = gast.parse("".join(lines))
    except SyntaxError:
        raise UnsupportedSyntaxError("the source of this lambda cannot be read", where,
                                     "define the function with `def`") from None
    names = list(code.co_varnames[:code.co_argcount + code.co_kwonlyargcount])
    candidates = [node for node in gast.walk(tree) if isinstance(node, gast.Lambda)
                  and node.lineno == line and _parameter_names(node.args) == names]
    if len(candidates) > 1:
        column = _first_column(code)
        candidates = [node for node in candidates if column is not None and
                      node.body.col_offset <= column < _end_column(node.body)]
    if len(candidates) != 1:
        raise UnsupportedSyntaxError(
            "this line has several lambdas that adcompile cannot tell apart", where,
            "define the function with `def`, or put each lambda on a line of its own")
    return ParsedFunction(function_from_lambda(candidates[0]), filename, 1, 0, lines)


def _parameter_names(args) -> list[str]:
    return [a.id for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]


def _first_column(code) -> int | None:
    """The column of the lambda body's first instruction (Python 3.11+)."""
    positions = getattr(code, "co_positions", None)
    if positions is None:
        return None
    # (RESUME and the like have an empty span at column 0)
    columns = [col for _, _, col, end in positions() if col is not None and end and end > col]
    return min(columns) if columns else None


def _end_column(node) -> int:
    return getattr(node, "end_col_offset", None) or 10 ** 6
