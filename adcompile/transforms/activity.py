"""Activity analysis: which values depend, differentiably, on the inputs of interest.

A value is active when it is a float (Python float or float array) computed from an
active value by a primitive whose derivative is not identically zero. Only active values
get tangents or adjoints; ints, booleans, loop counters and constants never do. A tape
is active when an active value is pushed onto it, and then what is popped is active.
"""

from __future__ import annotations

from ..ir.nodes import Function, Op, Region, Value
from ..ir.structured import Loop, as_cond, as_loop
from ..rules import rule_for


def _float(value: Value) -> bool:
    return value.type is not None and value.type.is_float


def active_values(fn: Function, seeds: list[Value]) -> set[Value]:
    active = {v for v in seeds if _float(v)}
    _region(fn.body, active)
    return active


def _region(region: Region, active: set[Value]) -> None:
    for op in region.ops:
        _op(op, active)


def _op(op: Op, active: set[Value]) -> None:
    if (cond := as_cond(op)) is not None:
        for branch in cond.branches:
            _region(branch, active)
        for k, out in enumerate(cond.outputs):
            if _float(out) and any(branch.results[k] in active for branch in cond.branches):
                active.add(out)
    elif (loop := as_loop(op)) is not None:
        _loop(loop, active)
    elif op.prim == "push":  # a tape is active when an active value is pushed onto it
        if op.inputs[1] in active:
            active.add(op.inputs[0])
    elif op.prim == "pop":
        if op.inputs[0] in active and _float(op.output):
            active.add(op.output)
    elif op.prim not in ("const", "tape_new"):
        rule = rule_for(op.prim)
        if rule is not None and rule.zero:
            return
        if any(v in active for v in op.inputs):
            active.update(out for out in op.outputs if _float(out))


def _loop(loop: Loop, active: set[Value]) -> None:
    marks = [v in active for v in loop.inits]
    while True:
        for region in loop.regions:
            active.update(p for p, mark in zip(loop.carried_params(region), marks)
                          if mark and _float(p))
            _region(region, active)
        widened = [mark or (value in active) for mark, value in zip(marks, loop.next_values)]
        if widened == marks:
            break
        marks = widened
    active.update(out for out, mark in zip(loop.outputs, marks) if mark and _float(out))
