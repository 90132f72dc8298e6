"""Rules for the runtime's tape.

Each value the reverse sweep of a loop reads has
a tape of its own; the tape ops are effects. In forward mode every tape gets a tangent
tape beside it; a push of a value with a nonzero tangent also pushes the tangent onto
the tangent tape, and a pop from a tape that received tangents pops one too. Tangent
tapes nobody pops are removed by dead-code elimination.
"""

from __future__ import annotations

from .registry import defeffect


def _tape_new_jvp(b, primals, tangents, op, tapes_with_tangents: set):
    tape = b.emit("tape_new", [], hint=op.output.hint).output
    tangent_tape = b.emit("tape_new", [], hint=_tangent_hint(op.output.hint)).output
    return [tape], [tangent_tape]


def _push_jvp(b, primals, tangents, op, tapes_with_tangents: set):
    tape, value = primals
    b.emit("push", [tape, value], n_out=0)
    if tangents[1] is not None:
        b.emit("push", [tangents[0], tangents[1]], n_out=0)
        tapes_with_tangents.add(tape)
    return [], []


def _pop_jvp(b, primals, tangents, op, tapes_with_tangents: set):
    tape = primals[0]
    value = b.emit("pop", [tape], hint=op.output.hint).output
    value.type = op.output.type
    tangent = None
    if tape in tapes_with_tangents:
        tangent = b.emit("pop", [tangents[0]], hint=_tangent_hint(op.output.hint)).output
        tangent.type = op.output.type
    return [value], [tangent]


def _tangent_hint(hint):
    return None if hint is None else "d" + hint


def _adjoint_hint(hint):
    return None if hint is None else "b" + hint


def _push_vjp(b, primals, op, adjoint_tape):
    """The adjoint of pushing v is popping v's adjoint from the adjoint tape."""
    tape, value = primals
    cotangent = b.emit("pop", [adjoint_tape(tape)], hint=_adjoint_hint(value.hint)).output
    cotangent.type = value.type
    return [None, cotangent]


def _pop_vjp(b, primals, op, adjoint_tape, g):
    """The adjoint of popping v is pushing v's adjoint (a zero, if it has none) onto the
    adjoint tape: every pop is mirrored, so the adjoint tape stays in step."""
    b.emit("push", [adjoint_tape(primals[0]), g], n_out=0)
    return [None]


defeffect("tape_new", jvp=_tape_new_jvp)
defeffect("push", jvp=_push_jvp, vjp=_push_vjp)
defeffect("pop", jvp=_pop_jvp, vjp=_pop_vjp)
