"""Rules for arithmetic: + - * / ** // % and unary minus, with broadcasting."""

from __future__ import annotations

import math
from fractions import Fraction

from ..ir.primitives import result_type
from .registry import cauchy_product, defrule, defzero, stands_for


def _add_jvp(b, primals, tangents, out):
    return b.add(_widen(b, tangents[0], out), _widen(b, tangents[1], out))


def _widen(b, tangent, out):
    """A scalar operand's tangent, broadcast to an array result's shape: a broadcast (a
    view, which the op reading it leaves out when its own broadcasting does the same)
    where that has out's type, else a product with ones of out's type."""
    if tangent is None or stands_for(tangent, out):
        return tangent
    if result_type("broadcast_to", [tangent.type], {"shape": out.type.shape}) == out.type:
        return b.call("broadcast_to", tangent, shape=out.type.shape)
    return b.mul(tangent, b.call("ones_like", out))


defrule("add", jvp=_add_jvp, linear=True,
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(g, p[1])])

defrule("sub", linear=True,
        jvp=lambda b, p, t, out: b.sub(_widen(b, t[0], out), _widen(b, t[1], out)),
        vjp=lambda b, p, out, g: [b.unbroadcast(g, p[0]), b.unbroadcast(b.neg(g), p[1])])


def _sum(b, terms):
    total = None
    for term in terms:
        total = b.add(total, term)
    return total


def _div_taylor(b, inputs, q, k, memo):
    """q = a/c: q_k = (a_k - sum over j >= 1 of c_j * q_(k-j)) / c_0."""
    a, c = inputs
    return b.div(b.sub(a[k], _sum(b, [b.mul(c[j], q[k - j]) for j in range(1, k + 1)])), c[0])


defrule("mul", taylor=cauchy_product("mul"),
        jvp=lambda b, p, t, out: b.add(b.mul(t[0], p[1]), b.mul(p[0], t[1])),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.mul(g, p[1]), p[0]),
                                  b.unbroadcast(b.mul(p[0], g), p[1])])


def _div_jvp(b, p, t, out):
    # d(a/b) = (da - out*db) / b
    return b.div(b.sub(_widen(b, t[0], out), b.mul(out, t[1])), p[1])


defrule("div", jvp=_div_jvp, taylor=_div_taylor,
        vjp=lambda b, p, out, g: [b.unbroadcast(b.div(g, p[1]), p[0]),
                                  b.unbroadcast(b.neg(b.div(b.mul(g, out), p[1])), p[1])])


# Powers at a zero base. base**exponent is exact there (0**2 = 0, 0**0 = 1) and so must
# its derivatives be, where they exist, with the conventions JAX has: a zero exponent
# has a zero base derivative (x**0 is the constant 1), and the exponent derivative at a
# zero base is 0. The rules never evaluate 0**negative or log(0) to get a product that
# is 0: Python scalars would raise, NumPy would give 0 * inf = nan. Where the
# derivative is truly infinite (x**0.5 at 0), it is left to divide by zero.

def _pow_base_derivative(b, base, exponent):
    """d(base**exponent)/d(base) = exponent * base**(exponent - 1)."""
    known = b.constant(exponent)
    if known == 0:
        return None
    if known is not None:
        lowered = b.const(known - 1)
    elif not exponent.type.is_float:
        # an int exponent 0 raises base to 0, not -1: the product is 0 either way
        lowered = b.call("sub", exponent, b.call("ne", exponent, b.const(0)))
    else:
        # a float exponent 0 at base 0 raises base to 1: the product is 0, and so are
        # its derivatives in both operands (elsewhere the exponent stays exponent - 1,
        # whose derivative in the exponent the product rule needs)
        both_zero = b.call("mul", b.call("eq", exponent, b.const(0)),
                           b.call("eq", base, b.const(0)))
        lowered = b.call("add", b.call("sub", exponent, b.const(1)),
                         b.call("mul", b.const(2), both_zero))
    return b.mul(exponent, b.call("pow", base, lowered))


def _pow_exponent_derivative(b, base, out):
    """d(base**exponent)/d(exponent) = log(base) * out, taken as 0 at a zero base."""
    known = b.constant(base)
    if known == 0:
        return None
    if known is None:
        # log(1) in place of log(0); a select's derivative, not 1/base, flows through
        base = b.call("add", b.call("mul", base, b.call("ne", base, b.const(0))),
                      b.call("eq", base, b.const(0)))
    return b.mul(b.call("log", base), out)


def _pow_jvp(b, p, t, out):
    by_base = b.mul(t[0], _pow_base_derivative(b, p[0], p[1])) if t[0] is not None else None
    by_exponent = b.mul(t[1], _pow_exponent_derivative(b, p[0], out)) \
        if t[1] is not None else None
    return b.add(by_base, by_exponent)


def _pow_taylor(b, inputs, out, k, memo):
    """Coefficient k of x**c for an exponent c constant in t, and of a**y for a base a
    constant in t.

    x**c = (x_0 + h)**c, h = x_1 t + x_2 t^2 + ..., is the binomial series: the sum over
    j of C(c, j) x_0**(c - j) h**j. It never divides by x_0, so it is exact at x_0 = 0
    for an integer c (where C(c, j) = 0 for j > c); for a non-integer c at x_0 = 0 the
    terms of order above c divide by zero, as the derivatives do. It costs O(k^2) per
    coefficient, for the powers of h (kept in `memo`), where the ODE y' = c y x'/x
    costs O(k) but divides by x_0.
    """
    x, y = inputs
    if all(coefficient is None for coefficient in y[1:k + 1]):
        return _constant_exponent_coefficient(b, x, y[0], k, memo)
    if all(coefficient is None for coefficient in x[1:k + 1]):
        # a**y = exp(y log a): the ODE z' = log(a) z y'
        log_base = memo.get("log")
        if log_base is None:
            log_base = memo["log"] = _pow_exponent_derivative(b, x[0], b.const(1.0))
        terms = [b.mul(b.mul(b.exact(Fraction(j, k)), y[j]), out[k - j])
                 for j in range(1, k + 1)]
        return b.mul(log_base, _sum(b, terms))
    return NotImplemented  # both moving: the caller falls back to nested forward mode


def _constant_exponent_coefficient(b, x, exponent, k, memo):
    powers = memo.setdefault("powers", {})  # (j, m) -> coefficient m of h**j
    for j in range(1, k + 1):
        powers[j, k] = x[k] if j == 1 else \
            _sum(b, [b.mul(x[i], powers[j - 1, k - i]) for i in range(1, k - j + 2)])
    known = b.constant(exponent)
    terms = []
    for j in range(1, k + 1):
        if powers[j, k] is None:
            continue
        weight = _binomial(b, exponent, known, j, memo)
        if weight is None:
            continue
        terms.append(b.mul(b.mul(weight, _base_power(b, x[0], exponent, known, j, weight)),
                           powers[j, k]))
    return _sum(b, terms)


def _binomial(b, exponent, known, j, memo):
    """C(c, j) = c (c - 1) ... (c - j + 1) / j!, folded when c is a known constant;
    None when it is 0."""
    if known is not None and not math.isfinite(known):
        return b.const(math.prod(known - i for i in range(j)) / math.factorial(j))
    if known is not None:
        weight = math.prod(Fraction(known) - i for i in range(j)) / math.factorial(j)
        return None if weight == 0 else b.exact(weight)
    weights = memo.setdefault("binomials", {0: b.const(1.0)})
    if j not in weights:
        previous = _binomial(b, exponent, known, j - 1, memo)
        weights[j] = b.call("mul", previous, b.call("div", b.call("sub", exponent,
                                                                  b.const(j - 1)),
                                                    b.const(float(j))))
    return weights[j]


def _base_power(b, base, exponent, known, j, weight):
    """x_0**(c - j) for term j; where C(c, j) is 0 at run time, x_0**0 (the term is 0,
    and x_0**(c - j) could divide by zero)."""
    if known is not None:
        return b.call("pow", base, b.const(known - j)) if known != j else b.const(1.0)
    lowered = b.call("sub", exponent, b.const(j))
    return b.call("pow", base, b.call("mul", lowered, b.call("ne", weight, b.const(0))))


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
