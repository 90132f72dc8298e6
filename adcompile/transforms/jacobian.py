"""Whole Jacobians in one program: the derivative of every result of f along every basis
direction of the differentiated parameters, as one function of f's own parameters.

A scalar parameter's column is forward mode with its tangent seeded to one and the
others' left as symbolic zeros; the columns are unrolled side by side (one copy of the
tangent program per scalar), and common-subexpression elimination merges the primal
work they share. An array parameter's columns are forward mode batched over its tangent
(`adcompile.transforms.batch`), seeded with all its unit arrays at once (``basis``); the
batch axis of each result then moves to the end, giving blocks shaped
``result.shape + parameter.shape``. A Hessian is this applied to the gradient program.

A sparse Jacobian is compressed: when the pattern of the parameter's columns (found from
the IR, `adcompile.transforms.sparsity`) colours in at most a quarter as many colours as
there are columns, the batch holds one direction per colour (the sum of the unit arrays
of its columns) instead of one per element, and each block is then gathered from it at
its nonzeros, named constants of the generated code: the block's ``rows`` and
``columns``, and the ``column_colours``, which pick the direction holding each entry. A
block without nonzeros is zeros, computed from nothing. A tridiagonal n x n Hessian
costs 3 directions, not n.
"""

from __future__ import annotations

import numpy as np

from ..ir.clone import clone_region, clone_value
from ..ir.nodes import Function, Region, Value
from ..ir.primitives import OPERAND
from ..ir.types import ArrayType
from ..passes import optimize
from ..rules import DiffBuilder
from .batch import batch
from .forward import forward
from .sparsity import colour_columns, jacobian_pattern

# Compress only where it pays: a quarter of the directions at most.
COMPRESSION = 4


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
        hint = tangent.params[-1].hint
        patterns = jacobian_pattern(fn, position)
        colours = None if patterns is None else \
            colour_columns(np.concatenate(patterns), t.size // COMPRESSION)
        if colours is None:
            batched = optimize(batch(tangent, [len(fn.params)], t.size))
            seed = b.apply("basis", shape=t.shape, dtype=t.dtype, hint=hint)
            outs = _inline(b, batched, params + [seed])
            columns.append([_batch_axis_last(b, out, result.type, t.shape)
                            for out, result in zip(outs, fn.results)])
            continue
        if not any(pattern.any() for pattern in patterns):
            columns.append([b.call("zeros", shape=result.type.shape + t.shape,
                                   dtype=derivative.type.dtype)
                            for result, derivative in zip(fn.results, tangent.results)])
            continue
        count = int(colours.max()) + 1
        batched = optimize(batch(tangent, [len(fn.params)], count))
        seeds = b.const(_seeds(colours, count, t), hint=hint)
        outs = _inline(b, batched, params + [seeds])
        columns.append([_decompressed(b, out, result.type, t.shape, pattern, colours)
                        for out, result, pattern in zip(outs, fn.results, patterns)])
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


def _seeds(colours: np.ndarray, count: int, t: ArrayType) -> np.ndarray:
    """One direction per colour, the sum of the unit arrays of its columns, stacked:
    shaped ``(count,) + t.shape``."""
    seeds = np.zeros((count, t.size), dtype=t.dtype)
    seeds[colours, np.arange(t.size)] = 1
    return seeds.reshape((count,) + t.shape)


def _decompressed(b: DiffBuilder, products: Value, one: ArrayType, shape: tuple,
                  pattern: np.ndarray, colours: np.ndarray) -> Value:
    """The block ``one.shape + shape`` of the Jacobian from the `products` of its rows
    with the directions of the colours (leading axis): the nonzero of `pattern` at each
    of its ``rows`` and ``columns`` is that row's entry in the direction of its
    ``column_colours``. The nonzeros go diagonal by diagonal, so that a banded block's
    rows and columns are a few runs of ints, short to write."""
    size = pattern.shape[1]
    block_type = products.type.dtype
    rows, columns = np.nonzero(pattern)
    if not rows.size:
        return b.call("zeros", shape=one.shape + shape, dtype=block_type)
    order = np.lexsort((rows, columns - rows))
    rows, columns = rows[order], columns[order]
    if products.type.ndim != 2:
        products = b.call("reshape", products, shape=(products.type.shape[0], one.size))
    column_colours = b.const(colours[columns], hint="column_colours")
    rows, columns = b.const(rows, hint="rows"), b.const(columns, hint="columns")
    picked = b.call("index", products, column_colours, rows, index=(OPERAND, OPERAND))
    block = b.call("zeros", shape=(one.size, size), dtype=block_type)
    block = b.call("index_update", block, picked, rows, columns, index=(OPERAND, OPERAND),
                   mode="set")
    return b.call("reshape", block, shape=one.shape + shape)
