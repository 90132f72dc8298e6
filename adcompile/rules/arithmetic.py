"""Rules for arithmetic: + - * / ** // % and unary minus, with broadcasting."""

from __future__ import annotations

from .registry import defrule, defzero


def _add_jvp(b, primals, tangents, out):
    return b.add(_widen(b, tangents[0], out), _widen(b, tangents[1], out))


def _widen(b, tangent, out):
    """A scalar operand's tangent, broadcast to an array result's shape."""
    if tangent is None or tangent.type.shape == out.type.shape:
        return tangent
    return b.mul(tangent, b.call("ones_like", out))


defrule("add", jvp=_add_jvp,
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(g, p[1])])

defrule("sub",
        jvp=lambda b, p, t, out: b.sub(_widen(b, t[0], out), _widen(b, t[1], out)),
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(b.neg(g), p[1])])

defrule("mul",
        jvp=lambda b, p, t, out: b.add(b.mul(t[0], p[1]), b.mul(p[0], t[1])),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.mul(g, p[1]), p[0]),
                                  b.unbroadcast(b.mul(p[0], g), p[1])])


def _div_jvp(b, p, t, out):
    # d(a/b) = (da - out*db) / b
    return b.div(b.sub(_widen(b, t[0], out), b.mul(out, t[1])), p[1])


defrule("div", jvp=_div_jvp,
        vjp=lambda b, p, out, g: [b.unbroadcast(b.div(g, p[1]), p[0]),
                                  b.unbroadcast(b.neg(b.div(b.mul(g, out), p[1])), p[1])])


def _pow_base_derivative(b, base, exponent):
    """d(base**exponent)/d(base) = exponent * base**(exponent - 1)."""
    one = b.const(1)
    return b.mul(exponent, b.call("pow", base, b.call("sub", exponent, one)))


def _pow_exponent_derivative(b, base, out):
    """d(base**exponent)/d(exponent) = log(base) * out."""
    return b.mul(b.call("log", base), out)


def _pow_jvp(b, p, t, out):
    by_base = b.mul(t[0], _pow_base_derivative(b, p[0], p[1])) if t[0] is not None else None
    by_exponent = b.mul(t[1], _pow_exponent_derivative(b, p[0], out)) \
        if t[1] is not None else None
    return b.add(by_base, by_exponent)


defrule("pow", jvp=_pow_jvp,
        vjp=lambda b, p, out, g: [
            b.unbroadcast(b.mul(g, _pow_base_derivative(b, p[0], p[1])), p[0]),
            b.unbroadcast(b.mul(g, _pow_exponent_derivative(b, p[0], out)), p[1])])

defrule("neg", jvp=lambda b, p, t, out: b.neg(t[0]),
        vjp=lambda b, p, out, g: [b.neg(g)])


def _mod_jvp(b, p, t, out):
    # a % c = a - c * floor(a / c): the floor is locally constant
    return b.sub(_widen(b, t[0], out), b.mul(t[1], b.call("floordiv", p[0], p[1])))


defrule("mod", jvp=_mod_jvp,
        vjp=lambda b, p, out, g: [
            b.unbroadcast(g, p[0]),
            b.unbroadcast(b.neg(b.mul(g, b.call("floordiv", p[0], p[1]))), p[1])])

defzero("floordiv", "lt", "le", "gt", "ge", "eq", "ne", "not")
