"""Sparsity of Jacobians, found from the IR alone, and the column colouring that lets a
sparse Jacobian be computed along a few directions instead of one per input element.

**Patterns.** `jacobian_pattern(fn, position)` says, for each result of `fn`, which of its
elements may depend on which elements of parameter `position`: a boolean matrix
``(result.size, parameter.size)``, True wherever the Jacobian may be nonzero. It is
computed while compiling, from the types and the ops, never from the user's data: every
value gets such a matrix (a row per element), propagated op by op through the rules of
`PATTERN_RULES`, keyed by primitive:

- elementwise ops: each element depends on what the elements of the (broadcast)
  operands it is computed from depend on;
- ops that move elements (indexing by constants, slicing, reshape, transpose, pad,
  concatenate, ...): the dependencies move with the elements. Such an op is evaluated
  on the labels ``1 .. size`` of its operands' elements, which tells where each element
  comes from (0: a zero it made up);
- reductions, cumulative sums and products, differences, and matrix products: the union
  over what they combine;
- an index update: the updated elements' dependencies replaced (set) or joined (add).

A primitive whose derivative is zero everywhere (`adcompile.rules` ``defzero``:
comparisons, ``floor``, ``zeros_like``...) depends on nothing. Any other primitive without
a rule, an index given at run time, and each ``if`` and loop are conservatively dense:
everything they compute depends on everything they read (a loop's pushes onto a tape
likewise; a pop gives what its tape was given). So a pattern may hold a few entries
that are zero, but never misses a nonzero. A pattern is found only for parameters of
at most `MAX_PATTERN_INPUTS` elements, and while every value's matrix stays under
`MAX_PATTERN_ENTRIES` entries: past that, `jacobian_pattern` gives None.

**Colouring.** `colour_columns(pattern)` colours the columns greedily in order: two
columns that share a nonzero row get different colours. The Jacobian times the sum of
the unit directions of one colour then holds every nonzero of those columns unmixed
(row r of it is the entry at the one column of that colour row r depends on), so c
colours give the whole matrix from c directions. A tridiagonal Hessian takes 3 colours
whatever its size. Colouring gives up (None) once more than `max_colours` are needed.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ..backend.spellings import evaluate
from ..ir.nodes import Function, Op, Region, Value, free_values, walk_ops
from ..ir.primitives import PRIMITIVES
from ..ir.types import ArrayType
from ..rules import RULES

MAX_PATTERN_INPUTS = 4096
MAX_PATTERN_ENTRIES = 1 << 24  # booleans in one value's matrix: 16 MB

# A rule takes the op and its operands' matrices (one row per element of the operand,
# one column per element of the parameter) and gives the matrix of the op's result.
PATTERN_RULES: dict[str, Callable[[Op, list[np.ndarray]], np.ndarray]] = {}


class _TooLarge(Exception):
    """A value's matrix would be larger than MAX_PATTERN_ENTRIES."""


def defpattern(rule: Callable, *prims: str) -> None:
    for prim in prims:
        assert prim not in PATTERN_RULES, f"two pattern rules for {prim}"
        PATTERN_RULES[prim] = rule


# ---- propagation ------------------------------------------------------------------------
def jacobian_pattern(fn: Function, position: int) -> list[np.ndarray] | None:
    """For each result of `fn`, which of its elements may depend on which elements of
    parameter `position` (a boolean matrix ``(result.size, parameter.size)``); None when
    the parameter or a value is too large to find out while compiling."""
    param = fn.params[position]
    if not isinstance(param.type, ArrayType) or param.type.size > MAX_PATTERN_INPUTS or \
            not all(isinstance(r.type, ArrayType) for r in fn.results):
        return None
    size = param.type.size
    propagation = _Propagation(size)
    propagation.deps[param] = np.eye(size, dtype=bool)
    try:
        propagation.region(fn.body)
    except _TooLarge:
        return None
    return [propagation.of(r) for r in fn.results]


class _Propagation:
    def __init__(self, size: int):
        self.size = size
        self.deps: dict[Value, np.ndarray] = {}  # absent: depends on nothing

    def of(self, value: Value) -> np.ndarray:
        """`value`'s matrix, zeros when it depends on nothing."""
        found = self.deps.get(value)
        if found is not None:
            return found
        return np.zeros((_elements(value), self.size), dtype=bool)

    def region(self, region: Region) -> None:
        for op in region.ops:
            self.op(op)

    def op(self, op: Op) -> None:
        if op.prim == "push":
            tape, value = op.inputs
            self._join(tape, self.of(value).any(axis=0, keepdims=True))
            return
        if op.regions or op.prim not in PRIMITIVES:
            read = self._read_by(op)
            self._dense(op, read)
            for inner in (o for region in op.regions for o in walk_ops(region)):
                if inner.prim == "push":
                    self._join(inner.inputs[0], self._union(read)[None])
            return
        if not any(v in self.deps for v in op.inputs):
            return
        derivative = RULES.get(op.prim)
        if PRIMITIVES[op.prim].boolean or (derivative is not None and derivative.zero):
            return
        rule = PATTERN_RULES.get(op.prim)
        if rule is None:  # a pop among them: its tape's one row
            self._dense(op, op.inputs)
            return
        _check_size(op.output, self.size)
        self.deps[op.output] = rule(op, [self.of(v) for v in op.inputs])

    def _read_by(self, op: Op) -> list[Value]:
        read = list(op.inputs)
        for inner in op.regions:
            read.extend(free_values(inner))
        return read

    def _union(self, values: list[Value]) -> np.ndarray:
        """The parameter elements any element of `values` depends on."""
        found = np.zeros(self.size, dtype=bool)
        for v in values:
            if v in self.deps:
                found |= self.deps[v].any(axis=0)
        return found

    def _dense(self, op: Op, read: list[Value]) -> None:
        union = self._union(read)
        if not union.any():
            return
        for value in op.outputs:
            _check_size(value, self.size)
            self.deps[value] = np.broadcast_to(union, (_elements(value), self.size))

    def _join(self, tape: Value, row: np.ndarray) -> None:
        """A tape depends on everything pushed onto it (one row: a pop is dense)."""
        self.deps[tape] = self.deps[tape] | row if tape in self.deps else row


def _elements(value: Value) -> int:
    return value.type.size if isinstance(value.type, ArrayType) else 1


def _check_size(value: Value, size: int) -> None:
    if _elements(value) * size > MAX_PATTERN_ENTRIES:
        raise _TooLarge


# ---- the rules --------------------------------------------------------------------------
def _shaped(deps: np.ndarray, shape: tuple) -> np.ndarray:
    return deps.reshape(shape + (deps.shape[-1],))


def _broadcast(deps: np.ndarray, shape: tuple, target: tuple) -> np.ndarray:
    """The matrix of an operand of `shape` broadcast to `target`."""
    padded = (1,) * (len(target) - len(shape)) + shape
    size = deps.shape[-1]
    return np.broadcast_to(deps.reshape(padded + (size,)), target + (size,))


def _elementwise(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    out = op.output.type.shape
    joined = np.zeros(out + (deps[0].shape[-1],), dtype=bool)
    for v, d in zip(op.inputs, deps):
        joined |= _broadcast(d, v.type.shape, out)
    return joined.reshape(-1, joined.shape[-1])


def _filled(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """``full_like(a, fill)``: the fill's, everywhere."""
    fill, out = op.inputs[1].type.shape, op.output.type.shape
    return _broadcast(deps[1], fill, out).reshape(-1, deps[1].shape[-1])


def _moved(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """An op that moves its operands' elements (or makes zeros): evaluated on the labels
    of the elements, 1 and up across the operands in turn, 0 for a zero it made."""
    sources = _sources(op, op.inputs, op.params)
    joined = np.concatenate([np.zeros((1, deps[0].shape[-1]), dtype=bool), *deps])
    return joined[sources.ravel()]


def _sources(op: Op, inputs: list[Value], params: dict) -> np.ndarray:
    labels, types, start = [], [], 1
    for v in inputs:
        t = ArrayType(v.type.shape, "int64")
        labels.append(np.arange(start, start + t.size, dtype=np.int64).reshape(t.shape))
        types.append(t)
        start += t.size
    return np.asarray(evaluate(op.prim, labels, types, params))


def _indexed(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    if len(op.inputs) > 1:  # an index known at run time: anywhere in the operand
        return _dense_rule(op, deps)
    return _moved(op, deps)


def _updated(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """``x`` with ``v`` set or added at an index: the selected elements' dependencies
    replaced by, or joined with, those of ``v`` (broadcast to the selection)."""
    if len(op.inputs) > 2:
        return _dense_rule(op, deps)
    x, v = op.inputs[:2]
    positions = np.arange(x.type.size, dtype=np.int64).reshape(x.type.shape)
    selected = np.asarray(evaluate("index", [positions], [ArrayType(x.type.shape, "int64")],
                                   {"index": op.params["index"]}))
    values = _broadcast(deps[1], v.type.shape, selected.shape).reshape(-1, deps[1].shape[-1])
    out = deps[0].copy()
    if op.params["mode"] == "set":
        out[selected.ravel()] = False
    np.logical_or.at(out, selected.ravel(), values)
    return out


def _reduced(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """A reduction over ``axis``: the union over the elements it combines."""
    shaped = _shaped(deps[0], op.inputs[0].type.shape)
    return shaped.any(axis=op.params["axis"]).reshape(-1, deps[0].shape[-1])


def _summed_to(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    source, target = op.inputs[0].type.shape, op.params["shape"]
    lead = len(source) - len(target)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(target)
                                      if n == 1 and source[lead + i] != 1)
    return _shaped(deps[0], source).any(axis=axes).reshape(-1, deps[0].shape[-1])


def _accumulated(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """A cumulative sum: each element, the union of those up to it along the axis."""
    axis = op.params["axis"]
    if axis is None:  # along the flattened operand: the rows in order
        return np.logical_or.accumulate(deps[0], axis=0)
    shaped = _shaped(deps[0], op.inputs[0].type.shape)
    return np.logical_or.accumulate(shaped, axis=axis).reshape(-1, deps[0].shape[-1])


def _differenced(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """np.diff: each element, the union of the n + 1 neighbours it is the difference of."""
    shaped = _shaped(deps[0], op.inputs[0].type.shape)
    axis = op.params["axis"]
    for _ in range(op.params["n"]):
        ahead = np.take(shaped, np.arange(1, shaped.shape[axis]), axis=axis)
        shaped = ahead | np.take(shaped, np.arange(shaped.shape[axis] - 1), axis=axis)
    return shaped.reshape(-1, deps[0].shape[-1])


def _powers(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """np.vander: row i, the powers of element i, but for the column of ones."""
    n, N, size = deps[0].shape[0], op.params["N"], deps[0].shape[-1]
    powers = np.repeat(deps[0][:, None, :], N, axis=1)
    if N:
        powers[:, 0 if op.params["increasing"] else N - 1] = False
    return powers.reshape(n * N, size)


def _matrix_product(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    """``a @ b``: element (i, j) depends on row i of a and column j of b, whatever the
    values (a zero entry is not known while compiling)."""
    a, b = (v.type.shape for v in op.inputs)
    size = deps[0].shape[-1]
    rows = _shaped(deps[0], a if len(a) > 1 else (1,) + a).any(axis=-2)   # (..., m, size)
    columns = _shaped(deps[1], b if len(b) > 1 else b + (1,)).any(axis=-3)  # (..., p, size)
    return (rows[..., :, None, :] | columns[..., None, :, :]).reshape(-1, size)


def _dense_rule(op: Op, deps: list[np.ndarray]) -> np.ndarray:
    union = np.zeros(deps[0].shape[-1], dtype=bool)
    for d in deps:
        union |= d.any(axis=0)
    return np.broadcast_to(union, (op.output.type.size, union.size))


defpattern(_elementwise,
           "add", "sub", "mul", "div", "pow", "mod", "neg", "sin", "cos", "tan", "arcsin",
           "arccos", "arctan", "sinh", "cosh", "tanh", "exp", "expm1", "log", "log1p",
           "log2", "log10", "sqrt", "abs", "maximum", "minimum", "float", "as_numpy",
           "as_python", "arcsinh", "arccosh", "arctanh", "exp2", "deg2rad", "rad2deg",
           "arctan2", "hypot", "logaddexp", "logaddexp2", "reciprocal", "fmax", "fmin",
           "clip", "where", "astype", "full")
defpattern(_filled, "full_like")
defpattern(_moved,
           "reshape", "transpose", "broadcast_to", "copy", "ravel", "squeeze", "expand_dims",
           "atleast_1d", "atleast_2d", "atleast_3d", "swapaxes", "moveaxis", "flip", "roll",
           "repeat", "tile", "diagonal", "diag", "triu", "tril", "concatenate", "stack",
           "hstack", "vstack", "split", "pad")
defpattern(_indexed, "index")
defpattern(_updated, "index_update")
defpattern(_reduced, "sum", "mean", "prod", "max", "min", "var", "std", "norm")
defpattern(_summed_to, "sum_to")
defpattern(_accumulated, "cumsum", "cumprod")
defpattern(_differenced, "diff")
defpattern(_powers, "vander")
defpattern(_matrix_product, "matmul")


# ---- colouring --------------------------------------------------------------------------
def colour_columns(pattern: np.ndarray, max_colours: int) -> np.ndarray | None:
    """A colour for each column of `pattern` (0, 1, ...), two columns sharing a nonzero
    row never alike; greedy, in column order. None if more than `max_colours` are
    needed."""
    if pattern.sum(axis=1, initial=0).max(initial=0) > max_colours:
        return None  # the columns of one row all differ
    rows_of = [np.flatnonzero(column) for column in pattern.T]
    colours = np.full(pattern.shape[1], -1, dtype=np.int64)
    for j, rows in enumerate(rows_of):
        neighbours = np.flatnonzero(pattern[rows].any(axis=0))
        taken = set(colours[neighbours].tolist())
        colour = next(c for c in range(len(taken) + 1) if c not in taken)
        if colour >= max_colours:
            return None
        colours[j] = colour
    return colours
