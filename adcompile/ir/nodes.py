"""The SSA graph IR: values, operations, regions and functions.

A `Value` is defined once: by an `Op` (one of its outputs) or as a parameter of a
`Region`. An `Op` applies a primitive to input values; structured control flow is an
`Op` that owns regions (``cond``, and ``loop`` in each of its forms), whose parts are
reached by name through the views of `structured.py`, which alone knows their layout.

Regions see every value of the regions around them (lexical scope), so only values
that change from one iteration to the next are carried.

Values keep a name hint (the user's variable name, or one derived from it, such as
``dx`` for the tangent of ``x``) and a source location; after type inference they keep
a `Type` (see `adcompile.ir.types`). An op's ``params`` are part of what it computes
(``sum`` with ``axis=(0,)``), declared by its primitive in `adcompile.ir.primitives`. Identity is by object: two values are the same value only if they are the same
object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from ..errors import Loc
from .types import Type


class Value:
    """One SSA value."""

    __slots__ = ("hint", "loc", "type", "strong_name")

    def __init__(self, hint: str | None = None, loc: Loc | None = None,
                 type: Type | None = None, strong_name: bool = False):
        self.hint = hint
        self.loc = loc
        self.type = type
        # True when the user wrote this name in an assignment: codegen keeps such a value
        # as its own statement instead of folding it into the expression that uses it.
        self.strong_name = strong_name

    def __repr__(self) -> str:
        return f"<Value {self.hint or '_'} {self.type or '?'}>"


@dataclass(eq=False)
class Region:
    params: list[Value] = field(default_factory=list)
    ops: list["Op"] = field(default_factory=list)
    results: list[Value] = field(default_factory=list)


@dataclass(eq=False)
class Op:
    prim: str
    inputs: list[Value]
    outputs: list[Value]
    params: dict[str, Any] = field(default_factory=dict)
    regions: list[Region] = field(default_factory=list)
    loc: Loc | None = None
    # Made by a derivative rule rather than written by the user: where the user's code
    # would raise on Python floats, such an op computes as NumPy does (inf, nan) instead.
    derived: bool = False

    @property
    def output(self) -> Value:
        assert len(self.outputs) == 1, self.prim
        return self.outputs[0]

    def __repr__(self) -> str:
        return f"<Op {self.prim}>"


@dataclass(eq=False)
class Function:
    """A whole function: its body region's params are the function's parameters.

    ``defaults`` maps a parameter name to its default value (a Python constant).
    ``returns_tuple`` says whether the body's results are returned as a tuple;
    ``result_nesting``, when set, groups them into nested tuples instead: a tuple whose
    leaves are positions in ``results`` (a Hessian's ``((0, 1), (2, 3))``).
    """

    name: str
    body: Region
    param_names: list[str]
    defaults: dict[str, Any] = field(default_factory=dict)
    returns_tuple: bool = False
    loc: Loc | None = None
    result_nesting: tuple | None = None

    @property
    def params(self) -> list[Value]:
        return self.body.params

    @property
    def results(self) -> list[Value]:
        return self.body.results


def walk_ops(region: Region) -> Iterator[Op]:
    """Every op in the region and in the regions nested in it, in program order."""
    for op in region.ops:
        yield op
        for inner in op.regions:
            yield from walk_ops(inner)


def defined_in(region: Region) -> set[Value]:
    """The values a region defines, its nested regions included."""
    found: set[Value] = set(region.params)
    for op in region.ops:
        found.update(op.outputs)
        for inner in op.regions:
            found |= defined_in(inner)
    return found


def used_in(region: Region) -> set[Value]:
    """Every value read anywhere in the region, nested regions included."""
    found: set[Value] = set(region.results)
    for op in region.ops:
        found.update(op.inputs)
        for inner in op.regions:
            found |= used_in(inner)
    return found


def free_values(region: Region) -> set[Value]:
    """Values a region reads but does not define: those it takes from around it."""
    return used_in(region) - defined_in(region)


def substitute(region: Region, mapping: dict[Value, Value]) -> None:
    """Replace, in place, every use of a key of `mapping` by its value."""
    if not mapping:
        return
    region.results = [mapping.get(v, v) for v in region.results]
    for op in region.ops:
        op.inputs = [mapping.get(v, v) for v in op.inputs]
        for inner in op.regions:
            substitute(inner, mapping)
