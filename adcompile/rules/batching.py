"""Batching rules: each primitive applied to a batch of values at once, the batch along a
new leading axis of the operands that carry one.

With the batch axis leading, elementwise primitives need only the batched operands lined
up with the result's rank (a size-1 axis inserted after the batch axis, so NumPy's
trailing alignment does not pair the batch axis with an axis of the other operand).
Operations that name axes shift them by one (a reduction over axis a is the same
reduction over axis a + 1); those of the flattened array (``axis=None``) see each member
flattened; reshape and broadcast keep the batch axis in front of the new shape. The
matrix product of a batch by one matrix is the product as written, else it treats vectors
as one-row or one-column matrices and lines up its stacking axes; einsum gives the batch
a label of its own; a batch of right-hand sides that are vectors is solved as the columns
of one matrix. An index gains a full slice in front (and where NumPy puts the shape of
index arrays first, the batch axis is moved back to the front). Joins repeat an operand
without the batch along it, then join along the shifted axis.

Every primitive with operands has a rule but the tape's (``push`` and ``pop``, which
`adcompile.transforms.batch` handles) and ``factorial`` (of Python ints, never a batch).
The facts of a type (``dim``, ``ndim``, ``size``) have none: they become constants when the
function is typed, before any transform runs. What cannot be batched is an index that
varies across the batch (`BatchUnsupported`).
"""

from __future__ import annotations

import numpy as np

from ..ir.primitives import (OPERAND, Slice, atleast_shape, indexed_shape, stacking_axis,
                             takes_operand)
from ..ir.types import ArrayType, ListType, broadcast
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
    """Where NumPy's own broadcasting computes the batch, the product as it is (a batch
    of rows times one matrix); else as matrices (a vector is a one-row matrix on the
    left, a one-column matrix on the right), with the batched operands' stacking axes
    lined up behind the batch axis, the product reshaped to the batch of results."""
    n = _batch_size(values, batched)
    left, right = values
    if not batched[1] and right.type.ndim <= 2:
        return b.call("matmul", left, right)
    if not batched[0] and left.type.ndim == 2 and right.type.ndim == 2:
        # one matrix times a batch of vectors: the batch as rows of a matrix
        return b.call("matmul", right, b.call("transpose", left, axes=(1, 0)))
    if not batched[0] and left.type.ndim == 1:  # a vector times a batch
        if right.type.ndim == 2:
            return b.call("matmul", right, left)
        return b.call("matmul", left, right)
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


defbatch(_sum_to, "sum_to")
defbatch(_broadcast_to, "broadcast_to")
defbatch(_reshape, "reshape")
defbatch(_transpose, "transpose")
defbatch(_matmul, "matmul")


def _repeated(b, value, n: int):
    """An operand without the batch axis, the same for every member."""
    return b.call("broadcast_to", value, shape=(n,) + value.type.shape)


def _arrays_in_front(index, operand_types) -> int:
    """The number of axes NumPy puts in front of the result for an index whose arrays
    (ints count among them; a window's start does not) are apart from each other, the
    shape they broadcast to; 0 when they are adjacent (their shape stands where they do). The batch axis, a full
    slice in front of the index, comes after those axes."""
    operands = iter(operand_types)
    given = {k: next(operands).shape for k, entry in enumerate(index) if takes_operand(entry)}
    shapes = {k: given[k] if entry is OPERAND else np.shape(entry)
              for k, entry in enumerate(index)
              if entry is OPERAND or isinstance(entry, (tuple, int))}
    if all(shape == () for k, shape in shapes.items() if not isinstance(index[k], int)):
        return 0  # ints and slices only: basic indexing
    positions = sorted(shapes)
    if positions == list(range(positions[0], positions[-1] + 1)):
        return 0
    return len(broadcast(*shapes.values()))


def _moved(b, value, source: int, destination: int):
    if source == destination:
        return value
    order = [a for a in range(len(value.type.shape)) if a != source]
    order.insert(destination, source)
    return b.call("transpose", value, axes=tuple(order))


def _index(b, values, batched, out_type, index):
    if any(batched[1:]):
        raise BatchUnsupported("an index that varies across the batch")
    out = b.call("index", *values, index=(Slice(),) + tuple(index))
    return _moved(b, out, _arrays_in_front(index, [v.type for v in values[1:]]), 0)


def _index_update(b, values, batched, out_type, index, mode):
    """The value lined up with the elements the index selects in the batch: in one
    member, then with the batch axis where NumPy puts it."""
    if any(batched[2:]):
        raise BatchUnsupported("an index that varies across the batch")
    n = _batch_size(values, batched)
    x = values[0] if batched[0] else _repeated(b, values[0], n)
    value = values[1]
    operand_types = [v.type for v in values[2:]]
    selected = indexed_shape(out_type, index, operand_types)
    front = _arrays_in_front(index, operand_types)
    if batched[1]:
        value = _moved(b, _lined_up(b, value, len(selected)), 0, front)
    elif front and len(value.type.shape) > len(selected) - front:
        shape = (1,) * (len(selected) - len(value.type.shape)) + value.type.shape
        value = b.call("reshape", value, shape=shape[:front] + (1,) + shape[front:])
    return b.call("index_update", x, value, *values[2:], index=(Slice(),) + tuple(index),
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


# ---- reductions ------------------------------------------------------------------------
for _prim in ("sum", "mean", "prod", "max", "min", "var", "std"):
    defbatch(_shifted(_prim, "axis"), _prim)
defbatch(_shifted("trace", "axis1", "axis2"), "trace")


def _flattened_members(b, x):
    """A batch of arrays as a batch of vectors, for a function of the flattened array."""
    return b.call("reshape", x, shape=(x.type.shape[0], -1))


def _along_axis_or_flattened(prim: str):
    """A function along one axis, or (``axis=None``) along the flattened array."""
    def batch(b, values, batched, out_type, axis, **params):
        x = values[0]
        if axis is not None:
            return b.call(prim, x, axis=axis + 1, **params)
        out = b.call(prim, _flattened_members(b, x), axis=1)
        return _reshaped(b, [out], batched, out_type)
    return batch


defbatch(_along_axis_or_flattened("cumsum"), "cumsum")
defbatch(_along_axis_or_flattened("cumprod"), "cumprod")
defbatch(_shifted("diff", "axis"), "diff")


def _vander(b, values, batched, out_type, N, increasing):
    """The members' vectors as one vector: the rows of its matrix are theirs."""
    members = values[0].type.shape[0]
    rows = b.call("vander", b.call("reshape", values[0], shape=(-1,)), N=N,
                  increasing=increasing)
    return b.call("reshape", rows, shape=(members,) + out_type.shape)


defbatch(_vander, "vander")
defbatch(_along_axis_or_flattened("argmax"), "argmax")
defbatch(_along_axis_or_flattened("argmin"), "argmin")


def _norm(b, values, batched, out_type, ord, axis, keepdims):
    """Over the shifted axes; the 2-norm of every element of a 0-d or of a many-axes
    member (which np.linalg.norm takes only as the whole array) over the flattened
    member."""
    x = values[0]
    if ord is None and len(axis) not in (1, 2):
        out = b.call("norm", _flattened_members(b, x), ord=None, axis=(1,), keepdims=False)
        return _reshaped(b, [out], batched, out_type)
    return b.call("norm", x, ord=ord, axis=tuple(a + 1 for a in axis), keepdims=keepdims)


defbatch(_norm, "norm")


# ---- products --------------------------------------------------------------------------
def _einsum(b, values, batched, out_type, subscripts, written):
    """A label of its own for the batch axis, leading in the batched operands and in the
    result. A dot, inner or tensordot of a batch by one array is still one (it keeps the
    leading axes of its first operand first)."""
    inputs, output = subscripts.split("->")
    label = next(c for c in "zyxwvutsrqponmlkjihgfedcbaZYXWVUTSRQPONMLKJIHGFEDCBA"
                 if c not in subscripts)
    labels = [label + one if flag else one for one, flag in zip(inputs.split(","), batched)]
    batched_subscripts = f"{','.join(labels)}->{label}{output}"
    first_only = batched[0] and not any(batched[1:]) and values[0].type.ndim > 1
    keeps = written in ("dot", "inner", "tensordot") and first_only
    return b.call("einsum", *values, subscripts=batched_subscripts,
                  written=written if keeps else "einsum")


defbatch(_einsum, "einsum")


def _kron(b, values, batched, out_type):
    """np.kron multiplies the lengths of each pair of axes: a batch by one array (with a
    length-1 axis in front) is np.kron again; two batches are the products of every pair
    of elements, each axis of the one interleaved with the same of the other."""
    n = _batch_size(values, batched)
    rank = len(out_type.shape)
    members = [v.type.shape[1:] if flag else v.type.shape for v, flag in zip(values, batched)]
    padded = [(1,) * (rank - len(shape)) + shape for shape in members]
    if not all(batched):
        lined = [b.call("reshape", v, shape=(n if flag else 1,) + shape)
                 for v, flag, shape in zip(values, batched, padded)]
        return b.call("kron", *lined)
    left = b.call("reshape", values[0],
                  shape=(n,) + tuple(k for m in padded[0] for k in (m, 1)))
    right = b.call("reshape", values[1],
                   shape=(n,) + tuple(k for m in padded[1] for k in (1, m)))
    return b.call("reshape", b.call("mul", left, right), shape=(n,) + out_type.shape)


defbatch(_kron, "kron")
# np.cross maps over the axes before the last, which NumPy broadcasts as elementwise
defbatch(_elementwise("cross"), "cross")


def _solve(b, values, batched, out_type):
    """A batch of right-hand sides that are vectors is one solve with them as the columns
    of a matrix; otherwise a solve of stacks, the stacking axes lined up behind the batch
    axis (a batch of vectors as a batch of one-column matrices)."""
    a, rhs = values
    vectors = len(rhs.type.shape) - (1 if batched[1] else 0) == 1
    n = _batch_size(values, batched)
    if vectors and not batched[1]:  # NumPy 2 takes a 1-d b as one vector for every matrix
        return b.call("solve", a, rhs)
    if vectors and not batched[0]:
        columns = b.call("solve", a, b.call("transpose", rhs, axes=(1, 0)))
        rank = len(columns.type.shape)
        return b.call("transpose", columns, axes=(rank - 1,) + tuple(range(rank - 1)))
    rank = len(out_type.shape) + (1 if vectors else 0)
    if vectors:
        rhs = b.call("reshape", rhs, shape=(n,) + (1,) * (rank - 2) + rhs.type.shape[1:] + (1,))
    a = _lined_up(b, a, rank) if batched[0] else a
    rhs = _lined_up(b, rhs, rank) if batched[1] else rhs
    return _reshaped(b, [b.call("solve", a, rhs)], batched, out_type)


defbatch(_solve, "solve")


# ---- shape operations, joins and splits ------------------------------------------------
def _roll(b, values, batched, out_type, shift, axis):
    x = values[0]
    if axis is not None:
        return b.call("roll", x, shift=shift, axis=tuple(a + 1 for a in axis))
    rolled = b.call("roll", _flattened_members(b, x), shift=(shift,), axis=(1,))
    return _reshaped(b, [rolled], batched, out_type)


def _repeat(b, values, batched, out_type, repeats, axis):
    x = values[0]
    if axis is None:
        x, axis = _flattened_members(b, x), 0
    return b.call("repeat", x, repeats=repeats, axis=axis + 1)


def _tile(b, values, batched, out_type, reps):
    """np.tile pads the shape with ones in front to the length of `reps`: done here, so
    that the batch axis stays in front, tiled once."""
    x = values[0]
    member = x.type.shape[1:]
    x = b.call("reshape", x, shape=x.type.shape[:1] + (1,) * (len(reps) - len(member)) + member)
    return b.call("tile", x, reps=(1,) + tuple(reps))


def _diag(b, values, batched, out_type, k):
    """Of a matrix, its diagonal; a vector on a diagonal is the vector, padded to the
    matrix's length, along the rows times the identity shifted to that diagonal."""
    x = values[0]
    if len(x.type.shape) == 3:
        return b.call("diagonal", x, offset=k, axis1=1, axis2=2)
    n, size = x.type.shape[0], out_type.shape[0]
    if k:
        x = b.call("pad", x, pad_width=((0, 0), (max(-k, 0), max(k, 0))))
    rows = b.call("reshape", x, shape=(n, size, 1))
    return b.call("mul", rows, b.call("eye", N=size, M=size, k=k, dtype=out_type.dtype))


def _members(b, values, batched, shape_of=lambda shape: shape):
    """Every operand with the batch axis, each member reshaped to `shape_of` its shape."""
    n = _batch_size(values, batched)
    out = []
    for value, flag in zip(values, batched):
        member = value.type.shape[1:] if flag else value.type.shape
        shape = shape_of(member)
        if flag:
            out.append(b.call("reshape", value, shape=(n,) + shape))
            continue
        if shape != member:
            value = b.call("reshape", value, shape=shape)
        out.append(_repeated(b, value, n))
    return out


def _concatenate(b, values, batched, out_type, axis):
    if axis is None:
        return b.call("concatenate", *_members(b, values, batched, lambda shape: (-1,)),
                      axis=1)
    return b.call("concatenate", *_members(b, values, batched), axis=axis + 1)


def _stack(b, values, batched, out_type, axis):
    return b.call("stack", *_members(b, values, batched), axis=axis + 1)


def _stacked(prim: str, ndim: int):
    """hstack and vstack: concatenate after atleast_1d or atleast_2d of each member."""
    def batch(b, values, batched, out_type):
        members = [ArrayType(v.type.shape[1:] if flag else v.type.shape, v.type.dtype)
                   for v, flag in zip(values, batched)]
        axis = stacking_axis(prim, members)
        return b.call("concatenate", *_members(b, values, batched,
                                               lambda shape: atleast_shape(shape, ndim)),
                      axis=axis + 1)
    return batch


defbatch(_roll, "roll")
defbatch(_repeat, "repeat")
defbatch(_tile, "tile")
defbatch(_diag, "diag")
defbatch(_shifted("diagonal", "axis1", "axis2"), "diagonal")
defbatch(_concatenate, "concatenate")
defbatch(_stack, "stack")
defbatch(_stacked("hstack", 1), "hstack")
defbatch(_stacked("vstack", 2), "vstack")
defbatch(_shifted("split", "axis"), "split")
defbatch(lambda b, values, batched, out_type, pad_width:
         b.call("pad", values[0], pad_width=((0, 0),) + tuple(pad_width)), "pad")


# ---- creation filled with a value --------------------------------------------------------
def _full(b, values, batched, out_type, shape, dtype):
    fill = _lined_up(b, values[0], len(shape))
    return b.call("full", fill, shape=fill.type.shape[:1] + tuple(shape), dtype=dtype)


def _full_like(b, values, batched, out_type, dtype):
    """Only the fill's values matter: a batch of arrays to fill is one shape."""
    like, fill = values
    if not batched[1]:
        return b.call("full_like", like, fill, dtype=dtype)
    return _full(b, [fill], [True], out_type, shape=out_type.shape, dtype=dtype)


defbatch(_full, "full")
defbatch(_full_like, "full_like")


# ---- lists ------------------------------------------------------------------------------
# A batch of lists is one list whose elements carry the batch axis in front (its length is
# the same for every member: it is set by the loops, whose bounds never vary). An operand
# without the batch is repeated along it: a list element by element (``list_broadcast``).
# A position that varies across the batch cannot be batched. ``list_len`` has no rule:
# the batch transform computes it on the batch as it is (`adcompile.transforms.batch`).
def _list_batch(b, value, flag: bool, n: int, like_list: bool):
    if flag:
        return value
    if like_list:
        return b.call("list_broadcast", value, size=n)
    return _repeated(b, value, n)


def _list_batch_size(values, batched) -> int:
    for v, flag in zip(values, batched):
        t = v.type.element if flag and isinstance(v.type, ListType) else v.type if flag \
            else None
        if t is not None:
            return t.shape[0]
    raise BatchUnsupported("a batch of lists that are always empty")


def _list_update(prim: str, positions: int):
    """A list op whose last `positions` operands are ints: the list, and any element
    operand, batched alike."""
    def batch(b, values, batched, out_type, **params):
        if any(batched[len(values) - positions:]):
            raise BatchUnsupported(f"{prim} at a position that varies across the batch")
        n = _list_batch_size(values, batched)
        operands = [_list_batch(b, v, flag, n, isinstance(v.type, ListType))
                    for v, flag in zip(values[:len(values) - positions],
                                       batched[:len(values) - positions])]
        return b.call(prim, *operands, *values[len(values) - positions:], **params)
    return batch


for _prim, _positions in (("list_append", 0), ("list_get", 1), ("list_set", 1),
                          ("list_add_at", 1), ("list_drop_last", 0), ("list_zeros_like", 0),
                          ("list_add", 0), ("check_bound", 0)):
    defbatch(_list_update(_prim, _positions), _prim)
defbatch(lambda b, values, batched, out_type, length, axis:
         b.call("list_stack", values[0], length=length, axis=axis + 1), "list_stack")
defbatch(lambda b, values, batched, out_type, axis:
         b.call("list_unstack", values[0], axis=axis + 1), "list_unstack")
