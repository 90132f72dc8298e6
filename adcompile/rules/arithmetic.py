"""Rules for arithmetic: + - * / ** // % and unary minus, with broadcasting."""

from __future__ import annotations

from .registry import defrule, defzero, stands_for


def _add_jvp(b, primals, tangents, out):
    return b.add(_widen(b, tangents[0], out), _widen(b, tangents[1], out))


def _widen(b, tangent, out):
    """A scalar operand's tangent, broadcast to an array result's shape."""
    if tangent is None or stands_for(tangent, out):
        return tangent
    return b.mul(tangent, b.call("ones_like", out))


defrule("add", jvp=_add_jvp, linear=True,
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(g, p[1])])

defrule("sub", linear=True,
        jvp=lambda b, p, t, out: b.sub(_widen(b, t[0], out), _widen(b, t[1], out)),
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(b.neg(g), p[1])])

def _mul_taylor(b, series, out, order):
    """Coefficient k of a*b is the Cauchy product: sum over j of a_j * b_(k-j)."""
    a, c = series
    return [_sum(b, [b.mul(a[j], c[k - j]) for j in range(k + 1)]) for k in range(1, order + 1)]


def _sum(b, terms):
    total = None
    for term in terms:
        total = b.add(total, term)
    return total


def _div_taylor(b, series, out, order):
    """q = a/c: q_k = (a_k - sum over j >= 1 of c_j * q_(k-j)) / c_0."""
    a, c = series
    q = [out]
    for k in range(1, order + 1):
        q.append(b.div(b.sub(a[k], _sum(b, [b.mul(c[j], q[k - j]) for j in range(1, k + 1)])),
                       c[0]))
    return q[1:]


def _pow_taylor(b, series, out, order):
    """y = x**p for a constant p: y_k = sum over j of (p*j - (k-j)) x_j y_(k-j) / (k x_0)."""
    x, p = series
    if any(coefficient is not None for coefficient in p[1:]):
        return None  # a varying exponent: the caller falls back to nested forward mode
    y = [out]
    exponent = p[0]
    for k in range(1, order + 1):
        terms = []
        for j in range(1, k + 1):
            if x[j] is None or y[k - j] is None:
                continue
            weight = b.call("sub", b.call("mul", exponent, b.const(j)), b.const(k - j))
            terms.append(b.mul(b.mul(weight, x[j]), y[k - j]))
        total = _sum(b, terms)
        y.append(None if total is None else
                 b.div(total, b.call("mul", b.const(float(k)), x[0])))
    return y[1:]


defrule("mul", taylor=_mul_taylor,
        jvp=lambda b, p, t, out: b.add(b.mul(t[0], p[1]), b.mul(p[0], t[1])),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.mul(g, p[1]), p[0]),
                                  b.unbroadcast(b.mul(p[0], g), p[1])])


def _div_jvp(b, p, t, out):
    # d(a/b) = (da - out*db) / b
    return b.div(b.sub(_widen(b, t[0], out), b.mul(out, t[1])), p[1])


defrule("div", jvp=_div_jvp, taylor=_div_taylor,
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


defrule("pow", jvp=_pow_jvp, taylor=_pow_taylor,
        vjp=lambda b, p, out, g: [
            b.unbroadcast(b.mul(g, _pow_base_derivative(b, p[0], p[1])), p[0]),
            b.unbroadcast(b.mul(g, _pow_exponent_derivative(b, p[0], out)), p[1])])

defrule("neg", jvp=lambda b, p, t, out: b.neg(t[0]), linear=True,
        vjp=lambda b, p, out, g: [b.neg(g)])


def _mod_jvp(b, p, t, out):
    # a % c = a - c * floor(a / c): the floor is locally constant
    return b.sub(_widen(b, t[0], out), b.mul(t[1], b.call("floordiv", p[0], p[1])))


defrule("mod", jvp=_mod_jvp, linear=True,
        vjp=lambda b, p, out, g: [
            b.unbroadcast(g, p[0]),
            b.unbroadcast(b.neg(b.mul(g, b.call("floordiv", p[0], p[1]))), p[1])])

defzero("floordiv", "lt", "le", "gt", "ge", "eq", "ne", "not")
