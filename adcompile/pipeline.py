"""The compiler pipeline: from a user function, a transform (`TransformSpec`) and the
types and structures of the arguments to an optimized IR `Function`, and from that to
compiled code:

    lowering (valid now, see `cache.lowered`) -> clone and type for the signature ->
    expand nested transforms -> derivative transform(s) -> optimize -> codegen -> exec

It keeps nothing between calls (the lowering it starts from is `cache`'s) and knows no
call protocol: `cache` decides when to compile, `api` how a call reaches the code, and a
transform staged inside compiled code is expanded through its callee's `build_ir`. An unexpected exception in a stage is
reported as an `InternalCompilerError` naming the stage (see `errors.compiler_stage`).
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Callable

from .arguments import (argument_types, call_with, refuse_complex, require_floats,
                        selected_arguments, unflatten_arguments)
from .backend.compile import compile_function
from .cache import lowered
from .compiled import Compiled
from .errors import AdcompileTypeError, NonDifferentiableError, compiler_stage
from .ir.clone import clone_function
from .ir.infer import infer_function
from .ir.nodes import Function
from .ir.types import ArrayType, Type, type_of
from .passes import optimize
from .passes.dce import drop_dead_carried
from .passes.strength import reduce_strength
from .pytree import Tree, compose, nesting, tuple_of
from .transforms.batch import BatchUnsupported
from .transforms.forward import forward
from .transforms.inline import inline_applies
from .transforms.jacobian import jacobian_blocks
from .transforms.reverse import reverse
from .transforms.taylor import TaylorUnsupported, nth_derivative

# The transforms whose generated function returns exactly what the user gets.
_DIRECT_KINDS = ("grad", "primal", "derivative")
# The transforms computing a whole matrix, in one program unless `per_direction`.
_MATRIX_KINDS = ("hessian", "jacobian")


def function_name(fn) -> str:
    """The name a user knows a function by: a callable object's is its class's."""
    name = getattr(fn, "__name__", "f")
    if name == "__call__" and hasattr(fn, "__self__"):
        return type(fn.__self__).__name__
    return name


@dataclass(frozen=True, eq=False)
class TransformSpec:
    """What the pipeline needs to know of a transform. `kind` is one of ``primal``,
    ``grad``, ``value_and_grad``, ``hessian``, ``hvp``, ``jacobian``, ``derivative``,
    ``jvp``, ``vjp``."""

    kind: str
    label: str  # how messages name it: grad(f, argnums=0)
    root: Callable  # the user's function
    signature: inspect.Signature  # of the user's function, as it is called
    positions: tuple[int, ...]  # the call positions differentiated
    single: bool  # whether argnums is one position (one gradient, not a tuple of them)
    order: int
    inner: TransformSpec | None  # the transform this one transforms: grad(grad(f))

    @property
    def python_name(self) -> str:
        """The generated function's name: the user's, then each transform's kind."""
        parts = []
        spec = self
        while spec is not None:
            if spec.kind != "primal":
                parts.append(f"d{spec.order}" if spec.kind == "derivative" else spec.kind)
            spec = spec.inner
        name = function_name(self.root)
        name = "lambda_fn" if name == "<lambda>" else name
        return "_".join([name, *reversed(parts)]) if parts else name

    def selected(self, trees: tuple | None):
        return selected_arguments(self.label, self.signature, trees, self.positions)


def types_text(arg_types: list[Type]) -> str:
    return f"({', '.join(map(str, arg_types))})"


def specialize(fun, arg_types: list[Type], trees: tuple | None = None) -> Function:
    """The user function's IR, typed for `arg_types`, nested transforms expanded.

    `arg_types` covers the leaves of the user's arguments (of structures `trees`) and
    then the function's inputs from outside; given the user's only, the inputs are
    typed from what they hold now.
    """
    with compiler_stage(f"typing {fun.__name__} for arguments {types_text(arg_types)}"):
        lowering = lowered(fun, trees)
        fn = clone_function(lowering.function)
        n_user = len(fn.params) - len(lowering.inputs)
        if len(arg_types) == n_user:
            arg_types = [*arg_types, *(type_of(read.fetch(fun)) for read in lowering.inputs)]
        if len(arg_types) != len(fn.params):
            raise AdcompileTypeError(f"{fun.__name__}() takes {n_user} arguments, "
                                     f"got {len(arg_types) - len(lowering.inputs)}")
        drop_dead_carried(fn)
        infer_function(fn, arg_types)
    with compiler_stage(f"expanding the transforms called in {fun.__name__}"):
        while inline_applies(fn, _staged_ir):
            infer_function(fn, arg_types)
    with compiler_stage(f"optimizing {fun.__name__}", expected=()):
        return optimize(fn)


def _staged_ir(callee, arg_types: list[Type]) -> Function:
    """The IR of a transform staged inside compiled code (see `staging`)."""
    return callee.build_ir(arg_types)


def result_tree(spec: TransformSpec, trees: tuple | None) -> Tree:
    """The structure of what the transform gives for arguments of structures `trees`
    (JAX's: a gradient is shaped like what it is taken with respect to; a Jacobian is the
    output's structure with the input's in place of each leaf)."""
    value = result_tree(spec.inner, trees) if spec.inner is not None else \
        lowered(spec.root, trees).result_tree
    if spec.kind in ("primal", "derivative", "jvp", "vjp"):
        return value
    selected = [s.tree for s in spec.selected(trees)]
    wrt = selected[0] if spec.single else tuple_of(selected)
    if spec.kind in ("grad", "hvp"):
        return wrt
    if spec.kind == "value_and_grad":
        return tuple_of([value, wrt])
    if spec.kind == "hessian":
        return compose(wrt, wrt)
    return compose(value, wrt)  # jacobian


def build_ir(spec: TransformSpec, arg_types: list[Type], trees: tuple | None = None
             ) -> Function:
    """The optimized IR of the transform for arguments whose leaves have these types (and
    whose structures are `trees`, None when every argument is a leaf). Its results are
    the leaves of what the user gets, returned as that structure where it is plain
    tuples, else as a flat tuple."""
    return _built(spec, arg_types, trees)[0]


def _built(spec: TransformSpec, arg_types: list[Type], trees: tuple | None
           ) -> tuple[Function, bool, list[int]]:
    """`build_ir`'s IR, whether it is the tangent program of a Jacobian or Hessian to
    call once per direction, and the leaves it differentiates."""
    if spec.inner is not None:
        fn = build_ir(spec.inner, arg_types, trees)
    else:
        fn = specialize(spec.root, arg_types, trees)
    positions = [] if spec.kind == "primal" else _differentiated(spec, trees, arg_types)
    ir, per_direction = _transformed(spec, fn, arg_types, positions)
    if spec.kind in ("grad", "hvp", *_MATRIX_KINDS) and not per_direction:
        tree = result_tree(spec, trees)
        ir.returns_tuple = not tree.is_leaf
        ir.result_nesting = nesting(tree) if tree.is_tuple_nest and any(
            not child.is_leaf for child in tree.children) else None
    return ir, per_direction, positions


def _differentiated(spec: TransformSpec, trees: tuple | None, types: list[Type]
                    ) -> list[int]:
    """The leaves differentiated; for jvp and vjp, which take every argument they are
    given, the float leaves of the arguments selected."""
    leaves = [k for s in spec.selected(trees) for k in s.leaves]
    if spec.kind in ("jvp", "vjp"):
        return [k for k in leaves if types[k].is_float]
    return leaves


def _transformed(spec: TransformSpec, fn: Function, arg_types: list[Type],
                 positions: list[int]) -> tuple[Function, bool]:
    """The derivative program of `fn`, and whether it is a Jacobian's or Hessian's
    tangent program to call once per direction."""
    kind = spec.kind
    if kind == "primal":
        return fn, False
    if kind in ("grad", "value_and_grad", "hessian", "hvp"):
        _require_scalar_output(fn, spec)
        ir = _derive(spec, "reverse", arg_types, reverse, fn, positions,
                     with_value=kind == "value_and_grad", cotangent_params=False)
        if kind == "hessian":
            return _whole_matrix(spec, arg_types, ir, positions)
        if kind == "hvp":
            ir = _derive(spec, "forward", arg_types, forward, ir, positions,
                         seed_ones=False, with_value=False)
        ir.returns_tuple = kind == "value_and_grad" or len(positions) > 1
        return ir, False
    if kind == "vjp":
        return _derive(spec, "reverse", arg_types, reverse, fn, positions,
                       with_value=False, cotangent_params=True), False
    if kind == "jacobian":
        return _whole_matrix(spec, arg_types, fn, positions)
    if kind == "jvp":
        ir = _derive(spec, "forward", arg_types, forward, fn, positions, seed_ones=False,
                     with_value=True)
        ir.returns_tuple = True
        return ir, False
    if kind == "derivative":
        return _nth_derivative(spec, fn, arg_types, positions), False
    raise ValueError(f"unknown transform {kind!r}")


def _nth_derivative(spec: TransformSpec, fn: Function, arg_types: list[Type],
                    positions: list[int]) -> Function:
    _require_scalar_output(fn, spec)
    if spec.order == 0:
        return fn
    if len(positions) != 1:
        raise AdcompileTypeError(f"{spec.label} takes a function of one number or array, "
                                 "not of a container")
    try:
        return _derive(spec, "Taylor", arg_types, nth_derivative, fn, spec.order,
                       expected=(TaylorUnsupported,))
    except TaylorUnsupported:
        for _ in range(spec.order):
            fn = _derive(spec, "forward", arg_types, forward, fn, [0], seed_ones=True,
                         with_value=False)
        return fn


def _whole_matrix(spec: TransformSpec, arg_types: list[Type], fn: Function,
                  positions: list[int]) -> tuple[Function, bool]:
    """The Jacobian of `fn`'s results (a Hessian's: of the gradient) as one program
    returning a block for each result and each differentiated leaf, row by row (see
    `build_ir` for their structure). Where the tangents cannot be batched, the tangent
    program instead, to call once per basis direction (then the flag is true)."""
    try:
        return _derive(spec, "forward", arg_types, jacobian_blocks, fn, positions,
                       expected=(NonDifferentiableError, BatchUnsupported)), False
    except BatchUnsupported:
        ir = _derive(spec, "forward", arg_types, forward, fn, positions, seed_ones=False,
                     with_value=False)
        ir.returns_tuple = True
        return ir, True


def _derive(spec: TransformSpec, mode: str, arg_types: list[Type], transform: Callable,
            fn: Function, *args, expected: tuple = (NonDifferentiableError,), **kwargs
            ) -> Function:
    """`transform(fn, *args, **kwargs)`, optimized."""
    with compiler_stage(f"differentiating {spec.label} in {mode} mode for arguments "
                        f"{types_text(arg_types)}", expected):
        ir = transform(fn, *args, **kwargs)
    with compiler_stage(f"optimizing the {mode}-mode derivative of {spec.label}",
                        expected=()):
        return optimize(ir)


def _require_scalar_output(fn: Function, spec: TransformSpec) -> None:
    label = spec.label
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
    if t.is_array and spec.kind != "derivative" and t.size != 1:
        raise AdcompileTypeError(f"{label} needs a function returning one scalar, but it "
                                 f"returns an array of shape {t.shape}: use jacobian or vjp, "
                                 "or reduce it first (np.sum)")


def for_codegen(ir: Function) -> Function:
    """A copy of `ir` as codegen takes it (see `passes.strength`)."""
    return reduce_strength(clone_function(ir))


def compile_transform(spec: TransformSpec, values: list, inputs: list,
                      trees: tuple | None) -> Compiled:
    """The transform compiled for arguments whose leaves are `values` (of structures
    `trees`), reading `inputs` from outside; the arguments are checked first."""
    # Unsupported syntax is reported before the arguments are judged.
    lowered(spec.root, trees)
    arg_types = [*_argument_types(spec, values, trees), *map(type_of, inputs)]
    ir, per_direction, positions = _built(spec, arg_types, trees)
    with compiler_stage(f"generating Python for {spec.label}", expected=()):
        source, function, run = compile_function(
            for_codegen(ir), spec.python_name, functools.partial(_defined_at, spec, trees))
    tree = result_tree(spec, trees)
    # build_ir returns plain tuples as the user gets them; anything else is rebuilt
    flat = spec.kind == "value_and_grad" or not tree.is_tuple_nest
    assemble = tree if flat and spec.kind not in ("jvp", "vjp") else None
    direct = (spec.kind in _DIRECT_KINDS or spec.kind in _MATRIX_KINDS and
              not per_direction) and assemble is None
    return Compiled(ir, source, function, run, per_direction, direct, tree,
                    tuple(positions), assemble)


def _argument_types(spec: TransformSpec, values: list, trees: tuple | None) -> list[Type]:
    """The types of the leaves, which must be floats where they are differentiated."""
    types = argument_types(spec.label, spec.signature, values, trees)
    refuse_complex(spec.label, spec.signature, values, types, trees, spec.positions)
    if spec.kind not in ("jvp", "vjp"):  # which differentiate the float leaves only
        require_floats(spec.label, spec.signature, values, types, trees, spec.positions)
    return types


def _defined_at(spec: TransformSpec, trees: tuple | None, *args) -> bool:
    """Whether the user's function computes, without an arithmetic or domain error, at
    the user's arguments whose leaves begin `args`."""
    try:
        call_with(spec.root, spec.signature, unflatten_arguments(spec.signature, trees, args))
    except (ArithmeticError, ValueError):
        return False
    return True
