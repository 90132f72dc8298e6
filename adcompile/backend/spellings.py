"""How each primitive is written in generated Python: a scalar and an array spelling.

Python scalars (weak types, see `adcompile.ir.types`) are computed with operators and
`math`, an order of magnitude faster than NumPy on a float; everything else with the
array namespace. This is the one place that names the array namespace, so a backend on
another Array API library (CuPy, Dask, JAX arrays) is a new table here, not a change of
the IR.

Two ways to choose between them:

- `FAITHFUL` computes as the user's function does: Python scalars with `math` (so
  ``math.log(0.0)`` raises), NumPy scalars with NumPy (so ``np.log(0.0)`` is -inf);
- `FAST` computes every 0-d float64, int64 or bool value with `math` and operators,
  whether Python or NumPy holds it. It is the code users read and run; where it raises,
  the faithful code runs instead (see `adcompile.backend.compile`), so the answer is the
  original's at the edges of the domain too.

Constant folding evaluates a primitive by compiling its faithful spelling (`evaluate`),
so a folded constant is what the generated code would compute, to the bit.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..ir.primitives import OPERAND, Slice, Window, may_repeat, result_type
from ..ir.types import ArrayType, Type, promote

# (module imported, the name generated code calls it by)
ARRAY_NAMESPACE = ("numpy", "np")
SCALAR_NAMESPACE = ("math", "math")
NAMESPACES = {ARRAY_NAMESPACE[1]: np, SCALAR_NAMESPACE[1]: math}

_OPERATORS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "**": ast.Pow,
              "//": ast.FloorDiv, "%": ast.Mod, "@": ast.MatMult}
_COMPARISONS = {"<": ast.Lt, "<=": ast.LtE, ">": ast.Gt, ">=": ast.GtE, "==": ast.Eq,
                "!=": ast.NotEq}
_UNARY = {"-": ast.USub, "not": ast.Not}


def name(dotted: str) -> ast.expr:
    """``np.sum`` -> the expression naming it; ``np`` stands for the array namespace."""
    first, *rest = dotted.split(".")
    if first == "np":
        first = ARRAY_NAMESPACE[1]
    node: ast.expr = ast.Name(first, ast.Load())
    for attr in rest:
        node = ast.Attribute(node, attr, ast.Load())
    return node


def literal(value) -> ast.expr:
    """A Python number, bool, None, or tuple of them, as an expression."""
    if isinstance(value, tuple):
        return ast.Tuple([literal(v) for v in value], ast.Load())
    if isinstance(value, np.generic):  # a NumPy scalar keeps its dtype: np.float32(0.5)
        return ast.Call(name(f"np.{value.dtype.name}"), [literal(value.item())], [])
    if isinstance(value, float) and not math.isfinite(value):
        return ast.Call(ast.Name("float", ast.Load()), [ast.Constant(repr(value))], [])
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


@dataclass(frozen=True)
class Infix:
    """An operator: ``a + b``, ``-a``, ``a < b``."""

    symbol: str

    def expression(self, args, types, params) -> ast.expr:
        if len(args) == 1:
            return ast.UnaryOp(_UNARY[self.symbol](), args[0])
        if self.symbol in _COMPARISONS:
            return ast.Compare(args[0], [_COMPARISONS[self.symbol]()], [args[1]])
        return ast.BinOp(args[0], _OPERATORS[self.symbol](), args[1])


@dataclass(frozen=True)
class Call:
    """A call, ``np.sum(x, axis=0)``: parameters become keywords, left out at their
    defaults so the code reads as a person writes it."""

    function: str
    keywords: tuple = ()  # (parameter, default), in the order they are written

    def expression(self, args, types, params) -> ast.expr:
        keywords = [ast.keyword(key, literal(params[key])) for key, default in self.keywords
                    if params.get(key, default) != default]
        return ast.Call(name(self.function), list(args), keywords)


@dataclass(frozen=True)
class Written:
    """A spelling that depends on the operand types: ``write(args, types, params)``."""

    write: Callable

    def expression(self, args, types, params) -> ast.expr:
        return self.write(args, types, params)


def _sum(args, types, params) -> ast.expr:
    axis, keepdims = params["axis"], params["keepdims"]
    keywords = []
    if axis != tuple(range(types[0].ndim)):
        keywords.append(ast.keyword("axis", literal(axis[0] if len(axis) == 1 else axis)))
    if keepdims:
        keywords.append(ast.keyword("keepdims", ast.Constant(True)))
    return ast.Call(name("np.sum"), list(args), keywords)


def _sum_to(args, types, params) -> ast.expr:
    """Sum over the axes broadcasting added or stretched: the leading ones, and those
    where the target has 1."""
    source, target = types[0].shape, params["shape"]
    lead = len(source) - len(target)
    stretched = tuple(lead + i for i, n in enumerate(target) if n == 1 and
                      source[lead + i] != 1)
    axes = tuple(range(lead)) + stretched
    if not axes:
        return args[0]
    if not stretched:
        return _sum(args, types, {"axis": axes, "keepdims": False})
    kept = _sum(args, types, {"axis": axes, "keepdims": True})
    if lead == 0:
        return kept
    return ast.Call(ast.Attribute(kept, "reshape", ast.Load()), [literal(target)], [])


def _broadcast_to(args, types, params) -> ast.expr:
    """A Python float of ones or zeros spread over a shape (the seed of a sum's adjoint)
    is ``np.ones(shape)`` as people write it, a new array rather than a read-only view;
    anything else is ``np.broadcast_to``."""
    value = args[0]
    if types[0].weak and types[0].dtype == "float64" and isinstance(value, ast.Constant) \
            and value.value in (0.0, 1.0) and not isinstance(value.value, bool):
        made = "np.ones" if value.value == 1.0 else "np.zeros"
        return ast.Call(name(made), [literal(params["shape"])], [])
    return ast.Call(name("np.broadcast_to"), [value],
                    [ast.keyword("shape", literal(params["shape"]))])


def _transpose(args, types, params) -> ast.expr:
    axes = params["axes"]
    if axes == tuple(reversed(range(types[0].ndim))):
        return ast.Attribute(args[0], "T", ast.Load())
    return ast.Call(name("np.transpose"), [args[0], literal(axes)], [])


# ---- indexing -------------------------------------------------------------------------
def _slice(entry: Slice, size: int) -> ast.Slice:
    """``start:stop:step`` with the bounds NumPy would assume left out."""
    forward = entry.step > 0
    start = None if entry.start == (0 if forward else size - 1) else entry.start
    stop = None if entry.stop == (size if forward else None) else entry.stop
    step = None if entry.step == 1 else entry.step
    return ast.Slice(*(None if bound is None else literal(bound)
                       for bound in (start, stop, step)))


def _window(entry: Window, start: ast.expr) -> ast.Slice:
    """``i:i + 3``, ``2 * i:2 * i + 4:2``, ``i - 2:i`` (not ``i - 2:i - 2 + 2``)."""
    base, offset = start, 0
    if isinstance(start, ast.BinOp) and isinstance(start.op, (ast.Add, ast.Sub)) and \
            isinstance(start.right, ast.Constant) and type(start.right.value) is int:
        base = start.left
        offset = start.right.value if isinstance(start.op, ast.Add) else -start.right.value
    reach = offset + entry.length * entry.step
    stop = ast.BinOp(base, ast.Add() if reach > 0 else ast.Sub(), literal(abs(reach))) \
        if reach else base
    return ast.Slice(start, stop, None if entry.step == 1 else literal(entry.step))


def _entries(x: Type, index: tuple, operands: list[ast.expr]) -> list[ast.expr]:
    """One expression per entry of a normalized index, the trailing full slices left out."""
    operands = iter(operands)
    written, axis = [], 0
    for entry in index:
        if entry is None:
            written.append(ast.Constant(None))
            continue
        size = x.shape[axis]
        axis += 1
        if isinstance(entry, Slice):
            written.append(entry if entry.is_full(size) else _slice(entry, size))
        elif entry is OPERAND:
            written.append(next(operands))
        elif isinstance(entry, Window):
            written.append(_window(entry, next(operands)))
        elif isinstance(entry, tuple):
            written.append(_int_list(entry))
        else:
            written.append(literal(entry))
    while written and isinstance(written[-1], Slice):
        written.pop()
    return [ast.Slice() if isinstance(e, Slice) else e for e in written]


def _int_list(entry) -> ast.expr:
    if isinstance(entry, tuple):
        return ast.List([_int_list(e) for e in entry], ast.Load())
    return literal(entry)


def _subscript(x: Type, index: tuple, operands: list[ast.expr]) -> ast.expr:
    entries = _entries(x, index, operands)
    return entries[0] if len(entries) == 1 else ast.Tuple(entries, ast.Load())


def _index(args, types, params) -> ast.expr:
    return ast.Subscript(args[0], _subscript(types[0], params["index"], args[1:]), ast.Load())


@dataclass(frozen=True)
class Update:
    """An index update, written as statements on an array that nothing else holds: the
    update itself when codegen found the operand is no longer needed, or a copy of it.
    Adding where an index may repeat calls ``np.add.at``, which adds once per repeat as
    the derivative needs; ``+=`` would add once."""

    def statements(self, target: str, args, types, params) -> list[ast.stmt]:
        x, value, operands = types[0], args[1], args[2:]
        index = params["index"]
        place = ast.Subscript(ast.Name(target, ast.Load()),
                              _subscript(x, index, operands), ast.Store())
        if params["mode"] == "set":
            return [ast.Assign([place], value)]
        if may_repeat(index, types[2:]):
            where = ast.Subscript(name("np.s_"), _subscript(x, index, operands), ast.Load())
            return [ast.Expr(ast.Call(name("np.add.at"),
                                      [ast.Name(target, ast.Load()), where, value], []))]
        return [ast.AugAssign(place, ast.Add(), value)]


@dataclass(frozen=True)
class Check:
    """A loop variable read after its loop (``check_bound``): Python's error where the
    loop ran no iteration and nothing bound the name before it."""

    def statements(self, value: ast.expr, params) -> list[ast.stmt]:
        message = f"cannot access local variable {params['name']!r} where it is not " \
            "associated with a value"
        error = ast.Call(ast.Name("UnboundLocalError", ast.Load()), [ast.Constant(message)],
                         [])
        return [ast.If(ast.Compare(value, [ast.Is()], [ast.Constant(None)]),
                       [ast.Raise(error, None)], [])]


@dataclass(frozen=True)
class WindowCheck:
    """The start of a slice of fixed length (``check_window``): an IndexError where the
    slice would reach outside its axis, which NumPy would shorten instead, and which a
    window of zero elements never does."""

    def statements(self, start: ast.expr, params) -> list[ast.stmt]:
        last = params["size"] - params["window"].reach
        if not params["window"].reach:
            return []
        inside = ast.Compare(ast.Constant(0), [ast.LtE(), ast.LtE()], [start, literal(last)])
        message = ast.JoinedStr([
            ast.Constant(f"{params['written']} with {params['start_text']} = "),
            ast.FormattedValue(start, -1, None),
            ast.Constant(f" reads outside an axis of {params['size']}: {WINDOW_RULE}")])
        error = ast.Call(ast.Name("IndexError", ast.Load()), [message], [])
        return [ast.If(ast.UnaryOp(ast.Not(), inside), [ast.Raise(error, None)], [])]


# Why a slice of run-time start is checked, in the IndexError of `WindowCheck`.
WINDOW_RULE = "adcompile compiles slices of a fixed length (NumPy's would be shorter)"


@dataclass(frozen=True)
class ListUpdate(Update):
    """An update of a list, written on it as `Update` writes on an array:
    ``write(target, args, types) -> statements``."""

    write: Callable

    def statements(self, target: str, args, types, params) -> list[ast.stmt]:
        return self.write(ast.Name(target, ast.Load()), args, types)


def _list_item(target: ast.expr, position: ast.expr, ctx) -> ast.expr:
    return ast.Subscript(target, position, ctx)


def _list_add_at(target, args, types) -> list[ast.stmt]:
    place = _list_item(target, args[2], ast.Store())
    if types[0].element.weak:
        return [ast.AugAssign(place, ast.Add(), args[1])]
    # never `+=` on an element array: another list (a copy) may hold the same array
    total = ast.BinOp(_list_item(target, args[2], ast.Load()), ast.Add(), args[1])
    return [ast.Assign([place], total)]


def _list_zeros_like(args, types, params) -> ast.expr:
    element = types[0].element
    if element is None or element.weak:
        zero = literal(0.0 if element is None or element.kind in "biuf" else 0j)
        return ast.BinOp(ast.List([zero], ast.Load()), ast.Mult(),
                         ast.Call(ast.Name("len", ast.Load()), [args[0]], []))
    return ast.ListComp(ast.Call(name("np.zeros_like"), [ast.Name("e", ast.Load())], []),
                        [ast.comprehension(ast.Name("e", ast.Store()), args[0], [], 0)])


def _list_add(args, types, params) -> ast.expr:
    pair = ast.Tuple([ast.Name("a", ast.Store()), ast.Name("c", ast.Store())], ast.Store())
    total = ast.BinOp(ast.Name("a", ast.Load()), ast.Add(), ast.Name("c", ast.Load()))
    zipped = ast.Call(ast.Name("zip", ast.Load()), list(args), [])
    return ast.ListComp(total, [ast.comprehension(pair, zipped, [], 0)])


def _list_stack(args, types, params) -> ast.expr:
    """``np.array(xs)`` as a person writes it; an empty list (length 0 in this program)
    as the zeros of its shape, which ``np.array([])`` would not give an element's axes."""
    axis, length = params.get("axis", 0), params["length"]
    if length == 0:
        out = result_type("list_stack", list(types), params)
        return ast.Call(name("np.zeros"), [literal(out.shape)],
                        [ast.keyword("dtype", name(f"np.{out.dtype}"))])
    if axis == 0:
        return ast.Call(name("np.array"), [args[0]], [])
    return ast.Call(name("np.stack"), [args[0]], [ast.keyword("axis", literal(axis))])


def _list_unstack(args, types, params) -> ast.expr:
    axis = params.get("axis", 0)
    rows = args[0] if axis == 0 else \
        ast.Call(name("np.moveaxis"), [args[0], literal(axis), literal(0)], [])
    return ast.Call(ast.Name("list", ast.Load()), [rows], [])


def _per_element(make) -> Written:
    """``[make(e) for e in xs]``."""
    def write(args, types, params):
        element = ast.Name("e", ast.Load())
        return ast.ListComp(make(element, types, params), [
            ast.comprehension(ast.Name("e", ast.Store()), args[0], [], 0)])
    return Written(write)


_LIST_SPELLINGS = {
    "list_broadcast": _per_element(lambda e, types, params: ast.Call(
        name("np.broadcast_to"),
        [e, literal((params["size"],) + (types[0].element or ArrayType((), "")).shape)], [])),
    "list_batch_sum": _per_element(lambda e, types, params: ast.Call(
        ast.Attribute(e, "sum", ast.Load()), [], [ast.keyword("axis", literal(0))])),
    "list_stack": Written(_list_stack),
    "list_unstack": Written(_list_unstack),
    "list_new": Written(lambda args, types, params: ast.List([], ast.Load())),
    "list_append": ListUpdate(lambda target, args, types: [ast.Expr(ast.Call(
        ast.Attribute(target, "append", ast.Load()), [args[1]], []))]),
    "list_get": Written(lambda args, types, params: _list_item(args[0], args[1], ast.Load())),
    "list_len": Call("len"),
    "list_set": ListUpdate(lambda target, args, types: [ast.Assign(
        [_list_item(target, args[2], ast.Store())], args[1])]),
    "list_add_at": ListUpdate(_list_add_at),
    "list_drop_last": ListUpdate(lambda target, args, types: [ast.Expr(ast.Call(
        ast.Attribute(target, "pop", ast.Load()), [], []))]),
    "list_zeros_like": Written(_list_zeros_like),
    "list_add": Written(_list_add),
    "check_bound": Check(),
    "check_window": WindowCheck(),
}


def copied(value: ast.expr) -> ast.expr:
    """A new array with the elements of `value`, for an update that must not touch it."""
    return ast.Call(ast.Attribute(value, "copy", ast.Load()), [], [])


def is_statement(prim: str) -> bool:
    """Whether a primitive is written as statements (an update), not an expression."""
    return isinstance(SPELLINGS.get(prim, (None, None))[1], Update)


# ---- reductions ------------------------------------------------------------------------
def _reduced_axes_keyword(axis: tuple, ndim: int) -> list:
    """``axis=`` as a person writes it: left out for every axis, a number for one."""
    if axis == tuple(range(ndim)):
        return []
    return [ast.keyword("axis", literal(_one_or_tuple(axis)))]


def _reduction(function: str) -> Written:
    def write(args, types, params) -> ast.expr:
        keywords = _reduced_axes_keyword(params["axis"], types[0].ndim)
        if params.get("ddof", 0):
            keywords.append(ast.keyword("ddof", literal(params["ddof"])))
        if params["keepdims"]:
            keywords.append(ast.keyword("keepdims", ast.Constant(True)))
        return ast.Call(name(function), list(args), keywords)
    return Written(write)


def _order(ord) -> ast.expr:
    if isinstance(ord, float) and math.isinf(ord):
        return name("np.inf") if ord > 0 else ast.UnaryOp(ast.USub(), name("np.inf"))
    return literal(ord)


def _norm(args, types, params) -> ast.expr:
    ord, axis, ndim = params["ord"], params["axis"], types[0].ndim
    positional = list(args) + ([] if ord is None else [_order(ord)])
    keywords = [] if axis == tuple(range(ndim)) and (ord is None or ndim <= 2) else \
        [ast.keyword("axis", literal(_one_or_tuple(axis)))]
    if params["keepdims"]:
        keywords.append(ast.keyword("keepdims", ast.Constant(True)))
    return ast.Call(name("np.linalg.norm"), positional, keywords)


# ---- products ---------------------------------------------------------------------------
def _contraction(args, types, params) -> ast.expr:
    written, subscripts = params["written"], params["subscripts"]
    if written == "einsum":
        return ast.Call(name("np.einsum"), [ast.Constant(subscripts), *args], [])
    keywords = []
    if written == "tensordot":
        axes = _tensordot_axes(subscripts)
        if axes != 2:
            keywords.append(ast.keyword("axes", literal(axes)))
    return ast.Call(name(f"np.{written}"), list(args), keywords)


def _tensordot_axes(subscripts: str):
    """The ``axes=`` of np.tensordot that contracts what `subscripts` contracts: a count
    when they are the last axes of the first operand and the first of the second."""
    a, b = subscripts.split("->")[0].split(",")
    axes_a = tuple(i for i, c in enumerate(a) if c in b)
    axes_b = tuple(b.index(a[i]) for i in axes_a)
    k = len(axes_a)
    if axes_a == tuple(range(len(a) - k, len(a))) and axes_b == tuple(range(k)):
        return k
    return (axes_a, axes_b)


def _basis(args, types, params) -> ast.expr:
    shape = params["shape"]
    size = math.prod(shape)
    keywords = [] if params["dtype"] == "float64" else \
        [ast.keyword("dtype", name(f"np.{params['dtype']}"))]
    eye = ast.Call(name("np.eye"), [literal(size)], keywords)
    if len(shape) == 1:
        return eye
    return ast.Call(ast.Attribute(eye, "reshape", ast.Load()), [literal((size,) + shape)], [])


def _same(spelling) -> tuple:
    return (spelling, spelling)


_IDENTITY = Written(lambda args, types, params: args[0])
_PYTHON_CASTS = {"f": "float", "i": "int", "u": "int", "b": "bool", "c": "complex"}


SPELLINGS: dict[str, tuple] = {  # primitive -> (on Python scalars, on arrays)
    "add": _same(Infix("+")), "sub": _same(Infix("-")), "mul": _same(Infix("*")),
    "div": _same(Infix("/")), "pow": _same(Infix("**")), "floordiv": _same(Infix("//")),
    "mod": _same(Infix("%")), "neg": _same(Infix("-")),
    "lt": _same(Infix("<")), "le": _same(Infix("<=")), "gt": _same(Infix(">")),
    "ge": _same(Infix(">=")), "eq": _same(Infix("==")), "ne": _same(Infix("!=")),
    "not": (Infix("not"), Call("np.logical_not")),
    "abs": _same(Call("abs")), "sign": _same(Call("np.sign")),
    "maximum": (Call("max"), Call("np.maximum")), "minimum": (Call("min"), Call("np.minimum")),
    "float": (Call("float"), Call("np.asarray")), "int": (Call("int"), Call("np.trunc")),
    "factorial": (Call("math.factorial"), None),
    "sum": _same(Written(_sum)), "sum_to": _same(Written(_sum_to)),
    "as_numpy": (Written(lambda args, types, params: ast.Call(
        name(f"np.{types[0].dtype}"), list(args), [])), _IDENTITY),
    "as_python": _same(Written(lambda args, types, params: ast.Call(
        ast.Name(_PYTHON_CASTS[types[0].kind], ast.Load()), list(args), []))),
    "broadcast_to": _same(Written(_broadcast_to)),
    "reshape": _same(Written(lambda args, types, params: ast.Call(
        name("np.reshape"), [args[0], literal(params["shape"])], []))),
    "transpose": _same(Written(_transpose)),
    "matmul": (None, Infix("@")),
    "index": _same(Written(_index)), "index_update": _same(Update()),
    "copy": _same(Call("np.copy")),
    "dim": _same(Written(lambda args, types, params: ast.Subscript(
        ast.Attribute(args[0], "shape", ast.Load()), literal(params["axis"]), ast.Load()))),
    "ndim": _same(Written(lambda args, types, params: ast.Attribute(args[0], "ndim",
                                                                     ast.Load()))),
    "size": _same(Written(lambda args, types, params: ast.Attribute(args[0], "size",
                                                                     ast.Load()))),
    "dtype_is": _same(Written(lambda args, types, params: ast.Compare(
        ast.Attribute(ast.Call(name("np.asarray"), [args[0]], []), "dtype", ast.Load()),
        [ast.Eq()], [literal(params["dtype"])]))),
    "basis": _same(Written(_basis)),
    "mean": _same(_reduction("np.mean")), "prod": _same(_reduction("np.prod")),
    "max": _same(_reduction("np.max")), "min": _same(_reduction("np.min")),
    "var": _same(_reduction("np.var")), "std": _same(_reduction("np.std")),
    "cumsum": _same(Call("np.cumsum", (("axis", None),))), "norm": _same(Written(_norm)),
    "cumprod": _same(Call("np.cumprod", (("axis", None),))),
    "trace": _same(Call("np.trace", (("offset", 0), ("axis1", 0), ("axis2", 1)))),
    "einsum": _same(Written(_contraction)), "kron": _same(Call("np.kron")),
    "cross": _same(Call("np.cross")),
}
_MATH_NAMES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan"}
for _prim in ("sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
              "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "floor", "ceil"):
    SPELLINGS[_prim] = (Call(f"math.{_MATH_NAMES.get(_prim, _prim)}"), Call(f"np.{_prim}"))


def _rounding(function: str) -> Written:
    """``math.floor(x)`` gives an int, as the user's `math.floor` does; where the value
    is a NumPy float computed the fast way, ``np.floor`` gives a float: so does
    ``float(math.floor(x))``."""
    def write(args, types, params):
        rounded = ast.Call(name(function), list(args), [])
        if types[0].weak or types[0].kind != "f":
            return rounded
        return ast.Call(ast.Name("float", ast.Load()), [rounded], [])
    return Written(write)


for _prim in ("floor", "ceil"):
    SPELLINGS[_prim] = (_rounding(f"math.{_prim}"), Call(f"np.{_prim}"))


# ---- shape operations, joining and splitting, creation ------------------------------
def _dtype(dtype: str) -> ast.expr:
    return name(f"np.{dtype}")


def _numpy_call(function: str, positional=(), keywords=()):
    """``np.function(*args, *positional parameters, keyword=...)`` with every parameter
    taken from `params`; a keyword whose value equals its default (a constant, or a
    function of the operand types and the parameters) is left out."""
    def write(args, types, params):
        call_args = list(args) + [literal(params[key]) for key in positional]
        written = []
        for key, default in keywords:
            value = params[key]
            if value != (default(types, params) if callable(default) else default):
                written.append(ast.keyword(key, _dtype(value) if key == "dtype"
                                           else literal(value)))
        return ast.Call(name(function), call_args, written)
    return Written(write)


def _one_or_tuple(values: tuple):
    return values[0] if len(values) == 1 else values


def _axis_keyword(function: str, every_axis):
    """``np.function(x, axis=...)``, without the axis when it is `every_axis(type)`."""
    def write(args, types, params):
        axis = params["axis"]
        keywords = [] if axis == every_axis(types[0]) else \
            [ast.keyword("axis", literal(_one_or_tuple(axis)))]
        return ast.Call(name(function), list(args), keywords)
    return Written(write)


def _moveaxis(args, types, params):
    return ast.Call(name("np.moveaxis"), [args[0], literal(_one_or_tuple(params["source"])),
                                          literal(_one_or_tuple(params["destination"]))], [])


def _roll(args, types, params):
    shift, axis = params["shift"], params["axis"]
    if axis is None:
        return ast.Call(name("np.roll"), [args[0], literal(shift)], [])
    return ast.Call(name("np.roll"), [args[0], literal(_one_or_tuple(shift))],
                    [ast.keyword("axis", literal(_one_or_tuple(axis)))])


def _joined(function: str, default_axis=0):
    """``np.concatenate((a, b), axis=1)``: the operands as one tuple."""
    def write(args, types, params):
        keywords = [] if params.get("axis", default_axis) == default_axis else \
            [ast.keyword("axis", literal(params["axis"]))]
        return ast.Call(name(function), [ast.Tuple(list(args), ast.Load())], keywords)
    return Written(write)


def _stack(args, types, params):
    """Along the first axis, as np.array of a (nested) list: ``np.array([[a, b], [c, d]])``,
    what a person writes to build an array of numbers."""
    if params["axis"] != 0:
        return _joined("np.stack").write(args, types, params)
    rows = [arg.args[0] if _is_call(arg, "np.array") else arg for arg in args]
    return ast.Call(name("np.array"), [ast.List(rows, ast.Load())], [])


def _is_call(node: ast.expr, dotted: str) -> bool:
    return isinstance(node, ast.Call) and ast.dump(node.func) == ast.dump(name(dotted)) \
        and len(node.args) == 1 and isinstance(node.args[0], ast.List) and not node.keywords


def _split(args, types, params):
    """A piece of a split, as the slice it is: ``x[2:4]``, ``x[:, :3]``."""
    axis, start, stop = params["axis"], params["start"], params["stop"]
    length = types[0].shape[axis]
    piece = ast.Slice(literal(start) if start else None,
                      literal(stop) if stop != length else None, None)
    index = [ast.Slice(None, None, None)] * axis + [piece]
    return ast.Subscript(args[0], index[0] if axis == 0 else ast.Tuple(index, ast.Load()),
                         ast.Load())


def _arange(args, types, params):
    start, stop, step = params["start"], params["stop"], params["step"]
    bounds = [stop] if start == 0 and step == 1 else [start, stop] if step == 1 else \
        [start, stop, step]
    keywords = [] if np.result_type(*bounds).name == params["dtype"] else \
        [ast.keyword("dtype", _dtype(params["dtype"]))]
    return ast.Call(name("np.arange"), [literal(b) for b in bounds], keywords)


def _operand_dtype(types, params) -> str:
    return types[0].dtype


def _full(args, types, params):
    """``np.full(shape, fill)``: the shape comes first."""
    keywords = [] if params["dtype"] == types[0].dtype else \
        [ast.keyword("dtype", _dtype(params["dtype"]))]
    return ast.Call(name("np.full"), [literal(params["shape"]), args[0]], keywords)


def _vander(args, types, params):
    """``np.vander(x, N)``, N left out where it is the length of x."""
    given = [] if params["N"] == types[0].shape[0] else [literal(params["N"])]
    keywords = [ast.keyword("increasing", literal(True))] if params["increasing"] else []
    return ast.Call(name("np.vander"), list(args) + given, keywords)


def _astype(args, types, params):
    if types[0].shape == ():  # a Python number has no .astype: the NumPy scalar of that dtype
        return ast.Call(_dtype(params["dtype"]), list(args), [])
    return ast.Call(ast.Attribute(args[0], "astype", ast.Load()), [_dtype(params["dtype"])],
                    [])


_SHAPE_SPELLINGS = {
    "ravel": Call("np.ravel"),
    "squeeze": _axis_keyword("np.squeeze", lambda t: tuple(i for i, n in enumerate(t.shape)
                                                           if n == 1)),
    "expand_dims": Written(lambda args, types, params: ast.Call(
        name("np.expand_dims"), [args[0], literal(_one_or_tuple(params["axis"]))], [])),
    **{f"atleast_{n}d": Call(f"np.atleast_{n}d") for n in (1, 2, 3)},
    "swapaxes": _numpy_call("np.swapaxes", ("axis1", "axis2")),
    "moveaxis": Written(_moveaxis),
    "flip": _axis_keyword("np.flip", lambda t: tuple(range(t.ndim))),
    "roll": Written(_roll),
    "repeat": _numpy_call("np.repeat", ("repeats",), (("axis", None),)),
    "tile": _numpy_call("np.tile", ("reps",)),
    "diag": _numpy_call("np.diag", (), (("k", 0),)),
    "diagonal": _numpy_call("np.diagonal", (), (("offset", 0), ("axis1", 0), ("axis2", 1))),
    "triu": _numpy_call("np.triu", (), (("k", 0),)),
    "tril": _numpy_call("np.tril", (), (("k", 0),)),
    "concatenate": _joined("np.concatenate"),
    "stack": Written(_stack),
    "hstack": _joined("np.hstack"), "vstack": _joined("np.vstack"),
    "split": Written(_split),
    "pad": _numpy_call("np.pad", ("pad_width",)),
    "diff": _numpy_call("np.diff", (), (("n", 1), ("axis", lambda types, params:
                                                        types[0].ndim - 1))),
    "vander": Written(_vander),
    "zeros": _numpy_call("np.zeros", ("shape",), (("dtype", "float64"),)),
    "ones": _numpy_call("np.ones", ("shape",), (("dtype", "float64"),)),
    "full": Written(_full),
    "full_like": _numpy_call("np.full_like", (), (("dtype", _operand_dtype),)),
    "eye": _numpy_call("np.eye", ("N",), (("M", lambda types, params: params["N"]), ("k", 0),
                                          ("dtype", "float64"))),
    "arange": Written(_arange),
    "linspace": _numpy_call("np.linspace", ("start", "stop", "num"),
                            (("endpoint", True), ("dtype", "float64"))),
    "astype": Written(_astype),
}
for _prim, _spelling in (*_SHAPE_SPELLINGS.items(), *_LIST_SPELLINGS.items()):
    SPELLINGS[_prim] = (_spelling, _spelling)
# ---- more elementwise functions, selection and rounding -----------------------------
_MATH_NAMES.update({"arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
                    "arctan2": "atan2", "deg2rad": "radians", "rad2deg": "degrees"})
for _prim in ("arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "deg2rad", "rad2deg"):
    SPELLINGS[_prim] = (Call(f"math.{_MATH_NAMES.get(_prim, _prim)}"), Call(f"np.{_prim}"))
SPELLINGS["trunc"] = (_rounding("math.trunc"), Call("np.trunc"))
# No `math` function computes these: NumPy's takes Python scalars as well.
for _prim in ("exp2", "logaddexp", "logaddexp2", "reciprocal", "fmax", "fmin", "clip"):
    SPELLINGS[_prim] = _same(Call(f"np.{_prim}"))
SPELLINGS["round"] = _same(Call("np.round", (("decimals", 0),)))
for _prim in ("zeros_like", "ones_like"):  # dtype= only where it differs from x's
    SPELLINGS[_prim] = _same(Written(
        lambda args, types, params, _function=f"np.{_prim}": ast.Call(
            name(_function), list(args),
            [ast.keyword("dtype", _dtype(params["dtype"]))] if "dtype" in params else [])))
for _prim in ("argmax", "argmin"):
    SPELLINGS[_prim] = _same(Call(f"np.{_prim}", (("axis", None), ("keepdims", False))))


def _conditional(args, types, params) -> ast.expr:
    """``x if condition else y``, each branch of the promoted Python type: NumPy's
    ``where(c, 1, 2.5)`` is 1.0 where c holds."""
    kind = promote(*types[1:]).kind
    branches = [arg if t.kind == kind else
                ast.Call(ast.Name(_PYTHON_CASTS[kind], ast.Load()), [arg], [])
                for arg, t in zip(args[1:], types[1:])]
    return ast.IfExp(args[0], *branches)


SPELLINGS["where"] = (Written(_conditional), Call("np.where"))


# ---- linear algebra -----------------------------------------------------------------
def _element(function: str, index: int) -> Written:
    """One element of the tuple a NumPy function returns: ``np.linalg.slogdet(a)[0]``
    (the frontend reads it back as the primitive it came from)."""
    return Written(lambda args, types, params: ast.Subscript(
        ast.Call(name(function), list(args), []), ast.Constant(index), ast.Load()))


for _prim in ("inv", "solve", "det", "cholesky", "pinv"):
    SPELLINGS[_prim] = (None, Call(f"np.linalg.{_prim}"))
SPELLINGS["slogdet_sign"] = (None, _element("np.linalg.slogdet", 0))
SPELLINGS["slogdet_logabsdet"] = (None, _element("np.linalg.slogdet", 1))
SPELLINGS["eigh_values"] = (None, _element("np.linalg.eigh", 0))
SPELLINGS["eigh_vectors"] = (None, _element("np.linalg.eigh", 1))


FAITHFUL = "faithful"
FAST = "fast"
_FAST_DTYPES = ("float64", "int64", "bool")


def computes_as_python(t: Type, target: str = FAITHFUL) -> bool:
    """Whether a value of type `t` is computed with `math` and operators."""
    if target == FAST:
        return getattr(t, "shape", None) == () and t.dtype in _FAST_DTYPES
    return t.weak


def spelling(prim: str, types: list[Type], target: str = FAITHFUL):
    scalar, array = SPELLINGS[prim]
    as_python = all(computes_as_python(t, target) for t in types)
    if as_python and target == FAST and prim in ("as_numpy", "as_python"):
        return _IDENTITY
    chosen = scalar if as_python else array
    if chosen is None:
        raise NotImplementedError(f"{prim} has no spelling for "
                                  f"{'Python scalars' if as_python else 'arrays'}")
    return chosen


def expression(prim: str, args: list[ast.expr], types: list[Type], params: dict,
               target: str = FAITHFUL) -> ast.expr:
    return spelling(prim, types, target).expression(args, types, params)


def as_numpy_type(t: Type) -> Type:
    """The type of `t`'s value held by NumPy (a NumPy scalar for a Python scalar)."""
    return ArrayType(t.shape, t.dtype)


def is_float_arithmetic(prim: str) -> bool:
    """`+ - * /` on Python floats: where codegen writes ``2.0`` rather than ``2``."""
    scalar = SPELLINGS.get(prim, (None,))[0]
    return isinstance(scalar, Infix) and scalar.symbol in "+-*/" and prim != "neg"


_EVALUATORS: dict[tuple, Callable] = {}


def evaluate(prim: str, values: list, types: list[Type], params: dict):
    """Run a primitive on concrete values through its spelling, as generated code would."""
    key = (prim, tuple(types), tuple(sorted(params.items())))
    function = _EVALUATORS.get(key)
    if function is None:
        arg_names = [f"a{i}" for i in range(len(values))]
        loads = [ast.Name(n, ast.Load()) for n in arg_names]
        if is_statement(prim):
            body = [ast.Assign([ast.Name("out", ast.Store())], copied(loads[0])),
                    *spelling(prim, list(types)).statements("out", loads, list(types),
                                                              params),
                    ast.Return(ast.Name("out", ast.Load()))]
        else:
            body = [ast.Return(expression(prim, loads, list(types), params))]
        definition = ast.Module([ast.FunctionDef(
            "run", ast.arguments(posonlyargs=[], args=[ast.arg(n) for n in arg_names],
                                 vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                                 defaults=[]), body, [], None)], [])
        code = compile(ast.fix_missing_locations(definition), f"<spelling of {prim}>", "exec")
        namespace = dict(NAMESPACES)
        exec(code, namespace)
        function = _EVALUATORS[key] = namespace["run"]
    return function(*values)
