"""adcompile.backend.spellings: what each primitive computes, on Python scalars and on
arrays, through the code generated code runs."""

import ast
import math
import operator

import astor
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adcompile.backend import spellings
from adcompile.backend.spellings import SPELLINGS, evaluate
from adcompile.ir.primitives import OPERAND, PRIMITIVES, Slice, result_type
from adcompile.ir.types import INT, FLOAT, ArrayType, type_of

# name -> (numpy function, a point of its domain)
UNARY = {
    "sin": (np.sin, 0.7), "cos": (np.cos, 0.7), "tan": (np.tan, 0.7),
    "arcsin": (np.arcsin, 0.3), "arccos": (np.arccos, 0.3), "arctan": (np.arctan, 0.7),
    "sinh": (np.sinh, 0.7), "cosh": (np.cosh, 0.7), "tanh": (np.tanh, 0.7),
    "exp": (np.exp, 0.7), "expm1": (np.expm1, 1e-3), "log": (np.log, 2.5),
    "log1p": (np.log1p, 1e-3), "log2": (np.log2, 2.5), "log10": (np.log10, 2.5),
    "sqrt": (np.sqrt, 2.5), "floor": (np.floor, -2.5), "ceil": (np.ceil, -2.5),
    "abs": (np.abs, -2.5), "sign": (np.sign, -2.5), "neg": (np.negative, 2.5),
    "arcsinh": (np.arcsinh, 0.7), "arccosh": (np.arccosh, 2.5), "arctanh": (np.arctanh, 0.3),
    "exp2": (np.exp2, 0.7), "reciprocal": (np.reciprocal, 2.5),
    "deg2rad": (np.deg2rad, 120.0), "rad2deg": (np.rad2deg, 0.7), "trunc": (np.trunc, -2.5),
}

BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "pow": np.power, "floordiv": np.floor_divide, "mod": np.mod,
    "maximum": np.maximum, "minimum": np.minimum, "arctan2": np.arctan2, "hypot": np.hypot,
    "logaddexp": np.logaddexp, "logaddexp2": np.logaddexp2, "fmax": np.fmax, "fmin": np.fmin,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal,
}


def run(name, *values, **params):
    return evaluate(name, list(values), [type_of(v) for v in values], params)


def source(name, types, **params):
    args = [ast.Name(f"x{i}", ast.Load()) for i in range(len(types))]
    return ast.unparse(spellings.expression(name, args, types, params))


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_a_python_float_is_what_numpy_computes(name):
    fn, x = UNARY[name]
    assert run(name, x) == pytest.approx(float(fn(x)), rel=1e-15, abs=0)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_an_array_is_what_numpy_computes(name):
    fn, x = UNARY[name]
    arr = np.array([x, x / 2, x * 0.75])
    got = run(name, arr)
    assert isinstance(got, np.ndarray)
    assert got.dtype == fn(arr).dtype
    np.testing.assert_array_equal(got, fn(arr))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_on_scalars_and_arrays_is_what_numpy_computes(name):
    fn = BINARY[name]
    assert run(name, 2.5, 1.5) == pytest.approx(fn(2.5, 1.5).item(), rel=1e-15)
    arr = np.array([[0.5, 2.5, 3.25]])
    col = np.array([[1.5], [2.5]])
    got = run(name, arr, col)  # broadcasting (1, 3) with (2, 1)
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got, fn(arr, col))
    np.testing.assert_array_equal(run(name, arr, 2.0), fn(arr, 2.0))


def test_scalar_results_are_python_numbers_through_math():
    assert type(run("sin", 0.5)) is float
    assert type(run("add", 2, 3)) is int
    assert type(run("div", 2, 4)) is float
    assert run("div", 1, 4) == 0.25
    assert source("sin", [type_of(0.5)]) == "math.sin(x0)"
    assert source("sin", [type_of(np.ones(2))]) == "np.sin(x0)"


def test_comparisons_and_not_give_truth_values():
    assert run("lt", 1.0, 2.0) is True
    assert run("ge", 1.0, 2.0) is False
    assert run("not", True) is False
    assert run("not", 0) is True
    got = run("lt", np.array([1.0, 3.0]), 2.0)
    assert got.dtype == bool
    np.testing.assert_array_equal(got, [True, False])
    np.testing.assert_array_equal(run("not", np.array([True, False])), [False, True])


def test_infix_primitives_are_the_python_operators():
    ops = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
           "div": operator.truediv, "pow": operator.pow, "floordiv": operator.floordiv,
           "mod": operator.mod}
    for name, fn in ops.items():
        for a, b in [(7, 2), (-7, 2), (7.5, -2.0)]:
            assert run(name, a, b) == fn(a, b)
    assert run("neg", 2.5) == -2.5


@pytest.mark.parametrize("shape, target, expected", [
    ((3, 2), (2,), "np.sum(x0, axis=0)"),
    ((3, 2), (3, 1), "np.sum(x0, axis=1, keepdims=True)"),
    ((4, 3, 2), (3, 1), "np.sum(x0, axis=(0, 2), keepdims=True).reshape((3, 1))"),
    ((2, 2), (1, 1), "np.sum(x0, keepdims=True)"),
])
def test_sum_to_is_written_as_a_sum_over_the_broadcast_axes(shape, target, expected):
    g = np.arange(float(np.prod(shape))).reshape(shape)
    assert source("sum_to", [type_of(g)], shape=target) == expected
    got = run("sum_to", g, shape=target)
    summed = g.sum(axis=tuple(range(g.ndim - len(target))))
    summed = summed.sum(axis=tuple(i for i, n in enumerate(target) if n == 1), keepdims=True)
    np.testing.assert_array_equal(got, summed)


def test_parameters_become_keywords_left_out_at_their_defaults():
    m = type_of(np.ones((2, 3)))
    assert source("sum", [m], axis=(0, 1), keepdims=False) == "np.sum(x0)"
    assert source("sum", [m], axis=(1,), keepdims=False) == "np.sum(x0, axis=1)"
    assert source("sum", [m], axis=(0, 1), keepdims=True) == "np.sum(x0, keepdims=True)"
    assert source("transpose", [m], axes=(1, 0)) == "x0.T"
    assert source("transpose", [type_of(np.ones((2, 3, 4)))], axes=(0, 2, 1)) == \
        "np.transpose(x0, (0, 2, 1))"
    assert source("reshape", [m], shape=(3, 2)) == "np.reshape(x0, (3, 2))"
    assert source("broadcast_to", [m], shape=(4, 2, 3)) == "np.broadcast_to(x0, shape=(4, 2, 3))"
    assert source("matmul", [m, m]) == "x0 @ x1"


def test_array_operations_compute_what_numpy_computes():
    a = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(run("sum", a, axis=(1,), keepdims=True),
                                  a.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(run("transpose", a, axes=(1, 0)), a.T)
    np.testing.assert_array_equal(run("matmul", a, a.T), a @ a.T)
    np.testing.assert_array_equal(run("broadcast_to", a, shape=(2, 2, 3)),
                                  np.broadcast_to(a, (2, 2, 3)))


def test_more_elementwise_functions_are_spelled_as_written():
    weak, array = type_of(0.5), type_of(np.ones(2))
    assert source("arctan2", [weak, weak]) == "math.atan2(x0, x1)"
    assert source("arctan2", [array, weak]) == "np.arctan2(x0, x1)"
    assert source("hypot", [weak, weak]) == "math.hypot(x0, x1)"
    assert source("arcsinh", [weak]) == "math.asinh(x0)"
    assert source("deg2rad", [weak]) == "math.radians(x0)"
    assert source("rad2deg", [array]) == "np.rad2deg(x0)"
    assert source("logaddexp", [weak, weak]) == "np.logaddexp(x0, x1)"
    assert source("clip", [array, weak, weak]) == "np.clip(x0, x1, x2)"
    assert source("round", [array], decimals=0) == "np.round(x0)"
    assert source("round", [array], decimals=2) == "np.round(x0, decimals=2)"
    assert source("argmax", [array], axis=None, keepdims=False) == "np.argmax(x0)"
    assert source("argmin", [array], axis=0, keepdims=True) == \
        "np.argmin(x0, axis=0, keepdims=True)"


def test_where_on_python_scalars_is_a_conditional_expression_of_the_promoted_type():
    truth, number, integer = type_of(True), type_of(0.5), type_of(2)
    assert source("where", [truth, number, number]) == "x1 if x0 else x2"
    assert source("where", [truth, integer, number]) == "float(x1) if x0 else x2"
    assert source("where", [type_of(np.ones(2) > 0), number, number]) == "np.where(x0, x1, x2)"
    assert run("where", True, 2, 0.5) == 2.0 and type(run("where", True, 2, 0.5)) is float
    assert run("where", False, 2, 0.5) == 0.5


def test_linear_algebra_is_numpys():
    square = np.array([[2.0, -1.0], [1.0, 3.0]])
    matrix = type_of(square)
    assert source("inv", [matrix]) == "np.linalg.inv(x0)"
    assert source("solve", [matrix, matrix]) == "np.linalg.solve(x0, x1)"
    assert source("slogdet_sign", [matrix]) == "np.linalg.slogdet(x0)[0]"
    assert source("slogdet_logabsdet", [matrix]) == "np.linalg.slogdet(x0)[1]"
    assert source("eigh_values", [matrix]) == "np.linalg.eigh(x0)[0]"
    assert source("eigh_vectors", [matrix]) == "np.linalg.eigh(x0)[1]"
    symmetric = square @ square.T
    for prim, expected in [("inv", np.linalg.inv(square)), ("det", np.linalg.det(square)),
                           ("pinv", np.linalg.pinv(square)),
                           ("cholesky", np.linalg.cholesky(symmetric)),
                           ("slogdet_sign", np.linalg.slogdet(square)[0]),
                           ("slogdet_logabsdet", np.linalg.slogdet(square)[1]),
                           ("eigh_values", np.linalg.eigh(symmetric)[0]),
                           ("eigh_vectors", np.linalg.eigh(symmetric)[1])]:
        operand = symmetric if prim in ("cholesky", "eigh_values", "eigh_vectors") else square
        np.testing.assert_array_equal(run(prim, operand), expected, strict=True)
    np.testing.assert_array_equal(run("solve", square, np.ones(2)),
                                  np.linalg.solve(square, np.ones(2)))


def test_the_array_namespace_is_named_in_one_place():
    assert spellings.ARRAY_NAMESPACE == ("numpy", "np")
    assert spellings.NAMESPACES["np"] is np and spellings.NAMESPACES["math"] is math


def test_every_pure_primitive_has_a_spelling():
    pure = {name for name, p in PRIMITIVES.items() if p.pure}
    assert pure <= set(SPELLINGS)


def test_float_arithmetic_is_the_four_operators():
    assert [p for p in SPELLINGS if spellings.is_float_arithmetic(p)] == \
        ["add", "sub", "mul", "div"]


def test_literals():
    assert ast.unparse(spellings.literal((1, -2))) == "(1, -2)"
    assert ast.unparse(spellings.literal(float("inf"))) == "float('inf')"
    assert ast.unparse(spellings.literal(np.float32(0.5))) == "np.float32(0.5)"


def test_sum_to_zero_dimensions_gives_a_numpy_value_not_a_python_float():
    got = run("sum_to", np.ones((2, 2)), shape=())
    assert type(got) is not float and np.shape(got) == () and got == 4.0


def test_sum_to_leaves_a_unit_axis_that_was_not_broadcast_alone():
    g = np.arange(3.0).reshape(3, 1)
    got = run("sum_to", np.broadcast_to(g, (2, 3, 1)), shape=(3, 1))
    np.testing.assert_array_equal(got, 2 * g)


shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcast_pairs(draw):
    """(big, small): shapes with `small` broadcastable to `big`."""
    big = draw(shapes)
    keep = draw(st.integers(0, len(big)))
    small = tuple(1 if draw(st.booleans()) else n for n in big[len(big) - keep:])
    return big, small


@given(broadcast_pairs(), st.integers(0, 2 ** 31 - 1))
def test_sum_to_is_the_adjoint_of_broadcasting(pair, seed):
    big, small = pair
    rng = np.random.default_rng(seed)
    g = rng.standard_normal(big)
    v = rng.standard_normal(small)
    got = run("sum_to", g, shape=small)
    assert np.shape(got) == small
    # <sum_to(g), v> == <g, broadcast(v)>
    assert np.sum(got * v) == pytest.approx(np.sum(g * np.broadcast_to(v, big)), abs=1e-9)


def test_fast_code_computes_numpy_scalars_with_math_faithful_code_with_numpy():
    strong = type_of(np.float64(0.5))
    weak = type_of(0.5)
    assert source("sin", [strong]) == "np.sin(x0)"
    assert source("sin", [weak]) == "math.sin(x0)"
    args = [ast.Name("x0", ast.Load())]
    fast = spellings.expression("sin", args, [strong], {}, spellings.FAST)
    assert ast.unparse(fast) == "math.sin(x0)"
    float32 = type_of(np.float32(0.5))  # math would compute it in float64
    assert ast.unparse(spellings.expression("sin", args, [float32], {}, spellings.FAST)) == \
        "np.sin(x0)"


@pytest.mark.parametrize("prim", ["floor", "ceil", "trunc"])
def test_fast_rounding_of_a_numpy_float_gives_a_float_as_numpy_does(prim):
    args = [ast.Name("x0", ast.Load())]
    fast = ast.unparse(spellings.expression(prim, args, [type_of(np.float64(-1.5))], {},
                                            spellings.FAST))
    assert fast == f"float(math.{prim}(x0))"
    value = eval(fast, {"math": math, "x0": -1.5})
    assert type(value) is float and value == getattr(np, prim)(-1.5)
    # the user's math.floor of a Python float, and NumPy's of an int, give ints
    for t in (type_of(-1.5), type_of(np.int64(3))):
        assert ast.unparse(spellings.expression(prim, args, [t], {}, spellings.FAST)) == \
            f"math.{prim}(x0)"


def test_casts_between_python_and_numpy_scalars():
    assert source("as_numpy", [type_of(0.5)]) == "np.float64(x0)"
    assert source("as_python", [type_of(np.float64(0.5))]) == "float(x0)"
    assert source("as_numpy", [type_of(np.ones(2))]) == "x0"
    args = [ast.Name("x0", ast.Load())]
    for prim, t in (("as_numpy", type_of(0.5)), ("as_python", type_of(np.float64(0.5)))):
        assert ast.unparse(spellings.expression(prim, args, [t], {}, spellings.FAST)) == "x0"
    assert type(run("as_numpy", 0.5)) is np.float64
    assert type(run("as_python", np.float64(0.5))) is float


# ---- indexing ---------------------------------------------------------------------------
M34 = ArrayType((3, 4), "float64")


@pytest.mark.parametrize("index, text", [
    ((1, Slice(0, 4, 1)), "x0[1]"), ((Slice(0, 3, 1), 3), "x0[:, 3]"),
    ((Slice(1, 3, 2), Slice(3, None, -1)), "x0[1::2, ::-1]"),
    ((None, Slice(0, 3, 1), (0, 0, 2)), "x0[None, :, [0, 0, 2]]"),
    ((OPERAND, Slice(1, 4, 1)), "x0[x1, 1:]"), ((Slice(0, 3, 1), Slice(0, 4, 1)), "x0[()]"),
])
def test_an_index_is_written_as_a_subscript(index, text):
    types = [M34] + [INT] * sum(entry is OPERAND for entry in index)
    assert source("index", types, index=index) == text


@pytest.mark.parametrize("index, operands, mode, text", [
    ((1, Slice(0, 4, 1)), [], "add", "y[1] += x1"),
    ((OPERAND, Slice(0, 4, 1)), [INT], "add", "y[x2] += x1"),
    ((OPERAND, Slice(0, 4, 1)), [ArrayType((2,), "int64")], "add",
     "np.add.at(y, np.s_[x2], x1)"),
    (((0, 0), Slice(0, 4, 1)), [], "add", "np.add.at(y, np.s_[[0, 0]], x1)"),
    (((0, 2), Slice(0, 4, 1)), [], "add", "y[[0, 2]] += x1"),
    ((Slice(0, 3, 1), 2), [], "set", "y[:, 2] = x1"),
])
def test_an_update_is_written_as_statements_on_its_target(index, operands, mode, text):
    types = [M34, FLOAT, *operands]
    args = [ast.Name(f"x{i}", ast.Load()) for i in range(len(types))]
    statements = SPELLINGS["index_update"][1].statements("y", args, types,
                                                         {"index": index, "mode": mode})
    assert "\n".join(ast.unparse(ast.fix_missing_locations(s)) for s in statements) == text


def test_an_update_computes_on_a_copy_when_evaluated():
    x = np.zeros(3)
    got = run("index_update", x, 1.5, np.array([0, 0, 2]), index=(OPERAND,), mode="add")
    np.testing.assert_array_equal(got, [3.0, 0.0, 1.5])
    np.testing.assert_array_equal(x, np.zeros(3))
    assert spellings.is_statement("index_update") and not spellings.is_statement("index")


def test_facts_of_a_type_read_the_array():
    a = np.zeros((3, 4))
    assert (run("dim", a, axis=1), run("ndim", a), run("size", a)) == (4, 2, 12)


_M = type_of(np.ones((2, 3)))
_T = type_of(np.ones((2, 3, 4)))
_V = type_of(np.ones(3))


@pytest.mark.parametrize("prim, types, params, expected", [
    ("mean", [_M], {"axis": (0, 1), "keepdims": False}, "np.mean(x0)"),
    ("prod", [_M], {"axis": (1,), "keepdims": True}, "np.prod(x0, axis=1, keepdims=True)"),
    ("max", [_T], {"axis": (0, 2), "keepdims": False}, "np.max(x0, axis=(0, 2))"),
    ("min", [_M], {"axis": (0,), "keepdims": False}, "np.min(x0, axis=0)"),
    ("var", [_M], {"axis": (0, 1), "ddof": 1, "keepdims": False}, "np.var(x0, ddof=1)"),
    ("std", [_M], {"axis": (1,), "ddof": 0, "keepdims": True},
     "np.std(x0, axis=1, keepdims=True)"),
    ("cumsum", [_M], {"axis": None}, "np.cumsum(x0)"),
    ("cumsum", [_M], {"axis": 1}, "np.cumsum(x0, axis=1)"),
    ("cumprod", [_M], {"axis": None}, "np.cumprod(x0)"),
    ("cumprod", [_M], {"axis": 0}, "np.cumprod(x0, axis=0)"),
    ("norm", [_T], {"ord": None, "axis": (0, 1, 2), "keepdims": False}, "np.linalg.norm(x0)"),
    ("norm", [_M], {"ord": 1, "axis": (0, 1), "keepdims": False}, "np.linalg.norm(x0, 1)"),
    ("norm", [_M], {"ord": float("inf"), "axis": (1, 0), "keepdims": False},
     "np.linalg.norm(x0, np.inf, axis=(1, 0))"),
    ("norm", [_T], {"ord": -float("inf"), "axis": (2,), "keepdims": True},
     "np.linalg.norm(x0, -np.inf, axis=2, keepdims=True)"),
    ("norm", [_M], {"ord": "fro", "axis": (0, 1), "keepdims": False},
     "np.linalg.norm(x0, 'fro')"),
    ("trace", [_M], {"offset": 0, "axis1": 0, "axis2": 1}, "np.trace(x0)"),
    ("trace", [_T], {"offset": -1, "axis1": 2, "axis2": 0},
     "np.trace(x0, offset=-1, axis1=2, axis2=0)"),
    ("einsum", [_M, _M], {"subscripts": "ij,kj->ik", "written": "einsum"},
     "np.einsum('ij,kj->ik', x0, x1)"),
    ("einsum", [_M, _V], {"subscripts": "ab,b->a", "written": "dot"}, "np.dot(x0, x1)"),
    ("einsum", [_M, _M], {"subscripts": "ab,cb->ac", "written": "inner"}, "np.inner(x0, x1)"),
    ("einsum", [_V, _V], {"subscripts": "a,b->ab", "written": "outer"}, "np.outer(x0, x1)"),
    ("einsum", [_T, type_of(np.ones((3, 4, 5)))],
     {"subscripts": "abc,bcd->ad", "written": "tensordot"}, "np.tensordot(x0, x1)"),
    ("einsum", [_M, _M], {"subscripts": "ab,ab->", "written": "tensordot"},
     "np.tensordot(x0, x1)"),
    ("einsum", [_M, _M], {"subscripts": "ab,cb->ac", "written": "tensordot"},
     "np.tensordot(x0, x1, axes=((1,), (1,)))"),
    ("einsum", [_M, _M], {"subscripts": "ab,cd->abcd", "written": "tensordot"},
     "np.tensordot(x0, x1, axes=0)"),
    ("kron", [_M, _V], {}, "np.kron(x0, x1)"), ("cross", [_V, _M], {}, "np.cross(x0, x1)"),
])
def test_reductions_and_products_are_written_as_the_numpy_functions(prim, types, params,
                                                                    expected):
    assert source(prim, types, **params) == expected
    values = [np.cos(np.arange(float(np.prod(t.shape)))).reshape(t.shape) for t in types]
    assert type_of(run(prim, *values, **params)) == result_type(prim, types, params)


# ---- shape operations, joins and splits, creation -------------------------------------------

A = np.arange(6.0).reshape(2, 3)
B = np.arange(24.0).reshape(2, 3, 4)
V = np.array([0.5, -1.0, 2.0])

# (primitive, operands, parameters as written, the source, what NumPy computes)
SHAPE_CASES = [
    ("ravel", [A], {}, "np.ravel(x0)", A.ravel()),
    ("squeeze", [A[:1, :, None]], {}, "np.squeeze(x0)", A[0]),
    ("squeeze", [A[:1, :, None]], {"axis": -1}, "np.squeeze(x0, axis=2)", A[:1]),
    ("expand_dims", [A], {"axis": (0, -1)}, "np.expand_dims(x0, (0, 3))", A[None, :, :, None]),
    ("atleast_1d", [2.5], {}, "np.atleast_1d(x0)", np.array([2.5])),
    ("atleast_2d", [V], {}, "np.atleast_2d(x0)", V[None]),
    ("atleast_3d", [V], {}, "np.atleast_3d(x0)", V[None, :, None]),
    ("swapaxes", [B], {"axis1": 0, "axis2": -1}, "np.swapaxes(x0, 0, 2)", B.swapaxes(0, 2)),
    ("moveaxis", [B], {"source": 0, "destination": -1}, "np.moveaxis(x0, 0, 2)",
     np.moveaxis(B, 0, -1)),
    ("moveaxis", [B], {"source": (0, 1), "destination": (2, 0)},
     "np.moveaxis(x0, (0, 1), (2, 0))", np.moveaxis(B, (0, 1), (2, 0))),
    ("flip", [A], {}, "np.flip(x0)", A[::-1, ::-1]),
    ("flip", [B], {"axis": (2, 0)}, "np.flip(x0, axis=(0, 2))", B[::-1, :, ::-1]),
    ("roll", [A], {"shift": 2}, "np.roll(x0, 2)", np.roll(A, 2)),
    ("roll", [A], {"shift": (1, -1), "axis": (0, 1)}, "np.roll(x0, (1, -1), axis=(0, 1))",
     np.roll(A, (1, -1), (0, 1))),
    ("repeat", [A], {"repeats": 2}, "np.repeat(x0, 2)", np.repeat(A, 2)),
    ("repeat", [A], {"repeats": 2, "axis": -1}, "np.repeat(x0, 2, axis=1)",
     np.repeat(A, 2, axis=1)),
    ("tile", [V], {"reps": (2, 1)}, "np.tile(x0, (2, 1))", np.tile(V, (2, 1))),
    ("diag", [V], {"k": -1}, "np.diag(x0, k=-1)", np.diag(V, -1)),
    ("diag", [A], {}, "np.diag(x0)", np.diag(A)),
    ("diagonal", [B], {"offset": 1, "axis1": 2, "axis2": 0},
     "np.diagonal(x0, offset=1, axis1=2, axis2=0)", np.diagonal(B, 1, 2, 0)),
    ("triu", [A], {"k": 1}, "np.triu(x0, k=1)", np.triu(A, 1)),
    ("tril", [B], {}, "np.tril(x0)", np.tril(B)),
    ("concatenate", [A, A[:1]], {}, "np.concatenate((x0, x1))", np.concatenate((A, A[:1]))),
    ("concatenate", [A, V], {"axis": None}, "np.concatenate((x0, x1), axis=None)",
     np.concatenate((A, V), axis=None)),
    ("stack", [V, V * 2], {}, "np.array([x0, x1])", np.array([V, V * 2])),
    ("stack", [A, A], {"axis": -1}, "np.stack((x0, x1), axis=2)", np.stack((A, A), -1)),
    ("hstack", [2.5, V], {}, "np.hstack((x0, x1))", np.hstack((2.5, V))),
    ("vstack", [A, V], {}, "np.vstack((x0, x1))", np.vstack((A, V))),
    ("split", [A], {"indices_or_sections": 3, "piece": 1, "axis": 1}, "x0[:, 1:2]", A[:, 1:2]),
    ("split", [A], {"start": None, "stop": -1}, "x0[:1]", A[:1]),
    ("split", [A], {"start": 1, "stop": 5, "axis": 1}, "x0[:, 1:]", A[:, 1:]),
    ("pad", [V], {"pad_width": (1, 2)}, "np.pad(x0, ((1, 2),))", np.pad(V, (1, 2))),
    ("diff", [V], {}, "np.diff(x0)", np.diff(V)),
    ("diff", [A], {"n": 2, "axis": 0}, "np.diff(x0, n=2, axis=0)", np.diff(A, 2, 0)),
    ("diff", [A], {"axis": -1}, "np.diff(x0)", np.diff(A)),
    ("vander", [V], {}, "np.vander(x0)", np.vander(V)),
    ("vander", [V], {"N": 2, "increasing": True}, "np.vander(x0, 2, increasing=True)",
     np.vander(V, 2, True)),
    ("zeros", [], {"shape": 3}, "np.zeros((3,))", np.zeros(3)),
    ("ones", [], {"shape": (2, 1), "dtype": np.float32},
     "np.ones((2, 1), dtype=np.float32)", np.ones((2, 1), np.float32)),
    ("full", [np.float64(2.5)], {"shape": (2, 2)}, "np.full((2, 2), x0)", np.full((2, 2), 2.5)),
    ("full", [V], {"shape": (2, 3), "dtype": "float32"},
     "np.full((2, 3), x0, dtype=np.float32)", np.full((2, 3), V, np.float32)),
    ("full_like", [A, 2.5], {}, "np.full_like(x0, x1)", np.full_like(A, 2.5)),
    ("full_like", [A, 2.5], {"dtype": int}, "np.full_like(x0, x1, dtype=np.int64)",
     np.full_like(A, 2.5, int)),
    ("eye", [], {"N": 3}, "np.eye(3)", np.eye(3)),
    ("eye", [], {"N": 2, "M": 4, "k": 1, "dtype": "float32"},
     "np.eye(2, M=4, k=1, dtype=np.float32)", np.eye(2, 4, 1, np.float32)),
    ("arange", [], {"start": 4}, "np.arange(4)", np.arange(4)),
    ("arange", [], {"start": 1, "stop": 2.0, "step": 0.25}, "np.arange(1, 2.0, 0.25)",
     np.arange(1, 2.0, 0.25)),
    ("arange", [], {"start": 3, "dtype": float}, "np.arange(3, dtype=np.float64)",
     np.arange(3.0)),
    ("linspace", [], {"start": 0, "stop": 1}, "np.linspace(0, 1, 50)", np.linspace(0, 1)),
    ("linspace", [], {"start": 0, "stop": 1, "num": 4, "endpoint": False},
     "np.linspace(0, 1, 4, endpoint=False)", np.linspace(0, 1, 4, endpoint=False)),
    ("astype", [A], {"dtype": np.float32}, "x0.astype(np.float32)", A.astype(np.float32)),
    ("astype", [2.5], {"dtype": "int32"}, "np.int32(x0)", np.int32(2)),
]


@pytest.mark.parametrize("prim, operands, params, written, expected", SHAPE_CASES,
                         ids=[f"{case[0]}-{case[3]}" for case in SHAPE_CASES])
def test_shape_operations_are_written_as_numpy_calls_and_compute_what_numpy_does(
        prim, operands, params, written, expected):
    types = [type_of(v) for v in operands]
    params = PRIMITIVES[prim].normalize(types, params) if PRIMITIVES[prim].normalize \
        else params
    assert source(prim, types, **params) == written
    got = evaluate(prim, operands, types, params)
    assert type(got) is type(expected) and np.shape(got) == np.shape(expected)
    np.testing.assert_array_equal(got, expected, strict=True)
    assert type_of(got) == PRIMITIVES[prim].abstract(*types, **params)


def test_a_stack_of_stacks_is_one_nested_list():
    rows = [ast.parse(f"np.array([x{i}, y{i}])", mode="eval").body for i in range(2)]
    types = [type_of(V), type_of(V)]
    stacked = spellings.expression("stack", rows, types, {"axis": 0})
    assert ast.unparse(stacked) == "np.array([[x0, y0], [x1, y1]])"


def test_a_piece_of_an_expression_is_parenthesized():
    operand = ast.parse("x0 + x1", mode="eval").body
    piece = spellings.expression("split", [operand], [type_of(A)],
                                 {"axis": 0, "start": 1, "stop": 2})
    assert astor.to_source(piece).strip() == "(x0 + x1)[1:]"


@pytest.mark.parametrize("fill, text", [(1.0, "np.ones((2, 3))"), (0.0, "np.zeros((2, 3))"),
                                        (2.0, "np.broadcast_to(2.0, shape=(2, 3))")])
def test_a_python_float_of_ones_or_zeros_spread_over_a_shape_is_a_new_array(fill, text):
    written = spellings.expression("broadcast_to", [ast.Constant(fill)], [type_of(fill)],
                                   {"shape": (2, 3)})
    assert ast.unparse(written) == text
    namespace = {"np": np}
    made = eval(ast.unparse(written), namespace)
    np.testing.assert_array_equal(made, np.broadcast_to(fill, (2, 3)))
    assert made.dtype == np.float64


def test_a_one_of_another_dtype_is_spread_as_it_is():
    one = np.float32(1.0)
    assert ast.unparse(spellings.expression(
        "broadcast_to", [ast.Constant(1.0)], [type_of(one)], {"shape": (2,)})) == \
        "np.broadcast_to(1.0, shape=(2,))"
