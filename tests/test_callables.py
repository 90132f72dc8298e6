"""adcompile.frontend.callables: which user callables stand for which primitive.

Each mapped callable, called as a user would call it, computes what its cast and its
primitive compute (`spellings.evaluate`, which is what generated code runs), to the bit
and of the same type, at points chosen to include negative operands and the edges of
NumPy's domains (inf and nan where `math` would raise); the table here covers every mapped
callable of `math`, `numpy` and the builtins; unknown callables map to nothing; the
parameters' positional order is NumPy's own, for the functions and for the array methods.
"""

import builtins
import inspect
import math

import numpy as np
import pytest

from adcompile.backend.spellings import evaluate
from adcompile.frontend.callables import (REQUIRED, UNSUPPORTED_PARAMS, Signature,
                                          method_signature, signature_for)
from adcompile.ir.primitives import PRIMITIVES
from adcompile.ir.types import type_of

M23 = np.array([[1.5, -2.0, 0.25], [-3.0, 4.5, -0.5]])
V3 = np.array([-1.0, 2.5, 0.5])
V2 = np.array([0.75, -1.25])
T234 = np.arange(24.0).reshape(2, 3, 4) - 11.5
SQUARE = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -0.25], [0.5, 1.5, -2.0]])
SPD = SQUARE @ SQUARE.T + np.eye(3)
SCALAR_PAIRS = [(1.5, -2.25), (-3.0, 0.5), (-1.25, -4.0)]
ARRAY_PAIRS = [(M23, V3), (V3, -2.0), (-0.5, M23)]

# name -> (its math callable, a point of its domain, a negative point where there is one)
ELEMENTARY = {
    "sin": (math.sin, 0.7, -0.7), "cos": (math.cos, 0.7, -0.7),
    "tan": (math.tan, 0.7, -0.7), "arcsin": (math.asin, 0.3, -0.3),
    "arccos": (math.acos, 0.3, -0.3), "arctan": (math.atan, 0.7, -0.7),
    "sinh": (math.sinh, 0.7, -0.7), "cosh": (math.cosh, 0.7, -0.7),
    "tanh": (math.tanh, 0.7, -0.7), "exp": (math.exp, 0.7, -0.7),
    "expm1": (math.expm1, 1e-3, -1e-3), "log": (math.log, 2.5, None),
    "log1p": (math.log1p, 1e-3, -0.5), "log2": (math.log2, 2.5, None),
    "log10": (math.log10, 2.5, None), "sqrt": (math.sqrt, 2.5, None),
    "floor": (math.floor, 2.5, -2.5), "ceil": (math.ceil, 2.5, -2.5),
}

# where NumPy gives inf or nan and `math` raises
NUMPY_EDGES = {"log": (0.0, -1.0), "log2": (0.0,), "log10": (-2.0,), "sqrt": (-1.0,),
               "arcsin": (2.0,), "exp": (1000.0,), "cosh": (-1000.0,), "log1p": (-1.0,)}

# (callable, primitive, calls: each the positional arguments, or (arguments, keywords))
MAPPED = [
    *[(fn, prim, [*SCALAR_PAIRS, *ARRAY_PAIRS]) for fn, prim in [
        (np.add, "add"), (np.subtract, "sub"), (np.multiply, "mul"),
        (np.divide, "div"), (np.true_divide, "div"), (np.maximum, "maximum"),
        (np.minimum, "minimum"), (np.arctan2, "arctan2"), (np.hypot, "hypot"),
        (np.logaddexp, "logaddexp"), (np.logaddexp2, "logaddexp2"), (np.fmax, "fmax"),
        (np.fmin, "fmin")]],
    *[(fn, prim, SCALAR_PAIRS) for fn, prim in [(math.atan2, "arctan2"),
                                                 (math.hypot, "hypot")]],
    (np.fmax, "fmax", [(np.nan, 1.5), (V3, np.array([np.nan, 0.0, 1.0]))]),
    *[(fn, prim, [(0.7,), (-0.7,), (-3,), (M23,)]) for fn, prim in [
        (np.arcsinh, "arcsinh"), (np.exp2, "exp2"), (np.deg2rad, "deg2rad"),
        (np.radians, "deg2rad"), (np.rad2deg, "rad2deg"), (np.degrees, "rad2deg"),
        (np.trunc, "trunc"), (np.reciprocal, "reciprocal")]],
    (np.arccosh, "arccosh", [(2.5,), (1.0,), (0.5,), (np.abs(M23),)]),
    (np.arctanh, "arctanh", [(0.3,), (-0.3,), (1.0,), (2.0,), (V3 / 3,)]),
    *[(fn, prim, [(0.7,), (-0.7,), (-3,)]) for fn, prim in [
        (math.asinh, "arcsinh"), (math.radians, "deg2rad"), (math.degrees, "rad2deg"),
        (math.trunc, "trunc")]],
    (math.acosh, "arccosh", [(2.5,), (1.0,)]),
    (math.atanh, "arctanh", [(0.3,), (-0.3,)]),
    (np.where, "where", [(M23 > 0, M23, V3), (True, 1.5, -2), (V3 > 0, -0.5, M23),
                         (False, 1, 2)]),
    (np.clip, "clip", [(M23, -1.0, 2.0), (M23, None, 1.0), (M23, -0.5, None),
                       (M23, None, None), (-2.5, 0, 1), (7, 0.5, 3), (M23, V3, 2.0),
                       ((M23,), {"a_min": None, "a_max": V3})]),
    *[(fn, "round", [(M23,), (2.567, 1), ((M23,), {"decimals": -1}), (-3,), (2.5,)])
      for fn in (np.round, np.around)],
    *[(fn, prim, [(M23,), (M23, 0), (M23, -1), ((T234,), {"axis": 1, "keepdims": True}),
                  ((M23,), {"keepdims": True}), (V3,), (-2.5,)])
      for fn, prim in [(np.argmax, "argmax"), (np.argmin, "argmin")]],
    *[(getattr(np.linalg, prim), prim, [(SQUARE,), (np.stack([SQUARE, SPD]),)])
      for prim in ("inv", "det")],
    (np.linalg.slogdet, ("slogdet_sign", "slogdet_logabsdet"),
     [(SQUARE,), (-SQUARE,), (np.stack([SQUARE, SPD]),)]),
    (np.linalg.cholesky, "cholesky", [(SPD,), (np.stack([SPD, 2 * SPD]),)]),
    (np.linalg.eigh, ("eigh_values", "eigh_vectors"), [(SPD,), (np.stack([SPD, SQUARE]),)]),
    (np.linalg.pinv, "pinv", [(M23,), (M23.T,), (T234,)]),
    (np.linalg.solve, "solve", [(SQUARE, V3), (SQUARE, M23.T), (np.stack([SQUARE, SPD]), V3),
                                (np.stack([SQUARE, SPD]), M23.T), (SPD, T234[:, :, :3].transpose(0, 2, 1))]),
    *[(fn, prim, [(7.5, 2.0), (-7.5, 2.0), (7.5, -2.0), (-7, 3), (M23, -0.75)])
      for fn, prim in [(np.floor_divide, "floordiv"), (np.mod, "mod"),
                       (np.remainder, "mod")]],
    *[(fn, "pow", [(1.5, 2.5), (-2.0, 3.0), (2.0, -0.5), (3, 4), (np.abs(M23), V3)])
      for fn in (np.power, pow)],
    (math.pow, "pow", [(1.5, 2.5), (-2.0, 3.0), (2.0, -0.5)]),
    (np.negative, "neg", [(2.5,), (-2.5,), (-3,), (M23,)]),
    *[(fn, "abs", [(2.5,), (-2.5,), (-3,), (M23,)]) for fn in (abs, np.abs)],
    (math.fabs, "abs", [(2.5,), (-2.5,)]),
    (np.sign, "sign", [(2.5,), (-2.5,), (0.0,), (M23,)]),
    (float, "float", [(3,), (-3,), (2.5,)]),
    (int, "int", [(2.7,), (-2.7,), (5,)]),
    (math.factorial, "factorial", [(5,), (0,)]),
    *[(fn, prim, [(-2.5,), (M23,)])
      for fn, prim in [(np.zeros_like, "zeros_like"), (np.ones_like, "ones_like")]],
    *[(getattr(np, name), name, [(x,), (np.array([x, x / 2]),)] +
       ([(negative,), (np.array([negative, x]),)] if negative is not None else []) +
       [(edge,) for edge in NUMPY_EDGES.get(name, ())])
      for name, (_, x, negative) in ELEMENTARY.items()],
    *[(fn, name, [(x,)] + ([(negative,)] if negative is not None else []))
      for name, (fn, x, negative) in ELEMENTARY.items()],
    (np.sum, "sum", [(M23,), (M23, 0), (M23, -1), (M23, (0, 1)), (T234, (2, 0)),
                     ((M23,), {"axis": 1, "keepdims": True}),
                     ((T234,), {"axis": (-1, 1), "keepdims": True}),
                     ((M23, None, None, None, True), {}), (-2.5,)]),
    (np.reshape, "reshape", [(M23, (3, 2)), (M23, (-1,)), (M23, 6), (T234, (4, -1, 3)),
                             ((M23,), {"shape": (1, -1)})]),
    (np.transpose, "transpose", [(M23,), (T234,), (T234, (1, 2, 0)), (T234, (-1, 0, 1)),
                                 ((M23,), {"axes": (0, 1)})]),
    (np.broadcast_to, "broadcast_to", [(V3, (2, 3)), (-2.5, (2,)),
                                       ((V2[:, None],), {"shape": (4, 2, 3)})]),
    (np.matmul, "matmul", [(V3, V3), (M23, V3), (V2, M23), (M23, M23.T), (T234, T234[0].T),
                           (T234.transpose(0, 2, 1), M23.T)]),
    (len, "dim", [(V3,), (M23,), (T234,)]),
    (np.ndim, "ndim", [(V3,), (T234,), (np.array(2.5),)]),
    (np.size, "size", [(V3,), (T234,), (np.array(2.5),)]),
    (np.copy, "copy", [(M23,), (-2.5,), (np.float32(1.5),)]),
    *[(fn, prim, [(M23,), (M23, 0), (M23, -1), (T234, (2, 0)), (-2.5,),
                  ((T234,), {"axis": (-1, 1), "keepdims": True})])
      for fn, prim in [(np.mean, "mean"), (np.prod, "prod"), (np.max, "max"),
                       (np.amax, "max"), (np.min, "min"), (np.amin, "min"),
                       (np.var, "var"), (np.std, "std")]],
    *[(fn, prim, [((M23,), {"ddof": 1}), ((T234, (0, 2)), {"ddof": 2, "keepdims": True})])
      for fn, prim in [(np.var, "var"), (np.std, "std")]],
    (np.cumsum, "cumsum", [(M23,), (M23, 0), (M23, -1), (T234, 1), (-2.5,)]),
    (np.cumprod, "cumprod", [(M23,), (M23, 0), (T234, -1), (-2.5,)]),
    (np.diff, "diff", [(V3,), (M23, 2, 0), ((T234,), {"axis": 1})]),
    (np.vander, "vander", [(V3,), (V3, 2), ((V2,), {"N": 4, "increasing": True})]),
    (np.linalg.norm, "norm", [(V3,), (M23,), (T234,), (V3, 1), (V3, np.inf), (V3, -np.inf),
                              (V3, 0), (V3, 3), (V3, 0.5), (M23, "fro"), (M23, 1),
                              (M23, -np.inf), (M23, np.inf, (1, 0)), (T234, 2, -1),
                              (T234, None, (2, 0)), ((T234, -1, (0, 2)), {"keepdims": True}),
                              ((M23,), {"keepdims": True})]),
    (np.trace, "trace", [(M23,), (M23, 1), (M23, -1), (T234,), (T234, 0, 2, 1),
                         ((T234,), {"axis1": -1, "axis2": 0, "offset": 1})]),
    (np.dot, "einsum", [(V3, V3), (M23, V3), (V2, M23), (M23, M23.T), (T234, V2[:1].repeat(4)),
                        (T234, T234.transpose(0, 2, 1)[..., :2]), (-2.5, M23), (V3, 2.0)]),
    (np.inner, "einsum", [(V3, V3), (M23, V3), (M23, M23), (T234, M23[:, :1].repeat(4, 1)),
                          (-2.5, V3)]),
    (np.outer, "einsum", [(V3, V2), (V2, V2)]),
    (np.tensordot, "einsum", [(M23, M23), (T234, T234[0]), (M23, M23.T, 1), (V3, V2, 0),
                              (T234, M23, ((0, 1), (0, 1))), (T234, M23.T, ([1, 0], [0, 1])),
                              ((M23, T234), {"axes": ((0,), (0,))})]),
    (np.einsum, "einsum", [("ij,jk->ik", M23, M23.T), ("ij->ji", M23), ("ij,j", M23, V3),
                           ("ijk,jk", T234, M23.T[:, :1].repeat(4, 1)), ("i,j,k->kji", V3,
                                                                            V2, V3),
                           ("ij->", M23), ("i,i", V3, V3)]),
    (np.kron, "kron", [(V3, V2), (M23, M23), (M23, V2), (-2.5, V3), (T234, M23)]),
    (np.cross, "cross", [(V3, V3[::-1]), (np.stack([V3, -2 * V3[::-1]]), V3),
                         (V3, T234[:, :3, 0])]),
    # shape operations, joins and splits, creation, casts
    (np.ravel, "ravel", [(M23,), (T234,), (-2.5,)]),
    (np.squeeze, "squeeze", [(M23[:1],), (T234[:, :1, :1], (1, 2)),
                             ((M23[:, :1],), {"axis": -1})]),
    (np.expand_dims, "expand_dims", [(M23, 0), (V3, (0, 2)), (-2.5, 0)]),
    (np.atleast_1d, "atleast_1d", [(-2.5,), (V3,)]),
    (np.atleast_2d, "atleast_2d", [(-2.5,), (V3,), (T234,)]),
    (np.atleast_3d, "atleast_3d", [(V3,), (M23,), (-2.5,)]),
    (np.swapaxes, "swapaxes", [(T234, 0, 2), (M23, -1, 0)]),
    (np.moveaxis, "moveaxis", [(T234, 0, -1), (T234, (0, 1), (2, 0))]),
    (np.flip, "flip", [(M23,), (T234, (0, 2)), ((M23,), {"axis": -1})]),
    (np.roll, "roll", [(M23, 2), (M23, -1, 1), (T234, (1, 2), (0, 2))]),
    (np.repeat, "repeat", [(M23, 2), (M23, 3, 0), (-2.5, 2)]),
    (np.tile, "tile", [(V3, 2), (M23, (2, 1, 2)), (-2.5, 3)]),
    (np.diag, "diag", [(V3,), (V3, -1), (M23,), (M23, 1)]),
    (np.diagonal, "diagonal", [(M23,), (T234, 1, 2, 0),
                               ((T234,), {"axis1": 1, "axis2": 2, "offset": -1})]),
    (np.triu, "triu", [(M23,), (M23, 1), (T234, -1)]),
    (np.tril, "tril", [(M23,), (M23, 1), (T234, -1)]),
    (np.concatenate, "concatenate", [((M23, M23[:1]),), ((M23, M23), 1),
                                     (([M23, V3],), {"axis": None})]),
    (np.stack, "stack", [((V3, V3),), ((M23, M23, M23), -1), ((-2.5, 1.5),)]),
    (np.array, "stack", [([V3, V3],), ((-2.5, 1.5, 0.25),), ([np.float32(1.5), 2.5],)]),
    (np.hstack, "hstack", [((V3, V3),), ((M23, M23),), ((-2.5, V3),)]),
    (np.vstack, "vstack", [((M23, V3),), ((-2.5, 1.5),)]),
    (np.split, "split", [(V3, 3), (M23, 3, 1), (V3, (1,)),
                         ((T234,), {"indices_or_sections": (1, 3), "axis": -1})]),
    (np.array_split, "split", [(V3, 2), (T234, 3, -1), (V3, (2, 7))]),
    (np.pad, "pad", [(V3, 1), (M23, ((1, 0), (2, 1))), (M23, (1, 2))]),
    *[(fn, fn.__name__, [((2, 3),), (3, np.float32), ((2,), {"dtype": "int32"})])
      for fn in (np.zeros, np.ones)],
    (np.full, "full", [((2, 3), -2.5), ((2, 3), V3), ((2,), 1.5, np.float32), ((2,), 3)]),
    (np.empty_like, "zeros_like", [(M23,), (-2.5,)]),
    (np.empty, "zeros", [((2, 3),), (3, np.float32)]),
    (np.full_like, "full_like", [(M23, -2.5), (M23, V3), ((M23, 2), {"dtype": np.float32})]),
    (np.eye, "eye", [(3,), (2, 4), (2, 4, 1), ((3,), {"k": -1, "dtype": np.float32})]),
    (np.arange, "arange", [(4,), (1, 2.0, 0.25), (5, 1, -2), ((3,), {"dtype": float})]),
    (np.linspace, "linspace", [(0, 1), (0.0, 2.0, 5), ((1, 2), {"num": 4, "endpoint": False})]),
    (np.astype, "astype", [(M23, np.float32), (M23, int), (V3, "float32")]),
    *[(fn, "astype", [(2.5,), (-3,), (True,), (np.float32(1.5),), (V3,)])
      for fn in (np.float64, np.float32, np.float16, np.int64, np.int32, np.int16, np.int8,
                 np.bool)],
    *[(fn, "astype", [(2.5,), (3,), (True,), (np.abs(V3),)])
      for fn in (np.uint64, np.uint32, np.uint16, np.uint8)],
]
# what these give is any value: only the shape and dtype are NumPy's
ANY_VALUES = {np.empty_like, np.empty}


def split(call):
    return call if isinstance(call, tuple) and len(call) == 2 and isinstance(call[1], dict) \
        else (call, {})


def by_the_primitive(signature: Signature, args: tuple, kwargs: dict):
    """What the primitive computes for ``fn(*args, **kwargs)``: the arguments split by the
    signature into operands and parameters, the parameters normalized as type inference
    does, and the primitive evaluated through its spelling."""
    variadic = args[1:] if signature.variadic else ()  # np.einsum(subscripts, *operands)
    given = {**dict(zip(signature.names, args[:1] if variadic else args)), **kwargs}
    signature = signature.without(tuple(n for n in signature.optional if given[n] is None))
    if signature.sequence:  # the elements of the sequence, not cast
        operands = list(given[signature.operands[0]])
    else:
        operands = [given[name] for name in signature.operands] + list(variadic)
        if signature.cast is not None:
            operands = [evaluate(signature.cast, [v], [type_of(v)], {}) for v in operands]
    if signature.prim is None:
        return operands[0]
    first = signature.prim[0] if isinstance(signature.prim, tuple) else signature.prim
    declared = PRIMITIVES[first].params
    params = {name: given.get(name, default) for name, default in signature.params
              if name not in UNSUPPORTED_PARAMS or name in declared}
    params.update(signature.fixed)
    if signature.pieces:
        sections = params["indices_or_sections"]
        count = len(sections) + 1 if isinstance(sections, tuple) else sections
        return tuple(_evaluate(signature.prim, operands, {**params, "piece": k})
                     for k in range(count))
    return _evaluate(signature.prim, operands, params)


def _evaluate(prim, operands, params):
    if isinstance(prim, tuple):  # a pair, such as np.linalg.eigh's
        return tuple(_evaluate(one, operands, params) for one in prim)
    types = [type_of(v) for v in operands]
    normalize = PRIMITIVES[prim].normalize
    if normalize is not None:
        params = normalize(types, params)
    return evaluate(prim, operands, types, params)


@pytest.mark.parametrize("fn, prim, calls", MAPPED,
                         ids=[f"{getattr(fn, '__module__', None) or 'builtins'}."
                              f"{fn.__name__}" for fn, _, _ in MAPPED])
def test_a_mapped_callable_computes_what_its_primitive_computes(fn, prim, calls):
    signature = signature_for(fn)
    assert signature is not None and signature.prim == prim
    for call in calls:
        args, kwargs = split(call)
        with np.errstate(all="ignore"):
            expected = fn(*args, **kwargs)
            got = by_the_primitive(signature, args, kwargs)
        if signature.pieces:  # NumPy's list of pieces, a tuple of them here
            assert isinstance(got, tuple) and len(got) == len(expected)
            got, expected = np.concatenate(got, axis=-1), np.concatenate(expected, axis=-1)
        if fn in ANY_VALUES:
            got, expected = np.zeros_like(got), np.zeros_like(expected)
        if isinstance(expected, tuple):  # a named tuple (eigh's): one primitive an element
            assert isinstance(got, tuple) and len(got) == len(expected), (call, got)
        else:
            got, expected = (got,), (expected,)
        for got_element, expected_element in zip(got, expected):
            assert type(got_element) is type(expected_element), (call, got, expected)
            np.testing.assert_array_equal(got_element, expected_element, err_msg=str(call),
                                          strict=True)


def test_the_table_covers_every_mapped_callable():
    """Every callable of `math`, `numpy`, `numpy.linalg` and the builtins that maps to a
    primitive is checked by the test above."""
    found = {id(obj): f"{module.__name__}.{name}"
             for module in (math, np, np.linalg, builtins)
             for name, obj in vars(module).items()
             if callable(obj) and signature_for(obj) is not None}
    covered = {id(fn) for fn, _, _ in MAPPED}
    assert sorted(found[i] for i in set(found) - covered) == []
    assert covered <= set(found)


@pytest.mark.parametrize("fn", [print, max, min, sum, round, np.median, np.square,
                                np.ptp, np.linalg.qr, np.linalg.svd, math.fmod,
                                math.gamma, np.fmod, "sin", lambda x: x, None])
def test_an_unknown_callable_maps_to_nothing(fn):
    assert signature_for(fn) is None


def test_a_signature_lists_operands_then_parameters_with_their_defaults():
    sum_ = signature_for(np.sum)
    assert sum_ == Signature("sum", ("a",), (("axis", None), ("dtype", None), ("out", None),
                                             ("keepdims", False)), "as_numpy")
    assert sum_.names == ["a", "axis", "dtype", "out", "keepdims"]
    assert signature_for(np.reshape).params == (("shape", REQUIRED),)
    assert signature_for(np.broadcast_to).params == (("shape", REQUIRED),)
    assert signature_for(np.transpose).params == (("axes", None),)
    assert signature_for(np.add) == Signature("add", ("x1", "x2"), (), "as_numpy")
    assert signature_for(math.sin) == Signature("sin", ("x",), (), "as_python")
    assert signature_for(abs) == Signature("abs", ("x",))


def test_einsum_takes_its_subscripts_then_any_number_of_operands():
    einsum = signature_for(np.einsum)
    assert einsum.variadic and einsum.operands == () and einsum.names[0] == "subscripts"
    assert signature_for(np.dot).fixed == (("written", "dot"),)


def test_the_cast_is_the_library_of_the_callable():
    """NumPy's functions compute on NumPy scalars, math's on Python floats, builtins on
    what they are given."""
    casts = {"numpy": "as_numpy", "math": "as_python", "builtins": None}
    for fn, _, _ in MAPPED:
        library = (getattr(fn, "__module__", None) or "builtins").split(".")[0]
        assert signature_for(fn).cast == casts[library], fn


NAMED_AS_NUMPY_NAMES_THEM = [
    np.sum, np.reshape, np.transpose, np.broadcast_to, np.ravel, np.squeeze, np.expand_dims,
    np.atleast_1d, np.swapaxes, np.moveaxis, np.flip, np.roll, np.repeat, np.tile, np.diag,
    np.diagonal, np.triu, np.tril, np.concatenate, np.stack, np.hstack, np.vstack, np.split,
    np.array_split, np.pad, np.zeros, np.ones, np.full, np.full_like, np.empty_like, np.eye,
    np.linspace, np.copy, np.astype, np.array, np.where, np.clip, np.round, np.around,
    np.argmax, np.argmin, np.linalg.solve, np.mean, np.prod, np.max, np.amax, np.min,
    np.amin, np.var, np.std, np.cumsum, np.cumprod, np.diff, np.vander, np.empty,
    np.linalg.norm, np.trace, np.dot, np.outer,
    np.tensordot]


@pytest.mark.parametrize("fn", NAMED_AS_NUMPY_NAMES_THEM)
def test_parameters_are_in_numpys_positional_order(fn):
    """A positional argument means what it means to NumPy."""
    try:
        numpy_names = list(inspect.signature(fn).parameters)
    except ValueError:  # NumPy's C functions carry no signature under Python 3.10
        pytest.skip(f"this Python cannot read the signature of {fn.__name__}")
    ours = signature_for(fn).names
    assert numpy_names[:len(ours)] == ours


@pytest.mark.parametrize("fn", NAMED_AS_NUMPY_NAMES_THEM + [np.arange])
def test_every_declared_parameter_is_the_primitives_or_refused(fn):
    signature = signature_for(fn)
    declared = set(PRIMITIVES[signature.prim].params)
    for name, _ in [*signature.params, *signature.fixed]:
        assert name in declared or name in UNSUPPORTED_PARAMS, name
    arity = PRIMITIVES[signature.prim].arity
    if arity is None:  # one operand or more: a sequence's elements, or operands named here
        assert signature.sequence or signature.variadic or signature.operands
    else:
        assert len(signature.operands) == arity


def test_array_methods_are_the_numpy_functions_with_the_array_first():
    for method in ("sum", "reshape", "transpose", "ravel", "squeeze", "swapaxes", "repeat",
                   "diagonal", "copy", "astype", "mean", "prod", "max", "min", "var", "std",
                   "cumsum", "cumprod", "trace", "dot"):
        assert method_signature(method) == signature_for(getattr(np, method))
    assert method_signature("flatten") == signature_for(np.ravel)  # a copy: the same value
    # the receiver is the first operand; the rest are in the method's positional order
    assert method_signature("sum").names[1:] == ["axis", "dtype", "out", "keepdims"]


@pytest.mark.parametrize("name", ["argsort", "tolist", "T", "fill", "__add__",
                                  ""])
def test_an_unsupported_method_maps_to_nothing(name):
    assert method_signature(name) is None


@pytest.mark.parametrize("name", sorted(NUMPY_EDGES))
def test_where_numpy_gives_inf_or_nan_math_raises_through_its_primitive_too(name):
    fn = ELEMENTARY[name][0]
    for edge in NUMPY_EDGES[name]:
        with pytest.raises((ValueError, OverflowError)) as by_math:
            fn(edge)
        with pytest.raises(type(by_math.value)):
            by_the_primitive(signature_for(fn), (edge,), {})
