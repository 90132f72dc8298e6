"""The primitive operations, each defined once: name, arity, declared parameters, and an
abstract-evaluation rule giving the result type from the input types and parameters.

Abstract evaluation never touches data: it works on shapes and dtypes (see
`adcompile.ir.types`), so typing costs the same whatever the size of the arrays, and a
bad combination (broadcasting (3,) with (4,), a matrix product whose inner dimensions
differ) is found while compiling. It raises `ShapeMismatch`; type inference locates it.

A primitive with parameters may also `normalize` them once its input types are known
(``axis=-1`` of a 2-d input becomes ``axis=(1,)``), so two ops that compute the same thing
carry the same parameters: folding, CSE, printing and codegen see one spelling.

What the primitives are spelled as in generated code (``math.sin`` on Python scalars,
``np.sin`` on arrays) is the backend's business (`adcompile.backend.spellings`); which user
callables stand for them is the frontend's (`adcompile.frontend.callables`); their
derivatives are in `adcompile.rules`. Structured ops (``cond``, ``loop``), ``const`` and
``apply`` are described in `adcompile.ir.nodes`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .types import (FLOAT, INT, TAPE, ArrayType, ShapeMismatch, Type, broadcast,
                    elementwise, promote, with_dtype)


@dataclass(frozen=True)
class Primitive:
    name: str
    arity: int
    abstract: Callable[..., Type]     # abstract(*input_types, **params) -> result type
    params: tuple[str, ...] = ()      # the parameters it declares
    normalize: Callable | None = None  # normalize(input_types, params) -> params
    pure: bool = True
    boolean: bool = False             # result is a truth value: never differentiable
    commutative: bool = False


PRIMITIVES: dict[str, Primitive] = {}


def _define(name: str, arity: int, abstract: Callable, **fields) -> None:
    assert name not in PRIMITIVES, f"two primitives named {name}"
    PRIMITIVES[name] = Primitive(name, arity, abstract, **fields)


def result_type(prim: str, input_types: list[Type], params: dict | None = None) -> Type:
    return PRIMITIVES[prim].abstract(*input_types, **(params or {}))


# ---- elementwise --------------------------------------------------------------------
def _arithmetic(*types: ArrayType) -> ArrayType:
    t = elementwise(*types)
    # Python's bools add up to ints (True + True == 2); NumPy's stay bool.
    return with_dtype(t, "int64") if t.weak and t.kind == "b" else t


def _true_divide(*types: ArrayType) -> ArrayType:
    return _to_inexact(elementwise(*types))


def _to_inexact(t: ArrayType) -> ArrayType:
    return with_dtype(t, "float64") if t.kind in "biu" else t


def _comparison(*types: ArrayType) -> ArrayType:
    return with_dtype(elementwise(*types), "bool")


def _rounding(t: ArrayType) -> ArrayType:
    # math.floor and math.ceil give Python ints; np.floor keeps the dtype.
    return INT if t.weak else t


for _name in ("add", "sub", "mul"):
    _define(_name, 2, _arithmetic, commutative=_name != "sub")
_define("div", 2, _true_divide)
_define("pow", 2, _arithmetic)
_define("floordiv", 2, _arithmetic)
_define("mod", 2, _arithmetic)
_define("neg", 1, _arithmetic)

for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    _define(_name, 2, _comparison, boolean=True, commutative=_name in ("eq", "ne"))
_define("not", 1, lambda t: with_dtype(t, "bool"), boolean=True)

for _name in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt"):
    _define(_name, 1, lambda t: _to_inexact(elementwise(t)))
_define("floor", 1, _rounding)
_define("ceil", 1, _rounding)
_define("abs", 1, elementwise)
_define("sign", 1, elementwise)
_define("maximum", 2, elementwise, commutative=True)
_define("minimum", 2, elementwise, commutative=True)
_define("float", 1, lambda t: FLOAT if t.weak else _to_inexact(t))
_define("int", 1, lambda t: INT if t.weak else t)
_define("factorial", 1, lambda t: INT)
# The value as NumPy holds it (a Python scalar becomes a NumPy scalar: inf and nan where
# Python would raise) and as Python holds it (a 0-d NumPy value becomes a Python scalar:
# math's errors); what `np.exp(x)` and `math.exp(x)` do to their operand first.
_define("as_numpy", 1, lambda t: ArrayType(t.shape, t.dtype))


def _as_python(t: ArrayType) -> ArrayType:
    if t.shape != ():
        raise ShapeMismatch(f"a math function needs a scalar, not an array of shape {t.shape}; "
                            "use the NumPy function for arrays")
    return ArrayType((), "float64" if t.kind == "f" else t.dtype, weak=True)


_define("as_python", 1, _as_python)
# A zero or one array like the operand (a Python scalar's is a 0-d array, as NumPy's).
_define("zeros_like", 1, lambda t: ArrayType(t.shape, t.dtype))
_define("ones_like", 1, lambda t: ArrayType(t.shape, t.dtype))



# ---- more elementwise functions, selection and rounding -----------------------------
def _inexact(*types: ArrayType) -> ArrayType:
    return _to_inexact(elementwise(*types))


for _name in ("arcsinh", "arccosh", "arctanh", "exp2", "deg2rad", "rad2deg"):
    _define(_name, 1, _inexact)
for _name in ("arctan2", "hypot", "logaddexp", "logaddexp2"):
    _define(_name, 2, _inexact)
_define("reciprocal", 1, elementwise)  # of an int array, an int array (1 // x) as NumPy
_define("fmax", 2, elementwise, commutative=True)
_define("fmin", 2, elementwise, commutative=True)
_define("clip", 3, elementwise)


def _where(condition: ArrayType, x: ArrayType, y: ArrayType) -> ArrayType:
    chosen = elementwise(x, y)
    return ArrayType(broadcast(condition.shape, chosen.shape), chosen.dtype,
                     chosen.weak and condition.weak)


_define("where", 3, _where)
_define("trunc", 1, _rounding)
_define("round", 1, lambda t, decimals=0: elementwise(t), params=("decimals",),
        normalize=lambda types, p: {"decimals": int(p.get("decimals", 0))})


def _argument_axis(t: ArrayType, axis) -> int | None:
    """argmax's axis: None (the index into the flattened array) or one axis."""
    if axis is None:
        return None
    if not isinstance(axis, (int, np.integer)):
        raise ShapeMismatch(f"argmax and argmin take one axis or None, not {axis!r}")
    return _axes(t, axis)[0]


def _arg_extremum(t: ArrayType, axis=None, keepdims=False) -> ArrayType:
    if t.size == 0:
        raise ShapeMismatch(f"argmax and argmin of an empty array (shape {t.shape})")
    if axis is None:
        shape = (1,) * t.ndim if keepdims else ()
    else:
        shape = _reduced_shape(t, (axis,), keepdims)
    return ArrayType(shape, "int64")


for _name in ("argmax", "argmin"):
    _define(_name, 1, _arg_extremum, params=("axis", "keepdims"),
            normalize=lambda types, p: {"axis": _argument_axis(types[0], p.get("axis")),
                                        "keepdims": bool(p.get("keepdims", False))})


# ---- shapes and reductions ----------------------------------------------------------
def _axes(t: ArrayType, axis) -> tuple:
    """`axis` (None, an int or a tuple, negative counting from the end) as sorted
    non-negative ints; None is every axis."""
    if axis is None:
        return tuple(range(t.ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = []
    for a in axes:
        if not -t.ndim <= a < t.ndim:
            raise ShapeMismatch(f"axis {a} is out of bounds for an array of shape {t.shape}")
        normalized.append(int(a) % t.ndim)
    if len(set(normalized)) != len(normalized):
        raise ShapeMismatch(f"axis {axis} repeats an axis")
    return tuple(sorted(normalized))


def _reduced_shape(t: ArrayType, axis: tuple, keepdims: bool) -> tuple:
    if keepdims:
        return tuple(1 if i in axis else n for i, n in enumerate(t.shape))
    return tuple(n for i, n in enumerate(t.shape) if i not in axis)


def _sum(t: ArrayType, axis=None, keepdims=False) -> ArrayType:
    axis = _axes(t, axis)
    # NumPy sums small ints and bools in the platform's int: ask it, on an empty array.
    dtype = np.zeros(0, t.dtype).sum().dtype.name
    return ArrayType(_reduced_shape(t, axis, keepdims), dtype)


_define("sum", 1, _sum, params=("axis", "keepdims"),
        normalize=lambda types, p: {"axis": _axes(types[0], p.get("axis")),
                                    "keepdims": bool(p.get("keepdims", False))})


def _sum_to(t: ArrayType, shape) -> ArrayType:
    target = tuple(shape)
    if not _broadcasts_to(target, t.shape):
        raise ShapeMismatch(f"cannot sum an array of shape {t.shape} to shape {target}")
    return ArrayType(target, t.dtype)


_define("sum_to", 1, _sum_to, params=("shape",))


def _broadcasts_to(source: tuple, target: tuple) -> bool:
    try:
        return broadcast(source, target) == target
    except ShapeMismatch:
        return False


def _broadcast_to(t: ArrayType, shape) -> ArrayType:
    shape = tuple(shape)
    if not _broadcasts_to(t.shape, shape):
        raise ShapeMismatch(f"cannot broadcast an array of shape {t.shape} to shape {shape}")
    return ArrayType(shape, t.dtype)


_define("broadcast_to", 1, _broadcast_to, params=("shape",))


def _reshape(t: ArrayType, shape) -> ArrayType:
    return ArrayType(_resolve_shape(t, shape), t.dtype)


def _resolve_shape(t: ArrayType, shape) -> tuple:
    """`shape` with its one -1 (if any) worked out from the size of `t`."""
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    unknown = [i for i, n in enumerate(shape) if n == -1]
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if len(unknown) > 1 or any(n < -1 for n in shape):
        raise ShapeMismatch(f"cannot reshape to {shape}: one dimension at most may be -1")
    if unknown and known and t.size % known == 0:
        shape = shape[:unknown[0]] + (t.size // known,) + shape[unknown[0] + 1:]
    if int(np.prod(shape, dtype=np.int64)) != t.size:
        raise ShapeMismatch(f"cannot reshape an array of shape {t.shape} "
                            f"(size {t.size}) into shape {shape}")
    return shape


_define("reshape", 1, _reshape, params=("shape",),
        normalize=lambda types, p: {"shape": _resolve_shape(types[0], p["shape"])})


def _permutation(t: ArrayType, axes) -> tuple:
    if axes is None:
        return tuple(reversed(range(t.ndim)))
    axes = tuple(int(a) for a in axes)
    if sorted(a % t.ndim if -t.ndim <= a < t.ndim else a for a in axes) != \
            list(range(t.ndim)):
        raise ShapeMismatch(f"axes {axes} are not a permutation of the axes of an array "
                            f"of shape {t.shape}")
    return tuple(a % t.ndim for a in axes)


_define("transpose", 1,
        lambda t, axes=None: ArrayType(tuple(t.shape[a] for a in _permutation(t, axes)),
                                       t.dtype),
        params=("axes",),
        normalize=lambda types, p: {"axes": _permutation(types[0], p.get("axes"))})


def _matmul(a: ArrayType, b: ArrayType) -> ArrayType:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeMismatch("matmul needs arrays of at least one dimension, not a scalar "
                            f"(shapes {a.shape} and {b.shape}); use * for a scalar product")
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeMismatch(f"matmul of shapes {a.shape} and {b.shape}: the inner "
                            f"dimensions differ ({inner_a} and {inner_b})")
    batch = broadcast(a.shape[:-2], b.shape[:-2])
    rows = a.shape[-2:-1]
    columns = b.shape[-1:] if b.ndim > 1 else ()
    dtype = promote(a, b).dtype
    return ArrayType(batch + rows + columns, dtype)


_define("matmul", 2, _matmul)


# ---- indexing -----------------------------------------------------------------------
# ``x[index]`` is one primitive, ``index``, and its functional update (``x.at[index].add(v)``,
# ``.set(v)`` in JAX's words) another, ``index_update`` with ``mode`` "add" or "set". The
# static structure of the index is the ``index`` parameter, a tuple with one entry per
# position: an int, a `Slice`, None (a new axis), ``...`` (before normalization), a nested
# tuple of ints (a constant integer array), or `OPERAND`, which stands for the next input
# after the primitive's fixed operands: an index known only at run time (a loop's ``i``,
# an integer array). Normalization, once the types are known, expands ``...``, adds the
# full slices NumPy implies, checks constant indices against the shape and makes them
# non-negative; run-time indices cannot be checked while compiling (NumPy checks them).
# Advanced indexing follows NumPy: the integer arrays (and the ints among them) broadcast
# together, and their shape replaces them where they stand when they are adjacent, or
# comes first when they are not.
@dataclass(frozen=True)
class Slice:
    """``start:stop:step`` of an index; None where Python's slice leaves a bound out."""

    start: int | None = None
    stop: int | None = None
    step: int | None = None

    def __repr__(self) -> str:
        text = f"{_bound(self.start)}:{_bound(self.stop)}"
        return text if self.step is None else f"{text}:{self.step}"

    def normalized(self, size: int) -> "Slice":
        """The same elements with explicit bounds; a stop before the first element (a
        reversed slice to the start) stays None, since -1 would count from the end."""
        start, stop, step = slice(self.start, self.stop, self.step).indices(size)
        return Slice(start, stop if stop >= 0 else None, step)

    def length(self, size: int) -> int:
        return len(range(*slice(self.start, self.stop, self.step).indices(size)))

    def is_full(self, size: int) -> bool:
        return self.normalized(size) == Slice(0, size, 1)


def _bound(value) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class _Operand:
    def __repr__(self) -> str:
        return "@"


OPERAND = _Operand()  # an index entry given at run time: the op's next input


def index_operand_count(params: dict) -> int:
    """How many inputs an op takes beyond its primitive's arity: its run-time index
    entries."""
    return sum(entry is OPERAND for entry in params.get("index", ()))


class BooleanMaskAtRunTime(ShapeMismatch):
    """A boolean mask known only at run time: the result's shape would depend on data."""


def _check_entries(x: ArrayType, index: tuple, operands: list) -> None:
    if x.weak:
        raise ShapeMismatch("a Python number cannot be indexed; index an array")
    if sum(entry is Ellipsis for entry in index) > 1:
        raise ShapeMismatch("an index can have only one ellipsis (...)")
    if sum(entry is OPERAND for entry in index) != len(operands):
        raise ShapeMismatch("the index has a different number of run-time entries "
                            "than the op has index operands")
    for t in operands:
        if t.kind == "b":
            raise BooleanMaskAtRunTime(
                "a boolean mask computed at run time selects a number of elements known "
                "only from the data, so the result has no shape while compiling; "
                "multiply by the mask instead (x * mask), or use np.where(mask, x, 0)")
        if t.kind not in "iu":
            raise ShapeMismatch(f"an index must be an integer or an integer array, not {t}")


def _normalize_index(x: ArrayType, index, operands: list) -> tuple:
    index = tuple(index) if isinstance(index, tuple) else (index,)
    _check_entries(x, index, operands)
    consumed = sum(entry is not None and entry is not Ellipsis for entry in index)
    if consumed > x.ndim:
        raise ShapeMismatch(f"too many indices ({consumed}) for an array of shape {x.shape}")
    full = (Slice(),) * (x.ndim - consumed)
    if Ellipsis in index:
        at = index.index(Ellipsis)
        index = index[:at] + full + index[at + 1:]
    else:
        index = index + full
    normalized, axis = [], 0
    for entry in index:
        if entry is None:
            normalized.append(None)
            continue
        size = x.shape[axis]
        if isinstance(entry, Slice):
            normalized.append(entry.normalized(size))
        elif isinstance(entry, (int, np.integer)) and not isinstance(entry, bool):
            normalized.append(_in_bounds(int(entry), axis, x.shape))
        elif isinstance(entry, tuple):
            normalized.append(_constant_array_entry(entry, axis, x.shape))
        elif entry is OPERAND:
            normalized.append(OPERAND)
        else:
            raise ShapeMismatch(f"{entry!r} cannot index an array")
        axis += 1
    return tuple(normalized)


def _in_bounds(k: int, axis: int, shape: tuple) -> int:
    if not -shape[axis] <= k < shape[axis]:
        raise ShapeMismatch(f"index {k} is out of bounds for axis {axis} with size "
                            f"{shape[axis]} (an array of shape {shape})")
    return k % shape[axis]


def _constant_array_entry(entry: tuple, axis: int, shape: tuple) -> tuple:
    values = np.array(entry)
    if values.size and values.dtype.kind not in "iu":
        raise ShapeMismatch(f"an index array must hold integers, not {values.dtype.name}")
    values = values.astype(np.int64)
    outside = values[(values < -shape[axis]) | (values >= shape[axis])]
    if outside.size:
        _in_bounds(int(outside[0]), axis, shape)
    return _nested_tuple((values % shape[axis]) if shape[axis] else values)


def _nested_tuple(values: np.ndarray):
    listed = values.tolist()
    def freeze(item):
        return tuple(freeze(i) for i in item) if isinstance(item, list) else item
    return freeze(listed)


def _entry_shape(entry, operand: ArrayType | None) -> tuple:
    """The shape an advanced entry contributes before broadcasting."""
    if entry is OPERAND:
        return operand.shape
    if isinstance(entry, tuple):
        return np.shape(entry)
    return ()


def indexed_shape(x: ArrayType, index: tuple, operands: list) -> tuple:
    """The shape of ``x[index]`` for a normalized index, as NumPy computes it."""
    kinds = iter(operands)
    operand_of = [next(kinds) if entry is OPERAND else None for entry in index]
    has_arrays = any(isinstance(entry, tuple) or (entry is OPERAND and t.shape != ())
                     for entry, t in zip(index, operand_of))
    advanced = [k for k, entry in enumerate(index)
                if has_arrays and (entry is OPERAND or isinstance(entry, (tuple, int)))]
    broadcast_shape = broadcast(*(_entry_shape(index[k], operand_of[k]) for k in advanced)) \
        if advanced else ()
    adjacent = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    shape, axis, placed = [], 0, False
    if advanced and not adjacent:
        shape.extend(broadcast_shape)
        placed = True
    for k, entry in enumerate(index):
        if entry is None:
            shape.append(1)
            continue
        if k in advanced:
            if not placed:
                shape.extend(broadcast_shape)
                placed = True
        elif isinstance(entry, Slice):
            shape.append(entry.length(x.shape[axis]))
        axis += 1
    return tuple(shape)


def may_repeat(index: tuple, operand_types: list) -> bool:
    """Whether a normalized index may select an element twice: an integer array known
    only at run time, several arrays, or a constant array that repeats a value."""
    arrays = [entry for entry in index if isinstance(entry, tuple)]
    if any(t.shape != () for t in operand_types) or len(arrays) > 1:
        return True
    return bool(arrays) and len(set(np.ravel(arrays[0]).tolist())) != np.size(arrays[0])


def _index(x: ArrayType, *operands: ArrayType, index=()) -> ArrayType:
    index = _normalize_index(x, index, list(operands))
    return ArrayType(indexed_shape(x, index, list(operands)), x.dtype)


def _index_update(x: ArrayType, value: ArrayType, *operands: ArrayType, index=(),
                  mode="add") -> ArrayType:
    if mode not in ("add", "set"):
        raise ShapeMismatch(f"an index update adds or sets, not {mode!r}")
    if x.weak or x.ndim == 0:
        raise ShapeMismatch("only an array of at least one dimension can be updated "
                            f"at an index, not {x}")
    index = _normalize_index(x, index, list(operands))
    constant_arrays = [entry for entry in index if isinstance(entry, tuple)]
    if mode == "set" and not operands and may_repeat(index, []) and len(constant_arrays) == 1:
        raise ShapeMismatch("this index selects an element twice, and setting keeps the "
                            "value written last, which has no derivative here; select each "
                            "element once")
    selected = indexed_shape(x, index, list(operands))
    if not _broadcasts_to(value.shape, selected):
        raise ShapeMismatch(f"cannot {mode} a value of shape {value.shape} at an index "
                            f"selecting shape {selected}")
    return ArrayType(x.shape, x.dtype)


def _index_normalizer(arity: int) -> Callable:
    """Normalization of the ``index`` parameter of an op whose run-time index entries
    come after its first `arity` inputs."""
    def normalize(types, params) -> dict:
        index = _normalize_index(types[0], params.get("index", ()), types[arity:])
        return {**params, "index": index}
    return normalize


_define("index", 1, _index, params=("index",), normalize=_index_normalizer(1))
_define("index_update", 2, _index_update, params=("index", "mode"),
        normalize=_index_normalizer(2))


# ``x.copy()``: the same value in the IR, which has no mutation; it marks for the frontend
# an array the function may write into (simplification removes it once typed).
_define("copy", 1, lambda t: ArrayType(t.shape, t.dtype))

# Primitives whose result, when it is an array, is a new one that shares memory with
# nothing: what may be written into at an index without changing another value.
RETURNS_NEW_ARRAY = frozenset({"zeros_like", "ones_like", "copy", "index_update", "add",
                               "sub", "mul", "div", "neg", "pow", "matmul"})

# ---- facts of a type: shape, ndim, size ----------------------------------------------
# ``x.shape[k]``, ``len(x)``, ``x.ndim`` and ``x.size`` are known from x's type alone. The
# frontend does not know types, so it lowers them to these ops; once the function is typed,
# simplification replaces each by the constant `TYPE_FACTS` reads from its operand's type
# (before any transform runs), so ``range(len(x))`` is a range over a literal and
# ``x.shape[0] - 1`` folds. Unpacking ``n, m = x.shape`` gives one ``dim`` per name with
# ``rank``, the number of names, which must be the number of axes.
def _dim_axis(t: ArrayType, axis, rank) -> int:
    if t.weak:
        raise ShapeMismatch("a Python number has no shape or length, unlike an array")
    if rank is not None and rank != t.ndim:
        raise ShapeMismatch(f"cannot unpack the shape {t.shape} of {t.ndim} axes into "
                            f"{rank} names")
    if not -t.ndim <= axis < t.ndim:
        what = "len() of a 0-d array" if t.ndim == 0 else f"axis {axis}"
        raise ShapeMismatch(f"{what} is out of bounds for an array of shape {t.shape}")
    return axis % t.ndim


def _array_only(t: ArrayType, what: str) -> ArrayType:
    if t.weak:
        raise ShapeMismatch(f"a Python number has no .{what}; only arrays do")
    return INT


def _dim(t: ArrayType, axis=0, rank=None) -> ArrayType:
    _dim_axis(t, axis, rank)
    return INT


_define("dim", 1, _dim, params=("axis", "rank"),
        normalize=lambda types, p: {"axis": _dim_axis(types[0], p.get("axis", 0),
                                                      p.get("rank")),
                                    "rank": p.get("rank")})
_define("ndim", 1, lambda t: _array_only(t, "ndim"))
_define("size", 1, lambda t: _array_only(t, "size"))

TYPE_FACTS = {  # primitive -> its value, from its operand's type and its params
    "dim": lambda t, axis, rank=None: t.shape[axis],
    "ndim": lambda t: t.ndim,
    "size": lambda t: t.size,
}


# ---- linear algebra -----------------------------------------------------------------
# Matrices are the last two axes; the axes before them are a batch (a stack of matrices).
def _matrix(t: ArrayType, function: str, square: bool = True) -> ArrayType:
    if t.ndim < 2:
        raise ShapeMismatch(f"{function} needs a matrix (at least 2 dimensions), "
                            f"not an array of shape {t.shape}")
    if square and t.shape[-1] != t.shape[-2]:
        raise ShapeMismatch(f"{function} needs square matrices, not shape {t.shape}")
    return _to_inexact(ArrayType(t.shape, t.dtype))


def _square_matrix_function(function: str) -> Callable:
    return lambda t: _matrix(t, function)


def _per_matrix(function: str, vector: bool = False) -> Callable:
    """A result per matrix of the batch: a number (det), or a vector (eigenvalues)."""
    def abstract(t: ArrayType) -> ArrayType:
        m = _matrix(t, function)
        return ArrayType(m.shape[:-1] if vector else m.shape[:-2], m.dtype)
    return abstract


def _solve(a: ArrayType, b: ArrayType) -> ArrayType:
    """NumPy 2's rule: a 1-d b is one vector, anything else a (stack of) matrices."""
    a = _matrix(a, "solve")
    n = a.shape[-1]
    dtype = _to_inexact(promote(a, b)).dtype
    if b.ndim == 1:
        if b.shape[0] != n:
            raise ShapeMismatch(f"solve of shapes {a.shape} and {b.shape}: the vector "
                                f"needs {n} entries")
        return ArrayType(a.shape[:-1], dtype)
    if b.ndim == 0 or b.shape[-2] != n:
        raise ShapeMismatch(f"solve of shapes {a.shape} and {b.shape}: the right-hand "
                            f"side needs {n} rows")
    return ArrayType(broadcast(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], dtype)


def _pinv(t: ArrayType) -> ArrayType:
    m = _matrix(t, "pinv", square=False)
    return ArrayType(m.shape[:-2] + (m.shape[-1], m.shape[-2]), m.dtype)


_define("inv", 1, _square_matrix_function("inv"))
_define("cholesky", 1, _square_matrix_function("cholesky"))
_define("det", 1, _per_matrix("det"))
# The functions returning a pair are a primitive for each element (the frontend makes
# `s, l = np.linalg.slogdet(a)` both; code that uses one computes one).
_define("slogdet_sign", 1, _per_matrix("slogdet"))
_define("slogdet_logabsdet", 1, _per_matrix("slogdet"))
_define("eigh_values", 1, _per_matrix("eigh", vector=True))
_define("eigh_vectors", 1, _square_matrix_function("eigh"))
_define("solve", 2, _solve)
_define("pinv", 1, _pinv)


# ---- the runtime's tape -------------------------------------------------------------
# A tape's type is set by the pushes onto it and read by its pops (see `ir.infer`).
_define("tape_new", 0, lambda: TAPE, pure=False)
_define("push", 2, lambda tape, value: None, pure=False)
_define("pop", 1, lambda tape: tape.element, pure=False)
