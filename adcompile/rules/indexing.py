"""Rules for indexing (``index``), index updates (``index_update``), ``copy``, and the
facts of a type (``dim``, ``ndim``, ``size``).

Both indexing primitives are linear: ``x[index]`` in x, and an update in the array and the
value together. The reverse of reading ``x[index]`` adds the cotangent at the index into
zeros shaped like x (an ``index_update`` in mode "add", which adds once per repeat of an
index, as ``np.add.at``); simplification then folds the sum of such an update and an
adjoint into one update of the adjoint, and codegen writes it in place
(``bx[i] += g``), so a loop that reads one element per iteration has a reverse sweep of
the same order of cost. The reverse of an update reads the cotangent at the index for the
value; for "set" the overwritten elements of the array get no cotangent. Where a "set"
index repeats, the value written last wins, and the value's cotangent counts every
repeat, as in JAX.

An index of only full slices and new axes is a reshape; its reverse is the reshape back.
A slice of run-time start and fixed length (a `Window`, ``x[i:i + 3]``) is an index entry
like the others, its start an operand: the reverse adds into the same window in place
(``bx[i:i + 3] += g``), so a loop of windows has a reverse sweep of the same order of cost.
Its start is an int checked against the axis (``check_window``), with no derivative.
"""

from __future__ import annotations

from ..ir.primitives import Slice
from .registry import defrule, defzero


def _index_jvp(b, p, t, out, index):
    return None if t[0] is None else b.call("index", t[0], *p[1:], index=index)


def _only_adds_axes(index: tuple, shape: tuple) -> bool:
    slices = [entry for entry in index if entry is not None]
    return all(isinstance(entry, Slice) and entry.is_full(size)
               for entry, size in zip(slices, shape))


def _index_vjp(b, p, out, g, index):
    x, operands = p[0], p[1:]
    if _only_adds_axes(index, x.type.shape):
        spread = b.call("reshape", g, shape=x.type.shape)
    else:
        spread = b.call("index_update", b.zeros(x), g, *operands, index=index, mode="add")
    return [spread] + [None] * len(operands)


defrule("index", linear=True, jvp=_index_jvp, vjp=_index_vjp)


def _update_jvp(b, p, t, out, index, mode):
    x, operands = p[0], p[2:]
    tx, tv = t[0], t[1]
    if tx is None and tv is None:
        return None
    if tv is None and mode == "add":
        return tx
    base = tx if tx is not None else b.zeros(x)
    value = tv if tv is not None else b.const(0.0)
    return b.call("index_update", base, value, *operands, index=index, mode=mode)


def _update_vjp(b, p, out, g, index, mode):
    v, operands = p[1], p[2:]
    gv = b.unbroadcast(b.call("index", g, *operands, index=index), v)
    gx = g if mode == "add" else \
        b.call("index_update", g, b.const(0.0), *operands, index=index, mode="set")
    return [gx, gv] + [None] * len(operands)


defrule("index_update", linear=True, jvp=_update_jvp, vjp=_update_vjp)

defrule("copy", linear=True,
        jvp=lambda b, p, t, out: None if t[0] is None else b.call("copy", t[0]),
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0])])

defzero("dim", "ndim", "size", "dtype_is", "check_window")
