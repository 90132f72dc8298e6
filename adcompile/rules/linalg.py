"""Rules for linear algebra (``np.linalg``): inv, solve, det, slogdet, cholesky, eigh
and pinv, on matrices and on stacks of them (the last two axes are the matrix).

Each rule is written with the primitives, the linear-algebra ones included, so its
output can be differentiated again. Where a rule needs the inverse applied to a matrix
it solves rather than multiplies by an inverse, except where the inverse itself is the
answer (the cotangent of det is det * inv(A)^T).

NumPy's ``cholesky`` and ``eigh`` read only the lower triangle of their operand, so their
derivatives are those of ``f(tril(A) + tril(A, -1)^T)``: the tangent that reaches the
symmetric matrix is ``X + X^T`` with ``X = dA * W`` (W is 1 below the diagonal and 1/2 on
it), and a cotangent lands on the lower triangle alone.
"""

from __future__ import annotations

import numpy as np

from .registry import defrule, defzero


def _swap_last(b, value):
    n = len(value.type.shape)
    return b.call("transpose", value, axes=(*range(n - 2), n - 1, n - 2))


def _matmul(b, x, y):
    return None if x is None or y is None else b.call("matmul", x, y)


def _reshape(b, value, shape):
    shape = tuple(shape)
    return value if value.type.shape == shape else b.call("reshape", value, shape=shape)


def _per_matrix(b, value):
    """A value per matrix of a stack (det's, or its cotangent) with two axes added, to
    scale each matrix (a Python scalar scales as it is)."""
    if value.type.weak or value.type.shape == ():
        return value
    return _reshape(b, value, value.type.shape + (1, 1))


def _matrix_sum(b, value):
    """The sum over each matrix of a stack: <A, B> of each pair, from A * B."""
    n = len(value.type.shape)
    return b.call("sum", value, axis=(n - 2, n - 1), keepdims=False)


# ---- inv ------------------------------------------------------------------------------
# d inv(A) = -inv(A) dA inv(A)
defrule("inv",
        jvp=lambda b, p, t, out: b.neg(_matmul(b, _matmul(b, out, t[0]), out)),
        vjp=lambda b, p, out, g: [b.neg(b.call("matmul", b.call("matmul", _swap_last(b, out),
                                                                g), _swap_last(b, out)))])


# ---- solve ----------------------------------------------------------------------------
def _columns(rhs, out):
    """Whether a vector right-hand side is solved as one column per matrix: when A is a
    stack, NumPy would read a stack of vectors as a matrix."""
    return len(rhs.type.shape) == 1 and len(out.type.shape) > 1


def _as_column(b, value):
    return None if value is None else _reshape(b, value, value.type.shape + (1,))


def _solve_jvp(b, p, t, out):
    """x = solve(A, b): A dx = db - dA x."""
    a, rhs = p
    da, drhs = t
    x = out
    if _columns(rhs, out):
        x, drhs = _as_column(b, x), _as_column(b, drhs)
    change = b.sub(drhs, _matmul(b, da, x))
    if change is None:
        return None
    return _reshape(b, b.call("solve", a, change), out.type.shape)


def _solve_vjp(b, p, out, g):
    """g_b = solve(A^T, g) and g_A = -g_b x^T (an outer product for a vector)."""
    a, rhs = p
    x = out
    if _columns(rhs, out):
        g, x = _as_column(b, g), _as_column(b, x)
    g_rhs = b.call("solve", _swap_last(b, a), g)
    if len(x.type.shape) == 1:
        n = x.type.shape[0]
        g_a = b.call("mul", _reshape(b, g_rhs, (n, 1)), _reshape(b, x, (1, n)))
    else:
        g_a = b.call("matmul", g_rhs, _swap_last(b, x))
    return [b.unbroadcast(b.neg(g_a), a), b.unbroadcast(_reshape(b, g_rhs, out.type.shape),
                                                        rhs)]


defrule("solve", jvp=_solve_jvp, vjp=_solve_vjp)


# ---- det and slogdet ------------------------------------------------------------------
def _log_det_jvp(b, a, da):
    """d log|det A| = trace(inv(A) dA) = <inv(A)^T, dA>: the inverse is computed once for
    every tangent, each of which then costs an elementwise product."""
    if da is None:
        return None
    return _matrix_sum(b, b.mul(_swap_last(b, b.call("inv", a)), da))


def _log_det_cotangent(b, a, g):
    return b.mul(_per_matrix(b, g), _swap_last(b, b.call("inv", a)))


defrule("det",
        jvp=lambda b, p, t, out: b.mul(out, _log_det_jvp(b, p[0], t[0])),
        vjp=lambda b, p, out, g: [_log_det_cotangent(b, p[0], b.call("mul", g, out))])
defrule("slogdet_logabsdet",
        jvp=lambda b, p, t, out: _log_det_jvp(b, p[0], t[0]),
        vjp=lambda b, p, out, g: [_log_det_cotangent(b, p[0], g)])
defzero("slogdet_sign")


# ---- symmetric operands: cholesky and eigh ----------------------------------------------
def _lower_weights(b, a):
    """W: 1 below the diagonal, 1/2 on it, 0 above, in the dtype of `a`."""
    n = a.type.shape[-1]
    ones = np.ones((n, n), dtype=a.type.dtype)
    return b.const(np.tril(ones) - np.diag(np.diag(ones)) / 2)


def _symmetric_tangent(b, a, da):
    """The change of the symmetric matrix NumPy reads from the lower triangle of A."""
    lower = b.call("mul", da, _lower_weights(b, a))
    return b.call("add", lower, _swap_last(b, lower))


def _lower_cotangent(b, a, g):
    """The cotangent of A, from a cotangent `g` of the symmetric matrix it stands for."""
    return b.call("mul", b.call("add", g, _swap_last(b, g)), _lower_weights(b, a))


def _sandwiched(b, factor, m):
    """factor^-1 m^T factor^-T, by two solves (L^-1 S L^-T for a symmetric S)."""
    return b.call("solve", factor, _swap_last(b, b.call("solve", factor, m)))


def _cholesky_jvp(b, p, t, out):
    """A = L L^T: dL = L phi(L^-1 S L^-T), phi keeping the lower triangle and half the
    diagonal (an elementwise product with W)."""
    if t[0] is None:
        return None
    inner = _sandwiched(b, out, _symmetric_tangent(b, p[0], t[0]))
    return b.call("matmul", out, b.call("mul", inner, _lower_weights(b, p[0])))


def _cholesky_vjp(b, p, out, g):
    """The transpose of the jvp: L^-T phi(L^T g) L^-1, phi being self-adjoint (it comes
    out transposed, which the symmetric cotangent does not see)."""
    projected = b.call("mul", b.call("matmul", _swap_last(b, out), g), _lower_weights(b, p[0]))
    return [_lower_cotangent(b, p[0], _sandwiched(b, _swap_last(b, out), projected))]


defrule("cholesky", jvp=_cholesky_jvp, vjp=_cholesky_vjp)


def _gaps(b, a):
    """F[i, j] = 1 / (w_j - w_i) off the diagonal and 0 on it: how eigenvector i turns
    towards eigenvector j. Infinite where two eigenvalues are equal."""
    w = b.call("eigh_values", a)
    shape = w.type.shape
    n = shape[-1]
    eye = np.eye(n, dtype=a.type.dtype)
    differences = b.call("sub", _reshape(b, w, shape[:-1] + (1, n)),
                         _reshape(b, w, shape + (1,)))
    return b.call("div", b.const(1.0 - eye), b.call("add", differences, b.const(eye)))


def _eigh_values_jvp(b, p, t, out):
    """dw_k = v_k^T S v_k, the diagonal of V^T S V."""
    if t[0] is None:
        return None
    v = b.call("eigh_vectors", p[0])
    moved = b.call("matmul", _symmetric_tangent(b, p[0], t[0]), v)
    return b.call("sum", b.call("mul", v, moved), axis=(len(v.type.shape) - 2,),
                  keepdims=False)


def _eigh_values_vjp(b, p, out, g):
    """G = V diag(g) V^T."""
    v = b.call("eigh_vectors", p[0])
    shape = g.type.shape
    scaled = b.call("mul", v, _reshape(b, g, shape[:-1] + (1, shape[-1])))
    return [_lower_cotangent(b, p[0], b.call("matmul", scaled, _swap_last(b, v)))]


def _eigh_vectors_jvp(b, p, t, out):
    """dV = V (F * (V^T S V))."""
    if t[0] is None:
        return None
    in_eigenbasis = b.call("matmul", _swap_last(b, out),
                           b.call("matmul", _symmetric_tangent(b, p[0], t[0]), out))
    return b.call("matmul", out, b.call("mul", _gaps(b, p[0]), in_eigenbasis))


def _eigh_vectors_vjp(b, p, out, g):
    """G = V (F * (V^T g)) V^T."""
    rotated = b.call("mul", _gaps(b, p[0]), b.call("matmul", _swap_last(b, out), g))
    return [_lower_cotangent(b, p[0], b.call("matmul", b.call("matmul", out, rotated),
                                              _swap_last(b, out)))]


defrule("eigh_values", jvp=_eigh_values_jvp, vjp=_eigh_values_vjp)
defrule("eigh_vectors", jvp=_eigh_vectors_jvp, vjp=_eigh_vectors_vjp)


# ---- pinv -----------------------------------------------------------------------------
def _pinv_jvp(b, p, t, out):
    """For A of constant rank (Golub and Pereyra), with P = pinv(A):
    dP = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P."""
    a, da = p[0], t[0]
    if da is None:
        return None
    pt, dat = _swap_last(b, out), _swap_last(b, da)
    left = b.call("matmul", b.call("matmul", out, pt), dat)        # P P^T dA^T
    right = b.call("matmul", dat, b.call("matmul", pt, out))       # dA^T P^T P
    terms = [b.neg(b.call("matmul", b.call("matmul", out, da), out)),
             b.call("sub", left, b.call("matmul", left, b.call("matmul", a, out))),
             b.call("sub", right, b.call("matmul", b.call("matmul", out, a), right))]
    return b.add(b.add(terms[0], terms[1]), terms[2])


def _pinv_vjp(b, p, out, g):
    """The transpose of each term of the jvp."""
    a = p[0]
    pt, gt = _swap_last(b, out), _swap_last(b, g)
    ppt, ptp = _matmul(b, out, pt), _matmul(b, pt, out)
    terms = [b.neg(_matmul(b, _matmul(b, pt, g), pt)),
             b.call("sub", _matmul(b, gt, ppt),
                    _matmul(b, _matmul(b, _matmul(b, a, out), gt), ppt)),
             b.call("sub", _matmul(b, ptp, gt),
                    _matmul(b, _matmul(b, ptp, gt), _matmul(b, out, a)))]
    return [b.add(b.add(terms[0], terms[1]), terms[2])]


defrule("pinv", jvp=_pinv_jvp, vjp=_pinv_vjp)
