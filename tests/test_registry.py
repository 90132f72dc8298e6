"""adcompile.rules.registry: one rule per primitive, each checked against finite
differences, forward (JVP) and reverse (VJP), on scalars and arrays, and to second order
where the primitive is smooth; each batching rule against the primitive applied to the
members of the batch one at a time."""

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.backend.codegen import to_source
from adcompile.backend.compile import compile_source
from adcompile.ir.builder import Builder
from adcompile.ir.nodes import Function, Region, Value
from adcompile.backend.spellings import evaluate
from adcompile.ir.primitives import LIST_PRIMITIVES, OPERAND, PRIMITIVES, Slice, Window
from adcompile.ir.types import FLOAT, type_of
from adcompile.passes import optimize
from adcompile.rules import BATCH_RULES, RULES, DiffBuilder, rule_for
from adcompile.transforms.batch import batch
from adcompile.transforms.forward import forward
from adcompile.transforms.reverse import reverse

from programs import add, binary, cube_of_abs, div, mul, negative, power, unary

# primitive -> points of its domain (away from kinks), one tuple of operands each
UNARY_POINTS = {
    "sin": 0.7, "cos": 0.7, "tan": 0.4, "arcsin": 0.3, "arccos": -0.4, "arctan": 1.3,
    "sinh": 0.7, "cosh": 0.7, "tanh": 0.6, "exp": 0.7, "expm1": 0.2, "log": 1.7,
    "log1p": 0.6, "log2": 1.7, "log10": 1.7, "sqrt": 2.3, "abs": -1.3, "neg": 0.7,
    "float": 0.7, "arcsinh": 0.7, "arccosh": 1.7, "arctanh": 0.4, "exp2": 0.7,
    "reciprocal": 1.3, "deg2rad": 0.7, "rad2deg": 0.7,
}
BINARY_POINTS = {
    "add": (0.7, -1.2), "sub": (0.7, -1.2), "mul": (0.7, -1.2), "div": (0.7, -1.2),
    "pow": (1.7, 0.6), "mod": (5.3, 1.7), "maximum": (0.7, -1.2), "minimum": (0.7, -1.2),
    "arctan2": (0.7, -1.2), "hypot": (0.7, -1.2), "logaddexp": (0.7, -1.2),
    "logaddexp2": (0.7, -1.2), "fmax": (0.7, -1.2), "fmin": (0.7, -1.2),
}
SMOOTH = {"sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "exp",
          "expm1", "log", "log1p", "log2", "log10", "sqrt", "neg", "add", "sub", "mul",
          "div", "pow", "arcsinh", "arccosh", "arctanh", "exp2", "reciprocal", "deg2rad",
          "arctan2", "hypot", "logaddexp", "logaddexp2"}
ZERO = {"floordiv", "lt", "le", "gt", "ge", "eq", "ne", "not", "sign", "floor", "ceil",
        "int", "factorial", "zeros_like", "ones_like", "dim", "ndim", "size", "zeros",
        "ones", "eye", "arange", "linspace", "basis", "trunc", "round", "argmax", "argmin",
        "slogdet_sign", "dtype_is", "check_window"}
# the check of a window's start: an int, nothing to differentiate or batch; checked through
# the programs that read windows (tests/test_lower.py)
INT_ONLY = {"check_window"}
TYPE_FACTS = {"dim", "ndim", "size", "dtype_is"}  # read from an array's type
# Lists, and the check of a loop variable read after its loop, are checked through the
# programs that use them (tests/test_lower.py), batching rules included: a list is no
# argument of a primitive program here.
LISTS = LIST_PRIMITIVES | {"check_bound"}
EFFECTS = {"tape_new", "push", "pop"}
M23 = np.arange(6.0).reshape(2, 3) / 7 + 0.1
T234 = np.cos(np.arange(24.0)).reshape(2, 3, 4)
SQUARE = np.array([[2.0, -1.0, 0.5], [1.0, 3.0, -0.25], [0.5, 1.5, -2.0]])
SPD = SQUARE @ SQUARE.T + np.eye(3)
STACK = np.stack([SQUARE, SPD])
# primitive -> (operands, parameters) cases; the operands are the point of evaluation
ARRAY_CASES = {
    "sum": [([M23], {"axis": (0,), "keepdims": False}), ([M23], {"axis": (1,), "keepdims": True}),
            ([M23], {"axis": (0, 1), "keepdims": False})],
    "sum_to": [([M23], {"shape": (3,)}), ([M23], {"shape": (2, 1)}),
               ([M23], {"shape": ()})],
    "as_numpy": [([0.7], {}), ([M23], {})],
    "as_python": [([np.float64(0.7)], {}), ([np.array(0.7)], {})],
    "broadcast_to": [([M23[0]], {"shape": (4, 3)}), ([M23[:, :1]], {"shape": (2, 3)})],
    "reshape": [([M23], {"shape": (3, 2)}), ([M23], {"shape": (6,)})],
    "transpose": [([M23], {"axes": (1, 0)}),
                  ([np.arange(24.0).reshape(2, 3, 4) / 9], {"axes": (2, 0, 1)})],
    "matmul": [([M23, M23.T], {}), ([M23, M23[0]], {}), ([M23[0], M23.T], {}),
               ([M23[0], M23[1]], {}), ([np.stack([M23, 2 * M23]), M23.T], {}),
               ([M23, np.stack([M23.T, M23.T + 1])], {})],
    "copy": [([M23], {}), ([0.7], {})],
    # integer operands are run-time index entries: not differentiated
    "index": [([M23], {"index": (1,)}), ([M23], {"index": (Slice(None, None, -1), -1)}),
              ([M23], {"index": (None, Ellipsis, Slice(1, None))}),
              ([M23], {"index": ((1, 0, 1), Slice())}), ([M23], {"index": ((0, 0), (2, 2))}),
              ([M23, 1], {"index": (OPERAND,)}),
              ([M23, np.array([2, 0, 2])], {"index": (Slice(), OPERAND)}),
              ([M23, 1], {"index": (Slice(), Window(2))}),
              ([T234, 0], {"index": (Window(2), Slice(), Slice(1, None))}),
              ([M23, 0], {"index": (Slice(), Window(2, 2))})],
    "index_update": [
        ([M23, M23[0] * 3], {"index": (1,), "mode": "add"}),
        ([M23, 0.7], {"index": (Slice(), Slice(None, None, 2)), "mode": "set"}),
        ([M23, M23[:, :1] + 1], {"index": (Slice(), (2, 2, 0)), "mode": "add"}),
        ([M23, np.array([0.5, -1.0]), 0], {"index": (Slice(), OPERAND), "mode": "set"}),
        ([M23, M23[:, :2] * 3, 1], {"index": (Slice(), Window(2)), "mode": "add"}),
        ([M23, M23[0, :2], 0], {"index": (1, Window(2, 2)), "mode": "set"}),
        ([M23, M23[:, 0], np.array([1, 0])], {"index": (OPERAND, 2), "mode": "add"})],
    # reductions
    "mean": [([M23], {"axis": 0}), ([M23], {"keepdims": True})],
    "prod": [([M23], {"axis": 1}), ([M23 - M23[0, 1]], {}),  # a zero factor
             ([T234], {"axis": (0, 2), "keepdims": True})],
    "max": [([M23], {"axis": 0}), ([M23], {}), ([T234], {"axis": (2, 0), "keepdims": True})],
    "min": [([M23], {"axis": 1, "keepdims": True}), ([M23], {})],
    "var": [([M23], {"axis": 1, "ddof": 1}), ([M23], {})],
    "std": [([M23], {"axis": 0}), ([T234], {"axis": (0, 2), "keepdims": True, "ddof": 1})],
    "cumsum": [([M23], {"axis": 1}), ([M23], {"axis": 0}), ([M23], {})],
    "cumprod": [([M23], {"axis": 1}), ([M23 - M23[0, 1]], {"axis": 0}),  # a zero factor
                ([M23], {}), ([T234], {"axis": 2})],
    "diff": [([M23], {}), ([M23], {"axis": 0}), ([T234], {"n": 2, "axis": 1})],
    "vander": [([M23[0]], {}), ([M23[1]], {"N": 4, "increasing": True}),
               ([np.array([0.0, 1.5])], {"N": 3})],
    "norm": [([M23], {}), ([M23], {"ord": 1, "axis": 1}), ([M23[0]], {"ord": 3}),
             ([M23[0] - 0.3], {"ord": 0.5}), ([M23], {"ord": np.inf}),
             ([M23], {"ord": -1, "axis": (1, 0)}), ([M23 - 0.3], {"ord": -np.inf, "axis": 1}),
             ([T234], {"axis": (2, 0), "ord": "fro", "keepdims": True}),
             ([M23[0]], {"ord": 0})],
    "trace": [([M23], {}), ([M23], {"offset": 1}), ([T234], {"axis1": 2, "axis2": 0})],
    # products
    "einsum": [([M23, M23], {"subscripts": "ij,kj->ik"}), ([M23], {"subscripts": "ij->j"}),
               ([M23, M23[0]], {"subscripts": "ij,k->ki"}),
               ([M23, M23.T], {"written": "dot"}), ([M23[0], M23[1]], {"written": "outer"}),
               ([M23, M23], {"written": "inner"}), ([T234, M23], {"written": "tensordot",
                                                             "axes": ((0, 1), (0, 1))})],
    "kron": [([M23, M23[:, :2]], {}), ([M23[0], M23], {})],
    "cross": [([M23[0], M23[1] ** 2], {}), ([np.stack([M23[0], M23[1]]), M23[1] ** 2], {})],
    # shape operations, joins and splits, creation filled with a value, casts
    "ravel": [([M23], {}), ([T234], {})],
    "squeeze": [([M23[:1]], {}), ([M23[:, :1][None]], {"axis": (0, 2)})],
    "expand_dims": [([M23], {"axis": 1}), ([M23[0]], {"axis": (0, -1)})],
    "atleast_1d": [([0.7], {}), ([M23], {})],
    "atleast_2d": [([0.7], {}), ([M23[0]], {})],
    "atleast_3d": [([M23[0]], {}), ([M23], {})],
    "swapaxes": [([T234], {"axis1": 0, "axis2": 2})],
    "moveaxis": [([T234], {"source": 0, "destination": -1}),
                 ([T234], {"source": (0, 1), "destination": (2, 0)})],
    "flip": [([M23], {}), ([T234], {"axis": (0, 2)})],
    "roll": [([M23], {"shift": 2}), ([M23], {"shift": (1, -1), "axis": (0, 1)})],
    "repeat": [([M23], {"repeats": 2}), ([M23], {"repeats": 3, "axis": 1})],
    "tile": [([M23], {"reps": (2, 1, 2)}), ([M23[0]], {"reps": 2})],
    "diag": [([M23[0]], {"k": 1}), ([M23], {"k": -1}), ([M23], {})],
    "diagonal": [([M23], {"offset": 1}), ([T234], {"offset": -1, "axis1": 2, "axis2": 0})],
    "triu": [([M23], {}), ([T234], {"k": -1})],
    "tril": [([M23], {"k": 1}), ([T234], {})],
    "concatenate": [([M23, M23[:1]], {}), ([M23, M23[0]], {"axis": None}),
                    ([M23, M23, M23[:, :1]], {"axis": -1})],
    "stack": [([M23[0], M23[1]], {}), ([M23, M23 + 1, M23 * 2], {"axis": 2}),
              ([0.7, np.float64(1.2)], {})],
    "hstack": [([M23[0], M23[1][:2]], {}), ([M23, M23[:, :1]], {}), ([0.7, M23[0]], {})],
    "vstack": [([M23, M23[0]], {}), ([0.7, 1.3], {})],
    "split": [([M23], {"indices_or_sections": 3, "piece": 1, "axis": 1}),
              ([M23], {"indices_or_sections": (1, 5), "piece": 1, "axis": -1}),
              ([T234], {"indices_or_sections": 3, "piece": 0, "axis": 2, "equal": False}),
              ([M23], {"start": 1, "stop": None})],
    "pad": [([M23], {"pad_width": ((1, 0), (2, 1))}), ([M23[0]], {"pad_width": 1})],
    "full": [([0.7], {"shape": (2, 3)}), ([M23[0]], {"shape": (2, 3)})],
    "full_like": [([M23, 0.7], {}), ([M23, M23[0]], {})],
    "astype": [([M23], {"dtype": "float64"}), ([0.7], {"dtype": np.float64}),
               ([M23], {"dtype": int})],
    "where": [([M23 > 0.3, M23, -M23[0]], {}), ([np.array([True, False, True]), 0.5, M23], {}),
              ([True, M23[0], 0.25], {})],
    "clip": [([M23, 0.2, 0.6], {}), ([M23, M23[1] - 0.1, 0.55], {}), ([0.4, M23[0], M23], {})],
    "inv": [([SQUARE], {}), ([STACK], {})],
    "solve": [([SQUARE, M23[0]], {}), ([SQUARE, M23.T], {}), ([STACK, M23[1]], {}),
              ([STACK, M23.T], {}), ([SPD, np.stack([M23.T, 2 * M23.T])], {})],
    "det": [([SQUARE], {}), ([STACK], {})],
    "slogdet_logabsdet": [([SQUARE], {}), ([STACK], {})],
    "cholesky": [([SPD], {}), ([np.stack([SPD, SPD + 2 * np.eye(3)])], {})],
    "eigh_values": [([SPD], {}), ([np.stack([SPD, SQUARE + SQUARE.T])], {})],
    "eigh_vectors": [([SPD], {}), ([np.stack([SPD, SPD + np.diag([0.0, 1.0, 3.0])])], {})],
    "pinv": [([M23], {}), ([M23.T], {}), ([np.stack([M23, M23 ** 2])], {})],
}


def _compile(fn):
    fn = optimize(fn)
    source, constants = to_source(fn, "probe")
    return compile_source(source, "probe", constants)


def _primitive_function(prim, types, params=None):
    args = [Value(n, type=t, strong_name=True) for n, t in zip("xyz", types)]
    body = Region(params=args)
    body.results = [Builder(body).apply(prim, *args, **(params or {}))]
    return Function(prim, body, list("xyz"[:len(types)]))


def _is_float(value) -> bool:
    return np.asarray(value).dtype.kind == "f"


def _run(prim, args, params):
    types = [type_of(a) for a in args]
    op_params = dict(params)
    if PRIMITIVES[prim].normalize is not None:
        op_params = PRIMITIVES[prim].normalize(types, op_params)
    return evaluate(prim, list(args), types, op_params)


def _fd(prim, args, directions, params, h=1e-6):
    def at(t):
        moved = [a + t * d if _is_float(a) else a for a, d in zip(args, directions)]
        return np.asarray(_run(prim, moved, params), dtype=float)
    return (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h)


def _check_rules(prim, args, params=None):
    params = params or {}
    rng = np.random.default_rng(len(prim))
    types = [type_of(a) for a in args]
    directions = [rng.standard_normal(np.shape(a)) if isinstance(a, np.ndarray)
                  else float(rng.standard_normal()) for a in args]
    expected = _fd(prim, args, directions, params)
    wrt = [k for k, a in enumerate(args) if _is_float(a)]
    directions = [directions[k] for k in wrt]
    fn = _primitive_function(prim, types, params)
    jvp = _compile(forward(fn, wrt, seed_ones=False, with_value=False))
    np.testing.assert_allclose(jvp(*args, *directions), expected, rtol=1e-7, atol=1e-9,
                               err_msg=f"jvp of {prim}")
    vjp = _compile(reverse(_primitive_function(prim, types, params), wrt, with_value=False,
                           cotangent_params=True))
    out = _run(prim, args, params)
    u = rng.standard_normal(np.shape(out)) if isinstance(out, np.ndarray) else 0.75
    cotangents = vjp(*args, u)
    cotangents = cotangents if isinstance(cotangents, tuple) else (cotangents,)
    assert len(cotangents) == len(wrt)
    for ct, k in zip(cotangents, wrt):
        assert np.shape(ct) == np.shape(args[k]), f"cotangent of {prim} has the wrong shape"
    got = sum(float(np.sum(ct * d)) for ct, d in zip(cotangents, directions))
    assert got == pytest.approx(float(np.sum(u * expected)), rel=1e-7, abs=1e-9), \
        f"vjp of {prim}"


# ---- first order, through the rules alone ---------------------------------------------

@pytest.mark.parametrize("prim", sorted(UNARY_POINTS))
def test_unary_rule_on_a_scalar(prim):
    _check_rules(prim, [UNARY_POINTS[prim]])


@pytest.mark.parametrize("prim", sorted(UNARY_POINTS))
def test_unary_rule_on_an_array(prim):
    x = UNARY_POINTS[prim]
    _check_rules(prim, [np.array([x, x * 0.9, x * 0.8])])


@pytest.mark.parametrize("prim", sorted(BINARY_POINTS))
def test_binary_rule_on_scalars(prim):
    _check_rules(prim, list(BINARY_POINTS[prim]))


@pytest.mark.parametrize("prim", sorted(BINARY_POINTS))
def test_binary_rule_with_broadcasting(prim):
    x, y = BINARY_POINTS[prim]
    _check_rules(prim, [np.array([x, x * 0.9, x * 1.1]), y])
    _check_rules(prim, [x, np.array([y, y * 0.9, y * 1.1])])
    _check_rules(prim, [np.array([[x], [x * 0.9]]), np.array([y, y * 0.9, y * 1.1])])


@pytest.mark.parametrize("prim, case", [(prim, k) for prim in sorted(ARRAY_CASES)
                                         for k in range(len(ARRAY_CASES[prim]))])
def test_array_rule(prim, case):
    args, params = ARRAY_CASES[prim][case]
    _check_rules(prim, args, params)


@pytest.mark.parametrize("prim", sorted(p for p in ZERO - {"factorial", "not"} - TYPE_FACTS -
                                         INT_ONLY if PRIMITIVES[p].arity))
def test_zero_rules_give_zero_derivatives(prim):
    arity = PRIMITIVES[prim].arity
    args = [SQUARE] if prim == "slogdet_sign" else [2.3, 1.1][:arity]
    types = [type_of(a) for a in args]
    fn = _primitive_function(prim, types)
    tangent = _compile(forward(fn, list(range(arity)), seed_ones=False, with_value=False))
    assert np.all(np.asarray(tangent(*args, *[np.ones_like(a) for a in args])) == 0)
    adjoint = _compile(reverse(_primitive_function(prim, types),
                               list(range(arity)), with_value=False, cotangent_params=True))
    assert all(np.all(np.asarray(c) == 0) for c in adjoint(*args, 1.0))


# ---- the table is complete -------------------------------------------------------------

def test_every_primitive_has_a_rule_or_is_zero():
    assert set(RULES) == set(PRIMITIVES)
    for name in PRIMITIVES:
        rule = rule_for(name)
        if name in EFFECTS:
            assert rule.effect_jvp is not None, name
        elif name in ZERO | {"list_new", "list_len", "list_zeros_like"}:
            assert rule.zero and rule.jvp is None and rule.vjp is None, name
        else:
            assert rule.jvp is not None and rule.vjp is not None and not rule.zero, name
    tested = set(UNARY_POINTS) | set(BINARY_POINTS) | ZERO | EFFECTS | set(ARRAY_CASES) | \
        LISTS
    assert tested == set(PRIMITIVES)


def test_truth_valued_primitives_are_zero():
    for name, prim in PRIMITIVES.items():
        if prim.boolean:
            assert rule_for(name).zero, name


def test_symbolic_zeros_cost_nothing():
    x = Value("x", type=FLOAT)
    region = Region(params=[x])
    b = DiffBuilder(region)
    assert b.add(None, x) is x and b.add(x, None) is x
    assert b.mul(None, x) is None and b.mul(x, None) is None
    assert b.div(None, x) is None and b.neg(None) is None
    assert b.sub(x, None) is x
    assert b.unbroadcast(None, x) is None and b.unbroadcast(x, x) is x
    assert region.ops == []
    assert b.sub(None, x) is not None and region.ops[-1].prim == "neg"


# ---- batching rules ------------------------------------------------------------------

# No batching rule: the tape's effects, a factorial (of ints, never a tangent), the facts
# of a type (constants before any transform runs), the check of a window's start (an
# int), and what has no operands. A program batching them is computed one member
# of the batch at a time (tests/test_api.py).
# A list's length is one for the whole batch (the batch transform keeps it); a list is
# broadcast along a batch, or summed over one, only by batching, never batched again.
UNBATCHED = EFFECTS | TYPE_FACTS | INT_ONLY | {"factorial"} | {p for p in PRIMITIVES
                                                   if PRIMITIVES[p].arity == 0} | \
    {"list_len", "list_broadcast", "list_batch_sum"}
BATCH = 3


def test_every_primitive_has_a_batching_rule_or_none_on_purpose():
    assert set(BATCH_RULES) == set(PRIMITIVES) - UNBATCHED


def _member(value, k):
    """Member k of a batch around `value`."""
    if np.asarray(value).dtype == bool:
        return value ^ (k % 2 == 1)
    return value + 0.25 * k


def _check_batch(prim, args, params=None):
    """Batching every nonempty set of operands gives each member's result."""
    params = params or {}
    types = [type_of(a) for a in args]
    # integer operands are indices, which do not vary across a batch of tangents
    batchable = [i for i, a in enumerate(args) if np.asarray(a).dtype.kind in "fb"]
    for mask in range(1, 2 ** len(batchable)):
        positions = [i for k, i in enumerate(batchable) if mask >> k & 1]
        run = _compile(batch(_primitive_function(prim, types, params), positions, BATCH))
        members = [[_member(a, k) if i in positions else a for i, a in enumerate(args)]
                   for k in range(BATCH)]
        stacked = [np.stack([np.asarray(m[i]) for m in members]) if i in positions else a
                   for i, a in enumerate(args)]
        expected = np.stack([np.asarray(_run(prim, m, params)) for m in members])
        got = run(*stacked)
        assert got.shape == expected.shape, (prim, positions)
        np.testing.assert_allclose(got, expected, rtol=1e-13, err_msg=f"{prim} {positions}")


BATCH_CASES = [(prim, [np.array([x, x * 0.9, x * 0.8])], {}) for prim, x in UNARY_POINTS.items()]
BATCH_CASES += [(prim, [x], {}) for prim, x in UNARY_POINTS.items()]
for _prim, (_x, _y) in BINARY_POINTS.items():
    BATCH_CASES += [(_prim, [_x, _y], {}),
                    (_prim, [np.array([[_x], [_x * 0.9]]), np.array([_y, _y * 0.9, _y * 1.1])], {}),
                    (_prim, [np.array([_x, _x * 0.9]), _y], {})]
BATCH_CASES += [(prim, list(args), params) for prim in ARRAY_CASES if prim in BATCH_RULES
                for args, params in ARRAY_CASES[prim]]
BATCH_CASES += [(prim, [2.3, 1.1][:PRIMITIVES[prim].arity], {})
                for prim in sorted(ZERO - {"not", "factorial", "slogdet_sign"} - TYPE_FACTS -
                                   UNBATCHED - LISTS)]
BATCH_CASES += [("not", [np.array([True, False])], {}), ("not", [True], {}),
                ("sign", [np.array([-1.5, 0.0, 2.0])], {}),
                ("floor", [np.array([[-1.5, 0.5]])], {}), ("slogdet_sign", [SQUARE], {}),
                ("argmax", [T234], {"axis": 1}), ("argmax", [M23], {"keepdims": True}),
                ("argmin", [M23], {"axis": 0, "keepdims": True}), ("argmin", [T234], {}),
                # index arrays apart from each other: NumPy puts their shape first
                ("index", [T234], {"index": (0, Slice(), (1, 2))}),
                ("index", [T234, np.array([[1], [0]])], {"index": (OPERAND, Slice(), (1, 2))}),
                ("index_update", [T234, M23], {"index": (1, Slice(), (3, 0)), "mode": "add"}),
                ("index_update", [T234, M23[:, :1]], {"index": ((0, 1), Slice(), (2, 2)),
                                                      "mode": "add"}),
                ("index_update", [T234, 0.5], {"index": (1, Slice(), (3, 0)), "mode": "set"}),
                ("index_update", [np.ones((2, 3, 3)), M23[:, 1:]],
                 {"index": ((0, 1), Slice(-2), -3), "mode": "add"}),
                # the 2-norm of every element of a 0-d or a 3-d array; a vector on a diagonal
                ("norm", [T234], {}), ("norm", [np.array(0.7)], {}),
                ("diag", [M23[0]], {}), ("diag", [M23[0]], {"k": -2}),
                # a dot of a batch of numbers is a product, not a dot of vectors
                ("einsum", [0.7, M23], {"written": "dot"}),
                ("einsum", [M23[0], M23], {"written": "inner"}),
                ("concatenate", [M23[0], np.array(0.5)[None]], {"axis": None})]


def test_the_batching_cases_cover_every_rule():
    assert {prim for prim, _, _ in BATCH_CASES} == set(BATCH_RULES) - LISTS


@pytest.mark.parametrize("prim, args, params", BATCH_CASES,
                         ids=[f"{prim}-{k}" for k, (prim, _, _) in enumerate(BATCH_CASES)])
def test_batching_rule(prim, args, params):
    _check_batch(prim, args, params)


# ---- second order, through the public transforms ----------------------------------------

def subtract(x, y):
    return x - y


# each smooth primitive as a user spells it on Python floats
SPELLINGS = {
    "sin": unary(math.sin), "cos": unary(math.cos), "tan": unary(math.tan),
    "arcsin": unary(math.asin), "arccos": unary(math.acos), "arctan": unary(math.atan),
    "sinh": unary(math.sinh), "cosh": unary(math.cosh), "tanh": unary(math.tanh),
    "exp": unary(math.exp), "expm1": unary(math.expm1), "log": unary(math.log),
    "log1p": unary(math.log1p), "log2": unary(math.log2), "log10": unary(math.log10),
    "sqrt": unary(math.sqrt), "neg": negative, "arcsinh": unary(math.asinh),
    "arccosh": unary(math.acosh), "arctanh": unary(math.atanh), "exp2": unary(np.exp2),
    "reciprocal": unary(np.reciprocal), "deg2rad": unary(math.radians),
    "add": add, "sub": subtract, "mul": mul, "div": div, "pow": power,
    "arctan2": binary(math.atan2), "hypot": binary(math.hypot),
    "logaddexp": binary(np.logaddexp), "logaddexp2": binary(np.logaddexp2),
}
SECOND_ORDER_UNARY = {name: SPELLINGS[name] for name in UNARY_POINTS if name in SMOOTH}
SECOND_ORDER_BINARY = {name: SPELLINGS[name] for name in BINARY_POINTS if name in SMOOTH}


def _second_difference(f, x, h=1e-4):
    return (-f(x + 2 * h) + 16 * f(x + h) - 30 * f(x) + 16 * f(x - h) - f(x - 2 * h)) / \
        (12 * h * h)


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_UNARY))
def test_second_derivative_of_unary(name):
    f, x = SECOND_ORDER_UNARY[name], UNARY_POINTS[name]
    d1 = ad.derivative(f, order=1)
    d2 = ad.derivative(f, order=2)
    first = (f(x - 2e-5) - 8 * f(x - 1e-5) + 8 * f(x + 1e-5) - f(x + 2e-5)) / 12e-5
    assert d1(x) == pytest.approx(first, rel=1e-7)
    assert d2(x) == pytest.approx(_second_difference(f, x), rel=1e-5, abs=1e-7)
    # forward over reverse agrees
    assert ad.hessian(f)(x) == pytest.approx(d2(x), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_BINARY))
def test_second_derivatives_of_binary(name):
    f, (x, y) = SECOND_ORDER_BINARY[name], BINARY_POINTS[name]
    hess = ad.hessian(f, argnums=(0, 1))(x, y)
    grad = ad.grad(f, argnums=(0, 1))
    h = 1e-5
    for j, (dx, dy) in enumerate([(h, 0.0), (0.0, h)]):
        plus, minus = grad(x + dx, y + dy), grad(x - dx, y - dy)
        for i in range(2):
            expected = (plus[i] - minus[i]) / (2 * h)
            assert hess[i][j] == pytest.approx(expected, rel=1e-6, abs=1e-8), (i, j)


# ---- powers at a zero base (issue 11) -----------------------------------------------------

def f_polynomial(x, n):
    total = 0.0
    for i in range(n):
        total = total + x ** i
    return total


def test_pow_at_a_zero_base_in_both_operands():
    # raised a math domain error from log(0); JAX gives (0.0, 0.0)
    assert ad.grad(power, argnums=(0, 1))(0.0, 2.0) == (0.0, 0.0)
    assert ad.grad(power, argnums=(0, 1))(0.0, 0.0) == (0.0, 0.0)
    assert ad.jvp(power, (0.0, 2.0), (1.0, 1.0)) == (0.0, 0.0)
    assert ad.jvp(power, (0.0, 0.0), (1.0, 1.0)) == (1.0, 0.0)
    assert ad.hessian(power, argnums=(0, 1))(0.0, 2.0) == ((2.0, 0.0), (0.0, 0.0))
    # away from the zero base the guards change nothing: d2/dxdy x**y at (2, 0) is 1/x
    (xx, xy), (yx, yy) = ad.hessian(power, argnums=(0, 1))(2.0, 0.0)
    assert (xx, xy, yx) == (0.0, 0.5, 0.5) and yy == pytest.approx(math.log(2.0) ** 2)


def test_a_zero_run_time_exponent_has_a_zero_base_derivative():
    # x**0 raised 0.0 to the power -1: 1 + x + x^2 has derivatives 1, 2, 0 at 0
    assert ad.grad(f_polynomial)(0.0, 3) == 1.0
    assert ad.hessian(f_polynomial)(0.0, 3) == 2.0
    assert ad.grad(ad.grad(ad.grad(f_polynomial)))(0.0, 3) == 0.0
    assert ad.derivative(f_polynomial, order=2)(0.0, 3) == 2.0


def test_the_my_sin_hessian_at_zero():
    from programs import my_sin  # its reverse sweep raises x to t - 1 with t = 1
    assert ad.hessian(my_sin)(0.0, 1e-8) == 0.0
    assert ad.grad(ad.grad(my_sin))(0.0, 1e-8) == 0.0


def f_numpy_sqrt(x):
    return np.sqrt(x)


def test_zero_base_values_that_are_infinite_or_nan_on_numpy_scalars():
    # 0-d arrays follow NumPy: inf and nan come out where Python floats would raise
    zero = np.array(0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        assert ad.grad(f_numpy_sqrt)(zero) == np.inf
        assert ad.grad(f_numpy_sqrt)(0.0) == np.inf  # NumPy's semantics: the user wrote np
        # the chain rule meets 0 * inf: nan, as JAX (raised ZeroDivisionError before)
        assert np.isnan(ad.grad(ad.grad(cube_of_abs))(zero))
        assert np.isnan(ad.hessian(cube_of_abs)(zero))
        assert ad.grad(ad.grad(ad.grad(power)))(zero, np.array(2.5)) == np.inf
        # the exponent derivative at a negative base: nan, as JAX
        assert np.isnan(ad.grad(power, argnums=1)(np.array(-1.0), np.array(3.0)))
        assert ad.grad(power)(np.array(-1.0), np.array(3.0)) == 3.0
