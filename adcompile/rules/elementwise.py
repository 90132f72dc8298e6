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


def _selection_rules(beats: str):
    """max/min: the derivative of the operand chosen; at a tie, half of each, as JAX
    (so max(x, x) has derivative 1, and max(x, 0) at 0 has 1/2 from each side's slope)."""
    def weights(b, p):
        tie = b.call("mul", b.const(0.5), b.call("eq", p[0], p[1]))
        return (b.call("add", b.call(beats, p[0], p[1]), tie),
                b.call("add", b.call(beats, p[1], p[0]), tie))

    def jvp(b, p, t, out):
        first, second = weights(b, p)
        return b.add(_masked(b, t[0], first), _masked(b, t[1], second))

    def vjp(b, p, out, g):
        first, second = weights(b, p)
        return [b.unbroadcast(_masked(b, g, first), p[0]),
                b.unbroadcast(_masked(b, g, second), p[1])]
    return jvp, vjp


def _masked(b, value, mask):
    return None if value is None else b.mul(value, mask)


_max_jvp, _max_vjp = _selection_rules("gt")
_min_jvp, _min_vjp = _selection_rules("lt")
defrule("maximum", jvp=_max_jvp, vjp=_max_vjp, linear=True)
defrule("minimum", jvp=_min_jvp, vjp=_min_vjp, linear=True)
defrule("float", jvp=lambda b, p, t, out: t[0], vjp=lambda b, p, out, g: [g], linear=True)

defzero("sign", "floor", "ceil", "int", "factorial", "zeros_like", "ones_like")
