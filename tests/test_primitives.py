"""adcompile.ir.primitives: each primitive's abstract evaluation (result types from input
types and parameters, never from data), parameter normalization, and flags."""

import numpy as np
import pytest

from adcompile.backend.spellings import evaluate
from adcompile.ir.primitives import (OPERAND, PRIMITIVES, TYPE_FACTS, Slice, Window,
                                     index_operand_count, result_type)
from adcompile.ir.types import BOOL, FLOAT, INT, TAPE, ArrayType, ShapeMismatch, type_of

F3 = ArrayType((3,), "float64")
F64 = ArrayType((), "float64")
M23 = ArrayType((2, 3), "float64")
M33 = ArrayType((3, 3), "float64")


@pytest.mark.parametrize("prim, inputs, expected", [
    ("add", [INT, INT], INT), ("add", [INT, FLOAT], FLOAT), ("mul", [FLOAT, FLOAT], FLOAT),
    ("add", [BOOL, BOOL], INT), ("div", [INT, INT], FLOAT), ("floordiv", [INT, INT], INT),
    ("pow", [INT, INT], INT), ("lt", [FLOAT, INT], BOOL), ("not", [BOOL], BOOL),
    ("sin", [INT], FLOAT), ("neg", [INT], INT), ("abs", [FLOAT], FLOAT),
    ("floor", [FLOAT], INT), ("maximum", [INT, FLOAT], FLOAT),
    ("add", [F3, FLOAT], F3), ("mul", [INT, F3], F3), ("sin", [F3], F3),
    ("lt", [F3, FLOAT], ArrayType((3,), "bool")),
    ("add", [ArrayType((2, 1), "float64"), F3], M23),
    ("mul", [ArrayType((3,), "float32"), FLOAT], ArrayType((3,), "float32")),
    ("sin", [ArrayType((3,), "int64")], F3), ("floor", [F3], F3),
    ("div", [ArrayType((3,), "int32"), INT], F3),
    ("zeros_like", [FLOAT], ArrayType((), "float64")),
    ("tape_new", [], TAPE),
    ("arctan2", [INT, INT], FLOAT), ("hypot", [F3, ArrayType((2, 1), "float32")], M23),
    ("logaddexp", [ArrayType((3,), "float32"), FLOAT], ArrayType((3,), "float32")),
    ("arcsinh", [ArrayType((3,), "int64")], F3), ("exp2", [INT], FLOAT),
    ("deg2rad", [FLOAT], FLOAT), ("reciprocal", [ArrayType((3,), "int64")],
                                  ArrayType((3,), "int64")),
    ("fmax", [INT, F3], F3), ("trunc", [FLOAT], INT), ("trunc", [F3], F3),
    ("clip", [M23, FLOAT, F3], M23),
    ("clip", [ArrayType((3,), "int64"), FLOAT, INT], F3),
    ("where", [ArrayType((2, 1), "bool"), F3, INT], M23),
    ("where", [BOOL, INT, FLOAT], FLOAT),
    ("where", [ArrayType((3,), "bool"), FLOAT, FLOAT], F3),
    ("where", [ArrayType((3,), "bool"), ArrayType((), "float32"), FLOAT],
     ArrayType((3,), "float32")),
])
def test_result_type(prim, inputs, expected):
    assert result_type(prim, inputs) == expected


T234 = ArrayType((2, 3, 4), "float64")
F32 = ArrayType((3,), "float32")


def _f64(*shape):
    return ArrayType(shape, "float64")


@pytest.mark.parametrize("prim, inputs, params, expected", [
    ("sum", [M23], {"axis": (0,), "keepdims": False}, F3),
    ("sum", [M23], {"axis": (0, 1), "keepdims": True}, ArrayType((1, 1), "float64")),
    ("sum", [ArrayType((4,), "int32")], {"axis": (0,), "keepdims": False},
     ArrayType((), "int64")),
    ("sum", [ArrayType((4,), "float32")], {"axis": (0,), "keepdims": False},
     ArrayType((), "float32")),
    ("sum_to", [M23], {"shape": (1, 3)}, ArrayType((1, 3), "float64")),
    ("as_numpy", [FLOAT], {}, ArrayType((), "float64")), ("as_numpy", [M23], {}, M23),
    ("as_python", [ArrayType((), "float64")], {}, FLOAT),
    ("as_python", [ArrayType((), "float32")], {}, FLOAT),
    ("as_python", [ArrayType((), "int64")], {}, INT),
    ("broadcast_to", [F3], {"shape": (2, 3)}, M23),
    ("reshape", [M23], {"shape": (3, -1)}, ArrayType((3, 2), "float64")),
    ("transpose", [M23], {"axes": (1, 0)}, ArrayType((3, 2), "float64")),
    ("matmul", [M23, ArrayType((3, 4), "float64")], {}, ArrayType((2, 4), "float64")),
    ("matmul", [M23, F3], {}, ArrayType((2,), "float64")),
    ("matmul", [F3, F3], {}, ArrayType((), "float64")),
    ("matmul", [ArrayType((5, 2, 3), "float32"), ArrayType((3, 4), "float32")], {},
     ArrayType((5, 2, 4), "float32")),
    # reductions: NumPy's result dtypes (mean and var of ints are float64, prod of int32
    # is int64, max keeps the dtype)
    ("mean", [M23], {"axis": 0}, F3), ("mean", [ArrayType((4,), "int32")], {}, F64),
    ("mean", [ArrayType((2, 3), "float32")], {"keepdims": True}, ArrayType((1, 1), "float32")),
    ("prod", [ArrayType((2, 3), "int32")], {"axis": 1}, ArrayType((2,), "int64")),
    ("max", [ArrayType((2, 3), "int32")], {"axis": -1}, ArrayType((2,), "int32")),
    ("min", [M23], {"axis": (0, 1), "keepdims": True}, ArrayType((1, 1), "float64")),
    ("var", [ArrayType((2, 3), "int64")], {"axis": 1, "ddof": 1}, ArrayType((2,), "float64")),
    ("std", [ArrayType((2, 3), "float32")], {}, ArrayType((), "float32")),
    ("cumsum", [M23], {}, ArrayType((6,), "float64")), ("cumsum", [M23], {"axis": -1}, M23),
    ("cumsum", [ArrayType((3,), "int32")], {"axis": 0}, ArrayType((3,), "int64")),
    ("cumprod", [M23], {}, ArrayType((6,), "float64")), ("cumprod", [M23], {"axis": 0}, M23),
    ("cumprod", [ArrayType((3,), "int32")], {"axis": 0}, ArrayType((3,), "int64")),
    ("diff", [M23], {}, ArrayType((2, 2), "float64")),
    ("diff", [ArrayType((4, 3), "float32")], {"n": 2, "axis": 0},
     ArrayType((2, 3), "float32")),
    ("diff", [F3], {"n": 5}, ArrayType((0,), "float64")),
    ("vander", [F3], {}, ArrayType((3, 3), "float64")),
    ("vander", [ArrayType((2,), "int32")], {"N": 4}, ArrayType((2, 4), "int64")),
    ("norm", [M23], {}, F64), ("norm", [M23], {"axis": 1}, ArrayType((2,), "float64")),
    ("norm", [ArrayType((2, 3, 4), "float32")], {"axis": (2, 0), "keepdims": True},
     ArrayType((1, 3, 1), "float32")),
    ("norm", [ArrayType((3,), "int64")], {"ord": 1}, F64),
    ("trace", [M23], {}, F64), ("trace", [ArrayType((2, 3, 4), "int32")],
                                {"axis1": 2, "axis2": 0}, ArrayType((3,), "int64")),
    # products
    ("einsum", [M23, ArrayType((3, 4), "float32")], {"subscripts": "ij,jk->ik"},
     ArrayType((2, 4), "float64")),
    ("einsum", [M23], {"subscripts": "ij"}, M23), ("einsum", [M23], {"subscripts": "ji"},
                                                    ArrayType((3, 2), "float64")),
    ("einsum", [M23, F3], {"written": "dot"}, ArrayType((2,), "float64")),
    ("einsum", [ArrayType((2, 3, 4), "float64"), ArrayType((5, 4, 6), "float64")],
     {"written": "dot"}, ArrayType((2, 3, 5, 6), "float64")),
    ("einsum", [F64, M23], {"written": "dot"}, M23),
    ("einsum", [M23, ArrayType((4, 3), "float64")], {"written": "inner"},
     ArrayType((2, 4), "float64")),
    ("einsum", [F3, ArrayType((2,), "float64")], {"written": "outer"},
     ArrayType((3, 2), "float64")),
    ("einsum", [ArrayType((2, 3, 4), "float64"), ArrayType((3, 4, 5), "float64")],
     {"written": "tensordot"}, ArrayType((2, 5), "float64")),
    ("einsum", [M23, F3], {"written": "tensordot", "axes": 0},
     ArrayType((2, 3, 3), "float64")),
    ("kron", [M23, F3], {}, ArrayType((2, 9), "float64")),
    ("kron", [F64, ArrayType((3,), "float32")], {}, F3),
    ("cross", [ArrayType((4, 1, 3), "float64"), ArrayType((5, 3), "float32")], {},
     ArrayType((4, 5, 3), "float64")),
    ("ravel", [T234], {}, _f64(24)), ("ravel", [FLOAT], {}, _f64(1)),
    ("squeeze", [_f64(1, 3, 1)], {}, F3), ("squeeze", [_f64(1, 3, 1)], {"axis": (0,)},
                                           _f64(3, 1)),
    ("expand_dims", [M23], {"axis": (0, 3)}, _f64(1, 2, 3, 1)),
    ("atleast_1d", [FLOAT], {}, _f64(1)), ("atleast_2d", [F32], {},
                                           ArrayType((1, 3), "float32")),
    ("atleast_3d", [F3], {}, _f64(1, 3, 1)), ("atleast_3d", [M23], {}, _f64(2, 3, 1)),
    ("atleast_2d", [T234], {}, T234),
    ("swapaxes", [T234], {"axis1": 0, "axis2": 2}, _f64(4, 3, 2)),
    ("moveaxis", [T234], {"source": (0,), "destination": (2,)}, _f64(3, 4, 2)),
    ("moveaxis", [T234], {"source": (0, 1), "destination": (2, 0)}, _f64(3, 4, 2)),
    ("flip", [M23], {"axis": (0, 1)}, M23),
    ("roll", [M23], {"shift": 1, "axis": None}, M23),
    ("repeat", [M23], {"repeats": 2, "axis": None}, _f64(12)),
    ("repeat", [M23], {"repeats": 2, "axis": 1}, _f64(2, 6)),
    ("repeat", [FLOAT], {"repeats": 3, "axis": None}, _f64(3)),
    ("tile", [M23], {"reps": (2, 1, 2)}, _f64(2, 2, 6)), ("tile", [M23], {"reps": (2, 2)},
                                                         _f64(4, 6)),
    ("diag", [F3], {"k": 1}, _f64(4, 4)), ("diag", [M23], {"k": -1}, _f64(1)),
    ("diag", [M23], {"k": 5}, _f64(0)),
    ("diagonal", [T234], {"offset": 0, "axis1": 0, "axis2": 2}, _f64(3, 2)),
    ("triu", [T234], {"k": 1}, T234), ("tril", [M23], {"k": 0}, M23),
    ("concatenate", [M23, M23], {"axis": 1}, _f64(2, 6)),
    ("concatenate", [M23, F32], {"axis": None}, _f64(9)),
    ("concatenate", [F32, F32], {"axis": 0}, ArrayType((6,), "float32")),
    ("stack", [F3, F3, F3], {"axis": 1}, _f64(3, 3)),
    ("stack", [FLOAT, INT], {"axis": 0}, _f64(2)),
    ("stack", [ArrayType((), "float32"), ArrayType((), "float32")], {"axis": 0},
     ArrayType((2,), "float32")),
    ("stack", [INT, INT], {"axis": 0}, ArrayType((2,), "int64")),
    ("hstack", [FLOAT, F3], {}, _f64(4)), ("hstack", [M23, M23], {}, _f64(2, 6)),
    ("vstack", [F3, M23], {}, _f64(3, 3)), ("vstack", [FLOAT, FLOAT], {}, _f64(2, 1)),
    ("split", [M23], {"axis": 1, "start": 1, "stop": 3}, _f64(2, 2)),
    ("split", [M23], {"axis": 1, "indices_or_sections": 3, "piece": 2, "equal": True},
     _f64(2, 1)),
    ("split", [F3], {"indices_or_sections": 2, "piece": 0, "equal": False}, _f64(2)),
    ("split", [F3], {"indices_or_sections": (1, 5), "piece": 2}, _f64(0)),
    ("pad", [M23], {"pad_width": ((1, 0), (2, 2))}, _f64(3, 7)),
    ("zeros", [], {"shape": (2, 3)}, M23), ("ones", [], {"shape": 3, "dtype": "float32"},
                                            F32),
    ("full", [FLOAT], {"shape": (2, 3)}, M23),
    ("full", [F3], {"shape": (2, 3), "dtype": "float32"}, ArrayType((2, 3), "float32")),
    ("full_like", [ArrayType((2, 3), "int64"), FLOAT], {}, ArrayType((2, 3), "int64")),
    ("eye", [], {"N": 3}, _f64(3, 3)), ("eye", [], {"N": 2, "M": 4, "k": 1}, _f64(2, 4)),
    ("arange", [], {"start": 5}, ArrayType((5,), "int64")),
    ("arange", [], {"start": 0, "stop": 1, "step": 0.3}, _f64(4)),
    ("arange", [], {"start": 5, "stop": 1}, ArrayType((0,), "int64")),
    ("linspace", [], {"start": 0, "stop": 1, "num": 7}, _f64(7)),
    ("astype", [M23], {"dtype": "float32"}, ArrayType((2, 3), "float32")),
    ("astype", [FLOAT], {"dtype": int}, ArrayType((), "int64")),
    ("round", [M23], {"decimals": 2}, M23),
    ("round", [ArrayType((3,), "int64")], {"decimals": -1}, ArrayType((3,), "int64")),
    ("argmax", [M23], {"axis": None, "keepdims": False}, ArrayType((), "int64")),
    ("argmax", [M23], {"axis": None, "keepdims": True}, ArrayType((1, 1), "int64")),
    ("argmin", [M23], {"axis": 1, "keepdims": False}, ArrayType((2,), "int64")),
    ("argmin", [M23], {"axis": 0, "keepdims": True}, ArrayType((1, 3), "int64")),
    ("inv", [M33], {}, M33), ("inv", [ArrayType((4, 3, 3), "float32")], {},
                              ArrayType((4, 3, 3), "float32")),
    ("inv", [ArrayType((3, 3), "int64")], {}, M33),
    ("det", [M33], {}, ArrayType((), "float64")),
    ("det", [ArrayType((4, 3, 3), "float64")], {}, ArrayType((4,), "float64")),
    ("slogdet_sign", [M33], {}, ArrayType((), "float64")),
    ("slogdet_logabsdet", [ArrayType((4, 3, 3), "float32")], {}, ArrayType((4,), "float32")),
    ("cholesky", [M33], {}, M33), ("eigh_vectors", [M33], {}, M33),
    ("eigh_values", [ArrayType((4, 3, 3), "float64")], {}, ArrayType((4, 3), "float64")),
    ("pinv", [M23], {}, ArrayType((3, 2), "float64")),
    ("pinv", [ArrayType((4, 2, 3), "float64")], {}, ArrayType((4, 3, 2), "float64")),
    ("solve", [M33, F3], {}, F3),
    ("solve", [M33, ArrayType((3, 2), "float32")], {}, ArrayType((3, 2), "float64")),
    ("solve", [ArrayType((4, 3, 3), "float64"), F3], {}, ArrayType((4, 3), "float64")),
    ("solve", [ArrayType((4, 1, 3, 3), "float64"), ArrayType((5, 3, 2), "float64")], {},
     ArrayType((4, 5, 3, 2), "float64")),
])
def test_result_type_with_parameters(prim, inputs, params, expected):
    assert result_type(prim, inputs, params) == expected


def test_abstract_evaluation_is_what_numpy_computes():
    """On small concrete arrays, the abstract result is the type of the actual result."""
    a = np.arange(6.0).reshape(2, 3)
    cases = [("sum", [a], {"axis": (1,), "keepdims": True}),
             ("matmul", [a, a.T], {}), ("transpose", [a], {"axes": (1, 0)}),
             ("broadcast_to", [a[0]], {"shape": (4, 3)}), ("reshape", [a], {"shape": (6,)}),
             ("add", [a, np.float32(1.0)], {}), ("div", [np.arange(3), 2], {}),
             ("mean", [a.astype(np.float32)], {"axis": 0}), ("prod", [np.arange(6)], {}),
             ("var", [np.arange(6)], {"ddof": 1}), ("cumsum", [a], {}),
             ("cumprod", [np.arange(6, dtype=np.int32)], {}), ("diff", [a], {"n": 2}),
             ("diff", [a > 2], {}), ("vander", [np.arange(3, dtype=np.int8)], {"N": 2}),
             ("norm", [np.arange(3)], {"ord": np.inf}), ("trace", [a], {"offset": 1}),
             ("einsum", [a, a], {"subscripts": "ij,kj"}), ("kron", [a, np.arange(2)], {}),
             ("einsum", [a, np.float32(2.0)], {"written": "dot"}),
             ("cross", [a, a[0].astype(np.float32)], {}),
             ("clip", [np.arange(3), 0.5, 2], {}), ("where", [a > 2, a, np.int32(3)], {}),
             ("reciprocal", [np.arange(1, 4)], {}), ("trunc", [a], {}),
             ("argmax", [a], {"axis": 1, "keepdims": True}), ("round", [a], {"decimals": 1}),
             ("solve", [np.eye(3, dtype=np.float32), a.T], {}),
             ("slogdet_logabsdet", [np.stack([np.eye(2)] * 3)], {}),
             ("eigh_values", [np.eye(2)], {}), ("pinv", [a], {})]
    for prim, values, params in cases:
        types = [type_of(v) for v in values]
        if PRIMITIVES[prim].normalize is not None:  # as type inference does
            params = PRIMITIVES[prim].normalize(types, params)
        assert result_type(prim, types, params) == type_of(evaluate(prim, values, types,
                                                                    params)), prim


@pytest.mark.parametrize("prim, inputs, params, message", [
    ("add", [F3, ArrayType((4,), "float64")], {}, r"\(3,\) and \(4,\)"),
    ("matmul", [M23, ArrayType((4, 5), "float64")], {}, "inner dimensions differ"),
    ("matmul", [FLOAT, F3], {}, "at least one dimension"),
    ("reshape", [M23], {"shape": (4, 2)}, "cannot reshape"),
    ("broadcast_to", [F3], {"shape": (3, 2)}, "cannot broadcast"),
    ("sum_to", [F3], {"shape": (2,)}, "cannot sum"),
    ("as_python", [F3], {}, "a math function needs a scalar"),
    ("max", [ArrayType((0, 3), "float64")], {"axis": 0}, "length 0"),
    ("mean", [M23], {"axis": 2}, "out of bounds"),
    ("cumsum", [M23], {"axis": (0, 1)}, "one axis or None"),
    ("cumprod", [M23], {"axis": (0, 1)}, "cumprod takes one axis or None"),
    ("diff", [FLOAT], {}, "one dimension or more"), ("diff", [F3], {"n": -1}, "non-negative"),
    ("diff", [M23], {"axis": 2}, "out of bounds"),
    ("vander", [M23], {}, "needs a vector"), ("vander", [F3], {"N": 2.5}, "non-negative int"),
    ("var", [M23], {"ddof": "1"}, "ddof must be a number"),
    ("norm", [ArrayType((2, 3, 4), "float64")], {"ord": 1}, "needs axis="),
    ("norm", [M23], {"ord": 2}, "singular values"), ("norm", [M23], {"ord": "nuc"},
                                                     "singular values"),
    ("norm", [F3], {"ord": "fro"}, "for matrices"), ("norm", [F3], {"ord": "max"},
                                                      "is not one of"),
    ("norm", [ArrayType((2, 3, 4, 5), "float64")], {"axis": (0, 1, 2)}, "over 3 axes"),
    ("trace", [F3], {}, "at least two dimensions"),
    ("trace", [M23], {"axis1": 1, "axis2": -1}, "must differ"),
    ("einsum", [M23, M23], {"subscripts": "ij,jk->ik"}, r"inner dimensions|two lengths"),
    ("einsum", [M23], {"subscripts": "i->i"}, r"names 1 axes of an operand of shape \(2, 3\)"),
    ("einsum", [M23], {"subscripts": "ij,j"}, "name 2 operands, but 1"),
    ("einsum", [M23], {"subscripts": "...j"}, "'...' is not supported"),
    ("einsum", [ArrayType((3, 3), "float64")], {"subscripts": "ii"}, "np.trace"),
    ("einsum", [M23], {"subscripts": "ij->k"}, "each output label"),
    ("einsum", [M23], {"subscripts": 3}, "must be a string"),
    ("einsum", [M23, ArrayType((4,), "float64")], {"written": "dot"},
     r"dot of shapes \(2, 3\), \(4,\): the inner dimensions differ \(3 and 4\)"),
    ("einsum", [M23, F3], {"written": "outer"}, "takes vectors"),
    ("einsum", [M23, M23], {"written": "tensordot", "axes": 3}, "over 3 axes"),
    ("einsum", [M23, M23], {"written": "tensordot", "axes": ((0, 1), (0,))}, "differ in length"),
    ("einsum", [M23, M23], {"written": "tensordot", "axes": "ab"}, "two sequences"),
    ("cross", [ArrayType((2,), "float64"), ArrayType((2,), "float64")], {}, "3-vectors"),
    ("cross", [M23, ArrayType((4, 3), "float64")], {}, "cannot broadcast"),
    ("squeeze", [M23], {"axis": 0}, r"cannot squeeze axis 0 .* its length is 2"),
    ("expand_dims", [M23], {"axis": 3}, "axis 3 is out of bounds"),
    ("swapaxes", [M23], {"axis1": 0, "axis2": 2}, "axis 2 is out of bounds"),
    ("moveaxis", [T234], {"source": (0, 1), "destination": 2}, "as many destinations"),
    ("moveaxis", [T234], {"source": (0, 0), "destination": (1, 2)}, "repeats an axis"),
    ("flip", [M23], {"axis": -3}, "axis -3 is out of bounds"),
    ("roll", [M23], {"shift": (1, 2), "axis": 0}, "one shift per axis"),
    ("roll", [M23], {"shift": (1, 2)}, "one int shift"),
    ("repeat", [M23], {"repeats": -1}, "non-negative int"),
    ("repeat", [M23], {"repeats": 1.5}, "non-negative int"),
    ("tile", [M23], {"reps": (2, -1)}, "non-negative ints"),
    ("diag", [T234], {"k": 0}, "a vector or a matrix"),
    ("diagonal", [F3], {}, "two axes or more"),
    ("diagonal", [M23], {"axis1": 1, "axis2": -1}, "two different axes"),
    ("triu", [F3], {"k": 0}, "take matrices"),
    ("concatenate", [M23, F3], {"axis": 0}, r"shapes \(2, 3\) and \(3,\)"),
    ("concatenate", [M23, M23.__class__((3, 2), "float64")], {"axis": 1},
     "the other axes differ"),
    ("concatenate", [FLOAT, F3], {"axis": 0}, "none can be a scalar"),
    ("stack", [F3, ArrayType((2,), "float64")], {"axis": 0}, "stacked arrays have one shape"),
    ("stack", [F3, F3], {"axis": 2}, "axis 2 is out of bounds"),
    ("hstack", [M23, F3], {}, "cannot concatenate"),
    ("vstack", [M23, ArrayType((2,), "float64")], {}, "cannot concatenate"),
    ("split", [F3], {"indices_or_sections": 2, "piece": 0, "equal": True},
     "cannot split a length of 3 into 2 equal sections"),
    ("split", [F3], {"indices_or_sections": 0, "piece": 0}, "into 0 sections"),
    ("split", [FLOAT], {"start": 0, "stop": 1}, "cannot split a scalar"),
    ("pad", [M23], {"pad_width": ((1, 2), (3, 4), (5, 6))}, "one .* pair per axis"),
    ("pad", [M23], {"pad_width": -1}, "non-negative ints"),
    ("zeros", [], {"shape": (2, -3)}, "non-negative ints"),
    ("ones", [], {"shape": 2, "dtype": "U3"}, "arrays of str"),
    ("ones", [], {"shape": 2, "dtype": "no such type"}, "not a NumPy dtype"),
    ("full", [F3], {"shape": (3, 2)}, r"fill an array of shape \(3, 2\) with one of shape"),
    ("arange", [], {"start": 0, "stop": 1, "step": 0}, "a step of 0"),
    ("arange", [], {"start": "a"}, "takes numbers"),
    ("linspace", [], {"start": 0, "stop": 1, "num": -1}, "linspace of -1 numbers"),
    ("where", [ArrayType((2,), "bool"), F3, FLOAT], {}, r"\(2,\) and \(3,\)"),
    ("clip", [F3, ArrayType((4,), "float64"), FLOAT], {}, "cannot broadcast"),
    ("argmax", [ArrayType((0,), "float64")], {}, "empty array"),
    ("inv", [M23], {}, r"square matrices, not shape \(2, 3\)"),
    ("cholesky", [F3], {}, r"a matrix \(at least 2 dimensions\)"),
    ("det", [FLOAT], {}, "a matrix"), ("pinv", [F3], {}, "a matrix"),
    ("eigh_values", [ArrayType((2, 3, 4), "float64")], {}, "square matrices"),
    ("solve", [M33, ArrayType((4,), "float64")], {}, "the vector needs 3 entries"),
    ("solve", [M33, ArrayType((2, 2), "float64")], {}, "the right-hand side needs 3 rows"),
    ("solve", [M33, FLOAT], {}, "the right-hand side needs 3 rows"),
    ("solve", [ArrayType((2, 3, 3), "float64"), ArrayType((4, 3, 1), "float64")], {},
     "cannot broadcast"),
])
def test_mismatched_shapes_are_refused(prim, inputs, params, message):
    with pytest.raises(ShapeMismatch, match=message):
        result_type(prim, inputs, params)


@pytest.mark.parametrize("prim, types, given, normalized", [
    ("sum", [M23], {"axis": -1}, {"axis": (1,), "keepdims": False}),
    ("sum", [M23], {"axis": None, "keepdims": 1}, {"axis": (0, 1), "keepdims": True}),
    ("sum", [M23], {"axis": (1, -2)}, {"axis": (0, 1), "keepdims": False}),
    ("reshape", [M23], {"shape": -1}, {"shape": (6,)}),
    ("transpose", [M23], {"axes": None}, {"axes": (1, 0)}),
    ("transpose", [ArrayType((2, 3, 4), "float64")], {"axes": (0, -1, 1)},
     {"axes": (0, 2, 1)}),
    ("max", [M23], {"axis": -1}, {"axis": (1,), "keepdims": False}),
    ("var", [M23], {"ddof": 1.0}, {"axis": (0, 1), "keepdims": False, "ddof": 1}),
    ("cumsum", [M23], {"axis": -1}, {"axis": 1}), ("cumsum", [M23], {}, {"axis": None}),
    ("cumprod", [M23], {"axis": -2}, {"axis": 0}),
    ("diff", [M23], {}, {"n": 1, "axis": 1}),
    ("vander", [F3], {}, {"N": 3, "increasing": False}),
    ("norm", [M23], {}, {"ord": None, "axis": (0, 1), "keepdims": False}),
    ("norm", [M23], {"ord": np.inf, "axis": (-1, 0)},  # a matrix norm keeps the axes' order
     {"ord": np.inf, "axis": (1, 0), "keepdims": False}),
    ("norm", [M23], {"ord": 2.0, "axis": -1}, {"ord": 2, "axis": (1,), "keepdims": False}),
    ("trace", [ArrayType((2, 3, 4), "float64")], {"axis1": -1, "axis2": -3},
     {"offset": 0, "axis1": 2, "axis2": 0}),
    ("einsum", [M23, M23], {"subscripts": "ij, kj"}, {"subscripts": "ij,kj->ik",
                                                      "written": "einsum"}),
    ("einsum", [M23, M23], {"subscripts": "ij,ij"}, {"subscripts": "ij,ij->",
                                                     "written": "einsum"}),
    ("einsum", [M23, F3], {"written": "dot"}, {"subscripts": "ab,b->a", "written": "dot"}),
    ("einsum", [M23, M23], {"written": "tensordot", "axes": ([1, 0], [1, 0])},
     {"subscripts": "ab,ab->", "written": "tensordot"}),
    ("squeeze", [_f64(1, 3, 1)], {}, {"axis": (0, 2)}),
    ("expand_dims", [M23], {"axis": -1}, {"axis": (2,)}),
    ("swapaxes", [M23], {"axis1": -1, "axis2": 0}, {"axis1": 1, "axis2": 0}),
    ("moveaxis", [T234], {"source": -1, "destination": 0},
     {"source": (2,), "destination": (0,)}),
    ("flip", [M23], {}, {"axis": (0, 1)}),
    ("roll", [M23], {"shift": 2, "axis": -1}, {"shift": (2,), "axis": (1,)}),
    ("repeat", [M23], {"repeats": 2, "axis": -2}, {"repeats": 2, "axis": 0}),
    ("tile", [M23], {"reps": 2}, {"reps": (1, 2)}),
    ("diagonal", [T234], {"axis2": -1}, {"offset": 0, "axis1": 0, "axis2": 2}),
    ("concatenate", [M23, M23], {"axis": -1}, {"axis": 1}),
    ("split", [F3], {"indices_or_sections": 3, "piece": 1, "axis": -1, "equal": True},
     {"axis": 0, "start": 1, "stop": 2}),
    ("split", [F3], {"start": -2, "stop": None}, {"axis": 0, "start": 1, "stop": 3}),
    ("pad", [M23], {"pad_width": 1}, {"pad_width": ((1, 1), (1, 1))}),
    ("pad", [M23], {"pad_width": (1, 2)}, {"pad_width": ((1, 2), (1, 2))}),
    ("zeros", [], {"shape": 3, "dtype": None}, {"shape": (3,), "dtype": "float64"}),
    ("full", [FLOAT], {"shape": [2]}, {"shape": (2,), "dtype": "float64"}),
    ("eye", [], {"N": 2, "dtype": np.float32}, {"N": 2, "M": 2, "k": 0, "dtype": "float32"}),
    ("arange", [], {"start": 3}, {"start": 0, "stop": 3, "step": 1, "dtype": "int64"}),
    ("linspace", [], {"start": 0, "stop": 2}, {"start": 0, "stop": 2, "num": 50,
                                               "endpoint": True, "dtype": "float64"}),
    ("astype", [M23], {"dtype": bool}, {"dtype": "bool"}),
])
def test_parameters_normalize_to_one_spelling(prim, types, given, normalized):
    assert PRIMITIVES[prim].normalize(types, given) == normalized


@pytest.mark.parametrize("prim, given, normalized", [
    ("argmax", {}, {"axis": None, "keepdims": False}),
    ("argmin", {"axis": -1, "keepdims": 1}, {"axis": 1, "keepdims": True}),
    ("round", {}, {"decimals": 0}),
])
def test_selection_and_rounding_parameters_normalize(prim, given, normalized):
    assert PRIMITIVES[prim].normalize([M23], given) == normalized


def test_argmax_takes_one_axis():
    with pytest.raises(ShapeMismatch, match="one axis or None"):
        PRIMITIVES["argmax"].normalize([M23], {"axis": (0, 1)})
    with pytest.raises(ShapeMismatch, match="out of bounds"):
        PRIMITIVES["argmin"].normalize([M23], {"axis": 2})


def test_an_axis_out_of_bounds_is_refused():
    with pytest.raises(ShapeMismatch, match="out of bounds"):
        PRIMITIVES["sum"].normalize([M23], {"axis": 2})


def test_typing_a_huge_array_costs_nothing():
    huge = ArrayType((100_000, 100_000), "float64")  # 80 GB if it were allocated
    assert result_type("matmul", [huge, huge]) == huge
    assert result_type("sum", [huge], {"axis": (0, 1), "keepdims": False}) == \
        ArrayType((), "float64")


def test_flags():
    for name in ("lt", "le", "gt", "ge", "eq", "ne", "not"):
        assert PRIMITIVES[name].boolean
    for name in ("add", "sin", "maximum", "abs", "floor"):
        assert not PRIMITIVES[name].boolean
    for name in ("push", "pop", "tape_new"):
        assert not PRIMITIVES[name].pure
    assert all(p.pure for name, p in PRIMITIVES.items()
               if name not in ("push", "pop", "tape_new"))
    assert PRIMITIVES["add"].commutative and not PRIMITIVES["sub"].commutative
    assert not PRIMITIVES["matmul"].commutative


def test_declared_parameters():
    declared = {name: p.params for name, p in PRIMITIVES.items() if p.params}
    assert declared == {"sum": ("axis", "keepdims"), "sum_to": ("shape",),
                        "broadcast_to": ("shape",), "reshape": ("shape",),
                        "transpose": ("axes",), "index": ("index",),
                        "index_update": ("index", "mode"), "dim": ("axis", "rank"),
                        "check_bound": ("name",), "list_stack": ("length", "axis"),
                        "check_window": ("size", "window", "written", "start_text"),
                        "list_unstack": ("axis",), "list_broadcast": ("size",),
                        **{name: ("axis", "keepdims") for name in ("mean", "prod", "max",
                                                                   "min")},
                        "var": ("axis", "ddof", "keepdims"), "std": ("axis", "ddof", "keepdims"),
                        "cumsum": ("axis",), "cumprod": ("axis",), "diff": ("n", "axis"),
                        "vander": ("N", "increasing"), "norm": ("ord", "axis", "keepdims"),
                        "trace": ("offset", "axis1", "axis2"),
                        "einsum": ("subscripts", "written", "axes"),
                        "squeeze": ("axis",), "expand_dims": ("axis",),
                        "swapaxes": ("axis1", "axis2"), "moveaxis": ("source", "destination"),
                        "flip": ("axis",), "roll": ("shift", "axis"),
                        "repeat": ("repeats", "axis"), "tile": ("reps",),
                        "diagonal": ("offset", "axis1", "axis2"), "diag": ("k",),
                        "triu": ("k",), "tril": ("k",), "concatenate": ("axis",),
                        "stack": ("axis",),
                        "split": ("axis", "start", "stop", "indices_or_sections", "piece",
                                  "equal"),
                        "pad": ("pad_width",), "zeros": ("shape", "dtype"),
                        "ones": ("shape", "dtype"), "full": ("shape", "dtype"),
                        "full_like": ("dtype",), "eye": ("N", "M", "k", "dtype"),
                        "arange": ("start", "stop", "step", "dtype"),
                        "linspace": ("start", "stop", "num", "endpoint", "dtype"),
                        "astype": ("dtype",), "basis": ("shape", "dtype"),
                        "round": ("decimals",), "argmax": ("axis", "keepdims"),
                        "argmin": ("axis", "keepdims"), "dtype_is": ("dtype",),
                        "zeros_like": ("dtype",), "ones_like": ("dtype",)}


# ---- indexing ---------------------------------------------------------------------------
T345 = ArrayType((3, 4, 5), "float32")
I2 = ArrayType((2,), "int64")


@pytest.mark.parametrize("index, operands, numpy_index", [
    ((1,), [], (1,)), ((-1, Slice(1, None, 2)), [], (-1, slice(1, None, 2))),
    ((Ellipsis, 0), [], (Ellipsis, 0)), ((None, 0, None), [], (None, 0, None)),
    (((0, 2, 2),), [], ([0, 2, 2],)), ((0, Slice(), (1, 2)), [], (0, slice(None), [1, 2])),
    ((Slice(), 0, (1, 2)), [], (slice(None), 0, [1, 2])),
    ((OPERAND,), [INT], (1,)), ((OPERAND, Slice(None, None, -1)), [I2],
                                 (np.array([0, 1]), slice(None, None, -1))),
    ((((0, 1), (1, 2)), None, (1, 2)), [], ([[0, 1], [1, 2]], None, [1, 2])),
    ((Slice(), ((0, 1), (1, 2)), (1, 2)), [], (slice(None), [[0, 1], [1, 2]], [1, 2])),
    ((), [], ()), ((Slice(10, None),), [], (slice(10, None),)),
    # a window starting at 1: basic indexing, as the slice it is
    ((Window(2), OPERAND), [INT, I2], (slice(1, 3), np.array([0, 1]))),
    ((OPERAND, Slice(), Window(3, 2)), [I2, INT], (np.array([0, 1]), slice(None),
                                                   slice(0, 6, 2))),
    ((Ellipsis, Window(0)), [INT], (Ellipsis, slice(1, 1))),
])
def test_index_types_its_result_as_numpy_shapes_it(index, operands, numpy_index):
    params = PRIMITIVES["index"].normalize([T345, *operands], {"index": index})
    expected = np.zeros((3, 4, 5), np.float32)[numpy_index]
    assert result_type("index", [T345, *operands], params) == \
        ArrayType(expected.shape, "float32")


def test_index_normalizes_to_explicit_non_negative_entries():
    params = PRIMITIVES["index"].normalize([T345], {"index": (Ellipsis, -1, (0, -1))})
    assert params == {"index": (Slice(0, 3, 1), 3, (0, 4))}
    reversed_ = PRIMITIVES["index"].normalize([F3], {"index": (Slice(None, None, -1),)})
    assert reversed_ == {"index": (Slice(2, None, -1),)}


@pytest.mark.parametrize("prim, inputs, params, message", [
    ("index", [T345], {"index": (3,)}, r"index 3 is out of bounds for axis 0 with size 3 "
                                       r"\(an array of shape \(3, 4, 5\)\)"),
    ("index", [T345], {"index": (0, (1, -5))}, "index -5 is out of bounds for axis 1"),
    ("index", [T345], {"index": (0, 0, 0, 0)}, "too many indices"),
    ("index", [T345], {"index": (Ellipsis, Ellipsis)}, "only one ellipsis"),
    ("index", [FLOAT], {"index": (0,)}, "a Python number cannot be indexed"),
    ("index", [T345, FLOAT], {"index": (OPERAND,)}, "must be an integer"),
    ("index", [T345, ArrayType((3,), "bool")], {"index": (OPERAND,)}, "np.where"),
    ("index_update", [F3, ArrayType((2,), "float64")], {"index": (Slice(),), "mode": "add"},
     r"cannot add a value of shape \(2,\) at an index selecting shape \(3,\)"),
    ("index_update", [ArrayType((), "float64"), FLOAT], {"index": (), "mode": "set"},
     "at least one dimension"),
    ("index", [T345, INT], {"index": (Slice(), Window(5))}, "5 elements does not fit in "
                                                          "axis 1 of size 4"),
    ("index", [T345, INT], {"index": (Window(2, 3),)}, "2 elements 3 apart does not fit"),
    ("index", [T345, INT], {"index": (Window(2, -1),)}, "a positive step"),
    ("index", [T345, I2], {"index": (Window(2),)}, "start must be one integer"),
    ("check_window", [FLOAT], {"size": 3, "window": Window(2), "written": "x[i:i + 2]",
                               "start_text": "i"}, r"start of x\[i:i \+ 2\] must be one"),
    ("dim", [M23], {"axis": 2}, "axis 2 is out of bounds"),
    ("dim", [ArrayType((), "float64")], {"axis": 0}, "len"),
    ("dim", [M23], {"axis": 0, "rank": 3}, "cannot unpack the shape"),
    ("ndim", [FLOAT], {}, "no .ndim"),
])
def test_bad_indices_are_refused_with_the_shape(prim, inputs, params, message):
    with pytest.raises(ShapeMismatch, match=message):
        normalize = PRIMITIVES[prim].normalize
        result_type(prim, inputs, normalize(inputs, params) if normalize else params)


def test_a_window_takes_its_start_as_an_operand_and_keeps_its_entry():
    index = (Window(2), OPERAND, Slice(1, None))
    assert index_operand_count({"index": index}) == 2
    params = PRIMITIVES["index"].normalize([T345, INT, INT], {"index": index})
    assert params == {"index": (Window(2), OPERAND, Slice(1, 5, 1))}
    assert repr(Window(3)) == "@:@+3" and repr(Window(2, 3)) == "@:@+6:3"


def test_index_update_keeps_the_type_of_the_array():
    params = {"index": (Slice(0, 3, 1), (1, 2)), "mode": "add"}
    assert result_type("index_update", [M23, FLOAT], params) == M23


def test_the_facts_of_a_type():
    assert TYPE_FACTS["dim"](T345, axis=2) == 5 and TYPE_FACTS["size"](T345) == 60
    assert TYPE_FACTS["ndim"](T345) == 3
    assert result_type("dim", [T345], {"axis": 1}) == INT


def test_factorial_of_an_array_is_refused_while_typing():
    # every primitive whose abstract rule accepts its operands has a spelling for them
    with pytest.raises(ShapeMismatch, match="math.factorial needs a Python int"):
        result_type("factorial", [ArrayType((3,), "int64")])
    assert result_type("factorial", [INT]) == INT
