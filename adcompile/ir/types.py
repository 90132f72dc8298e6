"""Abstract values: what is known of a value before the code runs, never its data.

- `ArrayType`: a shape and a NumPy dtype name. ``weak`` marks a Python scalar (float, int,
  bool), which promotes as NumPy 2 promotes Python scalars (NEP 50): ``float32_array * 2.0``
  stays float32. A weak type always has shape ``()``; generated code computes on it with
  `math` and Python operators, and on everything else with the array namespace.
- `NoneType`: Python's None (a function that returns nothing).
- Aggregates: `TupleType` (a fixed sequence of element types), `ListType` (a list whose
  elements share one type), `TapeType` (the runtime's stack of the values a loop's reverse
  sweep reads; ``element`` is the type of what is pushed).

Promotion and broadcasting are computed from dtypes and shapes alone (`np.result_type`
on dtypes, `np.broadcast_shapes` on shape tuples), so typing a program costs the same for
a 3-element array as for a 3-million-element one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class Type:
    """Base of every abstract value; aggregates are neither arrays nor floats."""

    is_array = False
    is_float = False
    weak = False


@dataclass(frozen=True)
class ArrayType(Type):
    shape: tuple
    dtype: str
    weak: bool = False

    @property
    def is_array(self) -> bool:
        return not self.weak

    @property
    def is_float(self) -> bool:
        return np.dtype(self.dtype).kind in "fc"

    @property
    def kind(self) -> str:
        """NumPy's dtype kind: ``b`` bool, ``i``/``u`` integer, ``f`` float, ``c`` complex."""
        return np.dtype(self.dtype).kind

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def __str__(self) -> str:
        if self.weak:
            return _PYTHON_NAMES[self.kind]
        return f"{self.dtype}{list(self.shape)}"


@dataclass(frozen=True)
class NoneType(Type):
    def __str__(self) -> str:
        return "none"


@dataclass(frozen=True)
class TupleType(Type):
    elements: tuple

    def __str__(self) -> str:
        return "tuple[" + ", ".join(str(t) for t in self.elements) + "]"


@dataclass(frozen=True)
class ListType(Type):
    element: Type | None = None

    @property
    def is_float(self) -> bool:
        """A list of floats: what a derivative flows through."""
        return self.element is not None and self.element.is_float

    def __str__(self) -> str:
        return f"list[{self.element or '?'}]"


@dataclass(frozen=True)
class TapeType(Type):
    element: Type | None = None

    def __str__(self) -> str:
        return f"tape[{self.element or '?'}]"


FLOAT = ArrayType((), "float64", weak=True)
INT = ArrayType((), "int64", weak=True)
BOOL = ArrayType((), "bool", weak=True)
NONE = NoneType()
TAPE = TapeType()

_PYTHON_NAMES = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}
# A Python value of each kind: what `np.result_type` needs to promote a weak scalar
# as NumPy 2 does (by kind, never by value).
_WEAK_SAMPLES = {"b": True, "i": 0, "u": 0, "f": 0.0, "c": 0j}
_PYTHON_SCALARS = {bool: BOOL, int: INT, float: FLOAT,
                   complex: ArrayType((), "complex128", weak=True)}


class ShapeMismatch(ValueError):
    """Operand types that no result type fits (the caller locates it in the source)."""


def type_of(value) -> Type:
    """The abstract value of a concrete Python or NumPy value."""
    t = _PYTHON_SCALARS.get(value.__class__)
    if t is not None:
        return t
    if isinstance(value, (np.ndarray, np.generic)):
        return ArrayType(tuple(value.shape), value.dtype.name)
    if value is None:
        return NONE
    for cls, t in _PYTHON_SCALARS.items():  # subclasses, such as a user's float subclass
        if isinstance(value, cls):
            return t
    raise TypeError(f"adcompile cannot work with a value of type {type(value).__name__}")


def promote(*types: ArrayType) -> ArrayType:
    """The type NumPy 2 gives a result computed from operands of these types, before
    broadcasting: Python scalars (weak) take the dtype of the arrays they meet unless
    their kind is higher (an int array times 0.5 is float64)."""
    if all(t.weak for t in types):
        return max(types, key=lambda t: "biufc".index(t.kind))
    dtype = np.result_type(*[_WEAK_SAMPLES[t.kind] if t.weak else np.dtype(t.dtype)
                             for t in types])
    return ArrayType((), dtype.name)


def broadcast(*shapes: tuple) -> tuple:
    try:
        return tuple(np.broadcast_shapes(*shapes))
    except ValueError:
        raise ShapeMismatch("cannot broadcast shapes "
                            + " and ".join(str(s) for s in shapes)) from None


def elementwise(*types: ArrayType) -> ArrayType:
    """The type of an elementwise result: promoted dtype, broadcast shape."""
    promoted = promote(*types)
    return ArrayType(broadcast(*(t.shape for t in types)), promoted.dtype, promoted.weak)


def with_dtype(t: ArrayType, dtype: str) -> ArrayType:
    return ArrayType(t.shape, np.dtype(dtype).name, t.weak)


def join(a: Type | None, b: Type | None) -> Type | None:
    """The type that holds a value of either type: the two sides of an `if`, or a loop's
    carried value before and after an iteration."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    if isinstance(a, NoneType) or isinstance(b, NoneType):
        return b if isinstance(a, NoneType) else a
    if isinstance(a, TapeType) and isinstance(b, TapeType):
        return TapeType(join(a.element, b.element))
    if isinstance(a, ListType) and isinstance(b, ListType):
        return ListType(join(a.element, b.element))
    if isinstance(a, TupleType) and isinstance(b, TupleType) and \
            len(a.elements) == len(b.elements):
        return TupleType(tuple(join(x, y) for x, y in zip(a.elements, b.elements)))
    if isinstance(a, ArrayType) and isinstance(b, ArrayType):
        return elementwise(a, b)
    raise ShapeMismatch(f"a value is {a} on one path and {b} on another")
