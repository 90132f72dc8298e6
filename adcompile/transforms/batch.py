"""Batching (vectorizing): IR of f -> IR computing f on a batch of values of some of its
parameters at once, the batch along a new leading axis.

Each op whose operands carry no batch is copied; one whose operands do is computed by the
batching rule of its primitive (`adcompile.rules.batching`) on the whole batch. An ``if``
keeps its predicate, which must not vary across the batch; its branches are batched
alike. A loop carries a batch where its initial or its next value is one (a fixed point,
as in forward mode); its bounds and exit must not vary. A tape that receives a batch
holds batches, and its pops give batches. A list carries a batch in each element (its
length is one for the whole batch). What varies where it must not, or a primitive
without a batching rule, raises
`BatchUnsupported`, and the caller computes the batch one member at a time instead.

This is how a Jacobian or a Hessian of arrays is one program: the tangent program batched
over its tangent parameters, seeded with every basis direction at once.
"""

from __future__ import annotations

from ..ir.infer import infer_op
from ..ir.nodes import Function, Op, Region, Value
from ..ir.structured import Cond, Loop, loop_region
from ..ir.types import ArrayType, ListType, NoneType
from ..rules import BATCH_RULES, DiffBuilder
from ..rules.registry import BatchUnsupported
from .visitor import OpVisitor


__all__ = ["BatchUnsupported", "batch", "batched_type"]


def batch(fn: Function, batched: list[int], size: int) -> Function:
    """`fn` computing on `size` values of each parameter at the positions `batched` at
    once (each such parameter gains a leading axis of length `size`); every result has
    that leading axis too."""
    return _Batch(size).run(fn, batched)


def batched_type(t: ArrayType | ListType, size: int) -> ArrayType | ListType:
    if isinstance(t, ListType):
        return ListType(None if t.element is None else batched_type(t.element, size))
    return ArrayType((size,) + t.shape, t.dtype)


class _Batch(OpVisitor):
    def __init__(self, size: int):
        self.size = size
        self.vmap: dict[Value, Value] = {}
        self.batched: set[Value] = set()  # values of the new function with the batch axis
        self.tapes: set[Value] = set()  # the new function's tapes of batches
        self.pushed_single: set[Value] = set()  # tapes that received a single value

    def run(self, fn: Function, positions: list[int]) -> Function:
        params = []
        for k, param in enumerate(fn.params):
            new = Value(param.hint, param.loc, param.type, param.strong_name)
            if k in positions:
                if not isinstance(param.type, ArrayType):
                    raise BatchUnsupported(f"a batch of {param.type}")
                new.type = batched_type(param.type, self.size)
                self.batched.add(new)
            self.vmap[param] = new
            params.append(new)
        body = Region(params=params)
        b = DiffBuilder(body, fn.loc)
        self.region(fn.body, b)
        body.results = [self._with_batch(b, self.vmap.get(r, r), r.type) for r in fn.results]
        return Function(fn.name, body, list(fn.param_names), dict(fn.defaults),
                        fn.returns_tuple, fn.loc)

    def _with_batch(self, b: DiffBuilder, value: Value, one: ArrayType) -> Value:
        """`value`, repeated along a batch axis if it has none (as a result of every
        member of the batch). A placeholder (a None that a branch or an iteration yields
        for a value it does not compute) stands for a batch as well as for one value."""
        if value in self.batched or isinstance(value.type, NoneType):
            return value
        if isinstance(one, ListType):
            out = b.call("list_broadcast", value, size=self.size)
            self.batched.add(out)
            return out
        if not isinstance(one, ArrayType):
            raise BatchUnsupported(f"a batch of {one}")
        out = b.call("broadcast_to", value, shape=(self.size,) + one.shape)
        self.batched.add(out)
        return out

    def primitive(self, op: Op, b: DiffBuilder) -> None:
        values = [self.vmap.get(v, v) for v in op.inputs]
        flags = [v in self.batched for v in values]
        b.loc = op.loc
        if op.prim == "push":
            self._push(op, values, b)
            return
        if not any(flags) or op.prim == "list_len":  # (one length for the whole batch)
            new = b.emit(op.prim, values, op.params, n_out=len(op.outputs), loc=op.loc)
            # a pop from a tape of batches gives a batch
            batched = op.prim == "pop" and values[0] in self.tapes
            for old, out in zip(op.outputs, new.outputs):
                self._bind(old, out, batched=batched)
            return
        rule = BATCH_RULES.get(op.prim)
        if rule is None:
            raise BatchUnsupported(f"no batching rule for {op.prim!r}")
        self._bind(op.output, rule(b, values, flags, op.output.type, **op.params),
                   batched=True)

    def _push(self, op: Op, values: list[Value], b: DiffBuilder) -> None:
        """A tape holds batches or single values: a batch pushed makes it a tape of
        batches, onto which later single values are pushed repeated along the batch."""
        tape, value = values
        if value in self.batched or tape in self.tapes:
            if tape in self.pushed_single:
                raise BatchUnsupported("a tape of both batches and single values")
            self.tapes.add(tape)
            value = self._with_batch(b, value, op.inputs[1].type)
        else:
            self.pushed_single.add(tape)
        b.emit("push", [tape, value], n_out=0, loc=op.loc)

    def _bind(self, old: Value, new: Value, batched: bool) -> None:
        new.hint, new.strong_name = old.hint, old.strong_name
        if new.type is None:
            new.type = old.type
        self.vmap[old] = new
        if batched:
            self.batched.add(new)

    def cond(self, cond: Cond, b: DiffBuilder) -> None:
        predicate = self.vmap.get(cond.predicate, cond.predicate)
        if predicate in self.batched:
            raise BatchUnsupported("an if whose condition varies across the batch")
        branches = []
        for branch in cond.branches:
            new = Region()
            with b.into(new):
                self.region(branch, b)
            new.results = [self.vmap.get(v, v) for v in branch.results]
            branches.append(new)
        for k, out in enumerate(cond.outputs):
            if any(new.results[k] in self.batched for new in branches):
                for new in branches:
                    with b.into(new):
                        new.results[k] = self._with_batch(b, new.results[k], out.type)
        new = Cond.build(b, predicate, *branches, loc=cond.op.loc)
        infer_op(new.op)
        for k, (old, out) in enumerate(zip(cond.outputs, new.outputs)):
            self._bind(old, out, batched=any(branch.results[k] in self.batched
                                             for branch in branches))

    def loop(self, loop: Loop, b: DiffBuilder) -> None:
        """A carried value is batched if its initial value is, or if its next value is
        once the batched ones are known: found, as forward mode finds which carry
        tangents, by transforming the body until the set stops growing. The bounds and
        the exit flag must not vary across the batch."""
        if any(self.vmap.get(v, v) in self.batched for v in loop.bounds):
            raise BatchUnsupported("a loop whose bounds vary across the batch")
        inits = [self.vmap.get(v, v) for v in loop.inits]
        carried = {k for k, v in enumerate(inits) if v in self.batched}
        while True:
            saved = (dict(self.vmap), set(self.batched), set(self.tapes),
                     set(self.pushed_single))
            regions = [self._loop_region(loop, region, b, carried) for region in loop.regions]
            body = regions[loop.regions.index(loop.body)]
            next_values = body.results[:len(inits)]
            produced = {k for k, v in enumerate(next_values) if v in self.batched}
            if produced <= carried:
                break
            self.vmap, self.batched, self.tapes, self.pushed_single = saved
            carried |= produced
        tests = [new.results for new, old in zip(regions, loop.regions) if old is not loop.body]
        if any(v in self.batched for v in [body.results[len(inits)], *sum(tests, [])]):
            raise BatchUnsupported("a loop whose exit varies across the batch")
        types = [p.type for p in loop.carried_params(loop.body)]
        inits = [self._with_batch(b, v, types[k]) if k in carried else v
                 for k, v in enumerate(inits)]
        new = loop.like(b, [self.vmap.get(v, v) for v in loop.bounds], inits, regions,
                        loc=loop.op.loc)
        infer_op(new.op)
        for k, (old, out) in enumerate(zip(loop.outputs, new.outputs)):
            self._bind(old, out, batched=k in carried)

    def _loop_region(self, loop: Loop, region: Region, b: DiffBuilder,
                     carried: set[int]) -> Region:
        """One region of `loop`, the carried values at the positions `carried` batched;
        the body yields them batched."""
        iteration = [self._fresh(p, batched=False) for p in loop.iteration_params(region)]
        old_params = loop.carried_params(region)
        params = [self._fresh(p, batched=k in carried) for k, p in enumerate(old_params)]
        new = loop_region(iteration, params)
        with b.into(new):
            self.region(region, b)
            results = [self.vmap.get(v, v) for v in region.results]
            if region is loop.body:
                results = [self._with_batch(b, v, old_params[k].type) if k in carried else v
                           for k, v in enumerate(results)]
            new.results = results
        return new

    def _fresh(self, old: Value, batched: bool) -> Value:
        new = Value(old.hint, old.loc, old.type, old.strong_name)
        if batched:
            new.type = batched_type(old.type, self.size)
            self.batched.add(new)
        self.vmap[old] = new
        return new
