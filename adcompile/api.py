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
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .backend.codegen import to_source
from .backend.compile import compile_source
from .frontend.lower import lower_function
from .ir.clone import clone_function
from .ir.infer import infer_function, type_of
from .ir.nodes import Function, Type
from .ir.printer import format_function
from .passes import optimize
from .transforms.forward import forward
from .transforms.inline import inline_applies
from .transforms.reverse import reverse

_LOWERED: dict[Any, Function] = {}


def _lowered(fun) -> Function:
    key = fun.__code__
    if key not in _LOWERED:
        _LOWERED[key] = lower_function(fun)
    return _LOWERED[key]


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
    function: Callable


class Transformed:
    """A function transformed by adcompile: call it, or read `.source` and `.ir`."""

    def __init__(self, fun: Callable, kind: str, argnums=0, order: int = 1):
        if isinstance(fun, Transformed):
            fun = fun._as_python()
        if not callable(fun):
            raise TypeError(f"{kind} expects a function, got {fun!r}")
        self.fun = fun
        self.kind = kind
        self.argnums = argnums
        self.order = order
        self._positions = _normalize_argnums(argnums)
        self._cache: dict[tuple, _Compiled] = {}
        self._last: _Compiled | None = None
        self._signature = inspect.signature(fun)
        functools.update_wrapper(self, fun)

    def __repr__(self) -> str:
        return f"<adcompile {self._label()}>"

    def _label(self) -> str:
        name = getattr(self.fun, "__name__", "f")
        if self.kind == "derivative":
            return f"derivative({name}, order={self.order})"
        if self.kind == "primal":
            return name
        return f"{self.kind}({name}, argnums={self.argnums})"

    # ---- calling --------------------------------------------------------------------
    def _bind(self, args, kwargs) -> list:
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return list(bound.arguments.values())

    def __call__(self, *args, **kwargs):
        values = self._bind(args, kwargs)
        key = tuple(_signature_key(v) for v in values)
        compiled = self._cache.get(key)
        if compiled is None:
            self._check_arguments(values)
            compiled = self._compile([type_of(_as_value(v)) for v in values])
            self._cache[key] = compiled
        self._last = compiled
        return self._finish(compiled.function(*values), values)

    def _check_arguments(self, values: list) -> None:
        if self.kind == "primal":
            return
        names = list(self._signature.parameters)
        for position in self._positions:
            if position >= len(values):
                raise TypeError(f"argnums {self.argnums} is out of range for "
                                f"{self.fun.__name__} with {len(values)} arguments")
            value = values[position]
            t = type_of(_as_value(value))
            if not t.is_float:
                raise TypeError(
                    f"{self.kind}({self.fun.__name__}) differentiates with respect to "
                    f"argument {names[position]!r} (position {position}), which was passed "
                    f"{value!r} of type {type(value).__name__}: derivatives need float inputs. "
                    f"Pass a float (e.g. {float(np.asarray(value).flat[0])!r}) or an array "
                    f"of floats, or leave this argument out of argnums.")

    def _finish(self, result, values):
        if self.kind in ("grad", "primal_tuple"):
            return result[0] if isinstance(self.argnums, int) else tuple(result)
        if self.kind == "value_and_grad":
            value, grads = result[0], result[1:]
            return value, grads[0] if isinstance(self.argnums, int) else tuple(grads)
        if self.kind == "hessian":
            return _hessian_from_hvp(result_fn=self._last.function, values=values,
                                     positions=self._positions, argnums=self.argnums)
        return result

    # ---- compiling ------------------------------------------------------------------
    def build_ir(self, arg_types: list[Type]) -> Function:
        """The optimized IR of this transform for arguments of these types."""
        fn = specialize(self.fun, arg_types)
        if self.kind == "primal":
            return fn
        if self.kind in ("grad", "value_and_grad", "hessian"):
            _require_scalar_output(fn, self)
            grad_ir = optimize(reverse(fn, list(self._positions),
                                       with_value=self.kind == "value_and_grad",
                                       cotangent_params=False))
            if self.kind != "hessian":
                return grad_ir
            return optimize(forward(grad_ir, list(self._positions), seed_ones=False,
                                    with_value=False))
        if self.kind == "vjp":
            return optimize(reverse(fn, list(self._positions), with_value=False,
                                    cotangent_params=True))
        if self.kind == "jvp":
            return optimize(forward(fn, list(self._positions), seed_ones=False,
                                    with_value=True))
        if self.kind == "derivative":
            _require_scalar_output(fn, self)
            for _ in range(self.order):
                fn = optimize(forward(fn, [0], seed_ones=True, with_value=False))
            return fn
        raise ValueError(self.kind)

    def _compile(self, arg_types: list[Type]) -> _Compiled:
        ir = self.build_ir(arg_types)
        name = _python_name(self._label())
        source, constants = to_source(ir, name)
        return _Compiled(ir, source, compile_source(source, name, constants))

    def _default_compiled(self) -> _Compiled:
        if self._last is None:
            types = []
            for param in self._signature.parameters.values():
                default = param.default
                types.append(type_of(default) if default is not inspect.Parameter.empty
                             else type_of(1.0))
            key = ("default",)
            if key not in self._cache:
                self._cache[key] = self._compile(types)
            self._last = self._cache[key]
        return self._last

    @property
    def source(self) -> str:
        """The generated Python source (for the last call's argument types, or floats)."""
        return self._default_compiled().source

    @property
    def ir(self):
        """The IR of the generated function; print() shows it as text."""
        return _PrintableIR(self._default_compiled().ir)

    def result_types(self, arg_types: list[Type]) -> list[Type]:
        return [v.type for v in self.build_ir(arg_types).results]

    def _as_python(self):
        """The compiled function for floats, as a plain Python function."""
        return self._default_compiled().function

    # ---- staging inside another compiled function -----------------------------------
    def __adcompile_apply__(self, builder, values):
        if self.kind not in ("grad", "value_and_grad", "derivative", "primal"):
            raise TypeError(f"{self._label()} cannot be called inside a compiled function")
        n = len(self._positions)
        n_out = {"grad": n, "value_and_grad": 1 + n}.get(self.kind, 1)
        op = builder.emit("apply", values, {"callee": self}, n_out=n_out)
        outputs = op.outputs
        if self.kind == "grad":
            return outputs[0] if isinstance(self.argnums, int) else tuple(outputs)
        if self.kind == "value_and_grad":
            grads = outputs[1] if isinstance(self.argnums, int) else tuple(outputs[1:])
            return (outputs[0], grads)
        return outputs[0]


class _PrintableIR:
    def __init__(self, fn: Function):
        self.function = fn

    def __str__(self) -> str:
        return format_function(self.function)

    __repr__ = __str__


def _as_value(value):
    return value


def _signature_key(value) -> tuple:
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str)
    return (type(value),)


def _python_name(label: str) -> str:
    head = label.split("(")[0]
    inner = label[len(head) + 1:].split(",")[0].rstrip(")") if "(" in label else ""
    return f"{inner}_{head}" if inner else head


def _require_scalar_output(fn: Function, transform: Transformed) -> None:
    name = transform.fun.__name__
    if fn.returns_tuple:
        raise TypeError(f"{transform.kind}({name}) needs a function returning one scalar; "
                        f"{name} returns a tuple of {len(fn.results)}. Use jacobian or vjp.")
    t = fn.results[0].type
    if t.is_array and transform.kind != "derivative" and int(np.prod(t.shape)) != 1:
        raise TypeError(f"{transform.kind}({name}) needs a function returning one scalar; "
                        f"{name} returns an array of shape {t.shape}. Use jacobian or vjp, "
                        "or reduce it (np.sum) first.")
    if not t.is_float and t.dtype != "int":
        raise TypeError(f"{transform.kind}({name}) needs a float result; {name} returns "
                        f"{t}")


def _hessian_from_hvp(result_fn, values, positions, argnums):
    raise NotImplementedError


def _decorator(kind: str):
    def transform(fun=None, argnums=0):
        if fun is None:
            return lambda f: Transformed(f, kind, argnums)
        return Transformed(fun, kind, argnums)
    transform.__name__ = kind
    return transform


grad = _decorator("grad")
grad.__doc__ = "The gradient of a scalar function with respect to `argnums`."
value_and_grad = _decorator("value_and_grad")
value_and_grad.__doc__ = "The value of a scalar function and its gradient, in one pass."
