"""The primitive operations: what each computes, and the Python callables it stands for.

Each `Primitive` says how to evaluate it on Python scalars (``scalar_fn``) and on
ndarrays (``array_fn``) as dotted names (``"math.sin"``, ``"np.sin"``, ``"abs"``) or an
operator symbol (``infix``). Constant folding and type inference evaluate through these
names, and codegen writes them, so the folded value and the generated code agree to the
bit. Scalars go through `math` because it is an order of magnitude faster than NumPy on
Python floats.

Derivative rules are not here (see `adcompile.rules`); structured ops (``cond``,
``loop``) and ``const`` are described in `adcompile.ir.nodes`.
"""

from __future__ import annotations

import builtins
import math
import operator
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Primitive:
    name: str
    arity: int
    infix: str | None = None        # "+", "-", ... ; unary "-" and "not" when arity 1
    scalar_fn: str | None = None    # dotted name called on Python scalars
    array_fn: str | None = None     # dotted name called on ndarrays
    callables: tuple = field(default=(), compare=False)  # user-facing functions it stands for
    pure: bool = True
    boolean: bool = False           # result is a truth value: never differentiable


_NAMESPACES = {"math": math, "np": np}


def resolve(dotted: str):
    """The Python callable a dotted name (as `Primitive` stores it) refers to."""
    if "." not in dotted:
        return getattr(builtins, dotted)
    module, attr = dotted.split(".", 1)
    return getattr(_NAMESPACES[module], attr)


_INFIX_FUNCTIONS = {
    ("+", 2): operator.add, ("-", 2): operator.sub, ("*", 2): operator.mul,
    ("/", 2): operator.truediv, ("**", 2): operator.pow, ("//", 2): operator.floordiv,
    ("%", 2): operator.mod, ("<", 2): operator.lt, ("<=", 2): operator.le,
    (">", 2): operator.gt, (">=", 2): operator.ge, ("==", 2): operator.eq,
    ("!=", 2): operator.ne, ("-", 1): operator.neg, ("not", 1): operator.not_,
}

PRIMITIVES: dict[str, Primitive] = {}


def _define(name, arity, *, infix=None, scalar_fn=None, array_fn=None, callables=(),
            pure=True, boolean=False):
    PRIMITIVES[name] = Primitive(name, arity, infix, scalar_fn, array_fn, tuple(callables),
                                 pure, boolean)


# Arithmetic.
_define("add", 2, infix="+", callables=[np.add])
_define("sub", 2, infix="-", callables=[np.subtract])
_define("mul", 2, infix="*", callables=[np.multiply])
_define("div", 2, infix="/", callables=[np.divide, np.true_divide])
_define("pow", 2, infix="**", callables=[pow, math.pow, np.power])
_define("floordiv", 2, infix="//", callables=[np.floor_divide])
_define("mod", 2, infix="%", callables=[np.mod, np.remainder])  # not math.fmod: its sign differs
_define("neg", 1, infix="-", callables=[np.negative])

# Comparisons and logic: their results are truth values, never differentiated.
for _name, _symbol in [("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="),
                       ("eq", "=="), ("ne", "!=")]:
    _define(_name, 2, infix=_symbol, boolean=True)
_define("not", 1, infix="not", boolean=True)

# Elementwise functions of one argument: (name, math name, numpy name, extra callables).
_UNARY = [
    ("sin", "sin", "sin", []), ("cos", "cos", "cos", []), ("tan", "tan", "tan", []),
    ("arcsin", "asin", "arcsin", []), ("arccos", "acos", "arccos", []),
    ("arctan", "atan", "arctan", []),
    ("sinh", "sinh", "sinh", []), ("cosh", "cosh", "cosh", []), ("tanh", "tanh", "tanh", []),
    ("exp", "exp", "exp", []), ("expm1", "expm1", "expm1", []),
    ("log", "log", "log", []), ("log1p", "log1p", "log1p", []),
    ("log2", "log2", "log2", []), ("log10", "log10", "log10", []),
    ("sqrt", "sqrt", "sqrt", []),
    ("floor", "floor", "floor", []), ("ceil", "ceil", "ceil", []),
]
for _name, _math_name, _np_name, _extra in _UNARY:
    _define(_name, 1, scalar_fn=f"math.{_math_name}", array_fn=f"np.{_np_name}",
            callables=[getattr(math, _math_name), getattr(np, _np_name), *_extra])

_define("abs", 1, scalar_fn="abs", array_fn="abs", callables=[abs, np.abs, math.fabs])
_define("sign", 1, scalar_fn="np.sign", array_fn="np.sign", callables=[np.sign])
_define("maximum", 2, scalar_fn="max", array_fn="np.maximum", callables=[np.maximum])
_define("minimum", 2, scalar_fn="min", array_fn="np.minimum", callables=[np.minimum])
_define("float", 1, scalar_fn="float", array_fn="np.asarray", callables=[float])
_define("int", 1, scalar_fn="int", array_fn="np.trunc", callables=[int])
_define("factorial", 1, scalar_fn="math.factorial", callables=[math.factorial])

# Array helpers the transforms emit.
_define("zeros_like", 1, scalar_fn="np.zeros_like", array_fn="np.zeros_like",
        callables=[np.zeros_like])
_define("ones_like", 1, scalar_fn="np.ones_like", array_fn="np.ones_like",
        callables=[np.ones_like])

# Runtime: the tape of the reverse sweep of loops, and summing a broadcast result back
# to an operand's shape. They live in `adcompile.runtime`; codegen writes them specially.
_define("sum_to", 2, scalar_fn="sum_to", array_fn="sum_to")
_define("tape_new", 0, pure=False)
_define("push", 2, pure=False)
_define("pop", 1, pure=False)

BY_CALLABLE: dict[int, str] = {}
for _prim in PRIMITIVES.values():
    for _fn in _prim.callables:
        BY_CALLABLE.setdefault(id(_fn), _prim.name)


def primitive_for(obj) -> str | None:
    """The primitive a user-facing callable (``math.sin``, ``np.exp``, ``abs``) stands for."""
    return BY_CALLABLE.get(id(obj))


def evaluate(name: str, args: list, on_arrays: bool):
    """Run a pure primitive on concrete values, as the generated code would."""
    prim = PRIMITIVES[name]
    if prim.infix:
        return _INFIX_FUNCTIONS[(prim.infix, prim.arity)](*args)
    if name == "sum_to":
        from ..runtime.broadcast import sum_to
        return sum_to(*args)
    return resolve(prim.array_fn if on_arrays else prim.scalar_fn)(*args)
