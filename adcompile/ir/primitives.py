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

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .types import (BOOL, FLOAT, INT, TAPE, ArrayType, ListType, ShapeMismatch, Type,
                    broadcast, elementwise, promote, with_dtype)


@dataclass(frozen=True)
class Primitive:
    name: str
    arity: int | None                 # None: any number of operands, one at least (einsum, joins)
    abstract: Callable[..., Type]     # abstract(*input_types, **params) -> result type
    params: tuple[str, ...] = ()      # the parameters it declares
    normalize: Callable | None = None  # normalize(input_types, params) -> params
    pure: bool = True
    boolean: bool = False             # result is a truth value: never differentiable
    commutative: bool = False
    on_lists: bool = False            # takes or gives a list (see "lists" below)


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
def _factorial(t: ArrayType) -> ArrayType:
    if not t.weak:  # math.factorial takes one Python int; NumPy has no factorial
        raise ShapeMismatch(f"math.factorial needs a Python int, not {t}")
    return INT


_define("factorial", 1, _factorial)
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
# A zero or one array like the operand (a Python scalar's is a 0-d array, as NumPy's), of
# the operand's dtype unless `dtype` says otherwise (np.zeros_like(x, dtype=int)).
def _like_params(types, p) -> dict:
    dtype = p.get("dtype")
    dtype = None if dtype is None else _dtype_name(dtype)
    return {} if dtype in (None, types[0].dtype) else {"dtype": dtype}


for _name in ("zeros_like", "ones_like"):
    _define(_name, 1, lambda t, dtype=None: ArrayType(t.shape, dtype or t.dtype),
            params=("dtype",), normalize=_like_params)



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
# tuple of ints (a constant integer array), `OPERAND`, which stands for the next input
# after the primitive's fixed operands: an index known only at run time (a loop's ``i``,
# an integer array), or a `Window`, a slice of fixed length whose start is the next input
# (``x[i:i + 3]``). Normalization, once the types are known, expands ``...``, adds the
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


@dataclass(frozen=True)
class Window:
    """``start:start + length * step:step`` with the start given at run time, the op's next
    input as for `OPERAND`: a slice whose length is known while compiling (``x[i:i + 3]``,
    ``x[2 * i:2 * i + 2]``). NumPy shortens such a slice where it passes the end of the
    axis; compiled code raises there instead (see ``check_window``), so every window
    selects `length` elements, from start on, `step` apart."""

    length: int
    step: int = 1

    def __repr__(self) -> str:
        step = "" if self.step == 1 else f":{self.step}"
        return f"@:@+{self.length * self.step}{step}"

    @property
    def reach(self) -> int:
        """How far past its start a window's last element is, plus one: the room it needs."""
        return (self.length - 1) * self.step + 1 if self.length else 0


def takes_operand(entry) -> bool:
    """Whether an index entry is given (or starts) at run time: the op's next input."""
    return entry is OPERAND or isinstance(entry, Window)


def index_operand_count(params: dict) -> int:
    """How many inputs an op takes beyond its primitive's arity: its run-time index
    entries."""
    return sum(map(takes_operand, params.get("index", ())))


class BooleanMaskAtRunTime(ShapeMismatch):
    """A boolean mask known only at run time: the result's shape would depend on data."""


def _check_entries(x: ArrayType, index: tuple, operands: list) -> None:
    if x.weak:
        raise ShapeMismatch("a Python number cannot be indexed; index an array")
    if sum(entry is Ellipsis for entry in index) > 1:
        raise ShapeMismatch("an index can have only one ellipsis (...)")
    if sum(map(takes_operand, index)) != len(operands):
        raise ShapeMismatch("the index has a different number of run-time entries "
                            "than the op has index operands")
    starts = [t for entry, t in zip([e for e in index if takes_operand(e)], operands)
              if isinstance(entry, Window)]
    if any(t.shape != () for t in starts):
        raise ShapeMismatch("a slice's start must be one integer, not an array")
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
        elif isinstance(entry, Window):
            normalized.append(_window_fitting(entry, axis, x.shape))
        else:
            raise ShapeMismatch(f"{entry!r} cannot index an array")
        axis += 1
    return tuple(normalized)


def _in_bounds(k: int, axis: int, shape: tuple) -> int:
    if not -shape[axis] <= k < shape[axis]:
        raise ShapeMismatch(f"index {k} is out of bounds for axis {axis} with size "
                            f"{shape[axis]} (an array of shape {shape})")
    return k % shape[axis]


def _window_fitting(window: Window, axis: int, shape: tuple) -> Window:
    if not isinstance(window.length, int) or not isinstance(window.step, int) or \
            window.length < 0 or window.step < 1:
        raise ShapeMismatch(f"a slice of run-time start needs a length of zero or more and "
                            f"a positive step, not {window.length} and {window.step}")
    if window.reach > shape[axis]:
        apart = "" if window.step == 1 else f" {window.step} apart"
        raise ShapeMismatch(f"a slice of {window.length} elements{apart} does not fit in axis "
                            f"{axis} of size {shape[axis]} (an array of shape {shape}) "
                            "wherever it starts")
    return window


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
    operand_of = [next(kinds) if takes_operand(entry) else None for entry in index]
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
        elif isinstance(entry, Window):
            shape.append(entry.length)
        axis += 1
    return tuple(shape)


def is_basic_index(index: tuple, operand_types: list) -> bool:
    """Whether an index is NumPy's basic indexing, which gives a view of the array: ints,
    slices and windows, no integer array."""
    return not any(isinstance(entry, tuple) for entry in index) and \
        all(t.shape == () for t in operand_types)


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


# The start of a `window` in an axis of `size`, checked to leave the room the window needs
# before the end (and to be non-negative): the start, or an IndexError naming the slice
# as `written`, its start as `start_text`. Once per window the user writes; the ops
# derivatives add read the checked start.
def _check_window(start: ArrayType, size: int, window: Window, written: str,
                  start_text: str) -> ArrayType:
    if start.shape != () or start.kind not in "iu":
        raise ShapeMismatch(f"the start of {written} must be one integer, not {start}")
    return start


_define("check_window", 1, _check_window, params=("size", "window", "written", "start_text"))
_define("index", 1, _index, params=("index",), normalize=_index_normalizer(1))
_define("index_update", 2, _index_update, params=("index", "mode"),
        normalize=_index_normalizer(2))


# ``x.copy()``: the same value in the IR, which has no mutation; it marks for the frontend
# an array the function may write into (simplification removes it once typed).
_define("copy", 1, lambda t: ArrayType(t.shape, t.dtype))

# Primitives whose result, when it is an array, is a new one that shares memory with
# nothing: what may be written into at an index without changing another value. The rest
# may give a view of an operand (`VIEWS`: indexing, the reshapes, np.diag of a matrix,
# np.einsum("ij->ji", a)), or are casts that give back the operand itself.
RETURNS_NEW_ARRAY = frozenset({
    "zeros_like", "ones_like", "copy", "index_update", "astype",
    # arithmetic, comparisons, NumPy's elementwise functions (ufuncs) and selections
    "add", "sub", "mul", "div", "neg", "pow", "floordiv", "mod", "abs", "sign",
    "lt", "le", "gt", "ge", "eq", "ne", "not", "maximum", "minimum", "fmax", "fmin",
    "clip", "where", "floor", "ceil", "trunc", "round", "reciprocal",
    "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
    "expm1", "log", "log1p", "log2", "log10", "sqrt", "arcsinh", "arccosh", "arctanh",
    "exp2", "deg2rad", "rad2deg", "arctan2", "hypot", "logaddexp", "logaddexp2",
    # reductions (with an axis, an array) and scans
    "sum", "mean", "prod", "max", "min", "var", "std", "norm", "argmax", "argmin",
    "cumsum", "cumprod", "diff", "trace",
    # products and linear algebra
    "matmul", "kron", "cross", "inv", "solve", "det", "slogdet_sign", "slogdet_logabsdet",
    "cholesky", "eigh_values", "eigh_vectors", "pinv",
    # creation, joins, and the shape operations that copy
    "zeros", "ones", "full", "full_like", "eye", "arange", "linspace", "concatenate",
    "stack", "hstack", "vstack", "pad", "repeat", "tile", "roll", "triu", "tril", "vander",
    # lists (defined below)
    "list_new", "list_append", "list_set", "list_add_at", "list_drop_last",
    "list_zeros_like", "list_add", "list_stack", "list_unstack", "list_broadcast",
    "list_batch_sum"})
# Primitives whose result may share memory with their first operand.
VIEWS = frozenset({"index", "transpose", "reshape", "ravel", "squeeze", "expand_dims",
                   "swapaxes", "moveaxis", "flip", "diagonal", "diag", "broadcast_to",
                   "atleast_1d", "atleast_2d", "atleast_3d", "split", "einsum"})

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

# ``x.dtype == np.float32``: a truth value known from x's type, so that a branch on it
# is taken while compiling.
def _dtype_is(t: ArrayType, dtype) -> ArrayType:
    if t.weak:
        raise ShapeMismatch("a Python number has no dtype, unlike an array")
    return BOOL


_define("dtype_is", 1, _dtype_is, params=("dtype",),
        normalize=lambda types, p: {"dtype": _dtype_name(p["dtype"])}, boolean=True)

TYPE_FACTS = {  # primitive -> its value, from its operand's type and its params
    "dim": lambda t, axis, rank=None: t.shape[axis],
    "ndim": lambda t: t.ndim,
    "size": lambda t: t.size,
    "dtype_is": lambda t, dtype: t.dtype == dtype,
}
# ---- shape operations, joining and splitting, creation ------------------------------
# Each is NumPy's function of the same name (what it is spelled as), typed from shapes
# alone. Creation ops take their shape and dtype as parameters, so compiling never
# allocates an array of the user's size.
def _one_axis(ndim: int, axis, shape: tuple) -> int:
    if not isinstance(axis, (int, np.integer)) or not -ndim <= axis < ndim:
        raise ShapeMismatch(f"axis {axis} is out of bounds for an array of shape {shape}")
    return int(axis) % ndim


def _axis_tuple(ndim: int, axis, shape: tuple) -> tuple:
    """`axis` (an int or a sequence of them) as non-negative ints, in the order given."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    normalized = tuple(_one_axis(ndim, a, shape) for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ShapeMismatch(f"axis {axis} repeats an axis")
    return normalized


def _dtype_name(dtype) -> str:
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise ShapeMismatch(f"{dtype!r} is not a NumPy dtype") from None
    if dtype.kind not in "biufc":
        raise ShapeMismatch(f"arrays of {dtype.name} are not supported: use numbers")
    return dtype.name


def _joined_dtype(types) -> str:
    """What NumPy makes of a sequence of values put into one array: Python scalars count
    as float64, int64 or bool (np.array([np.float32(1), 2.0]) is float64)."""
    return np.result_type(*[np.dtype(t.dtype) for t in types]).name


def _shape_param(shape) -> tuple:
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    if not all(isinstance(n, (int, np.integer)) and n >= 0 for n in shape):
        raise ShapeMismatch(f"a shape is made of non-negative ints, not {shape}")
    return tuple(int(n) for n in shape)


def _like(t: ArrayType, shape: tuple) -> ArrayType:
    return ArrayType(tuple(shape), t.dtype)


_define("ravel", 1, lambda t: _like(t, (t.size,)))


def _squeezed(t: ArrayType, axis) -> tuple:
    if axis is None:
        return tuple(i for i, n in enumerate(t.shape) if n == 1)
    axes = tuple(sorted(_axis_tuple(t.ndim, axis, t.shape)))
    for a in axes:
        if t.shape[a] != 1:
            raise ShapeMismatch(f"cannot squeeze axis {a} of an array of shape {t.shape}: "
                                f"its length is {t.shape[a]}, not 1")
    return axes


_define("squeeze", 1,
        lambda t, axis=None: _like(t, tuple(n for i, n in enumerate(t.shape)
                                            if i not in _squeezed(t, axis))),
        params=("axis",),
        normalize=lambda types, p: {"axis": _squeezed(types[0], p.get("axis"))})


def _expanded(t: ArrayType, axis) -> tuple:
    """The positions of the new axes in the result, sorted."""
    count = 1 if isinstance(axis, (int, np.integer)) else len(tuple(axis))
    return tuple(sorted(_axis_tuple(t.ndim + count, axis, t.shape)))


def _expand_dims(t: ArrayType, axis) -> ArrayType:
    new = _expanded(t, axis)
    rest = iter(t.shape)
    return _like(t, tuple(1 if i in new else next(rest) for i in range(t.ndim + len(new))))


_define("expand_dims", 1, _expand_dims, params=("axis",),
        normalize=lambda types, p: {"axis": _expanded(types[0], p["axis"])})


def atleast_shape(shape: tuple, ndim: int) -> tuple:
    """The shape np.atleast_1d, _2d or _3d gives: a vector is a row of a matrix, and the
    middle of a 3-d array; a matrix is the first two axes of a 3-d array."""
    if len(shape) >= ndim:
        return shape
    if ndim == 3:
        return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}[len(shape)]
    return (1,) * (ndim - len(shape)) + shape


for _ndim in (1, 2, 3):
    _define(f"atleast_{_ndim}d", 1, lambda t, n=_ndim: _like(t, atleast_shape(t.shape, n)))


def _swapaxes(t: ArrayType, axis1, axis2) -> ArrayType:
    shape = list(t.shape)
    a, c = _one_axis(t.ndim, axis1, t.shape), _one_axis(t.ndim, axis2, t.shape)
    shape[a], shape[c] = shape[c], shape[a]
    return _like(t, shape)


_define("swapaxes", 1, _swapaxes, params=("axis1", "axis2"),
        normalize=lambda types, p: {k: _one_axis(types[0].ndim, p[k], types[0].shape)
                                    for k in ("axis1", "axis2")})


def moveaxis_order(ndim: int, source: tuple, destination: tuple) -> tuple:
    """The permutation np.moveaxis applies (as np.transpose's axes)."""
    order = [n for n in range(ndim) if n not in source]
    for dest, src in sorted(zip(destination, source)):
        order.insert(dest, src)
    return tuple(order)


def _moveaxis_params(t: ArrayType, source, destination) -> dict:
    source = _axis_tuple(t.ndim, source, t.shape)
    destination = _axis_tuple(t.ndim, destination, t.shape)
    if len(source) != len(destination):
        raise ShapeMismatch(f"moveaxis needs as many destinations as sources, not "
                            f"{len(source)} and {len(destination)}")
    return {"source": source, "destination": destination}


def _moveaxis(t: ArrayType, source, destination) -> ArrayType:
    p = _moveaxis_params(t, source, destination)
    return _like(t, tuple(t.shape[a] for a in moveaxis_order(t.ndim, **p)))


_define("moveaxis", 1, _moveaxis, params=("source", "destination"),
        normalize=lambda types, p: _moveaxis_params(types[0], p["source"], p["destination"]))


def _flip_axes(t: ArrayType, axis) -> tuple:
    return tuple(range(t.ndim)) if axis is None else \
        tuple(sorted(_axis_tuple(t.ndim, axis, t.shape)))


def _flip(t: ArrayType, axis=None) -> ArrayType:
    _flip_axes(t, axis)  # a bad axis raises
    return _like(t, t.shape)


_define("flip", 1, _flip, params=("axis",),
        normalize=lambda types, p: {"axis": _flip_axes(types[0], p.get("axis"))})


def _roll_params(t: ArrayType, shift, axis) -> dict:
    """Shifts paired with axes: ints when `axis` is None (the flattened array), else a
    tuple of shifts as long as the tuple of axes."""
    if axis is None:
        if not isinstance(shift, (int, np.integer)):
            raise ShapeMismatch("roll without an axis takes one int shift")
        return {"shift": int(shift), "axis": None}
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    axes = tuple(_one_axis(t.ndim, a, t.shape) for a in axes)
    shifts = (shift,) * len(axes) if isinstance(shift, (int, np.integer)) else tuple(shift)
    if len(shifts) != len(axes):
        raise ShapeMismatch(f"roll of shifts {shifts} along axes {axes}: one shift per axis")
    return {"shift": tuple(int(s) for s in shifts), "axis": axes}


def _roll(t: ArrayType, shift, axis=None) -> ArrayType:
    _roll_params(t, shift, axis)  # a bad shift or axis raises
    return _like(t, t.shape)


_define("roll", 1, _roll, params=("shift", "axis"),
        normalize=lambda types, p: _roll_params(types[0], p["shift"], p.get("axis")))


def _repeat_params(t: ArrayType, repeats, axis) -> dict:
    if not isinstance(repeats, (int, np.integer)) or isinstance(repeats, bool) or \
            repeats < 0:
        raise ShapeMismatch(f"repeats must be a non-negative int, not {repeats!r}")
    return {"repeats": int(repeats),
            "axis": None if axis is None else _one_axis(t.ndim, axis, t.shape)}


def _repeat(t: ArrayType, repeats, axis=None) -> ArrayType:
    p = _repeat_params(t, repeats, axis)
    if p["axis"] is None:
        return _like(t, (t.size * p["repeats"],))
    shape = list(t.shape)
    shape[p["axis"]] *= p["repeats"]
    return _like(t, shape)


_define("repeat", 1, _repeat, params=("repeats", "axis"),
        normalize=lambda types, p: _repeat_params(types[0], p["repeats"], p.get("axis")))


def _tile_reps(t: ArrayType, reps) -> tuple:
    """`reps` padded with ones in front to the result's number of axes."""
    reps = _shape_param(reps)
    return (1,) * (t.ndim - len(reps)) + reps


def _tile(t: ArrayType, reps) -> ArrayType:
    reps = _tile_reps(t, reps)
    shape = (1,) * (len(reps) - t.ndim) + t.shape
    return _like(t, tuple(r * n for r, n in zip(reps, shape)))


_define("tile", 1, _tile, params=("reps",),
        normalize=lambda types, p: {"reps": _tile_reps(types[0], p["reps"])})


def diagonal_length(rows: int, columns: int, offset: int) -> int:
    return max(0, min(rows, columns - offset) if offset >= 0 else min(rows + offset, columns))


def _diagonal_params(t: ArrayType, offset, axis1, axis2) -> dict:
    if t.ndim < 2:
        raise ShapeMismatch(f"diagonal needs an array of two axes or more, not shape {t.shape}")
    a, c = _one_axis(t.ndim, axis1, t.shape), _one_axis(t.ndim, axis2, t.shape)
    if a == c:
        raise ShapeMismatch(f"diagonal needs two different axes, not {axis1} and {axis2}")
    return {"offset": int(offset), "axis1": a, "axis2": c}


def _diagonal(t: ArrayType, offset=0, axis1=0, axis2=1) -> ArrayType:
    p = _diagonal_params(t, offset, axis1, axis2)
    rest = tuple(n for i, n in enumerate(t.shape) if i not in (p["axis1"], p["axis2"]))
    return _like(t, rest + (diagonal_length(t.shape[p["axis1"]], t.shape[p["axis2"]],
                                            p["offset"]),))


_define("diagonal", 1, _diagonal, params=("offset", "axis1", "axis2"),
        normalize=lambda types, p: _diagonal_params(types[0], p.get("offset", 0),
                                                    p.get("axis1", 0), p.get("axis2", 1)))


def _diag(t: ArrayType, k=0) -> ArrayType:
    if t.ndim == 1:
        n = t.shape[0] + abs(k)
        return _like(t, (n, n))
    if t.ndim == 2:
        return _diagonal(t, k)
    raise ShapeMismatch(f"diag takes a vector or a matrix, not an array of shape {t.shape}; "
                        "use np.diagonal for more axes")


_define("diag", 1, _diag, params=("k",),
        normalize=lambda types, p: {"k": int(p.get("k", 0))})


def _triangle(t: ArrayType, k=0) -> ArrayType:
    if t.ndim < 2:
        raise ShapeMismatch(f"triu and tril take matrices (or stacks of them), not an array "
                            f"of shape {t.shape}")
    return _like(t, t.shape)


for _name in ("triu", "tril"):
    _define(_name, 1, _triangle, params=("k",),
            normalize=lambda types, p: {"k": int(p.get("k", 0))})


def _concatenate(*types: ArrayType, axis=0) -> ArrayType:
    dtype = _joined_dtype(types)
    if axis is None:
        return ArrayType((sum(t.size for t in types),), dtype)
    first = types[0]
    if any(t.ndim == 0 for t in types):
        raise ShapeMismatch("concatenate joins arrays along an axis, so none can be a "
                            "scalar; use np.array([...]) or np.stack for scalars")
    axis = _one_axis(first.ndim, axis, first.shape)
    for t in types[1:]:
        if t.ndim != first.ndim or any(n != m for i, (n, m) in
                                       enumerate(zip(t.shape, first.shape)) if i != axis):
            raise ShapeMismatch(f"cannot concatenate shapes {first.shape} and {t.shape} "
                                f"along axis {axis}: the other axes differ")
    shape = list(first.shape)
    shape[axis] = sum(t.shape[axis] for t in types)
    return ArrayType(tuple(shape), dtype)


def _concatenate_axis(types, axis):
    return None if axis is None else _one_axis(types[0].ndim, axis, types[0].shape)


_define("concatenate", None, _concatenate, params=("axis",),
        normalize=lambda types, p: {"axis": _concatenate_axis(types, p.get("axis", 0))})


def _stack(*types: ArrayType, axis=0) -> ArrayType:
    first = types[0]
    for t in types[1:]:
        if t.shape != first.shape:
            raise ShapeMismatch(f"cannot stack shapes {first.shape} and {t.shape}: "
                                "stacked arrays have one shape")
    axis = _one_axis(first.ndim + 1, axis, first.shape)
    return ArrayType(first.shape[:axis] + (len(types),) + first.shape[axis:],
                     _joined_dtype(types))


_define("stack", None, _stack, params=("axis",),
        normalize=lambda types, p: {"axis": _one_axis(types[0].ndim + 1, p.get("axis", 0),
                                                       types[0].shape)})


def stacking_axis(prim: str, types) -> int:
    """The axis hstack and vstack concatenate along, after atleast_1d or atleast_2d."""
    return 1 if prim == "hstack" and len(atleast_shape(types[0].shape, 1)) > 1 else 0


for _name, _ndim in (("hstack", 1), ("vstack", 2)):
    _define(_name, None, lambda *types, name=_name, n=_ndim: _concatenate(
        *[_like(t, atleast_shape(t.shape, n)) for t in types],
        axis=stacking_axis(name, types)))


def split_bounds(length: int, sections, piece: int, equal: bool) -> tuple:
    """(start, stop) of piece `piece` of np.split (`equal`) or np.array_split."""
    if isinstance(sections, (int, np.integer)):
        if sections <= 0:
            raise ShapeMismatch(f"cannot split into {sections} sections")
        if equal and length % sections:
            raise ShapeMismatch(f"cannot split a length of {length} into {sections} equal "
                                "sections; np.array_split allows unequal ones")
        size, extra = divmod(length, int(sections))
        starts = [k * size + min(k, extra) for k in range(int(sections) + 1)]
        return starts[piece], starts[piece + 1]
    bounds = [0, *sections, length]
    return slice(bounds[piece], bounds[piece + 1]).indices(length)[:2]


def _split_params(t: ArrayType, axis=0, start=None, stop=None, indices_or_sections=None,
                  piece=None, equal=True) -> dict:
    """A piece of a split is the slice [start:stop] along `axis` (bounds as in Python)."""
    if t.ndim == 0:
        raise ShapeMismatch("cannot split a scalar")
    axis = _one_axis(t.ndim, axis, t.shape)
    if indices_or_sections is not None:
        start, stop = split_bounds(t.shape[axis], indices_or_sections, piece, equal)
    else:
        start, stop = slice(start, stop).indices(t.shape[axis])[:2]
    return {"axis": axis, "start": start, "stop": max(start, stop)}


def _split(t: ArrayType, **params) -> ArrayType:
    p = _split_params(t, **params)
    shape = list(t.shape)
    shape[p["axis"]] = p["stop"] - p["start"]
    return _like(t, shape)


_define("split", 1, _split,
        params=("axis", "start", "stop", "indices_or_sections", "piece", "equal"),
        normalize=lambda types, p: _split_params(types[0], **p))


def _pad_width(t: ArrayType, pad_width) -> tuple:
    """NumPy's forms (n; (before, after); one pair per axis) as one pair per axis."""
    refused = ShapeMismatch(f"cannot pad an array of shape {t.shape} by {pad_width!r}: give "
                            "non-negative ints, one (before, after) pair per axis")
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=object), (t.ndim, 2))
    except ValueError:
        raise refused from None
    if not all(isinstance(n, (int, np.integer)) and n >= 0 for n in widths.flat):
        raise refused
    return tuple((int(before), int(after)) for before, after in widths)


def _pad(t: ArrayType, pad_width) -> ArrayType:
    widths = _pad_width(t, pad_width)
    return _like(t, tuple(n + before + after for n, (before, after) in zip(t.shape, widths)))


# zeros around the operand (np.pad's default mode): the transpose of a piece of a split
_define("pad", 1, _pad, params=("pad_width",),
        normalize=lambda types, p: {"pad_width": _pad_width(types[0], p["pad_width"])})


def _vander_params(t: ArrayType, N, increasing) -> dict:
    if t.ndim != 1:
        raise ShapeMismatch(f"vander needs a vector, not an array of shape {t.shape}")
    N = t.shape[0] if N is None else N
    if not isinstance(N, (int, np.integer)) or isinstance(N, bool) or N < 0:
        raise ShapeMismatch(f"vander's N must be a non-negative int, not {N!r}")
    return {"N": int(N), "increasing": bool(increasing)}


def _vander(t: ArrayType, N=None, increasing=False) -> ArrayType:
    p = _vander_params(t, N, increasing)
    return ArrayType((t.shape[0], p["N"]), np.vander(np.zeros(1, t.dtype), 1).dtype.name)


# np.vander: the powers x**(N-1), ..., x, 1 of a vector as columns (the other way round
# with `increasing`)
_define("vander", 1, _vander, params=("N", "increasing"),
        normalize=lambda types, p: _vander_params(types[0], p.get("N"),
                                                  p.get("increasing", False)))


def _creation(shape, dtype="float64") -> ArrayType:
    return ArrayType(_shape_param(shape), _dtype_name(dtype))


def _creation_params(p: dict) -> dict:
    return {"shape": _shape_param(p["shape"]), "dtype": _dtype_name(p.get("dtype") or float)}


for _name in ("zeros", "ones"):
    _define(_name, 0, _creation, params=("shape", "dtype"),
            normalize=lambda types, p: _creation_params(p))


def _full(fill: ArrayType, shape, dtype=None) -> ArrayType:
    shape = _shape_param(shape)
    if not _broadcasts_to(fill.shape, shape):
        raise ShapeMismatch(f"cannot fill an array of shape {shape} with one of shape "
                            f"{fill.shape}")
    return ArrayType(shape, _dtype_name(dtype or fill.dtype))


_define("full", 1, _full, params=("shape", "dtype"),
        normalize=lambda types, p: {"shape": _shape_param(p["shape"]),
                                    "dtype": _dtype_name(p.get("dtype") or types[0].dtype)})


def _full_like(a: ArrayType, fill: ArrayType, dtype=None) -> ArrayType:
    return _full(fill, a.shape, dtype or a.dtype)


_define("full_like", 2, _full_like, params=("dtype",),
        normalize=lambda types, p: {"dtype": _dtype_name(p.get("dtype") or types[0].dtype)})


def _eye_params(p: dict) -> dict:
    rows = _shape_param(p["N"])[0]
    columns = rows if p.get("M") is None else _shape_param(p["M"])[0]
    return {"N": rows, "M": columns, "k": int(p.get("k", 0)),
            "dtype": _dtype_name(p.get("dtype") or float)}


_define("eye", 0, lambda N, M=None, k=0, dtype=None:
        _creation((N, N if M is None else M), dtype or float),
        params=("N", "M", "k", "dtype"), normalize=lambda types, p: _eye_params(p))


def _arange_params(p: dict) -> dict:
    start, stop, step = p["start"], p.get("stop"), p.get("step")
    if stop is None:
        start, stop = 0, start
    step = 1 if step is None else step
    numbers = (start, stop, step)
    if not all(isinstance(v, (int, float, np.integer, np.floating)) and
               not isinstance(v, bool) for v in numbers):
        raise ShapeMismatch(f"arange takes numbers, not {numbers}")
    if step == 0:
        raise ShapeMismatch("arange with a step of 0")
    dtype = p.get("dtype") or np.result_type(*numbers)
    return {"start": start, "stop": stop, "step": step, "dtype": _dtype_name(dtype)}


def _arange(start, stop=None, step=None, dtype=None) -> ArrayType:
    p = _arange_params({"start": start, "stop": stop, "step": step, "dtype": dtype})
    length = max(0, math.ceil((p["stop"] - p["start"]) / p["step"]))
    return ArrayType((length,), p["dtype"])


_define("arange", 0, _arange, params=("start", "stop", "step", "dtype"),
        normalize=lambda types, p: _arange_params(p))


def _linspace_params(p: dict) -> dict:
    num = p.get("num", 50)
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ShapeMismatch(f"linspace of {num!r} numbers")
    return {"start": p["start"], "stop": p["stop"], "num": int(num),
            "endpoint": bool(p.get("endpoint", True)),
            "dtype": _dtype_name(p.get("dtype") or np.result_type(p["start"], p["stop"],
                                                                   float))}


def _linspace(**given) -> ArrayType:
    p = _linspace_params(given)
    return ArrayType((p["num"],), p["dtype"])


_define("linspace", 0, _linspace, params=("start", "stop", "num", "endpoint", "dtype"),
        normalize=lambda types, p: _linspace_params(p))


def _astype(t: ArrayType, dtype) -> ArrayType:
    return ArrayType(t.shape, _dtype_name(dtype))


_define("astype", 1, _astype, params=("dtype",),
        normalize=lambda types, p: {"dtype": _dtype_name(p["dtype"])})


# ---- reductions -----------------------------------------------------------------------
def _reduction_params(types, p) -> dict:
    return {"axis": _axes(types[0], p.get("axis")),
            "keepdims": bool(p.get("keepdims", False))}


def _reduced(reduce_one):
    """The abstract rule of a reduction whose result dtype is what NumPy gives
    `reduce_one` of a one-element array of the input's dtype."""
    def abstract(t: ArrayType, axis=None, keepdims=False) -> ArrayType:
        axis = _axes(t, axis)
        return ArrayType(_reduced_shape(t, axis, keepdims),
                         reduce_one(np.zeros(1, t.dtype)).dtype.name)
    return abstract


def _extremum(name: str):
    reduce = _reduced(lambda a: a.max())

    def abstract(t: ArrayType, axis=None, keepdims=False) -> ArrayType:
        if any(t.shape[a] == 0 for a in _axes(t, axis)):
            raise ShapeMismatch(f"{name} of an array of shape {t.shape} along an axis of "
                                "length 0: there is nothing to choose from")
        return reduce(t, axis, keepdims)
    return abstract


_define("mean", 1, _reduced(lambda a: a.mean()), params=("axis", "keepdims"),
        normalize=_reduction_params)
_define("prod", 1, _reduced(lambda a: a.prod()), params=("axis", "keepdims"),
        normalize=_reduction_params)
_define("max", 1, _extremum("max"), params=("axis", "keepdims"), normalize=_reduction_params)
_define("min", 1, _extremum("min"), params=("axis", "keepdims"), normalize=_reduction_params)
_var_type = _reduced(lambda a: a.var())


def _var(t: ArrayType, axis=None, ddof=0, keepdims=False) -> ArrayType:
    _ddof(ddof)  # a number
    return _var_type(t, axis, keepdims)


for _name in ("var", "std"):
    _define(_name, 1, _var, params=("axis", "ddof", "keepdims"),
            normalize=lambda types, p: {**_reduction_params(types, p),
                                        "ddof": _ddof(p.get("ddof", 0))})


def _ddof(ddof):
    if not isinstance(ddof, (int, float, np.integer, np.floating)) or isinstance(ddof, bool):
        raise ShapeMismatch(f"ddof must be a number, not {ddof!r}")
    return int(ddof) if float(ddof).is_integer() else float(ddof)


def _running_axis(t: ArrayType, axis, name: str = "cumsum"):
    """None (the flattened array) or the one axis, non-negative."""
    if axis is None:
        return None
    if not isinstance(axis, (int, np.integer)):
        raise ShapeMismatch(f"{name} takes one axis or None, not {axis!r}")
    return _axes(t, axis)[0]


def _running(name: str):
    """The type of a running sum or product (np.cumsum, np.cumprod): NumPy's dtype, and
    the flattened shape when `axis` is None."""
    def abstract(t: ArrayType, axis=None) -> ArrayType:
        axis = _running_axis(t, axis, name)
        dtype = getattr(np.zeros(0, t.dtype), name)().dtype.name
        return ArrayType((t.size,) if axis is None else t.shape, dtype)
    return abstract


for _name in ("cumsum", "cumprod"):
    _define(_name, 1, _running(_name), params=("axis",),
            normalize=lambda types, p, name=_name: {
                "axis": _running_axis(types[0], p.get("axis"), name)})


def _diff_params(t: ArrayType, n, axis) -> dict:
    if t.ndim == 0:
        raise ShapeMismatch("diff needs an array of one dimension or more, not a scalar")
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
        raise ShapeMismatch(f"diff's order n must be a non-negative int, not {n!r}")
    return {"n": int(n), "axis": _one_axis(t.ndim, axis, t.shape)}


def _diff(t: ArrayType, n=1, axis=-1) -> ArrayType:
    p = _diff_params(t, n, axis)
    shape = list(t.shape)
    shape[p["axis"]] = max(shape[p["axis"]] - p["n"], 0)
    return ArrayType(tuple(shape), np.diff(np.zeros(2, t.dtype)).dtype.name)


# np.diff: the n-th difference along one axis, x[1:] - x[:-1] applied n times
_define("diff", 1, _diff, params=("n", "axis"),
        normalize=lambda types, p: _diff_params(types[0], p.get("n", 1), p.get("axis", -1)))

_MATRIX_ORDS = ("fro", 1, -1, np.inf, -np.inf)


def _norm_params(types, p) -> dict:
    """`axis` as a tuple: one axis is a vector norm, two (in the order given: rows, then
    columns) a matrix norm; None is every axis of a vector or a matrix, or, without `ord`,
    the 2-norm of the flattened array."""
    t, ord, axis = types[0], p.get("ord"), p.get("axis")
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ShapeMismatch(f"norm order {ord!r} is not one of 'fro', 'nuc' or a number")
    if axis is None:
        if ord is not None and t.ndim not in (1, 2):
            raise ShapeMismatch(f"a norm of order {ord!r} of an array of shape {t.shape} "
                                "needs axis= (one axis, or two for a matrix norm)")
        axes = tuple(range(t.ndim))
    else:
        axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
        _axes(t, axes)  # in bounds and distinct
        axes = tuple(int(a) % t.ndim for a in axes)
        if len(axes) > 2 and not (ord is None and sorted(axes) == list(range(t.ndim))):
            raise ShapeMismatch(f"a norm over {len(axes)} axes: give one axis for a "
                                "vector norm, two for a matrix norm")
    matrix = len(axes) == 2 and (ord is not None or axis is not None)
    if matrix and ord not in (None,) + _MATRIX_ORDS:
        raise ShapeMismatch(f"the matrix norm of order {ord!r} is a function of the "
                            "singular values, whose derivative adcompile does not compute; "
                            "'fro', 1, -1, inf and -inf are supported")
    if not matrix and len(axes) == 1 and isinstance(ord, str):
        raise ShapeMismatch(f"norm order {ord!r} is for matrices, not vectors")
    if ord is not None and not isinstance(ord, str):
        ord = float(ord) if not float(ord).is_integer() or np.isinf(ord) else int(ord)
    return {"ord": ord, "axis": axes, "keepdims": bool(p.get("keepdims", False))}


def _norm(t: ArrayType, ord=None, axis=None, keepdims=False) -> ArrayType:
    axes = _norm_params([t], {"ord": ord, "axis": axis})["axis"]
    return _to_inexact(ArrayType(_reduced_shape(t, set(axes), keepdims), t.dtype))


_define("norm", 1, _norm, params=("ord", "axis", "keepdims"), normalize=_norm_params)


def _trace_params(types, p) -> dict:
    t = types[0]
    if t.ndim < 2:
        raise ShapeMismatch(f"trace needs an array of at least two dimensions, not shape "
                            f"{t.shape}")
    axis1, axis2 = _axes(t, p.get("axis1", 0))[0], _axes(t, p.get("axis2", 1))[0]
    if axis1 == axis2:
        raise ShapeMismatch(f"trace along axis {axis1} twice: axis1 and axis2 must differ")
    return {"offset": int(p.get("offset", 0)), "axis1": axis1, "axis2": axis2}


def _trace(t: ArrayType, offset=0, axis1=0, axis2=1) -> ArrayType:
    p = _trace_params([t], {"offset": offset, "axis1": axis1, "axis2": axis2})
    kept = tuple(n for i, n in enumerate(t.shape) if i not in (p["axis1"], p["axis2"]))
    return ArrayType(kept, np.zeros(0, t.dtype).sum().dtype.name)


_define("trace", 1, _trace, params=("offset", "axis1", "axis2"), normalize=_trace_params)


# ---- products ---------------------------------------------------------------------------
# dot, inner, outer, tensordot and einsum are one primitive, a sum of products over
# labelled axes; `written` keeps the NumPy function the user called, to spell it back.
_LABELS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _einsum_params(types, p) -> dict:
    written = p.get("written", "einsum")
    if written == "einsum" or p.get("subscripts") is not None:
        subscripts = _explicit(p.get("subscripts"), len(types))
    else:
        subscripts = _subscripts_of(written, types, p.get("axes", 2))
    return {"subscripts": subscripts, "written": written}


def _explicit(subscripts, n_operands: int) -> str:
    if not isinstance(subscripts, str):
        raise ShapeMismatch(f"einsum's subscripts must be a string such as 'ij,jk->ik', "
                            f"not {subscripts!r}")
    subscripts = subscripts.replace(" ", "")
    if "." in subscripts:
        raise ShapeMismatch(f"einsum subscripts {subscripts!r}: '...' is not supported; "
                            "write a letter for each axis")
    inputs, arrow, output = subscripts.partition("->")
    if not all(c.isalpha() or c == "," for c in inputs) or not all(c.isalpha()
                                                                    for c in output):
        raise ShapeMismatch(f"einsum subscripts {subscripts!r}: use letters, commas and ->")
    if len(inputs.split(",")) != n_operands:
        raise ShapeMismatch(f"einsum subscripts {subscripts!r} name "
                            f"{len(inputs.split(','))} operands, but {n_operands} are given")
    if not arrow:  # implicit: the labels that appear once, in alphabetical order
        letters = inputs.replace(",", "")
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return f"{inputs}->{output}"


def _subscripts_of(written: str, types, axes) -> str:
    """The einsum subscripts of np.dot, np.inner, np.outer and np.tensordot."""
    a, b = types
    if written == "outer":
        if a.ndim != 1 or b.ndim != 1:
            raise ShapeMismatch(f"outer of shapes {a.shape} and {b.shape}: adcompile takes "
                                "vectors; flatten the operands first with np.reshape(x, -1)")
        return "a,b->ab"
    if written != "tensordot":
        if a.ndim == 0 or b.ndim == 0:
            axes = 0
        elif written == "inner":
            axes = ((a.ndim - 1,), (b.ndim - 1,))
        else:  # dot: the last axis of a with the second-to-last of b (the last of a vector)
            axes = ((a.ndim - 1,), (max(b.ndim - 2, 0),))
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ShapeMismatch(f"tensordot of shapes {a.shape} and {b.shape} over {axes} "
                                "axes")
        axes = (tuple(range(a.ndim - axes, a.ndim)), tuple(range(axes)))
    try:
        axes_a, axes_b = [(x,) if isinstance(x, (int, np.integer)) else tuple(x)
                          for x in axes]
    except (TypeError, ValueError):
        raise ShapeMismatch(f"tensordot axes {axes!r}: give a number, or two sequences "
                            "of axes") from None
    if len(axes_a) != len(axes_b):
        raise ShapeMismatch(f"tensordot axes {axes!r}: the two sequences differ in length")
    axes_a, axes_b = _axis_list(a, axes_a), _axis_list(b, axes_b)
    labels_a = list(_LABELS[:a.ndim])
    labels_b = list(_LABELS[a.ndim:a.ndim + b.ndim])
    for i, j in zip(axes_a, axes_b):
        labels_b[j] = labels_a[i]
    output = [c for i, c in enumerate(labels_a) if i not in axes_a] + \
        [c for j, c in enumerate(labels_b) if j not in axes_b]
    return f"{''.join(labels_a)},{''.join(labels_b)}->{''.join(output)}"


def _axis_list(t: ArrayType, axes: tuple) -> list:
    """`axes` in bounds and distinct, non-negative, in the order given."""
    if not all(isinstance(a, (int, np.integer)) for a in axes):
        raise ShapeMismatch(f"tensordot axes {axes!r}: give a number, or two sequences of "
                            "axes")
    _axes(t, axes)
    return [int(a) % t.ndim for a in axes]


def _einsum(*types: ArrayType, subscripts=None, written="einsum", axes=2) -> ArrayType:
    subscripts = _einsum_params(types, {"subscripts": subscripts, "written": written,
                                        "axes": axes})["subscripts"]
    inputs, output = subscripts.split("->")
    sizes: dict = {}
    for t, labels in zip(types, inputs.split(",")):
        if len(labels) != t.ndim:
            raise ShapeMismatch(f"{written} subscripts {subscripts!r}: {labels!r} names "
                                f"{len(labels)} axes of an operand of shape {t.shape}")
        if len(set(labels)) != len(labels):
            raise ShapeMismatch(f"{written} subscripts {subscripts!r}: a label repeated in "
                                f"one operand ({labels!r}) takes a diagonal, which is not "
                                "supported; use np.trace")
        for label, n in zip(labels, t.shape):
            if sizes.setdefault(label, n) != n:
                what = "the inner dimensions differ" if written != "einsum" else \
                    f"axis {label!r} has two lengths"
                raise ShapeMismatch(f"{written} of shapes "
                                    f"{', '.join(str(t.shape) for t in types)}: {what} "
                                    f"({sizes[label]} and {n})")
    if len(set(output)) != len(output) or any(c not in sizes for c in output):
        raise ShapeMismatch(f"einsum subscripts {subscripts!r}: each output label must "
                            "appear once, and among the inputs")
    return ArrayType(tuple(sizes[c] for c in output), promote(*types).dtype)


# np.tensordot's `axes` is normalized into the subscripts.
_define("einsum", None, _einsum, params=("subscripts", "written", "axes"),
        normalize=_einsum_params)


def _kron(a: ArrayType, b: ArrayType) -> ArrayType:
    n = max(a.ndim, b.ndim)
    shape_a, shape_b = (1,) * (n - a.ndim) + a.shape, (1,) * (n - b.ndim) + b.shape
    return ArrayType(tuple(i * j for i, j in zip(shape_a, shape_b)), promote(a, b).dtype)


_define("kron", 2, _kron)


def _cross(a: ArrayType, b: ArrayType) -> ArrayType:
    if a.ndim == 0 or b.ndim == 0 or a.shape[-1] != 3 or b.shape[-1] != 3:
        raise ShapeMismatch(f"cross of shapes {a.shape} and {b.shape}: adcompile takes "
                            "3-vectors along the last axis (give a 2-vector a zero third "
                            "component)")
    return ArrayType(broadcast(a.shape[:-1], b.shape[:-1]) + (3,), promote(a, b).dtype)


_define("cross", 2, _cross)


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
# ---- batching ------------------------------------------------------------------------
def _basis(shape, dtype) -> ArrayType:
    shape = tuple(shape)
    return ArrayType((int(np.prod(shape, dtype=np.int64)),) + shape, dtype)


# The unit arrays of `shape`, stacked along a new leading axis (entry k is one at the k-th
# element in C order): the tangents a whole Jacobian is seeded with, all at once.
_define("basis", 0, _basis, params=("shape", "dtype"))


# ---- the runtime's tape -------------------------------------------------------------
# A tape's type is set by the pushes onto it and read by its pops (see `ir.infer`).
_define("tape_new", 0, lambda: TAPE, pure=False)
_define("push", 2, lambda tape, value: None, pure=False)
_define("pop", 1, lambda tape: tape.element, pure=False)


# ---- lists ----------------------------------------------------------------------------
# A list whose length is known only when the code runs (appended to in a loop, or made by
# a comprehension): a value like any other, and each op on it gives a new list. Codegen
# writes the updates in place (``xs.append(v)``) where nothing else holds the old list, as
# it does array updates. Its elements share one type; a list nothing was appended to yet
# has element type None. ``list_zeros_like``, ``list_add``, ``list_add_at`` and
# ``list_drop_last`` are what derivatives of lists are made of: a list's adjoint or
# tangent is a list of its elements' adjoints or tangents, of the same length.
def _element(lst: ListType, value: Type) -> ListType:
    if not isinstance(lst, ListType) or not isinstance(value, ArrayType):
        raise ShapeMismatch(f"a list holds numbers and arrays, not {value}")
    held = lst.element
    if held is not None and held.shape != value.shape:
        raise ShapeMismatch(f"the elements of a list must share one shape: {held} and "
                            f"{value}")
    return ListType(value if held is None else elementwise(held, value))


def _list_position(lst: ListType, position: ArrayType) -> Type:
    if not isinstance(lst, ListType):
        raise ShapeMismatch(f"{lst} is not a list")
    if not isinstance(position, ArrayType) or position.shape != () or \
            position.kind not in "iub":
        raise ShapeMismatch(f"a list is indexed by an integer, not {position}")
    if lst.element is None:
        raise ShapeMismatch("this list is always empty here")
    return lst.element


def _list_only(lst: ListType) -> ListType:
    if not isinstance(lst, ListType):
        raise ShapeMismatch(f"{lst} is not a list")
    return lst


def _list_update(lst: ListType, value: Type, position: ArrayType) -> ListType:
    _list_position(lst, position)
    return _element(lst, value)


def _list_sum(a: ListType, c: ListType) -> ListType:
    _list_only(a), _list_only(c)
    return ListType(a.element if c.element is None else
                    c.element if a.element is None else elementwise(a.element, c.element))


for _name, _arity, _abstract in (
        ("list_new", 0, lambda: ListType()),
        ("list_append", 2, _element),
        ("list_get", 2, _list_position),                    # (list, position)
        ("list_len", 1, lambda lst: _list_only(lst) and INT),
        ("list_set", 3, _list_update),                      # (list, value, position)
        ("list_add_at", 3, _list_update),                   # (list, value, position)
        ("list_drop_last", 1, _list_only),
        ("list_zeros_like", 1, _list_only),
        ("list_add", 2, _list_sum)):
    _define(_name, _arity, _abstract, on_lists=True)



def _list_stack(lst: ListType, length: int, axis: int = 0) -> ArrayType:
    """``np.array(xs)``, ``np.stack(xs, axis)``: `length` is the list's length in every run
    (from the types: a comprehension over ``range(len(x))`` or the rows of x)."""
    if not isinstance(lst, ListType):
        raise ShapeMismatch(f"{lst} is not a list")
    element = lst.element if lst.element is not None or length else FLOAT
    if element is None:
        raise ShapeMismatch("this list is always empty here")
    axis = _one_axis(element.ndim + 1, axis, element.shape)
    return ArrayType(element.shape[:axis] + (length,) + element.shape[axis:], element.dtype)


def _list_unstack(x: ArrayType, axis: int = 0) -> ListType:
    """``list(np.moveaxis(x, axis, 0))``: the adjoint of stacking, a list of the slices."""
    axis = _one_axis(x.ndim, axis, x.shape)
    return ListType(ArrayType(x.shape[:axis] + x.shape[axis + 1:], x.dtype))


def _list_stack_params(types, params) -> dict:
    element = types[0].element
    axis = params.get("axis", 0)
    if element is not None:
        axis = _one_axis(element.ndim + 1, axis, element.shape)
    return {"length": params["length"], "axis": axis}


_define("list_stack", 1, _list_stack, params=("length", "axis"), on_lists=True,
        normalize=_list_stack_params)
_define("list_unstack", 1, _list_unstack, params=("axis",), on_lists=True)



def _list_batched(lst: ListType, size: int) -> ListType:
    """Each element repeated along a new leading batch axis (`adcompile.transforms.batch`:
    a list of one value for every member of a batch)."""
    _list_only(lst)
    element = lst.element
    return ListType(None if element is None else
                    ArrayType((size,) + element.shape, element.dtype))


def _list_batch_summed(lst: ListType) -> ListType:
    """Each element summed over its leading batch axis: the adjoint of `_list_batched`."""
    _list_only(lst)
    element = lst.element
    if element is not None and element.ndim == 0:
        raise ShapeMismatch(f"{lst} has no batch axis")
    return ListType(None if element is None else ArrayType(element.shape[1:], element.dtype))


_define("list_broadcast", 1, _list_batched, params=("size",), on_lists=True)
_define("list_batch_sum", 1, _list_batch_summed, on_lists=True)

LIST_PRIMITIVES = frozenset(name for name, prim in PRIMITIVES.items() if prim.on_lists)

# A loop variable read after the loop: its value, or, where the loop ran no iteration and
# nothing bound the name before, Python's UnboundLocalError (``name`` names it).
_define("check_bound", 1, lambda t, name: t, params=("name",))
