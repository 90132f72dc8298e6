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


# ---- the runtime's tape -------------------------------------------------------------
# A tape's type is set by the pushes onto it and read by its pops (see `ir.infer`).
_define("tape_new", 0, lambda: TAPE, pure=False)
_define("push", 2, lambda tape, value: None, pure=False)
_define("pop", 1, lambda tape: tape.element, pure=False)
