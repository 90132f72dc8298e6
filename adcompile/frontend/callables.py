"""Which Python and NumPy callables stand for which primitive, and how their arguments
split into operands (values computed at run time) and parameters (known while
compiling: ``axis``, ``keepdims``, ``shape``).

A `Signature` lists the operands, then the parameters with their defaults, in the order
the callable takes them positionally; a parameter without a default must be given. Its
``cast`` says what the callable makes of a scalar operand first: NumPy's functions compute
on NumPy scalars (``np.log(0.0)`` is -inf), `math`'s on Python floats (``math.log(0.0)``
raises), builtins on whatever they are given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

REQUIRED = object()


@dataclass(frozen=True)
class Signature:
    # the primitive; a tuple of them for a callable returning a tuple (np.linalg.eigh)
    prim: str | tuple[str, ...] | None
    operands: tuple[str, ...]
    params: tuple = ()  # (name, default or REQUIRED)
    cast: str | None = None  # "as_numpy", "as_python" or None
    # Operands that may be None, and the primitive a call computes without them:
    # ((omitted operands, primitive, or None when the result is the first operand), ...)
    omissible: tuple = ()

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(n for n in self.operands if any(n in omitted for omitted, _ in
                                                     self.omissible))

    def without(self, omitted: tuple[str, ...]) -> Signature:
        """The signature of a call whose `omitted` operands are None."""
        if not omitted:
            return self
        operands = tuple(n for n in self.operands if n not in omitted)
        return Signature(dict(self.omissible)[omitted], operands, self.params, self.cast)

    @property
    def names(self) -> list[str]:
        return [*self.operands, *(name for name, _ in self.params)]


_BY_ID: dict[int, Signature] = {}


_CASTS = {"numpy": "as_numpy", "math": "as_python"}


def _map(callables, prim, operands=("x",), params=(), omissible=()) -> None:
    for fn in callables:
        library = (getattr(fn, "__module__", None) or "").split(".")[0]
        _BY_ID.setdefault(id(fn), Signature(prim, tuple(operands), tuple(params),
                                            _CASTS.get(library), tuple(omissible)))


_BINARY = ("x1", "x2")
_map([np.add], "add", _BINARY)
_map([np.subtract], "sub", _BINARY)
_map([np.multiply], "mul", _BINARY)
_map([np.divide, np.true_divide], "div", _BINARY)
_map([pow, math.pow, np.power], "pow", _BINARY)
_map([np.floor_divide], "floordiv", _BINARY)
_map([np.mod, np.remainder], "mod", _BINARY)  # not math.fmod: its sign differs
_map([np.negative], "neg")
_map([np.maximum], "maximum", _BINARY)
_map([np.minimum], "minimum", _BINARY)
_map([np.matmul], "matmul", _BINARY)
_MATH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}
for _prim in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "floor", "ceil"):
    _map([getattr(math, _MATH_NAMES.get(_prim, _prim)), getattr(np, _prim)], _prim)
_map([abs, np.abs, math.fabs], "abs")
_map([np.sign], "sign")
_map([float], "float")
_map([int], "int")
_map([math.factorial], "factorial")
_map([np.zeros_like], "zeros_like", ("a",))
_map([np.ones_like], "ones_like", ("a",))
_map([np.sum], "sum", ("a",), (("axis", None), ("dtype", None), ("out", None),
                               ("keepdims", False)))
_map([np.reshape], "reshape", ("a",), (("shape", REQUIRED),))
_map([np.transpose], "transpose", ("a",), (("axes", None),))
_map([np.broadcast_to], "broadcast_to", ("array",), (("shape", REQUIRED),))

# ---- indexing and the facts of a type (``x[i]``, ``x.shape`` are lowered by the syntax) --
_map([len], "dim", ("obj",))
_map([np.ndim], "ndim", ("a",))
_map([np.size], "size", ("a",))
_map([np.copy], "copy", ("a",))

# ---- more elementwise functions, selection and rounding -----------------------------
_MATH_NAMES.update({"arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
                    "deg2rad": "radians", "rad2deg": "degrees"})
for _prim in ("arcsinh", "arccosh", "arctanh", "deg2rad", "rad2deg", "trunc"):
    _map([getattr(math, _MATH_NAMES.get(_prim, _prim)), getattr(np, _prim)], _prim)
_map([np.radians], "deg2rad")
_map([np.degrees], "rad2deg")
for _prim in ("exp2", "reciprocal"):
    _map([getattr(np, _prim)], _prim)
_map([math.atan2, np.arctan2], "arctan2", _BINARY)
_map([math.hypot, np.hypot], "hypot", _BINARY)
for _prim in ("logaddexp", "logaddexp2", "fmax", "fmin"):
    _map([getattr(np, _prim)], _prim, _BINARY)
_map([np.where], "where", ("condition", "x", "y"))
# np.clip(a, None, hi) is np.minimum(a, hi); np.clip(a, None, None) is a.
_map([np.clip], "clip", ("a", "a_min", "a_max"),
     omissible=((("a_min",), "minimum"), (("a_max",), "maximum"), (("a_min", "a_max"), None)))
_map([np.round, np.around], "round", ("a",), (("decimals", 0), ("out", None)))
for _prim in ("argmax", "argmin"):
    _map([getattr(np, _prim)], _prim, ("a",), (("axis", None), ("out", None),
                                               ("keepdims", False)))

# ---- linear algebra -----------------------------------------------------------------
for _prim in ("inv", "det", "cholesky", "pinv"):
    _map([getattr(np.linalg, _prim)], _prim, ("a",))
_map([np.linalg.solve], "solve", ("a", "b"))
_map([np.linalg.slogdet], ("slogdet_sign", "slogdet_logabsdet"), ("a",))
_map([np.linalg.eigh], ("eigh_values", "eigh_vectors"), ("a",))

# Array methods (``x.sum(axis=0)``): the receiver is the first operand.
METHODS = {method: _BY_ID[id(getattr(np, method))] for method in ("sum", "reshape",
                                                                   "transpose", "copy")}

# Parameters NumPy takes that compiled code does not: given, they must have these values.
UNSUPPORTED_PARAMS = {"dtype": None, "out": None}


def signature_for(fn) -> Signature | None:
    """How a call of `fn` lowers, or None if it stands for no primitive."""
    return _BY_ID.get(id(fn))


def method_signature(name: str) -> Signature | None:
    """How ``array.name(...)`` lowers, or None if the method is not supported."""
    return METHODS.get(name)
