"""Rules for the runtime's operations: summing to a shape, and the tape.

``sum_to(g, like)`` is linear in ``g``. The tape's ``push`` and ``pop`` are effects: in
forward mode a push of a value with a nonzero tangent pushes the tangent after it, and
the matching pop (the same ``slot``) pops the tangent first, so the tape stays
last-in-first-out. The forward transform keeps the set of slots whose tangent was pushed.
"""

from __future__ import annotations

from .registry import defeffect, defrule


defrule("sum_to",
        jvp=lambda b, p, t, out: None if t[0] is None else b.call("sum_to", t[0], p[1]),
        vjp=lambda b, p, out, g: [b.mul(g, b.call("ones_like", p[0])), None])


def _push_jvp(b, primals, tangents, op, slots_with_tangent: set):
    tape, value = primals
    b.emit("push", [tape, value], op.params)
    if tangents[1] is not None:
        b.emit("push", [tape, tangents[1]], op.params)
        slots_with_tangent.add(op.params["slot"])
    return [], []


def _pop_jvp(b, primals, tangents, op, slots_with_tangent: set):
    tape = primals[0]
    tangent = None
    if op.params["slot"] in slots_with_tangent:
        tangent = b.emit("pop", [tape], op.params, hint=_tangent_hint(op.output.hint)).output
    value = b.emit("pop", [tape], op.params, hint=op.output.hint).output
    value.type = op.output.type
    if tangent is not None:
        tangent.type = op.output.type
    return [value], [tangent]


def _tangent_hint(hint):
    return None if hint is None else "d" + hint


defeffect("push", jvp=_push_jvp)
defeffect("pop", jvp=_pop_jvp)
