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
from dataclasses import dataclass, replace

import numpy as np

REQUIRED = object()


@dataclass(frozen=True)
class Signature:
    # the primitive; a tuple of them for a callable returning a tuple (np.linalg.eigh)
    prim: str | tuple[str, ...] | None
    operands: tuple[str, ...]
    params: tuple = ()  # (name, default or REQUIRED)
    cast: str | None = None  # "as_numpy", "as_python" or None
    # The first operand is a sequence (np.concatenate((a, b))): each element an operand.
    sequence: bool = False
    # The positional order, where parameters come before operands (np.full(shape, x)).
    order: tuple | None = None
    # Returns a tuple of pieces (np.split), one op each; parameters it always has.
    pieces: bool = False
    fixed: tuple = ()  # (name, value): parameters the callable itself sets
    # The parameters come first, then any number of operands (np.einsum).
    variadic: bool = False
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
        return replace(self, prim=dict(self.omissible)[omitted], operands=operands,
                       omissible=())

    @property
    def names(self) -> list[str]:
        if self.order is not None:
            return list(self.order)
        return [*self.operands, *(name for name, _ in self.params)]


_BY_ID: dict[int, Signature] = {}


_CASTS = {"numpy": "as_numpy", "math": "as_python"}


def _map(callables, prim: str, operands=("x",), params=(), **fields) -> None:
    for fn in callables:
        library = (getattr(fn, "__module__", None) or "").split(".")[0]
        _BY_ID.setdefault(id(fn), Signature(prim, tuple(operands), tuple(params),
                                            _CASTS.get(library), **fields))


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
_map([np.zeros_like], "zeros_like", ("a",), (("dtype", None),))
_map([np.ones_like], "ones_like", ("a",), (("dtype", None),))
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

# ---- reductions ------------------------------------------------------------------------
_AXIS_DTYPE_OUT = (("axis", None), ("dtype", None), ("out", None))
_map([np.mean], "mean", ("a",), _AXIS_DTYPE_OUT + (("keepdims", False),))
_map([np.prod], "prod", ("a",), _AXIS_DTYPE_OUT + (("keepdims", False),))
_map([np.max, np.amax], "max", ("a",), (("axis", None), ("out", None), ("keepdims", False)))
_map([np.min, np.amin], "min", ("a",), (("axis", None), ("out", None), ("keepdims", False)))
_map([np.var], "var", ("a",), _AXIS_DTYPE_OUT + (("ddof", 0), ("keepdims", False)))
_map([np.std], "std", ("a",), _AXIS_DTYPE_OUT + (("ddof", 0), ("keepdims", False)))
_map([np.cumsum], "cumsum", ("a",), _AXIS_DTYPE_OUT)
_map([np.cumprod], "cumprod", ("a",), _AXIS_DTYPE_OUT)
_map([np.diff], "diff", ("a",), (("n", 1), ("axis", -1)))
_map([np.linalg.norm], "norm", ("x",), (("ord", None), ("axis", None), ("keepdims", False)))
_map([np.trace], "trace", ("a",), (("offset", 0), ("axis1", 0), ("axis2", 1), ("dtype", None),
                                   ("out", None)))

# ---- products ---------------------------------------------------------------------------
_map([np.dot], "einsum", ("a", "b"), (("out", None),), fixed=(("written", "dot"),))
_map([np.inner], "einsum", ("a", "b"), fixed=(("written", "inner"),))
_map([np.outer], "einsum", ("a", "b"), (("out", None),), fixed=(("written", "outer"),))
_map([np.tensordot], "einsum", ("a", "b"), (("axes", 2),), fixed=(("written", "tensordot"),))
_map([np.einsum], "einsum", (), (("subscripts", REQUIRED), ("out", None), ("dtype", None)),
     variadic=True)
_map([np.kron], "kron", ("a", "b"))
_map([np.cross], "cross", ("a", "b"))

# Parameters given as strings: einsum's subscripts, a norm's order ('fro'), a dtype.
STRING_PARAMS = ("subscripts", "ord", "dtype")

# ---- shape operations, joining and splitting, creation ------------------------------
_map([np.ravel], "ravel", ("a",))
_map([np.squeeze], "squeeze", ("a",), (("axis", None),))
_map([np.expand_dims], "expand_dims", ("a",), (("axis", REQUIRED),))
for _ndim in (1, 2, 3):
    _map([getattr(np, f"atleast_{_ndim}d")], f"atleast_{_ndim}d", ("arys",))
_map([np.swapaxes], "swapaxes", ("a",), (("axis1", REQUIRED), ("axis2", REQUIRED)))
_map([np.moveaxis], "moveaxis", ("a",), (("source", REQUIRED), ("destination", REQUIRED)))
_map([np.flip], "flip", ("m",), (("axis", None),))
_map([np.roll], "roll", ("a",), (("shift", REQUIRED), ("axis", None)))
_map([np.repeat], "repeat", ("a",), (("repeats", REQUIRED), ("axis", None)))
_map([np.tile], "tile", ("A",), (("reps", REQUIRED),))
_map([np.diag], "diag", ("v",), (("k", 0),))
_map([np.diagonal], "diagonal", ("a",), (("offset", 0), ("axis1", 0), ("axis2", 1)))
_map([np.triu], "triu", ("m",), (("k", 0),))
_map([np.tril], "tril", ("m",), (("k", 0),))
_map([np.concatenate], "concatenate", ("arrays",), (("axis", 0), ("out", None)),
     sequence=True)
_map([np.stack], "stack", ("arrays",), (("axis", 0), ("out", None)), sequence=True)
_map([np.hstack], "hstack", ("tup",), sequence=True)
_map([np.vstack], "vstack", ("tup",), sequence=True)
for _name in ("zeros", "ones"):
    _map([getattr(np, _name)], _name, (), (("shape", REQUIRED), ("dtype", None)))
_map([np.full], "full", ("fill_value",), (("shape", REQUIRED), ("dtype", None)),
     order=("shape", "fill_value", "dtype"))
# any value is right for np.empty and np.empty_like
_map([np.empty], "zeros", (), (("shape", REQUIRED), ("dtype", None)))
_map([np.empty_like], "zeros_like", ("prototype",), (("dtype", None),))
_map([np.full_like], "full_like", ("a", "fill_value"), (("dtype", None),))
_map([np.eye], "eye", (), (("N", REQUIRED), ("M", None), ("k", 0), ("dtype", None)))
_map([np.arange], "arange", (), (("start", REQUIRED), ("stop", None), ("step", None),
                                 ("dtype", None)))
_map([np.linspace], "linspace", (), (("start", REQUIRED), ("stop", REQUIRED), ("num", 50),
                                     ("endpoint", True), ("retstep", False),
                                     ("dtype", None)))
_map([np.pad], "pad", ("array",), (("pad_width", REQUIRED),))
_map([np.vander], "vander", ("x",), (("N", None), ("increasing", False)))
_map([np.array], "stack", ("object",), (("dtype", None),), sequence=True)
for _fn, _equal in ((np.split, True), (np.array_split, False)):
    _map([_fn], "split", ("ary",), (("indices_or_sections", REQUIRED), ("axis", 0)),
         pieces=True, fixed=(("equal", _equal),))
_map([np.astype], "astype", ("x",), (("dtype", REQUIRED),))
# NumPy's scalar types, called: a cast (how generated code writes a NumPy scalar constant)
for _type in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
              np.uint64, np.uint32, np.uint16, np.uint8, np.bool):
    _map([_type], "astype", ("x",), fixed=(("dtype", np.dtype(_type).name),))

# Array methods (``x.sum(axis=0)``): the receiver is the first operand.
METHODS = {method: _BY_ID[id(getattr(np, method))]
           for method in ("sum", "reshape", "transpose", "ravel", "squeeze", "swapaxes",
                          "repeat", "diagonal", "copy", "astype", "mean", "prod", "max",
                          "min", "var", "std", "cumsum", "cumprod", "trace", "dot")}
METHODS["flatten"] = METHODS["ravel"]  # a copy where ravel may give a view: the same value

# Parameters NumPy takes that compiled code does not: given, they must have these values
# (unless the primitive declares them: np.zeros takes a dtype).
UNSUPPORTED_PARAMS = {"dtype": None, "out": None, "retstep": False}


def signature_for(fn) -> Signature | None:
    """How a call of `fn` lowers, or None if it stands for no primitive."""
    return _BY_ID.get(id(fn))


def method_signature(name: str) -> Signature | None:
    """How ``array.name(...)`` lowers, or None if the method is not supported."""
    return METHODS.get(name)
