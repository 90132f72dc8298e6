"""gast -> IR: SSA through an environment of names.

Lowering walks the function's statements with an environment mapping each name to what
it holds now: an IR `Value`, a tuple of them, or a `Static` Python object known while
compiling (a module, a function, a global constant), or a list or dict of them whose
length and keys are known. Assignment rebinds a name; nothing is mutated (``d[k] = v``
rebinds d to a new dict, refused where another name holds the old one), so SSA falls out:

- ``if``: each branch lowers with its own copy of the environment; the names either branch
  rebinds become the results of one ``cond`` op. A ``return`` inside an ``if`` takes the
  statements after the ``if`` into both branches, so every path ends in one return.
- loops: the names the body assigns that were bound before the loop are carried. A
  ``break`` or ``continue`` sets flags in the environment (``.break``, ``.skip``); the
  statements after one that may have fired are lowered under ``if not .skip``, and
  ``.break`` becomes the loop's exit condition. A name bound in only one branch of an
  ``if`` stays bound after it when the other branch broke or continued: that branch
  yields a None that nothing reads.
- calls to user functions are inlined; calls to math/NumPy functions become primitives;
  a call to a transform (``grad(g)(x)``) becomes an ``apply`` op the transforms expand.
- what the function reads from outside (closure cells, globals, attributes of what it
  finds there) is read now, to lower it, and recorded (see `reads`): a number or an array
  becomes a hidden parameter of the function, after the user's; anything else is a guard
  of the `Lowered` result, which is valid only while each read finds the same object.

Lowering knows nothing of derivatives.
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import operator
import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Callable

import gast
import numpy as np

from ..errors import Loc, UnsupportedSyntaxError
from ..ir.builder import Builder
from ..ir.deferred import Deferred
from ..ir.infer import NOT_ARRAY
from ..ir.nodes import Function, Op, Region, Value
from ..ir.primitives import OPERAND, PRIMITIVES, RETURNS_NEW_ARRAY, VIEWS, Slice, Window
from .callables import (METHODS, REQUIRED, STRING_PARAMS, UNSUPPORTED_PARAMS, Signature,
                        method_signature, signature_for)
from ..ir.structured import Cond, RangeLoop, WhileLoop, loop_region, yield_body, yield_test
from .fence import fence, is_add_at, is_unbound_check, is_window_check
from .parse import ParsedFunction, function_from_lambda, parse_function
from .reads import ROOT, Read, is_input, still_finds
from ..pytree import LEAF, Tree, flatten, leaf_names, nesting, unflatten


@dataclass(frozen=True)
class Static:
    """A Python object known at compile time: a module, a function, a number."""

    obj: object


@dataclass(eq=False)
class Local:
    """A function defined in the body by ``def`` or ``lambda``. A call inlines it; it sees
    the names of the scope that defined it as they are at the call (Python's late
    binding), and its defaults as they were when it was defined."""

    node: gast.FunctionDef
    owner: "_Lowerer"
    env: dict  # the defining scope, for a call from another scope
    defaults: dict  # parameter name -> what its default evaluated to


@dataclass(frozen=True)
class DynList:
    """A list whose elements are known only when the code runs (appended to in a loop,
    made by a comprehension): a `ListType` value, and its length when that is known
    while compiling. A list whose elements are all known bindings is a Python list.
    `count` is an int value equal to its length in every run, where the loops that made
    it tell one (a comprehension over ``range(len(x))`` or the rows of x): typing finds
    whether that is known from the types (``np.array(xs)`` needs it)."""

    value: Value
    length: int | None = None
    count: Value | None = None


@dataclass(frozen=True)
class ShapeOf:
    """``x.shape``: a tuple whose length is known only once x is typed, so it is used by
    its elements (``x.shape[0]``, ``n, m = x.shape``), each a ``dim`` op."""

    array: Value


@dataclass(frozen=True)
class DtypeOf:
    """``x.dtype``: known once x is typed, so it is usable where a dtype parameter is
    (``dtype=x.dtype``, ``y.astype(x.dtype)``) and compared with a dtype
    (``x.dtype == np.float32``), a constant of each compiled program."""

    array: Value


_BINARY = {gast.Add: "add", gast.Sub: "sub", gast.Mult: "mul", gast.Div: "div",
           gast.Pow: "pow", gast.FloorDiv: "floordiv", gast.Mod: "mod",
           gast.MatMult: "matmul"}
_AUGMENTED = {gast.Add: "+", gast.Sub: "-", gast.Mult: "*", gast.Div: "/", gast.Pow: "**",
              gast.FloorDiv: "//", gast.Mod: "%", gast.MatMult: "@"}
_COMPARE = {gast.Lt: "lt", gast.LtE: "le", gast.Gt: "gt", gast.GtE: "ge", gast.Eq: "eq",
            gast.NotEq: "ne"}
_PYTHON_OPERATORS = {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                     "div": operator.truediv, "floordiv": operator.floordiv,
                     "mod": operator.mod, "lt": operator.lt, "le": operator.le,
                     "gt": operator.gt, "ge": operator.ge, "eq": operator.eq,
                     "ne": operator.ne}
_BUILTINS_WRITTEN_OTHERWISE = {
    map: "write a list comprehension: [f(v) for v in xs]",
    filter: "write a list comprehension with a condition: [v for v in xs if v > 0]",
    sorted: "sort the values before the call and pass them in sorted; of two values, "
            "(min(a, b), max(a, b)) is the sorted pair",
    isinstance: "each compiled program is for one set of argument types, which it does "
                "not test: pass a string saying which case it is (kind='array') and "
                "compare it (if kind == 'array':)",
    round: "round with NumPy: np.round(x), np.round(x, 2) (its derivative is zero)",
}
# comparisons of objects known while compiling (a dict's keys, None, strings)
_KNOWN_COMPARE = {gast.Eq: operator.eq, gast.NotEq: operator.ne, gast.Is: operator.is_,
                  gast.IsNot: operator.is_not}
_FLAGS = (".skip", ".break")
_NUMBER = (int, float, bool, np.number, np.bool_)
_TUPLE_PARAMS = ("shape", "axes")
_ARRAY_ATTRIBUTES = ("T", "shape", "ndim", "size")


@dataclass
class _Walk:
    """A ``for`` over a range of indices: its start, stop and step, and the element for
    an index (None: the index itself); `trips` when known while compiling."""

    bounds: list
    element: Callable | None
    trips: int | None = None


@dataclass(eq=False)  # a cache key, by identity
class Lowered:
    """A function's IR and what it reads from outside.

    The IR's parameters are the user's, then one per read in `inputs`. It is valid for a
    function with the same code while each read in `guards` finds the same object
    (`valid_for`).
    """

    function: Function
    inputs: list[Read]
    guards: dict[Read, object]
    globals: dict  # the module namespace the reads were resolved in
    bound: bool  # lowered for a bound method: its first parameter is the instance
    trees: tuple | None = None  # the structure of each parameter (None: all leaves)
    result_tree: Tree = LEAF  # the structure of what it returns

    def valid_for(self, fn) -> bool:
        if fn.__globals__ is not self.globals or inspect.ismethod(fn) != self.bound:
            return False
        try:
            return all(still_finds(read, read.fetch(fn), obj)
                       for read, obj in self.guards.items()) and \
                all(is_input(read.fetch(fn)) for read in self.inputs)
        except Exception:  # an unbound name, a failing attribute: lowering again says so
            return False


@dataclass
class _Outside:
    """What a lowering reads from outside, shared by the lowerers of inlined helpers."""

    root: object  # the function being lowered, whose cells ROOT reads
    inputs: dict[Read, Value] = field(default_factory=dict)
    guards: dict[Read, object] = field(default_factory=dict)


def lower_function(fn) -> Function:
    """The IR of a Python function, built from its source (see `lower`)."""
    return lower(fn).function


def lower(fn, trees: tuple | None = None) -> Lowered:
    """Build the IR of a Python function from its source, and record what it reads.

    `trees` gives the structure of each parameter (see `pytree`; None: every parameter
    is a number or an array): a container parameter is bound to the same structure of
    IR parameters, one per leaf."""
    parsed = parse_function(fn)
    fence(parsed, variadic=True)
    names = _parameter_names(parsed.node.args)
    bound = inspect.ismethod(fn)
    instance = names.pop(0) if bound else None
    loc = parsed.loc(parsed.node)
    outside = _Outside(fn)
    params, env = [], {}
    for name, tree in zip(names, trees or (LEAF,) * len(names)):
        leaves = [Value(leaf, loc, strong_name=True) for leaf in leaf_names(tree, name)]
        params += leaves
        env[name] = unflatten(tree, leaves, Static)
    body = Region(params=params)
    lowerer = _Lowerer(fn, parsed, Builder(body, loc), (fn.__code__,), outside)
    if bound:
        env[instance] = lowerer.read(Read(ROOT, "self", None, instance), parsed.node)
    result = lowerer.lower_body(env)
    results, result_tree = _flatten_tree(result)
    if not all(isinstance(r, Value) for r in results):
        results = [lowerer.materialize(r) for r in results]
    body.results = results
    body.params += outside.inputs.values()
    param_names = [p.hint for p in body.params]
    # (a default None or string is no parameter of the code when it is used, and would
    # be a wrong default where a number was passed)
    defaults = {name: param.default
                for name, param in inspect.signature(fn).parameters.items()
                if param.default is not inspect.Parameter.empty and is_input(param.default)}
    function = Function(fn.__name__, body, param_names, defaults, not result_tree.is_leaf,
                        loc, nesting(result_tree) if result_tree.is_tuple_nest and
                        any(not c.is_leaf for c in result_tree.children) else None)
    return Lowered(function, list(outside.inputs), outside.guards, fn.__globals__, bound,
                   trees, result_tree)


def _parameter_names(args) -> list[str]:
    """The parameters in the order `inspect.signature` gives them."""
    return [a.id for a in (*args.args, *([args.vararg] if args.vararg else []),
                           *args.kwonlyargs, *([args.kwarg] if args.kwarg else []))]


def _is_binding_leaf(binding) -> bool:
    return not isinstance(binding, (tuple, list, dict))


def _read_owner(node) -> str:
    """The name a container read from outside is written under, for its items' names."""
    return node.id if isinstance(node, gast.Name) else \
        node.attr if isinstance(node, gast.Attribute) else "item"


def _flatten_tree(binding) -> tuple[list, Tree]:
    """The leaves of a binding (a Value, a Static..., or tuples, lists and dicts of
    them) and its structure."""
    return flatten(binding, _is_binding_leaf)


def _flatten(binding) -> list:
    """The leaves of a binding, a list of run-time length as its value."""
    return [leaf.value if isinstance(leaf, DynList) else leaf
            for leaf in _flatten_tree(binding)[0]]


def _unflatten(like, values: list):
    """`values` in the structure of the binding `like`."""
    leaves, tree = _flatten_tree(like)
    return _in_key_order(like, unflatten(tree, [
        DynList(value, leaf.length) if isinstance(leaf, DynList) else value
        for leaf, value in zip(leaves, values)]))


def _assigned_names(stmts) -> set[str]:
    """The names the statements rebind: assigned, or written into (``y[i] = v``, which
    binds y to the updated array)."""
    names = set()
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Store):
                names.add(node.id)
            written = node.value if isinstance(node, gast.Subscript) and \
                isinstance(node.ctx, gast.Store) else \
                node.args[0] if is_add_at(node) and node.args else None
            if isinstance(written, gast.Name):
                names.add(written.id)
            if _list_method_call(node) is not None:
                names.add(node.func.value.id)  # `xs.append(v)` rebinds xs
    return names


_LIST_METHODS = ("append", "pop")


def _list_method_call(node) -> str | None:
    """`name.append(...)` or `name.pop()`: the method's name."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
            node.func.attr in _LIST_METHODS and isinstance(node.func.value, gast.Name):
        return node.func.attr
    return None


def _tape_names(fn_node) -> set[str]:
    """The names used as tapes, as in adcompile's own output: bound to ``[]``, then only
    pushed to (``.append(v)``) and popped from (``.pop()``). Any other list is a value."""
    loads, methods, empty = Counter(), Counter(), set()
    popped = set()
    for node in gast.walk(fn_node):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load):
            loads[node.id] += 1
        elif (method := _list_method_call(node)) is not None:
            methods[node.func.value.id] += 1
            if method == "pop" and not node.args:
                popped.add(node.func.value.id)
        elif isinstance(node, gast.Assign) and isinstance(node.value, gast.List) and \
                not node.value.elts:
            empty.update(t.id for t in node.targets if isinstance(t, gast.Name))
    return {name for name in empty & popped if loads[name] == methods[name]}


def _is_list(binding) -> bool:
    return isinstance(binding, (list, DynList))


def _known_length(binding) -> int | None:
    return binding.length if isinstance(binding, DynList) else \
        len(binding) if isinstance(binding, (list, tuple)) else None


def _target_names(target) -> list[str]:
    return [node.id for node in gast.walk(target) if isinstance(node, gast.Name)]


def _length_changes(name: str, stmts) -> bool:
    """Whether the statements may change the length of the list `name` holds: append to
    it, pop from it, or rebind the name (writing an element keeps the length)."""
    for stmt in stmts:
        for node in gast.walk(stmt):
            if isinstance(node, gast.Name) and node.id == name and \
                    isinstance(node.ctx, gast.Store):
                return True
            if _list_method_call(node) is not None and node.func.value.id == name:
                return True
    return False


def _appends_once(name: str, stmts) -> bool:
    """Whether each run of `stmts` appends to the list `name` exactly once: one
    ``name.append(v)`` among them, not under an ``if`` or a loop, no other change to the
    list's length, and no break or continue that could skip it."""
    appends = [stmt for stmt in stmts if isinstance(stmt, gast.Expr) and
               _list_method_call(stmt.value) == "append" and
               stmt.value.func.value.id == name]
    changes = [node for stmt in stmts for node in gast.walk(stmt)
               if isinstance(node, gast.Name) and node.id == name and
               isinstance(node.ctx, gast.Store) or
               _list_method_call(node) is not None and node.func.value.id == name]
    skips = any(isinstance(node, (gast.Break, gast.Continue, gast.Return))
                for stmt in stmts for node in gast.walk(stmt))
    return len(appends) == 1 and len(changes) == 1 and not skips


def _container_holders(container, env: dict) -> list[str]:
    """The names that hold the list or dict `container`, alone or inside another
    container (which would see it change)."""
    def holds(binding):  # (`ys = xs.copy()` is another DynList of the same value)
        return binding is container or any(map(holds, _elements(binding)))
    return [name for name, binding in env.items() if holds(binding)]


def _in_key_order(like, rebuilt):
    """`rebuilt` (from `unflatten`, which sorts a dict's keys) with the dicts' keys in
    the order `like` has them: Python's insertion order, which iteration follows."""
    if isinstance(like, dict):
        return {key: _in_key_order(like[key], rebuilt[key]) for key in like}
    if type(like) in (tuple, list):
        return type(like)(_in_key_order(a, b) for a, b in zip(like, rebuilt))
    return rebuilt


def _containers(binding):
    """The lists and dicts in a binding, outermost first."""
    if isinstance(binding, (list, dict)):
        yield binding
    for element in _elements(binding):
        yield from _containers(element)


def _elements(binding):
    """What a tuple, list or dict binding holds (nothing for any other binding)."""
    return binding.values() if isinstance(binding, dict) else \
        binding if isinstance(binding, (tuple, list)) else ()


def _walked_dict_name(node) -> str | None:
    """The name a ``for`` walks the keys or items of: ``d``, ``d.items()``..."""
    if isinstance(node, gast.Call) and isinstance(node.func, gast.Attribute) and \
            node.func.attr in ("keys", "values", "items") and not node.args:
        node = node.func.value
    return node.id if isinstance(node, gast.Name) else None


def _leaf_hints(name: str, binding) -> list[str]:
    """Names for a binding's leaves in generated code: a dict's by key (``d_w``)."""
    if isinstance(binding, dict):
        return leaf_names(_flatten_tree(binding)[1], name)
    return [name] * len(_flatten(binding))


def _writes_into(name: str, stmts) -> bool:
    """Whether the statements write an item of `name` (``name[k] = v``, ``name[k] += v``)."""
    return any(isinstance(node, gast.Subscript) and isinstance(node.ctx, gast.Store) and
               isinstance(node.value, gast.Name) and node.value.id == name
               for stmt in stmts for node in gast.walk(stmt))


def _returns(node) -> bool:
    return any(isinstance(n, gast.Return) for n in gast.walk(node))


class _Lowerer:
    def __init__(self, fn, parsed: ParsedFunction, builder: Builder, stack: tuple,
                 outside: _Outside, known: dict | None = None):
        self.fn = fn
        self.parsed = parsed
        self.b = builder
        self.stack = stack
        self.reads = outside
        # the function being compiled (not a helper it inlines), whose cells are read by
        # index so that its lowering serves every closure of the same code
        self.root = len(stack) == 1
        self.reading_constant = False  # reads must give values known while compiling
        # name -> why it may be unbound here, for a better message than NameError
        self.unbound_reason: dict[str, str] = {}
        self.tapes: set[Value] = set()  # lists made by `name = []`, used as stacks
        self.list_tapes: set[Value] = set()  # the tapes lists are pushed onto
        # constants' values, for parameters that must be known while compiling (axis=)
        self.known: dict[Value, object] = {} if known is None else known
        # for a function defined in the body: the scope around it, and its lowerer
        self.enclosing: tuple[dict, _Lowerer] | None = None
        self.calling: tuple[Local, ...] = ()  # the local functions being inlined
        # arrays this call made and no other array shares memory with: writable by index
        self.owned: set[Value] = set()
        self.listed: set[Value] = set()  # values stored in a list, which still holds them
        self.written: set[Value] = set()  # arrays written into, by index
        self.views: dict[Value, Op] = {}  # arrays that may share memory -> the op making them
        self.cast_from: dict[Value, Value] = {}  # a library's cast of an operand -> the operand
        self.tape_names = _tape_names(parsed.node)
        # the Python lists (lists of known length) and dicts this function made: those it
        # may append to and write into, by identity; they themselves are kept alive here
        self.made_containers: dict[int, list | dict] = {}
        # lists and dicts rebuilt where paths join, one of which held another's or the
        # caller's: not written into
        self.maybe_shared: dict[int, list | dict] = {}
        # a loop variable's value after the loop, for a name the loop alone binds: None
        # when the loop ran no iteration, which a read checks (name -> for the message)
        self.unchecked: dict[Value, str] = {}
        self.parameters = set(builder.region.params) if self.root else set()
        # `y += a` lowered as `y = y + a` on a value y alone holds: the checks that it is
        # not an array (`NOT_ARRAY` ops) by the value checked. A loop's carried value whose
        # next value is its own moves them to the value the loop starts from.
        self.rebinding_checks: dict[Value, list[tuple[Op, str, str]]] = {}
        # a loop's result that is either its own new array or what the loop started from
        self.own_or_initial: dict[Value, Value] = {}

    # ---- errors and locations -------------------------------------------------------
    def loc(self, node) -> Loc:
        return self.parsed.loc(node)

    def error(self, node, message: str, hint: str | None = None):
        return UnsupportedSyntaxError(message, self.loc(node), hint)

    def at(self, node) -> None:
        self.b.loc = self.loc(node)

    # ---- statements -----------------------------------------------------------------
    def lower_body(self, env: dict):
        """Lower the whole function body; return what it returns."""
        stmts = self.parsed.node.body
        returned = self.lower_stmts(stmts, env)
        if returned is None:
            self.at(stmts[-1])
            return self.b.const(None)
        return returned

    def lower_stmts(self, stmts: list, env: dict):
        """Lower statements into the current region, rebinding `env`.

        Returns what a `return` among them returns, or None when control falls through.
        """
        for index, stmt in enumerate(stmts):
            rest = stmts[index + 1:]
            if isinstance(stmt, gast.Return):
                self.at(stmt)
                if stmt.value is None:
                    return self.b.const(None)
                returned = self.expr(stmt.value, env)
                if self.root and self.enclosing is None and any(
                        isinstance(leaf, DynList) for leaf in _flatten_tree(returned)[0]):
                    raise self.error(stmt.value, "returning a list whose length is known "
                                     "only when the code runs is not supported",
                                     "return an array of it, np.array(xs), or what you "
                                     "compute from it, sum(xs)")
                return returned
            if isinstance(stmt, gast.If) and _returns(stmt):
                return self.lower_returning_if(stmt, rest, env)
            if isinstance(stmt, (gast.Break, gast.Continue)):
                env[".skip"] = Static(True)
                if isinstance(stmt, gast.Break):
                    env[".break"] = Static(True)
                return None  # what follows a break or continue never runs
            self.stmt(stmt, env)
            if rest and ".skip" in env and env[".skip"] != Static(False):
                self.lower_guarded(rest, env)
                return None
        return None

    def stmt(self, node, env: dict) -> None:
        self.at(node)
        if isinstance(node, gast.Assign) and isinstance(node.value, gast.List) and \
                not node.value.elts and all(isinstance(t, gast.Name) and t.id in
                                            self.tape_names for t in node.targets):
            tape = self.b.emit("tape_new", []).output
            self.tapes.add(tape)
            for target in node.targets:
                self.bind(target, tape, env)
        elif isinstance(node, gast.Assign) and isinstance(node.targets[0], gast.Subscript):
            if len(node.targets) != 1:
                raise self.error(node, "assign to one element or slice at a time")
            self.write_subscript(node.targets[0], self.expr(node.value, env), node.value, env)
        elif isinstance(node, gast.Assign):
            value = self.expr(node.value, env)
            for target in node.targets:
                self.bind(target, value, env)
        elif isinstance(node, gast.AugAssign) and isinstance(node.target, gast.Subscript):
            # Python's `x[i] += v` reads x[i], then writes the sum once, even where the
            # index repeats; simplification turns it into an addition at the index where
            # the index cannot repeat.
            current = self.subscript(node.target, env)
            self.at(node)
            value = self.b.apply(_augmented_primitive(node, self),
                                 self.value(current, node.target),
                                 self.value(self.expr(node.value, env), node.value))
            self.write_subscript(node.target, value, node, env)
        elif isinstance(node, gast.AugAssign):
            current = self.expr(gast.Name(node.target.id, gast.Load(), None, None), env) \
                if isinstance(node.target, gast.Name) else None
            if current is None:
                raise self.error(node.target, "augmented assignment to this target is not "
                                 "supported", "assign to a plain variable name")
            self.at(node)
            prim = _augmented_primitive(node, self)
            current = self.value(current, node)
            self.require_rebinding(node, current, env)
            value = self.b.apply(prim, current,
                                 self.value(self.expr(node.value, env), node.value))
            self.owned.add(value)  # a new value, or the target's own array updated in place
            self.bind(node.target, value, env)
        elif isinstance(node, gast.AnnAssign):
            if node.value is not None:
                self.bind(node.target, self.expr(node.value, env), env)
        elif isinstance(node, gast.If) and is_window_check(node):
            pass  # adcompile's check of a window's start: the window checks it again
        elif isinstance(node, gast.If) and is_unbound_check(node):
            checked = node.test.left
            self.at(checked)
            message = node.body[0].exc.args[0].value
            name = re.search(r"variable '(\w+)'", message)
            value = self.value(self.expr(checked, env), checked)
            self.bind(checked, self.b.apply("check_bound", value, name=(
                name.group(1) if name else checked.id)), env)
        elif isinstance(node, gast.If):
            pred = self.value(self.expr(node.test, env), node.test)
            if isinstance(self.known.get(pred), bool):  # only the branch that runs
                self.lower_stmts(node.body if self.known[pred] else node.orelse, env)
                return
            self.branch(pred, lambda e: self.lower_stmts(node.body, e),
                        lambda e: self.lower_stmts(node.orelse, e), env)
        elif isinstance(node, (gast.For, gast.While)):
            self.lower_loop(node, env)
        elif isinstance(node, gast.FunctionDef):
            env[node.name] = self.local_function(node, env)
            self.unbound_reason.pop(node.name, None)
        elif isinstance(node, gast.Pass):
            pass
        elif isinstance(node, gast.Expr) and is_add_at(node.value):
            self.add_at(node.value, env)
        elif isinstance(node, gast.Expr) and _list_method_call(node.value) is not None and \
                not self.is_tape(env.get(node.value.func.value.id)):
            self.list_method(node.value, env)
        elif isinstance(node, gast.Expr) and isinstance(node.value, gast.Call):
            tape = self.tape(node.value.func.value, env)
            pushed = self.expr(node.value.args[0], env)
            if isinstance(pushed, DynList):  # (a reverse sweep tapes a list it reads)
                self.list_tapes.add(tape)
                pushed = pushed.value
            value = self.value(pushed, node.value.args[0])
            self.at(node)
            self.b.emit("push", [tape, value], n_out=0)
        elif isinstance(node, gast.Expr):
            pass  # a docstring: the fence lets no other bare expression through
        else:
            raise self.error(node, f"{type(node).__name__} statements are not supported")

    def write_subscript(self, target, binding, value_node, env: dict) -> None:
        """``name[index] = binding``, into a dict, a list or an array."""
        if self.holds_dict(target, env):
            self.write_dict_item(target, binding, env)
        elif self.holds_list(target, env):
            self.write_list_item(target, binding, env)
        else:
            self.write_item(target, self.value(binding, value_node), "set", env)

    def bind(self, target, binding, env: dict) -> None:
        if isinstance(target, gast.Subscript):  # (in an unpacking: d["a"], d["b"] = ...)
            self.write_subscript(target, binding, target, env)
            return
        if isinstance(target, gast.Name):
            named = binding.value if isinstance(binding, DynList) else binding
            if isinstance(named, Value) and not named.strong_name and \
                    not target.id.startswith("<"):  # (a comprehension's own names)
                named.hint = target.id
                named.strong_name = True
            env[target.id] = binding
            self.unbound_reason.pop(target.id, None)
            return
        if isinstance(binding, ShapeOf):
            if any(isinstance(t, gast.Starred) for t in target.elts):
                raise self.error(target, "a shape is unpacked into one name per axis",
                                 "n, m = x.shape; or read one axis: x.shape[0]")
            self.at(target)
            binding = tuple(self.b.apply("dim", binding.array, axis=k, rank=len(target.elts))
                            for k in range(len(target.elts)))
        elements = binding if isinstance(binding, (tuple, list)) else None
        if isinstance(binding, DynList):
            raise self.error(target, "a list whose length is known only when the code "
                             "runs cannot be unpacked",
                             "read its elements by index: a, b = xs[0], xs[1]")
        targets = target.elts
        starred = [k for k, t in enumerate(targets) if isinstance(t, gast.Starred)]
        if starred and elements is not None and len(elements) >= len(targets) - 1:
            # `a, *rest = xs`: rest takes the elements the other names leave, as a list
            k, after = starred[0], len(targets) - starred[0] - 1
            elements = [*elements[:k], self.made(list(elements[k:len(elements) - after])),
                        *elements[len(elements) - after:]]
            targets = [t.value if isinstance(t, gast.Starred) else t for t in targets]
        if elements is None or len(elements) != len(targets):
            names = f"{len(targets) - 1} names and a starred one" if starred else \
                f"{len(targets)} names"
            raise self.error(target, f"cannot unpack this value into {names}",
                             "unpack only tuples or lists of the same length" +
                             (", or longer" * bool(starred)))
        for element_target, element in zip(targets, elements):
            self.bind(element_target, element, env)

    def branch(self, pred: Value, lower_then, lower_else, env: dict) -> None:
        """Lower two alternatives into one `cond` op; rebind the names they change."""
        where = self.b.loc  # (the if's, for a refusal once the branches are lowered)
        envs, branches = [], []
        for lower in (lower_then, lower_else):
            region, branch_env = Region(), dict(env)
            with self.b.into(region):
                returned = lower(branch_env)
                if returned is not None:
                    branch_env[".return"] = returned
            envs.append(branch_env)
            branches.append(region)
        then_env, else_env = envs
        then, orelse = branches
        changed = [name for name in dict.fromkeys([*then_env, *else_env])
                   if then_env.get(name, _MISSING) is not env.get(name, _MISSING) or
                   else_env.get(name, _MISSING) is not env.get(name, _MISSING)]
        merged_names, then_flat, else_flat, likes, fresh = [], [], [], [], []
        for name in changed:
            if name not in then_env or name not in else_env:
                # what follows a branch that broke or continued never runs after it, so
                # a name the other branch binds is bound wherever it can be read: the
                # skipping branch yields a None that nothing reads
                bound = then_env.get(name, else_env.get(name))
                skipping = [e for e in envs
                            if name not in e and e.get(".skip") == Static(True)]
                if not skipping or isinstance(bound, Static):
                    env.pop(name, None)
                    self.unbound_reason[name] = "it is assigned in only one branch of an if"
                    continue
                skipping[0][name] = _unflatten(bound, [Static(None)] * len(_flatten(bound)))
            left, right = then_env[name], else_env[name]
            if _is_string(left) or _is_string(right):
                if left != right:  # (a walk over a dict's keys that may have stopped)
                    env.pop(name, None)
                    self.unbound_reason[name] = "it holds a different dict key on each " \
                        "path through an if or a break before it"
                else:
                    env[name] = left
                continue
            if _is_list(left) or _is_list(right):
                left, right = self.merged_lists(left, right, then, orelse)
            if left is right or isinstance(left, Static) and left == right:
                env[name] = left  # both branches bind the same thing: nothing to merge
                continue
            left_tree, right_tree = _flatten_tree(left)[1], _flatten_tree(right)[1]
            left_flat, right_flat = _flatten(left), _flatten(right)
            if not name.startswith("."):  # (an if-expression's: below, as a structure)
                self.require_same_keys(name, left, right, where, "if")
            if left_tree != right_tree:
                raise UnsupportedSyntaxError(
                    f"{name!r} holds containers of different structures in the two "
                    f"branches: {left_tree} and {right_tree}", self.b.loc,
                    "give it the same tuple, list or dict shape on every path")
            with self.b.into(then):
                then_flat += [self.materialize(v) for v in left_flat]
            with self.b.into(orelse):
                else_flat += [self.materialize(v) for v in right_flat]
            merged_names.append(name)
            likes.append(((left, then_env), (right, else_env), len(left_flat)))
            # an array each branch made and holds under this name alone is the result's own
            fresh += [all(v in self.owned and _holders(v, e) == [name]
                          for v, e in ((a, then_env), (b, else_env)))
                      for a, b in zip(left_flat, right_flat)]
        then.results, orelse.results = then_flat, else_flat
        outputs = list(Cond.build(self.b, pred, then, orelse).outputs)
        self.owned.update(out for out, mine in zip(outputs, fresh) if mine)
        for name, (then_side, else_side, count) in zip(merged_names, likes):
            values, outputs = outputs[:count], outputs[count:]
            for value, hint in zip(values, _leaf_hints(name, then_side[0])):
                internal = name.startswith(".")  # a flag or a return value: no user name
                value.hint = None if internal else hint
                value.strong_name = not internal
            env[name] = self.remade(_unflatten(then_side[0], values), [then_side, else_side])

    def require_same_keys(self, name: str, first, second, where: Loc, joined: str) -> None:
        """Refuse a dict whose keys differ between two paths that join (an if's branches,
        a loop's start and end): after them its keys would be known only at run time."""
        for one, other in zip(_containers(first), _containers(second)):
            if not isinstance(one, dict) or not isinstance(other, dict) or \
                    list(one) == list(other):
                continue
            only = [k for k in [*one, *other] if (k in one) != (k in other)]
            place = "before the if" if joined == "if" else "before the loop"
            if only:
                raise UnsupportedSyntaxError(
                    f"the dict {name!r} has the key {only[0]!r} on one path through this "
                    f"{joined} and not on another, so its keys would be known only when "
                    "the code runs", where,
                    f"set {name}[{only[0]!r}] {place} (to 0.0, say), so that every path "
                    "has it")
            raise UnsupportedSyntaxError(
                f"the dict {name!r} gets its keys in different orders on two paths "
                f"through this {joined}, so its order would be known only when the code "
                "runs", where, f"add its keys in one order, {place}")

    def merged_lists(self, left, right, then: Region, orelse: Region):
        """The two branches' lists, made values in their branches unless both are Python
        lists of one length (then each element merges on its own)."""
        if isinstance(left, DynList) and isinstance(right, DynList) and \
                left.value is right.value:
            return left, left
        if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
            return left, right
        lengths = {_known_length(left), _known_length(right)}
        length = lengths.pop() if len(lengths) == 1 else None
        with self.b.into(then):
            left = DynList(self.dynamic(left), length)
        with self.b.into(orelse):
            right = DynList(self.dynamic(right), length)
        return left, right

    def lower_returning_if(self, node, rest: list, env: dict):
        pred = self.value(self.expr(node.test, env), node.test)
        if isinstance(self.known.get(pred), bool):  # only the branch that runs
            return self.lower_stmts((node.body if self.known[pred] else node.orelse) + rest,
                                    env)

        def lower(stmts):
            def run(branch_env):
                returned = self.lower_stmts(stmts, branch_env)
                if returned is None:
                    self.at(node)
                    returned = self.b.const(None)
                return returned
            return run

        self.branch(pred, lower(node.body + rest), lower(node.orelse + rest), env)
        return env.pop(".return")

    def lower_guarded(self, stmts: list, env: dict) -> None:
        """Lower `stmts` so they run only when no break or continue fired before them."""
        skip = self.materialize(env[".skip"])

        def run(branch_env):
            for flag in _FLAGS:
                if flag in branch_env:
                    branch_env[flag] = Static(False)
            self.lower_stmts(stmts, branch_env)

        self.branch(skip, lambda e: e.__setitem__(".skip", Static(True)), run, env)

    def lower_loop(self, node, env: dict) -> None:
        walk = None
        if isinstance(node, gast.For):
            walk = self.iteration(node.iter, env)
            if isinstance(node.iter, gast.Name) and _length_changes(node.iter.id, node.body):
                raise self.error(node.iter, "a loop that appends to or pops from the list "
                                 "it walks is not supported",
                                 "append to another list: ys = [], then ys.append(v)")
            if isinstance(walk, list):
                walked = _walked_dict_name(node.iter)
                keys = env.get(walked) if walked is not None else None
                self.unroll(node, walk, env)
                if isinstance(keys, dict) and isinstance(env.get(walked), dict) and \
                        env[walked].keys() != keys.keys():
                    raise self.error(node.iter, f"the loop adds keys to {walked!r} while "
                                     "walking it, which raises RuntimeError in Python",
                                     f"walk a copy of its keys: for k in list({walked}):")
                return
        assigned = _assigned_names(node.body) - self.tape_names
        # Python leaves a loop variable bound after the loop: it is carried; bound before
        # only by this loop, it holds None until the first iteration (see `name`).
        targets = [name for name in (_target_names(node.target) if walk is not None else [])
                   if name in self.read_outside(node)]
        unbound_before = []
        for name in targets:
            binding = env.get(name)
            if not isinstance(binding, Value) and not (isinstance(binding, Static) and
                                                       isinstance(binding.obj, _NUMBER)):
                env[name] = Static(None)
                unbound_before.append(name)
        assigned |= set(targets)
        carried = [name for name in env if name in assigned and not name.startswith(".")]
        # a list appended to once per iteration ends as long as before plus the trips
        counts = {name: self.list_count(env[name]) for name in carried
                  if walk is not None and _is_list(env[name]) and
                  _appends_once(name, node.body)}
        for name in carried:
            binding = env[name]
            if isinstance(binding, Static):
                env[name] = self.materialize(binding)
            elif isinstance(binding, list):  # a list carried by a loop is a value
                hint = None if name.startswith("<") else name
                env[name] = DynList(self.dynamic(binding, hint), len(binding))
            if isinstance(env[name], DynList) and _length_changes(name, node.body):
                env[name] = DynList(env[name].value)
        likes = [env[name] for name in carried]
        init = [v for like in likes for v in _flatten(like)]

        # (a comprehension's own names, `<list>`, are no names for generated code)
        hints = [None if name.startswith("<") else hint
                 for name, like in zip(carried, likes) for hint in _leaf_hints(name, like)]

        # A carried array is the loop's own when the array it starts from is, and no other
        # name holds that array; the body must then carry on an array of its own.
        owned = [v in self.owned and _holders(v, env) == [hint] for hint, v in zip(hints, init)]

        def fresh_params():
            params = [Value(hint, v.loc, strong_name=hint is not None)
                      for hint, v in zip(hints, init)]
            self.owned.update(p for p, mine in zip(params, owned) if mine)
            scope = dict(env)
            rest = list(params)
            for name, like in zip(carried, likes):
                count = len(_flatten(like))
                scope[name] = self.remade(_unflatten(like, rest[:count]), [(like, env)])
                rest = rest[count:]
            for flag in _FLAGS:  # this loop's own break and continue start unset
                scope[flag] = Static(False)
            return params, scope

        test = None
        if isinstance(node, gast.While):
            test_params, test_env = fresh_params()
            test = loop_region([], test_params)
            with self.b.into(test):
                yield_test(test, self.value(self.expr(node.test, test_env), node.test))
        body_params, body_env = fresh_params()
        iteration = []
        if walk is not None:
            plain = walk.element is None and isinstance(node.target, gast.Name)
            index = Value(node.target.id if plain else "i", self.loc(node.target),
                          strong_name=True)
            iteration.append(index)
        body = loop_region(iteration, body_params)
        with self.b.into(body):
            if walk is not None:
                self.at(node.target)
                element = index if walk.element is None else walk.element(index)
                self.bind(node.target, element, body_env)
                for name in targets:
                    if not isinstance(body_env[name], Value):
                        raise self.error(node.target, f"the loop variable {name!r} would "
                                         "hold a tuple here",
                                         "unpack it in the loop: for a, b in zip(xs, ys):")
            self.lower_stmts(node.body, body_env)
            next_values, next_bindings = [], []
            for name, like in zip(carried, likes):
                binding = body_env[name]
                if isinstance(binding, list) and isinstance(env[name], DynList):
                    binding = DynList(self.dynamic(binding))
                self.require_same_keys(name, like, binding, self.loc(node), "loop")
                if _writes_into(name, node.body) and \
                        not all(self.owns(c, body_env) for c in _containers(binding)):
                    raise self.error(node, f"{name!r} is written into in this loop, then "
                                     "rebound to a container the function did not make or "
                                     "another name holds, which the next iteration would "
                                     "write into", f"rebind {name!r} to a copy: "
                                     f"{name} = {_container_name(binding)}(...)")
                next_bindings.append(binding)
                next_values += [self.materialize(v) for v in _flatten(binding)]
            exit_flag = self.materialize(body_env.get(".break", Static(False)))
        renewed = [not mine and value in self.owned and _holders(value, body_env) == [hint]
                   for mine, value, hint in zip(owned, next_values, hints)]
        for param, mine, value, hint in zip(body_params, owned, next_values, hints):
            if param in self.written and value not in self.owned:
                raise UnsupportedSyntaxError(
                    f"{hint!r} is written into in this loop, then rebound to an array the "
                    "function does not own, which the next iteration would write into",
                    self.loc(node), f"rebind {hint!r} to a copy: {hint} = ....copy()")
        for param, first, fresh in zip(body_params, init, renewed):
            if fresh:
                self.checks_move_to_initial(param, first, env)
        yield_body(body, next_values, exit_flag)
        self.at(node)
        if test is not None:
            loop = WhileLoop.build(self.b, init, test, body)
        else:
            loop = RangeLoop.build(self.b, *walk.bounds, init, body)
        outputs = list(loop.outputs)
        for value, hint, mine, after, first, fresh in zip(outputs, hints, owned,
                                                          next_values, init, renewed):
            value.hint, value.strong_name = hint, hint is not None
            if mine and after in self.owned:
                self.owned.add(value)
            elif fresh:
                self.own_or_initial[value] = self.own_or_initial.get(first, first)
        for name, like, after in zip(carried, likes, next_bindings):
            count = len(_flatten(like))
            env[name] = self.remade(_unflatten(like, outputs[:count]),
                                    [(like, env), (after, body_env)])
            outputs = outputs[count:]
        trips = self.trip_count(walk.bounds) if any(
            c is not None for c in counts.values()) else None
        for name, before in counts.items():
            if before is not None and trips is not None:
                env[name] = replace(env[name], count=self.b.apply("add", before, trips))
        for name in assigned - set(carried):
            env.pop(name, None)
            self.unbound_reason[name] = "it is assigned only inside a loop"
        for name in unbound_before:
            if walk.trips == 0:
                env.pop(name)
                self.unbound_reason[name] = "the loop before it runs no iteration"
            else:
                self.unchecked[env[name]] = name

    def read_outside(self, loop) -> set[str]:
        """The names the function reads outside `loop` (maybe after it)."""
        inside = {id(n) for n in gast.walk(loop)}
        return {n.id for n in gast.walk(self.parsed.node) if isinstance(n, gast.Name) and
                isinstance(n.ctx, gast.Load) and id(n) not in inside}

    def unroll(self, node, items: list, env: dict) -> None:
        """A loop over a tuple or a list of known length: its body lowered once per
        element; after a break that may have fired, the rest runs under `if not break`."""
        saved = {flag: env.pop(flag) for flag in _FLAGS if flag in env}
        env[".break"] = Static(False)
        for item in items:
            def run(scope, item=item):
                scope[".skip"] = Static(False)
                self.at(node.target)
                self.bind(node.target, item, scope)
                self.lower_stmts(node.body, scope)
            broke = env[".break"]
            if broke == Static(True):
                break
            if broke == Static(False):
                run(env)
            else:
                self.branch(self.materialize(broke), lambda scope: None, run, env)
        for flag in _FLAGS:
            env.pop(flag, None)
        env.update(saved)
        if not items:
            for name in _target_names(node.target):
                if name not in env:
                    self.unbound_reason[name] = "the loop before it runs no iteration"

    def iteration(self, node, env: dict):
        """What a ``for`` walks: a Python list of bindings when its elements are known
        while compiling (a tuple, a list of known length, zip and enumerate of them),
        else a `_Walk` over a range of indices."""
        callee = self.expr(node.func, env) if isinstance(node, gast.Call) and \
            isinstance(node.func, gast.Name) else None
        if isinstance(callee, Static) and callee.obj in (range, zip, enumerate, reversed):
            return self.iteration_call(callee.obj, node, env)
        binding = self.contents(self.expr(node, env), node)
        if isinstance(binding, (tuple, list)):
            return list(binding)
        if isinstance(binding, dict):  # its keys, known while compiling
            return [self.key_binding(key) for key in binding]
        self.at(node)
        if isinstance(binding, DynList):
            items = binding.value
            length = self.const(binding.length) if binding.length is not None else \
                self.b.apply("list_len", items)
            return _Walk([self.const(0), length, self.const(1)],
                         lambda i: self.b.apply("list_get", items, i))
        if isinstance(binding, Value) or (isinstance(binding, Static) and
                                          isinstance(binding.obj, np.ndarray)):
            rows = self.value(binding, node)
            return _Walk([self.const(0), self.b.apply("dim", rows, axis=0), self.const(1)],
                         lambda i: self.b.apply("index", rows, i, index=(OPERAND,)))
        raise self.error(node, "a for loop walks range(...), a list, a tuple, an array, "
                         "or zip, enumerate or reversed of them",
                         "loop over indices: `for i in range(len(xs)):`")

    def iteration_call(self, fn, node, env: dict):
        keywords = {k.arg: k.value for k in node.keywords}
        if fn is enumerate and len(node.args) == 2 and not keywords:
            keywords["start"] = node.args[1]
        allowed = {range: (1, 3, ()), zip: (1, None, ()), enumerate: (1, 2, ("start",)),
                   reversed: (1, 1, ())}[fn]
        low, high, names = allowed
        if not low <= len(node.args) <= (high or len(node.args)) or \
                any(k not in names for k in keywords):
            raise self.error(node, f"{fn.__name__}(...) takes "
                             f"{'these arguments' if names else 'positional arguments'} "
                             "here: " + ", ".join(names or ["the sequences"]))
        if fn is range:
            bounds = self.range_args(node, env)
            known = [self.known.get(v) for v in bounds]
            trips = len(range(*known)) if all(isinstance(k, int) for k in known) else None
            return _Walk(bounds, None, trips)
        parts = [self.iteration(arg, env) for arg in node.args[:1 if fn is not zip else None]]
        self.at(node)
        if fn is zip:
            if all(isinstance(part, list) for part in parts):
                return [tuple(items) for items in zip(*parts)]
            walks = [self.counted(part, arg) for part, arg in zip(parts, node.args)]
            length = walks[0].bounds[1]
            for other in walks[1:]:
                length = self.b.apply("minimum", length, other.bounds[1])
            return _Walk([self.const(0), length, self.const(1)],
                         lambda i: tuple(w.element(i) for w in walks))
        part = parts[0]
        if fn is reversed:
            if isinstance(part, list):
                return part[::-1]
            walk = self.counted(part, node.args[0])
            last = self.b.apply("sub", walk.bounds[1], self.const(1))
            return _Walk(walk.bounds, lambda i: walk.element(self.b.apply("sub", last, i)))
        start = self.value(self.expr(keywords["start"], env), keywords["start"]) \
            if "start" in keywords else self.const(0)
        first = self.known.get(start)
        if isinstance(part, list):
            return [(self.const(first + k) if isinstance(first, int) else
                     self.b.apply("add", start, self.const(k)), item)
                    for k, item in enumerate(part)]
        walk = self.counted(part, node.args[0])
        return _Walk(walk.bounds, lambda i: (
            i if first == 0 else self.b.apply("add", i, start), walk.element(i)))

    def counted(self, part, node) -> "_Walk":
        """`part` as a walk from 0 by 1: a range's elements computed from the index, a
        list of known length made a list value."""
        if isinstance(part, list):
            items = self.dynamic(part)
            return _Walk([self.const(0), self.const(len(part)), self.const(1)],
                         lambda i: self.b.apply("list_get", items, i))
        if part.element is not None:
            return part
        start, stop, step = part.bounds
        if self.known.get(start) == 0 and self.known.get(step) == 1:
            return _Walk(part.bounds, lambda i: i)
        length = self.trip_count(part.bounds)
        if length is None:
            raise self.error(node, "a range in zip, enumerate or reversed needs a nonzero "
                             "step known while compiling", "write the step as a number")
        return _Walk([self.const(0), length, self.const(1)],
                     lambda i: self.b.apply("add", start, self.b.apply("mul", i, step)))

    def trip_count(self, bounds: list[Value]) -> Value | None:
        """How many indices ``range(start, stop, step)`` gives, as an int value; None
        where the step is not known while compiling."""
        start, stop, step = bounds
        first, stride = self.known.get(start), self.known.get(step)
        if not isinstance(stride, int) or stride == 0:
            return None
        if first == 0 and stride == 1:
            return self.b.apply("maximum", stop, self.const(0))
        ahead, behind = (stop, start) if stride > 0 else (start, stop)
        span = self.b.apply("add", self.b.apply("sub", ahead, behind),
                            self.const(abs(stride) - 1))
        trips = self.b.apply("floordiv", span, self.const(abs(stride)))
        return self.b.apply("maximum", trips, self.const(0))

    def list_count(self, binding) -> Value | None:
        """The length of a list as an int value (see `DynList.count`), if known."""
        length = _known_length(binding)
        if length is not None:
            return self.const(length)
        return binding.count if isinstance(binding, DynList) else None

    def dynamic(self, binding, hint: str | None = None) -> Value:
        """A list as a value: a list of known elements appended one by one to an empty
        one (named `hint`)."""
        if isinstance(binding, DynList):
            return binding.value
        items = self.b.apply("list_new", hint=hint)
        for item in binding:
            if isinstance(item, (tuple, list, DynList)):
                raise UnsupportedSyntaxError(
                    "a list of tuples or lists is supported only while its length is "
                    "known while compiling", self.b.loc,
                    "keep one list per component: xs.append(a); ys.append(b)")
            items = self.b.apply("list_append", items, self.stored(self.materialize(item)),
                                 hint=hint)
        return items

    def stored(self, value: Value) -> Value:
        """`value`, now also an element of a list the names do not show: an array it is
        stays in the list as it is, so writing into it later would change the list's
        element too (and is checked as writing into a shared array)."""
        self.owned.discard(value)
        self.listed.add(value)
        return value

    def range_args(self, call, env: dict) -> list[Value]:
        args = [self.value(self.expr(arg, env), arg) for arg in call.args]
        self.at(call)
        if len(args) == 1:
            args.insert(0, self.const(0))
        if len(args) == 2:
            args.append(self.const(1))
        return args

    # ---- lists and dicts ----------------------------------------------------------------
    def made(self, container):
        """`container` (a list or dict), registered as one this function made (see
        `made_containers`)."""
        self.made_containers[id(container)] = container
        return container

    def own(self, name_node, env: dict, action: str, kind: str):
        """The list or dict (`kind`) a name holds, which this function made and no other
        name holds: what it may change (append to, pop from, write into). They never
        change in place here: the name is rebound to the changed one."""
        binding = env.get(name_node.id) if isinstance(name_node, gast.Name) else None
        name = getattr(name_node, "id", "this")
        if not (_is_list(binding) if kind == "list" else isinstance(binding, dict)):
            raise self.error(name_node, f"cannot {action} {name!r}: it is not a {kind} "
                             "this function made", "make the list in the function: xs = "
                             "[], then xs.append(v)" if kind == "list" else
                             "make the dict in the function: d = {}, then d['k'] = v")
        if isinstance(binding, (list, dict)) and id(binding) in self.maybe_shared:
            raise self.error(name_node, f"cannot {action} {name!r}: where paths join "
                             f"above (an if, a loop) it may be the same {kind} as another "
                             "name's or the caller's, which would change too",
                             f"copy it first: {name} = {kind}({name})")
        if isinstance(binding, (list, dict)) and id(binding) not in self.made_containers:
            raise self.error(name_node, f"cannot {action} {name!r}: the function did not "
                             f"make this {kind} (an argument), and changing it would "
                             f"change the caller's data",
                             f"copy it first: {name} = {kind}({name})")
        if len(_container_holders(binding, env)) != 1:
            raise self.error(name_node, f"cannot {action} {name!r}: another name holds the "
                             f"same {kind} and would change too",
                             f"copy it first: {name} = {kind}({name})")
        return binding

    def owns(self, container, env: dict) -> bool:
        """Whether this function made the list or dict `container` and one name holds it."""
        return id(container) in self.made_containers and \
            len(_container_holders(container, env)) == 1

    def remade(self, merged, sides: list[tuple[object, dict]]):
        """`merged`, rebuilt from where paths join (an if's branches, a loop's start and
        end) with its lists and dicts registered as made where each path's own
        (`sides`: its binding and its scope) was; else as maybe shared."""
        for found in zip(_containers(merged), *(_containers(like) for like, _ in sides)):
            container, others = found[0], found[1:]
            owned = [self.owns(other, scope) for other, (_, scope) in zip(others, sides)]
            if all(owned):
                self.made(container)
                continue
            self.maybe_shared[id(container)] = container
            # another name holding a path's own may now hold the same as `merged`
            self.maybe_shared.update((id(other), other) for other, mine in zip(others, owned)
                                     if not mine and id(other) in self.made_containers)
        return merged

    def holds_list(self, target, env: dict) -> bool:
        """Whether ``name[index]`` writes into a list."""
        return isinstance(target.value, gast.Name) and _is_list(env.get(target.value.id))

    def list_method(self, call, env: dict):
        """``xs.append(v)`` (None) or ``xs.pop()`` (the last element): xs is rebound."""
        method = call.func.attr
        if method == "append" and (len(call.args) != 1 or call.keywords) or \
                method == "pop" and (call.args or call.keywords):
            raise self.error(call, f".{method}() takes "
                             f"{'one element' if method == 'append' else 'no arguments'} "
                             "here", "append one element at a time; pop the last one")
        target = call.func.value
        items = self.own(target, env, "append to" if method == "append" else "pop from",
                         "list")
        if method == "append":
            item = self.expr(call.args[0], env)
            self.at(call)
            if isinstance(items, list):
                changed, result = self.made(items + [item]), None
            else:
                length = None if items.length is None else items.length + 1
                count = None if items.count is None else \
                    self.b.apply("add", items.count, self.const(1))
                changed = DynList(self.b.apply("list_append", items.value,
                                               self.stored(self.value(item, call.args[0]))),
                                  length, count)
                result = None
        elif isinstance(items, list):
            if not items:
                raise self.error(call, "pop from an empty list",
                                 "append to the list before popping from it")
            changed, result = self.made(items[:-1]), items[-1]
        else:
            self.at(call)
            result = self.b.apply("list_get", items.value, self.const(-1))
            length = None if items.length is None else items.length - 1
            changed = DynList(self.b.apply("list_drop_last", items.value), length)
        self.bind(target, changed, env)
        return result

    def write_list_item(self, target, item, env: dict) -> None:
        """``xs[k] = v``: xs rebound to the list with v at k."""
        items = self.own(target.value, env, "write into", "list")
        binding = self.expr(target.slice, env) if not isinstance(target.slice, gast.Slice) \
            else None
        position = self.known.get(binding) if isinstance(binding, Value) else None
        if binding is None or isinstance(binding, tuple):
            raise self.error(target.slice, "a list is written one element at a time",
                             "write xs[i] = v")
        self.at(target)
        if isinstance(items, list) and isinstance(position, int):
            if not -len(items) <= position < len(items):
                raise self.error(target.slice, f"index {position} is out of range for a "
                                 f"list of {len(items)} elements",
                                 f"index it from {-len(items)} to {len(items) - 1}")
            changed = list(items)
            changed[position] = item
            self.bind(target.value, self.made(changed), env)
            return
        value = self.dynamic(items)
        updated = self.b.apply("list_set", value, self.stored(self.value(item, target)),
                               self.value(binding, target.slice))
        self.bind(target.value, DynList(updated, _known_length(items)), env)

    def list_item(self, items, node, env: dict):
        """``xs[i]`` on a list; ``xs[1:]`` of a list of known length, a new list."""
        if isinstance(node.slice, gast.Slice) and isinstance(items, list):
            return self.made(items[self.known_slice(node.slice, env)])
        if isinstance(node.slice, (gast.Slice, gast.Tuple)):
            raise self.error(node.slice, "a list whose length is known only when the code "
                             "runs is indexed one element at a time",
                             "make an array to slice it: np.array(xs)[1:]")
        binding = self.expr(node.slice, env)
        position = self.known.get(binding) if isinstance(binding, Value) else None
        if isinstance(items, list) and isinstance(position, int):
            if not -len(items) <= position < len(items):
                raise self.error(node.slice, f"index {position} is out of range for a "
                                 f"list of {len(items)} elements",
                                 f"index it from {-len(items)} to {len(items) - 1}")
            return items[position]
        index = self.value(binding, node.slice)
        value = self.dynamic(items)
        self.at(node)
        return self.b.apply("list_get", value, index)

    def known_slice(self, node, env: dict) -> slice:
        """``start:stop:step`` of a list or tuple, its bounds known while compiling."""
        bounds = []
        for bound in (node.lower, node.upper, node.step):
            value = None if bound is None else self.known.get(self.expr(bound, env))
            if bound is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise self.error(bound, "a list or a tuple is sliced by bounds known while "
                                 "compiling", "slice by constants or len(xs): xs[1:], "
                                 "xs[:len(xs) - 1]; for a bound known at run time, filter: "
                                 "sum(v for k, v in enumerate(xs) if k < n)")
            bounds.append(value)
        if bounds[2] == 0:
            raise self.error(node.step, "a slice step cannot be zero")
        return slice(*bounds)

    def comprehension(self, node, env: dict, accumulator: str, start, add) -> object:
        """A comprehension lowered as the loops it stands for, in a scope of its own (its
        variables do not leak): `accumulator` starts as `start`, and ``add(element)``
        gives the statement that adds an element to it. Returns its final binding."""
        if any(generator.is_async for generator in node.generators):
            raise self.error(node, "async comprehensions are not supported")
        scope = dict(env)
        scope[accumulator] = start
        element = gast.copy_location(gast.Tuple([node.key, node.value], gast.Load()),
                                     node.key) if isinstance(node, gast.DictComp) else node.elt
        body = [gast.copy_location(add(element), element)]
        for generator in reversed(node.generators):
            for condition in reversed(generator.ifs):
                body = [gast.copy_location(gast.If(condition, body, []), condition)]
            body = [gast.copy_location(gast.For(generator.target, generator.iter, body, [],
                                                None), generator.iter)]
        self.stmt(body[0], scope)
        return scope[accumulator]

    def list_comprehension(self, node, env: dict):
        name = "<list>"

        def append(element):
            receiver = gast.Attribute(gast.Name(name, gast.Load(), None, None), "append",
                                      gast.Load())
            return gast.Expr(gast.Call(receiver, [element], []))
        return self.comprehension(node, env, name, self.made([]), append)

    def repeated(self, left, right, node, env: dict):
        """``[v] * n``: the list's elements n times, n an int; a tuple's, n known while
        compiling."""
        items, times = (left, right) if isinstance(left, (list, tuple, DynList)) else \
            (right, left)
        count = times.obj if isinstance(times, Static) else self.known.get(times) \
            if isinstance(times, Value) else None
        if isinstance(items, list) and isinstance(count, int):
            return self.made(items * count)
        if isinstance(items, tuple):
            if not isinstance(count, int):
                raise self.error(node, "a tuple is repeated by an int known while "
                                 "compiling: (a, b) * 2",
                                 "repeat a list by a run-time int: [v] * len(x); for "
                                 "NumPy's product, make an array: np.array(p) * x")
            return items * count
        if not isinstance(times, Value):
            raise self.error(node, "a list is repeated by an int: [v] * n",
                             "repeat it by a number: [0.0] * len(x)")
        # `[e for _ in range(n) for e in items]`
        scope = dict(env, **{"<items>": items, "<times>": times})
        name = lambda n, ctx=gast.Load(): gast.copy_location(gast.Name(n, ctx, None, None),
                                                              node)
        count_up = gast.Call(name("range"), [name("<times>")], [])
        scope["range"] = Static(range)
        loop = gast.ListComp(name("<element>"), [
            gast.comprehension(name("<k>", gast.Store()), count_up, [], 0),
            gast.comprehension(name("<element>", gast.Store()), name("<items>"), [], 0)])
        return self.list_comprehension(gast.copy_location(loop, node), scope)

    def joined(self, left, right, node):
        """``xs + ys``: Python's concatenation of two lists, or of two tuples."""
        if type(left) is not type(right) or isinstance(left, DynList):
            raise self.error(node, "+ joins two lists, or two tuples, whose lengths are "
                             "known while compiling", "for the sum of their elements, add "
                             "arrays: np.array(xs) + np.array(ys); to join lists, append: "
                             "for v in ys: xs.append(v)")
        return self.made(left + right) if isinstance(left, list) else left + right

    def builtin_sum(self, node, env: dict):
        """``sum(xs)``, ``sum(f(v) for v in xs)``: Python's sum, from 0 (or `start`)."""
        if not 1 <= len(node.args) <= 2 or any(k.arg != "start" for k in node.keywords):
            raise self.error(node, "sum takes what it adds up, and optionally start=",
                             "sum(xs) or sum(v * v for v in xs)")
        start_node = node.args[1] if len(node.args) == 2 else \
            next((k.value for k in node.keywords), None)
        start = self.expr(start_node, env) if start_node is not None else self.const(0)
        name = "<sum>"

        def accumulate(element):
            total = gast.BinOp(gast.Name(name, gast.Load(), None, None), gast.Add(), element)
            return gast.Assign([gast.Name(name, gast.Store(), None, None)], total, None)
        argument = node.args[0]
        if isinstance(argument, gast.GeneratorExp):
            return self.comprehension(argument, env, name, start, accumulate)
        # `sum(xs)` adds up what `for v in xs` walks
        walked = gast.Name("<summed>", gast.Load(), None, None)
        loop = gast.GeneratorExp(gast.copy_location(walked, argument), [gast.comprehension(
            gast.Name("<summed>", gast.Store(), None, None), argument, [], 0)])
        return self.comprehension(gast.copy_location(loop, node), env, name, start,
                                  accumulate)

    def builtin_list(self, node, env: dict):
        """``list(xs)``: a copy of a list or tuple, a dict's keys, or the list a generator
        makes."""
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, "list(...) takes one list, tuple or generator here")
        argument = node.args[0]
        if isinstance(argument, gast.GeneratorExp):
            return self.list_comprehension(argument, env)
        binding = self.expr(argument, env)
        if isinstance(binding, (list, tuple)):
            return self.made(list(binding))
        if isinstance(binding, dict):  # its keys
            return self.made(list(map(self.key_binding, binding)))
        if isinstance(binding, DynList):
            return replace(binding)
        if isinstance(binding, Value):  # the rows of an array
            self.at(node)
            return DynList(self.b.apply("list_unstack", binding, axis=0),
                           count=self.b.apply("dim", binding, axis=0))
        raise self.error(argument, "list(...) copies a list, a tuple or the rows of an "
                         "array here", "for the rows of an array, write list(x)")

    def builtin_extremum(self, fn, node, env: dict) -> Value:
        """``max(xs)`` of a list, a tuple or the elements of an array (what iterating it
        gives), and ``max(a, b, c)``: np.max along the first axis of the array they make.
        At a tie, each of the k tied elements gets 1/k of the derivative: of two, half
        each, as ``max(a, b)`` (np.maximum) gives."""
        name = fn.__name__
        if node.keywords:
            keyword = node.keywords[0]
            raise self.error(keyword.value, f"{name}(..., {keyword.arg}=) is not supported",
                             f"choose by index: xs[int(np.arg{name}(np.array([f(v) for v in "
                             f"xs])))]; for a default, test the length first: {name}(xs) if "
                             "len(xs) > 0 else d")
        if not node.args:
            raise self.error(node, f"{name}() needs what it chooses from",
                             f"{name}(xs) or {name}(a, b)")
        if len(node.args) == 1:
            elements, where = self.expr(node.args[0], env), node.args[0]
        else:
            elements, where = tuple(self.expr(arg, env) for arg in node.args), node
        if _known_length(elements) == 0:
            raise self.error(where, f"{name}() of an empty sequence",
                             f"give a default: {name}(xs) if len(xs) > 0 else 0.0")
        array = self.array_like(elements, where, name)
        self.at(node)
        return self.new_array(self.b.apply("max" if fn is max else "min", array, axis=0,
                                           keepdims=False))

    def builtin_tuple(self, node, env: dict) -> tuple:
        """``tuple(xs)`` of a list or tuple of known length."""
        if len(node.args) != 1 or node.keywords:
            raise self.error(node, "tuple(...) takes one list or tuple here")
        argument = node.args[0]
        binding = self.list_comprehension(argument, env) \
            if isinstance(argument, gast.GeneratorExp) else self.expr(argument, env)
        if isinstance(binding, DynList) and binding.length is not None:
            self.at(node)
            return tuple(self.b.apply("list_get", binding.value, self.const(k))
                         for k in range(binding.length))
        if isinstance(binding, (list, tuple)):
            return tuple(binding)
        raise self.error(node.args[0], "tuple(...) takes a list or tuple whose length is "
                         "known while compiling", "write the tuple out: (xs[0], xs[1])")

    def length(self, binding, node):
        """``len(xs)`` of a list, tuple or dict."""
        if isinstance(binding, DynList):
            if binding.length is not None:
                return self.const(binding.length)
            self.at(node)
            return self.b.apply("list_len", binding.value)
        return self.const(len(binding))

    def is_tape(self, binding) -> bool:
        return isinstance(binding, Value) and binding in self.tapes

    def tape(self, node, env: dict) -> Value:
        found = env.get(node.id) if isinstance(node, gast.Name) else None
        if not self.is_tape(found):
            raise self.error(node, "only tapes made with `name = []` can be pushed to and "
                             "popped from", "build a new value instead of mutating one")
        return found

    # ---- expressions ----------------------------------------------------------------
    def materialize(self, binding) -> Value:
        """A Value for a binding: numbers known at compile time become constants."""
        if isinstance(binding, Value):
            return binding
        if isinstance(binding, ShapeOf):
            raise UnsupportedSyntaxError(
                "the shape of an array is usable here only through its elements",
                self.b.loc, "read one axis, x.shape[0], or unpack it: n, m = x.shape")
        if isinstance(binding, DtypeOf):
            raise UnsupportedSyntaxError(
                "a dtype is not a number or an array, so it cannot be a value here",
                self.b.loc, "use it as a parameter (np.zeros(n, dtype=x.dtype), "
                "y.astype(x.dtype)) or compare it (x.dtype == np.float32)")
        if isinstance(binding, Static) and (isinstance(binding.obj, _NUMBER) or
                                            binding.obj is None or
                                            isinstance(binding.obj, np.ndarray)):
            return self.const(binding.obj)
        if isinstance(binding, Local) or isinstance(binding, Static) and callable(binding.obj):
            raise UnsupportedSyntaxError(
                f"{_describe(binding)} cannot be used as a number here, nor kept in a list "
                "made in a loop", self.b.loc, "call it where it is used, or keep functions "
                "in a tuple written out and walk it: for h in (f, g): total = total + h(x)")
        if _is_string(binding):
            raise UnsupportedSyntaxError(
                f"the string {binding.obj!r} cannot be used as a number here", self.b.loc,
                "a string (an argument, a constant) is known while compiling: compare it "
                "(if mode == 'fast':) or pass it to a helper; pass numbers as numbers "
                "(float('1.5') outside the function)")
        raise UnsupportedSyntaxError(
            f"{_describe(binding)} cannot be used as a number here", self.b.loc,
            "use numbers, tuples of numbers, or NumPy arrays")

    def operand_tree(self, binding, node):
        """A binding as a transform's argument: a Value, or a container of Values (None
        where it holds None, as in the caller's pytrees)."""
        leaves, tree = _flatten_tree(binding)
        return unflatten(tree, [None if leaf == Static(None) else self.value(leaf, node)
                                for leaf in leaves])

    def value(self, binding, node) -> Value:
        self.at(node)
        if _is_list(binding):
            raise self.error(node, "a list cannot be used as a number or an array here",
                             "read an element, xs[i], add them up, sum(xs), or make an "
                             "array: np.array(xs)")
        if isinstance(binding, (tuple, dict)):
            raise self.error(node, f"a {_container_name(binding)} cannot be used as a number "
                             "here", "take one element out of it: p[0], p['w'] or p.w")
        return self.materialize(binding)

    def expr(self, node, env: dict):
        self.at(node)
        if isinstance(node, gast.Constant):
            if isinstance(node.value, bytes):
                raise self.error(node, "bytes are not supported in compiled code")
            if isinstance(node.value, str):  # a dict's key or a mode, known while compiling
                return Static(node.value)
            return self.const(node.value)
        if isinstance(node, gast.Name):
            return self.name(node, env)
        if isinstance(node, gast.Tuple):
            return tuple(self.written_elements(node.elts, env))
        if isinstance(node, gast.Dict):
            return self.dict_literal(node, env)
        if isinstance(node, gast.DictComp):
            return self.dict_comprehension(node, env)
        if isinstance(node, gast.List):
            return self.made(self.written_elements(node.elts, env))
        if isinstance(node, gast.ListComp):
            return self.list_comprehension(node, env)
        if isinstance(node, gast.GeneratorExp):
            raise self.error(node, "a generator expression is supported as what sum(...) "
                             "or list(...) takes",
                             "write a list comprehension: [v * v for v in xs]")
        if isinstance(node, gast.BinOp):
            prim = _BINARY.get(type(node.op))
            if prim is None:
                raise self.error(node, f"the operator {type(node.op).__name__} is not "
                                 "supported", "use arithmetic operators: + - * / ** // % @")
            left, right = self.expr(node.left, env), self.expr(node.right, env)
            if prim == "mul" and any(isinstance(side, (list, tuple, DynList))
                                     for side in (left, right)):
                return self.repeated(left, right, node, env)
            if isinstance(left, (list, tuple, DynList)) and prim == "add":
                return self.joined(left, right, node)
            left, right = self.value(left, node.left), self.value(right, node.right)
            self.at(node)
            folded = self.folded(_PYTHON_OPERATORS.get(prim), left, right)
            if folded is not None:
                return folded
            return self.new_array(self.b.apply(prim, left, right))
        if isinstance(node, gast.UnaryOp):
            operand = self.value(self.expr(node.operand, env), node.operand)
            self.at(node)
            if isinstance(node.op, gast.USub):
                negated = self.new_array(self.b.apply("neg", operand))
                if operand in self.known:  # `ax = -1` can still be an axis= parameter
                    self.known[negated] = -self.known[operand]
                return negated
            if isinstance(node.op, gast.UAdd):
                return operand
            if isinstance(node.op, gast.Not):
                return self.b.apply("not", operand)
            raise self.error(node, "bitwise inversion (~) is not supported")
        if isinstance(node, gast.BoolOp):
            return self.bool_op(node, list(node.values), env)
        if isinstance(node, gast.Compare):
            return self.compare(node, env)
        if isinstance(node, gast.IfExp):
            pred = self.value(self.expr(node.test, env), node.test)
            if isinstance(self.known.get(pred), bool):  # only the branch that runs
                return self.expr(node.body if self.known[pred] else node.orelse, env)
            scope = dict(env)
            self.branch(pred, lambda e: e.__setitem__(".value", self.expr(node.body, e)),
                        lambda e: e.__setitem__(".value", self.expr(node.orelse, e)), scope)
            return scope[".value"]
        if isinstance(node, gast.Call):
            if _list_method_call(node) is not None and \
                    _is_list(env.get(node.func.value.id)):
                if node.func.attr == "append":
                    raise self.error(node, "xs.append(v) gives None: use it as a statement",
                                     "write xs.append(v) on a line of its own")
                return self.list_method(node, env)
            if isinstance(node.func, gast.Attribute) and node.func.attr == "pop" and \
                    not node.args and isinstance(node.func.value, gast.Name):
                tape = self.tape(node.func.value, env)
                popped = self.b.emit("pop", [tape]).output
                return DynList(popped) if tape in self.list_tapes else popped
            return self.call(node, env)
        if isinstance(node, gast.Attribute):
            return self.attribute(self.expr(node.value, env), node)
        if isinstance(node, gast.Lambda):
            return self.local_function(node, env)
        if isinstance(node, gast.Starred):
            raise self.error(node, "a starred expression is supported in a call's arguments "
                             "(f(*args)), a tuple or a list written out ((a, *xs)) or an "
                             "assignment target (a, *rest = xs)",
                             "write the elements out: (a, *xs), or xs + [v]")
        if isinstance(node, gast.Subscript):
            return self.subscript(node, env)
        raise self.error(node, f"{type(node).__name__} expressions are not supported")

    def subscript(self, node, env: dict):
        base = self.expr(node.value, env)
        index = node.slice
        if isinstance(base, dict):
            return self.dict_item(base, index, env)
        if _is_list(base):
            return self.list_item(base, node, env)
        if isinstance(base, tuple) and isinstance(index, gast.Slice):
            return base[self.known_slice(index, env)]
        if isinstance(base, (tuple, ShapeOf)):
            position = self.known.get(self.expr(index, env)) \
                if not isinstance(index, (gast.Slice, gast.Tuple)) else None
            if not isinstance(position, int) or isinstance(position, bool):
                raise self.error(index, "a tuple is indexed only by a constant integer here",
                                 "unpack the tuple: `a, b = pair`")
            if isinstance(base, ShapeOf):
                self.at(node)
                return self.b.apply("dim", base.array, axis=position)
            if not -len(base) <= position < len(base):
                raise self.error(index, f"index {position} is out of range for a "
                                 f"{_container_name(base)} of {len(base)} values")
            return base[position]
        if isinstance(base, Static) and isinstance(base.obj, (dict, list, tuple)):
            return self.outside_item(base.obj, node, env)
        array = self.value(base, node.value)
        entries, operands = self.index(index, env, array, node)
        self.at(node)
        return self.new_array(self.b.apply("index", array, *operands, index=entries))

    def constant_key(self, index, env: dict):
        """The key or index `index` stands for, where known while compiling, else None."""
        if isinstance(index, gast.Constant):
            return index.value
        if isinstance(index, (gast.Slice, gast.Tuple)):
            return None
        binding = self.expr(index, env)
        return binding.obj if isinstance(binding, Static) else \
            self.known.get(binding) if isinstance(binding, Value) else None

    def dict_item(self, base: dict, index, env: dict):
        """``p["w"]``: the key must be known while compiling."""
        key = self.dict_key(index, env)
        if key not in base:
            keys = ", ".join(map(repr, base)) or "none"
            raise self.error(index, f"the dict has no key {key!r} (its keys: {keys})",
                             f"read one of its keys, or p.get({key!r}, default)")
        return base[key]

    def outside_item(self, container, node, env: dict):
        """``CONFIG["lr"]``, ``self.sizes[0]``: an item of a dict, list or tuple read from
        outside, by a key known while compiling, read again at every call."""
        key = self.constant_key(node.slice, env)
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise self.error(node.slice, f"a {type(container).__name__} read from outside is "
                             "indexed here only by a key or index known while compiling",
                             "write the key, CONFIG['lr'], or pass the value in as an argument")
        self.at(node)
        return self.outside_element(container, key, _read_owner(node.value), node)

    def outside_element(self, container, key, owner: str, node):
        """``container[key]`` of a container read from outside, read at each call, named
        after the name it is read under (``CONFIG_lr``, ``layers_0``)."""
        name = f"{owner}_{key}" if isinstance(key, int) or key.isidentifier() else owner
        return self.read(Read(container, "item", key, name), node)

    def outside_length(self, sequence, node) -> int:
        """The length of a list or tuple read from outside, known while compiling: the
        code is compiled again when it changes (a list appended to between calls)."""
        read = Read(sequence, "len", None, f"len({_read_owner(node)})")
        self.reads.guards[read] = read.fetch(self.reads.root)
        return self.reads.guards[read]

    def contents(self, binding, node):
        """A list, tuple or dict read from outside as the container of its items, each
        read at every call (``for k, v in CONFIG.items()``, ``len(self.layers)``): its
        length, or its keys, are known while compiling, and the code is compiled again
        when they change. It stays the caller's: this function cannot change it. Any
        other binding as it is."""
        if not isinstance(binding, Static) or not isinstance(binding.obj, (list, tuple,
                                                                              dict)):
            return binding
        container, owner = binding.obj, _read_owner(node)
        if isinstance(container, dict):
            read = Read(container, "keys", None, f"{owner}.keys()")
            keys = self.reads.guards[read] = read.fetch(self.reads.root)
            if not all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in keys):
                raise self.error(node, "a dict read from outside is walked here only when "
                                 "its keys are strings or ints",
                                 "read its items by their keys: CONFIG['lr']")
            return {k: self.outside_element(container, k, owner, node) for k in keys}
        items = [self.outside_element(container, k, owner, node)
                 for k in range(self.outside_length(container, node))]
        return items if isinstance(container, list) else tuple(items)

    def dict_key(self, node, env: dict):
        """A dict's key: a string or a number known while compiling (written out, a
        name bound to one, or the key of a walk over a dict's keys)."""
        key = self.constant_key(node, env)
        if not isinstance(key, (str, int, float)):
            raise self.error(node, "a dict's key must be a string or a number known while "
                             "compiling, so that its keys are known",
                             "write the key, p['w'], or walk its keys: for k in p: p[k]; "
                             "for a key computed at run time use a list or an array")
        return key

    def key_binding(self, key):
        """A dict's key as a binding: a string stays known; a number is a constant."""
        return Static(key) if isinstance(key, str) else self.const(key)

    def written_elements(self, written: list, env: dict) -> list:
        """The bindings of a tuple or list written out, each ``*xs`` (a tuple or list of
        known length, or one read from outside) spliced in."""
        found = []
        for element in written:
            if not isinstance(element, gast.Starred):
                found.append(self.expr(element, env))
                continue
            spliced = self.contents(self.expr(element.value, env), element.value)
            if not isinstance(spliced, (tuple, list)):
                self.spread_length(spliced, element)  # raises, saying what it is
            found += spliced
        return found

    def dict_literal(self, node, env: dict) -> dict:
        """``{"w": w, "b": b}``, ``{**p, "b": b}``: a dict of bindings, its keys known
        while compiling."""
        made = {}
        for key, value in zip(node.keys, node.values):
            if key is None:
                made.update(self.expr_dict(value, env, "**-unpacking"))
            else:
                made[self.dict_key(key, env)] = self.expr(value, env)
        return self.made(made)

    def expr_dict(self, node, env: dict, taker: str) -> dict:
        binding = self.expr(node, env)
        if not isinstance(binding, dict):
            raise self.error(node, f"{taker} takes a dict here",
                             "write each entry out: {'w': w, 'b': b}")
        return binding

    def dict_comprehension(self, node, env: dict) -> dict:
        """``{k: f(v) for k, v in p.items()}``: a loop that sets one key per element; the
        keys must be known while compiling (a walk over a dict or a tuple)."""
        name = "<dict>"

        def set_item(element):
            key, value = element.elts
            target = gast.Subscript(gast.Name(name, gast.Load(), None, None), key,
                                    gast.Store())
            return gast.Assign([gast.copy_location(target, key)], value, None)
        return self.comprehension(node, env, name, self.made({}), set_item)

    def write_dict_item(self, target, item, env: dict) -> None:
        """``d[k] = v``: d rebound to the dict with v at k (a new key goes last)."""
        if not isinstance(target.value, gast.Name):
            raise self.error(target, "writing into an item of what a dict holds is not "
                             "supported", "take it out, change it and put it back: "
                             "w = dict(q['w']); w['a'] = v; q['w'] = w")
        base = self.own(target.value, env, "write into", "dict")
        key = self.dict_key(target.slice, env)
        self.bind(target.value, self.made({**base, key: item}), env)

    def holds_dict(self, target, env: dict) -> bool:
        """Whether ``name[key] = v`` (or ``name[key][...] = v``) writes into a dict."""
        root = target.value
        while isinstance(root, gast.Subscript):
            root = root.value
        return isinstance(root, gast.Name) and isinstance(env.get(root.id), dict)

    def dict_method(self, base: dict, node, env: dict):
        """``p.items()``, ``.keys()``, ``.values()``, ``.get(k[, default])``, ``.copy()``:
        the keys are known, so each gives bindings known while compiling."""
        method, args = node.func.attr, node.args
        arity = {"items": (0, 0), "keys": (0, 0), "values": (0, 0), "copy": (0, 0),
                 "get": (1, 2)}.get(method)
        if arity is None:
            raise self.error(node.func, f"the dict method .{method}() is not supported",
                             "use d[k], d[k] = v, .get(k, default), .items(), .keys(), "
                             ".values(), dict(d), or {**d, 'k': v}")
        if not arity[0] <= len(args) <= arity[1] or node.keywords:
            takes = "a key and maybe a default" if method == "get" else "no arguments"
            raise self.error(node, f".{method}() takes {takes} here",
                             "write d.get('k', 0.0)" if method == "get" else
                             f"write d.{method}()")
        if method == "keys":
            return tuple(map(self.key_binding, base))
        if method == "values":
            return tuple(base.values())
        if method == "items":
            return tuple((self.key_binding(k), v) for k, v in base.items())
        if method == "copy":
            return self.made(dict(base))
        key = self.dict_key(args[0], env)
        if key in base:
            return base[key]
        return self.expr(args[1], env) if len(args) == 2 else Static(None)

    def builtin_dict(self, node, env: dict) -> dict:
        """``dict(p)``, ``dict(p, k=v)``, ``dict(w=w, b=b)``: a new dict."""
        if len(node.args) > 1:
            raise self.error(node, "dict(...) takes one dict and keywords here",
                             "write dict(p), dict(p, k=v) or {**p, 'k': v}")
        made = dict(self.expr_dict(node.args[0], env, "dict(...)")) if node.args else {}
        for keyword in node.keywords:
            if keyword.arg is None:
                made.update(self.expr_dict(keyword.value, env, "**-unpacking"))
            else:
                made[keyword.arg] = self.expr(keyword.value, env)
        return self.made(made)

    def index(self, node, env: dict, array: Value, subscript) -> tuple[tuple, list[Value]]:
        """The ``index`` parameter of `subscript`'s index `node` into `array`, and its
        run-time operands (then the values of its deferred slice bounds)."""
        entries, operands, deferred = [], [], []
        elements = node.elts if isinstance(node, gast.Tuple) else [node]
        for k, element in enumerate(elements):
            window = self.window(element, env, array, _axis_of(elements, k), subscript,
                                 deferred) if isinstance(element, gast.Slice) else None
            if window is not None:
                entries.append(window[0])
                operands.append(window[1])
            else:
                entries.extend(self.index_entries(element, env, operands, deferred))
        return tuple(entries), operands + deferred

    def write_item(self, target, value: Value, mode: str, env: dict,
                   index_node=None) -> None:
        """``name[index] = value`` (or, with mode "add", ``np.add.at``): the name is
        rebound to the updated array, which must be one this call made and no other
        name holds, so that the update changes nothing else."""
        name_node = target.value if isinstance(target, gast.Subscript) else target
        array = env.get(name_node.id) if isinstance(name_node, gast.Name) else None
        if not self.made_here(array, env) or len(_holders(array, env)) != 1:
            raise self.error(target, "writing into an element or slice is supported only "
                             "for an array this function made (x.copy(), np.zeros_like(x), "
                             "arithmetic, NumPy's functions) that no other name holds: "
                             f"{self.why_not_writable(name_node, array, env)}",
                             "write into a copy: y = x.copy(), then y[i] = v")
        self.at(target)
        self.require_no_views(name_node.id, array, env, f"writing into {name_node.id}")
        entries, operands = self.index(target.slice if index_node is None else index_node,
                                       env, array, target)
        self.at(target)
        updated = self.b.apply("index_update", array, value, *operands, index=entries,
                               mode=mode)
        self.written.add(array)
        self.owned.add(updated)
        self.bind(name_node, updated, env)

    def require_rebinding(self, node, current: Value, env: dict) -> None:
        """``name op= a`` is lowered as ``name = name op a``, which is what Python does
        unless `current` is an array another name may see: NumPy's in-place update
        changes it for them too. Where the function made the array and name alone holds
        it, both agree; otherwise type inference checks it is not an array."""
        name, symbol = node.target.id, _AUGMENTED[type(node.op)]
        alone = _holders(current, env) == [name]
        checked = self.own_or_initial.get(current, current) if alone else current
        if alone and self.made_here(current, env):
            self.require_no_views(name, current, env, f"`{name} {symbol}= ...`")
            return
        if checked.type is not None and checked.type.weak:  # a Python number
            return
        op = self.b.emit(NOT_ARRAY, [checked], self.rebinding_message(
            name, symbol, checked, env), n_out=0)
        if alone:
            self.rebinding_checks.setdefault(checked, []).append((op, name, symbol))

    def rebinding_message(self, name: str, symbol: str, value: Value, env: dict) -> dict:
        statement = f"`{name} {symbol}= ...`"
        others = [holder for holder in _holders(value, env) if holder != name]
        argument = value.hint if value in self.parameters else None
        # a name holding the array itself can be copied from; one holding a container
        # of it cannot
        source = next((other for other in others if env[other] is value), name)
        if argument is not None:
            message = f"{statement} would change the caller's array {argument}"
        elif others and source == name:
            message = f"{statement} would change the element of {others[0]} that {name} is"
        elif others:
            message = f"{statement} would write into the array {name} shares with {source}"
        elif value in self.views:
            op = self.views[value]
            base = self.viewed(value).hint
            message = f"{statement} would write into " + (
                f"{base}, of which {name} may be a view" if base else
                f"the array {name} may be a view of") + f" (made by {op.prim})"
        elif value in self.listed:
            message = f"{statement} would change the list element {name} was stored as"
        else:
            message = (f"{statement} would write into an array this function did not make "
                       f"(an argument, a value read from outside, or a view of one)")
        return {"message": f"{message} (NumPy's {symbol}= on an array changes it in place)",
                "hint": f"write `{name} = {name} {symbol} ...` for a new array, or "
                        f"`{name} = {source}.copy()` first"}

    def checks_move_to_initial(self, carried: Value, initial: Value, env: dict) -> None:
        """The checks of `carried`, a loop's value which after the first iteration is the
        loop's own new array, now check the value the loop starts from, named in `env`."""
        for op, name, symbol in self.rebinding_checks.pop(carried, []):
            op.inputs = [initial]
            op.params = self.rebinding_message(name, symbol, initial, env)
            self.rebinding_checks.setdefault(initial, []).append((op, name, symbol))

    def require_no_views(self, name: str, array: Value, env: dict, statement: str) -> None:
        """Check, once types are known, that no other name holds a view of `array`, which
        NumPy's in-place update would change too: ``v = out[1:]`` does, ``v = out[i]`` of
        a vector (a number) does not, and which one it is depends on out's rank."""
        for viewer in self.viewers(array, env):
            self.b.emit(NOT_ARRAY, [env[viewer]], {
                "message": f"{statement} would change {viewer}, which may be a view of "
                           f"{name} sharing its memory (NumPy changes it in place)",
                "hint": f"add .copy() where {viewer} is made, as in "
                        f"{viewer} = {name}[1:].copy()"}, n_out=0)

    def viewers(self, array: Value, env: dict) -> list[str]:
        """The names holding a view of `array` (``v = out[1:]``), which NumPy's in-place
        update of `array` would change too."""
        def views_it(value) -> bool:
            while value in self.views:
                value = self.viewed(value)
                if value is array:
                    return True
            return False
        return [name for name, binding in env.items() if isinstance(binding, Value) and
                binding is not array and views_it(binding)]

    def made_here(self, array, env: dict) -> bool:
        """Whether `array` is one this function made, or a view of one that nothing else
        sees (``v = np.roll(z, 1)[::2]``: no name holds the rolled array, nor another view
        of it), so that writing into it changes nothing another name reads."""
        if array in self.owned:
            return True
        if array not in self.views:
            return False
        base = self.viewed(array)
        through_array = set(self.viewers(array, env)) | set(_holders(array, env))
        return not _holders(base, env) and base not in self.listed and \
            set(self.viewers(base, env)) <= through_array and self.made_here(base, env)

    def viewed(self, view: Value) -> Value:
        """The array `view` may be a view of (through the cast to NumPy's arrays its op
        made of it)."""
        base = self.views[view].inputs[0]
        return self.cast_from.get(base, base)

    def why_not_writable(self, name_node, array, env: dict) -> str:
        name = name_node.id if isinstance(name_node, gast.Name) else None
        others = [holder for holder in _holders(array, env) if holder != name]
        if array in self.views:
            op = self.views[array]
            base = repr(self.viewed(array).hint) if self.viewed(array).hint else \
                "another array"
            return (f"{name!r} may be a view of {base} (made by {op.prim}), sharing its "
                    f"memory as x.T and x[1:] share x's: writing into it would change "
                    f"{base} too")
        if others:
            return (f"{name!r} is also held by {others[0]!r}: writing into it would change "
                    f"{others[0]!r} too")
        if array in self.listed:
            return (f"{name!r} is stored in a list too: writing into it would change the "
                    "list's element")
        if isinstance(array, Value) and array in self.b.region.params or \
                name in self.parsed.node.args.args:
            return f"{name!r} is an argument: writing into it would change the caller's array"
        return (f"{name!r} is an argument, a value read from outside, or an array that may "
                "be a view of another: writing into it could change another value")

    def add_at(self, call, env: dict) -> None:
        """``np.add.at(y, np.s_[index], v)``: v added at the index, once per repeat."""
        where = call.args[1] if len(call.args) == 3 and not call.keywords else None
        if self.expr(call.func.value, env) != Static(np.add) or not (
                isinstance(where, gast.Subscript) and
                self.expr(where.value, env) == Static(np.s_)):
            raise self.error(call, "np.add.at is supported as np.add.at(y, np.s_[index], v)")
        value = self.value(self.expr(call.args[2], env), call.args[2])
        self.write_item(call.args[0], value, "add", env, where.slice)

    def index_entries(self, node, env: dict, operands: list, deferred: list) -> list:
        """The entries of the ``index`` parameter one element of a subscript gives: one,
        or one per axis of a constant boolean mask. A run-time index appends its value to
        `operands` and is entered as `OPERAND`; a slice bound known only from types
        (``len(x) - 1``) appends its value to `deferred`."""
        if isinstance(node, gast.Slice):
            return [Slice(*(None if bound is None else self.index_bound(bound, env, deferred)
                            for bound in (node.lower, node.upper, node.step)))]
        if isinstance(node, gast.Constant) and (node.value is None or node.value is Ellipsis):
            return [node.value]
        if isinstance(node, gast.List):
            return _constant_array_entries(np.array(self.index_list(node, env)))
        binding = self.expr(node, env)
        known = binding.obj if isinstance(binding, Static) else self.known.get(binding, binding)
        if isinstance(known, np.ndarray) and known.dtype.kind in "biu":
            return _constant_array_entries(known)
        if isinstance(known, (int, np.integer)) and not isinstance(known, (bool, np.bool_)):
            return [int(known)]
        operands.append(self.value(binding, node))
        return [OPERAND]

    def window(self, node, env: dict, array: Value, axis: int | None, subscript,
               deferred: list) -> tuple[Window, Value] | None:
        """``x[e + a:e + b]`` with `e` known only at run time and a, b while compiling: a
        `Window` of length b - a and its start, checked against the axis (``check_window``)
        since NumPy would shorten the slice there. None for another slice."""
        offsets = _common_base(node.lower, node.upper) if axis is not None else None
        step = 1 if node.step is None else self.known_int(self.read_constant(node.step, env))
        if offsets is None or step is None or step < 1:
            return None
        binding = self.read_constant(node.lower, env)
        if not isinstance(binding, Value) or self.known_int(binding) is not None:
            return None  # a constant start: a `Slice`
        self.at(node)
        lower, upper = (self.window_offset(offset, env) for offset in offsets)
        length = self.int_op(operator.sub, upper, lower)
        if step != 1:
            length = self.int_op(operator.floordiv, self.int_op(operator.add, length,
                                                                step - 1), step)
        length = self.int_op(max, length, 0)
        what = "the length of a slice whose start is computed when the function runs"
        hint = "write the stop as the start plus a number known while compiling: " \
            f"x[{_text(node.lower)}:{_text(node.lower)} + 3]"
        windows = []  # the index's, and its check's, each with its own deferred length
        extra = []
        for listed in (deferred, extra):
            windows.append(Window(length if isinstance(length, int) else self.defer(
                length, None, what, listed, self.loc(node), hint), step))
        size = self.defer(self.b.apply("dim", array, axis=axis), None, what, extra, None)
        self.at(node)
        start = self.b.apply("check_window", self.value(binding, node.lower), *extra,
                             size=size, window=windows[1], written=_text(subscript),
                             start_text=_text(node.lower), hint=binding.hint)
        return windows[0], start

    def window_offset(self, offset, env: dict) -> int | Value:
        """An offset of a window's bounds: an int, or a value typing makes one."""
        if isinstance(offset, int):
            return offset
        binding = self.read_constant(offset, env)
        known = self.known_int(binding)
        return self.value(binding, offset) if known is None else known

    def known_int(self, binding) -> int | None:
        """The int `binding` is while compiling, or None."""
        known = binding.obj if isinstance(binding, Static) else \
            self.known.get(binding) if isinstance(binding, Value) else None
        if isinstance(known, (int, np.integer)) and not isinstance(known, (bool, np.bool_)):
            return int(known)
        return None

    def int_op(self, function, a, b) -> int | Value:
        """``function(a, b)`` on ints, or the op computing it where either is a value."""
        if isinstance(a, int) and isinstance(b, int):
            return function(a, b)
        operands = [v if isinstance(v, Value) else self.const(v) for v in (a, b)]
        return self.b.apply(_INT_PRIMS[function], *operands)

    def index_list(self, node, env: dict):
        """The values of a list written in an index, ``x[[0, 2, -1]]``, as Python lists."""
        if isinstance(node, gast.List):
            return [self.index_list(element, env) for element in node.elts]
        binding = self.expr(node, env)
        known = binding.obj if isinstance(binding, Static) else self.known.get(binding)
        if isinstance(known, (int, np.integer, np.bool_)):
            return known
        raise self.error(node, "the elements of a list used as an index must be integers "
                         "(or truth values) known while compiling",
                         "index with an integer array passed in as an argument: x[idx]")

    def index_bound(self, node, env: dict, deferred: list) -> int | Deferred:
        binding = self.read_constant(node, env)  # a global bound is guarded, not an input
        known = self.known_int(binding)
        if known is not None:
            return known
        if isinstance(binding, Value):
            return self.defer(binding, None, "a slice's bounds and step", deferred,
                              self.loc(node))
        raise self.error(node, "a slice's bounds and step must be integers known while "
                         "compiling: the shape of the slice depends on them",
                         "write constant bounds (x[1:], x[:-1], x[::2]); to read one element "
                         "at a position computed at run time, write x[i]")

    def attribute(self, base, node):
        if isinstance(base, tuple) and hasattr(type(base), "_fields"):  # a NamedTuple
            if node.attr not in type(base)._fields:
                raise self.error(node, f"{type(base).__name__} has no field .{node.attr}",
                                 f"its fields are: {', '.join(type(base)._fields)}")
            return getattr(base, node.attr)
        if isinstance(base, Static) and hasattr(base.obj, node.attr):
            self.at(node)
            found = getattr(base.obj, node.attr)
            if inspect.ismethod(found) and found.__self__ is base.obj and \
                    node.attr not in getattr(base.obj, "__dict__", {}):
                # self.forward: a new bound method at each read; its function is not
                method = self.read(Read(type(base.obj), "attr", node.attr, node.attr), node)
                return Static(functools.partial(method.obj, base.obj))
            return self.read(Read(base.obj, "attr", node.attr, node.attr), node)
        if isinstance(base, Value) and node.attr in _ARRAY_ATTRIBUTES:
            self.at(node)
            if node.attr == "shape":
                return ShapeOf(base)
            if node.attr == "T":
                return self.new_array(self.b.apply("transpose", base, axes=None))
            return self.b.apply(node.attr, base)
        if isinstance(base, Value) and node.attr == "dtype":
            return DtypeOf(base)
        if isinstance(base, Value):
            raise self.error(node, f"reading the attribute .{node.attr} is not supported: "
                             "compiled code reads .T, .shape, .ndim, .size and .dtype of an "
                             "array, and takes numbers, arrays and tuples, lists, dicts and "
                             "NamedTuples of them (not other objects, such as a dataclass)",
                             "for an object, pass a NamedTuple (class P(typing.NamedTuple): "
                             "a: float) and read p.a, or a dict and read p['a']; for an "
                             "array, call a NumPy function")
        raise self.error(node, f"reading the attribute .{node.attr} is not supported",
                         "pass the value in as an argument")

    def folded(self, operator, left: Value, right: Value) -> Value | None:
        """The constant `operator` gives on two Python numbers known while compiling (an
        unrolled loop's element, `i % 2 == 0`), so that an `if` on it lowers one branch;
        None where either is not known, or Python raises."""
        a, c = self.known.get(left), self.known.get(right)
        if operator is None or type(a) not in (int, float, bool) or \
                type(c) not in (int, float, bool):
            return None
        try:
            return self.const(operator(a, c))
        except (ArithmeticError, ValueError):
            return None

    def static(self, obj):
        return self.const(obj) if isinstance(obj, _NUMBER) else Static(obj)

    def const(self, value) -> Value:
        made = self.b.const(value)
        self.known[made] = value
        return made

    def name(self, node, env: dict):
        name = node.id
        if name in env:
            binding = env[name]
            if isinstance(binding, Value) and binding in self.unchecked:
                self.at(node)
                checked = self.b.apply("check_bound", binding, name=name, hint=name)
                checked.strong_name = True
                env[name] = binding = checked
            return binding
        if name in self.unbound_reason:
            raise self.error(node, f"{name!r} may be unbound here: "
                             f"{self.unbound_reason[name]}",
                             f"give {name!r} a value before that statement")
        if self.enclosing is not None:
            scope, owner = self.enclosing
            return owner.name(node, scope)
        code = self.fn.__code__
        if name in code.co_freevars:
            index = code.co_freevars.index(name)
            read = Read(ROOT, "cell", index, name) if self.root else \
                Read(self.fn.__closure__[index], "cell", None, name)
        elif name in self.fn.__globals__ or name in vars(builtins):
            read = Read(self.fn.__globals__, "global", name, name)
        else:
            raise self.error(node, f"name {name!r} is not defined")
        return self.read(read, node)

    def read(self, read: Read, node):
        """What a read from outside gives: a hidden parameter for a number or an array,
        else the object it finds, guarded."""
        try:
            obj = read.fetch(self.reads.root)
        except NameError as exc:
            raise self.error(node, str(exc), "give it a value before calling") from None
        return self.outside(read, obj)

    def outside(self, read: Read, obj):
        if is_input(obj) and not self.reading_constant:
            value = self.reads.inputs.get(read)
            if value is None:
                value = self.reads.inputs[read] = Value(read.name, self.b.loc,
                                                        strong_name=True)
            return value
        if read.fetch(self.reads.root) is not obj:
            raise UnsupportedSyntaxError(
                f"reading {read.name!r} gives a new object each time, so a compiled "
                "function could not tell whether it changed", self.b.loc,
                "read it once outside the function and pass it in as an argument")
        self.reads.guards[read] = obj
        return Static(obj)

    def read_constant(self, node, env: dict):
        """A name or an attribute as a value known while compiling."""
        with self.reading_constants():
            return self.expr(node, env)

    @contextmanager
    def reading_constants(self):
        """Within: what is read from outside, a number too, is guarded, not an input."""
        self.reading_constant = True
        try:
            yield
        finally:
            self.reading_constant = False

    def bool_op(self, node, operands: list, env: dict):
        """`a and b` is `b if a else a`; `a or b` is `a if a else b`: b runs only if needed."""
        first = self.value(self.expr(operands[0], env), operands[0])
        if len(operands) == 1:
            return first
        scope = dict(env)
        rest = lambda e: e.__setitem__(".value", self.bool_op(node, operands[1:], e))
        keep = lambda e: e.__setitem__(".value", first)
        if isinstance(node.op, gast.And):
            self.branch(first, rest, keep, scope)
        else:
            self.branch(first, keep, rest, scope)
        return scope[".value"]

    def compare(self, node, env: dict):
        if len(node.ops) == 1 and isinstance(node.ops[0], (gast.In, gast.NotIn)):
            return self.membership(node, env)
        left = self.expr(node.left, env)
        rights = [self.expr(node.comparators[0], env)]
        if _is_string(left) or _is_string(rights[0]) or \
                isinstance(node.ops[0], (gast.Is, gast.IsNot)):
            return self.const(self.known_comparison(node, left, rights[0]))
        if isinstance(left, DtypeOf) or isinstance(rights[0], DtypeOf):
            if len(node.ops) != 1 or not isinstance(node.ops[0], (gast.Eq, gast.NotEq)):
                raise self.error(node, "a dtype is compared only by == or != with one other",
                                 "write x.dtype == np.float32")
            return self.compare_dtype(node, left, rights[0])
        left = self.value(left, node.left)
        result = None
        for op, right_node in zip(node.ops, node.comparators):
            prim = _COMPARE.get(type(op))
            if prim is None:
                raise self.error(node, f"the comparison {type(op).__name__} is not supported "
                                 "here", "compare numbers with <, <=, >, >=, == or !=")
            right = self.value(rights.pop() if rights else self.expr(right_node, env),
                               right_node)
            self.at(node)
            test = self.folded(_PYTHON_OPERATORS[prim], left, right) or \
                self.b.apply(prim, left, right)
            if result is None:
                result = test
            else:
                scope = dict(env)
                earlier = result
                self.branch(earlier, lambda e: e.__setitem__(".value", test),
                            lambda e: e.__setitem__(".value", earlier), scope)
                result = scope[".value"]
            left = right
        return result

    def membership(self, node, env: dict) -> Value:
        """``k in d`` (or ``not in``) for a dict, ``mode in ("a", "b")`` for a tuple or
        list of values known while compiling: known while compiling."""
        container = self.contents(self.expr(node.comparators[0], env), node.comparators[0])
        if isinstance(container, dict):
            found = self.dict_key(node.left, env) in container
        else:
            element = self.known_object(self.expr(node.left, env))
            values = [self.known_object(v) for v in container] \
                if isinstance(container, (tuple, list)) else [_MISSING]
            if element is _MISSING or _MISSING in values:
                raise self.error(node, "`in` is supported for a dict's keys, and for a tuple "
                                 "of strings or numbers known while compiling",
                                 "compare values one by one: x == a or x == b")
            found = element in values
        return self.const(found if isinstance(node.ops[0], gast.In) else not found)

    def known_comparison(self, node, left, right) -> bool:
        """``kind == "tanh"``, ``w is None``: a comparison involving a string or `is`,
        known while compiling. A number or an array (known only at run time) is never a
        string nor None."""
        op = node.ops[0]
        compared = _KNOWN_COMPARE.get(type(op))
        objects = [self.known_object(binding) for binding in (left, right)]
        if len(node.ops) == 1 and compared is not None:
            if _MISSING not in objects:
                return compared(*objects)
            known = objects[1] if objects[0] is _MISSING else objects[0]
            unknown = left if objects[0] is _MISSING else right
            if isinstance(unknown, Value) and isinstance(known, (str, type(None))):
                return isinstance(op, (gast.NotEq, gast.IsNot))
        raise self.error(node, "a string, or None with `is`, is compared only with one "
                         "known while compiling, by ==, !=, is or is not",
                         "write k == 'w', or d.get('k') is None")

    def known_object(self, binding):
        """The Python object a binding is while compiling, or _MISSING."""
        if isinstance(binding, Static):
            return binding.obj
        return self.known.get(binding, _MISSING) if isinstance(binding, Value) else _MISSING

    def compare_dtype(self, node, left, right) -> Value:
        """``x.dtype == np.float32``: a truth value known once x is typed."""
        dtype_of, other = (left, right) if isinstance(left, DtypeOf) else (right, left)
        try:
            dtype = np.dtype(other.obj).name if isinstance(other, Static) else None
        except TypeError:
            dtype = None
        if dtype is None:
            raise self.error(node, "a dtype can be compared only with a dtype known while "
                             "compiling", "compare with a NumPy type: x.dtype == np.float32")
        self.at(node)
        test = self.b.apply("dtype_is", dtype_of.array, dtype=dtype)
        return test if isinstance(node.ops[0], gast.Eq) else self.b.apply("not", test)

    def call(self, node, env: dict):
        node = self.spread(node, env)
        if isinstance(node.func, gast.Attribute):
            base = self.expr(node.func.value, env)
            if _is_list(base) and node.func.attr == "copy" and not node.args and \
                    not node.keywords:
                return self.made(list(base)) if isinstance(base, list) else replace(base)
            if _is_list(base):
                raise self.error(node.func, f"the list method .{node.func.attr}() is not "
                                 "supported", "use xs.append(v), xs.pop(), xs[i], len(xs), "
                                 "xs.copy()")
            if isinstance(base, Value):
                return self.method_call(base, node, env)
            if isinstance(base, Static) and isinstance(base.obj, dict) and \
                    node.func.attr in ("items", "keys", "values", "get"):
                base = self.contents(base, node.func.value)
            if isinstance(base, dict):
                return self.dict_method(base, node, env)
            callee = self.attribute(base, node.func)
        else:
            callee = self.expr(node.func, env)
        if callee == Static(sum):
            return self.builtin_sum(node, env)
        if callee == Static(list):
            return self.builtin_list(node, env)
        if callee == Static(tuple):
            return self.builtin_tuple(node, env)
        if callee in (Static(max), Static(min)) and (len(node.args) != 2 or node.keywords):
            return self.builtin_extremum(callee.obj, node, env)
        if callee == Static(dict):
            return self.builtin_dict(node, env)
        if callee == Static(len) and len(node.args) == 1 and not node.keywords:
            sized = self.expr(node.args[0], env)
            if isinstance(sized, Static) and isinstance(sized.obj, (list, tuple)):
                return self.const(self.outside_length(sized.obj, node.args[0]))
            sized = self.contents(sized, node.args[0])
            if isinstance(sized, (tuple, list, DynList, dict)):
                return self.length(sized, node)
            array = self.value(sized, node.args[0])
            self.at(node)
            return self.b.apply("dim", array, axis=0)
        if isinstance(callee, Local):
            args = [self.expr(arg, env) for arg in node.args]
            kwargs = {kw.arg: self.expr(kw.value, env) for kw in node.keywords}
            self.at(node)
            return self.call_local(callee, args, kwargs, node, env)
        if not isinstance(callee, Static):
            raise self.error(node.func, "calling a computed value is not supported",
                             "call a function by its name: one defined with def (in this "
                             "function or at module level), or a lambda bound to a name")
        fn = callee.obj
        if not isinstance(fn, type) and inspect.isfunction(getattr(type(fn), "__call__", None)):
            # a callable object, as PyTorch models are: its class's __call__ (guarded),
            # self bound
            method = self.read(Read(type(fn), "attr", "__call__", "__call__"), node)
            fn = functools.partial(method.obj, fn)
        if isinstance(fn, functools.partial):
            return self.call_partial(fn, node, env)
        if getattr(fn, "__adcompile_static__", False):
            return self.static_call(fn, node, env)
        signature = self.signature(fn, len(node.args))
        if signature is not None:  # before the arguments: it lowers them itself, once
            return self.primitive_call(signature, _describe(callee), node, env)
        args = [self.expr(arg, env) for arg in node.args]
        kwargs = {kw.arg: self.expr(kw.value, env) for kw in node.keywords}
        self.at(node)
        stage = getattr(fn, "__adcompile_apply__", None)
        if stage is not None:
            if kwargs:
                raise self.error(node, "keyword arguments to a transformed function are not "
                                 "supported", "pass them by position")
            return stage(self.b, [self.operand_tree(a, n) for a, n in zip(args, node.args)],
                         self.outside)
        if fn is np.square:
            if kwargs or len(args) != 1:
                raise self.error(node, "np.square takes one argument here")
            base = self.b.apply("as_numpy", self.value(args[0], node.args[0]))
            return self.new_array(self.b.apply("pow", base, self.const(2)))
        if _is_numpy(fn):
            raise self.error(node, f"{_describe(callee)} is not supported in compiled code",
                             "compute that array outside the function and pass it in as "
                             "an argument")
        if inspect.isfunction(fn):
            return self.inline(fn, args, kwargs, node)
        if fn in _BUILTINS_WRITTEN_OTHERWISE:
            raise self.error(node, f"{fn.__name__}(...) is not supported in compiled code",
                             _BUILTINS_WRITTEN_OTHERWISE[fn])
        raise self.error(node, f"{_describe(callee)} has no Python source and no "
                         "derivative rule, so it cannot be compiled",
                         "use a math or NumPy function adcompile knows, or write the "
                         "computation as a Python function")

    def spread(self, node, env: dict):
        """The call with its arguments ``*args`` written out, one ``args[k]`` each, for a
        tuple or list whose length is known while compiling, and ``**kw`` as one
        ``k=kw['k']`` each, for a dict."""
        if not any(isinstance(arg, gast.Starred) for arg in node.args) and \
                all(keyword.arg is not None for keyword in node.keywords):
            return node
        keywords = []
        for keyword in node.keywords:
            if keyword.arg is not None:
                keywords.append(keyword)
                continue
            binding = self.contents(self.expr(keyword.value, env), keyword.value)
            if not isinstance(binding, dict) or not isinstance(
                    keyword.value, (gast.Name, gast.Attribute)) or \
                    not all(isinstance(k, str) for k in binding):
                raise self.error(keyword.value, "**-unpacking in a call is supported for a "
                                 "name holding a dict with string keys",
                                 "name the dict first, opts = {'scale': 2.0}, then f(x, "
                                 "**opts)")
            keywords += [gast.copy_location(gast.keyword(k, gast.copy_location(
                gast.Subscript(keyword.value, gast.Constant(k, None), gast.Load()),
                keyword.value)), keyword.value) for k in binding]
        args = []
        for arg in node.args:
            if not isinstance(arg, gast.Starred):
                args.append(arg)
            elif isinstance(arg.value, (gast.List, gast.Tuple)):
                args += arg.value.elts
            elif not isinstance(arg.value, (gast.Name, gast.Attribute)):
                raise self.error(arg, "*-unpacking is supported for a name, not for what "
                                 "an expression computes", "name it first: args = ...; "
                                 "f(*args)")
            else:
                binding = self.expr(arg.value, env)
                if isinstance(binding, Static) and isinstance(binding.obj, tuple) and \
                        all(isinstance(v, _NUMBER) for v in binding.obj):
                    args += [gast.copy_location(gast.Constant(v, None), arg)
                             for v in binding.obj]  # (a tuple cannot change)
                    continue
                args += [gast.copy_location(gast.Subscript(arg.value, gast.Constant(k, None),
                                                           gast.Load()), arg)
                         for k in range(self.spread_length(binding, arg))]
        return gast.copy_location(gast.Call(node.func, args, keywords), node)

    def spread_length(self, binding, node) -> int:
        length = _known_length(binding)
        if length is None:
            what = "a list whose length is known only when the code runs" if \
                isinstance(binding, DynList) else "an array" if \
                isinstance(binding, Value) else "a shape, whose length is known only " \
                "once the array is typed" if isinstance(binding, ShapeOf) else \
                _describe(binding)
            raise self.error(node, "*-unpacking needs a tuple or list whose length is "
                             f"known while compiling, and this is {what}",
                             "pass the sequence itself and read its elements by index "
                             "in the function: f(xs), then xs[0], xs[1]")
        return length

    def call_partial(self, partial: functools.partial, node, env: dict):
        """``h(x)`` for ``h = functools.partial(f, a, k=b)``: f inlined with a and b read
        at each call, like globals, before the arguments given here."""
        if not inspect.isfunction(partial.func):
            raise self.error(node, f"{_describe(Static(partial.func))} inside a "
                             "functools.partial cannot be compiled",
                             "make a partial of a Python function")
        name = partial.func.__name__
        bound = [self.read(Read(partial, "partial", k, f"{name}_arg{k}"), node)
                 for k in range(len(partial.args))]
        keywords = {key: self.read(Read(partial, "partial", key, key), node)
                    for key in partial.keywords}
        args = [self.expr(arg, env) for arg in node.args]
        kwargs = {kw.arg: self.expr(kw.value, env) for kw in node.keywords}
        self.at(node)
        return self.inline(partial.func, [*bound, *args], {**keywords, **kwargs}, node)

    def static_call(self, fn, node, env: dict) -> Static:
        """Call `fn` now, while compiling: a transform factory such as `grad`, whose
        arguments (a function, argnums) are known before the code runs."""
        args = [self.static_value(arg, env) for arg in node.args]
        kwargs = {kw.arg: self.static_value(kw.value, env) for kw in node.keywords}
        return Static(fn(*args, **kwargs))

    def static_value(self, node, env: dict):
        if isinstance(node, gast.Constant):
            return node.value
        if isinstance(node, gast.Tuple):
            return tuple(self.static_value(e, env) for e in node.elts)
        if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
            return -self.static_value(node.operand, env)
        if isinstance(node, (gast.Name, gast.Attribute)) and not (
                isinstance(node, gast.Name) and node.id in env):
            found = self.read_constant(node, env)
            if isinstance(found, Static):
                return found.obj
        raise self.error(node, "this argument must be known before the code runs",
                         "pass a function defined at module level, or a constant")

    @staticmethod
    def signature(fn, n_args: int) -> Signature | None:
        if fn in (max, min):
            prim = "maximum" if fn is max else "minimum"
            return Signature(prim, ("x1", "x2")) if n_args == 2 else None
        return signature_for(fn)

    def method_call(self, receiver: Value, node, env: dict) -> Value:
        method = node.func.attr
        signature = method_signature(method)
        if signature is None:
            raise self.error(node.func, f"the method .{method}() is not supported",
                             f"call one of: {', '.join(f'.{m}()' for m in METHODS)}")
        value = self.primitive_call(signature, f".{method}()", node, env, receiver)
        if method == "flatten":  # a copy, where ravel may give a view
            return self.new_array(self.b.apply("copy", value))
        return value

    def primitive_call(self, signature: Signature, described: str, node, env: dict,
                       receiver: Value | None = None):
        """A value, or a tuple of them for a callable that returns pieces (np.split) or a
        pair (np.linalg.eigh)."""
        signature, operands, params = self.arguments(signature, described, node, env,
                                                     receiver)
        self.at(node)
        if signature.prim is None:  # np.clip(a, None, None): a, as NumPy holds it
            return operands[0]
        if isinstance(signature.prim, tuple):
            return tuple(self.new_array(self.b.apply(prim, *operands, **params))
                         for prim in signature.prim)
        if signature.pieces:  # (views, as np.split's pieces are)
            return tuple(self.new_array(self.b.apply(signature.prim, *operands, **params,
                                                     piece=k))
                         for k in range(self.piece_count(params, node, described)))
        return self.new_array(self.b.apply(signature.prim, *operands, **params))

    def piece_count(self, params: dict, node, described: str) -> int:
        sections = params["indices_or_sections"]
        if isinstance(sections, tuple):
            return len(sections) + 1
        if isinstance(sections, (int, np.integer)) and not isinstance(sections, bool) and \
                sections > 0:
            return int(sections)
        if isinstance(sections, Deferred):
            raise self.error(node, f"the number of pieces {described} makes must be a "
                             "number written in the code, known before the types of the "
                             "arguments: each piece is a value of its own",
                             "write the number (np.split(x, 2)), or split at indices "
                             "computed from the shape: np.split(x, (len(x) // 2,))")
        raise self.error(node, f"{described} splits into a number of sections or at a list "
                         f"of indices, not {sections!r}",
                         "give a positive int, or a tuple of ints, known while compiling")

    def arguments(self, signature: Signature, described: str, node, env: dict,
                  receiver: Value | None = None) -> tuple[Signature, list, dict]:
        """The signature that applies (without the operands given as None, where the
        callable allows it), the operands and the parameters of a call: operands lower to
        values; parameters must be constants known now. A method's receiver is its first
        operand."""
        names = signature.names[1:] if receiver is not None else signature.names
        arguments = f"its arguments here are: {', '.join(names)}"
        args, variadic = node.args, []
        if signature.variadic:  # np.einsum(subscripts, *operands)
            args, variadic = node.args[:1], node.args[1:]
            if not variadic:
                raise self.error(node, f"{described} needs at least one operand")
        if receiver is not None and len(args) > 1 and names[0] in _TUPLE_PARAMS:
            # NumPy's methods take a shape or axes as separate numbers: x.reshape(3, 2)
            args = [gast.Tuple(list(args), gast.Load())]
            gast.copy_location(args[0], node.args[0])
        if len(args) > len(names):
            raise self.error(node, f"{described} takes at most {len(names)} arguments here",
                             arguments)
        given = dict(zip(names, args))
        for keyword in node.keywords:
            if keyword.arg is None:
                raise self.error(keyword.value, f"**-unpacking the arguments of {described} "
                                 "is not supported", "write each keyword argument out")
            if keyword.arg not in names or keyword.arg in given:
                what = "repeats" if keyword.arg in given else "has no parameter"
                raise self.error(keyword.value, f"{described} {what} {keyword.arg!r}",
                                 arguments)
            given[keyword.arg] = keyword.value
        missing = [n for n in signature.operands[receiver is not None:] if n not in given] + \
            [n for n, default in signature.params if default is REQUIRED and n not in given]
        if missing:
            raise self.error(node, f"{described} needs the argument {missing[0]!r}",
                             f"give {missing[0]}: {arguments}")
        signature = signature.without(tuple(
            n for n in signature.optional
            if isinstance(given[n], gast.Constant) and given[n].value is None))
        operands = [receiver] if receiver is not None else []
        deferred = []
        if signature.sequence:
            joined = self.sequence(given[signature.operands[0]], env, described,
                                   stacked=signature.prim == "stack")
            if isinstance(joined, DynList):  # np.array(xs) of a list of run-time length
                signature = replace(signature, prim="list_stack")
                operands.append(joined.value)
                length = self.stacked_length(joined, given[signature.operands[0]], deferred)
            else:
                operands += joined
        else:
            array_like = signature.cast == "as_numpy"  # NumPy's; math takes numbers only
            for written in [given[n] for n in signature.operands[len(operands):]] + variadic:
                binding = self.expr(written, env)
                operands.append(self.array_like(binding, written, described) if array_like
                                else self.value(binding, written))
            if signature.cast is not None:
                self.at(node)
                cast = [self.b.apply(signature.cast, v) for v in operands]
                self.cast_from.update(zip(cast, operands))
                operands = cast
        params = dict(signature.fixed)
        if signature.prim == "list_stack":
            params["length"] = length
        for pname, default in signature.params:
            if pname in UNSUPPORTED_PARAMS and pname not in PRIMITIVES[signature.prim].params:
                if pname in given and not (isinstance(given[pname], gast.Constant) and
                                           given[pname].value is UNSUPPORTED_PARAMS[pname]):
                    raise self.error(given[pname], f"{pname}= of {described} is not supported",
                                     f"leave out {pname}=")
                continue
            params[pname] = self.constant(given[pname], env, pname, described, deferred) \
                if pname in given else default
        return signature, operands + deferred, params

    def sequence(self, node, env: dict, described: str, stacked: bool = False):
        """The arrays np.concatenate((a, b)) and the like join: the elements of a list or
        tuple, each an array as `array_like` makes it (so np.array([[a, b], [c, d]])
        makes one of each row). (They are not cast: NumPy puts Python numbers into
        arrays as float64, int64 or bool.) `stacked` (np.array, np.stack): a list of
        run-time length whose count the loops that made it tell is given as it is, a
        `DynList`."""
        if isinstance(node, (gast.List, gast.Tuple)):
            return self.nonempty([self.array_like(self.expr(element, env), element,
                                                  described) for element in node.elts], node,
                                 described)
        return self.elements(self.expr(node, env), node, described, stacked)

    def elements(self, binding, node, described: str, stacked: bool = False):
        """`sequence` of what `node` evaluated to."""
        if isinstance(binding, DynList) and binding.length is None:
            if stacked and binding.count is not None:
                return binding
            raise self.error(node, f"{described} of a list whose length is known only "
                             "when the code runs is not supported here: the array's "
                             "shape must be known while compiling, and this list is "
                             "appended to under an if, in nested loops, or in a while "
                             "loop", "keep one element per iteration, a filter as a value: "
                             "np.array([v if v > 0 else 0.0 for v in x]); or write "
                             "into an array: y = np.zeros_like(x), then y[i] = ...")
        if isinstance(binding, DynList):
            self.at(node)
            binding = [self.b.apply("list_get", binding.value, self.const(k))
                       for k in range(binding.length)]
        if not isinstance(binding, (tuple, list)):
            raise self.error(node, f"{described} takes a list or tuple of arrays here",
                             "write them in the call, as in np.concatenate((a, b)); "
                             "to copy one array, use np.copy(x)")
        return self.nonempty([self.array_like(element, node, described)
                              for element in binding], node, described)

    def nonempty(self, elements: list, node, described: str) -> list:
        if not elements:
            raise self.error(node, f"{described} of no arrays", "give one array or more")
        return elements

    def array_like(self, binding, node, described: str) -> Value:
        """`binding` where NumPy takes an array_like: a list or tuple (nested or not, or
        a list of run-time length) is the array np.array makes of it."""
        if not isinstance(binding, (list, tuple, DynList)):
            return self.value(binding, node)
        rows = self.elements(binding, node, described, stacked=True)
        self.at(node)
        if isinstance(rows, DynList):
            deferred = []
            length = self.stacked_length(rows, node, deferred)
            return self.new_array(self.b.apply("list_stack", rows.value, *deferred,
                                               length=length))
        return self.new_array(self.b.apply("stack", *rows))

    def stacked_length(self, rows: DynList, node, deferred: list) -> Deferred:
        """The length parameter of ``list_stack`` of `rows`: their count, once typed."""
        return self.defer(rows.count, None, "the length of a list made into an array",
                          deferred, self.loc(node))

    def new_array(self, value: Value) -> Value:
        """`value`, just made: owned if its op makes a new array, noted if a view."""
        op = self.b.region.ops[-1]
        if op.prim in RETURNS_NEW_ARRAY or op.prim == "einsum" and \
                op.params.get("written") != "einsum":  # np.dot and the like copy
            self.owned.add(value)
        elif op.prim in VIEWS:
            self.views[value] = op
        return value

    def constant(self, node, env: dict, pname: str, described: str, deferred: list):
        """The value of a parameter's expression, known while compiling, or a `Deferred`
        marker for one known once the function is typed (``x.shape[0] - 1``,
        ``x.dtype``), whose value is appended to `deferred`."""
        if isinstance(node, gast.Constant) and (not isinstance(node.value, (str, bytes)) or
                                                pname in STRING_PARAMS):
            return node.value
        if isinstance(node, (gast.Tuple, gast.List)):
            return tuple(self.constant(e, env, pname, described, deferred) for e in node.elts)
        what = f"the {pname}= argument of {described}"
        if isinstance(node, gast.Constant):
            raise self.error(node, f"{what} cannot be a string")
        return self.known_parameter(self.read_constant(node, env), node, what, deferred)

    def known_parameter(self, binding, node, what: str, deferred: list):
        if isinstance(binding, Static):
            return binding.obj
        if isinstance(binding, Value) and binding in self.known:
            return self.known[binding]
        if isinstance(binding, Value) and binding in self.reads.inputs.values():
            # a number read from outside, come through a variable: guard it instead
            read = next(r for r, v in self.reads.inputs.items() if v is binding)
            with self.reading_constants():
                return self.read(read, node).obj
        if isinstance(binding, tuple):
            return tuple(self.known_parameter(b, node, what, deferred) for b in binding)
        if isinstance(binding, (ShapeOf, DtypeOf)):
            fact = "shape" if isinstance(binding, ShapeOf) else "dtype"
            return self.defer(binding.array, fact, what, deferred, self.loc(node))
        if isinstance(binding, Value):
            return self.defer(binding, None, what, deferred, self.loc(node))
        raise self.error(node, f"{what} must be known while compiling, but this is "
                         f"{_describe(binding)}",
                         "write it as a number or a tuple of numbers")

    @staticmethod
    def defer(value: Value, fact: str | None, what: str, deferred: list, loc,
              hint: str | None = None) -> Deferred:
        """A parameter typing resolves from `value` (see `adcompile.ir.deferred`)."""
        deferred.append(value)
        return Deferred(len(deferred) - 1, fact, what, loc, hint)

    def local_function(self, node, env: dict) -> Local:
        """A `def` or `lambda` in the body; its defaults are evaluated now, as Python does."""
        if isinstance(node, gast.Lambda):
            node = function_from_lambda(node)
        args = node.args
        positional = args.args[len(args.args) - len(args.defaults):]
        defaults = {a.id: self.expr(d, env) for a, d in zip(positional, args.defaults)}
        defaults.update({a.id: self.expr(d, env) for a, d in zip(args.kwonlyargs,
                                                                  args.kw_defaults)
                         if d is not None})
        return Local(node, self, env, defaults)

    def call_local(self, local: Local, args: list, kwargs: dict, node, env: dict):
        if local in self.calling:
            raise self.error(node, f"recursive call to {local.node.name!r} is not supported",
                             "write the recursion as a loop")
        kind = inspect.Parameter
        parameters = [kind(a.id, kind.POSITIONAL_OR_KEYWORD,
                           default=local.defaults.get(a.id, kind.empty))
                      for a in local.node.args.args]
        parameters += [kind(a.id, kind.KEYWORD_ONLY, default=local.defaults.get(a.id, kind.empty))
                       for a in local.node.args.kwonlyargs]
        try:
            bound = inspect.Signature(parameters).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.error(node, f"bad call to {local.node.name!r}: {exc}") from None
        bound.apply_defaults()
        saved_loc = self.b.loc
        inner = _Lowerer(self.fn, replace(self.parsed, node=local.node), self.b, self.stack,
                         self.reads, self.known)
        # Called where it was defined, it sees that scope as it is now.
        inner.enclosing = (env if local.owner is self else local.env, local.owner)
        inner.calling = self.calling + (local,)
        result = inner.lower_body(dict(bound.arguments))
        self.b.loc = saved_loc
        self.adopt(inner)
        return result

    def inline(self, fn, args: list, kwargs: dict, node):
        if fn.__code__ in self.stack:
            raise self.error(node, f"recursive call to {fn.__name__!r} is not supported",
                             "write the recursion as a loop")
        parsed = parse_function(fn)
        fence(parsed, variadic=True)
        try:
            bound = inspect.signature(fn).bind(*args, **kwargs)
        except TypeError as exc:
            raise self.error(node, f"bad call to {fn.__name__!r}: {exc}") from None
        passed = set(bound.arguments)
        bound.apply_defaults()
        first_default = fn.__code__.co_argcount - len(fn.__defaults__ or ())
        env = {}
        for position, (name, v) in enumerate(bound.arguments.items()):
            if name not in passed and isinstance(v, np.ndarray):
                # an array can change in place: read it at call time, like a global
                v = self.read(Read(fn, "default", position - first_default, name), node)
            elif not isinstance(v, (Value, tuple, Static, Local)) and not (
                    isinstance(v, (list, dict)) and (name in passed or not v)):
                v = self.static(v)  # a default: a number, or an object used as it is
            env[name] = v
        saved_loc = self.b.loc
        # The callee's arrays are its own: it may write into neither its arguments nor,
        # back here, what it returns (the caller cannot see whether it kept a reference).
        inner = _Lowerer(fn, parsed, self.b, self.stack + (fn.__code__,), self.reads,
                         self.known)
        result = inner.lower_body(env)
        self.b.loc = saved_loc
        self.adopt(inner)
        return result

    def adopt(self, inner: _Lowerer) -> None:
        """The lists and dicts an inlined callee made are the caller's to change: nothing
        but what it returns can hold them (it cannot write into what it reads), and
        holding is checked where they change."""
        self.made_containers.update(inner.made_containers)
        self.maybe_shared.update(inner.maybe_shared)


def _augmented_primitive(node, lowerer):
    prim = _BINARY.get(type(node.op))
    if prim is None:
        raise lowerer.error(node, f"the operator {type(node.op).__name__}= is not supported")
    return prim


class _Missing:
    pass


_MISSING = _Missing()


def _is_string(binding) -> bool:
    return isinstance(binding, Static) and isinstance(binding.obj, str)


def _is_numpy(fn) -> bool:
    """NumPy's own Python functions are not inlined: what they do is NumPy's business,
    and their source is written for speed, not for adcompile."""
    return (getattr(fn, "__module__", None) or "").split(".")[0] == "numpy"


def _holders(value: Value, env: dict) -> list[str]:
    """The names that hold `value`, alone or in a tuple."""
    return [name for name, binding in env.items()
            if binding is value or (not _is_binding_leaf(binding) and
                                    any(leaf is value for leaf in _flatten(binding)))]


# The ops `int_op` computes a window's length with, where typing knows the operands.
_INT_PRIMS = {operator.add: "add", operator.sub: "sub", operator.mul: "mul",
              operator.floordiv: "floordiv", max: "maximum"}


def _axis_of(elements: list, k: int) -> int | None:
    """The axis the `k`-th element of an index stands for, counted from the end after an
    ellipsis; None where a list (maybe a mask of several axes) makes it unknown."""
    def takes_axis(element):
        return not (isinstance(element, gast.Constant) and
                    (element.value is None or element.value is Ellipsis))
    ellipsis = any(isinstance(e, gast.Constant) and e.value is Ellipsis for e in elements[:k])
    counted = elements[k:] if ellipsis else elements[:k]
    if any(isinstance(e, gast.List) for e in counted):
        return None
    axes = sum(map(takes_axis, counted))
    return -axes if ellipsis else axes


def _common_base(lower, upper) -> tuple | None:
    """(a, b) for bounds ``e + a`` and ``e + b`` (or ``e``, ``e - a``, ``a + e``) of the
    same expression `e`: ints, or expressions to add (negated: a `gast.UnaryOp`)."""
    if lower is None or upper is None:
        return None
    for base, a in _split_offset(lower):
        for other, b in _split_offset(upper):
            if gast.dump(base) == gast.dump(other):
                return a, b
    return None


def _split_offset(node) -> list:
    """The ways to read `node` as ``base + offset``."""
    ways = [(node, 0)]
    if isinstance(node, gast.BinOp) and isinstance(node.op, gast.Add):
        ways += [(node.left, node.right), (node.right, node.left)]
    elif isinstance(node, gast.BinOp) and isinstance(node.op, gast.Sub):
        ways.append((node.left, gast.copy_location(gast.UnaryOp(gast.USub(), node.right),
                                                   node.right)))
    return ways


def _text(node) -> str:
    """`node` as Python source, for a message."""
    return ast.unparse(gast.gast_to_ast(node))


def _constant_array_entries(values: np.ndarray) -> list:
    """An index array known while compiling: integers as one entry; a boolean mask as
    the positions it selects, one entry per axis (the mask's result shape is then known)."""
    if values.size == 0:
        return [()]
    if values.dtype.kind == "b":
        return [_nested_tuple(positions) for positions in np.nonzero(values)]
    return [_nested_tuple(values)]


def _nested_tuple(values: np.ndarray):
    return values.tolist() if values.ndim == 0 else tuple(_nested_tuple(v) for v in values)


def _container_name(binding) -> str:
    return type(binding).__name__ if isinstance(binding, tuple) else \
        "list" if isinstance(binding, list) else "dict"


def _describe(binding) -> str:
    if isinstance(binding, Local):
        name = binding.node.name if isinstance(binding.node, gast.FunctionDef) else "<lambda>"
        return f"the function {name!r} defined in the body"
    obj = binding.obj if isinstance(binding, Static) else binding
    module = getattr(obj, "__module__", None)
    name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None)
    if name:
        return f"{module}.{name}" if module and module != "builtins" else name
    return repr(obj)
