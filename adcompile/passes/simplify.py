"""Constant folding and algebraic simplification, with symbolic zeros and ones.

    x + 0 -> x      x * 1 -> x      x * 0 -> 0 (scalars)     x ** 1 -> x
    0 - x -> -x     x * -1 -> -x    --x -> x                 c1 op c2 -> folded
    a + -b -> a - b    a + -4.0 -> a - 4.0    -a - b -> -(a + b)    a + a -> 2 * a
    (u + a) + a -> u + 2 * a
    -a * b -> -(a * b)
    a + 2**k * a -> (2**k + 1) * a
    c1 * (c2 * x) -> (c1 * c2) * x, when exact
    if True: a else: b -> a         a branch yielding True/False -> the predicate

Only ops with a 0-d result are folded: a larger array would be computed,
and held, while compiling, at the size of the user's data.

A rewrite that would change a value's type (an int ``i + 0.0`` becoming a float, a scalar
becoming an array) is not made. ``x * 0`` becomes 0 even where x could be inf or nan:
the zeros come from derivatives that are zero by construction, as JAX's symbolic zeros.
    reshape, broadcast_to, sum_to, ravel, squeeze, atleast_Nd to the shape it has,
    transpose by the identity, a cast to the type it has, a cast back from a cast, a copy -> x
    a reshape of a reshape, a transpose of a transpose -> one of them
    a reshape or broadcast of a broadcast scalar -> the scalar broadcast to the new shape
    a reduction reshaped to its kept axes, read nowhere else -> the reduction with
        keepdims=True (``np.max(x, keepdims=True)``, not ``np.reshape(np.max(x), (1,))``)
    broadcast_to(a) * b -> a * b, when b's shape alone gives the result's (and so for a
        0-d a reshaped, and for comparisons)
    c * broadcast_to(s) -> broadcast_to(c * s), for 0-d c and s (then folded if constant)
    x.shape[k], len(x), x.ndim, x.size -> the number x's type says
    x[:, :] (every element, in order) -> x
    I @ m, m @ I -> m, for the identity I a batch of tangents is seeded with (as x * 1)
    zeros_like(zeros_like(x)) -> zeros_like(x), and so for ones_like
    broadcast_to(zeros_like(x), shape) -> zeros(shape), and so for ones_like
    zeros like an empty list -> an empty list; zeros like zeros like x -> zeros like x
    a + (zeros with v added at i) -> a with v added at i (an update costs the size of v)
    x with x[i] + v set at i -> x with v added at i, where i cannot select an element twice
    (x updated at i)[j] -> x[j], where constant ints in i and j pick apart rows of one axis
    the check of a window's start -> the start, where it is inside (a constant, a range
        loop's index over such starts, that plus or times a constant)
    x[i:i + 3] with i a constant -> x[5:8]

Folding evaluates through `adcompile.backend.spellings.evaluate`, the code generated code
runs, so a folded constant equals what the code would compute.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np

from ..backend.spellings import evaluate
from ..ir.infer import infer_op
from ..ir.nodes import Function, Op, Region, Value, substitute, walk_ops
from ..ir.primitives import PRIMITIVES, TYPE_FACTS, Slice, Window, result_type, takes_operand
from ..ir.structured import Cond, Loop, RangeLoop, as_cond, as_loop
from ..ir.types import ArrayType, NoneType, type_of

_UNFOLDABLE = {"const", "cond", "loop", "push", "pop", "tape_new"}
_RESHAPING = {"reshape", "broadcast_to", "sum_to", "transpose", "as_numpy", "as_python",
              "copy", "ravel", "squeeze", "atleast_1d", "atleast_2d", "atleast_3d", "astype"}
_CASTS = ("as_numpy", "as_python")
_ELEMENTWISE_BINARY = {"add", "sub", "mul", "div", "pow", "maximum", "minimum"}
_COMPARISONS = {"lt", "le", "gt", "ge", "eq", "ne"}
_KEEPING_DIMS = {"sum", "mean", "prod", "max", "min", "var", "std", "norm"}


def simplify(fn: Function) -> bool:
    """Simplify `fn` in place; return whether anything changed."""
    simplifier = _Simplifier(fn)
    changed = simplifier.region(fn.body, {})
    if simplifier.replacements:
        substitute(fn.body, {v: simplifier.follow(v) for v in simplifier.replacements})
    return changed or bool(simplifier.replacements)


class _NotConst:
    pass


_NOT_CONST = _NotConst()


class _Simplifier:
    def __init__(self, fn: Function):
        self.replacements: dict[Value, Value] = {}
        self.defs = {out: op for op in walk_ops(fn.body) for out in op.outputs}
        # how many times each value is read as the pass begins (rewrites may add reads:
        # used only where one read too few costs a repeated computation, never a value)
        self.reads = Counter(v for op in walk_ops(fn.body) for v in op.inputs)
        self.reads.update(v for op in walk_ops(fn.body) for inner in op.regions
                          for v in inner.results)
        self.reads.update(fn.body.results)
        # an int known to lie in [low, high]: a range loop's index, that plus or times a
        # constant
        self.ranges: dict[Value, tuple[int, int]] = {}

    def follow(self, value: Value) -> Value:
        while value in self.replacements:
            value = self.replacements[value]
        return value

    def replace(self, old: Value, new: Value) -> None:
        self.replacements[old] = new
        if new.hint is None:
            new.hint, new.strong_name = old.hint, old.strong_name

    def make(self, prim: str, *inputs: Value, **params) -> Value:
        """A new op, placed just before the op being rewritten."""
        # made for a rewrite of `self.rewriting`: a derivative rule's op if that is one
        op = Op(prim, list(inputs), [Value()], params, derived=self.rewriting.derived)
        infer_op(op)
        self.pending.append(op)
        self.defs[op.output] = op
        return op.output

    def negated(self, value: Value) -> Value | None:
        """x when `value` is -x."""
        op = self.defs.get(value)
        return op.inputs[0] if op is not None and op.prim == "neg" else None

    def region(self, region: Region, outer_consts: dict) -> bool:
        consts = dict(outer_consts)
        changed = False
        new_ops: list[Op] = []
        for op in region.ops:
            op.inputs = [self.follow(v) for v in op.inputs]
            if isinstance(loop := as_loop(op), RangeLoop):
                bounds = [consts.get(v, _NOT_CONST) for v in loop.op.inputs[:3]]
                taken = range(*bounds) if all(type(bound) is int for bound in bounds) and \
                    bounds[2] else None
                if taken:
                    self.ranges[loop.index] = (min(taken[0], taken[-1]),
                                               max(taken[0], taken[-1]))
            for inner in op.regions:
                changed |= self.region(inner, consts)
                inner.results = [self.follow(v) for v in inner.results]
            if op.prim == "const":
                consts[op.output] = op.params["value"]
                new_ops.append(op)
                continue
            if (loop := as_loop(op)) is not None:
                changed |= self.loop_invariants(loop)
            if (cond := as_cond(op)) is not None:
                kept = self.cond(cond, consts)
                changed |= kept != [op]
                new_ops.extend(kept)
                continue
            self.pending = []
            self.rewriting = op
            self.note_range(op, consts)
            rewrite = self.rewrite(op, consts)
            new_ops.extend(self.pending)
            if rewrite is None:
                new_ops.append(op)
                continue
            changed = True
            kind, payload = rewrite
            if kind == "value":
                self.replace(op.output, payload)
            elif kind == "const":
                op.prim, op.inputs, op.params = "const", [], {"value": payload}
                consts[op.output] = payload
                new_ops.append(op)
            else:  # the same value by another primitive
                op.prim, op.inputs = payload
                new_ops.append(op)
        region.ops = new_ops
        return changed

    def rewrite(self, op: Op, consts: dict):
        """None, or ("value", v) / ("const", c) / ("prim", (name, inputs))."""
        if op.prim == "list_zeros_like" and self.defs.get(op.inputs[0]) is not None and \
                self.defs[op.inputs[0]].prim in ("list_new", "list_zeros_like"):
            inner = self.defs[op.inputs[0]]
            return "prim", (inner.prim, list(inner.inputs))
        if op.prim == "check_window":
            return self.checked_window(op, consts)
        if op.prim in ("index", "index_update"):
            fixed = self.fixed_windows(op, consts)
            if fixed is not None:
                return "value", fixed
        if op.prim in ("list_add_at", "list_set"):
            return self.list_update(op)
        if op.prim in _UNFOLDABLE or not PRIMITIVES[op.prim].pure or \
                PRIMITIVES[op.prim].on_lists:
            return None
        if op.prim in TYPE_FACTS:
            return "const", TYPE_FACTS[op.prim](op.inputs[0].type, **op.params)
        values = [consts.get(v, _NOT_CONST) for v in op.inputs]
        if values and all(v is not _NOT_CONST for v in values) and \
                op.output.type.shape == ():
            folded = _fold(op, values)
            if folded is not None:
                return "const", folded
        unbroadcast = self.without_broadcasts(op)
        if unbroadcast is not None:
            return "prim", (op.prim, unbroadcast)
        outward = self.broadcast_after(op)
        if outward is not None:
            return "value", outward
        a = op.inputs[0] if op.inputs else None
        c = op.inputs[1] if len(op.inputs) > 1 else None
        ca = values[0] if values else _NOT_CONST
        cc = values[1] if len(values) > 1 else _NOT_CONST
        scalar = op.output.type is not None and not op.output.type.is_array
        if op.prim == "add":
            update = self.added_into_zeros(op)
            if update is not None:
                return "value", update
            if _is(cc, 0) and _same_type(op, a):
                return "value", a
            if _is(ca, 0) and _same_type(op, c):
                return "value", c
            if self.negated(c) is not None:
                return "prim", ("sub", [a, self.negated(c)])
            if self.negated(a) is not None:
                return "prim", ("sub", [c, self.negated(a)])
            if _is_negative_number(cc):
                return "prim", ("sub", [a, self.make("const", value=-cc)])
            if a is c and op.output.type.is_float:
                return "prim", ("mul", [self.make("const", value=2), a])
            inner = self.defs.get(a)
            if inner is not None and inner.prim == "add" and c in inner.inputs and \
                    op.output.type.is_float and inner.output.type == op.output.type:
                rest = inner.inputs[1] if inner.inputs[0] is c else inner.inputs[0]
                doubled = self.make("mul", self.make("const", value=2), c)
                return "prim", ("add", [rest, doubled])
            for term, other in ((a, c), (c, a)):
                factor = self.scaled_by_power_of_two(other, term, consts)
                if factor is not None and op.output.type == term.type:
                    return "prim", ("mul", [self.make("const", value=factor + 1), term])
        elif op.prim == "sub":
            if self.negated(c) is not None:
                return "prim", ("add", [a, self.negated(c)])
            if self.negated(a) is not None:
                return "prim", ("neg", [self.make("add", self.negated(a), c)])
            if _is(cc, 0) and _same_type(op, a):
                return "value", a
            if _is(ca, 0) and c.type == op.output.type:
                return "prim", ("neg", [c])
            if a is c and scalar and op.output.type.is_float:
                return "const", 0.0
        elif op.prim == "mul":
            if self.is_one(c, consts) and _same_type(op, a):
                return "value", a
            if self.is_one(a, consts) and _same_type(op, c):
                return "value", c
            if (_is(ca, 0) or _is(cc, 0)) and scalar:
                return "const", 0.0 if op.output.type.is_float else 0
            if _is(cc, -1) and _same_type(op, a):
                return "prim", ("neg", [a])
            if _is(ca, -1) and _same_type(op, c):
                return "prim", ("neg", [c])
            neg_a, neg_c = self.negated(a), self.negated(c)
            if neg_a is not None and neg_c is not None:
                return "prim", ("mul", [neg_a, neg_c])
            if neg_a is not None or neg_c is not None:
                return "prim", ("neg", [self.make("mul", neg_a or a, neg_c or c)])
            merged = self.merge_constant_factors(ca, c, consts) or \
                self.merge_constant_factors(cc, a, consts)
            if merged is not None and merged[1].type == op.output.type:
                return "prim", ("mul", [self.make("const", value=merged[0]), merged[1]])
        elif op.prim == "div":
            if _is(cc, 1) and _same_type(op, a):
                return "value", a
            if self.negated(a) is not None:
                return "prim", ("neg", [self.make("div", self.negated(a), c)])
            if _is(ca, 0) and scalar and op.output.type.is_float:
                return "const", 0.0
        elif op.prim == "neg":
            inner = self.negated(a)
            if inner is not None and _same_type(op, inner):
                return "value", inner
        elif op.prim in _RESHAPING and _same_type(op, a) and \
                (op.prim != "transpose" or op.params["axes"] == tuple(range(a.type.ndim))):
            return "value", a
        elif op.prim in _CASTS and self.defs.get(a) is not None and \
                self.defs[a].prim in _CASTS and _same_type(op, self.defs[a].inputs[0]):
            return "value", self.defs[a].inputs[0]
        elif op.prim in ("reshape", "broadcast_to") and self.defs.get(a) is not None and \
                self.defs[a].prim == "broadcast_to" and \
                self.defs[a].inputs[0].type.shape == ():
            return "value", self.make("broadcast_to", self.defs[a].inputs[0],
                                      shape=op.output.type.shape)
        elif op.prim == "reshape" and self.reads[a] == 1 and self.kept_dims(a, op):
            reduction = self.defs[a]
            return "value", self.make(reduction.prim, reduction.inputs[0],
                                      **{**reduction.params, "keepdims": True})
        elif op.prim in ("transpose", "reshape") and self.defs.get(a) is not None and \
                self.defs[a].prim == op.prim:
            inner = self.defs[a]
            params = {"shape": op.params["shape"]} if op.prim == "reshape" else \
                {"axes": tuple(inner.params["axes"][k] for k in op.params["axes"])}
            return "value", self.make(op.prim, inner.inputs[0], **params)
        elif op.prim in ("zeros_like", "ones_like") and self.defs.get(a) is not None and \
                self.defs[a].prim in ("zeros_like", "ones_like") and \
                _same_type(op, self.defs[a].inputs[0]):
            return "prim", (op.prim, [self.defs[a].inputs[0]])
        elif op.prim == "broadcast_to" and self.defs.get(a) is not None and \
                self.defs[a].prim in ("zeros_like", "ones_like") and not op.output.type.weak:
            # a new array: an update into it is made in place, not into a copy
            made = "zeros" if self.defs[a].prim == "zeros_like" else "ones"
            return "value", self.make(made, shape=op.output.type.shape,
                                      dtype=op.output.type.dtype)
        elif op.prim == "index" and _same_type(op, a) and \
                all(isinstance(entry, Slice) and entry.is_full(size)
                    for entry, size in zip(op.params["index"], a.type.shape)):
            return "value", a
        elif op.prim == "index" and len(op.inputs) == 1 and \
                self.defs.get(a) is not None and self.defs[a].prim == "index_update" and \
                len(self.defs[a].inputs) == 2 and \
                _apart(self.defs[a].params["index"], op.params["index"]):
            return "value", self.make("index", self.defs[a].inputs[0], **op.params)
        elif op.prim == "index_update" and op.params["mode"] == "set":
            increment = self.increment_at_own_index(op)
            if increment is not None:
                return "value", self.make("index_update", a, increment, *op.inputs[2:],
                                          index=op.params["index"], mode="add")
        elif op.prim == "einsum" and len(op.inputs) == 2:
            operands, output = op.params["subscripts"].split("->")
            left, right = operands.split(",")
            if (left == "" and right == output or right == "" and left == output) and \
                    op.output.type == result_type("mul", [a.type, c.type]):
                return "value", self.make("mul", a, c)  # a scalar times an array
        elif op.prim == "matmul":
            for unit, other in ((a, c), (c, a)):
                if self.is_identity(unit) and _same_type(op, other):
                    return "value", other
        elif op.prim == "pow":
            if _is(cc, 1) and _same_type(op, a):
                return "value", a
            if _is(cc, 0) and scalar:
                return "const", 1.0 if op.output.type.is_float else 1
        return None

    def list_update(self, op: Op):
        """``xs[i] = 0; xs[i] += v`` is ``xs[i] = v``; ``xs[i] = xs[i]`` is xs (the
        adjoint of reading an element and writing it, in a reverse loop)."""
        items, value, position = op.inputs
        if op.prim == "list_add_at" and self.zeroed_at(items, position, value):
            return "prim", ("list_set", [self.defs[items].inputs[0], value, position])
        read = self.defs.get(value)
        if op.prim == "list_set" and read is not None and read.prim == "list_get" and \
                read.inputs == [items, position]:
            return "value", items
        return None

    def zeroed_at(self, items: Value, position: Value, like: Value) -> bool:
        """Whether the list `items` is another with its element at `position` set to
        zeros of `like`'s type, and nothing else reads it."""
        op = self.defs.get(items)
        zeros = self.defs.get(op.inputs[1]) if op is not None and op.prim == "list_set" \
            else None
        return zeros is not None and zeros.prim in ("zeros_like", "zeros") and \
            op.inputs[2] is position and op.inputs[1].type == like.type and \
            self.reads[items] == 1

    def is_identity(self, value: Value) -> bool:
        """Whether `value` is the identity matrix: the unit vectors of a vector, stacked
        (the seed of a batch of tangents)."""
        op = self.defs.get(value)
        return op is not None and op.prim == "basis" and len(op.params["shape"]) == 1

    def added_into_zeros(self, op: Op) -> Value | None:
        """For ``a + u`` where u adds v at an index into zeros: a with v added there."""
        for term, other in (op.inputs, reversed(op.inputs)):
            update = self.defs.get(term)
            if update is None or update.prim != "index_update" or \
                    update.params["mode"] != "add" or not _same_type(op, other) or \
                    not _same_type(op, update.output):
                continue
            base = self.defs.get(update.inputs[0])
            if base is not None and base.prim in ("zeros_like", "zeros"):
                return self.make("index_update", other, *update.inputs[1:], **update.params)
        return None

    def increment_at_own_index(self, op: Op) -> Value | None:
        """v, when the update `op` sets x[i] + v at i in x, and i selects each element
        once (ints and slices): then adding v at i is the same."""
        x, value, operands = op.inputs[0], op.inputs[1], op.inputs[2:]
        index = op.params["index"]
        if any(isinstance(entry, tuple) for entry in index) or \
                any(v.type.shape != () for v in operands):
            return None
        total = self.defs.get(value)
        if total is None or total.prim != "add":
            return None
        for term, other in (total.inputs, reversed(total.inputs)):
            read = self.defs.get(term)
            if read is not None and read.prim == "index" and read.inputs[0] is x and \
                    read.inputs[1:] == operands and read.params["index"] == index:
                return other
        return None

    def checked_window(self, op: Op, consts: dict):
        """("value", the start) where the check of a window's start cannot fail."""
        start, params = op.inputs[0], op.params
        known = consts.get(start, _NOT_CONST)
        low, high = (known, known) if type(known) is int else self.ranges.get(start, (-1, -1))
        reach = params["window"].reach
        if not reach or 0 <= low and high <= params["size"] - reach:
            return "value", start
        return None

    def note_range(self, op: Op, consts: dict) -> None:
        """The range of an int a range loop's index plus, minus or times a constant takes."""
        if op.prim not in ("add", "sub", "mul") or type(op.output.type) is not ArrayType or \
                op.output.type.shape != () or op.output.type.kind not in "iu":
            return
        for ranged, other in (op.inputs, reversed(op.inputs)):
            constant = consts.get(other, _NOT_CONST)
            if ranged not in self.ranges or type(constant) is not int or \
                    op.prim == "sub" and ranged is not op.inputs[0]:
                continue
            low, high = self.ranges[ranged]
            ends = {"add": (low + constant, high + constant),
                    "sub": (low - constant, high - constant),
                    "mul": (low * constant, high * constant)}[op.prim]
            self.ranges[op.output] = (min(ends), max(ends))
            return

    def fixed_windows(self, op: Op, consts: dict) -> Value | None:
        """`op` with its windows that start at constants inside the axis as slices."""
        arity = PRIMITIVES[op.prim].arity
        operands = iter(op.inputs[arity:])
        entries, kept, axis = [], [], 0
        shape = op.inputs[0].type.shape
        for entry in op.params["index"]:
            operand = next(operands) if takes_operand(entry) else None
            start = consts.get(operand, _NOT_CONST)
            if isinstance(entry, Window) and type(start) is int and \
                    0 <= start <= shape[axis] - entry.reach:
                stop = start + entry.length * entry.step
                entries.append(Slice(start, stop, entry.step).normalized(shape[axis]))
            else:
                entries.append(entry)
                kept += [] if operand is None else [operand]
            axis += entry is not None
        if len(kept) == len(op.inputs) - arity:
            return None
        params = {**op.params, "index": tuple(entries)}
        return self.make(op.prim, *op.inputs[:arity], *kept, **params)

    def is_one(self, value: Value, consts: dict) -> bool:
        """A constant 1, or one reshaped or broadcast (a float32 reverse sweep's seed, the
        gradient of a sum, is np.float32(1.0) reshaped to the sum's kept dims)."""
        inner = self.defs.get(value)
        if inner is not None and inner.prim in ("reshape", "broadcast_to"):
            return self.is_one(inner.inputs[0], consts)
        return _is(consts.get(value, _NOT_CONST), 1)

    def kept_dims(self, value: Value, reshape: Op) -> bool:
        """Whether `value` is a reduction without keepdims that `reshape` reshapes to the
        shape the reduction with keepdims=True has."""
        reduction = self.defs.get(value)
        if reduction is None or reduction.prim not in _KEEPING_DIMS or \
                reduction.params["keepdims"]:
            return False
        kept = result_type(reduction.prim, [reduction.inputs[0].type],
                           {**reduction.params, "keepdims": True})
        return kept == reshape.output.type

    def without_broadcasts(self, op: Op) -> list[Value] | None:
        """The inputs of an elementwise op with an explicit broadcast (or a reshape of a
        0-d value) left out, when the op's own broadcasting gives the same result type."""
        if op.prim not in _ELEMENTWISE_BINARY and op.prim not in _COMPARISONS:
            return None
        for k, value in enumerate(op.inputs):
            inner = self.defs.get(value)
            if inner is None or not (inner.prim == "broadcast_to" or inner.prim == "reshape"
                                     and inner.inputs[0].type.shape == ()):
                continue
            inputs = list(op.inputs)
            inputs[k] = inner.inputs[0]
            if result_type(op.prim, [v.type for v in inputs], op.params) == op.output.type:
                return inputs
        return None

    def broadcast_after(self, op: Op) -> Value | None:
        """For an elementwise op on 0-d values, some broadcast: the op on the 0-d values,
        broadcast afterwards. A reverse sweep seeds a sum's adjoint as a broadcast 1.0;
        scaling the broadcast would cost a pass over the array, scaling the 0-d value
        costs nothing (and folds when it is a constant)."""
        if op.prim not in _ELEMENTWISE_BINARY:
            return None
        scalars = []
        for value in op.inputs:
            inner = self.defs.get(value)
            if inner is not None and inner.prim == "broadcast_to" and \
                    inner.inputs[0].type.shape == ():
                scalars.append(inner.inputs[0])
            elif value.type.shape == ():
                scalars.append(value)
            else:
                return None
        if scalars == op.inputs:
            return None
        scalar_type = result_type(op.prim, [v.type for v in scalars], op.params)
        shape = op.output.type.shape
        if result_type("broadcast_to", [scalar_type], {"shape": shape}) != op.output.type:
            return None
        return self.make("broadcast_to", self.make(op.prim, *scalars, **op.params),
                         shape=shape)

    def loop_invariants(self, loop: Loop) -> bool:
        """A carried value the body passes on unchanged is its initial value throughout."""
        changed = False
        for k, (param, init, out) in enumerate(zip(loop.carried_params(loop.body),
                                                     loop.inits, loop.outputs)):
            if loop.next_values[k] is param and out not in self.replacements and \
                    param.type == init.type:
                self.replace(param, init)
                self.replace(out, init)
                for region in loop.regions:
                    if region is not loop.body:
                        self.replace(loop.carried_params(region)[k], init)
                changed = True
        return changed

    def scaled_by_power_of_two(self, value: Value, term: Value, consts: dict):
        """c when `value` is c * term with c an int power of two (then a + c*a, rounded
        once, equals (c + 1) * a to the bit)."""
        op = self.defs.get(value)
        if op is None or op.prim != "mul":
            return None
        for k in (0, 1):
            factor = consts.get(op.inputs[k], _NOT_CONST)
            if op.inputs[1 - k] is term and isinstance(factor, int) and \
                    not isinstance(factor, bool) and factor > 0 and factor & (factor - 1) == 0:
                return factor
        return None

    def merge_constant_factors(self, constant, other: Value, consts: dict):
        """c1 * (c2 * x) -> (c1*c2, x), when that is exact (one factor a power of two,
        or both ints), so the result is the same to the bit."""
        inner = self.defs.get(other)
        if constant is _NOT_CONST or inner is None or inner.prim != "mul":
            return None
        for k in (0, 1):
            inner_constant = consts.get(inner.inputs[k], _NOT_CONST)
            if inner_constant is not _NOT_CONST and _exact_product(constant, inner_constant):
                return constant * inner_constant, inner.inputs[1 - k]
        return None

    def cond(self, cond: Cond, consts: dict) -> list[Op]:
        """The ops to put in place of a cond: itself, fewer of its outputs, or a branch."""
        pred = consts.get(cond.predicate, _NOT_CONST)
        if pred is not _NOT_CONST and not isinstance(pred, np.ndarray):
            chosen = cond.then if pred else cond.orelse
            if not any(_placeholder_for(result, out)
                       for out, result in zip(cond.outputs, chosen.results)):
                for out, result in zip(cond.outputs, chosen.results):
                    self.replace(out, result)
                return list(chosen.ops)
        then, other = cond.then, cond.orelse
        keep = []
        for k, out in enumerate(cond.outputs):
            left, right = then.results[k], other.results[k]
            if left is right:
                self.replace(out, left)
                continue
            cl = (consts | _region_consts(then)).get(left, _NOT_CONST)
            cr = (consts | _region_consts(other)).get(right, _NOT_CONST)
            if cond.predicate.type == out.type and cl is True and cr is False:
                self.replace(out, cond.predicate)
                continue
            keep.append(k)
        if len(keep) != len(cond.outputs):
            cond.keep_outputs(keep)
        return [cond.op]


def _placeholder_for(result: Value, out: Value) -> bool:
    """Whether a branch yields None where the cond's output has a type: a stand-in for a
    value that branch does not compute (the reverse sweep's, or lowering's for a branch
    that broke or continued). Folding the cond would give its readers a None type, and
    differentiating them again would fail."""
    return isinstance(result.type, NoneType) and out.type is not None and \
        not isinstance(out.type, NoneType)


def _is_negative_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0


def _exact_product(a, b) -> bool:
    numbers = (int, float)
    if not (isinstance(a, numbers) and isinstance(b, numbers)) or \
            isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, int) and isinstance(b, int):
        return True
    return any(v != 0 and math.isfinite(v) and math.frexp(abs(v))[0] == 0.5 for v in (a, b))


def _apart(written: tuple, read: tuple) -> bool:
    """Whether the constant indices `written` and `read` (ints and slices, one entry per
    axis) select no element in common: two different ints on one axis."""
    def per_axis(index):
        return all(isinstance(e, (int, Slice)) and not isinstance(e, bool) for e in index)
    return per_axis(written) and per_axis(read) and any(
        isinstance(w, int) and isinstance(r, int) and w != r for w, r in zip(written, read))


def _same_type(op: Op, value: Value) -> bool:
    return value.type == op.output.type


def _is(value, number) -> bool:
    if isinstance(value, np.ndarray) and value.shape == ():  # a broadcast number, folded
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or value is None:
        return False
    if isinstance(value, (int, float, np.number)):
        return value == number
    return False


def _fold(op: Op, values: list):
    try:
        with np.errstate(all="raise"):
            result = evaluate(op.prim, values, [v.type for v in op.inputs], op.params)
    except (ArithmeticError, ValueError, TypeError, FloatingPointError, OverflowError):
        return None
    if isinstance(result, float) and not math.isfinite(result):
        return None
    if isinstance(result, np.generic) and op.output.type.weak:
        result = result.item()
    try:
        if type_of(result) != op.output.type:
            return None
    except TypeError:
        return None
    return result


def _region_consts(region: Region) -> dict:
    return {op.output: op.params["value"] for op in region.ops if op.prim == "const"}

