"""adcompile.ir.primitives: what each primitive computes, on scalars and arrays, and the
user-facing callables it stands for."""

import builtins
import math
import operator

import numpy as np
import pytest

from adcompile.ir.primitives import PRIMITIVES, evaluate, primitive_for, resolve

# name -> (numpy function, a point of its domain)
UNARY = {
    "sin": (np.sin, 0.7), "cos": (np.cos, 0.7), "tan": (np.tan, 0.7),
    "arcsin": (np.arcsin, 0.3), "arccos": (np.arccos, 0.3), "arctan": (np.arctan, 0.7),
    "sinh": (np.sinh, 0.7), "cosh": (np.cosh, 0.7), "tanh": (np.tanh, 0.7),
    "exp": (np.exp, 0.7), "expm1": (np.expm1, 1e-3), "log": (np.log, 2.5),
    "log1p": (np.log1p, 1e-3), "log2": (np.log2, 2.5), "log10": (np.log10, 2.5),
    "sqrt": (np.sqrt, 2.5), "floor": (np.floor, -2.5), "ceil": (np.ceil, -2.5),
    "abs": (np.abs, -2.5), "sign": (np.sign, -2.5), "neg": (np.negative, 2.5),
}

BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
    "pow": np.power, "floordiv": np.floor_divide, "mod": np.mod,
    "maximum": np.maximum, "minimum": np.minimum,
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal,
}

# points at which every callable a primitive stands for is checked against it
POINTS = {
    "add": [(1.5, -2.25)], "sub": [(1.5, -2.25)], "mul": [(1.5, -2.25)],
    "div": [(1.5, -2.25)], "pow": [(1.5, 2.5), (2.0, 3.0)],
    "floordiv": [(7.5, 2.0), (-7.5, 2.0)],
    "mod": [(7.5, 2.0), (-1.0, 3.0), (1.0, -3.0)],
    "neg": [(2.5,)], "abs": [(-2.5,), (3.0,)], "sign": [(-2.5,)],
    "maximum": [(1.5, -2.0)], "minimum": [(1.5, -2.0)], "float": [(3,)], "int": [(2.7,)],
    "factorial": [(5,)], "zeros_like": [(2.5,)], "ones_like": [(2.5,)],
    **{name: [(x,)] for name, (_, x) in UNARY.items() if name not in ("abs", "sign", "neg")},
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_a_python_float_is_what_numpy_computes(name):
    fn, x = UNARY[name]
    got = evaluate(name, [x], on_arrays=False)
    assert got == pytest.approx(float(fn(x)), rel=1e-15, abs=0)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_an_array_is_what_numpy_computes(name):
    fn, x = UNARY[name]
    arr = np.array([x, x / 2, x * 0.75])
    got = evaluate(name, [arr], on_arrays=True)
    assert isinstance(got, np.ndarray)
    assert got.dtype == fn(arr).dtype
    np.testing.assert_array_equal(got, fn(arr))


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_on_scalars_and_arrays_is_what_numpy_computes(name):
    fn = BINARY[name]
    a, b = 2.5, 1.5
    assert evaluate(name, [a, b], False) == pytest.approx(fn(a, b).item(), rel=1e-15)
    arr = np.array([[0.5, 2.5, 3.25]])
    col = np.array([[1.5], [2.5]])
    got = evaluate(name, [arr, col], True)  # broadcasting (1, 3) with (2, 1)
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got, fn(arr, col))
    np.testing.assert_array_equal(evaluate(name, [arr, 2.0], True), fn(arr, 2.0))


def test_scalar_results_are_python_numbers_through_math():
    assert type(evaluate("sin", [0.5], False)) is float
    assert type(evaluate("add", [2, 3], False)) is int
    assert type(evaluate("div", [2, 4], False)) is float
    assert evaluate("div", [1, 4], False) == 0.25


def test_comparisons_and_not_give_truth_values():
    assert evaluate("lt", [1.0, 2.0], False) is True
    assert evaluate("ge", [1.0, 2.0], False) is False
    assert evaluate("not", [True], False) is False
    got = evaluate("lt", [np.array([1.0, 3.0]), 2.0], True)
    assert got.dtype == bool
    np.testing.assert_array_equal(got, [True, False])
    for name in ("lt", "le", "gt", "ge", "eq", "ne", "not"):
        assert PRIMITIVES[name].boolean
    for name in ("add", "sin", "maximum", "abs", "floor"):
        assert not PRIMITIVES[name].boolean


def test_unary_minus_and_not_are_arity_one_infix():
    assert PRIMITIVES["neg"].infix == "-" and PRIMITIVES["neg"].arity == 1
    assert PRIMITIVES["sub"].infix == "-" and PRIMITIVES["sub"].arity == 2
    assert evaluate("neg", [2.5], False) == -2.5
    assert evaluate("not", [0], False) is True


def test_sum_to_evaluates_through_the_runtime():
    got = evaluate("sum_to", [np.ones((3, 2)), np.zeros(2)], True)
    np.testing.assert_array_equal(got, [3.0, 3.0])
    assert evaluate("sum_to", [np.ones(4), 0.0], True) == 4.0


def test_effects_are_impure_and_everything_else_pure():
    for name in ("push", "pop", "tape_new"):
        assert not PRIMITIVES[name].pure
    assert all(p.pure for name, p in PRIMITIVES.items()
               if name not in ("push", "pop", "tape_new"))


@pytest.mark.parametrize("obj, name", [
    (math.sin, "sin"), (np.sin, "sin"), (math.cos, "cos"), (np.cos, "cos"),
    (math.asin, "arcsin"), (np.arcsin, "arcsin"), (math.acos, "arccos"),
    (math.atan, "arctan"), (np.arctan, "arctan"), (math.exp, "exp"), (np.exp, "exp"),
    (math.log, "log"), (np.log, "log"), (math.sqrt, "sqrt"), (np.sqrt, "sqrt"),
    (math.tanh, "tanh"), (math.log1p, "log1p"), (math.expm1, "expm1"),
    (abs, "abs"), (np.abs, "abs"), (math.fabs, "abs"), (np.add, "add"),
    (np.multiply, "mul"), (np.divide, "div"), (np.true_divide, "div"),
    (pow, "pow"), (math.pow, "pow"), (np.power, "pow"), (np.negative, "neg"),
    (np.maximum, "maximum"), (np.minimum, "minimum"), (float, "float"), (int, "int"),
    (np.floor, "floor"), (math.floor, "floor"), (np.sign, "sign"),
    (math.factorial, "factorial"), (np.zeros_like, "zeros_like"),
])
def test_primitive_for(obj, name):
    assert primitive_for(obj) == name


@pytest.mark.parametrize("obj", [print, len, np.sum, np.dot, math.hypot, max, "sin",
                                 lambda x: x])
def test_primitive_for_unknown_callables_is_none(obj):
    assert primitive_for(obj) is None


def test_every_function_name_resolves_to_a_callable():
    for prim in PRIMITIVES.values():
        for dotted in (prim.scalar_fn, prim.array_fn):
            if dotted is None or dotted == "sum_to":
                continue
            assert callable(resolve(dotted)), dotted


def test_resolve():
    assert resolve("math.sin") is math.sin
    assert resolve("np.exp") is np.exp
    assert resolve("abs") is builtins.abs
    assert resolve("max") is builtins.max


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if p.callables))
def test_every_callable_computes_what_its_primitive_computes(name):
    """The frontend turns a call to any of `callables` into the primitive: they must agree,
    on the same arguments, in value (negative operands included)."""
    prim = PRIMITIVES[name]
    for args in POINTS[name]:
        expected = evaluate(name, list(args), on_arrays=False)
        for fn in prim.callables:
            got = fn(*args)
            assert np.asarray(got).item() == pytest.approx(expected, rel=1e-15), \
                (name, getattr(fn, "__name__", fn), args)


def test_infix_primitives_are_the_python_operators():
    ops = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
           "div": operator.truediv, "pow": operator.pow, "floordiv": operator.floordiv,
           "mod": operator.mod}
    for name, fn in ops.items():
        for a, b in [(7, 2), (-7, 2), (7.5, -2.0)]:
            assert evaluate(name, [a, b], False) == fn(a, b)
