"""The registry of derivative rules: one entry per primitive, forward and reverse.

A rule emits IR through a `DiffBuilder`, so a rule is written in terms of other
primitives and the program it produces can be differentiated again. The signatures are
fixed:

- ``jvp(b, primals, tangents, out, **params) -> tangent of out``
- ``vjp(b, primals, out, g, **params) -> [cotangent of each primal]``

A tangent or cotangent that is zero is ``None`` (a symbolic zero): the builder's
arithmetic skips it, so no work is emitted for it. A primitive whose derivative is zero
everywhere it exists (``floor``, ``sign``, comparisons) is registered with `defzero`.

A batching rule (`defbatch`) computes a primitive on operands some of which carry an extra
leading axis, a batch of values computed at once (the tangents along every basis direction
of a Jacobian):

- ``batch(b, values, batched, out_type, **params) -> the batched result``

where ``batched[k]`` says whether ``values[k]`` has the batch axis and ``out_type`` is the
type of one result of the batch.

Primitives with side effects (the tape's ``push`` and ``pop``) register effect rules
instead. The forward one emits the primal op and its tangent together, because their
order on the tape matters; the reverse one gets a function giving each tape's adjoint
tape: the adjoint of a pop is a push onto it, and the adjoint of a push a pop from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

from ..ir.builder import Builder
from ..ir.nodes import Value
from ..ir.primitives import PRIMITIVES
from ..ir.types import ListType, NoneType


@dataclass(frozen=True)
class Rule:
    jvp: Callable | None = None
    vjp: Callable | None = None
    zero: bool = False
    effect_jvp: Callable | None = None
    effect_vjp: Callable | None = None
    # Taylor mode (higher derivatives without expression swell): `linear` when the jvp is
    # linear in the tangents with coefficients that depend on the primals only (then the
    # jvp maps each Taylor coefficient); `derivative(b, x, out)` for an elementwise
    # function of one argument (its series then follows from y' = f'(x) x'); `taylor`
    # for the rest: ``taylor(b, inputs, out, k, memo) -> coefficient k of out``, given
    # the inputs' series up to k and out's below k. The caller keeps `memo` for one op
    # across k, for series the rule builds on the way; the rule returns NotImplemented
    # when the op has no series it can give.
    linear: bool = False
    derivative: Callable | None = None
    taylor: Callable | None = None


RULES: dict[str, Rule] = {}


def defrule(prim: str, *, jvp: Callable, vjp: Callable, linear: bool = False,
            taylor: Callable | None = None) -> None:
    assert prim not in RULES, f"two rules for {prim}"
    RULES[prim] = Rule(jvp=jvp, vjp=vjp, linear=linear, taylor=taylor)


BATCH_RULES: dict[str, Callable] = {}


class BatchUnsupported(Exception):
    """A program has an operation that cannot be batched (named in the message)."""


def defbatch(rule: Callable, *prims: str) -> None:
    for prim in prims:
        assert prim not in BATCH_RULES, f"two batching rules for {prim}"
        BATCH_RULES[prim] = rule


def defzero(*prims: str) -> None:
    for prim in prims:
        assert prim not in RULES, f"two rules for {prim}"
        RULES[prim] = Rule(zero=True)


def defeffect(prim: str, *, jvp: Callable, vjp: Callable | None = None) -> None:
    assert prim not in RULES, f"two rules for {prim}"
    RULES[prim] = Rule(effect_jvp=jvp, effect_vjp=vjp)


def defunary(prim: str, derivative: Callable) -> None:
    """An elementwise function of one argument, given ``derivative(b, x, out) -> f'(x)``."""
    assert prim not in RULES, f"two rules for {prim}"
    RULES[prim] = Rule(
        jvp=lambda b, primals, tangents, out: b.mul(tangents[0],
                                                    derivative(b, primals[0], out)),
        vjp=lambda b, primals, out, g: [b.mul(g, derivative(b, primals[0], out))],
        derivative=derivative)


def cauchy_product(prim: str) -> Callable:
    """The Taylor rule of a primitive linear in each operand (``*``, ``@``, einsum):
    coefficient k of a . c is the sum over j of a_j . c_(k-j), and of f(a, c, e, ...) the
    sum over the ways of writing k = j1 + j2 + j3 + ... of f(a_j1, c_j2, e_j3, ...). A
    commutative one of a series with itself (a square) pairs a_j . a_(k-j) with
    a_(k-j) . a_j: the pair is one product, added twice."""
    commutative = PRIMITIVES[prim].commutative

    def taylor(b, inputs, out, k, memo, **params):
        if commutative and len(inputs) == 2 and inputs[0] is inputs[1]:
            a = inputs[0]
            pairs = None
            for j in range((k + 1) // 2):
                if a[j] is not None and a[k - j] is not None:
                    pairs = b.add(pairs, b.call(prim, a[j], a[k - j], **params))
            middle = b.call(prim, a[k // 2], a[k // 2], **params) \
                if k % 2 == 0 and a[k // 2] is not None else None
            return b.add(b.add(pairs, pairs), middle) if pairs is not None else middle
        total = None
        for split in _compositions(k, len(inputs)):
            terms = [series[j] for series, j in zip(inputs, split)]
            if all(term is not None for term in terms):
                total = b.add(total, b.call(prim, *terms, **params))
        return total
    return taylor


def _compositions(total: int, parts: int):
    """Every tuple of `parts` non-negative ints summing to `total`, the first smallest first."""
    if parts == 1:
        yield (total,)
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first,) + rest


class DiffBuilder(Builder):
    """A builder whose arithmetic treats None as a symbolic zero, and which knows the
    constants emitted through it (so a rule can specialize on a constant exponent)."""

    def __init__(self, region, loc=None):
        super().__init__(region, loc)
        self._constants: dict[Value, object] = {}

    def emit(self, prim, inputs, params=None, **kwargs):
        op = super().emit(prim, inputs, params, **kwargs)
        if prim == "const":
            self._constants[op.output] = op.params["value"]
        return op

    def exact(self, number: Fraction) -> Value:
        """The constant `number`, which a builder that folds constant factors keeps exact
        (see `adcompile.transforms.taylor`)."""
        return self.const(float(number))

    def constant(self, value: Value) -> int | float | None:
        """The number `value` is, when it is an int or float constant; else None."""
        number = self._constants.get(value)
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            return number
        return None

    def add(self, a: Value | None, c: Value | None) -> Value | None:
        if a is None:
            return c
        if c is None:
            return a
        if isinstance(a.type, ListType):
            return self._add_lists(a, c)
        return self.apply("add", a, c)

    def _add_lists(self, a: Value, c: Value) -> Value:
        """``a + c`` elementwise; where c is zeros with one element added (the adjoint of
        reading ``xs[i]``, just emitted), the element is added into a instead: O(1), and
        the zeros, which would read the list, are never made."""
        ops = self.region.ops
        if len(ops) >= 2 and ops[-1].prim == "list_add_at" and ops[-1].outputs[0] is c and \
                ops[-2].prim == "list_zeros_like" and ops[-1].inputs[0] is ops[-2].outputs[0]:
            added = ops[-1]
            del ops[-2:]
            return self.apply("list_add_at", a, *added.inputs[1:])
        return self.apply("list_add", a, c)

    def sub(self, a: Value | None, c: Value | None) -> Value | None:
        if c is None:
            return a
        if a is None:
            return self.apply("neg", c)
        return self.apply("sub", a, c)

    def mul(self, a: Value | None, c: Value | None) -> Value | None:
        if a is None or c is None:
            return None
        return self.apply("mul", a, c)

    def div(self, a: Value | None, c: Value) -> Value | None:
        return None if a is None else self.apply("div", a, c)

    def neg(self, a: Value | None) -> Value | None:
        return None if a is None else self.apply("neg", a)

    def call(self, prim: str, *args: Value, **params) -> Value:
        return self.apply(prim, *args, **params)

    def unbroadcast(self, g: Value | None, like: Value) -> Value | None:
        """`g` summed down to the shape of `like`, when broadcasting made it larger, and
        a Python scalar again if `like` is one."""
        if g is None or stands_for(g, like):
            return g
        if g.type.shape != like.type.shape:
            g = self.apply("sum_to", g, shape=like.type.shape)
        return self.apply("as_python", g) if like.type.weak else g

    def zeros(self, like: Value) -> Value:
        """A zero of the type of `like`, for where a symbolic zero must become a value."""
        if like.type is not None and like.type.is_array:
            return self.apply("zeros_like", like)
        if isinstance(like.type, ListType):
            return self.apply("list_zeros_like", like)
        if isinstance(like.type, NoneType):
            return self.const(None)
        return self.const(0.0)


def stands_for(a: Value, b: Value) -> bool:
    """Whether `a` can stand for a value shaped like `b`: the same shape, and not an
    array where `b` is a Python scalar (a Python scalar may stand for a 0-d array)."""
    return a.type.shape == b.type.shape and (a.type.weak or not b.type.weak)


def rule_for(prim: str) -> Rule | None:
    return RULES.get(prim)
