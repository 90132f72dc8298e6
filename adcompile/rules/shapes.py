"""Rules for NumPy's shape operations, joining and splitting, and array creation.

Every shape operation is linear: its jvp is the operation applied to the tangent, and its
vjp is its transpose, written with other shape operations:

- the reshapes (ravel, squeeze, expand_dims, atleast_Nd) are undone by a reshape back;
- the permutations by the inverse one (swapaxes by itself, moveaxis by the move back),
  flip by itself, roll by the opposite roll;
- repeat and tile sum the copies back (a reshape that puts the copies on their own axes,
  and a sum over those);
- diagonal, and diag of a matrix, put the cotangent back on the diagonal: padded to the
  length of the axis it runs along and multiplied by np.eye's mask of that diagonal;
  diag of a vector takes the diagonal back; triu and tril keep their own triangle;
- concatenate, stack, hstack and vstack hand each operand its piece of the cotangent (a
  `split`, the slice [start:stop] along one axis); a piece of a split is padded with
  zeros back to the whole (`pad`), and a padding sliced away.

Creation ops are constants (zero derivative), except for what they are filled with:
``np.full(shape, x)`` is linear in x, and ``np.vander(x)`` is the powers of x: the
derivative of its column x**k is k x**(k-1), a Vandermonde matrix one column narrower
beside a column of zeros (exact at x = 0, where x**(k-1) / x would not be). A cast
(`astype`) passes derivatives from float to float and none to or from ints and bools.
"""

from __future__ import annotations

import numpy as np

from ..ir.primitives import atleast_shape, stacking_axis
from .arrays import _reshape, _same_op
from .registry import defrule, defzero


def _reshaped_back(b, g, x):
    """`g` as the cotangent of `x`: x's shape, and a Python number if x is one."""
    return b.unbroadcast(_reshape(b, g, x.type.shape), x)


def _reshape_rule(prim: str) -> None:
    defrule(prim, linear=True, jvp=_same_op(prim),
            vjp=lambda b, p, out, g, **params: [_reshaped_back(b, g, p[0])])


for _prim in ("ravel", "squeeze", "expand_dims", "atleast_1d", "atleast_2d", "atleast_3d"):
    _reshape_rule(_prim)

defrule("swapaxes", linear=True, jvp=_same_op("swapaxes"),
        vjp=lambda b, p, out, g, axis1, axis2: [
            b.call("swapaxes", g, axis1=axis1, axis2=axis2)])
defrule("moveaxis", linear=True, jvp=_same_op("moveaxis"),
        vjp=lambda b, p, out, g, source, destination: [
            b.call("moveaxis", g, source=destination, destination=source)])
defrule("flip", linear=True, jvp=_same_op("flip"),
        vjp=lambda b, p, out, g, axis: [b.unbroadcast(b.call("flip", g, axis=axis), p[0])])


def _opposite(shift):
    return -shift if isinstance(shift, int) else tuple(-s for s in shift)


defrule("roll", linear=True, jvp=_same_op("roll"),
        vjp=lambda b, p, out, g, shift, axis: [
            b.unbroadcast(b.call("roll", g, shift=_opposite(shift), axis=axis), p[0])])


def _sum_over(b, value, axes):
    return b.call("sum", value, axis=tuple(axes), keepdims=False)


def _repeat_vjp(b, p, out, g, repeats, axis):
    """Each element's copies lie next to each other: give them an axis, and sum it."""
    x = p[0]
    if axis is None:
        copies = _reshape(b, g, (x.type.size, repeats))
        return [_reshaped_back(b, _sum_over(b, copies, (1,)), x)]
    shape = x.type.shape
    copies = _reshape(b, g, shape[:axis] + (shape[axis], repeats) + shape[axis + 1:])
    return [_reshaped_back(b, _sum_over(b, copies, (axis + 1,)), x)]


defrule("repeat", linear=True, jvp=_same_op("repeat"), vjp=_repeat_vjp)


def _tile_vjp(b, p, out, g, reps):
    """Along each axis the tiles come one after another: split each axis into (tile,
    element) and sum over the tiles."""
    x = p[0]
    shape = (1,) * (len(reps) - x.type.ndim) + x.type.shape
    interleaved = tuple(n for pair in zip(reps, shape) for n in pair)
    tiles = _reshape(b, g, interleaved)
    return [_reshaped_back(b, _sum_over(b, tiles, range(0, len(interleaved), 2)), x)]


defrule("tile", linear=True, jvp=_same_op("tile"), vjp=_tile_vjp)


def _onto_diagonal(b, g, x, offset, axis1, axis2):
    """The transpose of np.diagonal: `g` (the other axes, then the diagonal) put on the
    diagonal of an array shaped like `x`, zeros elsewhere."""
    shape = x.type.shape
    rows, columns = shape[axis1], shape[axis2]
    lead = g.type.ndim - 1
    # the diagonal runs along the rows when offset >= 0, along the columns otherwise
    along = rows if offset >= 0 else columns
    missing = along - g.type.shape[-1]
    if missing:
        g = b.call("pad", g, pad_width=((0, 0),) * lead + ((0, missing),))
    g = b.call("expand_dims", g, axis=lead + 1 if offset >= 0 else lead)
    mask = b.call("eye", N=rows, M=columns, k=offset, dtype=g.type.dtype)
    placed = b.call("mul", g, mask)
    order = [i for i in range(len(shape)) if i not in (axis1, axis2)] + [axis1, axis2]
    return b.call("transpose", placed, axes=tuple(order.index(i) for i in range(len(shape))))


defrule("diagonal", linear=True, jvp=_same_op("diagonal"),
        vjp=lambda b, p, out, g, offset, axis1, axis2: [
            _onto_diagonal(b, g, p[0], offset, axis1, axis2)])


def _diag_vjp(b, p, out, g, k):
    if p[0].type.ndim == 1:
        return [b.call("diagonal", g, offset=k, axis1=0, axis2=1)]
    return [_onto_diagonal(b, g, p[0], k, 0, 1)]


defrule("diag", linear=True, jvp=_same_op("diag"), vjp=_diag_vjp)
for _prim in ("triu", "tril"):
    defrule(_prim, linear=True, jvp=_same_op(_prim),
            vjp=lambda b, p, out, g, k, prim=_prim: [b.call(prim, g, k=k)])


def _joined_jvp(prim: str):
    """The join of the tangents, a zero standing in for an operand that has none."""
    def jvp(b, p, t, out, **params):
        if all(tangent is None for tangent in t):
            return None
        return b.call(prim, *[b.zeros(x) if tangent is None else tangent
                              for x, tangent in zip(p, t)], **params)
    return jvp


def _pieces(b, g, operands, lengths, axis):
    """The cotangent of each operand of a join along `axis`: its slice of `g`."""
    cotangents, start = [], 0
    for x, length in zip(operands, lengths):
        piece = b.call("split", g, axis=axis, start=start, stop=start + length)
        cotangents.append(_reshaped_back(b, piece, x))
        start += length
    return cotangents


def _concatenate_vjp(b, p, out, g, axis):
    if axis is None:
        return _pieces(b, g, p, [x.type.size for x in p], 0)
    return _pieces(b, g, p, [x.type.shape[axis] for x in p], axis)


def _stack_vjp(b, p, out, g, axis):
    return _pieces(b, g, p, [1] * len(p), axis)


def _hstack_vstack_vjp(prim: str, ndim: int):
    def vjp(b, p, out, g):
        axis = stacking_axis(prim, [x.type for x in p])
        return _pieces(b, g, p, [atleast_shape(x.type.shape, ndim)[axis] for x in p], axis)
    return vjp


defrule("concatenate", linear=True, jvp=_joined_jvp("concatenate"), vjp=_concatenate_vjp)
defrule("stack", linear=True, jvp=_joined_jvp("stack"), vjp=_stack_vjp)
defrule("hstack", linear=True, jvp=_joined_jvp("hstack"), vjp=_hstack_vstack_vjp("hstack", 1))
defrule("vstack", linear=True, jvp=_joined_jvp("vstack"), vjp=_hstack_vstack_vjp("vstack", 2))


def _split_vjp(b, p, out, g, axis, start, stop):
    shape = p[0].type.shape
    widths = [(0, 0)] * len(shape)
    widths[axis] = (start, shape[axis] - stop)
    return [b.call("pad", g, pad_width=tuple(widths))]


def _pad_vjp(b, p, out, g, pad_width):
    for axis, ((before, _), length) in enumerate(zip(pad_width, p[0].type.shape)):
        if g.type.shape[axis] != length:
            g = b.call("split", g, axis=axis, start=before, stop=before + length)
    return [g]


defrule("split", linear=True, jvp=_same_op("split"), vjp=_split_vjp)
defrule("pad", linear=True, jvp=_same_op("pad"), vjp=_pad_vjp)

defzero("zeros", "ones", "eye", "arange", "linspace")


def _vander_derivative(b, x, N, increasing):
    if N <= 1:
        return None  # the column of ones, or no column
    powers = np.arange(1, N) if increasing else np.arange(N - 1, 0, -1)
    narrower = b.mul(b.call("vander", x, N=N - 1, increasing=increasing),
                     b.const(powers.astype(x.type.dtype)))
    return b.call("pad", narrower, pad_width=((0, 0), (1, 0) if increasing else (0, 1)))


defrule("vander",
        jvp=lambda b, p, t, out, N, increasing: None if t[0] is None else b.mul(
            _reshape(b, t[0], (p[0].type.shape[0], 1)),
            _vander_derivative(b, p[0], N, increasing)),
        vjp=lambda b, p, out, g, N, increasing: [
            None if N <= 1 else
            b.call("sum", b.mul(g, _vander_derivative(b, p[0], N, increasing)),
                   axis=(1,), keepdims=False)])


def _fill_jvp(b, p, t, out, **params):
    """np.full and np.full_like are linear in what they are filled with."""
    fill = t[-1]
    if fill is None:
        return None
    return b.call("full_like" if len(p) == 2 else "full", *p[:-1], fill, **params)


defrule("full", linear=True, jvp=_fill_jvp,
        vjp=lambda b, p, out, g, shape, dtype: [b.unbroadcast(g, p[0])])
defrule("full_like", linear=True, jvp=_fill_jvp,
        vjp=lambda b, p, out, g, dtype: [None, b.unbroadcast(g, p[1])])


def _passes_derivatives(x, out) -> bool:
    return x.type.is_float and out.type.is_float


defrule("astype", linear=True,
        jvp=lambda b, p, t, out, dtype: b.call("astype", t[0], dtype=dtype)
        if t[0] is not None and _passes_derivatives(p[0], out) else None,
        vjp=lambda b, p, out, g, dtype: [
            b.unbroadcast(b.call("astype", g, dtype=p[0].type.dtype), p[0])
            if _passes_derivatives(p[0], out) else None])
