"""The IR verifier: checks the invariants every stage relies on.

- SSA: every value is defined once, and used only after its definition, in the same
  region or in one nested inside it.
- Structure: a ``cond`` has a predicate, two regions without params, and as many results
  in each region as outputs; a ``loop`` has the inputs, params and results its kind says.
- Types: after inference, every value has one.

Tests run it after every transform and pass; it raises `IRError` naming the problem.
"""

from __future__ import annotations

from .nodes import Function, Op, Region, Value
from .primitives import PRIMITIVES


class IRError(AssertionError):
    """The IR breaks one of its invariants."""


def verify(fn: Function, typed: bool = True) -> None:
    defined: set[Value] = set()
    _region(fn.body, set(), defined, typed)


def _define(value: Value, defined: set, typed: bool, where: str) -> None:
    if value in defined:
        raise IRError(f"{value!r} is defined twice ({where})")
    if typed and value.type is None:
        raise IRError(f"{value!r} has no type ({where})")
    defined.add(value)


def _region(region: Region, visible: set, defined: set, typed: bool) -> None:
    scope = set(visible)
    for param in region.params:
        _define(param, defined, typed, "region parameter")
        scope.add(param)
    for op in region.ops:
        for value in op.inputs:
            if value not in scope:
                raise IRError(f"{op.prim} reads {value!r} before it is defined, or from a "
                              "region it cannot see")
        _structure(op)
        for inner in op.regions:
            _region(inner, scope, defined, typed)
        for out in op.outputs:
            _define(out, defined, typed, f"output of {op.prim}")
            scope.add(out)
    for value in region.results:
        if value not in scope:
            raise IRError(f"a region yields {value!r}, which it cannot see")


def _structure(op: Op) -> None:
    if op.prim == "const":
        _expect(not op.inputs and len(op.outputs) == 1, op, "a const has one output, no inputs")
    elif op.prim == "cond":
        _expect(len(op.inputs) == 1 and len(op.regions) == 2, op,
                "a cond has one predicate and two regions")
        for region in op.regions:
            _expect(not region.params and len(region.results) == len(op.outputs), op,
                    "each branch yields one value per output and takes no params")
    elif op.prim == "loop":
        kind = op.params.get("kind")
        body = op.regions[-1]
        n = len(op.outputs)
        if kind == "range":
            _expect(len(op.regions) == 1 and len(op.inputs) == 3 + n, op,
                    "a range loop takes start, stop, step and its carried values")
            _expect(len(body.params) == 1 + n, op, "a range body takes the index and carried")
        elif kind == "while":
            _expect(len(op.regions) == 2 and len(op.inputs) == n, op,
                    "a while loop has a test and a body, and takes its carried values")
            test = op.regions[0]
            _expect(len(test.params) == n and len(test.results) == 1, op,
                    "a while test takes the carried values and yields one truth value")
            _expect(len(body.params) == n, op, "a while body takes the carried values")
        else:
            raise IRError(f"a loop of unknown kind {kind!r}")
        _expect(len(body.results) == n + 1, op, "a loop body yields the carried values and "
                "the exit flag")
    elif op.prim == "apply":
        _expect("callee" in op.params, op, "an apply names its callee")
    else:
        prim = PRIMITIVES.get(op.prim)
        _expect(prim is not None, op, "unknown primitive")
        _expect(len(op.inputs) == prim.arity, op, f"takes {prim.arity} inputs")
        _expect(not op.regions, op, "a primitive has no regions")
        undeclared = sorted(set(op.params) - set(prim.params))
        _expect(not undeclared, op, f"does not declare the parameters {undeclared}")


def _expect(condition: bool, op: Op, message: str) -> None:
    if not condition:
        raise IRError(f"{op.prim}: {message}")
