"""Command line: print the generated source, the IR or the DOT of a transform.

    python -m adcompile grad examples/main.py:rosenbrock --argnums 0,1
    python -m adcompile derivative mymodule:f --order 3 --show ir
    python -m adcompile primal mymodule:f --show dot > f.dot
    python -m adcompile grad mymodule:loss --args "np.zeros(3), 1.0"

The code is generated for the types of example arguments (`--args`, a Python expression
that may use `np` and `math`; only the types of its values matter), or without them, for
Python floats.

A bad invocation (a file, module or function that cannot be found, a malformed option)
is reported on one line, with exit status 2; an error compiling the function, with exit
status 1.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import inspect
import math
import os
import sys
import traceback

import numpy as np

from . import api
from .errors import AdcompileError, InternalCompilerError
from .ir.dot import function_to_dot

_TRANSFORMS = ("grad", "value_and_grad", "hessian", "jacobian", "derivative", "primal")


class _UsageError(Exception):
    """A bad invocation."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise _UsageError(message)


def _argnums(text: str) -> int | tuple[int, ...]:
    try:
        positions = tuple(int(p) for p in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected argument positions separated by commas, such as 0 or 0,1, not "
            f"{text!r}") from None
    return positions[0] if len(positions) == 1 else positions


def _import(location: str):
    if not location.endswith(".py"):
        return importlib.import_module(location)
    if not os.path.isfile(location):
        raise _UsageError(f"no such file: {location}")
    name = os.path.splitext(os.path.basename(location))[0]
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_file_location(name, location))
    sys.modules[name] = module
    try:
        module.__spec__.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]  # as `import` does with a module that fails
        raise
    return module


def _load(target: str):
    """`path/to/file.py:name` or `package.module:name` -> the function."""
    location, _, name = target.rpartition(":")
    if not location or not name:
        raise _UsageError(f"expected FILE.py:FUNCTION or MODULE:FUNCTION, got {target!r}")
    try:
        module = _import(location)
    except _UsageError:
        raise
    except Exception as exc:  # whatever the user's module raises while it is imported
        raise _UsageError(f"cannot import {location}: {type(exc).__name__}: {exc}") from None
    if not hasattr(module, name):
        defined = sorted(n for n, v in vars(module).items()
                         if inspect.isfunction(v) and v.__module__ == module.__name__)
        listing = f"; it defines {', '.join(defined)}" if defined else ""
        raise _UsageError(f"{location} has no function {name!r}{listing}")
    return getattr(module, name)


def _transform(args) -> api.Transformed:
    fun = _load(args.function)
    try:
        if args.transform == "derivative":
            return api.derivative(fun, order=args.order)
        if args.transform == "primal":
            return api.primal(fun)
        return getattr(api, args.transform)(fun, argnums=args.argnums)
    except AdcompileError as exc:
        raise _UsageError(str(exc)) from None


def _example_arguments(text: str | None) -> tuple:
    if text is None:
        return ()
    try:
        value = eval(text, {"np": np, "numpy": np, "math": math})  # the user's own text
    except Exception as exc:
        raise _UsageError(f"--args {text!r} is not a Python expression of example "
                          f"arguments, such as \"np.zeros(3), 1.0\": "
                          f"{type(exc).__name__}: {exc}") from None
    return value if isinstance(value, tuple) else (value,)


def _render(transform: api.Transformed, show: str, args: tuple) -> str:
    compiled = api.compiled_for(transform, args, '--args "np.zeros(3)"')[1]
    if show == "source":
        return compiled.source
    if show == "ir":
        return f"{api.PrintableIR(compiled.ir)}\n"
    return function_to_dot(compiled.ir)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="adcompile", description=__doc__.splitlines()[0])
    parser.add_argument("transform", choices=_TRANSFORMS)
    parser.add_argument("function", help="FILE.py:FUNCTION or MODULE:FUNCTION")
    parser.add_argument("--argnums", type=_argnums, default=0,
                        help="comma-separated positions: 0,1")
    parser.add_argument("--order", type=int, default=1, help="for derivative")
    parser.add_argument("--show", choices=("source", "ir", "dot"), default="source")
    parser.add_argument("--args", help='example arguments: "np.zeros(3), 1.0"')
    try:
        args = parser.parse_args(argv)
        sys.path.insert(0, os.getcwd())
        transform = _transform(args)
        examples = _example_arguments(args.args)
    except _UsageError as exc:
        print(f"adcompile: error: {exc}", file=sys.stderr)
        return 2
    try:
        text = _render(transform, args.show, examples)
    except InternalCompilerError as exc:
        print(f"adcompile: {exc}\n", file=sys.stderr)
        traceback.print_exception(exc.__cause__, file=sys.stderr)
        return 1
    except AdcompileError as exc:
        print(f"adcompile: {exc}", file=sys.stderr)
        return 1
    print(text, end="")
    return 0
