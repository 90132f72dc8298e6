"""Common-subexpression elimination: an op computed twice is computed once.

Two pure ops are the same when they apply the same primitive, with the same params, to
the same inputs (in either order, for + and *). A region sees the expressions of the
regions around it, so a value computed before a branch is reused inside it, never the
other way round.

A new array of zeros (ones, a fill, a range) that an index update writes into is not
merged with another: each would then be a copy of the one made (``w = z.copy()``), which
costs what making it costs, and reads as if the user's two arrays were one. So a new list
(empty, or of zeros) made twice stays two lists: each is appended to, or written into,
in place.
"""

from __future__ import annotations

import numpy as np

from ..ir.nodes import Function, Region, Value, substitute, walk_ops
from ..ir.primitives import PRIMITIVES

# The primitives that make an array from its shape (and a fill) alone.
_MAKERS = frozenset({"zeros", "ones", "full", "zeros_like", "ones_like", "full_like", "eye",
                     "arange", "linspace"})
_NEW_LISTS = ("list_new", "list_zeros_like")  # (whether or not written into: lists are)


def cse(fn: Function) -> bool:
    replacements: dict[Value, Value] = {}
    order: dict[Value, int] = {}
    written = {op.inputs[0] for op in walk_ops(fn.body) if op.prim == "index_update"}
    _region(fn.body, {}, replacements, order, written)
    if replacements:
        substitute(fn.body, replacements)
    return bool(replacements)


def _key(op, order: dict):
    if op.prim == "const":
        value = op.params["value"]
        if isinstance(value, np.ndarray):
            return ("const", id(value))
        return ("const", type(value).__name__, repr(value))
    ids = [order.setdefault(v, len(order)) for v in op.inputs]
    if PRIMITIVES[op.prim].commutative:
        ids.sort()
    params = tuple(sorted((k, repr(v)) for k, v in op.params.items()))
    return (op.prim, tuple(ids), params)


def _region(region: Region, seen: dict, replacements: dict, order: dict,
            written: set) -> None:
    seen = dict(seen)
    kept = []
    for op in region.ops:
        op.inputs = [replacements.get(v, v) for v in op.inputs]
        for inner in op.regions:
            _region(inner, seen, replacements, order, written)
        if op.regions or op.prim in _NEW_LISTS or \
                not (op.prim == "const" or PRIMITIVES[op.prim].pure) or \
                (op.prim in _MAKERS and op.output in written):
            kept.append(op)
            continue
        key = _key(op, order)
        earlier = seen.get(key)
        if earlier is None or earlier.type != op.output.type:
            seen[key] = op.output
            kept.append(op)
            continue
        replacements[op.output] = earlier
        if earlier.hint is None or (op.output.strong_name and not earlier.strong_name):
            earlier.hint, earlier.strong_name = op.output.hint, op.output.strong_name
    region.ops = kept
    region.results = [replacements.get(v, v) for v in region.results]
