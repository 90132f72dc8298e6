"""Rules for lists made while the code runs (`adcompile.ir.primitives`, "lists").

A list's tangent, and its adjoint, is a list of the tangents (adjoints) of its elements,
of the same length; every rule is linear. The adjoint of appending v is the adjoint
list's last element for v, and the list without it for the list before: the reverse
sweep of a loop that appends pops, as a tape does, so it costs O(1) per element. The
adjoint of reading ``xs[i]`` adds the cotangent at i into zeros; the builder folds that
sum into the adjoint accumulated so far (`DiffBuilder.add`), written in place. Stacking a
list into an array (``np.array(xs)``) and unstacking an array into a list of its slices
are each other's adjoints.
"""

from __future__ import annotations

from .registry import defrule, defzero


def _zero_or(b, tangent, primal):
    return tangent if tangent is not None else b.zeros(primal)


def _append_jvp(b, p, t, out):
    if t[0] is None and t[1] is None:
        return None
    return b.call("list_append", _zero_or(b, t[0], p[0]), _zero_or(b, t[1], p[1]))


def _append_vjp(b, p, out, g):
    last = b.call("list_get", g, b.const(-1))  # read before the list is shortened
    return [b.call("list_drop_last", g), last]


def _get_jvp(b, p, t, out):
    return None if t[0] is None else b.call("list_get", t[0], p[1])


def _get_vjp(b, p, out, g):
    spread = b.call("list_add_at", b.call("list_zeros_like", p[0]), g, p[1])
    return [spread, None]


def _set_jvp(b, p, t, out):
    if t[0] is None and t[1] is None:
        return None
    return b.call("list_set", _zero_or(b, t[0], p[0]), _zero_or(b, t[1], p[1]), p[2])


def _set_vjp(b, p, out, g):
    value = b.call("list_get", g, p[2])
    return [b.call("list_set", g, b.zeros(value), p[2]), value, None]


def _add_at_jvp(b, p, t, out):
    if t[1] is None:
        return t[0]
    return b.call("list_add_at", _zero_or(b, t[0], p[0]), t[1], p[2])


def _add_at_vjp(b, p, out, g):
    value = b.call("list_get", g, p[2])
    return [g, value, None]


def _drop_last_jvp(b, p, t, out):
    return None if t[0] is None else b.call("list_drop_last", t[0])


def _drop_last_vjp(b, p, out, g):
    return [b.call("list_append", g, b.zeros(b.call("list_get", p[0], b.const(-1))))]


def _add_jvp(b, p, t, out):
    if t[0] is None or t[1] is None:
        return t[0] if t[1] is None else t[1]
    return b.call("list_add", t[0], t[1])


defrule("list_append", linear=True, jvp=_append_jvp, vjp=_append_vjp)
defrule("list_get", linear=True, jvp=_get_jvp, vjp=_get_vjp)
defrule("list_set", linear=True, jvp=_set_jvp, vjp=_set_vjp)
defrule("list_add_at", linear=True, jvp=_add_at_jvp, vjp=_add_at_vjp)
defrule("list_drop_last", linear=True, jvp=_drop_last_jvp, vjp=_drop_last_vjp)
defrule("list_add", linear=True, jvp=_add_jvp, vjp=lambda b, p, out, g: [g, g])
defrule("list_stack", linear=True,
        jvp=lambda b, p, t, out, length, axis=0:
        None if t[0] is None else b.call("list_stack", t[0], length=length, axis=axis),
        vjp=lambda b, p, out, g, length, axis=0: [b.call("list_unstack", g, axis=axis)])
defrule("list_unstack", linear=True,
        jvp=lambda b, p, t, out, axis=0:
        None if t[0] is None else b.call("list_unstack", t[0], axis=axis),
        vjp=lambda b, p, out, g, axis=0:
        [b.call("list_stack", g, length=p[0].type.shape[axis], axis=axis)])
defrule("list_broadcast", linear=True,
        jvp=lambda b, p, t, out, size:
        None if t[0] is None else b.call("list_broadcast", t[0], size=size),
        vjp=lambda b, p, out, g, size: [b.call("list_batch_sum", g)])
defrule("list_batch_sum", linear=True,
        jvp=lambda b, p, t, out: None if t[0] is None else b.call("list_batch_sum", t[0]),
        vjp=lambda b, p, out, g: [b.call("list_broadcast", g,
                                         size=p[0].type.element.shape[0])])
defzero("list_new", "list_len", "list_zeros_like")
# (a loop variable read after its loop: see `adcompile.ir.primitives`)
defrule("check_bound", linear=True, jvp=lambda b, p, t, out, name: t[0],
        vjp=lambda b, p, out, g, name: [g])
