"""The public transforms and the `Transformed` they return.

Each transform (`grad`, `value_and_grad`, `hessian`, ...) returns a `Transformed`: a
callable that compiles the user's function for the types of the arguments it is called
with (Python scalar, or ndarray shape and dtype), caches the result, and afterwards
costs one dictionary look-up and the call. This module owns the call protocol (binding
the arguments, the generated dispatcher of `dispatch`, assembling what the user gets),
the transforms as descriptors and values (repr, equality, methods), and what they show
(`.source`, `.ir`, `to_dot`, `plot`). The rest is delegated: compiling to `pipeline`,
when to compile to `cache`, a transform called inside compiled code to `staging`.

Misuse of the API raises `AdcompileTypeError` or `AdcompileValueError` naming the transform
and the argument (see `arguments`).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import reprlib
import weakref
from typing import Callable

import numpy as np

from .arguments import (Selected, argument_sequence, argument_types, bind_arguments,
                        checked_argnums, checked_order, describe, fits, flatten_arguments,
                        is_position, refuse_complex, refuse_strings, selected_arguments)
from .backend.compile import compile_source
from .cache import COMPILE_LOCK, CodeCache
from .compiled import Compiled
from .dispatch import dispatcher
from .display import notebook_html, problem_html, render
from .errors import (AdcompileError, AdcompileTypeError, AdcompileValueError,
                     InternalCompilerError, SourceUnavailableError)
from .frontend.callables import signature_for
from .frontend.fence import fence
from .frontend.parse import parse_function
from .ir.dot import function_to_dot
from .ir.nodes import Function
from .ir.printer import format_function
from .ir.types import Type
from .pipeline import TransformSpec, build_ir, compile_transform, function_name
from .pytree import LEAF, Tree, flatten, unflatten
from .staging import stage

_CONTAINERS = (tuple, list, dict, str, type(None))  # what flattens into a structure


def _function_of(fun):
    """`fun`; for an object whose class defines `__call__` in Python, that bound method;
    or for a NumPy, math or builtin function adcompile knows (``np.sin``,
    ``math.exp``), a Python function calling it, whose source is registered with
    linecache so the frontend reads it like any other."""
    if isinstance(fun, Transformed) or hasattr(fun, "__code__"):
        return fun
    if hasattr(getattr(type(fun), "__call__", None), "__code__"):
        # an object whose class defines __call__ in Python (a model, as PyTorch users
        # write one): its bound __call__, which reads the object's attributes at each call
        return fun.__call__
    signature = signature_for(fun)
    library = (getattr(fun, "__module__", None) or "").split(".")[0]
    prefix = {"numpy": "np.", "math": "math.", "builtins": "builtins."}.get(library)
    if signature is None or prefix is None:
        return fun
    name = fun.__name__
    operands = ", ".join(signature.operands)
    source = (f"import builtins\nimport math\nimport numpy as np\n\n\n"
              f"def {name}({operands}):\n    return {prefix}{name}({operands})\n")
    return compile_source(source, name)


def _checked_signature(kind: str, fun) -> inspect.Signature:
    if not callable(fun):
        raise AdcompileTypeError(f"{kind} expects a function, got {reprlib.repr(fun)} of "
                                 f"type {type(fun).__name__}")
    if not isinstance(fun, Transformed) and not hasattr(fun, "__code__"):
        raise SourceUnavailableError(
            f"{getattr(fun, '__name__', fun)!r} is not a Python function with source "
            "code (it may be a builtin or a NumPy ufunc): adcompile compiles functions "
            "from their source. Wrap it in a `def`, e.g. `def f(x): return np.sin(x)`.")
    return inspect.signature(fun)


class Transformed:
    """A function transformed by adcompile: call it, or read `.source` and `.ir`.

    `fun` is a Python function or another `Transformed` (so ``grad(grad(f))`` composes
    the transforms on the IR). `kind` is one of ``primal``, ``grad``,
    ``value_and_grad``, ``hessian``, ``hvp``, ``jacobian``, ``derivative``, ``jvp``,
    ``vjp``.
    """

    def __init__(self, fun: Callable, kind: str, argnums=0, order: int = 1):
        self._static_method = isinstance(fun, staticmethod)
        fun = fun.__func__ if self._static_method else fun
        # functools.partial(f, a): f, called with the partial's arguments as they are
        # at each call, before the caller's; argnums counts the caller's.
        self._partial = fun if isinstance(fun, functools.partial) else \
            getattr(fun, "_partial", None) if isinstance(fun, Transformed) else None
        if isinstance(fun, functools.partial):
            fun = fun.func
        fun = _function_of(fun)
        self._signature = _checked_signature(kind, fun)
        self._bound_to: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self.fun = fun
        self.root = fun.root if isinstance(fun, Transformed) else fun  # the user's function
        self.kind = kind
        self.argnums = argnums
        self.order = order
        if kind == "derivative":
            self.order = checked_order(self._label(), order)
        self._positions: tuple[int, ...] = ()
        if kind != "primal":
            called = self._signature if self._partial is None else \
                inspect.signature(self._partial)
            positions = checked_argnums(self._label(), argnums, called,
                                        allow_empty=kind in ("jvp", "vjp"))
            # as plain ints, so that grad(f, argnums=[0, 1]) is grad(f, argnums=(0, 1))
            self.argnums = positions[0] if is_position(argnums) else positions
            shift = 0 if self._partial is None else len(self._partial.args)
            self._positions = tuple(p + shift for p in positions)
        self.spec = TransformSpec(
            kind, self._label(), self.root, self._signature, self._positions,
            isinstance(self.argnums, int), self.order,
            fun.spec if isinstance(fun, Transformed) else None)
        self._code = CodeCache(self.root, self._code_identity(),
                               functools.partial(compile_transform, self.spec))
        self._prepare = self._code.prepare  # (bound once: every call with arrays takes it)
        # (lowering, argument classes, input classes) -> generated function
        self._direct: dict[tuple, Callable] = {}
        self._dispatch = self._call
        # a call with this many arguments, all by position, binds them as they are
        parameters = self._signature.parameters.values()
        self._arity = len(parameters) if self._partial is None and all(
            p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in parameters) else -1
        functools.update_wrapper(self, fun, updated=())

    def __repr__(self) -> str:
        return f"<adcompile {self._label()}>"

    def __get__(self, instance, owner=None):
        """`@ad.grad` on a method: looked up on an instance, this transform of the method
        bound to it (made once per instance, where the instance can be weakly held)."""
        if instance is None or self._static_method:
            return self
        try:
            return self._bound_to[instance]
        except (KeyError, TypeError):  # not made yet, or an instance weakref cannot hold
            pass
        bound = Transformed(self.fun.__get__(instance, owner), self.kind, self.argnums,
                            self.order)
        with contextlib.suppress(TypeError):
            self._bound_to[instance] = bound
        return bound

    def _repr_html_(self) -> str:
        """What a notebook shows: the generated source and, where Graphviz is installed,
        the graph (see `display`); a function that does not compile shows why."""
        try:
            compiled = self._default_compiled()
        except AdcompileError as error:
            return problem_html(repr(self), f"{type(error).__name__}: {error}")
        return notebook_html(repr(self), compiled.source, function_to_dot(compiled.ir))

    def _identity(self) -> tuple:
        return (self.fun, self._partial, self.kind, self.argnums if isinstance(
            self.argnums, int) else tuple(self.argnums), self._positions, self.order)

    def _code_identity(self) -> tuple:
        fun = self.fun._code_identity() if isinstance(self.fun, Transformed) else \
            self.fun.__code__
        return (fun, *self._identity()[2:])

    def __eq__(self, other) -> bool:
        return isinstance(other, Transformed) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def _label(self) -> str:
        inner = self.fun._label() if isinstance(self.fun, Transformed) else \
            function_name(self.fun)
        if self.kind == "primal":
            return inner
        if self.kind == "derivative":
            return f"derivative({inner}, order={self.order!r})"
        if self.kind in ("jvp", "vjp"):  # their argnums are the float primals
            return f"{self.kind}({inner})"
        return f"{self.kind}({inner}, argnums={self.argnums!r})"

    # ---- calling --------------------------------------------------------------------
    def _bind(self, args, kwargs) -> list:
        return bind_arguments(self._label(), self.fun, self._signature, args, kwargs)

    def _with_partial(self, args, kwargs) -> tuple[tuple, dict]:
        """The arguments of the call with a partial's own before them, read now."""
        if self._partial is None:
            return args, kwargs
        return (*self._partial.args, *args), {**self._partial.keywords, **kwargs}

    def bind_call(self, args: tuple, kwargs: dict) -> list:
        """The values of the parameters for a call with `args` and `kwargs` (a partial's
        own arguments first, defaults filled in), as `prepare` takes them."""
        return self._bind(*self._with_partial(args, kwargs))

    def prepare(self, values: list) -> tuple[Compiled, list]:
        """The compiled code for arguments like `values` (from the cache if it is there),
        and what to call it with: the leaves of `values`, then the inputs read from
        outside, now."""
        leaves, trees = flatten_arguments(values)
        compiled, call_values, _ = self._prepare(leaves, trees)
        return compiled, list(call_values)

    @property
    def __call__(self):
        # Calling the object calls this property's value: a small generated dispatcher
        # that sends the common call (scalars of known types, all by position) straight
        # to the generated function, at the cost of one class test per argument.
        return self._dispatch

    def _call(self, *args, **kwargs):
        if self._partial is not None:
            args, kwargs = self._with_partial(args, kwargs)
        if self.kind == "hvp":
            return self._hessian_vector_product(args, kwargs)
        # Every argument by position skips inspect's binding, which costs more than a
        # scalar gradient itself.
        values = args if not kwargs and len(args) == self._arity else self._bind(args, kwargs)
        trees = None
        for value in values:  # (a loop: this is the path of every call with arrays)
            if isinstance(value, _CONTAINERS):
                values, trees = flatten_arguments(values)
                refuse_strings(self.spec.label, self._signature, values, trees,
                               self._positions)
                break
        compiled, values, lowering = self._prepare(values, trees)
        if compiled.direct and trees is None and len(args) == self._arity and not kwargs \
                and not any(isinstance(v, np.ndarray) for v in values):
            signature = (lowering, *map(type, values))
            if signature not in self._direct:
                with COMPILE_LOCK:  # dispatcher reads _direct, which another call may grow
                    self._direct[signature] = compiled.run
                    self._dispatch = dispatcher(self.root, self._arity, self._direct,
                                                 self._call)
        if compiled.per_direction:
            return compiled.sweep(values)
        if compiled.assemble is None:
            return compiled.run(*values)
        return unflatten(compiled.assemble, compiled.run(*values))

    def _hessian_vector_product(self, args: tuple, kwargs: dict):
        """``hvp(f)(*args, v)``: the tangent program of the gradient, along `v`."""
        label = self._label()
        if not args:
            raise AdcompileTypeError(f"{label} takes f's arguments and then v, the vector "
                                     "to multiply the Hessian by")
        values, trees = flatten_arguments(self._bind(args[:-1], kwargs))
        compiled, values, _ = self._prepare(values, trees)
        vectors = args[-1]
        if compiled.tree.node is tuple and isinstance(vectors, list):
            vectors = tuple(vectors)
        leaves, tree = flatten(vectors) if vectors is not None else ([None], LEAF)
        types = [param.type for param in compiled.ir.params[len(values):]]
        if tree != compiled.tree or not all(fits(v, t) for v, t in zip(leaves, types)):
            parts, k = [], 0
            for s in self.spec.selected(trees):
                shaped = describe(types[k]) if s.tree.is_leaf else s.tree
                parts.append(f"{s.name!r} ({shaped})")
                k += s.tree.size
            expected = ", ".join(parts)
            raise AdcompileTypeError(
                f"{label}: v must be shaped like the arguments it differentiates, "
                f"{expected}{'' if self.spec.single else ', as a tuple'}; got "
                f"{reprlib.repr(args[-1])}")
        return compiled.assembled(compiled.run(*values, *leaves))

    # ---- what it compiles to ---------------------------------------------------------
    def build_ir(self, arg_types: list[Type], trees: tuple | None = None) -> Function:
        """The optimized IR of this transform for arguments whose leaves have these types
        (see `pipeline.build_ir`)."""
        return build_ir(self.spec, arg_types, trees)

    @property
    def _last(self) -> Compiled | None:
        """The code the last call ran (or `.source` showed, or `prepare` gave)."""
        return self._code.last

    def _default_compiled(self, how: str | None = None) -> Compiled:
        """The code of the last call, or, before any call, the code for the parameters'
        defaults and Python floats. Where that does not compile (an array function), the
        error says that the code depends on the argument types and `how` to give them."""
        if self._last is None:
            variadic = {inspect.Parameter.VAR_POSITIONAL: (),
                        inspect.Parameter.VAR_KEYWORD: {}}
            values = [variadic.get(param.kind, param.default)
                      if param.default is not inspect.Parameter.empty or param.kind in
                      variadic else 1.0 for param in self._signature.parameters.values()]
            # what no argument types could make compile says so itself
            fence(parse_function(self.root), variadic=True)
            try:
                self.prepare(values)
            except AdcompileError as error:
                if isinstance(error, InternalCompilerError):
                    raise
                how = how or f"{self._label()}.source_for(np.zeros(3)), or call it first"
                raise AdcompileTypeError(
                    f"the generated code of {self._label()} depends on the types of its "
                    "arguments (Python scalars, or arrays of a shape and dtype), and it has "
                    "not been called yet; for Python floats (and the defaults), what it is "
                    f"shown for before a call, it does not compile: {type(error).__name__}: "
                    f"{error}\nGive example arguments of the types you mean: {how}"
                ) from error
        return self._last

    def _compiled_for(self, args: tuple, kwargs: dict) -> Compiled:
        """The code for arguments like `args`, which `.source` shows from now on."""
        return self.prepare(self.bind_call(args, kwargs))[0]

    @property
    def source(self) -> str:
        """The generated Python source, for the argument types of the last call (or
        `source_for`, `to_dot`...; before any, for Python floats)."""
        return self._default_compiled().source

    def source_for(self, *args, **kwargs) -> str:
        """The generated Python source for arguments of the types of `args` (only their
        types matter: ``grad(f).source_for(np.zeros(3))``)."""
        return self._compiled_for(args, kwargs).source

    @property
    def ir(self):
        """The IR of the generated function, for the argument types of the last call (or
        `ir_for`...; before any, for Python floats); print() shows it as text."""
        return PrintableIR(self._default_compiled(
            f"{self._label()}.ir_for(np.zeros(3)), or call it first").ir)

    def ir_for(self, *args, **kwargs):
        """The IR of the generated function for arguments of the types of `args`."""
        return PrintableIR(self._compiled_for(args, kwargs).ir)

    # ---- staging inside another compiled function -----------------------------------
    def __adcompile_apply__(self, builder, values, outside):
        """Emit an ``apply`` of this transform to `values` (see `staging.stage`)."""
        return stage(self, self.spec, self._partial, builder, values, outside)


class PrintableIR:
    """An IR function that prints as text."""

    def __init__(self, fn: Function):
        self.function = fn

    def __str__(self) -> str:
        return format_function(self.function)

    __repr__ = __str__


def _decorator(kind: str, doc: str):
    def transform(fun=None, argnums=0):
        if fun is None:
            return lambda f: Transformed(f, kind, argnums)
        return Transformed(fun, kind, argnums)
    transform.__name__ = transform.__qualname__ = kind
    transform.__doc__ = doc
    transform.__adcompile_static__ = True
    return transform


grad = _decorator("grad", "The gradient of a scalar function with respect to `argnums` "
                          "(an int gives one gradient, a tuple a tuple of them).")
value_and_grad = _decorator("value_and_grad", "The value of a scalar function and its "
                                              "gradient, computed in one pass.")
hessian = _decorator("hessian", "The Hessian of a scalar function, by forward-over-reverse. "
                                "With a tuple `argnums`, a tuple of tuples of blocks.")
jacobian = _decorator("jacobian", "The Jacobian of a function, by forward mode: "
                                  "output.shape + input.shape for each input.")


hvp = _decorator("hvp", "The Hessian-vector product of a scalar function: ``hvp(f)(*args, "
                        "v)`` is the Hessian with respect to `argnums` times v (shaped like "
                        "those arguments; a tuple for a tuple `argnums`), by forward over "
                        "reverse mode, never forming the Hessian.")


def derivative(fun=None, order: int = 1):
    """The `order`-th derivative of a function of its first argument, in Taylor mode
    (one pass, quadratic in `order`; forward mode applied `order` times where Taylor
    mode has no rule). Applied to an array, an elementwise function gives elementwise
    derivatives."""
    if fun is None:
        return lambda f: Transformed(f, "derivative", 0, order)
    return Transformed(fun, "derivative", 0, order)


derivative.__adcompile_static__ = True


def jvp(fun, primals, tangents):
    """Forward mode: ``(f(*primals), the derivative of f at primals along tangents)``.
    One primal per argument f is called with (each element of *args is one, as `grad`
    counts them); primals may be containers (see `pytree`); each tangent has its
    primal's structure, and the two results have the structure of f's result."""
    fun, bound, keywords = _unpartial(fun)
    label = f"jvp({function_name(fun)})"
    signature = _checked_signature("jvp", fun)
    primals = argument_sequence(label, "primals", primals)
    tangents = argument_sequence(label, "tangents", tangents)
    if len(primals) != len(tangents):
        raise AdcompileTypeError(f"{label} got {len(primals)} primals and {len(tangents)} "
                                 "tangents: give one tangent per primal")
    tangents = (None,) * len(bound) + tuple(tangents)
    values = bind_arguments(label, fun, signature, (*bound, *primals), keywords)
    floats, _, types, compiled, values = _prepared("jvp", label, fun, signature, values,
                                                   range(len(bound), len(tangents)))
    directions = []
    for s in floats:
        tangent = tangents[s.position]
        leaves, structure = _structured(tangent, s.tree)
        primal_types = types[s.start:s.start + s.tree.size]
        if structure != s.tree or not all(fits(v, t) for v, t in zip(leaves, primal_types)
                                          if t.is_float):
            shaped = describe(primal_types[0]) if s.tree.is_leaf else \
                f"structured as {s.tree}, each leaf shaped like the primal's"
            raise AdcompileTypeError(
                f"{label}: tangent {s.position - len(bound)} must be shaped like primal "
                f"{s.name!r}, {shaped}; got {reprlib.repr(tangent)} of type "
                f"{type(tangent).__name__}")
        directions += [v for v, t in zip(leaves, primal_types) if t.is_float]
    out = compiled.run(*values, *directions)
    n = len(out) // 2
    return unflatten(compiled.tree, out[:n]), unflatten(compiled.tree, out[n:])


def vjp(fun, *primals):
    """Reverse mode: ``(f(*primals), pullback)``; ``pullback(g)`` gives a cotangent for
    each primal, an element of *args too (None for ints, also inside containers), for a
    cotangent `g` with the structure and shapes of f's result."""
    fun, bound, keywords = _unpartial(fun)
    label = f"vjp({function_name(fun)})"
    signature = _checked_signature("vjp", fun)
    values = bind_arguments(label, fun, signature, (*bound, *primals), keywords)
    floats, given, types, compiled, call_values = _prepared(
        "vjp", label, fun, signature, values, range(len(bound), len(bound) + len(primals)))
    result_types = [param.type for param in compiled.ir.params[len(call_values):]]
    value = fun(*bound, *primals, **keywords)

    def pullback(g):
        if compiled.tree.node is tuple and isinstance(g, list):
            g = tuple(g)
        cotangents, structure = _structured(g, compiled.tree)
        if structure != compiled.tree or len(cotangents) != len(result_types) or not all(
                fits(c, t) for c, t in zip(cotangents, result_types)):
            expected = ", ".join(map(describe, result_types))
            if compiled.tree.node is tuple and compiled.tree.is_tuple_nest:
                expected = f"a tuple of {len(result_types)}: ({expected})"
            elif not compiled.tree.is_leaf:
                expected = f"structured as {compiled.tree}: {expected}"
            raise AdcompileTypeError(
                f"the pullback of {label} takes one cotangent shaped like the function's "
                f"result, {expected}; got {reprlib.repr(g)}")
        out = iter(compiled.run(*call_values, *cotangents))
        return tuple(unflatten(s.tree, [next(out) if types[k].is_float else None
                                        for k in s.leaves]) if s in floats else None
                     for s in given)

    return value, pullback


def _unpartial(fun) -> tuple[Callable, tuple, dict]:
    """`fun` as adcompile compiles it, and the arguments a `functools.partial` binds,
    read now."""
    if isinstance(fun, functools.partial):
        return _function_of(fun.func), fun.args, fun.keywords
    return _function_of(fun), (), {}


def _prepared(kind: str, label: str, fun, signature: inspect.Signature, values: list,
              caller: range) -> tuple[list[Selected], list[Selected], list[Type], Compiled,
                                      list]:
    """For jvp or vjp (`kind`) of `fun` at the parameters' `values`: which of the arguments
    at the `caller`'s call positions (an element of *args is one, as `grad` counts them)
    hold a float leaf and are differentiated, all of those arguments, the types of every
    leaf, and the code with what to call it with (the leaves, then the inputs read from
    outside, now)."""
    leaves, trees = flatten_arguments(values)
    types = argument_types(label, signature, leaves, trees)
    refuse_complex(label, signature, leaves, types, trees, caller)
    given = selected_arguments(label, signature, trees, tuple(caller))
    floats = [s for s in given if any(types[k].is_float for k in s.leaves)]
    # (a Transformed made per call: the compile cache is shared by them all)
    compiled, call_values = Transformed(fun, kind, tuple(s.position for s in floats)) \
        .prepare(values)
    return floats, given, types, compiled, call_values


def _structured(value, like: Tree) -> tuple[list, Tree]:
    """The leaves and structure of a tangent or cotangent for a value shaped `like`."""
    if like.is_leaf or value is None:
        return [value], LEAF
    return flatten(value)


def primal(fun) -> Transformed:
    """`fun` itself, compiled: for reading its IR, drawing it, or timing it."""
    return fun if isinstance(fun, Transformed) else Transformed(fun, "primal")


def compiled_for(fun, args: tuple, how: str | None = None) -> tuple[Transformed, Compiled]:
    """`fun` as a transform (see `primal`) and its code compiled for the example
    arguments `args`; without them, for its last call's arguments (floats if it has not
    been called), as `.source` shows it (`how` says how to give example arguments, if
    floats do not compile)."""
    transform = primal(fun)
    if not args:
        return transform, transform._default_compiled(how)
    return transform, transform._compiled_for(args, {})


def to_dot(fun, *args, verbose: bool = False) -> str:
    """The DOT text of the IR of `fun` (a function, or a transform such as grad(f)),
    specialised for the example arguments `args` (see `compiled_for`).

    Values are labelled with their names and types; with `verbose`, arrays with their
    dtype as well as their shape.
    """
    compiled = compiled_for(fun, args, "ad.to_dot(f, np.zeros(3))")[1]
    return function_to_dot(compiled.ir, verbose)


def plot(fun, path, *args, verbose: bool = False) -> str:
    """Render the IR of `fun`, specialised for the example arguments `args`, to `path`
    (.png, .svg or .pdf) with Graphviz's `dot`."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise AdcompileValueError(f"plot writes .png, .svg or .pdf files, not {path!r}")
    image = render(to_dot(fun, *args, verbose=verbose), fmt)
    with open(path, "wb") as out:
        out.write(image)
    return path
