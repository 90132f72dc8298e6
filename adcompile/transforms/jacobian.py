"""Whole Jacobians in one program: the derivative of every result of f along every basis
direction of the differentiated parameters, as one function of f's own parameters.

A scalar parameter's column is forward mode with its tangent seeded to one and the
others' left as symbolic zeros; the columns are unrolled side by side (one copy of the
tangent program per scalar), and common-subexpression elimination merges the primal
work they share. An array parameter's columns are forward mode batched over its tangent
(`adcompile.transforms.batch`), seeded with all its unit arrays at once (``basis``); the
batch axis of each result then moves to the end, giving blocks shaped
``result.shape + parameter.shape``. A Hessian is this applied to the gradient program.
"""

from __future__ import annotations

from ..ir.clone import clone_region, clone_value
from ..ir.nodes import Function, Region, Value
from ..ir.types import ArrayType
from ..passes import optimize
from ..rules import DiffBuilder
from .batch import batch
from .forward import forward


def jacobian_blocks(fn: Function, wrt: list[int]) -> Function:
    """A function of `fn`'s parameters whose results are the blocks of the Jacobian, result
    by result: entry ``i * len(wrt) + j`` is d(result i) / d(parameter wrt[j]).

    Raises `BatchUnsupported` when an array parameter's tangent program cannot be batched.
    """
    params = [clone_value(p) for p in fn.params]
    body = Region(params=params)
    b = DiffBuilder(body, fn.loc)
    columns = []
    for position in wrt:
        t = fn.params[position].type
        if t.shape == ():
            tangent = optimize(forward(fn, [position], seed_ones=True, with_value=False))
            columns.append(_inline(b, tangent, params))
            continue
        tangent = optimize(forward(fn, [position], seed_ones=False, with_value=False))
        batched = optimize(batch(tangent, [len(fn.params)], t.size))
        seed = b.apply("basis", shape=t.shape, dtype=t.dtype, hint=tangent.params[-1].hint)
        outs = _inline(b, batched, params + [seed])
        columns.append([_batch_axis_last(b, out, result.type, t.shape)
                        for out, result in zip(outs, fn.results)])
    body.results = [column[i] for i in range(len(fn.results)) for column in columns]
    return Function(fn.name, body, list(fn.param_names), dict(fn.defaults), True, fn.loc)


def _inline(b: DiffBuilder, fn: Function, args: list[Value]) -> list[Value]:
    """Emit `fn`'s body on `args`; its results."""
    vmap = dict(zip(fn.params, args))
    body = clone_region(Region(ops=fn.body.ops, results=fn.body.results), vmap)
    b.region.ops.extend(body.ops)
    return body.results


def _batch_axis_last(b: DiffBuilder, value: Value, one: ArrayType, shape: tuple) -> Value:
    """A batch over the unit arrays of `shape` (leading axis), as ``one.shape + shape``."""
    rank = len(one.shape)
    if rank:
        value = b.call("transpose", value, axes=tuple(range(1, rank + 1)) + (0,))
    return b.call("reshape", value, shape=one.shape + shape)
