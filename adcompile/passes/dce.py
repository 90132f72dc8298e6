"""Dead-code elimination: remove what no result needs.

Liveness is marked backwards from the function's results. A ``cond`` keeps only the
results someone reads; a ``loop`` keeps only the carried values that feed a live value
or the exit test (a fixed point, since a carried value can feed another). A tape's
pushes and pops live or die together: a tape is live when some pop of it feeds a live
value.
"""

from __future__ import annotations

from ..ir.nodes import Function, Op, Region, Value, walk_ops
from ..ir.structured import Cond, Loop, as_cond, as_loop, structured


def dce(fn: Function) -> bool:
    live, live_tapes = _liveness(fn, set(fn.results))
    return _sweep(fn.body, live, live_tapes)


def _liveness(fn: Function, roots: set[Value]) -> tuple[set[Value], set[Value]]:
    """The values and tapes something needs, from `roots` (a fixed point)."""
    live, live_tapes = roots, set()
    while True:
        before = (len(live), len(live_tapes))
        _mark(fn.body, live, live_tapes)
        if (len(live), len(live_tapes)) == before:
            return live, live_tapes


def drop_dead_carried(fn: Function) -> None:
    """Drop what loops carry that nothing reads, neither the loop nor what follows it,
    before typing: a loop variable not read after its loop (``for row in z:`` after
    ``for row in y:`` over rows of another length) would otherwise join two types. No
    op is removed."""
    while True:
        read = {v for op in walk_ops(fn.body)
                for v in [*op.inputs, *(r for region in op.regions for r in region.results)]}
        read.update(fn.results)
        dropped = False
        for op in list(walk_ops(fn.body)):
            loop = as_loop(op)
            if loop is None or _has_effects(op):
                continue
            keep = [k for k, out in enumerate(loop.outputs) if out in read or any(
                loop.carried_params(region)[k] in read for region in loop.regions)]
            if len(keep) != len(loop.outputs):
                loop.keep_carried(keep)
                dropped = True
        if not dropped:
            return


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
        elif (cond := as_cond(op)) is not None:
            if any(out in live for out in cond.outputs) or _has_effects(op):
                needed = [out in live for out in cond.outputs]
                for branch in cond.branches:
                    _mark_inner(branch, live, live_tapes, needed)
                live.add(cond.predicate)
        elif (loop := as_loop(op)) is not None:
            _mark_loop(loop, live, live_tapes)
        elif any(out in live for out in op.outputs):
            live.update(op.inputs)


def _mark_inner(region: Region, live: set, live_tapes: set, needed: list[bool]) -> None:
    """Mark a nested region of which only the `needed` results are read."""
    saved = list(region.results)
    region.results = [r for r, flag in zip(region.results, needed) if flag]
    _mark(region, live, live_tapes)
    region.results = saved


def _live_carried(loop: Loop, live: set) -> set[int]:
    slots = {k for k, out in enumerate(loop.outputs) if out in live}
    for region in loop.regions:
        slots |= {k for k, p in enumerate(loop.carried_params(region)) if p in live}
    return slots


def _mark_loop(loop: Loop, live: set, live_tapes: set) -> None:
    slots = _live_carried(loop, live)
    if not slots and not _has_effects(loop.op):
        return
    while True:
        needed = [k in slots for k in range(len(loop.outputs))] + [True]  # the exit flag
        for region in loop.regions:
            if region is loop.body:
                _mark_inner(region, live, live_tapes, needed)
            else:
                _mark(region, live, live_tapes)
        widened = _live_carried(loop, live) | slots
        if widened == slots:
            break
        slots = widened
    live.update(loop.bounds)
    live.update(loop.inits[k] for k in slots)
    live.update(loop.outputs[k] for k in slots)


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
        view = structured(op)
        if view is not None:
            keep = [k for k, out in enumerate(op.outputs) if out in live]
            if len(keep) != len(op.outputs):
                changed = True
                if isinstance(view, Cond):
                    view.keep_outputs(keep)
                else:
                    view.keep_carried(keep)
            for inner in op.regions:
                changed |= _sweep(inner, live, live_tapes)
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
