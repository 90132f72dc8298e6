"""Reject, before lowering, every construct adcompile does not compile.

Each refusal names the construct, points at it, and says what to write instead. Checks
that need name resolution (calls to functions with no source, reads of unbound names)
happen during lowering, with the same kind of message.
"""

from __future__ import annotations

import re

import gast

from ..errors import UnsupportedSyntaxError
from .parse import ParsedFunction

# node type -> (what it is, what to write instead)
_REFUSED = {
    gast.Try: ("try/except", "remove the try block: a derivative cannot flow through an "
               "exception handler; check the condition with `if` instead"),
    gast.With: ("a with block", "move the with block outside the function you differentiate"),
    gast.AsyncWith: ("async with", "differentiate synchronous code only"),
    gast.AsyncFor: ("async for", "differentiate synchronous code only"),
    gast.AsyncFunctionDef: ("an async function", "differentiate synchronous code only"),
    gast.Global: ("a global statement", "pass the value in as an argument and return "
                  "the new value instead of writing a global"),
    gast.Nonlocal: ("a nonlocal statement", "pass the value in as an argument and return "
                    "the new value instead of writing an enclosing variable"),
    gast.Yield: ("yield", "return a value (or a tuple of values) instead of yielding"),
    gast.YieldFrom: ("yield from", "return a value instead of yielding"),
    gast.Await: ("await", "differentiate synchronous code only"),
    gast.ClassDef: ("a class definition", "define the class outside the function"),
    gast.Delete: ("del", "leave the variable alone; it costs nothing"),
    gast.Raise: ("raise", "check inputs before calling the differentiated function"),
    gast.Assert: ("assert", "check inputs before calling the differentiated function"),
    gast.Import: ("an import inside the function", "import at module level"),
    gast.ImportFrom: ("an import inside the function", "import at module level"),
    gast.SetComp: ("a set comprehension", "build a list: [f(v) for v in xs]"),
    gast.Set: ("a set", "use a tuple: (a, b)"),
    gast.JoinedStr: ("an f-string", "remove string formatting from the differentiated code"),
    gast.NamedExpr: ("an assignment expression (:=)", "assign on its own line"),
    gast.Match: ("a match statement", "use if/elif/else"),
}


def fence(parsed: ParsedFunction, variadic: bool = False) -> None:
    """Raise `UnsupportedSyntaxError` at the first construct adcompile cannot compile.
    `variadic`: the function may take *args and **kwargs (a function compiled or
    inlined may; one defined in the body may not)."""
    _check_parameters(parsed.node, parsed, variadic)
    for stmt in parsed.node.body:
        _check(stmt, parsed, in_loop=False)


def _check_parameters(fn, parsed: ParsedFunction, variadic: bool = False) -> None:
    args = fn.args
    if getattr(args, "posonlyargs", None):
        raise UnsupportedSyntaxError(
            "positional-only parameters are not supported", parsed.loc(fn),
            "write each parameter by name: def f(x, y, *, threshold=1e-4)")
    if (args.vararg or args.kwarg) and not variadic:
        raise UnsupportedSyntaxError(
            "*args and **kwargs are not supported in a function defined inside the "
            "compiled function", parsed.loc(fn),
            "write each parameter by name: def f(x, y, *, threshold=1e-4), or define it "
            "at module level")


def _check(node, parsed: ParsedFunction, in_loop: bool) -> None:
    if isinstance(node, (gast.FunctionDef, gast.Lambda)):  # a function of its own
        _check_parameters(node, parsed)
        if getattr(node, "decorator_list", None):
            raise UnsupportedSyntaxError(
                "a decorated function defined inside the compiled function is not "
                "supported", parsed.loc(node.decorator_list[0]),
                "define it at module level, or apply the decorator's transform where you "
                "call it: ad.grad(helper)(x)")
        for child in gast.iter_child_nodes(node):
            _check(child, parsed, in_loop=False)
        return
    if isinstance(node, gast.Expr) and _is_append(node.value):
        _check(node.value.args[0], parsed, in_loop)
        return
    if isinstance(node, gast.If) and (is_unbound_check(node) or is_window_check(node)):
        return
    if isinstance(node, gast.Expr) and isinstance(node.value, gast.Call) and \
            isinstance(node.value.func, gast.Attribute) and \
            node.value.func.attr in _CHANGING_METHODS:
        raise UnsupportedSyntaxError(
            f".{node.value.func.attr}() is not supported", parsed.loc(node),
            _CHANGING_METHODS[node.value.func.attr])
    if isinstance(node, gast.Expr) and _is_pop(node.value):
        return  # `xs.pop()`, its value thrown away
    if isinstance(node, gast.Expr) and is_add_at(node.value):
        for argument in node.value.args:
            _check(argument, parsed, in_loop)
        return
    if isinstance(node, gast.Subscript):
        _check(node.value, parsed, in_loop)
        index = node.slice.elts if isinstance(node.slice, gast.Tuple) else [node.slice]
        for element in index:
            if not isinstance(element, gast.List):  # `x[[0, 2]]`: an index array
                _check(element, parsed, in_loop)
        return
    kind = type(node)
    if kind in _REFUSED:
        what, hint = _REFUSED[kind]
        raise UnsupportedSyntaxError(f"{what} is not supported", parsed.loc(node), hint)
    if isinstance(node, (gast.Assign, gast.AugAssign, gast.AnnAssign)):
        targets = node.targets if isinstance(node, gast.Assign) else [node.target]
        for target in targets:
            _check_target(target, parsed)
    elif isinstance(node, gast.Return) and in_loop:
        raise UnsupportedSyntaxError(
            "return inside a loop is not supported", parsed.loc(node),
            "assign the result to a variable, `break`, and return after the loop")
    elif isinstance(node, (gast.For, gast.While)) and node.orelse:
        raise UnsupportedSyntaxError(
            "a loop with an else clause is not supported", parsed.loc(node.orelse[0]),
            "set a flag before `break` and test it after the loop")
    elif isinstance(node, gast.Expr) and not isinstance(node.value, gast.Constant) and \
            type(node.value) not in _REFUSED and not _is_banned_call(node.value):
        # (`yield x` is reported as a yield, `exec(...)` as exec)
        raise UnsupportedSyntaxError(
            "an expression whose value is thrown away is not supported", parsed.loc(node),
            "assign the value to a variable, or remove the statement (a call made only for "
            "its side effect, such as print, cannot be compiled)")
    elif _is_banned_call(node):
        raise UnsupportedSyntaxError(
            f"{node.func.id}() is not supported", parsed.loc(node),
            "write the computation out directly")
    for child in gast.iter_child_nodes(node):
        _check(child, parsed, in_loop or isinstance(node, (gast.For, gast.While)))


# what changes a list other than .append() and .pop() (see `lower`)
# the list and dict methods that change their object in place, refused -> what to write
_CHANGING_METHODS = {
    **dict.fromkeys(("extend", "insert", "remove", "sort", "reverse", "clear"),
                    "build the list with .append(): for v in ys: xs.append(v)"),
    **dict.fromkeys(("update", "setdefault", "popitem"),
                    "set one key at a time, d[k] = v, or build a new dict: "
                    "d = {**d, 'k': v}")}
_BANNED_CALLS = ("eval", "exec", "compile", "globals", "locals", "setattr")


def _is_banned_call(node) -> bool:
    return isinstance(node, gast.Call) and isinstance(node.func, gast.Name) and \
        node.func.id in _BANNED_CALLS


def _is_append(call) -> bool:
    """`xs.append(value)`: onto a list, or onto a tape, as in adcompile's own output."""
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
        call.func.attr == "append" and isinstance(call.func.value, gast.Name) and \
        len(call.args) == 1 and not call.keywords


def _is_pop(call) -> bool:
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
        call.func.attr == "pop" and isinstance(call.func.value, gast.Name) and \
        not call.args and not call.keywords


def is_unbound_check(node) -> bool:
    """``if i is None: raise UnboundLocalError("...")``: a loop variable read after a loop
    that may have run no iteration, as in adcompile's own output."""
    test, body = node.test, node.body
    return isinstance(test, gast.Compare) and isinstance(test.left, gast.Name) and \
        len(test.ops) == 1 and isinstance(test.ops[0], gast.Is) and \
        isinstance(test.comparators[0], gast.Constant) and test.comparators[0].value is None \
        and not node.orelse and len(body) == 1 and isinstance(body[0], gast.Raise) and \
        isinstance(body[0].exc, gast.Call) and isinstance(body[0].exc.func, gast.Name) and \
        body[0].exc.func.id == "UnboundLocalError" and len(body[0].exc.args) == 1 and \
        isinstance(body[0].exc.args[0], gast.Constant) and \
        isinstance(body[0].exc.args[0].value, str)


def is_window_check(node) -> bool:
    """``if not 0 <= i <= 7: raise IndexError(f'x[i:i + 3] with i = {i} reads outside an
    axis of 10: adcompile compiles slices of a fixed length ...')``: the start of a slice of
    fixed length checked, as in adcompile's output, before the slice, which lowering checks
    again."""
    test, body = node.test, node.body
    if not (isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not) and
            isinstance(test.operand, gast.Compare) and not node.orelse and len(body) == 1 and
            isinstance(body[0], gast.Raise) and isinstance(body[0].exc, gast.Call) and
            isinstance(body[0].exc.func, gast.Name) and body[0].exc.func.id == "IndexError"
            and len(body[0].exc.args) == 1):
        return False
    compare, message = test.operand, body[0].exc.args[0]
    return isinstance(compare.left, gast.Constant) and compare.left.value == 0 and \
        [type(op) for op in compare.ops] == [gast.LtE, gast.LtE] and \
        isinstance(compare.comparators[1], gast.Constant) and \
        isinstance(message, gast.JoinedStr) and len(message.values) == 3 and \
        isinstance(message.values[2], gast.Constant) and re.match(
            r" reads outside an axis of \d+: adcompile compiles slices of a fixed length",
            str(message.values[2].value)) is not None


def is_add_at(call) -> bool:
    """`np.add.at(y, np.s_[index], v)`: an addition at an index, as in adcompile's output
    (lowering checks that `np` is NumPy)."""
    return isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute) and \
        call.func.attr == "at" and isinstance(call.func.value, gast.Attribute) and \
        call.func.value.attr == "add"


def _check_target(target, parsed: ParsedFunction) -> None:
    if isinstance(target, gast.Name):
        return
    if isinstance(target, gast.Subscript):  # lowering checks the array is the function's
        _check(target, parsed, False)
        return
    if isinstance(target, gast.Tuple):
        for element in target.elts:  # `a, *rest = xs`: rest takes what is left, a list
            _check_target(element.value if isinstance(element, gast.Starred) else element,
                          parsed)
        return
    what = {gast.Attribute: "assignment to an attribute",
            gast.Subscript: "assignment to an element or slice"}.get(type(target),
                                                                      "this assignment target")
    raise UnsupportedSyntaxError(
        f"{what} is not supported: adcompile differentiates code without mutation",
        parsed.loc(target),
        "build a new value instead (for arrays: np.where, or np.concatenate of pieces), "
        "and return it")
