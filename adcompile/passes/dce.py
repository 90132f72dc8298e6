"""Dead-code elimination: remove what no result needs.

Liveness is marked backwards from the function's results. A ``cond`` keeps only the
results someone reads; a ``loop`` keeps only the carried values that feed a live value
or the exit test (a fixed point, since a carried value can feed another). A tape's
pushes and pops live or die together: a tape is live when some pop of it feeds a live
value.
"""

from __future__ import annotations

from ..ir.nodes import (Function, Op, Region, Value, loop_body, loop_carried_params,
                        walk_ops)


def dce(fn: Function) -> bool:
    live: set[Value] = set(fn.results)
    live_tapes: set[Value] = set()
    while True:
        before = (len(live), len(live_tapes))
        _mark(fn.body, live, live_tapes)
        if (len(live), len(live_tapes)) == before:
            break
    return _sweep(fn.body, live, live_tapes)


def _mark(region: Region, live: set, live_tapes: set) -> None:
    live.update(region.results)
    for op in reversed(region.ops):
        if op.prim == "push":
            if op.inputs[0] in live_tapes:
                live.update(op.inputs)
        elif op.prim == "pop":
            if op.output in live:
                live_tapes.add(op.inputs[0])
                live.update(op.inputs)
        elif op.prim == "cond":
            if any(out in live for out in op.outputs) or _has_effects(op):
                needed = [out in live for out in op.outputs]
                for branch in op.regions:
                    _mark_inner(branch, live, live_tapes, needed)
                live.add(op.inputs[0])
        elif op.prim == "loop":
            _mark_loop(op, live, live_tapes)
        elif any(out in live for out in op.outputs):
            live.update(op.inputs)


def _mark_inner(region: Region, live: set, live_tapes: set, needed: list[bool]) -> None:
    """Mark a nested region of which only the `needed` results are read."""
    saved = list(region.results)
    region.results = [r for r, flag in zip(region.results, needed) if flag]
    _mark(region, live, live_tapes)
    region.results = saved


def _live_carried(op: Op, live: set) -> set[int]:
    slots = {k for k, out in enumerate(op.outputs) if out in live}
    params = loop_carried_params(op)
    slots |= {k for k, p in enumerate(params) if p in live}
    if op.params["kind"] == "while":
        slots |= {k for k, p in enumerate(op.regions[0].params) if p in live}
    return slots


def _mark_loop(op: Op, live: set, live_tapes: set) -> None:
    body = loop_body(op)
    slots = _live_carried(op, live)
    if not slots and not _has_effects(op):
        return
    while True:
        needed = [k in slots for k in range(len(op.outputs))] + [True]  # the exit flag
        _mark_inner(body, live, live_tapes, needed)
        if op.params["kind"] == "while":
            _mark(op.regions[0], live, live_tapes)
        widened = _live_carried(op, live) | slots
        if widened == slots:
            break
        slots = widened
    if op.params["kind"] == "range":
        live.update(op.inputs[:3])
    inits = op.inputs[3:] if op.params["kind"] == "range" else op.inputs
    live.update(inits[k] for k in slots)
    live.update(op.outputs[k] for k in slots)


def _has_effects(op: Op) -> bool:
    return any(inner.prim in ("push", "pop") for region in op.regions
               for inner in walk_ops(region))


def _sweep(region: Region, live: set, live_tapes: set) -> bool:
    changed = False
    kept = []
    for op in region.ops:
        if op.prim in ("push", "pop"):
            if op.inputs[0] in live_tapes:
                kept.append(op)
            else:
                changed = True
            continue
        if op.prim == "cond":
            keep = [k for k, out in enumerate(op.outputs) if out in live]
            if len(keep) != len(op.outputs):
                changed = True
                op.outputs = [op.outputs[k] for k in keep]
                for inner in op.regions:
                    inner.results = [inner.results[k] for k in keep]
            for inner in op.regions:
                changed |= _sweep(inner, live, live_tapes)
            if op.outputs or _has_effects(op):
                kept.append(op)
            else:
                changed = True
            continue
        if op.prim == "loop":
            changed |= _sweep_loop(op, live, live_tapes)
            if op.outputs or _has_effects(op):
                kept.append(op)
            else:
                changed = True
            continue
        if op.prim == "tape_new":
            if op.output in live_tapes:
                kept.append(op)
            else:
                changed = True
            continue
        if any(out in live for out in op.outputs):
            kept.append(op)
        else:
            changed = True
    region.ops = kept
    return changed


def _sweep_loop(op: Op, live: set, live_tapes: set) -> bool:
    kind = op.params["kind"]
    body = loop_body(op)
    n = len(op.outputs)
    keep = [k for k in range(n) if op.outputs[k] in live]
    changed = len(keep) != n
    if changed:
        head = op.inputs[:3] if kind == "range" else []
        inits = op.inputs[3:] if kind == "range" else op.inputs
        op.inputs = head + [inits[k] for k in keep]
        op.outputs = [op.outputs[k] for k in keep]
        first = 1 if kind == "range" else 0
        body.params = body.params[:first] + [body.params[first + k] for k in keep]
        body.results = [body.results[k] for k in keep] + [body.results[-1]]
        if kind == "while":
            test = op.regions[0]
            test.params = [test.params[k] for k in keep]
    for inner in op.regions:
        changed |= _sweep(inner, live, live_tapes)
    return changed
