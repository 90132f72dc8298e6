"""A compiled function as a standalone Python module (what `ad.export` writes).

The module needs only NumPy and the standard library: it is the generated source, whose
imports are `math` and `numpy` alone, under a docstring the caller writes. Two things
the in-process call supplies are written out:

- **defaults**: the parameters that have a value to start from (the user's own defaults,
  and the inputs read from outside the function, see `adcompile.frontend.reads`) get it
  as a default; an array is written at module level (`adcompile.backend.arrays`);
- **NumPy's edges**: where the fast spelling (``math``) and the faithful one differ, the
  module has both and the function runs the faithful one where the fast one raises, as
  `adcompile.backend.compile` does in process. In process, the fast spelling's error is
  raised instead where the user's own function raises too; the module, which cannot
  call that function, gives what the faithful spelling gives there.

The text depends only on the IR, the names and the values, so writing it twice gives the
same bytes.
"""

from __future__ import annotations

import ast

from ..ir.clone import clone_function
from ..ir.nodes import Function
from .arrays import assignments
from .codegen import to_source
from .compile import FALLBACK_ERRORS
from .spellings import ARRAY_NAMESPACE, FAITHFUL, FAST


def module_source(fn: Function, name: str, docstring: str, defaults: dict[int, object]) -> str:
    """The module defining `name`, computing `fn`; `defaults` maps a parameter's position
    to its default value, on top of those `fn` has."""
    fn = clone_function(fn)
    fast, _ = to_source(fn, name, FAST)
    # Defaults are keyed by parameter name: take the names codegen gives the parameters.
    names = _parameter_names(fast)
    for position, value in defaults.items():
        fn.param_names[position] = names[position]
        fn.defaults[names[position]] = value
    fast, constants = to_source(fn, name, FAST)
    faithful, _ = to_source(fn, name, FAITHFUL)
    sources = [fast] if faithful == fast else _with_fallback(fn, name)
    imports = {line for source in sources for line in source.splitlines()
               if line.startswith("import ")}
    if constants:
        imports.add(f"import {ARRAY_NAMESPACE[0]} as {ARRAY_NAMESPACE[1]}")
    head = [f'"""{docstring}\n"""\n', "".join(f"{line}\n" for line in sorted(imports)),
            assignments(constants)]
    return "\n".join(part for part in head if part) + "\n\n" + \
        "\n\n".join(map(_definitions, sources))


def _with_fallback(fn: Function, name: str) -> list[str]:
    """The sources of the function `name`, trying the fast spelling and then the
    faithful one, and of the two spellings, as `name_math` and `name_numpy`."""
    fast, _ = to_source(fn, f"{name}_math", FAST)
    faithful, _ = to_source(fn, f"{name}_numpy", FAITHFUL)
    definition = _function_def(fast)
    arguments = ast.unparse(definition.args)
    passed = ", ".join(a.arg for a in definition.args.args)
    errors = ", ".join(error.__name__ for error in FALLBACK_ERRORS)
    entry = (f"def {name}({arguments}):\n"
             f"    try:\n"
             f"        return {name}_math({passed})\n"
             f"    except ({errors}):\n"
             f"        # inf and nan where NumPy gives them, an error where math raises\n"
             f"        return {name}_numpy({passed})\n")
    return [entry, fast, faithful]


def _function_def(source: str) -> ast.FunctionDef:
    return next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))


def _parameter_names(source: str) -> list[str]:
    return [a.arg for a in _function_def(source).args.args]


def _definitions(source: str) -> str:
    """`source` from its function on: without its imports and constants, which the
    module writes once."""
    return source if source.startswith("def ") else source[source.index("\ndef ") + 1:]
