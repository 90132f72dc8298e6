"""The public transforms and the compile cache.

Each transform (`grad`, `value_and_grad`, `hessian`, ...) returns a `Transformed`: a
callable that compiles the user's function for the types of the arguments it is called
with (Python scalar, or ndarray shape and dtype), caches the result, and afterwards
costs one dictionary look-up and the call. Compiling runs the pipeline:

    lower (frontend, cached per code) -> clone and type for the signature ->
    expand nested transforms -> derivative transform(s) -> optimize -> codegen -> exec

What the function reads from outside is read at call time (see `frontend.reads`): the
numbers and arrays it reads are passed to the generated code after the arguments, and
their types are part of the cache key; the lowering it was compiled from is used only
while its guards hold (each module, function or other object read is the same object),
and is lowered again otherwise. Lowerings and compiled code are shared by every function
with the same code, so the closures a factory makes compile once.

A `Transformed` used inside another compiled function (``grad(g)(x)`` in the body of f)
is not called: the frontend stages it as an ``apply`` op, and its IR is inlined.

Misuse of the API raises `AdcompileTypeError` or `AdcompileValueError` naming the transform
and the argument; an unexpected exception in a stage of the pipeline is reported as an
`InternalCompilerError` naming the stage. Compiling holds one process-wide lock, so threads
calling the same transform compile it once; a call that finds its code cached takes no lock.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import reprlib
import threading
import weakref
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .backend.compile import compile_function, compile_source
from .arguments import (Selected, argument_sequence, argument_types, bind_arguments,
                        call_with, checked_argnums, checked_order, describe, fits,
                        flatten_arguments, is_position, leaf_descriptions,
                        selected_arguments, unflatten_arguments)
from .dispatch import dispatcher, fast_key, reader
from .display import notebook_html, problem_html, render
from .errors import (AdcompileError, AdcompileTypeError, AdcompileValueError,
                     InternalCompilerError, NonDifferentiableError, SourceUnavailableError)
from .frontend.callables import signature_for
from .frontend.lower import Lowered, Static, lower
from .frontend.reads import Read
from .ir.clone import clone_function
from .ir.dot import function_to_dot
from .ir.infer import infer_function
from .ir.nodes import Function, Value
from .ir.types import ArrayType, Type, type_of
from .ir.printer import format_function
from .passes import optimize
from .passes.strength import reduce_strength
from .pytree import LEAF, Tree, compose, flatten, leaf_paths, nesting, tuple_of, unflatten
from .transforms.batch import BatchUnsupported
from .transforms.forward import forward
from .transforms.jacobian import jacobian_blocks
from .transforms.inline import inline_applies
from .transforms.reverse import reverse
from .transforms.taylor import TaylorUnsupported, nth_derivative

# code object -> its lowerings, one per state of what it reads that is not an input
_LOWERED: dict[Any, list[Lowered]] = {}
# Held while compiling: by one thread at a time, and again by a transform compiled inside
# another (hence re-entrant).
_COMPILE_LOCK = threading.RLock()


def _lowered(fun, trees: tuple | None = None) -> Lowered:
    """The lowering of `fun` for arguments of structures `trees` (None: all leaves),
    valid for what `fun` reads now; lowered anew if none is."""
    variants = _LOWERED.setdefault(fun.__code__, [])
    lowered = _valid_lowering(variants, fun, trees)
    if lowered is None:
        with _COMPILE_LOCK:  # (another thread may have lowered it while this one waited)
            lowered = _valid_lowering(variants, fun, trees)
            if lowered is None:
                with _stage(f"reading the source of {fun.__name__}"):
                    lowered = lower(fun, trees)
                variants.append(lowered)
    return lowered


def _valid_lowering(variants: list[Lowered], fun, trees) -> Lowered | None:
    return next((lowered for lowered in variants
                 if lowered.trees == trees and lowered.valid_for(fun)), None)


@contextlib.contextmanager
def _stage(doing: str, expected: tuple = (AdcompileError,)):
    """Let the exceptions a compiler stage raises on purpose (`expected`) through;
    report any other as an `InternalCompilerError` saying what the compiler was `doing`."""
    try:
        yield
    except (*expected, InternalCompilerError):  # a nested transform's names its own stage
        raise
    except Exception as exc:
        raise InternalCompilerError(doing, exc) from exc


def _types_text(arg_types: list[Type]) -> str:
    return f"({', '.join(map(str, arg_types))})"


# (code, transform, argnums, order) -> {(lowering, argument signature) -> compiled code}
_CACHES: dict[tuple, dict] = {}
_CONTAINERS = (tuple, list, dict)
# The transforms whose generated function returns exactly what the user gets.
_DIRECT_KINDS = ("grad", "primal", "derivative")
# The transforms computing a whole matrix, in one program unless `per_direction`.
_MATRIX_KINDS = ("hessian", "jacobian")


def _function_of(fun):
    """`fun`, or for a NumPy, math or builtin function adcompile knows (``np.sin``,
    ``math.exp``), a Python function calling it, whose source is registered with
    linecache so the frontend reads it like any other."""
    if isinstance(fun, Transformed) or hasattr(fun, "__code__"):
        return fun
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


def specialize(fun, arg_types: list[Type], trees: tuple | None = None) -> Function:
    """The user function's IR, typed for `arg_types`, nested transforms expanded.

    `arg_types` covers the leaves of the user's arguments (of structures `trees`) and
    then the function's inputs from outside; given the user's only, the inputs are
    typed from what they hold now.
    """
    with _stage(f"typing {fun.__name__} for arguments {_types_text(arg_types)}"):
        lowered = _lowered(fun, trees)
        fn = clone_function(lowered.function)
        n_user = len(fn.params) - len(lowered.inputs)
        if len(arg_types) == n_user:
            arg_types = [*arg_types, *(type_of(read.fetch(fun)) for read in lowered.inputs)]
        if len(arg_types) != len(fn.params):
            raise AdcompileTypeError(f"{fun.__name__}() takes {n_user} arguments, "
                                     f"got {len(arg_types) - len(lowered.inputs)}")
        infer_function(fn, arg_types)
    with _stage(f"expanding the transforms called in {fun.__name__}"):
        while inline_applies(fn, _build_staged):
            infer_function(fn, arg_types)
    with _stage(f"optimizing {fun.__name__}", expected=()):
        return optimize(fn)


def _build_staged(callee, arg_types: list[Type]) -> Function:
    return callee.build_ir(arg_types)


@dataclass(frozen=True)
class _Staged:
    """A transform staged inside a compiled function with containers as arguments: the
    callee of an ``apply`` op, whose inputs are the leaves."""

    transform: "Transformed"
    trees: tuple

    def build_ir(self, arg_types: list[Type]) -> Function:
        return self.transform.build_ir(arg_types, self.trees)

    def __repr__(self) -> str:
        return repr(self.transform)


@dataclass
class _Compiled:
    ir: Function
    source: str
    function: Callable  # the generated function, whose source is `source`
    run: Callable       # what a call runs: it, falling back to NumPy semantics where it raises
    per_direction: bool  # a Jacobian or Hessian by one call of `function` per direction
    direct: bool  # whether `function` returns exactly what the user gets
    tree: Tree  # the structure of what the user gets (for jvp and vjp: f's result)
    positions: tuple  # the leaves differentiated
    # when `function` returns a flat tuple of leaves: the structure to rebuild from them
    assemble: Tree | None = None


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
        # Shared by every transform of the same code: `grad(f)(x)` written afresh in a
        # loop, or `grad(make(a))` for many `a`, compiles once.
        identity = self._code_identity()
        cache = _CACHES.get(identity)
        if cache is None:
            with _COMPILE_LOCK:  # two threads making the first grad(f) share one cache
                cache = _CACHES.setdefault(identity, {})
        self._cache: dict[tuple, _Compiled] = cache
        # (lowering, argument classes, input classes) -> generated function
        self._direct: dict[tuple, Callable] = {}
        # argument structures -> (lowering, function giving its inputs now, or None where
        # a guard fails), for each lowering met
        self._readers: dict[tuple | None, tuple[tuple[Lowered, Callable | None], ...]] = {}
        self._dispatch = self._call
        self._last: _Compiled | None = None
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
            getattr(self.fun, "__name__", "f")
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

    def prepare(self, values: list) -> tuple[_Compiled, list]:
        """The compiled code for arguments like `values` (from the cache if it is there),
        and what to call it with: the leaves of `values`, then the inputs read from
        outside, now."""
        leaves, trees = flatten_arguments(values)
        compiled, call_values, _ = self._prepare(leaves, trees)
        return compiled, list(call_values)

    def _prepare(self, values, trees: tuple | None = None) -> tuple[_Compiled, Any, Lowered]:
        for lowered, read_inputs in self._readers.get(trees, ()):
            if read_inputs is None:  # it reads nothing
                call_values = values
                break
            inputs = read_inputs()
            if inputs is not None:
                call_values = [*values, *inputs]
                break
        else:
            lowered, inputs = self._read_now(trees)
            call_values = [*values, *inputs]
        compiled = self._cache.get((lowered, fast_key(call_values)))
        if compiled is None:
            with _COMPILE_LOCK:  # the first thread compiles; the others find it cached
                # An input that is no longer a number or an array lowers again, which says
                # where the function uses it.
                lowered, inputs = self._read_now(trees)
                call_values = [*values, *inputs]
                key = (lowered, fast_key(call_values))
                compiled = self._cache.get(key)
                if compiled is None:
                    compiled = self._compile(values, inputs, trees)
                    self._cache[key] = compiled
        self._last = compiled
        return compiled, call_values, lowered

    def _read_now(self, trees: tuple | None = None) -> tuple[Lowered, list]:
        """The lowering valid now and its inputs, with a reader for the next calls."""
        lowered = _lowered(self.root, trees)
        inputs = [read.fetch(self.root) for read in lowered.inputs]
        known = self._readers.get(trees, ())
        if all(other is not lowered for other, _ in known):
            # replaced whole, so that a call in another thread never sees it grow
            self._readers = {**self._readers,
                             trees: (*known, (lowered, reader(self.root, lowered)))}
        return lowered, inputs

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
                break
        compiled, values, lowered = self._prepare(values, trees)
        if compiled.direct and trees is None and len(args) == self._arity and not kwargs \
                and not any(isinstance(v, np.ndarray) for v in values):
            signature = (lowered, *map(type, values))
            if signature not in self._direct:
                with _COMPILE_LOCK:  # dispatcher reads _direct, which another call may grow
                    self._direct[signature] = compiled.run
                    self._dispatch = dispatcher(self.root, self._arity, self._direct,
                                                 self._call)
        if compiled.per_direction:
            return self._sweep(compiled, values)
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
            for s in self._selected(trees):
                parts.append(f"{s.name!r} ({describe(types[k]) if s.tree.is_leaf else s.tree})")
                k += s.tree.size
            expected = ", ".join(parts)
            raise AdcompileTypeError(
                f"{label}: v must be shaped like the arguments it differentiates, "
                f"{expected}{'' if self._single else ', as a tuple'}; got "
                f"{reprlib.repr(args[-1])}")
        return _assembled(compiled, compiled.run(*values, *leaves))

    def _selected(self, trees: tuple | None) -> list[Selected]:
        return selected_arguments(self._label(), self._signature, trees, self._positions)

    def _differentiated(self, trees: tuple | None, types: list[Type]) -> list[int]:
        """The leaves differentiated; for jvp and vjp, which take every argument they are
        given, the float leaves of the arguments selected."""
        leaves = [k for s in self._selected(trees) for k in s.leaves]
        if self.kind in ("jvp", "vjp"):
            return [k for k in leaves if types[k].is_float]
        return leaves

    def _argument_types(self, values: list, trees: tuple | None) -> list[Type]:
        """The types of the leaves, which must be floats where they are differentiated."""
        types = argument_types(self._label(), self._signature, values, trees)
        _refuse_complex(self._label(), self._signature, values, types, trees,
                        self._positions)
        if self.kind in ("jvp", "vjp"):
            return types
        for s in self._selected(trees):
            for k, path in zip(s.leaves, leaf_paths(s.tree, s.name)):
                if not types[k].is_float:
                    raise self._refusal(s, path, values[k], types[k])
        return types

    def _refusal(self, s: Selected, path: str, value, t: Type) -> AdcompileTypeError:
        if t.is_array:
            example = "an array of floats (x.astype(float))"
        elif isinstance(t, ArrayType) and t.kind in "biu":
            example = f"a float (such as {float(value)!r})"
        else:
            example = "a float"
        if s.tree.is_leaf:
            passed = "which was passed"
            instead = "leave this argument out of argnums"
        else:
            passed = f"whose element {path} is"
            instead = ("pass what is not differentiated in an argument left out of argnums "
                       "(or as a keyword argument through **kwargs)")
        return AdcompileTypeError(
            f"{self._label()} differentiates with respect to argument {s.name!r} (position "
            f"{s.position}), {passed} {reprlib.repr(value)} of type {type(value).__name__}: "
            f"derivatives need float inputs. Pass {example}, or {instead}.")

    def _sweep(self, compiled: _Compiled, values: list):
        """Jacobian or Hessian, by a call of the tangent program per basis direction of each
        differentiated input: for programs the batch transform cannot batch."""
        blocks = _basis_sweep(compiled.run, values, compiled.positions)
        return unflatten(compiled.tree, [block for row in blocks for block in row])

    def result_tree(self, trees: tuple | None) -> Tree:
        """The structure of what this transform gives for arguments of structures
        `trees` (JAX's: a gradient is shaped like what it is taken with respect to; a
        Jacobian is the output's structure with the input's in place of each leaf)."""
        value = self.fun.result_tree(trees) if isinstance(self.fun, Transformed) else \
            _lowered(self.root, trees).result_tree
        if self.kind in ("primal", "derivative", "jvp", "vjp"):
            return value
        selected = [s.tree for s in self._selected(trees)]
        wrt = selected[0] if self._single else tuple_of(selected)
        if self.kind in ("grad", "hvp"):
            return wrt
        if self.kind == "value_and_grad":
            return tuple_of([value, wrt])
        if self.kind == "hessian":
            return compose(wrt, wrt)
        return compose(value, wrt)  # jacobian

    # ---- compiling ------------------------------------------------------------------
    def build_ir(self, arg_types: list[Type], trees: tuple | None = None) -> Function:
        """The optimized IR of this transform for arguments whose leaves have these types
        (and whose structures are `trees`, None when every argument is a leaf). Its
        results are the leaves of what the user gets, returned as that structure where
        it is plain tuples, else as a flat tuple."""
        if isinstance(self.fun, Transformed):
            fn = self.fun.build_ir(arg_types, trees)
        else:
            fn = specialize(self.fun, arg_types, trees)
        self._per_direction = False  # read by _compile
        positions = [] if self.kind == "primal" else self._differentiated(trees, arg_types)
        self._leaf_positions = positions  # read by _compile
        ir = self._transformed(fn, arg_types, positions)
        if self.kind in ("grad", "hvp", *_MATRIX_KINDS) and not self._per_direction:
            tree = self.result_tree(trees)
            ir.returns_tuple = not tree.is_leaf
            ir.result_nesting = nesting(tree) if tree.is_tuple_nest and any(
                not child.is_leaf for child in tree.children) else None
        return ir

    def _transformed(self, fn: Function, arg_types: list[Type], positions: list[int]
                     ) -> Function:
        kind = self.kind
        if kind == "primal":
            return fn
        if kind in ("grad", "value_and_grad", "hessian", "hvp"):
            _require_scalar_output(fn, self)
            ir = self._derive("reverse", arg_types, reverse, fn, positions,
                              with_value=kind == "value_and_grad", cotangent_params=False)
            if kind == "hessian":
                return self._whole_matrix(arg_types, ir, positions)
            if kind == "hvp":
                ir = self._derive("forward", arg_types, forward, ir, positions,
                                  seed_ones=False, with_value=False)
            ir.returns_tuple = kind == "value_and_grad" or len(positions) > 1
            return ir
        if kind == "vjp":
            return self._derive("reverse", arg_types, reverse, fn, positions,
                                with_value=False, cotangent_params=True)
        if kind == "jacobian":
            return self._whole_matrix(arg_types, fn, positions)
        if kind == "jvp":
            ir = self._derive("forward", arg_types, forward, fn, positions, seed_ones=False,
                              with_value=True)
            ir.returns_tuple = True
            return ir
        if kind == "derivative":
            _require_scalar_output(fn, self)
            if self.order == 0:
                return fn
            if len(positions) != 1:
                raise AdcompileTypeError(f"{self._label()} takes a function of one number "
                                         "or array, not of a container")
            try:
                return self._derive("Taylor", arg_types, nth_derivative, fn, self.order,
                                    expected=(TaylorUnsupported,))
            except TaylorUnsupported:
                for _ in range(self.order):
                    fn = self._derive("forward", arg_types, forward, fn, [0],
                                      seed_ones=True, with_value=False)
                return fn
        raise ValueError(f"unknown transform {kind!r}")

    @property
    def _single(self) -> bool:
        return isinstance(self.argnums, int)

    def _whole_matrix(self, arg_types: list[Type], fn: Function, positions: list[int]
                      ) -> Function:
        """The Jacobian of `fn`'s results (a Hessian's: of the gradient) as one program
        returning a block for each result and each differentiated leaf, row by row (see
        `build_ir` for their structure). Where the tangents cannot be batched, the tangent
        program instead, called once per basis direction."""
        try:
            ir = self._derive("forward", arg_types, jacobian_blocks, fn, positions,
                              expected=(NonDifferentiableError, BatchUnsupported))
        except BatchUnsupported:
            self._per_direction = True
            ir = self._derive("forward", arg_types, forward, fn, positions, seed_ones=False,
                              with_value=False)
            ir.returns_tuple = True
        return ir

    def _derive(self, mode: str, arg_types: list[Type], transform: Callable, fn: Function,
                *args, expected: tuple = (NonDifferentiableError,), **kwargs) -> Function:
        """`transform(fn, *args, **kwargs)`, optimized."""
        label = self._label()
        with _stage(f"differentiating {label} in {mode} mode for arguments "
                    f"{_types_text(arg_types)}", expected):
            ir = transform(fn, *args, **kwargs)
        with _stage(f"optimizing the {mode}-mode derivative of {label}", expected=()):
            return optimize(ir)

    def _compile(self, values: list, inputs: list, trees: tuple | None) -> _Compiled:
        # Unsupported syntax is reported before the arguments are judged.
        _lowered(self.root, trees)
        arg_types = [*self._argument_types(values, trees), *map(type_of, inputs)]
        ir = self.build_ir(arg_types, trees)
        name = _python_name(self)
        with _stage(f"generating Python for {self._label()}", expected=()):
            source, function, run = compile_function(
                for_codegen(ir), name, functools.partial(self._defined_at, trees))
        tree = self.result_tree(trees)
        # build_ir returns plain tuples as the user gets them; anything else is rebuilt
        flat = self.kind == "value_and_grad" or not tree.is_tuple_nest
        assemble = tree if flat and self.kind not in ("jvp", "vjp") else None
        direct = (self.kind in _DIRECT_KINDS or self.kind in _MATRIX_KINDS and
                  not self._per_direction) and assemble is None
        return _Compiled(ir, source, function, run, self._per_direction, direct, tree,
                         tuple(self._leaf_positions), assemble)

    def _defined_at(self, trees: tuple | None, *args) -> bool:
        """Whether the user's function computes, without an arithmetic or domain error, at
        the user's arguments whose leaves begin `args`."""
        try:
            call_with(self.root, self._signature,
                      unflatten_arguments(self._signature, trees, args))
        except (ArithmeticError, ValueError):
            return False
        return True

    def _default_compiled(self, how: str | None = None) -> _Compiled:
        """The code of the last call, or, before any call, the code for the parameters'
        defaults and Python floats. Where that does not compile (an array function), the
        error says that the code depends on the argument types and `how` to give them."""
        if self._last is None:
            variadic = {inspect.Parameter.VAR_POSITIONAL: (),
                        inspect.Parameter.VAR_KEYWORD: {}}
            values = [variadic.get(param.kind, param.default)
                      if param.default is not inspect.Parameter.empty or param.kind in
                      variadic else 1.0 for param in self._signature.parameters.values()]
            _lowered(self.root)  # what does not compile for any types says so itself
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

    def _compiled_for(self, args: tuple, kwargs: dict) -> _Compiled:
        """The code for arguments like `args`, which `.source` shows from now on."""
        return self.prepare(self._bind(args, kwargs))[0]

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
        """Emit an ``apply`` of this transform to `values` (Values, or containers of
        them). What the user's function reads from outside becomes the caller's:
        `outside(read, obj)` guards an object and gives a value for an input, passed on
        after the leaves of `values`; so do a partial's bound arguments."""
        if self.kind not in ("grad", "value_and_grad", "derivative", "primal"):
            raise AdcompileTypeError(f"{self._label()} cannot be called inside a compiled "
                                     "function; call grad, value_and_grad or derivative there")
        args, kwargs = list(values), {}
        if self._partial is not None:
            name = self.root.__name__
            args = [outside(Read(self._partial, "partial", k, f"{name}_arg{k}"), v)
                    for k, v in enumerate(self._partial.args)] + args
            kwargs = {key: outside(Read(self._partial, "partial", key, key), v)
                      for key, v in self._partial.keywords.items()}
        bound = bind_arguments(self._label(), self.fun, self._signature, args, kwargs)
        leaves, trees = flatten_arguments(bound)
        operands = [v if isinstance(v, Value) else builder.const(_static_value(v))
                    for v in leaves]  # defaults filled in, and what a partial binds
        lowered = _lowered(self.root, trees)
        for read, obj in lowered.guards.items():
            outside(read.rebase(self.root), obj)
        inputs = [outside(read.rebase(self.root), read.fetch(self.root))
                  for read in lowered.inputs]
        tree = self.result_tree(trees)
        callee = self if trees is None else _Staged(self, trees)
        outputs = builder.emit("apply", [*operands, *inputs], {"callee": callee},
                               n_out=tree.size).outputs
        return unflatten(tree, outputs, none=Static(None))


def _static_value(value):
    """A constant for an argument known while compiling."""
    value = value.obj if isinstance(value, Static) else value
    if value is not None and not isinstance(value, (int, float, complex, np.ndarray,
                                                    np.generic)):
        raise AdcompileTypeError(f"{reprlib.repr(value)} cannot be an argument of a "
                                 "transform called inside a compiled function: pass "
                                 "numbers and arrays")
    return value


def _assembled(compiled: _Compiled, result):
    """What the user gets from what the generated function returned."""
    return result if compiled.assemble is None else unflatten(compiled.assemble, result)


class PrintableIR:
    """An IR function that prints as text."""

    def __init__(self, fn: Function):
        self.function = fn

    def __str__(self) -> str:
        return format_function(self.function)

    __repr__ = __str__




def for_codegen(ir: Function) -> Function:
    """A copy of `ir` as codegen takes it (see `passes.strength`)."""
    return reduce_strength(clone_function(ir))


def _python_name(transform: Transformed) -> str:
    parts = []
    while isinstance(transform, Transformed):
        if transform.kind != "primal":
            kind = transform.kind
            parts.append(f"d{transform.order}" if kind == "derivative" else kind)
        transform = transform.fun
    name = getattr(transform, "__name__", "f")
    name = "lambda_fn" if name == "<lambda>" else name
    return "_".join([name, *reversed(parts)]) if parts else name


def _refuse_complex(label: str, signature: inspect.Signature, values: list, types: list,
                    trees: tuple | None, positions) -> None:
    """Complex arguments are refused where they would be differentiated: a derivative
    here is with respect to real numbers, and the holomorphic one a complex `x * x`
    would give (2x) is not the gradient of any real function of the real and imaginary
    parts. `values` and `types` are the leaves' (see `flatten_arguments`)."""
    for s in selected_arguments(label, signature, trees, tuple(positions)):
        for k, path in zip(s.leaves, leaf_paths(s.tree, s.name)):
            if isinstance(types[k], ArrayType) and types[k].kind == "c":
                passed = "which was passed" if s.tree.is_leaf else f"whose element {path} is"
                raise AdcompileTypeError(
                    f"{label} differentiates with respect to argument {s.name!r} (position "
                    f"{s.position}), {passed} {reprlib.repr(values[k])}, a complex value: "
                    "adcompile differentiates with respect to real floats and float arrays "
                    "only. Pass its real and imaginary parts as two float arguments (z.real, "
                    "z.imag), or leave this argument out of argnums.")


def _require_scalar_output(fn: Function, transform: Transformed) -> None:
    label = transform._label()
    if fn.returns_tuple:
        raise AdcompileTypeError(f"{label} needs a function returning one scalar, but it "
                                 f"returns a tuple of {len(fn.results)}: use jacobian or vjp")
    t = fn.results[0].type
    if not isinstance(t, ArrayType) or t.kind not in "biufc":
        raise AdcompileTypeError(f"{label} needs a numeric result, but the function returns "
                                 f"{t}")
    if t.kind == "c":
        raise AdcompileTypeError(f"{label} needs a real result, but the function returns "
                                 f"{t}, a complex value: complex numbers are not "
                                 "differentiated; compute with real and imaginary parts "
                                 "as floats")
    if t.is_array and transform.kind != "derivative" and t.size != 1:
        raise AdcompileTypeError(f"{label} needs a function returning one scalar, but it "
                                 f"returns an array of shape {t.shape}: use jacobian or vjp, "
                                 "or reduce it first (np.sum)")


def _basis_sweep(tangent_fn: Callable, values: list, positions: tuple) -> list[list]:
    """blocks[i][j]: d(output i)/d(input positions[j]), shaped output.shape + input.shape.

    `tangent_fn(*values, *tangents)` returns the tangent of each output.
    """
    columns: list[list[list]] = []
    for j, position in enumerate(positions):
        shape = np.shape(values[position])
        per_direction = []
        for index in np.ndindex(*shape):
            tangents = []
            for p in positions:
                zero = np.zeros_like(values[p], dtype=float) if isinstance(
                    values[p], np.ndarray) else 0.0
                if p == position:
                    if isinstance(zero, np.ndarray):
                        zero[index] = 1.0
                    else:
                        zero = 1.0
                tangents.append(zero)
            out = tangent_fn(*values, *tangents)
            per_direction.append(out if isinstance(out, tuple) else (out,))
        columns.append(per_direction)
    n_outputs = len(columns[0][0])
    blocks = []
    for i in range(n_outputs):
        row = []
        for j, position in enumerate(positions):
            shape = np.shape(values[position])
            pieces = [np.asarray(direction[i], dtype=float) for direction in columns[j]]
            if not shape:
                row.append(pieces[0].item() if pieces[0].ndim == 0 else pieces[0])
                continue
            stacked = np.stack(pieces, axis=-1)
            row.append(stacked.reshape(stacked.shape[:-1] + shape))
        blocks.append(row)
    return blocks


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
    Primals may be containers (see `pytree`); each tangent has its primal's structure,
    and the two results have the structure of f's result."""
    label = f"jvp({getattr(fun, '__name__', 'f')})"
    fun = _function_of(fun)
    signature = _checked_signature("jvp", fun)
    primals = argument_sequence(label, "primals", primals)
    tangents = argument_sequence(label, "tangents", tangents)
    if len(primals) != len(tangents):
        raise AdcompileTypeError(f"{label} got {len(primals)} primals and {len(tangents)} "
                                 "tangents: give one tangent per primal")
    values = bind_arguments(label, fun, signature, primals, {})  # with defaults
    positions, types, trees = _float_arguments(label, signature, values, len(primals))
    _refuse_complex(label, signature, flatten_arguments(values)[0], types, trees,
                    range(len(primals)))
    transform = Transformed(fun, "jvp", positions)  # the compile cache is shared
    compiled, values = transform.prepare(values)  # leaves, then inputs from outside
    names = list(signature.parameters)
    directions = []
    for i in positions:
        tree, start = _argument_structure(trees, i)
        leaves, given = _structured(tangents[i], tree)
        primal_types = types[start:start + tree.size]
        if given != tree or not all(fits(v, t) for v, t in zip(leaves, primal_types)
                                    if t.is_float):
            shaped = describe(primal_types[0]) if tree.is_leaf else \
                f"structured as {tree}, each leaf shaped like the primal's"
            raise AdcompileTypeError(
                f"{label}: tangent {i} must be shaped like primal {names[i]!r}, {shaped}; "
                f"got {reprlib.repr(tangents[i])} of type {type(tangents[i]).__name__}")
        directions += [v for v, t in zip(leaves, primal_types) if t.is_float]
    out = compiled.run(*values, *directions)
    n = len(out) // 2
    return unflatten(compiled.tree, out[:n]), unflatten(compiled.tree, out[n:])


def vjp(fun, *primals):
    """Reverse mode: ``(f(*primals), pullback)``; ``pullback(g)`` gives a cotangent for
    each primal (None for ints, also inside containers), for a cotangent `g` with the
    structure and shapes of f's result."""
    label = f"vjp({getattr(fun, '__name__', 'f')})"
    fun = _function_of(fun)
    signature = _checked_signature("vjp", fun)
    values = bind_arguments(label, fun, signature, primals, {})  # with defaults
    positions, types, trees = _float_arguments(label, signature, values, len(primals))
    _refuse_complex(label, signature, flatten_arguments(values)[0], types, trees,
                    range(len(primals)))
    transform = Transformed(fun, "vjp", positions)
    compiled, call_values = transform.prepare(values)  # leaves, then inputs from outside
    result_types = [param.type for param in compiled.ir.params[len(call_values):]]
    value = fun(*primals)

    def pullback(g):
        if compiled.tree.node is tuple and isinstance(g, list):
            g = tuple(g)
        cotangents, given = _structured(g, compiled.tree)
        if given != compiled.tree or len(cotangents) != len(result_types) or not all(
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
        result = []
        for i in range(len(primals)):
            tree, start = _argument_structure(trees, i)
            leaves = [next(out) if i in positions and t.is_float else None
                      for t in types[start:start + tree.size]]
            result.append(unflatten(tree, leaves) if i in positions else None)
        return tuple(result)

    return value, pullback


def _float_arguments(label: str, signature: inspect.Signature, values: list, n: int
                     ) -> tuple[tuple, list[Type], tuple | None]:
    """The positions among the first `n` arguments that hold a float leaf, the types of
    all the leaves, and the arguments' structures."""
    leaves, trees = flatten_arguments(values)
    types = argument_types(label, signature, leaves, trees)
    positions = []
    for i in range(n):
        tree, start = _argument_structure(trees, i)
        if any(t.is_float for t in types[start:start + tree.size]):
            positions.append(i)
    return tuple(positions), types, trees


def _argument_structure(trees: tuple | None, i: int) -> tuple[Tree, int]:
    """The structure of argument i and where its leaves start."""
    if trees is None:
        return LEAF, i
    return trees[i], sum(t.size for t in trees[:i])


def _structured(value, like: Tree) -> tuple[list, Tree]:
    """The leaves and structure of a tangent or cotangent for a value shaped `like`."""
    if like.is_leaf or value is None:
        return [value], LEAF
    return flatten(value)


def primal(fun) -> Transformed:
    """`fun` itself, compiled: for reading its IR, drawing it, or timing it."""
    return fun if isinstance(fun, Transformed) else Transformed(fun, "primal")


def compiled_for(fun, args: tuple, how: str | None = None) -> tuple[Transformed, _Compiled]:
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
