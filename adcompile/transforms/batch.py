"""Batching (vectorizing): IR of f -> IR computing f on a batch of values of some of its
parameters at once, the batch along a new leading axis.

Each op whose operands carry no batch is copied; one whose operands do is computed by the
batching rule of its primitive (`adcompile.rules.batching`) on the whole batch. An ``if``
keeps its predicate, which must not vary across the batch; its branches are batched
alike. A loop over batched values, a tape operation on them, or a primitive without a
batching rule raises
`BatchUnsupported`, and the caller computes the batch one member at a time instead.

This is how a Jacobian or a Hessian of arrays is one program: the tangent program batched
over its tangent parameters, seeded with every basis direction at once.
"""

from __future__ import annotations

from ..ir.infer import infer_op
from ..ir.clone import clone_op
from ..ir.nodes import Function, Op, Region, Value, free_values
from ..ir.structured import Cond, Loop
from ..ir.types import ArrayType
from ..rules import BATCH_RULES, DiffBuilder
from .visitor import OpVisitor


class BatchUnsupported(Exception):
    """The program has an operation this transform cannot batch (named in the message)."""


def batch(fn: Function, batched: list[int], size: int) -> Function:
    """`fn` computing on `size` values of each parameter at the positions `batched` at
    once (each such parameter gains a leading axis of length `size`); every result has
    that leading axis too."""
    return _Batch(size).run(fn, batched)


def batched_type(t: ArrayType, size: int) -> ArrayType:
    return ArrayType((size,) + t.shape, t.dtype)


class _Batch(OpVisitor):
    def __init__(self, size: int):
        self.size = size
        self.vmap: dict[Value, Value] = {}
        self.batched: set[Value] = set()  # values of the new function with the batch axis

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
        member of the batch)."""
        if value in self.batched:
            return value
        if not isinstance(one, ArrayType):
            raise BatchUnsupported(f"a batch of {one}")
        lined = value if one.weak or one.shape == () else \
            b.call("reshape", value, shape=(1,) + one.shape)
        out = b.call("broadcast_to", lined, shape=(self.size,) + one.shape)
        self.batched.add(out)
        return out

    def primitive(self, op: Op, b: DiffBuilder) -> None:
        values = [self.vmap.get(v, v) for v in op.inputs]
        flags = [v in self.batched for v in values]
        b.loc = op.loc
        if not any(flags):
            new = b.emit(op.prim, values, op.params, n_out=len(op.outputs), loc=op.loc)
            for old, out in zip(op.outputs, new.outputs):
                self._bind(old, out, batched=False)
            return
        rule = BATCH_RULES.get(op.prim)
        if rule is None:
            raise BatchUnsupported(f"no batching rule for {op.prim!r}")
        self._bind(op.output, rule(b, values, flags, op.output.type, **op.params),
                   batched=True)

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
            self._bind(old, out, batched=branches[0].results[k] in self.batched)

    def loop(self, loop: Loop, b: DiffBuilder) -> None:
        """A loop none of whose values varies across the batch is copied; others are not
        batched (their carried values would need a fixed point of batched-ness)."""
        reads = [self.vmap.get(v, v) for v in free_values(Region(ops=[loop.op]))]
        if any(v in self.batched for v in reads):
            raise BatchUnsupported("a loop over values that vary across the batch")
        b.region.ops.append(clone_op(loop.op, self.vmap))
