"""`ad.export`: a compiled function written as a module that needs only NumPy and the
standard library (see `adcompile.backend.module`).

What the function reads from outside its arguments (closure variables, globals,
attributes: the inputs of `adcompile.frontend.reads`), adcompile reads afresh at every
call. A module cannot: it gets them as they are when it is written, as the defaults of
the parameters that follow the function's own, and its docstring says so. Passing them
explicitly still works.
"""

from __future__ import annotations

import os
import textwrap

from . import __version__
from .api import compiled_for
from .backend.module import module_source
from .cache import lowered
from .errors import AdcompileTypeError, AdcompileValueError
from .ir.types import type_of
from .pipeline import for_codegen, types_text

_WHERE = {"cell": "closure variable", "global": "global", "attr": "attribute",
          "item": "item", "default": "array default of a helper"}


def export(fun, path, *args) -> str:
    """Write the code compiled for `fun` (``grad(f)``, ``hessian(f)``,
    ``derivative(f, order=3)``, or `f` itself), specialised for the example arguments `args` (without them, as ``.source``
    shows it), to the module `path`; returns `path`."""
    transform, compiled = compiled_for(fun, args, "ad.export(f, path, np.zeros(3))")
    label = transform._label()
    if not compiled.direct:
        raise AdcompileTypeError(
            f"export writes functions whose compiled code returns what a call returns "
            f"(grad, derivative, hessian, jacobian ...); {label} is assembled from its "
            "compiled code at call time")
    root = transform.root
    reads = lowered(root).inputs
    params = compiled.ir.params
    first_input = len(params) - len(reads)
    defaults = {}
    for position, read in enumerate(reads, start=first_input):
        value = read.fetch(root)
        if type_of(value) != params[position].type:
            raise AdcompileValueError(
                f"export({label}): {read.name} now holds {type(value).__name__}, not the "
                f"{params[position].type} the last call was compiled for: pass example "
                "arguments, export(f, path, *args)")
        defaults[position] = value
    module = module_source(for_codegen(compiled.ir), transform.spec.python_name,
                           _docstring(transform, compiled.ir, reads), defaults)
    path = os.fspath(path)
    with open(path, "w", encoding="utf-8") as out:
        out.write(module)
    return path


def _docstring(transform, ir, reads) -> str:
    root = transform.root
    code = root.__code__
    types = types_text([p.type for p in ir.params[:len(ir.params) - len(reads)]])
    paragraphs = [f"{transform._label()} for arguments {types}: {root.__qualname__} in "
                  f"{os.path.basename(code.co_filename)}, line {code.co_firstlineno}.",
                  f"Written by adcompile {__version__} (ad.export); needs only NumPy and "
                  "the standard library."]
    if reads:
        what = ", ".join(f"the {_WHERE[read.kind]} {read.name}" for read in reads)
        paragraphs.append(f"The parameters after {root.__name__}'s own are what it reads "
                          f"from outside its arguments ({what}); their defaults are the "
                          "values they held when this module was written.")
    return "\n\n".join(textwrap.fill(text, 88) for text in paragraphs)
