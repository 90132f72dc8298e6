"""A transform used inside compiled code: ``grad(g)(x)`` in the body of f is not called
but staged by the frontend as an ``apply`` op, which the pipeline expands into the IR
built for the callee (see `transforms.inline`).

What the callee's function reads from outside becomes the caller's: its guards guard
the caller's lowering, and its inputs (with a partial's bound arguments) are read by the
caller and passed to the ``apply`` after the callee's arguments.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass

import numpy as np

from .arguments import bind_arguments, flatten_arguments
from .cache import lowered
from .errors import AdcompileTypeError
from .frontend.lower import Static
from .frontend.reads import Read
from .ir.nodes import Function, Value
from .ir.types import Type
from .pipeline import TransformSpec, result_tree
from .pytree import unflatten

# What can be staged: the transforms giving one value or a tuple of them per call.
_STAGED_KINDS = ("grad", "value_and_grad", "derivative", "primal")


def stage(callee, spec: TransformSpec, partial, builder, values, outside):
    """Emit an ``apply`` of `callee` (a transform of `spec`, applied to the partial
    `partial` if not None) to `values` (Values, or containers of them). `callee` builds
    its IR with ``callee.build_ir(arg_types, trees)``. `outside(read, obj)` guards an
    object and gives a value for an input of the caller."""
    if spec.kind not in _STAGED_KINDS:
        raise AdcompileTypeError(f"{spec.label} cannot be called inside a compiled "
                                 "function; call grad, value_and_grad or derivative there")
    args, kwargs = list(values), {}
    if partial is not None:
        name = spec.root.__name__
        args = [outside(Read(partial, "partial", k, f"{name}_arg{k}"), v)
                for k, v in enumerate(partial.args)] + args
        kwargs = {key: outside(Read(partial, "partial", key, key), v)
                  for key, v in partial.keywords.items()}
    bound = bind_arguments(spec.label, spec.root, spec.signature, args, kwargs)
    leaves, trees = flatten_arguments(bound)
    operands = [v if isinstance(v, Value) else builder.const(_static_value(v))
                for v in leaves]  # defaults filled in, and what a partial binds
    lowering = lowered(spec.root, trees)
    for read, obj in lowering.guards.items():
        outside(read.rebase(spec.root), obj)
    inputs = [outside(read.rebase(spec.root), read.fetch(spec.root))
              for read in lowering.inputs]
    tree = result_tree(spec, trees)
    staged = callee if trees is None else _Staged(callee, trees)
    outputs = builder.emit("apply", [*operands, *inputs], {"callee": staged},
                           n_out=tree.size).outputs
    return unflatten(tree, outputs, Static)


@dataclass(frozen=True)
class _Staged:
    """A transform staged with containers as arguments: the callee of an ``apply`` op,
    whose inputs are the leaves."""

    transform: object
    trees: tuple

    def build_ir(self, arg_types: list[Type]) -> Function:
        return self.transform.build_ir(arg_types, self.trees)

    def __repr__(self) -> str:
        return repr(self.transform)


def _static_value(value):
    """A constant for an argument known while compiling."""
    value = value.obj if isinstance(value, Static) else value
    if value is not None and not isinstance(value, (int, float, complex, np.ndarray,
                                                    np.generic)):
        raise AdcompileTypeError(f"{reprlib.repr(value)} cannot be an argument of a "
                                 "transform called inside a compiled function: pass "
                                 "numbers and arrays")
    return value
