"""Type inference: give every value a `Type`, from the types of the function's arguments.

Each primitive's abstract-evaluation rule (`adcompile.ir.primitives`) gives its result
type from its input types and parameters, on shapes and dtypes alone. Loops iterate to a
fixed point, because a carried value can change type in the body (``y = 0`` before a
loop whose body does ``y = y + t``). An operation whose operands do not fit raises
`ShapeError` at the user's line, naming the shapes. Parameters the frontend could not
know without types (`adcompile.ir.deferred`) are resolved here, from the types of the
values computed before them. An augmented assignment the frontend could not tell is
a rebinding (``y += a`` on what may be an array shared with another name) is checked
here (`NOT_ARRAY`), once its target's type is known, and the check leaves the IR.
"""

from __future__ import annotations

import operator

from ..errors import ShapeError, UnsupportedSyntaxError
from .deferred import Deferred, deferred_count, resolve_deferred
from .nodes import Function, Op, Region, walk_ops
from .primitives import PRIMITIVES, TYPE_FACTS
from .structured import Loop, RangeLoop, as_cond, as_loop
from .types import ArrayType, ShapeMismatch, TapeType, join, type_of


# ``y += a`` where y's value may be shared (an argument, a view, an array another name
# holds) is lowered as ``y = y + a``: Python's meaning unless the value is an array, which
# NumPy changes in place. The frontend cannot know which, so it leaves an op of this name
# (one input, no outputs, params ``message`` and ``hint``), which inference checks and
# then removes: no primitive, so no later stage knows it.
NOT_ARRAY = "not_array"


def infer_function(fn: Function, arg_types: list) -> None:
    """Set the type of every value in `fn`, in place."""
    for value, t in zip(fn.params, arg_types):
        value.type = t
    producers = {out: op for op in walk_ops(fn.body) for out in op.outputs}
    infer_region(fn.body, producers)
    _drop_passed_checks(fn.body)


def _drop_passed_checks(region: Region) -> None:
    """Remove the `NOT_ARRAY` checks that passed: they compute nothing for later stages.
    Only now, after every loop's fixed point, is each checked type final."""
    region.ops = [op for op in region.ops
                  if op.prim != NOT_ARRAY or op.inputs[0].type is None]
    for op in region.ops:
        for inner in op.regions:
            _drop_passed_checks(inner)


def infer_region(region: Region, producers: dict | None = None) -> None:
    for op in region.ops:
        infer_op(op, producers)


def infer_op(op: Op, producers: dict | None = None) -> None:
    """Type `op`'s outputs; `producers` (value -> the op making it) is needed only where
    the op has deferred parameters, which only the frontend makes."""
    try:
        _infer(op, producers)
    except ShapeMismatch as exc:
        raise ShapeError(f"{_describe(op)}: {exc}", op.loc) from None


def _describe(op: Op) -> str:
    shapes = ", ".join(str(v.type) for v in op.inputs)
    return f"{op.prim} of {shapes}" if shapes else op.prim


def _infer(op: Op, producers: dict | None) -> None:
    if op.prim == "const":
        op.output.type = type_of(op.params["value"])
    elif op.prim == NOT_ARRAY:  # unknown until a staged call is expanded: None
        if isinstance(op.inputs[0].type, ArrayType) and op.inputs[0].type.ndim:
            raise UnsupportedSyntaxError(op.params["message"], op.loc, op.params["hint"])
    elif (cond := as_cond(op)) is not None:
        for branch in cond.branches:
            infer_region(branch, producers)
        for k, out in enumerate(cond.outputs):
            types = [branch.results[k].type for branch in cond.branches]
            # unknown (a staged call's result) while either branch's is, not None
            out.type = None if None in types else join(*types)
    elif (loop := as_loop(op)) is not None:
        _infer_loop(loop, producers)
    elif op.prim == "apply" or any(v.type is None for v in op.inputs):
        # A staged call (`grad(g)(x)` inside a compiled function) is typed when it is
        # expanded (`transforms.inline`); until then, so is everything computed from it.
        for out in op.outputs:
            out.type = None
    elif op.prim == "push":  # pushes come before the pops of their tape
        tape, value = op.inputs
        tape.type = TapeType(join(tape.type.element if tape.type else None, value.type))
    elif op.prim == "pop":
        element = op.inputs[0].type.element if op.inputs[0].type else None
        op.output.type = element or op.output.type
    else:
        prim = PRIMITIVES[op.prim]
        if deferred_count(op.params):
            if producers is None:  # the frontend building it: typed with the function
                op.output.type = None
                return
            _resolve_deferred(op, producers)
        types = [v.type for v in op.inputs]
        if not prim.on_lists and not all(isinstance(t, ArrayType) for t in types):
            raise ShapeMismatch(f"{op.prim} works on numbers and arrays")
        if prim.normalize is not None:
            op.params = prim.normalize(types, op.params)
        op.output.type = prim.abstract(*types, **op.params)


# What a deferred int parameter may be computed with, besides constants and type facts.
_INT_ARITHMETIC = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                   "floordiv": operator.floordiv, "mod": operator.mod, "neg": operator.neg,
                   "maximum": max, "minimum": min, "int": int}


def _resolve_deferred(op: Op, producers: dict) -> None:
    count = deferred_count(op.params)
    extra = op.inputs[len(op.inputs) - count:]

    def value_of(marker: Deferred):
        operand = extra[marker.position]
        if marker.fact is not None and operand.type.weak:
            raise ShapeMismatch(f"a Python number has no {marker.fact}, unlike an array")
        if marker.fact == "dtype":
            return operand.type.dtype
        if marker.fact == "shape":
            return operand.type.shape
        known = _known_int(operand, producers)
        if known is None:
            raise UnsupportedSyntaxError(
                f"{marker.what} must be known while compiling, from constants and the "
                "shapes of arrays, but this one is computed from the data when the "
                "function runs", marker.loc or op.loc, marker.hint or
                "compute it from constants, len(x), x.shape[k] or x.size; to read one "
                "element at a position computed at run time, write x[i], and a slice of "
                "a fixed length, x[i:i + 3]")
        return known

    op.params = resolve_deferred(op.params, value_of)
    op.inputs = op.inputs[:len(op.inputs) - count]


def _known_int(value, producers: dict):
    """The int `value` is in every run, from the types of what it is computed from, or
    None if it depends on data."""
    op = producers.get(value)
    if op is None:
        return None
    if op.prim == "const":
        known = op.params["value"]
        return known if isinstance(known, int) and not isinstance(known, bool) else None
    if op.prim in TYPE_FACTS:
        return TYPE_FACTS[op.prim](*(v.type for v in op.inputs), **op.params)
    if op.prim in _INT_ARITHMETIC:
        operands = [_known_int(v, producers) for v in op.inputs]
        if None in operands:
            return None
        try:
            return _INT_ARITHMETIC[op.prim](*operands)
        except ZeroDivisionError:
            raise ShapeMismatch("a division by zero while computing a shape") from None
    return None


def _infer_loop(loop: Loop, producers: dict | None) -> None:
    carried = [v.type for v in loop.inits]
    if isinstance(loop, RangeLoop):
        loop.index.type = join(join(loop.start.type, loop.stop.type), loop.step.type)
    while True:
        for region in loop.regions:
            for param, t in zip(loop.carried_params(region), carried):
                param.type = t
            infer_region(region, producers)
        widened = [join(t, r.type) for t, r in zip(carried, loop.next_values)]
        if widened == carried:
            break
        carried = widened
    for out, t in zip(loop.outputs, carried):
        out.type = t
