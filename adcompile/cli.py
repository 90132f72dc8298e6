"""Command line: print the generated source, the IR or the DOT of a transform.

    python -m adcompile grad examples/main.py:rosenbrock --argnums 0,1
    python -m adcompile derivative mymodule:f --order 3 --show ir
    python -m adcompile primal mymodule:f --show dot > f.dot
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys

from . import api

_TRANSFORMS = ("grad", "value_and_grad", "hessian", "jacobian", "derivative", "primal")


def _load(target: str):
    """`path/to/file.py:name` or `package.module:name` -> the function."""
    location, _, name = target.rpartition(":")
    if not location or not name:
        raise SystemExit(f"expected FILE.py:FUNCTION or MODULE:FUNCTION, got {target!r}")
    if location.endswith(".py"):
        spec = importlib.util.spec_from_file_location(
            os.path.splitext(os.path.basename(location))[0], location)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    else:
        module = importlib.import_module(location)
    return getattr(module, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="adcompile", description=__doc__.splitlines()[0])
    parser.add_argument("transform", choices=_TRANSFORMS)
    parser.add_argument("function", help="FILE.py:FUNCTION or MODULE:FUNCTION")
    parser.add_argument("--argnums", default="0", help="comma-separated positions: 0,1")
    parser.add_argument("--order", type=int, default=1, help="for derivative")
    parser.add_argument("--show", choices=("source", "ir", "dot"), default="source")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.getcwd())
    fun = _load(args.function)
    positions = tuple(int(p) for p in args.argnums.split(","))
    argnums = positions[0] if len(positions) == 1 else positions
    if args.transform == "derivative":
        transform = api.derivative(fun, order=args.order)
    elif args.transform == "primal":
        transform = api.primal(fun)
    else:
        transform = getattr(api, args.transform)(fun, argnums=argnums)
    if args.show == "source":
        print(transform.source, end="")
    elif args.show == "ir":
        print(transform.ir)
    else:
        print(api.to_dot(transform), end="")
    return 0
