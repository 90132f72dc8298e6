"""Batching rules: each primitive applied to a batch of values at once, the batch along a
new leading axis of the operands that carry one.

With the batch axis leading, elementwise primitives need only the batched operands lined
up with the result's rank (a size-1 axis inserted after the batch axis, so NumPy's
trailing alignment does not pair the batch axis with an axis of the other operand).
Operations that name axes shift them by one; reshape and broadcast keep the batch axis in
front of the new shape; the matrix product treats vectors as one-row or one-column
matrices and lines up its stacking axes; an index gains a full slice in front.

The facts of a type (``dim``, ``ndim``, ``size``) have none: they become constants when the
function is typed, before any transform runs.
"""

from __future__ import annotations

from ..ir.primitives import Slice, indexed_shape
from .registry import BatchUnsupported, defbatch, defzero

# The stacked unit arrays a batch of tangents is seeded with are constants.
defzero("basis")


def _batch_size(values, batched) -> int:
    return next(v.type.shape[0] for v, flag in zip(values, batched) if flag)


def _lined_up(b, value, rank: int):
    """A batched `value` with size-1 axes after the batch axis, to `rank` axes besides it."""
    shape = value.type.shape
    missing = rank - (len(shape) - 1)
    if missing <= 0:
        return value
    return b.call("reshape", value, shape=shape[:1] + (1,) * missing + shape[1:])


def _elementwise(prim: str):
    def batch(b, values, batched, out_type, **params):
        rank = len(out_type.shape)
        return b.call(prim, *[_lined_up(b, v, rank) if flag else v
                              for v, flag in zip(values, batched)], **params)
    return batch


for _prim in ("add", "sub", "mul", "div", "pow", "floordiv", "mod", "neg",
              "lt", "le", "gt", "ge", "eq", "ne", "not",
              "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt",
              "floor", "ceil", "abs", "sign", "maximum", "minimum", "float", "int",
              "zeros_like", "ones_like", "copy", "arcsinh", "arccosh", "arctanh", "arctan2",
              "hypot", "logaddexp", "logaddexp2", "exp2", "reciprocal", "deg2rad", "rad2deg",
              "fmax", "fmin", "clip", "where", "round", "trunc"):
    defbatch(_elementwise(_prim), _prim)


def _per_matrix(prim: str):
    """A function of the last two axes, which NumPy maps over the axes before them."""
    return lambda b, values, batched, out_type: b.call(prim, values[0])


for _prim in ("inv", "det", "cholesky", "pinv", "slogdet_sign", "slogdet_logabsdet",
              "eigh_values", "eigh_vectors"):
    defbatch(_per_matrix(_prim), _prim)


def _cast(b, values, batched, out_type):
    """A batch is a NumPy array already: a cast of one to NumPy or Python leaves it."""
    return values[0]


defbatch(_cast, "as_numpy", "as_python")


def _sum(b, values, batched, out_type, axis, keepdims):
    return b.call("sum", values[0], axis=tuple(a + 1 for a in axis), keepdims=keepdims)


def _sum_to(b, values, batched, out_type, shape):
    x = values[0]
    # Sum the axes broadcasting added in front first, so that the batch axis leads again.
    extra = len(x.type.shape) - 1 - len(shape)
    if extra > 0:
        x = b.call("sum", x, axis=tuple(range(1, 1 + extra)), keepdims=False)
    return b.call("sum_to", x, shape=x.type.shape[:1] + tuple(shape))


def _broadcast_to(b, values, batched, out_type, shape):
    x = _lined_up(b, values[0], len(shape))
    return b.call("broadcast_to", x, shape=x.type.shape[:1] + tuple(shape))


def _reshape(b, values, batched, out_type, shape):
    return b.call("reshape", values[0], shape=(_batch_size(values, batched),) + tuple(shape))


def _transpose(b, values, batched, out_type, axes):
    return b.call("transpose", values[0], axes=(0,) + tuple(a + 1 for a in axes))


def _matmul(b, values, batched, out_type):
    """As matrices (a vector is a one-row matrix on the left, a one-column matrix on the
    right), with the batched operands' stacking axes lined up behind the batch axis; the
    product is reshaped to the batch of results at the end."""
    n = _batch_size(values, batched)
    left, right = values
    matrices = []
    for value, flag, side in ((left, batched[0], "left"), (right, batched[1], "right")):
        shape = value.type.shape[1:] if flag else value.type.shape
        if len(shape) == 1:
            shape = (1,) + shape if side == "left" else shape + (1,)
            value = b.call("reshape", value, shape=((n,) if flag else ()) + shape)
        matrices.append((value, flag, shape))
    stacking = max(len(shape) - 2 for _, _, shape in matrices)
    lined = [_lined_up(b, value, stacking + 2) if flag else value
             for value, flag, _ in matrices]
    product = b.call("matmul", *lined)
    return b.call("reshape", product, shape=(n,) + out_type.shape)


defbatch(_sum, "sum")
defbatch(_sum_to, "sum_to")
defbatch(_broadcast_to, "broadcast_to")
defbatch(_reshape, "reshape")
defbatch(_transpose, "transpose")
defbatch(_matmul, "matmul")


def _batched_array(b, value, flag: bool, n: int):
    return value if flag else b.call("broadcast_to", value, shape=(n,) + value.type.shape)


def _with_leading_slice(b, prim: str, values, out_type, index, **params):
    """`prim` with a full slice for the batch axis in front of `index`; NumPy moves the
    shape of index arrays that are not adjacent to the front, before the batch axis: such
    an index is not batched."""
    n = values[0].type.shape[0]
    out = b.call(prim, *values, index=(Slice(),) + tuple(index), **params)
    if out.type.shape != (n,) + out_type.shape:
        raise BatchUnsupported(f"{prim} with index arrays apart from each other")
    return out


def _index(b, values, batched, out_type, index):
    if any(batched[1:]):
        raise BatchUnsupported("an index that varies across the batch")
    return _with_leading_slice(b, "index", values, out_type, index)


def _index_update(b, values, batched, out_type, index, mode):
    if any(batched[2:]):
        raise BatchUnsupported("an index that varies across the batch")
    n = _batch_size(values, batched)
    x = _batched_array(b, values[0], batched[0], n)
    value = values[1]
    if batched[1]:  # line it up with the elements the index selects in one member
        selected = indexed_shape(out_type, index, [v.type for v in values[2:]])
        value = _lined_up(b, value, len(selected))
    return _with_leading_slice(b, "index_update", [x, value, *values[2:]], out_type, index,
                               mode=mode)


defbatch(_index, "index")
defbatch(_index_update, "index_update")


# ---- shape operations ----------------------------------------------------------------
def _reshaped(b, values, batched, out_type, **params):
    """An operation that only reshapes each member (in C order) reshapes the batch."""
    return b.call("reshape", values[0], shape=(values[0].type.shape[0],) + out_type.shape)


def _shifted(prim: str, *names: str):
    """An operation whose parameters `names` are axes (ints or tuples of ints)."""
    def batch(b, values, batched, out_type, **params):
        moved = {name: tuple(a + 1 for a in params[name]) if isinstance(params[name], tuple)
                 else params[name] + 1 for name in names}
        return b.call(prim, values[0], **{**params, **moved})
    return batch


def _last_two_axes(prim: str):
    def batch(b, values, batched, out_type, k):
        if len(values[0].type.shape) < 3:
            raise BatchUnsupported(f"{prim} of a vector")
        return b.call(prim, values[0], k=k)
    return batch


defbatch(_reshaped, "ravel", "squeeze", "expand_dims", "atleast_1d", "atleast_2d",
         "atleast_3d")
defbatch(_shifted("swapaxes", "axis1", "axis2"), "swapaxes")
defbatch(_shifted("moveaxis", "source", "destination"), "moveaxis")
defbatch(_shifted("flip", "axis"), "flip")
defbatch(_last_two_axes("triu"), "triu")
defbatch(_last_two_axes("tril"), "tril")
defbatch(_elementwise("astype"), "astype")
