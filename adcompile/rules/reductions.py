"""Rules for the reductions other than sum: mean, prod, max, min, var, std, cumsum,
cumprod, diff, norm and trace.

Most of them are written with "weights": the jvp is ``sum(t * w)`` over the reduced axes
and the vjp ``g * w``, `g` given back its reduced axes, where `w` has the input's shape.

- max and min (and the norms built on them: orders inf and -inf, matrix orders 1, -1,
  inf, -inf) share the derivative equally among tied extrema, as JAX does: `w` is
  1/(number of ties) where the input attains the extremum, 0 elsewhere.
- prod never divides by the input, so a zero among the factors gives the exact
  derivative: each element's weight is the product of the others, the products along
  the rows of an n x n array holding the input in each row and 1 on the diagonal. That
  costs n^2 for a reduction over n elements, and differentiates again exactly.
- The 2-norm's derivative is x / |x| (nan at 0, as in JAX), var's 2 (x - mean) / (n - ddof).
- The adjoint of a running sum is the running sum from the end: the total, minus the
  running sum, plus the element.
- A running product, like prod, never divides: the derivative of out[i] by x[j] (j <= i)
  is the running product of the row that holds x with x[j] replaced by 1, so each
  derivative costs n^2 along an axis of n elements.
- diff's adjoint is the negated difference of the cotangent padded with a zero at each
  end (g[j-1] - g[j]), once per order.
- The adjoint of trace puts the cotangent on the diagonal: a product with an identity.
"""

from __future__ import annotations

import math

import numpy as np

from .arrays import _inverse, _reshape
from .registry import defrule


def _kept(b, value, x, axis, keepdims):
    """A reduction's result (or cotangent) with its reduced axes back as 1s, so that it
    broadcasts against the input `x` (a scalar broadcasts as it is)."""
    if value is None or keepdims or value.type.shape == ():
        return value
    return _reshape(b, value, tuple(1 if i in axis else n for i, n in enumerate(x.type.shape)))


def _count(x, axis) -> int:
    return int(np.prod([x.type.shape[a] for a in axis], dtype=np.int64))


def _weighted(weights):
    """The rules of a reduction whose derivative is ``sum(t * w)``, `w` = weights(b, x,
    out, **params) (None: a zero derivative)."""
    def jvp(b, p, t, out, **params):
        w = weights(b, p[0], out, **params)
        return None if t[0] is None or w is None else \
            b.call("sum", b.mul(t[0], w), axis=params["axis"], keepdims=params["keepdims"])

    def vjp(b, p, out, g, **params):
        w = weights(b, p[0], out, **params)
        return [b.mul(_kept(b, g, p[0], params["axis"], params["keepdims"]), w)]
    return jvp, vjp


def _share_of_ties(b, values, extremum, axis):
    """1/(number of ties) where `values` equals the `extremum` along `axis`, else 0."""
    hit = b.call("astype", b.call("eq", values, extremum), dtype=values.type.dtype)
    return b.div(hit, b.call("sum", hit, axis=axis, keepdims=True))


def _extremum_weights(b, x, out, axis, keepdims):
    return _share_of_ties(b, x, _kept(b, out, x, axis, keepdims), axis)


for _prim in ("max", "min"):
    _jvp, _vjp = _weighted(_extremum_weights)
    defrule(_prim, jvp=_jvp, vjp=_vjp, linear=True)  # piecewise linear: w is locally constant


def _mean_vjp(b, p, out, g, axis, keepdims):
    share = b.div(_kept(b, g, p[0], axis, keepdims), b.const(_count(p[0], axis)))
    return [b.call("broadcast_to", share, shape=p[0].type.shape)]


defrule("mean", linear=True, vjp=_mean_vjp,
        jvp=lambda b, p, t, out, **params: None if t[0] is None else
        b.call("mean", t[0], **params))


def _product_of_others(b, x, out, axis, keepdims):
    shape = x.type.shape
    rest = tuple(i for i in range(len(shape)) if i not in axis)
    order = rest + tuple(axis)
    moved = x if order == tuple(range(len(shape))) else b.call("transpose", x, axes=order)
    lead, n = tuple(shape[i] for i in rest), _count(x, axis)
    identity = np.eye(n, dtype=x.type.dtype)
    rows = b.mul(_reshape(b, moved, lead + (1, n)), b.const(1 - identity))
    others = b.call("prod", b.add(rows, b.const(identity)), axis=(len(lead) + 1,),
                    keepdims=False)
    others = _reshape(b, others, lead + tuple(shape[a] for a in axis))
    return others if moved is x else b.call("transpose", others, axes=_inverse(order))


_prod_jvp, _prod_vjp = _weighted(_product_of_others)
defrule("prod", jvp=_prod_jvp, vjp=_prod_vjp)


def _degrees_of_freedom(x, axis, ddof):
    return _count(x, axis) - ddof


def _centered(b, x, axis):
    return b.sub(x, b.call("mean", x, axis=axis, keepdims=True))


def _var_weights(b, x, out, axis, ddof, keepdims):
    dof = _degrees_of_freedom(x, axis, ddof)
    return b.mul(_centered(b, x, axis), b.const(2.0 / dof if dof else math.inf))


def _std_weights(b, x, out, axis, ddof, keepdims):
    scale = b.mul(_kept(b, out, x, axis, keepdims), b.const(_degrees_of_freedom(x, axis, ddof)))
    return b.div(_centered(b, x, axis), scale)


for _prim, _weights in (("var", _var_weights), ("std", _std_weights)):
    _jvp, _vjp = _weighted(_weights)
    defrule(_prim, jvp=_jvp, vjp=_vjp)


def _norm_weights(b, x, out, ord, axis, keepdims):
    """d|x|/dx for each order: x/|x| (2, 'fro'), sign(x) (1), sign(x) |x|^(p-1) / |x|_p^(p-1)
    (p), ties shared (inf, -inf, and the matrix norms that are a max or min of sums)."""
    norm = _kept(b, out, x, axis, keepdims)
    if ord in (None, 2, "fro"):  # (the matrix 2-norm is refused while typing)
        return b.div(x, norm)
    if ord == 0:
        return None  # the count of nonzero elements
    sign = b.call("sign", x)
    if len(axis) == 2:  # 1, -1: the extremum of the column sums; inf, -inf: of the row sums
        summed, along = axis if ord in (1, -1) else axis[::-1]
        sums = b.call("sum", b.call("abs", x), axis=(summed,), keepdims=True)
        return b.mul(sign, _share_of_ties(b, sums, norm, (along,)))
    if ord == 1:
        return sign
    if math.isinf(ord):
        return b.mul(sign, _share_of_ties(b, b.call("abs", x), norm, axis))
    power = b.const(ord - 1)
    return b.div(b.mul(sign, b.call("pow", b.call("abs", x), power)),
                 b.call("pow", norm, power))


_norm_jvp, _norm_vjp = _weighted(_norm_weights)
defrule("norm", jvp=_norm_jvp, vjp=_norm_vjp)


def _cumsum_vjp(b, p, out, g, axis):
    along = 0 if axis is None else axis
    total = b.call("sum", g, axis=(along,), keepdims=True)
    from_the_end = b.add(b.sub(total, b.call("cumsum", g, axis=along)), g)
    return [_reshape(b, from_the_end, p[0].type.shape)]


defrule("cumsum", linear=True, vjp=_cumsum_vjp,
        jvp=lambda b, p, t, out, **params: None if t[0] is None else
        b.call("cumsum", t[0], **params))


def _along_last(b, x, axis):
    """`x` with `axis` moved last (flattened for None), and how to put a result of that
    shape back."""
    if axis is None:
        return _reshape(b, x, (x.type.size,)), lambda value: value
    order = tuple(a for a in range(x.type.ndim) if a != axis) + (axis,)
    if order == tuple(range(x.type.ndim)):
        return x, lambda value: value
    return b.call("transpose", x, axes=order), \
        lambda value: b.call("transpose", value, axes=_inverse(order))


def _running_product_weights(b, moved):
    """w[..., j, i] = d cumprod(moved)[..., i] / d moved[..., j] along the last axis."""
    lead, n = moved.type.shape[:-1], moved.type.shape[-1]
    identity = np.eye(n, dtype=moved.type.dtype)
    rows = b.add(b.mul(_reshape(b, moved, lead + (1, n)), b.const(1 - identity)),
                 b.const(identity))
    return b.mul(b.call("cumprod", rows, axis=len(lead) + 1),
                 b.const(np.triu(np.ones((n, n), dtype=moved.type.dtype))))


def _cumprod_jvp(b, p, t, out, axis):
    if t[0] is None:
        return None
    moved, back = _along_last(b, p[0], axis)
    moved_t, _ = _along_last(b, t[0], axis)
    lead, n = moved.type.shape[:-1], moved.type.shape[-1]
    column = _reshape(b, moved_t, lead + (n, 1))
    return back(b.call("sum", b.mul(column, _running_product_weights(b, moved)),
                       axis=(len(lead),), keepdims=False))


def _cumprod_vjp(b, p, out, g, axis):
    x = p[0]
    moved, back = _along_last(b, x, axis)
    moved_g, _ = _along_last(b, g, axis)
    lead, n = moved.type.shape[:-1], moved.type.shape[-1]
    row = _reshape(b, moved_g, lead + (1, n))
    adjoint = back(b.call("sum", b.mul(_running_product_weights(b, moved), row),
                          axis=(len(lead) + 1,), keepdims=False))
    return [b.unbroadcast(_reshape(b, adjoint, x.type.shape), x)]


defrule("cumprod", jvp=_cumprod_jvp, vjp=_cumprod_vjp)


def _diff_vjp(b, p, out, g, n, axis):
    ndim = p[0].type.ndim

    def padded(before, after):
        return b.call("pad", g, pad_width=tuple((before, after) if a == axis else (0, 0)
                                                for a in range(ndim)))
    for _ in range(n):
        g = b.sub(padded(1, 0), padded(0, 1))
    return [g]


defrule("diff", linear=True, vjp=_diff_vjp,
        jvp=lambda b, p, t, out, **params: None if t[0] is None else
        b.call("diff", t[0], **params))


def _trace_vjp(b, p, out, g, offset, axis1, axis2):
    """g on the diagonal of the two axes (moved last), the axes moved back."""
    shape = p[0].type.shape
    rest = tuple(i for i in range(len(shape)) if i not in (axis1, axis2))
    order = rest + (axis1, axis2)
    identity = np.eye(shape[axis1], shape[axis2], offset, dtype=p[0].type.dtype)
    kept = g if g.type.weak else _reshape(b, g, tuple(shape[i] for i in rest) + (1, 1))
    diagonal = b.mul(kept, b.const(identity))
    if order == tuple(range(len(shape))):
        return [diagonal]
    return [b.call("transpose", diagonal, axes=_inverse(order))]


defrule("trace", linear=True, vjp=_trace_vjp,
        jvp=lambda b, p, t, out, **params: None if t[0] is None else
        b.call("trace", t[0], **params))
