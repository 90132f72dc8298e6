"""Rules for elementwise functions of one argument, and for max/min and casts.

Each derivative is written with the primitives themselves, using the function's output
where that is cheaper (tanh: 1 - y*y; exp: y), so the rules' output can be differentiated
again.
"""

from __future__ import annotations

import math

from .registry import defrule, defunary, defzero


def _one_minus_square(b, x):
    return b.call("sub", b.const(1.0), b.call("mul", x, x))


defunary("sin", lambda b, x, out: b.call("cos", x))
defunary("cos", lambda b, x, out: b.call("neg", b.call("sin", x)))
defunary("tan", lambda b, x, out: b.call("add", b.const(1.0), b.call("mul", out, out)))
defunary("arcsin", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("sqrt", _one_minus_square(b, x))))
defunary("arccos", lambda b, x, out: b.call(
    "div", b.const(-1.0), b.call("sqrt", _one_minus_square(b, x))))
defunary("arctan", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("add", b.const(1.0), b.call("mul", x, x))))
defunary("sinh", lambda b, x, out: b.call("cosh", x))
defunary("cosh", lambda b, x, out: b.call("sinh", x))
defunary("tanh", lambda b, x, out: _one_minus_square(b, out))
defunary("exp", lambda b, x, out: out)
defunary("expm1", lambda b, x, out: b.call("add", out, b.const(1.0)))
defunary("log", lambda b, x, out: b.call("div", b.const(1.0), x))
defunary("log1p", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("add", b.const(1.0), x)))
defunary("log2", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("mul", x, b.const(math.log(2.0)))))
defunary("log10", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("mul", x, b.const(math.log(10.0)))))
defunary("sqrt", lambda b, x, out: b.call("div", b.const(0.5), out))
defrule("abs", linear=True,  # piecewise linear: slope sign(x) away from 0
        jvp=lambda b, p, t, out: b.mul(t[0], b.call("sign", p[0])),
        vjp=lambda b, p, out, g: [b.mul(g, b.call("sign", p[0]))])


def _selection_rules(share):
    """max/min and their kin: the derivative of the operand chosen, ``share(b, value,
    primals, out, k)`` giving operand k's part of a tangent or cotangent `value`. Each
    part is `value` times masks and constants, so it keeps the dtype of `value`."""
    def jvp(b, p, t, out):
        return b.add(share(b, t[0], p, out, 0), share(b, t[1], p, out, 1))

    def vjp(b, p, out, g):
        return [b.unbroadcast(share(b, g, p, out, k), p[k]) for k in (0, 1)]
    return jvp, vjp


def _beating(beats: str):
    """max/min: at a tie, half to each, as JAX (so max(x, x) has derivative 1, and
    max(x, 0) at 0 has 1/2 from each side's slope)."""
    def share(b, value, p, out, k):
        won = b.mul(value, b.call(beats, p[k], p[1 - k]))
        return b.add(won, _half_at(b, value, b.call("eq", p[0], p[1])))
    return share


def _half_at(b, value, tie):
    return b.mul(b.mul(value, b.const(0.5)), tie)


def _equal_to_the_result(b, value, p, out, k):
    """fmax/fmin choose the operand that is not NaN: the result says which was chosen;
    at a tie, half to each, as max/min."""
    chosen = b.mul(value, b.call("eq", out, p[k]))
    tie = b.call("mul", b.call("eq", out, p[0]), b.call("eq", out, p[1]))
    return b.sub(chosen, _half_at(b, value, tie))


_max_jvp, _max_vjp = _selection_rules(_beating("gt"))
_min_jvp, _min_vjp = _selection_rules(_beating("lt"))
defrule("maximum", jvp=_max_jvp, vjp=_max_vjp, linear=True)
defrule("minimum", jvp=_min_jvp, vjp=_min_vjp, linear=True)
_chosen_jvp, _chosen_vjp = _selection_rules(_equal_to_the_result)
defrule("fmax", jvp=_chosen_jvp, vjp=_chosen_vjp, linear=True)
defrule("fmin", jvp=_chosen_jvp, vjp=_chosen_vjp, linear=True)
defrule("float", jvp=lambda b, p, t, out: t[0], vjp=lambda b, p, out, g: [g], linear=True)

defzero("sign", "floor", "ceil", "int", "factorial", "zeros_like", "ones_like")


# ---- more elementwise functions, selection and rounding -----------------------------
defunary("arcsinh", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("sqrt", b.call("add", b.call("mul", x, x), b.const(1.0)))))
defunary("arccosh", lambda b, x, out: b.call(
    "div", b.const(1.0), b.call("sqrt", b.call("sub", b.call("mul", x, x), b.const(1.0)))))
defunary("arctanh", lambda b, x, out: b.call("div", b.const(1.0), _one_minus_square(b, x)))
defunary("exp2", lambda b, x, out: b.call("mul", out, b.const(math.log(2.0))))
defunary("reciprocal", lambda b, x, out: b.call("neg", b.call("mul", out, out)))


def _scaling(factor: float):
    """The rules of x * factor, for a conversion of units."""
    return dict(linear=True,
                jvp=lambda b, p, t, out: b.mul(t[0], b.const(factor)),
                vjp=lambda b, p, out, g: [b.mul(g, b.const(factor))])


defrule("deg2rad", **_scaling(math.pi / 180))
defrule("rad2deg", **_scaling(180 / math.pi))


def _arctan2_jvp(b, p, t, out):
    # d atan2(y, x) = (x dy - y dx) / (x^2 + y^2)
    y, x = p
    return b.div(b.sub(b.mul(t[0], x), b.mul(y, t[1])), _squared_norm(b, y, x))


def _arctan2_vjp(b, p, out, g):
    y, x = p
    scaled = b.div(g, _squared_norm(b, y, x))
    return [b.unbroadcast(b.mul(scaled, x), y), b.unbroadcast(b.neg(b.mul(scaled, y)), x)]


def _squared_norm(b, y, x):
    return b.call("add", b.call("mul", x, x), b.call("mul", y, y))


defrule("arctan2", jvp=_arctan2_jvp, vjp=_arctan2_vjp)

# d hypot(x, y) = (x dx + y dy) / hypot(x, y)
defrule("hypot",
        jvp=lambda b, p, t, out: b.div(b.add(b.mul(t[0], p[0]), b.mul(t[1], p[1])), out),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.mul(b.div(g, out), x), x) for x in p])


def _log_sum_rules(power: str):
    """log(b^x + b^y): each operand's weight is its share of the sum, b^(x - out)."""
    def weight(b, x, out):
        return b.call(power, b.call("sub", x, out))
    return dict(
        jvp=lambda b, p, t, out: b.add(b.mul(t[0], weight(b, p[0], out)),
                                       b.mul(t[1], weight(b, p[1], out))),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.mul(g, weight(b, x, out)), x) for x in p])


defrule("logaddexp", **_log_sum_rules("exp"))
defrule("logaddexp2", **_log_sum_rules("exp2"))


def _where_jvp(b, p, t, out):
    if t[1] is None and t[2] is None:
        return None
    zero = b.const(0.0)
    chosen = b.call("where", p[0], zero if t[1] is None else t[1],
                    zero if t[2] is None else t[2])
    if chosen.type.shape == out.type.shape:
        return chosen
    return b.call("broadcast_to", chosen, shape=out.type.shape)


def _where_vjp(b, p, out, g):
    zero = b.const(0.0)
    return [None, b.unbroadcast(b.call("where", p[0], g, zero), p[1]),
            b.unbroadcast(b.call("where", p[0], zero, g), p[2])]


# The condition is a truth value: the derivative flows to the branch it chose.
defrule("where", jvp=_where_jvp, vjp=_where_vjp, linear=True)


def _clip_jvp(b, p, t, out):
    """clip(a, lo, hi) is minimum(maximum(a, lo), hi), ties shared as theirs are."""
    a, low, high = p
    floored = b.call("maximum", a, low)
    return _min_jvp(b, [floored, high], [_max_jvp(b, [a, low], t[:2], floored), t[2]], out)


def _clip_vjp(b, p, out, g):
    a, low, high = p
    floored = b.call("maximum", a, low)
    g_floored, g_high = _min_vjp(b, [floored, high], out, g)
    return [*_max_vjp(b, [a, low], floored, g_floored), g_high]


defrule("clip", jvp=_clip_jvp, vjp=_clip_vjp, linear=True)

# Piecewise constant, or integer-valued: argmax's index never changes smoothly.
defzero("trunc", "round", "argmax", "argmin")
