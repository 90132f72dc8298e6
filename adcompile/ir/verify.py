"""The IR verifier: checks the invariants every stage relies on.

- SSA: every value is defined once, and used only after its definition, in the same
  region or in one nested inside it.
- Structure: a ``cond`` or ``loop`` has the inputs, regions, params and results its
  view in `structured` says (`malformed`).
- Types: after inference, every value has one.

Tests run it after every transform and pass; it raises `IRError` naming the problem.
"""

from __future__ import annotations

from .deferred import deferred_count
from .infer import NOT_ARRAY
from .nodes import Function, Op, Region, Value
from .primitives import PRIMITIVES, index_operand_count
from .structured import UnknownLoopForm, structured


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
    try:
        view = structured(op)
    except UnknownLoopForm as error:
        raise IRError(f"{op.prim}: {error}") from None
    if view is not None:
        problem = view.malformed()
        _expect(problem is None, op, problem)
    elif op.prim == "const":
        _expect(not op.inputs and len(op.outputs) == 1, op, "a const has one output, no inputs")
    elif op.prim == "apply":
        _expect("callee" in op.params, op, "an apply names its callee")
    elif op.prim == NOT_ARRAY:
        _expect(len(op.inputs) == 1 and not op.outputs and not op.regions, op,
                "a check reads one value and makes none")
    else:
        prim = PRIMITIVES.get(op.prim)
        _expect(prim is not None, op, "unknown primitive")
        arity = None if prim.arity is None else \
            prim.arity + index_operand_count(op.params) + deferred_count(op.params)
        _expect(len(op.inputs) == arity if arity is not None else op.inputs, op,
                f"takes {arity if arity is not None else 'one or more'} inputs")
        _expect(not op.regions, op, "a primitive has no regions")
        undeclared = sorted(set(op.params) - set(prim.params))
        _expect(not undeclared, op, f"does not declare the parameters {undeclared}")


def _expect(condition: bool, op: Op, message: str) -> None:
    if not condition:
        raise IRError(f"{op.prim}: {message}")
