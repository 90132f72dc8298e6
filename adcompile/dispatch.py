"""The generated call dispatcher: a call of a transform that finds its code compiled
costs one class test per argument (and, for a function that reads from outside, its
guards and reads) before the generated code runs."""

from __future__ import annotations

from typing import Callable

import numpy as np

from .frontend.lower import Lowered


def constants(namespace: dict) -> Callable[[object], str]:
    """A function naming objects in `namespace`, for generated code to refer to them."""
    names: dict[int, str] = {}

    def constant(obj) -> str:
        if id(obj) not in names:
            names[id(obj)] = f"c{len(names)}"
            namespace[names[id(obj)]] = obj
        return names[id(obj)]
    return constant


def reading(root, lowered: Lowered, constant, inputs: list[str], indent: str,
             on_error: str) -> list[str]:
    """Lines setting `valid` (whether the guards of `lowered` hold for `root`) and each
    name in `inputs` (what it reads); a read that raises (an empty cell, a deleted
    global) runs `on_error` instead, leaving the slow path to say what is wrong."""
    guards = " and ".join(f"{read.expression(root, constant)} is {constant(obj)}"
                          for read, obj in lowered.guards.items()) or "True"
    return [f"{indent}try:",
            f"{indent}    valid = {guards}",
            *(f"{indent}    {name} = {read.expression(root, constant)}"
              for name, read in zip(inputs, lowered.inputs)),
            f"{indent}except Exception:",
            f"{indent}    {on_error}"]


def reader(root, lowered: Lowered) -> Callable[[], list | None] | None:
    """A function giving the inputs `lowered` reads for `root` now, or None when one of
    its guards fails; None for a lowering that reads nothing."""
    if not lowered.guards and not lowered.inputs:
        return None
    namespace: dict = {}
    inputs = [f"i{j}" for j in range(len(lowered.inputs))]
    lines = ["def read():",
             *reading(root, lowered, constants(namespace), inputs, "    ", "return None"),
             f"    return [{', '.join(inputs)}] if valid else None"]
    exec("\n".join(lines), namespace)
    return namespace["read"]


def dispatcher(root, arity: int, direct: dict, fallback: Callable) -> Callable:
    """A function testing its arguments against each signature in `direct`, calling that
    signature's generated function, or else `fallback`.

    A signature is a lowering of `root` with the classes of the arguments and of the
    inputs from outside. For each lowering the dispatcher checks its guards, reads its
    inputs, then tests classes; a lowering that reads nothing costs nothing more.
    """
    params = [f"_arg{i}_" for i in range(arity)]  # names no caller passes by keyword
    namespace = {"fallback": fallback, "MISSING": MISSING}
    constant = constants(namespace)
    given = ", ".join(params)
    fall_back = (f"return fallback(*[a for a in ({given}{',' if arity == 1 else ''}) "
                 "if a is not MISSING], *args, **kwargs)")
    lines = [f"def dispatch({''.join(p + '=MISSING, ' for p in params)}*args, **kwargs):",
             "    if not args and not kwargs:"]
    by_lowering: dict[Lowered, list] = {}
    for (lowered, *classes), function in direct.items():
        by_lowering.setdefault(lowered, []).append((classes, function))
    for n, (lowered, signatures) in enumerate(by_lowering.items()):
        indent = "        "
        inputs = [f"i{n}_{j}" for j in range(len(lowered.inputs))]
        if lowered.guards or lowered.inputs:
            lines += [*reading(root, lowered, constant, inputs, indent, fall_back),
                      f"{indent}if valid:"]
            indent += "    "
        for classes, function in signatures:
            tests = [f"{arg}.__class__ is {constant(cls)}"
                     for arg, cls in zip(params + inputs, classes)]
            lines += [f"{indent}if {' and '.join(tests) or 'True'}:",
                      f"{indent}    return {constant(function)}({', '.join(params + inputs)})"]
    lines.append(f"    {fall_back}")
    exec("\n".join(lines), namespace)
    return namespace["dispatch"]


class Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING = Missing()


def fast_key(values) -> tuple:
    """The cache key of a call: each argument's type, and shape and dtype for arrays."""
    return tuple([v.__class__ if v.__class__ is not np.ndarray else (v.shape, v.dtype.str)
                  for v in values])
