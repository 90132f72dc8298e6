"""The public transforms and the compile cache.

Each transform (`grad`, `value_and_grad`, `hessian`, ...) returns a `Transformed`: a
callable that compiles the user's function for the types of the arguments it is called
with (Python scalar, or ndarray shape and dtype), caches the result, and afterwards
costs one dictionary look-up and the call. Compiling runs the pipeline:

    lower (frontend, cached per function) -> clone and type for the signature ->
    expand nested transforms -> derivative transform(s) -> optimize -> codegen -> exec

A `Transformed` used inside another compiled function (``grad(g)(x)`` in the body of f)
is not called: the frontend stages it as an ``apply`` op, and its IR is inlined.
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .backend.compile import compile_function
from .errors import GraphvizNotFoundError, SourceUnavailableError
from .frontend.lower import lower_function
from .ir.clone import clone_function
from .ir.dot import function_to_dot
from .ir.infer import infer_function
from .ir.nodes import Function
from .ir.types import Type, type_of
from .ir.printer import format_function
from .passes import optimize
from .passes.strength import reduce_strength
from .transforms.forward import forward
from .transforms.inline import inline_applies
from .transforms.reverse import reverse
from .transforms.taylor import TaylorUnsupported, nth_derivative

_LOWERED: dict[Any, Function] = {}


def _lowered(fun) -> Function:
    key = fun.__code__
    if key not in _LOWERED:
        _LOWERED[key] = lower_function(fun)
    return _LOWERED[key]


# (function, transform, argnums, order) -> {argument signature -> compiled code}
_CACHES: dict[tuple, dict] = {}
# The transforms whose generated function returns exactly what the user gets.
_DIRECT_KINDS = ("grad", "primal", "derivative")


def _normalize_argnums(argnums) -> tuple[int, ...]:
    if isinstance(argnums, int):
        return (argnums,)
    if isinstance(argnums, (tuple, list)) and all(isinstance(a, int) for a in argnums):
        return tuple(argnums)
    raise TypeError(f"argnums must be an int or a tuple of ints, not {argnums!r}")


def specialize(fun, arg_types: list[Type]) -> Function:
    """The user function's IR, typed for `arg_types`, nested transforms expanded."""
    fn = clone_function(_lowered(fun))
    if len(arg_types) != len(fn.params):
        raise TypeError(f"{fun.__name__}() takes {len(fn.params)} arguments, "
                        f"got {len(arg_types)}")
    infer_function(fn, arg_types)
    while inline_applies(fn):
        infer_function(fn, arg_types)
    return optimize(fn)


@dataclass
class _Compiled:
    ir: Function
    source: str
    function: Callable  # the generated function, whose source is `source`
    run: Callable       # what a call runs: it, falling back to NumPy semantics where it raises
    returns_tuple: bool  # whether the user's function returns a tuple


class Transformed:
    """A function transformed by adcompile: call it, or read `.source` and `.ir`.

    `fun` is a Python function or another `Transformed` (so ``grad(grad(f))`` composes
    the transforms on the IR). `kind` is one of ``primal``, ``grad``,
    ``value_and_grad``, ``hessian``, ``jacobian``, ``derivative``, ``jvp``, ``vjp``.
    """

    def __init__(self, fun: Callable, kind: str, argnums=0, order: int = 1):
        if not callable(fun):
            raise TypeError(f"{kind} expects a function, got {fun!r}")
        if not isinstance(fun, Transformed) and not hasattr(fun, "__code__"):
            raise SourceUnavailableError(
                f"{getattr(fun, '__name__', fun)!r} is not a Python function with source "
                "code (it may be a builtin or a NumPy ufunc): adcompile compiles functions "
                "from their source. Wrap it in a `def`, e.g. `def f(x): return np.sin(x)`.")
        if kind == "derivative" and (not isinstance(order, int) or order < 0):
            raise ValueError(f"order must be a non-negative int, not {order!r}")
        self.fun = fun
        self.kind = kind
        self.argnums = argnums
        self.order = order
        self._positions = _normalize_argnums(argnums)
        # Shared by every equal transform: `grad(f)(x)` written afresh in a loop
        # compiles once.
        self._cache: dict[tuple, _Compiled] = _CACHES.setdefault(self._identity(), {})
        self._direct: dict[tuple, Callable] = {}  # argument types -> generated function
        self._dispatch = self._call
        self._last: _Compiled | None = None
        self._signature = inspect.signature(fun)
        self._arity = len(self._signature.parameters)
        functools.update_wrapper(self, fun, updated=())

    def __repr__(self) -> str:
        return f"<adcompile {self._label()}>"

    def _identity(self) -> tuple:
        return (self.fun, self.kind, self.argnums if isinstance(self.argnums, int)
                else tuple(self.argnums), self.order)

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
            return f"derivative({inner}, order={self.order})"
        return f"{self.kind}({inner}, argnums={self.argnums})"

    # ---- calling --------------------------------------------------------------------
    def _bind(self, args, kwargs) -> list:
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return list(bound.arguments.values())

    def compiled(self, values: list) -> _Compiled:
        """The compiled code for arguments like `values`, from the cache if it is there."""
        key = _fast_key(values)
        compiled = self._cache.get(key)
        if compiled is None:
            self._check_arguments(values)
            compiled = self._compile([type_of(v) for v in values])
            self._cache[key] = compiled
        self._last = compiled
        return compiled

    @property
    def __call__(self):
        # Calling the object calls this property's value: a small generated dispatcher
        # that sends the common call (scalars of known types, all by position) straight
        # to the generated function, at the cost of one class test per argument.
        return self._dispatch

    def _call(self, *args, **kwargs):
        # Every argument by position skips inspect's binding, which costs more than a
        # scalar gradient itself.
        values = args if not kwargs and len(args) == self._arity else self._bind(args, kwargs)
        compiled = self._cache.get(_fast_key(values))
        if compiled is None:
            compiled = self.compiled(values)
        self._last = compiled
        if self.kind in _DIRECT_KINDS and len(args) == self._arity and not kwargs and \
                not any(isinstance(v, np.ndarray) for v in values):
            self._direct[tuple(map(type, values))] = compiled.run
            self._dispatch = _dispatcher(self._arity, self._direct, self._call)
        if self.kind in ("hessian", "jacobian"):
            return self._sweep(compiled, values)
        result = compiled.run(*values)
        if self.kind == "value_and_grad":
            grads = result[1] if isinstance(self.argnums, int) else result[1:]
            return result[0], grads
        return result

    def _check_arguments(self, values: list) -> None:
        if self.kind == "primal":
            return
        names = list(self._signature.parameters)
        for position in self._positions:
            if position >= len(values):
                raise TypeError(f"argnums {self.argnums} is out of range for "
                                f"{self._label()}, which takes {len(values)} arguments")
            value = values[position]
            if not type_of(value).is_float:
                raise TypeError(
                    f"{self._label()} differentiates with respect to argument "
                    f"{names[position]!r} (position {position}), which was passed {value!r} "
                    f"of type {type(value).__name__}: derivatives need float inputs. Pass "
                    f"a float (such as {float(np.asarray(value).flat[0])!r}) or an array of "
                    "floats, or leave this argument out of argnums.")

    def _sweep(self, compiled: _Compiled, values: list):
        """Jacobian or Hessian, a column per basis direction of each differentiated input."""
        blocks = _basis_sweep(compiled.run, values, self._positions)
        single = isinstance(self.argnums, int)
        if self.kind == "hessian":  # blocks[i][j]: d(gradient i) / d(input j)
            return blocks[0][0] if single else tuple(tuple(row) for row in blocks)
        outputs = [row[0] if single else tuple(row) for row in blocks]
        return tuple(outputs) if compiled.returns_tuple else outputs[0]

    # ---- compiling ------------------------------------------------------------------
    def build_ir(self, arg_types: list[Type]) -> Function:
        """The optimized IR of this transform for arguments of these types."""
        if isinstance(self.fun, Transformed):
            fn = self.fun.build_ir(arg_types)
        else:
            fn = specialize(self.fun, arg_types)
        self._returns_tuple = fn.returns_tuple  # read by _compile
        positions = list(self._positions)
        kind = self.kind
        if kind == "primal":
            return fn
        if kind in ("grad", "value_and_grad", "hessian"):
            _require_scalar_output(fn, self)
            ir = optimize(reverse(fn, positions, with_value=kind == "value_and_grad",
                                  cotangent_params=False))
            if kind == "hessian":
                ir = optimize(forward(ir, positions, seed_ones=False, with_value=False))
            ir.returns_tuple = not (kind == "grad" and isinstance(self.argnums, int))
            return ir
        if kind == "vjp":
            return optimize(reverse(fn, positions, with_value=False, cotangent_params=True))
        if kind in ("jvp", "jacobian"):
            ir = optimize(forward(fn, positions, seed_ones=False, with_value=kind == "jvp"))
            ir.returns_tuple = True
            return ir
        if kind == "derivative":
            _require_scalar_output(fn, self)
            if self.order == 0:
                return fn
            try:
                return optimize(nth_derivative(fn, self.order))
            except TaylorUnsupported:
                for _ in range(self.order):
                    fn = optimize(forward(fn, [0], seed_ones=True, with_value=False))
                return fn
        raise ValueError(f"unknown transform {kind!r}")

    def _compile(self, arg_types: list[Type]) -> _Compiled:
        ir = self.build_ir(arg_types)
        name = _python_name(self)
        return _Compiled(ir, *compile_function(reduce_strength(clone_function(ir)), name),
                         self._returns_tuple)

    def _default_compiled(self) -> _Compiled:
        if self._last is None:
            values = [param.default if param.default is not inspect.Parameter.empty else 1.0
                      for param in self._signature.parameters.values()]
            self.compiled(values)
        return self._last

    @property
    def source(self) -> str:
        """The generated Python source (for the last call's argument types, or floats)."""
        return self._default_compiled().source

    @property
    def ir(self):
        """The IR of the generated function; print() shows it as text."""
        return PrintableIR(self._default_compiled().ir)

    def result_types(self, arg_types: list[Type]) -> list[Type]:
        return [v.type for v in self.build_ir(arg_types).results]

    # ---- staging inside another compiled function -----------------------------------
    def __adcompile_apply__(self, builder, values):
        if self.kind not in ("grad", "value_and_grad", "derivative", "primal"):
            raise TypeError(f"{self._label()} cannot be called inside a compiled function; "
                            "call grad, value_and_grad or derivative there")
        n = len(self._positions)
        n_out = {"grad": n, "value_and_grad": 1 + n}.get(self.kind, 1)
        outputs = builder.emit("apply", values, {"callee": self}, n_out=n_out).outputs
        if self.kind == "grad":
            return outputs[0] if isinstance(self.argnums, int) else tuple(outputs)
        if self.kind == "value_and_grad":
            grads = outputs[1] if isinstance(self.argnums, int) else tuple(outputs[1:])
            return (outputs[0], grads)
        return outputs[0]


class PrintableIR:
    """An IR function that prints as text."""

    def __init__(self, fn: Function):
        self.function = fn

    def __str__(self) -> str:
        return format_function(self.function)

    __repr__ = __str__


def _dispatcher(arity: int, direct: dict, fallback: Callable) -> Callable:
    """A function testing the classes of its arguments against each signature in
    `direct`, calling that signature's generated function, or else `fallback`."""
    params = [f"_arg{i}_" for i in range(arity)]  # names no caller passes by keyword
    namespace = {"fallback": fallback, "MISSING": _MISSING}
    lines = [f"def dispatch({''.join(p + '=MISSING, ' for p in params)}*args, **kwargs):",
             "    if not args and not kwargs:"]
    for k, (types, function) in enumerate(direct.items()):
        namespace[f"f{k}"] = function
        tests = []
        for i, t in enumerate(types):
            namespace[f"t{k}_{i}"] = t
            tests.append(f"{params[i]}.__class__ is t{k}_{i}")
        lines += [f"        if {' and '.join(tests) or 'True'}:",
                  f"            return f{k}({', '.join(params)})"]
    given = ", ".join(params)
    lines.append(f"    return fallback(*[a for a in ({given}{',' if arity == 1 else ''}) "
                 "if a is not MISSING], *args, **kwargs)")
    exec("\n".join(lines), namespace)
    return namespace["dispatch"]


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _fast_key(values) -> tuple:
    """The cache key of a call: each argument's type, and shape and dtype for arrays."""
    return tuple([v.__class__ if v.__class__ is not np.ndarray else (v.shape, v.dtype.str)
                  for v in values])


def _python_name(transform: Transformed) -> str:
    parts = []
    while isinstance(transform, Transformed):
        if transform.kind != "primal":
            kind = transform.kind
            parts.append(f"d{transform.order}" if kind == "derivative" else kind)
        transform = transform.fun
    name = getattr(transform, "__name__", "f")
    return "_".join([name, *reversed(parts)]) if parts else name


def _require_scalar_output(fn: Function, transform: Transformed) -> None:
    label = transform._label()
    if fn.returns_tuple:
        raise TypeError(f"{label} needs a function returning one scalar, but it returns a "
                        f"tuple of {len(fn.results)}: use jacobian or vjp")
    t = fn.results[0].type
    if t.is_array and transform.kind != "derivative" and int(np.prod(t.shape)) != 1:
        raise TypeError(f"{label} needs a function returning one scalar, but it returns an "
                        f"array of shape {t.shape}: use jacobian or vjp, or reduce it first "
                        "(np.sum)")
    if not t.is_float and t.dtype not in ("int", "bool"):
        raise TypeError(f"{label} needs a numeric result, but the function returns {t}")


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
    transform.__name__ = kind
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
    """Forward mode: ``(f(*primals), the derivative of f at primals along tangents)``."""
    primals, tangents = tuple(primals), tuple(tangents)
    if len(primals) != len(tangents):
        raise TypeError(f"jvp got {len(primals)} primals and {len(tangents)} tangents")
    positions = tuple(i for i, v in enumerate(primals) if type_of(v).is_float)
    transform = Transformed(fun, "jvp", positions)  # the compile cache is shared
    values = transform._bind(primals, {})  # parameters left out take their defaults
    compiled = transform.compiled(values)
    out = compiled.run(*values, *(tangents[i] for i in positions))
    n = len(out) // 2
    values, tangents_out = out[:n], out[n:]
    if compiled.returns_tuple:
        return tuple(values), tuple(tangents_out)
    return values[0], tangents_out[0]


def vjp(fun, *primals):
    """Reverse mode: ``(f(*primals), pullback)``; ``pullback(g)`` gives a cotangent for
    each primal (None for ints), for a cotangent `g` shaped like f's result."""
    positions = tuple(i for i, v in enumerate(primals) if type_of(v).is_float)
    transform = Transformed(fun, "vjp", positions)
    values = transform._bind(primals, {})  # parameters left out take their defaults
    compiled = transform.compiled(values)
    value = fun(*primals)

    def pullback(g):
        cotangents = g if compiled.returns_tuple else (g,)
        out = compiled.run(*values, *cotangents)
        by_position = dict(zip(positions, out))
        return tuple(by_position.get(i) for i in range(len(primals)))

    return value, pullback


def primal(fun) -> Transformed:
    """`fun` itself, compiled: for reading its IR, drawing it, or timing it."""
    return fun if isinstance(fun, Transformed) else Transformed(fun, "primal")


def _ir_for_drawing(fun) -> Function:
    return primal(fun)._default_compiled().ir


def to_dot(fun, verbose: bool = False) -> str:
    """The DOT text of the IR of `fun` (a function, or a transform such as grad(f)).

    With `verbose`, values are labelled with their type (shape and dtype for arrays).
    """
    return function_to_dot(_ir_for_drawing(fun), verbose)


def plot(fun, path, verbose: bool = False) -> str:
    """Render the IR of `fun` to `path` (.png, .svg or .pdf) with Graphviz's `dot`."""
    path = os.fspath(path)
    fmt = os.path.splitext(path)[1].lstrip(".").lower() or "png"
    if fmt not in ("png", "svg", "pdf"):
        raise ValueError(f"plot writes .png, .svg or .pdf files, not {path!r}")
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            "plot needs Graphviz's `dot` program, which is not on PATH. Install Graphviz: "
            "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS), "
            "`conda install graphviz`, or see https://graphviz.org/download/. "
            "to_dot() gives the DOT text without it.")
    text = to_dot(fun, verbose)
    done = subprocess.run([dot, f"-T{fmt}", "-o", path], input=text.encode(),
                          capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode(errors='replace')}")
    return path
