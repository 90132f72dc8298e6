"""Rules for the products: einsum (which dot, inner, outer and tensordot are), kron and
cross.

Each is linear in every operand, so its jvp is the sum of the products with one operand
replaced by its tangent (spelled as the user wrote it: ``np.dot(da, b) + np.dot(a, db)``),
and its Taylor series the Cauchy product. The reverse of einsum is einsum: operand k's
cotangent contracts the output's cotangent with the other operands onto k's labels, then
broadcasts along the labels that only k had (those it was summed over alone). The reverse
of kron contracts the cotangent, seen with each axis split in two, with the other
operand; that of cross is cross, by the cyclic symmetry of the triple product.
"""

from __future__ import annotations

from .arrays import _reshape
from .registry import cauchy_product, defrule


def _multilinear_jvp(prim):
    def jvp(b, p, t, out, **params):
        total = None
        for k, tangent in enumerate(t):
            if tangent is not None:
                operands = list(p)
                operands[k] = tangent
                total = b.add(total, b.call(prim, *operands, **params))
        return total
    return jvp


def _einsum_vjp(b, p, out, g, subscripts, written):
    inputs, output = subscripts.split("->")
    labels = inputs.split(",")
    cotangents = []
    for k, x in enumerate(p):
        others = [j for j in range(len(p)) if j != k]
        reachable = set(output).union(*(labels[j] for j in others))
        present = "".join(c for c in labels[k] if c in reachable)
        terms = ",".join([output] + [labels[j] for j in others])
        if terms == present:
            contracted = g
        elif not (terms + present).replace(",", ""):  # scalars: a product
            contracted = g
            for j in others:
                contracted = b.mul(contracted, p[j])
        else:
            contracted = b.call("einsum", g, *(p[j] for j in others),
                                subscripts=f"{terms}->{present}", written="einsum")
        if present != labels[k]:
            sizes = dict(zip(labels[k], x.type.shape))
            contracted = b.call("broadcast_to", _reshape(b, contracted, tuple(
                sizes[c] if c in present else 1 for c in labels[k])), shape=x.type.shape)
        cotangents.append(contracted)
    return cotangents


defrule("einsum", jvp=_multilinear_jvp("einsum"), vjp=_einsum_vjp,
        taylor=cauchy_product("einsum"))

_LABELS = "abcdefghijklmnopqrstuvwxyz"


def _kron_vjp(b, p, out, g):
    """kron(a, c)[i*n + k] = a[i] c[k] on each axis: g, seen as (i, k) pairs of axes,
    contracted over the k's with c gives a's cotangent, over the i's with a gives c's."""
    a, c = p
    ndim = len(out.type.shape)
    shape_a = (1,) * (ndim - len(a.type.shape)) + a.type.shape
    shape_c = (1,) * (ndim - len(c.type.shape)) + c.type.shape
    split = _reshape(b, g, tuple(n for pair in zip(shape_a, shape_c) for n in pair))
    labels_a, labels_c = _LABELS[:ndim], _LABELS[ndim:2 * ndim]
    pairs = "".join(i + k for i, k in zip(labels_a, labels_c))
    a_full, c_full = _reshape(b, a, shape_a), _reshape(b, c, shape_c)
    ga = b.call("einsum", split, c_full, subscripts=f"{pairs},{labels_c}->{labels_a}",
                written="einsum")
    gc = b.call("einsum", split, a_full, subscripts=f"{pairs},{labels_a}->{labels_c}",
                written="einsum")
    return [_reshape(b, ga, a.type.shape), _reshape(b, gc, c.type.shape)]


defrule("kron", jvp=_multilinear_jvp("kron"), vjp=_kron_vjp, taylor=cauchy_product("kron"))

defrule("cross", jvp=_multilinear_jvp("cross"), taylor=cauchy_product("cross"),
        vjp=lambda b, p, out, g: [b.unbroadcast(b.call("cross", p[1], g), p[0]),
                                  b.unbroadcast(b.call("cross", g, p[0]), p[1])])
