"""Checking what users pass to the transforms: argnums, order, the arguments of a call,
tangents and cotangents, and taking containers of arguments apart into leaves (see
`pytree`). Each check raises `AdcompileTypeError` or `AdcompileValueError` naming the
transform, the argument (and the path to a leaf inside it) and what is accepted."""

from __future__ import annotations

import inspect
import reprlib
from dataclasses import dataclass

import numpy as np

from .errors import AdcompileTypeError, AdcompileValueError
from .ir.types import ArrayType, Type, type_of
from .pytree import LEAF, Tree, flatten, is_container, leaf_paths, path_step, unflatten

_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def parameter_list(signature: inspect.Signature) -> str:
    return ", ".join(f"{name} ({k})" for k, name in enumerate(signature.parameters))


def is_position(a) -> bool:
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def checked_order(label: str, order) -> int:
    if not is_position(order):
        raise AdcompileTypeError(f"{label}: order must be an int (1 for the first "
                                 f"derivative, 0 for the function itself), not {order!r}")
    if order < 0:
        raise AdcompileValueError(f"{label}: order must be 0 or more, not {order}")
    return int(order)


def checked_argnums(label: str, argnums, signature: inspect.Signature,
                     allow_empty: bool) -> tuple[int, ...]:
    """The positions `argnums` names, after checking them against the signature."""
    if is_position(argnums):
        positions = (int(argnums),)
    elif isinstance(argnums, (tuple, list)) and all(is_position(a) for a in argnums):
        positions = tuple(int(a) for a in argnums)
    else:
        raise AdcompileTypeError(
            f"{label}: argnums must be an int or a tuple of ints, the positions of the "
            f"arguments to differentiate (such as 0 or (0, 1)), not {argnums!r}")
    if not positions and not allow_empty:
        raise AdcompileValueError(
            f"{label}: argnums is empty, so there is nothing to differentiate; give the "
            "position of at least one argument, such as argnums=0 or argnums=(0, 1)")
    params = list(signature.parameters.values())
    described = parameter_list(signature) or "none"
    for position in positions:
        if position < 0:
            raise AdcompileValueError(
                f"{label}: argnums position {position} is negative; positions count from 0 "
                f"(the arguments are {described})")
        if positions.count(position) > 1:
            raise AdcompileValueError(
                f"{label}: argnums names position {position} more than once; name each "
                "argument once")
        if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params):
            continue  # checked against the call (see `selected_arguments`)
        if position >= sum(p.kind in _POSITIONAL for p in params):
            raise AdcompileTypeError(
                f"{label}: argnums position {position} is out of range (the arguments "
                f"are {described})")
    return positions


def bind_arguments(label: str, fun, signature: inspect.Signature, args, kwargs) -> list:
    """Every argument's value, defaults filled in, in the order of the parameters."""
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise AdcompileTypeError(
            f"{label} was called with arguments that do not fit "
            f"{getattr(fun, '__name__', 'f')}{signature}: {exc}") from None
    bound.apply_defaults()
    return list(bound.arguments.values())


def flatten_arguments(values) -> tuple[list, tuple | None]:
    """The leaves of the arguments, in order, and the structure of each argument; the
    structures are None when every argument is a leaf (a number or an array), which is
    the common call and the fast one."""
    if not any(is_container(v) for v in values):
        return values, None
    leaves: list = []
    trees = []
    for value in values:
        found, tree = flatten(value)
        leaves += found
        trees.append(tree)
    return leaves, tuple(trees)


def structures(signature: inspect.Signature, trees: tuple | None) -> tuple:
    return trees if trees is not None else (LEAF,) * len(signature.parameters)


def unflatten_arguments(signature: inspect.Signature, trees: tuple | None, leaves) -> list:
    """Each argument's value from the leaves (`flatten_arguments` undone)."""
    leaves = iter(leaves)
    return [unflatten(tree, leaves) for tree in structures(signature, trees)]


def call_with(fun, signature: inspect.Signature, values: list):
    """`fun` called with the arguments `values` bound to `signature`'s parameters."""
    positional, keywords = [], {}
    for param, value in zip(signature.parameters.values(), values):
        if param.kind in _POSITIONAL:
            positional.append(value)
        elif param.kind == param.VAR_POSITIONAL:
            positional.extend(value)
        elif param.kind == param.KEYWORD_ONLY:
            keywords[param.name] = value
        else:
            keywords.update(value)
    return fun(*positional, **keywords)


@dataclass(frozen=True)
class Selected:
    """An argument `argnums` selects: where its leaves start among all the leaves, its
    structure, how to name it, and its call position."""

    start: int
    tree: Tree
    name: str
    position: int

    @property
    def leaves(self) -> range:
        return range(self.start, self.start + self.tree.size)


def selected_arguments(label: str, signature: inspect.Signature, trees: tuple | None,
                       positions: tuple[int, ...]) -> list[Selected]:
    """The arguments at call positions `positions` (a position past the named ones is
    an element of *args)."""
    params = list(signature.parameters.values())
    trees = structures(signature, trees)
    offsets = [0]
    for tree in trees:
        offsets.append(offsets[-1] + tree.size)
    named = sum(p.kind in _POSITIONAL for p in params)
    variadic = next((k for k, p in enumerate(params)
                     if p.kind == inspect.Parameter.VAR_POSITIONAL), None)
    selected = []
    for position in positions:
        if position < named:
            selected.append(Selected(offsets[position], trees[position],
                                     params[position].name, position))
            continue
        extra = trees[variadic].children if variadic is not None else ()
        k = position - named
        if k >= len(extra):
            raise AdcompileTypeError(
                f"{label}: argnums position {position} is out of range: the call passed "
                f"{named + len(extra)} positional arguments ({parameter_list(signature)})")
        start = offsets[variadic] + sum(t.size for t in extra[:k])
        selected.append(Selected(start, extra[k], f"{params[variadic].name}[{k}]", position))
    return selected


def leaf_descriptions(signature: inspect.Signature, trees: tuple | None) -> list[str]:
    """How to name each leaf in a message: ``argument 'x'``, or ``argument 'params'
    at params['n']`` for a leaf inside a container."""
    if trees is None:
        return [f"argument {name!r}" for name in signature.parameters]
    described = []
    for name, tree in zip(signature.parameters, trees):
        described += [f"argument {name!r}" if tree.is_leaf else f"argument {name!r} at {path}"
                      for path in leaf_paths(tree, name)]
    return described


def type_of_argument(value) -> Type | None:
    """The `Type` of a value adcompile can compile for, or None."""
    if isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind not in "biufc":
        return None  # object, string and date arrays
    try:
        return type_of(value)
    except TypeError:
        return None


def argument_types(label: str, signature: inspect.Signature, values: list,
                   trees: tuple | None = None) -> list[Type]:
    """The type of each leaf of the arguments."""
    types = []
    for described, value in zip(leaf_descriptions(signature, trees), values):
        t = type_of_argument(value)
        if t is None:
            raise AdcompileTypeError(
                f"{label}: {described} was passed {reprlib.repr(value)} of type "
                f"{type(value).__name__}; adcompile compiles functions of numbers (float, "
                "int, bool, complex), None and NumPy arrays of numbers, and of tuples, "
                "lists, dicts and NamedTuples of them")
        types.append(t)
    return types


def argument_sequence(label: str, name: str, values) -> tuple:
    if not isinstance(values, (tuple, list)):
        raise AdcompileTypeError(
            f"{label}: {name} must be a tuple or list with one entry per argument, such as "
            f"jvp(f, (2.0,), (1.0,)), not {reprlib.repr(values)} of type "
            f"{type(values).__name__}")
    return tuple(values)


def fits(value, t: Type) -> bool:
    """Whether `value` can be a tangent or cotangent of a value of type `t`."""
    if not isinstance(t, ArrayType):
        return True  # the generated code judges cotangents of other results
    own = type_of_argument(value)
    return isinstance(own, ArrayType) and own.kind in "iufc" and own.shape == t.shape


def describe(t: Type) -> str:
    return f"an array of shape {t.shape}" if t.is_array else "a float"


def refuse_complex(label: str, signature: inspect.Signature, values: list, types: list,
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


def refuse_strings(label: str, signature: inspect.Signature, values: list,
                   trees: tuple | None, positions: tuple[int, ...]) -> None:
    """A string (a value known while compiling, see `pytree`) or a None cannot be
    differentiated: the arguments at `positions` must not be one, nor hold a string.
    `values` are the leaves."""
    if trees is None:
        return
    for s in selected_arguments(label, signature, trees, positions):
        if s.tree.node is type(None):
            raise AdcompileTypeError(
                f"{label} differentiates with respect to argument {s.name!r} (position "
                f"{s.position}), which was passed None: derivatives need float inputs. "
                "Pass a float, or leave this argument out of argnums.")
        for path, found in _strings_in(s.tree, s.name):
            where = f"argument {s.name!r}" if s.tree.node is str else \
                f"argument {s.name!r} at {path}"
            raise AdcompileTypeError(
                f"{label}: {where} was passed {found!r} of type str, which cannot be "
                "differentiated: derivatives need floats (numbers, NumPy arrays, and tuples, "
                "lists, dicts and NamedTuples of them). Pass a string, such as a mode, in "
                "an argument left out of argnums.")


def _strings_in(tree: Tree, path: str):
    """The paths and values of the strings in a structure."""
    if tree.node is str:
        yield path, tree.keys[0]
    for k, child in enumerate(tree.children):
        yield from _strings_in(child, path + path_step(tree, k))


def require_floats(label: str, signature: inspect.Signature, values: list, types: list,
                   trees: tuple | None, positions: tuple[int, ...]) -> None:
    """Every leaf of the arguments at `positions` must be a float, to be differentiated.
    `values` and `types` are the leaves' (see `flatten_arguments`)."""
    for s in selected_arguments(label, signature, trees, positions):
        for k, path in zip(s.leaves, leaf_paths(s.tree, s.name)):
            if not types[k].is_float:
                raise _not_float(label, s, path, values[k], types[k])


def _not_float(label: str, s: Selected, path: str, value, t: Type) -> AdcompileTypeError:
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
        f"{label} differentiates with respect to argument {s.name!r} (position "
        f"{s.position}), {passed} {reprlib.repr(value)} of type {type(value).__name__}: "
        f"derivatives need float inputs. Pass {example}, or {instead}.")
