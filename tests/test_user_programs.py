"""Array programs as people write them for JAX or autograd, differentiated end to end.

Each program is written the way a user writes it (the max-subtraction trick, `np.where`
for a piecewise loss, a `for t in range(T)` loop over `xs[t]`, a data-dependent `while`),
not adapted to adcompile. Each is checked with `check_grads` to order 2 in both modes,
and where a hand-written derivative is short, against it too; float32 inputs give
float32 derivatives. A few generated sources are pinned where they show how the reverse
of a product reads.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import adcompile as ad
from adcompile.testing import check_grads

RNG = np.random.default_rng(7)
VEC = np.array([0.4, -1.3, 0.9, 2.1])
MAT = RNG.standard_normal((3, 4))
ONE_HOT = np.eye(4)[[0, 2, 1]]
X = RNG.standard_normal((6, 3))
Y = RNG.standard_normal(6)
LABELS = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.0])
W = np.array([0.3, -0.7, 0.2])
SQUARE = RNG.standard_normal((4, 4))


# ---- classification and normalization -------------------------------------------------

def softmax(x):
    z = x - np.max(x)
    e = np.exp(z)
    return e / np.sum(e)


def log_softmax(x):
    z = x - np.max(x, axis=-1, keepdims=True)
    return z - np.log(np.sum(np.exp(z), axis=-1, keepdims=True))


def logsumexp(x):
    m = np.max(x)
    return m + np.log(np.sum(np.exp(x - m)))


def cross_entropy(logits, labels):
    logp = log_softmax(logits)
    return -np.mean(np.sum(labels * logp, axis=1))


def layer_norm(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    xhat = (x - mu) / np.sqrt(var + eps)
    return np.sum((gamma * xhat + beta) ** 2)


def attention(q, k, v):
    d = q.shape[-1]
    scores = q @ k.T / np.sqrt(d)
    w = np.exp(scores - np.max(scores, axis=-1, keepdims=True))
    w = w / np.sum(w, axis=-1, keepdims=True)
    return np.sum((w @ v) ** 2)


def test_softmax_jacobian_is_diag_minus_outer():
    s = softmax(VEC)
    np.testing.assert_allclose(ad.jacobian(softmax)(VEC), np.diag(s) - np.outer(s, s),
                               atol=1e-15)
    check_grads(softmax, (VEC,), order=2)


def test_log_softmax_rows():
    jacobian = ad.jacobian(log_softmax)(MAT)
    s = softmax(MAT[1])
    np.testing.assert_allclose(jacobian[1, :, 1, :], np.eye(4) - s, atol=1e-15)
    check_grads(log_softmax, (MAT,), order=2)


def test_logsumexp_gradient_is_softmax():
    value, gradient = ad.value_and_grad(logsumexp)(VEC)
    assert value == pytest.approx(math.log(np.sum(np.exp(VEC))))
    np.testing.assert_allclose(gradient, softmax(VEC), atol=1e-15)
    s = softmax(VEC)
    np.testing.assert_allclose(ad.hessian(logsumexp)(VEC), np.diag(s) - np.outer(s, s),
                               atol=1e-15)


def nll_of_int_labels(logits, labels):
    logp = log_softmax(logits)
    return -np.mean(logp[np.arange(len(labels)), labels])


def test_cross_entropy_gradient_is_softmax_minus_labels():
    expected = (np.exp(log_softmax(MAT)) - ONE_HOT) / 3
    np.testing.assert_allclose(ad.grad(cross_entropy)(MAT, ONE_HOT), expected, atol=1e-15)
    check_grads(cross_entropy, (MAT, ONE_HOT), order=2)


def test_negative_log_likelihood_of_integer_labels():
    labels = np.array([0, 2, 1])
    expected = (np.exp(log_softmax(MAT)) - ONE_HOT) / 3
    np.testing.assert_allclose(ad.grad(nll_of_int_labels)(MAT, labels), expected, atol=1e-15)
    check_grads(nll_of_int_labels, (MAT, labels), order=2)


def test_layer_norm_with_a_default_eps():
    check_grads(layer_norm, (MAT, RNG.standard_normal(4), RNG.standard_normal(4)), order=2)


def test_attention_block():
    q, k, v = (RNG.standard_normal(shape) for shape in ((3, 2), (4, 2), (4, 2)))
    check_grads(attention, (q, k, v), order=2)


# ---- regression losses -----------------------------------------------------------------

def logistic_loss(w, X, y, lam=0.1):
    p = 1 / (1 + np.exp(-(X @ w)))
    nll = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return nll + lam * np.sum(w ** 2)


def huber(r, delta=1.0):
    a = np.abs(r)
    return np.sum(np.where(a <= delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))


def polyfit_loss(c, x, y):
    V = x[:, None] ** np.arange(len(c))
    return np.sum((V @ c - y) ** 2)


def vander_fit(c, x, y):
    return np.sum((np.vander(x, len(c)) @ c - y) ** 2)


def mse(w, X, y):
    pred = X @ w
    return np.mean((pred - y) ** 2)


def test_logistic_regression_with_l2():
    p = 1 / (1 + np.exp(-(X @ W)))
    np.testing.assert_allclose(ad.grad(logistic_loss)(W, X, LABELS),
                               X.T @ (p - LABELS) / 6 + 0.2 * W, atol=1e-15)
    hessian = X.T @ np.diag(p * (1 - p)) @ X / 6 + 0.2 * np.eye(3)
    np.testing.assert_allclose(ad.hessian(logistic_loss)(W, X, LABELS), hessian, atol=1e-14)
    check_grads(logistic_loss, (W, X, LABELS), order=2)


def test_huber_gradient_is_the_clipped_residual():
    r = np.array([0.3, -2.0, 1.5, -0.2])
    np.testing.assert_array_equal(ad.grad(huber)(r), np.clip(r, -1.0, 1.0))
    check_grads(huber, (r,), order=2)


@pytest.mark.parametrize("loss", [polyfit_loss, vander_fit])
def test_polynomial_least_squares(loss):
    x, y, c = np.array([0.0, -1.0, 2.0, 0.5, 1.5]), RNG.standard_normal(5), W
    V = x[:, None] ** np.arange(3) if loss is polyfit_loss else np.vander(x, 3)
    np.testing.assert_allclose(ad.grad(loss)(c, x, y), 2 * V.T @ (V @ c - y), atol=1e-13)
    np.testing.assert_allclose(ad.hessian(loss)(c, x, y), 2 * V.T @ V, atol=1e-13)
    check_grads(loss, (c, x, y), order=2)


def test_mean_squared_error_reads_as_a_product():
    g = ad.grad(mse)
    np.testing.assert_allclose(g(W, X, Y), 2 * X.T @ (X @ W - Y) / 6, atol=1e-15)
    assert g.source.splitlines()[-1] == "    return 0.3333333333333333 * (pred - y) @ X"
    check_grads(mse, (W, X, Y), order=2)


# ---- loops: recurrences, integrators, iterations ------------------------------------------

def rnn(W, U, b, xs, h0):
    h = h0
    T = xs.shape[0]
    for t in range(T):
        h = np.tanh(W @ h + U @ xs[t] + b)
    return np.sum(h ** 2)


def euler(k, y0):
    y = y0
    dt = 0.01
    for i in range(100):
        y = y + dt * (-k * y + np.sin(y))
    return y


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-12 * a:
        x = x - (x * x - a) / (2 * x)
    return x


def prefix_sums(x):
    out = np.zeros_like(x)
    for i in range(1, len(x)):
        out[i] = out[i - 1] + x[i] * x[i - 1]
    return np.sum(out)


def test_rnn_unrolled_over_time():
    args = (0.5 * RNG.standard_normal((3, 3)), RNG.standard_normal((3, 2)),
            RNG.standard_normal(3), RNG.standard_normal((4, 2)), np.zeros(3))
    check_grads(rnn, args, order=2)
    g = ad.grad(rnn)
    g(*args)
    assert "[:, None] * " in g.source and "reshape" not in g.source, g.source


def test_explicit_euler():
    check_grads(euler, (0.7, 1.0), order=2)


def test_newton_iteration_with_a_data_dependent_stop():
    assert ad.grad(newton_sqrt)(2.0) == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-12)
    check_grads(newton_sqrt, (2.0,), order=2)


def test_an_array_filled_element_by_element_differentiates_twice():
    check_grads(prefix_sums, (VEC,), order=2)


# ---- physics and geometry -----------------------------------------------------------------

def pair_energy(x):
    n = x.shape[0]
    diff = x[:, None, :] - x[None, :, :]
    r = np.linalg.norm(diff + np.eye(n)[:, :, None], axis=-1)  # no zero distances
    mask = np.triu(np.ones((n, n)), k=1)
    return np.sum(mask * (1 / r ** 12 - 1 / r ** 6))


def coulomb(x):
    n = x.shape[0]
    e = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            d = x[i] - x[j]
            e += 1.0 / np.sqrt(d @ d)
    return e


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def first_differences(x):
    return np.sum(np.diff(x) ** 2)


def smoothness(x):
    return first_differences(x) + np.sum(np.diff(x, n=2) ** 2)


def products_and_sums(x):
    return np.sum(np.cumsum(x) ** 2) + np.sum(np.cumprod(x))


POINTS = np.array([[0.0, 0.0], [1.1, 0.1], [0.2, 1.3], [1.2, 1.0]])


def test_pairwise_energy_with_a_triangle_mask():
    check_grads(pair_energy, (POINTS,), order=2)
    assert ad.hessian(pair_energy)(POINTS).shape == (4, 2, 4, 2)


def test_pairwise_energy_in_loops_agrees_with_the_broadcast_one():
    def direct(x):
        gradient = np.zeros_like(x)
        for i in range(4):
            for j in range(4):
                if i != j:
                    d = x[i] - x[j]
                    gradient[i] -= d / np.linalg.norm(d) ** 3
        return gradient
    np.testing.assert_allclose(ad.grad(coulomb)(POINTS), direct(POINTS), atol=1e-14)
    check_grads(coulomb, (POINTS,), order=2)


def test_rosenbrock_and_differences():
    x = np.array([0.5, -0.3, 1.2, 0.8, -1.1])
    check_grads(rosenbrock, (x,), order=2)
    check_grads(smoothness, (x,), order=2)
    d = np.diff(x)
    expected = np.zeros(5)
    expected[:-1] -= 2 * d
    expected[1:] += 2 * d
    np.testing.assert_allclose(ad.grad(first_differences)(x), expected, atol=1e-14)


def test_running_sums_and_products():
    check_grads(products_and_sums, (VEC,), order=2)


# ---- elementwise kinks, linear algebra ----------------------------------------------------

def kinks(x):
    return (np.sum(np.clip(x, -1.0, 1.0) ** 2) + np.sum(np.maximum(0, x) ** 3)
            + np.sum(np.abs(x) ** 3 + np.sign(x) * x ** 2))


def quad_form(x, A):
    return x.T @ A @ x


def trace_of_product(A, B):
    return np.trace(A @ B)


def gaussian_log_density(x, mu, L):
    S = L @ L.T + np.eye(len(x))
    sign, logdet = np.linalg.slogdet(S)
    r = x - mu
    return -0.5 * (r @ np.linalg.solve(S, r) + logdet + len(x) * np.log(2 * np.pi))


def outer_and_einsum(u, v, A, B):
    return np.sum(np.outer(u, v) ** 2) + np.sum(np.einsum('ij,jk->ik', A, B) ** 2)


def vector_valued(x):
    return np.array([x[0] ** 2 * x[1], np.sin(x[2]) + x[0], np.exp(x[1] * x[2])])


def test_kinks_away_from_the_kinks():
    x = np.array([0.3, -2.0, 1.5, -0.2])
    expected = (2 * np.clip(x, -1, 1) * (np.abs(x) < 1) + 3 * np.maximum(0, x) ** 2
                + 3 * x * np.abs(x) + 2 * np.sign(x) * x)
    np.testing.assert_allclose(ad.grad(kinks)(x), expected, atol=1e-14)
    check_grads(kinks, (x,), order=2)


def test_quadratic_form():
    g = ad.grad(quad_form)
    np.testing.assert_allclose(g(VEC, SQUARE), (SQUARE + SQUARE.T) @ VEC, atol=1e-14)
    assert g.source.splitlines()[-1] == "    return x @ A + A @ x"
    np.testing.assert_allclose(ad.hessian(quad_form)(VEC, SQUARE), SQUARE + SQUARE.T)


def test_trace_of_a_product():
    A, B = MAT.T, RNG.standard_normal((3, 4))
    np.testing.assert_allclose(ad.grad(trace_of_product)(A, B), B.T, atol=1e-15)
    check_grads(trace_of_product, (A, B), order=2)


def test_gaussian_log_density_with_slogdet():
    args = (RNG.standard_normal(3), RNG.standard_normal(3), RNG.standard_normal((3, 3)))
    x, mu, L = args
    S = L @ L.T + np.eye(3)
    np.testing.assert_allclose(ad.grad(gaussian_log_density)(*args),
                               -np.linalg.solve(S, x - mu), atol=1e-14)
    check_grads(gaussian_log_density, args, order=2)


def test_outer_and_einsum():
    args = (RNG.standard_normal(3), RNG.standard_normal(2), RNG.standard_normal((2, 3)),
            RNG.standard_normal((3, 2)))
    u, v, A, B = args
    np.testing.assert_allclose(ad.grad(outer_and_einsum, argnums=2)(*args),
                               2 * (A @ B) @ B.T, atol=1e-14)
    check_grads(outer_and_einsum, args, order=2)


def test_jacobian_of_a_vector_function():
    x = np.array([0.5, -0.3, 0.8])
    expected = [[2 * x[0] * x[1], x[0] ** 2, 0.0], [1.0, 0.0, math.cos(x[2])],
                [0.0, x[2] * math.exp(x[1] * x[2]), x[1] * math.exp(x[1] * x[2])]]
    np.testing.assert_allclose(ad.jacobian(vector_valued)(x), expected, atol=1e-15)
    check_grads(vector_valued, (x,), order=2)


# ---- float32 end to end -------------------------------------------------------------------

@pytest.mark.parametrize("fn, args", [
    (logistic_loss, (W, X, LABELS)), (softmax, (VEC,)), (layer_norm, (MAT, VEC, VEC[::-1])),
])
def test_float32_in_float32_out(fn, args):
    single = tuple(a.astype(np.float32) for a in args)
    transform = ad.jacobian(fn) if fn is softmax else ad.grad(fn)
    got, expected = transform(*single), transform(*args)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
