"""Type inference: give every value a `Type`, from the types of the function's arguments.

Each primitive's abstract-evaluation rule (`adcompile.ir.primitives`) gives its result
type from its input types and parameters, on shapes and dtypes alone. Loops iterate to a
fixed point, because a carried value can change type in the body (``y = 0`` before a
loop whose body does ``y = y + t``). An operation whose operands do not fit raises
`ShapeError` at the user's line, naming the shapes.
"""

from __future__ import annotations

from ..errors import ShapeError
from .nodes import Function, Op, Region
from .primitives import PRIMITIVES
from .structured import Loop, RangeLoop, as_cond, as_loop
from .types import ArrayType, ShapeMismatch, TapeType, join, type_of


def infer_function(fn: Function, arg_types: list) -> None:
    """Set the type of every value in `fn`, in place."""
    for value, t in zip(fn.params, arg_types):
        value.type = t
    infer_region(fn.body)


def infer_region(region: Region) -> None:
    for op in region.ops:
        infer_op(op)


def infer_op(op: Op) -> None:
    try:
        _infer(op)
    except ShapeMismatch as exc:
        raise ShapeError(f"{_describe(op)}: {exc}", op.loc) from None


def _describe(op: Op) -> str:
    shapes = ", ".join(str(v.type) for v in op.inputs)
    return f"{op.prim} of {shapes}" if shapes else op.prim


def _infer(op: Op) -> None:
    if op.prim == "const":
        op.output.type = type_of(op.params["value"])
    elif (cond := as_cond(op)) is not None:
        for branch in cond.branches:
            infer_region(branch)
        for k, out in enumerate(cond.outputs):
            types = [branch.results[k].type for branch in cond.branches]
            # unknown (a staged call's result) while either branch's is, not None
            out.type = None if None in types else join(*types)
    elif (loop := as_loop(op)) is not None:
        _infer_loop(loop)
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
        types = [v.type for v in op.inputs]
        if not all(isinstance(t, ArrayType) for t in types):  # None, say
            raise ShapeMismatch(f"{op.prim} works on numbers and arrays")
        if prim.normalize is not None:
            op.params = prim.normalize(types, op.params)
        op.output.type = prim.abstract(*types, **op.params)


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
