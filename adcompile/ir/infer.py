"""Type inference: give every value a `Type`, from the types of the function's arguments.

A pure primitive's result type is found by running the primitive on representative
values of its input types (0.5 for a float, 2 for an int, arrays of the right shape and
dtype), so inference and evaluation can never disagree about broadcasting or promotion.
Loops iterate to a fixed point, because a carried value can change type in the body
(``y = 0`` before a loop whose body does ``y = y + t``).
"""

from __future__ import annotations

import numpy as np

from .nodes import BOOL, FLOAT, INT, NONE, TAPE, Function, Op, Region, Type
from .primitives import evaluate
from .structured import Loop, RangeLoop, as_cond, as_loop


def type_of(value) -> Type:
    """The `Type` of a concrete Python or NumPy value."""
    if isinstance(value, np.ndarray):
        return Type(tuple(value.shape), value.dtype.name)
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)):
        return INT
    if isinstance(value, (float, np.floating)):
        return FLOAT
    if value is None:
        return NONE
    raise TypeError(f"adcompile cannot work with a value of type {type(value).__name__}")


def representative(t: Type):
    if t.is_array:
        return np.full(t.shape, 0.5 if t.is_float else 2, dtype=t.dtype)
    return {"float": 0.5, "int": 2, "bool": True, "none": None}[t.dtype]


def join(a: Type | None, b: Type | None) -> Type | None:
    """The type that holds a value of either type: the two sides of an `if`, say."""
    if a is None or a == b:
        return b
    if b is None or a.dtype == "none":
        return b if a.dtype == "none" else a
    if b.dtype == "none":
        return a
    if a.is_array or b.is_array:
        shape = np.broadcast_shapes(a.shape or (), b.shape or ())
        dtype = np.result_type(representative(a), representative(b)).name
        return Type(shape, dtype)
    order = ["bool", "int", "float"]
    return a if order.index(a.dtype) >= order.index(b.dtype) else b


def result_type(prim: str, input_types: list[Type]) -> Type:
    """The type of a pure primitive's result on inputs of the given types."""
    if prim == "tape_new":
        return TAPE
    if prim == "sum_to":
        return input_types[1] if input_types[1].is_array else FLOAT
    if prim in ("maximum", "minimum"):  # either operand may be the result
        return join(*input_types)
    on_arrays = any(t.is_array for t in input_types)
    with np.errstate(all="ignore"):
        sample = evaluate(prim, [representative(t) for t in input_types], on_arrays)
    return type_of(sample)


def infer_function(fn: Function, arg_types: list[Type]) -> None:
    """Set the type of every value in `fn`, in place."""
    for value, t in zip(fn.params, arg_types):
        value.type = t
    infer_region(fn.body)


def infer_region(region: Region) -> None:
    for op in region.ops:
        infer_op(op)


def infer_op(op: Op) -> None:
    if op.prim == "const":
        op.output.type = type_of(op.params["value"])
    elif (cond := as_cond(op)) is not None:
        for branch in cond.branches:
            infer_region(branch)
        for k, out in enumerate(cond.outputs):
            out.type = join(cond.then.results[k].type, cond.orelse.results[k].type)
    elif (loop := as_loop(op)) is not None:
        _infer_loop(loop)
    elif op.prim == "apply":
        # A staged call (`grad(g)(x)` inside a compiled function): the callee knows.
        for out, t in zip(op.outputs, op.params["callee"].result_types(
                [v.type for v in op.inputs])):
            out.type = t
    elif op.prim == "push":  # pushes come before the pops of their tape
        tape, value = op.inputs
        tape.type = Type(None, "tape", join(tape.type.element if tape.type else None,
                                            value.type))
    elif op.prim == "pop":
        element = op.inputs[0].type.element if op.inputs[0].type else None
        op.output.type = element or op.output.type
    else:
        op.output.type = result_type(op.prim, [v.type for v in op.inputs])


def _infer_loop(loop: Loop) -> None:
    carried = [v.type for v in loop.inits]
    if isinstance(loop, RangeLoop):
        loop.index.type = join(join(loop.start.type, loop.stop.type), loop.step.type)
    while True:
        for region in loop.regions:
            for param, t in zip(loop.carried_params(region), carried):
                param.type = t
            infer_region(region)
        widened = [join(t, r.type) for t, r in zip(carried, loop.next_values)]
        if widened == carried:
            break
        carried = widened
    for out, t in zip(loop.outputs, carried):
        out.type = t
