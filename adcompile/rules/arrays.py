"""Rules for reductions, shape operations, the matrix product, and the casts between
Python and NumPy scalars.

The shape operations are linear, and each one's reverse is another: ``broadcast_to`` and
``sum_to`` are each other's adjoints, ``sum`` is undone by a reshape back to the kept
axes and a broadcast, ``reshape`` by a reshape, ``transpose`` by the inverse permutation.
The matrix product is bilinear; its reverse treats a vector operand as a one-row (or
one-column) matrix, so one rule covers vectors, matrices and stacks of them.
"""

from __future__ import annotations

from ..ir.primitives import Slice
from .registry import cauchy_product, defrule


def _reshape(b, value, shape):
    if value.type.shape == tuple(shape):
        return value
    return b.call("reshape", value, shape=tuple(shape))


def _sum_to(b, value, shape):
    if value.type.shape == tuple(shape):
        return value
    return b.call("sum_to", value, shape=tuple(shape))


def _same_op(prim: str):
    """The jvp of a linear op of one operand: the op itself, applied to the tangent."""
    return lambda b, p, t, out, **params: None if t[0] is None else \
        b.call(prim, t[0], **params)


def _sum_vjp(b, p, out, g, axis, keepdims):
    x = p[0]
    kept = tuple(1 if i in axis else n for i, n in enumerate(x.type.shape))
    # A scalar (a seed of 1.0) broadcasts as it is; an array needs its axes back.
    spread = b.call("broadcast_to", g if g.type.shape == () else _reshape(b, g, kept),
                    shape=x.type.shape)
    return [b.unbroadcast(spread, x)]


defrule("sum", linear=True, jvp=_same_op("sum"), vjp=_sum_vjp)

defrule("broadcast_to", linear=True,
        jvp=_same_op("broadcast_to"),
        vjp=lambda b, p, out, g, shape: [b.unbroadcast(g, p[0])])

defrule("sum_to", linear=True,
        jvp=_same_op("sum_to"),
        vjp=lambda b, p, out, g, shape: [b.call("broadcast_to", g, shape=p[0].type.shape)])

defrule("reshape", linear=True,
        jvp=_same_op("reshape"),
        vjp=lambda b, p, out, g, shape: [
            b.unbroadcast(_reshape(b, g, p[0].type.shape), p[0])])


def _inverse(axes):
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return tuple(inverse)


defrule("as_numpy", linear=True,
        jvp=_same_op("as_numpy"),
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0])])
defrule("as_python", linear=True,
        jvp=_same_op("as_python"),
        vjp=lambda b, p, out, g: [g])

defrule("transpose", linear=True,
        jvp=_same_op("transpose"),
        vjp=lambda b, p, out, g, axes: [b.call("transpose", g, axes=_inverse(axes))])


def _matmul(b, x, y):
    return None if x is None or y is None else b.call("matmul", x, y)


def _swap_last(b, value):
    n = len(value.type.shape)
    return b.call("transpose", value, axes=(*range(n - 2), n - 1, n - 2))


def _column(b, v):
    """A vector as a column, ``v[:, None]``, which broadcasts into an outer product."""
    return b.call("index", v, index=(Slice(), None))


def _vector_matmul_vjp(b, a, c, g):
    """The cotangents of a product with a vector operand, written as people write them:
    ``g @ A`` and ``g[:, None] * c`` for ``A @ c``, ``c @ g`` and ``a[:, None] * g`` for
    ``a @ C``, ``g * c`` and ``g * a`` for two vectors."""
    if a.type.ndim == 1 and c.type.ndim == 1:
        return [b.mul(g, c), b.mul(g, a)]
    if c.type.ndim == 1:
        return [b.mul(_column(b, g), c), b.call("matmul", g, a)]
    return [b.call("matmul", c, g), b.mul(_column(b, a), g)]


def _matmul_vjp(b, p, out, g):
    """As matrices: d(A @ B) = dA @ B + A @ dB, so gA = g @ B^T and gB = A^T @ g, each
    summed over the batch axes its operand was broadcast along."""
    a, c = p
    if min(a.type.ndim, c.type.ndim) == 1 and max(a.type.ndim, c.type.ndim) <= 2:
        return _vector_matmul_vjp(b, a, c, g)
    a2 = _reshape(b, a, (1,) + a.type.shape) if len(a.type.shape) == 1 else a
    c2 = _reshape(b, c, c.type.shape + (1,)) if len(c.type.shape) == 1 else c
    rows = a2.type.shape[-2:-1]
    columns = c2.type.shape[-1:]
    batch = out.type.shape[:len(out.type.shape) - (len(a.type.shape) > 1) -
                            (len(c.type.shape) > 1)]
    g2 = _reshape(b, g, batch + rows + columns)
    ga = _sum_to(b, b.call("matmul", g2, _swap_last(b, c2)), a2.type.shape)
    gc = _sum_to(b, b.call("matmul", _swap_last(b, a2), g2), c2.type.shape)
    return [_reshape(b, ga, a.type.shape), _reshape(b, gc, c.type.shape)]


defrule("matmul", taylor=cauchy_product("matmul"),
        jvp=lambda b, p, t, out: b.add(_matmul(b, t[0], p[1]), _matmul(b, p[0], t[1])),
        vjp=_matmul_vjp)
