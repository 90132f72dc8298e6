"""Expanding staged calls: an ``apply`` op (``grad(g)(x)`` inside a compiled function)
is replaced by the body of the IR built for its callee and argument types.

The callee in the op's params is opaque here: whoever runs the pipeline passes `build`,
which makes the callee's IR; nothing in the IR calls back into the API."""

from __future__ import annotations

from typing import Callable

from ..ir.clone import clone_region
from ..ir.nodes import Function, Region, Value, substitute


def inline_applies(fn: Function, build: Callable[[object, list], Function]) -> bool:
    """Expand, in place, every ``apply`` whose inputs are typed; `build(callee,
    argument_types)` gives the IR to put in its place. Whether any was expanded."""
    replacements: dict[Value, Value] = {}
    changed = _region(fn.body, replacements, build)
    substitute(fn.body, replacements)
    return changed


def _region(region: Region, replacements: dict, build) -> bool:
    changed = False
    ops = []
    for op in region.ops:
        op.inputs = [replacements.get(v, v) for v in op.inputs]
        for inner in op.regions:
            changed |= _region(inner, replacements, build)
        if op.prim != "apply" or any(v.type is None for v in op.inputs):
            ops.append(op)
            continue
        callee_ir = build(op.params["callee"], [v.type for v in op.inputs])
        vmap = dict(zip(callee_ir.params, op.inputs))
        body = clone_region(Region(params=[], ops=callee_ir.body.ops,
                                   results=callee_ir.body.results), vmap)
        ops.extend(body.ops)
        for out, result in zip(op.outputs, body.results):
            replacements[out] = result
            if result.hint is None:
                result.hint = out.hint
        changed = True
    region.ops = ops
    region.results = [replacements.get(v, v) for v in region.results]
    return changed
