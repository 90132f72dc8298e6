"""Copying IR: a function, or one op into another region, through a map of values."""

from __future__ import annotations

from .nodes import Function, Op, Region, Value


def clone_value(value: Value) -> Value:
    return Value(value.hint, value.loc, value.type, value.strong_name)


def clone_region(region: Region, vmap: dict[Value, Value]) -> Region:
    """A copy of `region`; `vmap` maps old values to new and is extended as it goes."""
    new = Region(params=[])
    for param in region.params:
        vmap[param] = clone_value(param)
        new.params.append(vmap[param])
    for op in region.ops:
        new.ops.append(clone_op(op, vmap))
    new.results = [vmap.get(v, v) for v in region.results]
    return new


def clone_op(op: Op, vmap: dict[Value, Value]) -> Op:
    inputs = [vmap.get(v, v) for v in op.inputs]
    regions = [clone_region(r, vmap) for r in op.regions]
    outputs = []
    for out in op.outputs:
        vmap[out] = clone_value(out)
        outputs.append(vmap[out])
    return Op(op.prim, inputs, outputs, dict(op.params), regions, op.loc, op.derived)


def clone_function(fn: Function) -> Function:
    vmap: dict[Value, Value] = {}
    return Function(fn.name, clone_region(fn.body, vmap), list(fn.param_names),
                    dict(fn.defaults), fn.returns_tuple, fn.loc, fn.result_nesting)
