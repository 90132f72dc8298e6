"""Expanding staged calls: an ``apply`` op (``grad(g)(x)`` inside a compiled function)
is replaced by the body of the IR its callee builds for the argument types."""

from __future__ import annotations

from ..ir.clone import clone_region
from ..ir.nodes import Function, Region, Value, substitute


def inline_applies(fn: Function) -> bool:
    replacements: dict[Value, Value] = {}
    changed = _region(fn.body, replacements)
    substitute(fn.body, replacements)
    return changed


def _region(region: Region, replacements: dict) -> bool:
    changed = False
    ops = []
    for op in region.ops:
        op.inputs = [replacements.get(v, v) for v in op.inputs]
        for inner in op.regions:
            changed |= _region(inner, replacements)
        if op.prim != "apply":
            ops.append(op)
            continue
        callee_ir = op.params["callee"].build_ir([v.type for v in op.inputs])
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
