"""Reverse mode (VJP): IR of f -> IR of a function computing f's value and its adjoints.

The result runs a forward sweep (a copy of f's ops) and then a reverse sweep that walks
the ops backwards, applying each primitive's VJP rule to the adjoint of its output and
summing into the adjoints of its inputs. Adjoints of values that are not active (ints,
flags, constants) are never made; a zero adjoint is ``None`` until a value is needed.

Structured ops:

- ``cond``: its adjoint is a second ``cond`` on the same predicate whose branches run
  the adjoints of the branches. The values the adjoint branch reads from its forward
  branch leave the forward ``cond`` as extra results (the other branch yields None).
- ``loop``: the forward sweep runs the loop, counts its trips, and pushes, at the end of
  each iteration, exactly the values that iteration's adjoint reads, each onto a tape
  (a stack) of its own. The reverse sweep is a ``range`` loop over the trip count whose
  body pops them back and runs the adjoint of the body. Values the body reads from outside
  the loop have their adjoints accumulated in carried values. The two loops carry the
  param ``sweep`` (``forward``, ``reverse``), which only drawings read.
- what is taped is only what changes from trip to trip. A value computed in the loop
  from values from before it only (``theta[0]``) moves before the loop, or, when it
  might raise and the loop might not run, is carried out of the loop (from a zero)
  and read after it; ``zeros_like(v)`` of a loop value is written from v's known type; a
  cheap op (arithmetic, an element at a constant index) on what is taped anyway is
  recomputed, and elements that together make up an array are read from the array,
  taped whole.

Reverse mode over a program that already has tapes (the reverse of a reverse through a
loop) gives each active tape an adjoint tape, through the tape ops' effect rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import NonDifferentiableError
from ..ir.infer import infer_op
from ..ir.nodes import (Function, Op, Region, Value, defined_in, free_values, substitute,
                        used_in, walk_ops)
from ..ir.primitives import PRIMITIVES
from ..ir.structured import Cond, Loop, RangeLoop, loop_region, structured, yield_body
from ..ir.types import INT, ArrayType
from ..rules import DiffBuilder, rule_for
from .activity import active_values
from .visitor import OpVisitor


def adjoint_hint(hint: str | None) -> str | None:
    return None if hint is None else "b" + hint


@dataclass
class _LoopPlan:
    adjoint_body: Region   # carried: [*carried adjoints, *accumulators]
    carried: list[int]     # positions of the active carried values
    free: list[Value]      # active values from outside the loop the body reads
    trips: Value           # how many iterations the forward sweep ran
    effects: bool          # the body pushes or pops an active tape: its adjoint must run


def reverse(fn: Function, wrt: list[int], *, with_value: bool,
            cotangent_params: bool) -> Function:
    """The reverse-mode derivative of `fn` with respect to the parameters `wrt`.

    The new function takes f's parameters, then (when `cotangent_params`) one cotangent
    per result of f; without them the single result is seeded with 1.0. It returns f's
    results (when `with_value`) followed by one adjoint per parameter in `wrt`.
    """
    return _Reverse(fn).run(wrt, with_value, cotangent_params)


class _Reverse(OpVisitor):
    """The forward sweep walks f as an OpVisitor (copying its ops); the adjoint_*
    methods build the reverse sweep."""

    def __init__(self, fn: Function):
        self.fn = fn
        self.vmap: dict[Value, Value] = {}
        self.forward_conds: dict[Op, Op] = {}
        self.loop_plans: dict[Op, _LoopPlan] = {}
        self.tapes_made = 0
        self.adjoint_tapes: dict[Value, Value] = {}

    def run(self, wrt: list[int], with_value: bool, cotangent_params: bool) -> Function:
        fn = self.fn
        body = Region(params=[self._map(p, Value(p.hint, p.loc, p.type, p.strong_name))
                              for p in fn.params])
        self.body = body
        self.active = active_values(fn, [fn.params[i] for i in wrt])
        b = DiffBuilder(body, fn.loc)
        self.region(fn.body, b)
        adj: dict[Value, Value] = {}
        if cotangent_params:
            for result in fn.results:
                ct = Value(adjoint_hint(result.hint) or "g", fn.loc, result.type)
                body.params.append(ct)
                self._accumulate(b, adj, result, ct)
        else:
            self._accumulate(b, adj, fn.results[0], _one_like(b, fn.results[0]))
        self.adjoint_region(fn.body, b, adj)
        grads = []
        for i in wrt:
            param = fn.params[i]
            grads.append(adj.get(param) or b.zeros(self.vmap[param]))
        body.results = ([self.vmap[r] for r in fn.results] if with_value else []) + grads
        names = list(fn.param_names) + ([p.hint for p in body.params[len(fn.params):]])
        return Function(fn.name, body, names, dict(fn.defaults), True, fn.loc)

    def _map(self, old: Value, new: Value) -> Value:
        self.vmap[old] = new
        return new

    # ---- forward sweep: the OpVisitor's region(), cond(), loop() and primitive() -----
    def primitive(self, op: Op, b: DiffBuilder) -> None:
        new = b.emit(op.prim, [self.vmap[v] for v in op.inputs], op.params,
                     n_out=len(op.outputs), loc=op.loc)
        for old, out in zip(op.outputs, new.outputs):
            out.hint, out.strong_name, out.type = old.hint, old.strong_name, old.type
            self.vmap[old] = out

    def _forward_subregion(self, region: Region, b: DiffBuilder, params: list[Value]) -> Region:
        new = Region(params=[self._copy(p) for p in params])
        with b.into(new):
            self.region(region, b)
        new.results = [self.vmap[v] for v in region.results]
        return new

    def _copy(self, old: Value) -> Value:
        return self._map(old, Value(old.hint, old.loc, old.type, old.strong_name))

    def cond(self, cond: Cond, b: DiffBuilder) -> None:
        branches = [self._forward_subregion(branch, b, []) for branch in cond.branches]
        new = Cond.build(b, self.vmap[cond.predicate], *branches, loc=cond.op.loc)
        self._copy_outputs(cond.op, new.op)
        self.forward_conds[cond.op] = new

    def _copy_outputs(self, old: Op, new: Op) -> None:
        for before, after in zip(old.outputs, new.outputs):
            after.hint, after.strong_name, after.type = before.hint, before.strong_name, before.type
            self.vmap[before] = after

    def loop(self, loop: Loop, b: DiffBuilder) -> None:
        op, body = loop.op, loop.body
        regions = [self._forward_subregion(r, b, r.params) for r in loop.regions]
        carried = [k for k, out in enumerate(loop.outputs) if out in self.active]
        free = sorted((v for v in free_values(body) if v in self.active and _float(v)),
                      key=_first_use_order(body))
        effects = self._has_active_tape_ops(op)
        if not carried and not free and not effects:
            new = self._copy_loop(loop, b, regions)
            self._copy_outputs(op, new.op)
            return

        zero = b.const(0)
        new = self._copy_loop(loop, b, regions)
        new.op.params.setdefault("sweep", "forward")  # an inner transform's sweep stays
        # Count the trips: one more carried value, after the user's.
        trip, trips = new.add_carried(zero, "trip", INT, op.loc)
        with b.into(new.body):
            new.set_next(len(loop.outputs), b.apply("add", trip, b.const(1)))
        trips.hint = "trips"

        adjoint_body, pushed = self._adjoint_loop_body(loop, b, new, carried, free)
        tapes = [self._new_tape(f"tape_{v.hint}" if v.hint else "tape") for v in pushed]
        with b.into(new.body):
            for value, tape in zip(pushed, tapes):
                b.emit("push", [tape, value], n_out=0)
        pops = []
        popped = {}
        for value, tape in reversed(list(zip(pushed, tapes))):
            out = Value(value.hint, value.loc, value.type, value.strong_name)
            pops.append(Op("pop", [tape], [out], {}, [], op.loc))
            popped[value] = out
        adjoint_body.ops[:0] = pops
        substitute(adjoint_body, popped)
        self._copy_outputs(op, new.op)
        self.loop_plans[op] = _LoopPlan(adjoint_body, carried, free, trips, effects)

    def _copy_loop(self, loop: Loop, b: DiffBuilder, regions: list[Region]) -> Loop:
        return loop.like(b, [self.vmap[v] for v in loop.bounds],
                         [self.vmap[v] for v in loop.inits], regions, loc=loop.op.loc)

    def _adjoint_loop_body(self, loop: Loop, b: DiffBuilder, forward: Loop,
                           carried: list[int], free: list[Value]):
        """The reverse sweep's body, and the forward body's values it reads (to tape)."""
        body, loc, forward_body = loop.body, loop.op.loc, forward.body
        index = Value("_", loc, INT)
        carried_cts = [Value(adjoint_hint(loop.outputs[k].hint), loc, loop.outputs[k].type)
                       for k in carried]
        accumulators = [Value(adjoint_hint(v.hint), loc, self.vmap[v].type) for v in free]
        region = loop_region([index], [*carried_cts, *accumulators])
        adj: dict[Value, Value] = dict(zip(free, accumulators))
        with b.into(region):
            for k, ct in zip(carried, carried_cts):
                self._accumulate(b, adj, loop.next_values[k], ct)
            self.adjoint_region(body, b, adj)
            params = loop.carried_params(body)
            results = [adj.get(params[k]) or b.zeros(self.vmap[params[k]]) for k in carried]
            results += [adj.get(v) or acc for v, acc in zip(free, accumulators)]
            exit_flag = b.const(False)
        yield_body(region, results, exit_flag)
        _rematerialize_constants(region, forward_body)
        _read_shapes_from_types(region, forward_body)
        left = _hoist_invariants(region, forward_body, b.region, forward.op,
                                 self._runs_at_least_once(forward, b))
        _carry_out(region, left, forward, b.region)
        pushed = _read_from(region, forward_body)
        if _recompute_cheap_values(region, forward_body, pushed):
            _rematerialize_constants(region, forward_body)
            pushed = _read_from(region, forward_body)
        return region, pushed

    @staticmethod
    def _runs_at_least_once(loop: Loop, b: DiffBuilder) -> bool:
        """Whether the loop surely runs its body once: a range of constant bounds that
        is not empty (its first trip runs every op at the top of the body)."""
        if not isinstance(loop, RangeLoop):
            return False
        bounds = [b.constant(v) for v in loop.bounds]
        return all(isinstance(k, int) for k in bounds) and bounds[2] != 0 and \
            len(range(*bounds)) > 0

    def _new_tape(self, hint: str) -> Value:
        """A tape (a stack), made at the start of the function."""
        tape_op = Op("tape_new", [], [Value(hint, self.fn.loc)], {}, [], self.fn.loc)
        infer_op(tape_op)
        self.body.ops.insert(self.tapes_made, tape_op)
        self.tapes_made += 1
        return tape_op.output

    # ---- reverse sweep --------------------------------------------------------------
    def adjoint_region(self, region: Region, b: DiffBuilder, adj: dict) -> None:
        for op in reversed(region.ops):
            view = structured(op)
            if isinstance(view, Cond):
                self.adjoint_cond(view, b, adj)
            elif view is not None:
                self.adjoint_loop(view, b, adj)
            elif op.prim in ("push", "pop"):
                if op.inputs[0] in self.active:
                    self.adjoint_effect(op, b, adj)
            elif op.prim == "tape_new":
                continue
            elif any(out in self.active for out in op.outputs):
                self.adjoint_primitive(op, b, adj)

    def adjoint_primitive(self, op: Op, b: DiffBuilder, adj: dict) -> None:
        g = adj.get(op.output)
        if g is None:
            return
        rule = rule_for(op.prim)
        if rule is None or rule.vjp is None:
            raise NonDifferentiableError(f"no reverse-mode rule for {op.prim!r}", op.loc)
        b.loc = op.loc
        with b.derivative_rule():
            cts = rule.vjp(b, [self.vmap[v] for v in op.inputs], self.vmap[op.output], g,
                           **op.params)
        for value, ct in zip(op.inputs, cts):
            if value in self.active and ct is not None:
                self._accumulate(b, adj, value, ct)

    def adjoint_effect(self, op: Op, b: DiffBuilder, adj: dict) -> None:
        rule = rule_for(op.prim)
        primals = [self.vmap[v] for v in op.inputs]
        b.loc = op.loc
        if op.prim == "pop":
            g = adj.get(op.output) or b.zeros(self.vmap[op.output])
            rule.effect_vjp(b, primals, op, self._adjoint_tape, g)
            return
        _, ct = rule.effect_vjp(b, primals, op, self._adjoint_tape)
        if op.inputs[1] in self.active:
            self._accumulate(b, adj, op.inputs[1], ct)

    def _adjoint_tape(self, tape: Value) -> Value:
        if tape not in self.adjoint_tapes:
            new = self._new_tape(adjoint_hint(tape.hint) or "btape")
            self.adjoint_tapes[tape] = new
        return self.adjoint_tapes[tape]

    def _has_active_tape_ops(self, op: Op) -> bool:
        """Whether a structured op pushes or pops an active tape: then its adjoint must run
        even when no adjoint reaches its results, to keep the adjoint tapes in step."""
        return any(inner.prim in ("push", "pop") and inner.inputs[0] in self.active
                   for region in op.regions for inner in walk_ops(region))

    def _accumulate(self, b: DiffBuilder, adj: dict, value: Value, ct: Value) -> None:
        total = b.add(adj.get(value), ct)
        if total.hint is None:
            total.hint = adjoint_hint(value.hint)
        adj[value] = total

    def adjoint_cond(self, cond: Cond, b: DiffBuilder, adj: dict) -> None:
        cts = [adj.get(out) for out in cond.outputs]
        if all(ct is None for ct in cts) and not self._has_active_tape_ops(cond.op):
            return
        free = sorted((v for branch in cond.branches for v in free_values(branch)
                       if v in self.active and _float(v)),
                      key=_first_use_order(*cond.branches))
        free = list(dict.fromkeys(free))
        regions, locals_ = [], []
        for branch in cond.branches:
            region = Region()
            local = {v: adj[v] for v in free if v in adj}
            with b.into(region):
                for out, ct, result in zip(cond.outputs, cts, branch.results):
                    if ct is not None and result in self.active:
                        self._accumulate(b, local, result, ct)
                self.adjoint_region(branch, b, local)
            regions.append(region)
            locals_.append(local)
        changed = [v for v in free if any(local.get(v) is not adj.get(v) for local in locals_)]
        for region, local in zip(regions, locals_):
            with b.into(region):
                region.results = [local.get(v) or b.zeros(self.vmap[v]) for v in changed]
        new = Cond.build(b, self.vmap[cond.predicate], *regions, loc=cond.op.loc)
        for v, out in zip(changed, new.outputs):
            out.hint = adjoint_hint(v.hint)
            adj[v] = out
        infer_op(new.op)
        self._export(self.forward_conds[cond.op], regions)

    def _export(self, forward: Cond, adjoint_branches: list[Region]) -> None:
        """Make the values the adjoint branches read from forward branches results."""
        for branch, adjoint in zip(forward.branches, adjoint_branches):
            _rematerialize_constants(adjoint, branch)
        mapping = {}
        reads = set().union(*(used_in(r) for r in adjoint_branches))
        for branch in forward.branches:
            inside = defined_in(branch)
            for value in _definition_order(branch):
                if value not in inside or value not in reads or value in mapping:
                    continue
                yields = []
                for other in forward.branches:
                    if other is branch:
                        yields.append(value)
                    else:
                        placeholder = Op("const", [], [Value(None, value.loc)],
                                         {"value": None}, [], value.loc)
                        infer_op(placeholder)
                        other.ops.append(placeholder)
                        yields.append(placeholder.output)
                out = Value(value.hint, value.loc, value.type, value.strong_name)
                forward.add_output(out, yields)
                mapping[value] = out
        for region in adjoint_branches:
            substitute(region, mapping)

    def adjoint_loop(self, loop: Loop, b: DiffBuilder, adj: dict) -> None:
        plan = self.loop_plans.get(loop.op)
        outputs = loop.outputs
        if plan is None or (not plan.effects and
                            all(adj.get(outputs[k]) is None for k in plan.carried)):
            return
        cts = [adj.get(outputs[k]) or b.zeros(self.vmap[outputs[k]]) for k in plan.carried]
        accumulators = [adj.get(v) or b.zeros(self.vmap[v]) for v in plan.free]
        start, step = b.const(0), b.const(1)
        new = RangeLoop.build(b, start, plan.trips, step, [*cts, *accumulators],
                              plan.adjoint_body, loc=loop.op.loc)
        new.op.params["sweep"] = "reverse"
        infer_op(new.op)
        adjoints = list(new.outputs)
        # The accumulators started from the adjoints before the loop, so they replace
        # them; then the initial carried values get their adjoints on top.
        for v, out in zip(plan.free, adjoints[len(plan.carried):]):
            out.hint = adjoint_hint(v.hint)
            adj[v] = out
        for k, out in zip(plan.carried, adjoints):
            init = loop.inits[k]
            out.hint = adjoint_hint(init.hint)
            if init in self.active:
                self._accumulate(b, adj, init, out)


_CHEAP = ("add", "sub", "mul", "div", "neg")
# Ops that give a value for any operands (a derivative rule's ops never raise either):
# they may move before a loop that might not run at all.
_NEVER_RAISE = ("const", "add", "sub", "mul", "neg")


def _read_from(reader: Region, source: Region) -> list[Value]:
    """The values `source` defines that `reader` reads, in definition order."""
    inside = defined_in(source)
    reads = used_in(reader)
    return [v for v in _definition_order(source) if v in inside and v in reads]


def _recompute_cheap_values(reader: Region, source: Region, pushed: list[Value]) -> bool:
    """Recompute in `reader`, instead of taping, a value of one cheap op (arithmetic, or
    an element read at a constant index) on values that are taped anyway, constants, or
    loop-invariant: `x * y` when y is taped and x comes from outside the loop. Elements
    of one array that together are as large as it are read from it, taped whole. Returns
    whether anything changed."""
    inside = defined_in(source)
    defs = {out: op for op in source.ops for out in op.outputs}
    taped = set(pushed) | _arrays_taped_whole(pushed, defs, inside)
    available = lambda v: v not in inside or v in taped or \
        (v in defs and defs[v].prim == "const")
    chosen = [defs[w] for w in pushed if w in defs and _cheap(defs[w]) and
              all(available(v) for v in defs[w].inputs)]
    if not chosen:
        return False
    copies: dict[Value, Value] = {}
    clones = []
    for op in chosen:
        out = Value(op.output.hint, op.output.loc, op.output.type, op.output.strong_name)
        clones.append(Op(op.prim, list(op.inputs), [out], dict(op.params), [], op.loc))
        copies[op.output] = out
    substitute(reader, copies)
    reader.ops[:0] = clones
    return True


def _cheap(op: Op) -> bool:
    return op.prim in _CHEAP or _static_index(op)


def _arrays_taped_whole(pushed: list[Value], defs: dict, inside: set) -> set[Value]:
    """The arrays of the loop whose elements read at constant indices are taped, each
    element on a tape of its own, and together are at least as large as the array."""
    parts: dict[Value, list[Value]] = {}
    for v in pushed:
        op = defs.get(v)
        if op is not None and _static_index(op) and op.inputs[0] in inside:
            parts.setdefault(op.inputs[0], []).append(v)
    return {array for array, elements in parts.items() if len(elements) > 1 and
            sum(e.type.size for e in elements) >= array.type.size}


def _static_index(op: Op) -> bool:
    """An ``x[i]`` whose index is known while compiling (and so checked against x's shape
    while compiling: it cannot fail at run time)."""
    return op.prim == "index" and len(op.inputs) == 1


def _hoist_invariants(reader: Region, body: Region, around: Region, loop_op: Op,
                      runs_at_least_once: bool) -> list[Value]:
    """Move the values `reader` reads from the loop `body` that are the same on every
    trip (computed only from values from before the loop), with what they are computed
    from, out of the loop to just before `loop_op` in `around`: computed once, and read
    by the reverse sweep from there instead of from a tape. An op that might raise moves
    only out of a loop that surely runs, so the program raises exactly where f does.
    Returns the values read that are the same on every trip but stay in the loop."""
    inside = defined_in(body)
    invariant: set[Value] = set()
    movable: set[Value] = set()
    candidates = []
    for op in body.ops:
        if op.regions or op.prim != "const" and not PRIMITIVES[op.prim].pure or \
                any(v in inside and v not in invariant for v in op.inputs):
            continue
        invariant.update(op.outputs)
        if (runs_at_least_once or op.derived or op.prim in _NEVER_RAISE or
                _static_index(op)) and all(v not in inside or v in movable for v in op.inputs):
            movable.update(op.outputs)
            candidates.append(op)
    reads = used_in(reader)
    wanted = reads & movable
    moving = []
    for op in reversed(candidates):
        if any(out in wanted for out in op.outputs):
            moving.append(op)
            wanted.update(op.inputs)
    moved = set(map(id, moving))
    body.ops = [op for op in body.ops if id(op) not in moved]
    at = next(k for k, op in enumerate(around.ops) if op is loop_op)
    around.ops[at:at] = reversed(moving)
    return [v for v in _definition_order(body) if v in invariant and v in reads]


def _carry_out(reader: Region, values: list[Value], loop: Loop, around: Region) -> None:
    """Make `values`, the same on every trip of `loop` but computed in it, outputs of the
    loop, and `reader` read them there: the last trip's value is every trip's value, so
    no tape is needed. Each is carried from a zero of its type (an op on it before the
    first trip, moved out of a loop after it, computes without raising); a value of
    another type stays, to be taped."""
    copies = {}
    at = next(k for k, op in enumerate(around.ops) if op is loop.op)
    for value in values:
        zero = _zero_of(value)
        if zero is None:
            continue
        around.ops.insert(at, zero)
        at += 1
        _, out = loop.add_carried(zero.output, value.hint, value.type, value.loc)
        loop.set_next(len(loop.outputs) - 1, value)
        out.hint, out.strong_name = value.hint, value.strong_name
        copies[value] = out
    substitute(reader, copies)


def _zero_of(value: Value) -> Op | None:
    """An op making a zero of `value`'s type, when it is a number or an array."""
    t = value.type
    if not isinstance(t, ArrayType):
        return None
    if t.weak:
        prim, params = "const", {"value": np.zeros((), t.dtype).item()}
    else:
        prim, params = "zeros", {"shape": t.shape, "dtype": t.dtype}
    op = Op(prim, [], [Value(None, value.loc)], params, [], value.loc)
    infer_op(op)
    return op if op.output.type == t else None


def _read_shapes_from_types(reader: Region, source: Region) -> None:
    """``zeros_like(x)`` reads only x's shape and dtype, which are known while compiling:
    write them out, so x is not taped for them."""
    inside = defined_in(source)
    for op in walk_ops(reader):
        if op.prim in ("zeros_like", "ones_like") and op.inputs[0] in inside and \
                op.output.type.is_array:
            op.prim = "zeros" if op.prim == "zeros_like" else "ones"
            op.inputs = []
            op.params = {"shape": op.output.type.shape, "dtype": op.output.type.dtype}
            infer_op(op)


def _float(value: Value) -> bool:
    return value.type is not None and value.type.is_float


def _rematerialize_constants(reader: Region, source: Region) -> None:
    """Copy into `reader` the constants it reads from `source`: a constant is cheaper to
    write again than to carry out of a branch or onto the tape."""
    constants = {op.output: op for op in walk_ops(source) if op.prim == "const"}
    copies = {}
    for value in _reads_in_order(reader):
        if value in constants and value not in copies:
            op = constants[value]
            copies[value] = Value(value.hint, value.loc, value.type)
            reader.ops.insert(0, Op("const", [], [copies[value]], dict(op.params), [], op.loc))
    substitute(reader, copies)


def _definition_order(region: Region) -> list[Value]:
    """The values a region defines, params first, then in program order."""
    order = list(region.params)
    for op in region.ops:
        order.extend(op.outputs)
    return order


def _reads_in_order(region: Region) -> list[Value]:
    """Every value the region reads, nested regions included, in program order."""
    found = []
    for op in region.ops:
        found.extend(op.inputs)
        for inner in op.regions:
            found.extend(_reads_in_order(inner))
    found.extend(region.results)
    return found


def _first_use_order(*regions: Region):
    """A sort key giving values in the order the regions first read them: deterministic."""
    order: dict[Value, int] = {}
    for region in regions:
        for value in _reads_in_order(region):
            order.setdefault(value, len(order))
    return lambda v: order.get(v, len(order))


def _one_like(b: DiffBuilder, value: Value) -> Value:
    """The seed of the reverse sweep: 1 in the result's precision (a float32 result
    seeded with a float64 one would make every gradient float64)."""
    t = value.type
    if t.weak or t.dtype == "float64":
        return b.const(1.0)
    return b.const(np.ones((), t.dtype)[()])
