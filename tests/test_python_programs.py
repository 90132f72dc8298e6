"""Python programs as people write them for JAX, autograd or PyTorch, differentiated end to end.

Each program uses the Python around the arithmetic, as written without adcompile in mind
(README, "What Python is supported", "Lists and loops", "Containers (pytrees)"):
parameters as lists of `(W, b)` tuples, dicts and NamedTuples; optimizer loops outside
calling the compiled gradient; closures, lambdas, `functools.partial`, methods reading
`self.layers`; string modes and `None` defaults; `*args` and `**kwargs`; lists built by
`append` and comprehensions, `zip`, `enumerate`, `reversed`, starred unpacking, slices
of tuples and lists, dicts built in the body and returned, `max(xs)`, `np.sum(list)`;
element writes under `if` in loops, `while` loops with data-dependent exits, early
returns and nested helpers; and a few small numerical programs (a Runge-Kutta step on a
state tuple, softmax cross-entropy over a batch dict, a GRU cell, a Gaussian
log-likelihood). Each value is compared with plain Python, each derivative with
`check_grads` (order 2 where the program is smooth there) and, where it is short, with
a hand-written derivative.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pytest

import adcompile as ad
from adcompile.pytree import flatten
from adcompile.testing import check_grads

RNG = np.random.default_rng(11)
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal((5, 2))


def assert_tree_close(got, want, tol=1e-9):
    got_leaves, got_tree = flatten(got)
    want_leaves, want_tree = flatten(want)
    assert got_tree == want_tree, (got, want)
    for g, w in zip(got_leaves, want_leaves):
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# ---- parameters as containers, optimizer loops outside -----------------------------------

def mlp(params, x):
    h = x
    for W, b in params[:-1]:
        h = np.tanh(h @ W + b)
    W, b = params[-1]
    return h @ W + b


def mlp_loss(params, x, y):
    return np.mean((mlp(params, x) - y) ** 2)


def init_mlp(sizes):
    return [(RNG.standard_normal((m, n)) * 0.5, RNG.standard_normal(n) * 0.1)
            for m, n in zip(sizes[:-1], sizes[1:])]


def test_mlp_as_a_list_of_weight_bias_tuples_trains():
    params = init_mlp([3, 4, 2])
    grads = ad.grad(mlp_loss)(params, X, Y)
    assert isinstance(grads, list) and isinstance(grads[0], tuple)
    check_grads(mlp_loss, (params, X, Y), order=2, argnums=0)
    value_and_grad = ad.value_and_grad(mlp_loss)
    first = mlp_loss(params, X, Y)
    for _ in range(30):
        value, grads = value_and_grad(params, X, Y)
        params = [(W - 0.1 * gW, b - 0.1 * gb) for (W, b), (gW, gb) in zip(params, grads)]
    assert value_and_grad(params, X, Y)[0] < first


class Linear(NamedTuple):
    w: np.ndarray
    b: float


def linear_regression(p, x, y):
    return np.mean((x @ p.w + p.b - y) ** 2)


def test_namedtuple_parameters_give_a_namedtuple_gradient():
    p = Linear(w=np.array([0.5, -0.2, 0.1]), b=0.3)
    y = Y[:, 0]
    grads = ad.grad(linear_regression)(p, X, y)
    assert isinstance(grads, Linear)
    residual = X @ p.w + p.b - y
    assert_tree_close(grads, Linear(2 * X.T @ residual / 5, 2 * np.mean(residual)))
    check_grads(linear_regression, (p, X, y), order=2)


def mlp_of_dicts(layers, x):
    h = x
    for layer in layers:
        h = np.tanh(h @ layer["W"] + layer["b"])
    return np.sum(h ** 2)


def test_layers_as_a_list_of_dicts():
    layers = [{"W": RNG.standard_normal((3, 4)), "b": np.zeros(4)},
              {"W": RNG.standard_normal((4, 2)), "b": np.ones(2)}]
    grads = ad.grad(mlp_of_dicts)(layers, X)
    assert isinstance(grads, list) and set(grads[0]) == {"W", "b"}
    check_grads(mlp_of_dicts, (layers, X), order=2)


def l2_penalty(params, lam=1e-2):
    return lam * sum(np.sum(W ** 2) for W, _ in params)


def test_penalty_over_weights_only_leaves_biases_a_zero_gradient():
    params = init_mlp([2, 2, 1])
    grads = ad.grad(l2_penalty)(params)
    assert_tree_close(grads, [(2e-2 * W, np.zeros_like(b)) for W, b in params])
    check_grads(l2_penalty, (params,), order=2)


def quadratic_bowl(p):
    return np.sum((p["a"] - 1.0) ** 2) + 10 * (p["b"] - 2.0) ** 2


def test_adam_over_a_dict_of_parameters_converges():
    p = {"a": np.zeros(2), "b": 0.0}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    s = {k: np.zeros_like(v) for k, v in p.items()}
    value_and_grad = ad.value_and_grad(quadratic_bowl)
    lr, beta1, beta2 = 0.1, 0.9, 0.999
    for t in range(1, 300):
        _, g = value_and_grad(p)
        for k in p:
            m[k] = beta1 * m[k] + (1 - beta1) * g[k]
            s[k] = beta2 * s[k] + (1 - beta2) * g[k] ** 2
            p[k] = p[k] - lr * (m[k] / (1 - beta1 ** t)) / (np.sqrt(s[k] / (1 - beta2 ** t))
                                                           + 1e-8)
    assert value_and_grad(p)[0] < 1e-3


def rosenbrock_of_a_dict(p):
    x, y = p["x"], p["y"]
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def test_newton_with_a_hessian_of_dicts():
    p = {"x": -1.2, "y": 1.0}
    hessian = ad.hessian(rosenbrock_of_a_dict)
    assert hessian(p)["x"]["y"] == pytest.approx(-400 * -1.2)
    for _ in range(20):
        g, H = ad.grad(rosenbrock_of_a_dict)(p), hessian(p)
        step = np.linalg.solve([[H["x"]["x"], H["x"]["y"]], [H["y"]["x"], H["y"]["y"]]],
                               [g["x"], g["y"]])
        p = {"x": p["x"] - step[0], "y": p["y"] - step[1]}
    assert_tree_close(p, {"x": 1.0, "y": 1.0}, tol=1e-6)


def sgd_step(params, grads, lr=0.1):
    new = {}
    for k in params:
        new[k] = params[k] - lr * grads[k]
    return new


def norm_after_step(params, grads):
    return sum(np.sum(v ** 2) for v in sgd_step(params, grads).values())


def test_a_dict_built_key_by_key_in_a_loop():
    p = {"a": np.array([1.0, 2.0]), "b": 3.0}
    g = {"a": np.array([1.0, 1.0]), "b": 1.0}
    grads = ad.grad(norm_after_step)(p, g)
    assert_tree_close(grads, {"a": 2 * (p["a"] - 0.1), "b": 2 * 2.9})
    assert ad.jacobian(sgd_step, argnums=1)(p, g)["b"]["b"] == pytest.approx(-0.1)
    check_grads(norm_after_step, (p, g), order=2)


# ---- classes, closures, lambdas, partials -------------------------------------------------

def activate(z, kind):
    if kind == "relu":
        return np.maximum(z, 0.0)
    elif kind == "tanh":
        return np.tanh(z)
    return z


class Model:
    def __init__(self, layers, config):
        self.layers = layers
        self.config = config

    def loss(self, x, y):
        h = x
        for W in self.layers:
            h = activate(h @ W, self.config["act"])
        return np.sum((h - y) ** 2) * self.config["scale"]


@pytest.mark.parametrize("act", ["tanh", "relu", "linear"])
def test_a_model_method_reading_its_layers_and_config(act):
    model = Model([RNG.standard_normal((3, 4)), RNG.standard_normal((4, 2))],
                  {"act": act, "scale": 0.5})
    assert ad.value_and_grad(model.loss)(X, Y)[0] == pytest.approx(model.loss(X, Y))
    check_grads(model.loss, (X, Y), order=1 if act == "relu" else 2)


class Quadratic:
    def __init__(self, A):
        self.A = A

    @ad.grad
    def energy_grad(self, x):
        return 0.5 * x @ self.A @ x

    @staticmethod
    @ad.grad
    def norm_grad(x):
        return np.sum(x ** 2)


def test_decorated_method_reads_self_at_each_call():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    q = Quadratic(A)
    x = np.array([1.0, -1.0])
    np.testing.assert_allclose(q.energy_grad(x), A @ x)
    np.testing.assert_allclose(Quadratic.norm_grad(x), 2 * x)
    q.A = 2 * A
    np.testing.assert_allclose(q.energy_grad(x), 2 * A @ x)


@dataclass
class Config:
    weight_decay: float = 0.01
    loss: str = "l2"


CONFIG = Config()


def regularized(w, x, y):
    residual = x @ w - y
    if CONFIG.loss == "l2":
        data = np.mean(residual ** 2)
    else:
        data = np.mean(np.abs(residual))
    return data + CONFIG.weight_decay * np.sum(w ** 2)


def test_a_global_dataclass_config_is_read_at_each_call(monkeypatch):
    w, y = RNG.standard_normal(3), Y[:, 0]
    grad = ad.grad(regularized)
    np.testing.assert_allclose(grad(w, X, y), 2 * X.T @ (X @ w - y) / 5 + 0.02 * w)
    monkeypatch.setattr(CONFIG, "loss", "l1")
    monkeypatch.setattr(CONFIG, "weight_decay", 0.5)
    np.testing.assert_allclose(grad(w, X, y), X.T @ np.sign(X @ w - y) / 5 + w)


def make_loss(target, power=2):
    def loss(x):
        return np.sum(np.abs(x - target) ** power)
    return loss


def test_closures_from_a_factory():
    target, x = np.array([1.0, 2.0]), np.array([0.5, 3.0])
    np.testing.assert_allclose(ad.grad(make_loss(target))(x), 2 * (x - target))
    cubic = make_loss(target, power=3)
    np.testing.assert_allclose(ad.grad(cubic)(x), 3 * (x - target) * np.abs(x - target))
    check_grads(cubic, (x,), order=2)


square_norm = lambda v: np.dot(v, v)  # noqa: E731 (a lambda is what this test is about)


def test_lambdas():
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(ad.grad(square_norm)(v), 2 * v)
    np.testing.assert_allclose(ad.hessian(square_norm)(v), 2 * np.eye(3))
    np.testing.assert_allclose(ad.grad(lambda w: np.sum(np.exp(w) * v))(v), np.exp(v) * v)


def weighted_sine(w, x, alpha):
    return alpha * np.sum(np.sin(w * x))


def test_functools_partial_with_keywords_bound():
    x, w = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 0.5])
    bound = functools.partial(weighted_sine, x=x, alpha=2.0)
    np.testing.assert_allclose(ad.grad(bound)(w), 2.0 * np.cos(w * x) * x)
    check_grads(bound, (w,), order=2)
    np.testing.assert_allclose(
        ad.grad(functools.partial(weighted_sine, alpha=3.0), argnums=1)(w, x),
        3.0 * np.cos(w * x) * w)


def relu(x):
    return np.maximum(x, 0.0)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


ACTIVATIONS = {"relu": relu, "tanh": np.tanh, "sigmoid": sigmoid}


def dense(x, W, activation="tanh"):
    act = ACTIVATIONS[activation]
    return np.sum(act(x @ W))


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_activation_looked_up_in_a_dict_of_functions(activation):
    W = RNG.standard_normal((3, 2))
    value = ad.value_and_grad(dense, argnums=1)(X, W, activation=activation)[0]
    assert value == pytest.approx(dense(X, W, activation))
    check_grads(functools.partial(dense, activation=activation), (X, W), order=1)


def select_loss(x, name="sq"):
    losses = {"sq": lambda v: v ** 2, "abs": lambda v: np.abs(v)}
    return np.sum(losses[name](x))


def test_lambdas_kept_in_a_dict_in_the_body():
    x = np.array([1.0, -2.0])
    np.testing.assert_allclose(ad.grad(select_loss)(x), 2 * x)
    np.testing.assert_allclose(ad.grad(select_loss)(x, "abs"), np.sign(x))


def critic(w, x):
    return np.sum(np.tanh(w * x))


def gradient_penalty(w, x):
    g = ad.grad(critic, argnums=1)(w, x)
    return (np.sqrt(np.sum(g ** 2)) - 1.0) ** 2


def test_a_gradient_penalty_differentiates_a_gradient():
    w, x = np.array([0.5, 1.5]), np.array([0.2, -0.3])
    expected = (np.linalg.norm(w * (1 - np.tanh(w * x) ** 2)) - 1) ** 2
    assert ad.value_and_grad(gradient_penalty)(w, x)[0] == pytest.approx(expected)
    check_grads(gradient_penalty, (w, x), order=1)


# ---- string modes, None defaults, *args, **kwargs, annotations ----------------------------

def activation_energy(x, activation="relu"):
    if activation == "relu":
        y = np.maximum(x, 0)
    elif activation == "sigmoid":
        y = 1 / (1 + np.exp(-x))
    else:
        y = np.tanh(x)
    return np.sum(y ** 2)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
def test_string_mode_picks_the_branch(activation):
    x = np.array([0.5, -1.2, 2.0])
    value = ad.value_and_grad(activation_energy)(x, activation=activation)[0]
    assert value == pytest.approx(activation_energy(x, activation))
    check_grads(functools.partial(activation_energy, activation=activation), (x,), order=2)
    np.testing.assert_allclose(ad.grad(activation_energy)(x), 2 * np.maximum(x, 0))


def loss_fn(pred, y, kind="mse", delta=1.0):
    r = pred - y
    if kind == "mse":
        return np.mean(r ** 2)
    if kind == "huber":
        a = np.abs(r)
        if delta > 0:
            return np.mean(np.where(a < delta, 0.5 * r ** 2, delta * (a - 0.5 * delta)))
        return np.mean(a)
    return np.mean(np.abs(r))


def test_nested_ifs_on_a_string_mode_with_early_returns():
    p, y = np.array([0.5, 2.0, -1.5]), np.zeros(3)
    for kind in ("mse", "huber", "l1"):
        assert ad.value_and_grad(loss_fn)(p, y, kind=kind)[0] == pytest.approx(
            loss_fn(p, y, kind=kind))
    np.testing.assert_allclose(ad.grad(loss_fn)(p, y, kind="huber"), np.array([0.5, 1, -1]) / 3)
    np.testing.assert_allclose(ad.grad(loss_fn)(p, y, "huber", 0.0), np.sign(p) / 3)
    check_grads(functools.partial(loss_fn, kind="huber"), (p, y), order=2)


def attention(q, k, v, mask=None):
    scores = q @ k.T / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    w = np.exp(scores - scores.max(axis=-1, keepdims=True))
    w = w / w.sum(axis=-1, keepdims=True)
    return np.sum((w @ v) ** 2)


def test_attention_with_and_without_a_mask():
    q, k, v = (RNG.standard_normal(shape) for shape in ((3, 2), (4, 2), (4, 2)))
    mask = np.tril(np.ones((3, 4), dtype=bool))
    assert ad.value_and_grad(attention)(q, k, v)[0] == pytest.approx(attention(q, k, v))
    assert ad.value_and_grad(attention)(q, k, v, mask)[0] == pytest.approx(
        attention(q, k, v, mask))
    check_grads(attention, (q, k, v), order=2)
    check_grads(attention, (q, k, v, mask), order=2, argnums=(0, 1, 2))


def affine(x, w, bias=None):
    b = 0.0 if bias is None else bias
    return np.sum(x * w + b)


def test_a_none_default_in_a_conditional_expression():
    x, w = np.array([1.0, 2.0]), np.array([0.5, 0.5])
    np.testing.assert_allclose(ad.grad(affine, argnums=1)(x, w), x)
    assert ad.grad(affine, argnums=2)(x, w, 0.3) == pytest.approx(2.0)
    check_grads(affine, (x, w), order=2)
    check_grads(affine, (x, w, 0.3), order=2)


def penalized(w, **kwargs):
    loss = np.sum(w ** 2)
    l1 = kwargs.get("l1", 0.0)
    if "l2" in kwargs:
        loss = loss + kwargs["l2"] * np.sum(w ** 2)
    return loss + l1 * np.sum(np.abs(w))


def test_kwargs_read_with_get_and_in():
    w = np.array([0.5, -1.0, 2.0])
    np.testing.assert_allclose(ad.grad(penalized)(w), 2 * w)
    np.testing.assert_allclose(ad.grad(penalized)(w, l1=0.1, l2=0.5),
                               2 * w + w + 0.1 * np.sign(w))
    assert ad.value_and_grad(penalized)(w, l2=0.5)[0] == pytest.approx(penalized(w, l2=0.5))
    check_grads(functools.partial(penalized, l1=0.1, l2=0.5), (w,), order=2)


def total_energy(*args):
    e = 0.0
    for a in args:
        e = e + np.sum(a ** 2) / 2
    return e


def test_star_args_counted_by_call_position():
    a, b = np.ones(2), np.array([1.0, 2.0, 3.0])
    assert_tree_close(ad.grad(total_energy, argnums=(0, 1, 2))(a, b, 0.5), (a, b, 0.5))
    np.testing.assert_allclose(ad.jacobian(total_energy, argnums=1)(a, b), b)
    assert_tree_close(ad.hessian(total_energy, argnums=(0, 1))(1.0, 2.0),
                      ((1.0, 0.0), (0.0, 1.0)))


def regularized_norm(x, *, eps=1e-8, target=1.0):
    n = np.sqrt(np.sum(x ** 2) + eps)
    return (n - target) ** 2


def test_keyword_only_parameters_with_defaults():
    x = np.array([3.0, 4.0])
    np.testing.assert_allclose(ad.grad(regularized_norm)(x, eps=0.0), 2 * 4 * x / 5)
    check_grads(regularized_norm, (x,), order=2)


def annotated(x: np.ndarray, mode: str = "sum") -> float:
    """Sum or mean of squares."""
    y: np.ndarray = x ** 2
    if mode in ("sum", "total"):
        return float(np.sum(y))
    return float(np.mean(y))


def test_annotations_a_docstring_and_a_mode_in_a_tuple():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(ad.grad(annotated)(x), 2 * x)
    np.testing.assert_allclose(ad.grad(annotated)(x, mode="mean"), x)
    check_grads(annotated, (x,), order=2)


# ---- lists, tuples and dicts in the body --------------------------------------------------

def sine_series(x):
    terms = [np.sin(k * x) / k for k in range(1, 5)]
    return sum(terms)


def powers(x, degree=3):
    feats = []
    for d in range(1, degree + 1):
        feats.append(x ** d)
    return np.sum(sum(feats))


def test_lists_from_a_comprehension_and_from_appends():
    assert ad.grad(sine_series)(0.7) == pytest.approx(sum(math.cos(k * 0.7) for k in range(1, 5)))
    check_grads(sine_series, (0.7,), order=2)
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(ad.grad(powers)(x), 1 + 2 * x + 3 * x ** 2)
    check_grads(powers, (x,), order=2)


def weighted_sum(xs, ws):
    total = 0.0
    for i, (x, w) in enumerate(zip(xs, ws)):
        total = total + (i + 1) * w * x ** 2
    return total


def test_enumerate_over_zip_of_lists_and_of_arrays():
    xs, ws = [1.0, 2.0, 3.0], [0.5, 0.25, 0.1]
    assert_tree_close(ad.grad(weighted_sum)(xs, ws),
                      [2 * (i + 1) * w * x for i, (x, w) in enumerate(zip(xs, ws))])
    check_grads(weighted_sum, (xs, ws), order=2)
    check_grads(weighted_sum, (np.array(xs), np.array(ws)), order=2)


WEIGHTS = [0.2, 0.3, 0.5]


def weighted_by_a_global_list(xs):
    return sum(w * x ** 2 for w, x in zip(WEIGHTS, xs))


def test_zip_with_a_global_list():
    assert_tree_close(ad.grad(weighted_by_a_global_list)([1.0, 2.0, 3.0]), [0.4, 1.2, 3.0])
    check_grads(weighted_by_a_global_list, (np.array([1.0, 2.0, 3.0]),), order=2)


def stats(x):
    out = {}
    out["mean"] = np.mean(x)
    out["var"] = np.var(x)
    out["max"] = np.max(x)
    return out


def test_a_dict_built_in_the_body_and_returned():
    x = np.array([1.0, 3.0, 2.0])
    jacobian = ad.jacobian(stats)(x)
    assert set(jacobian) == {"mean", "var", "max"}
    np.testing.assert_allclose(jacobian["mean"], np.full(3, 1 / 3))
    np.testing.assert_allclose(jacobian["max"], [0.0, 1.0, 0.0])
    np.testing.assert_allclose(jacobian["var"], 2 * (x - x.mean()) / 3)
    value, pullback = ad.vjp(stats, x)
    assert_tree_close(value, stats(x))
    np.testing.assert_allclose(pullback({"mean": 1.0, "var": 0.0, "max": 0.0})[0],
                               np.full(3, 1 / 3))
    check_grads(stats, (x,), order=2)


def scale_params(params, factor):
    scaled = {k: v * factor for k, v in params.items()}
    scaled["norm"] = sum(np.sum(v ** 2) for v in scaled.values())
    return scaled


def test_a_dict_comprehension_extended_and_returned():
    p = {"w": np.array([1.0, 2.0]), "b": 0.5}
    jacobian = ad.jacobian(scale_params, argnums=1)(p, 2.0)
    np.testing.assert_allclose(jacobian["w"], p["w"])
    assert jacobian["norm"] == pytest.approx(2 * 2.0 * (5.0 + 0.25))
    check_grads(scale_params, (p, 2.0), order=2)


def sum_of_squares_and_bias(p):
    total = 0.0
    for _, v in p.items():
        total = total + np.sum(v ** 2)
    return total + p.get("bias", 0.0)


def test_items_and_get_on_a_dict_argument():
    p = {"w": np.array([1.0, 2.0]), "v": 3.0}
    assert_tree_close(ad.grad(sum_of_squares_and_bias)(p), {"v": 6.0, "w": np.array([2.0, 4.0])})
    p = {"w": np.array([1.0, 2.0]), "bias": 0.5}
    assert_tree_close(ad.grad(sum_of_squares_and_bias)(p),
                      {"bias": 2.0, "w": np.array([2.0, 4.0])})
    check_grads(sum_of_squares_and_bias, (p,), order=2)


def max_plus_min(a, b, c):
    xs = [a * b, b * c, a * c]
    return max(xs) + min(xs)


def three_terms(x, y):
    return np.sum([x * y, x ** 2, np.sin(y)])


def test_max_min_and_np_sum_of_a_list():
    # at (1, 2, 3) the max is b*c and the min a*b
    assert_tree_close(ad.grad(max_plus_min, argnums=(0, 1, 2))(1.0, 2.0, 3.0), (2.0, 4.0, 2.0))
    check_grads(max_plus_min, (1.0, 2.0, 3.0), order=2)
    assert_tree_close(ad.grad(three_terms, argnums=(0, 1))(0.5, 1.5),
                      (1.5 + 1.0, 0.5 + math.cos(1.5)))
    check_grads(three_terms, (np.array([1.0, 2.0]), np.array([2.0, 3.0])), order=2)


def worst_and_mean(w, xs):
    vals = [np.sum(w * x) ** 2 for x in xs]
    return max(vals) + np.mean(vals)


def test_max_and_mean_of_a_list_of_losses():
    w = np.array([1.0, 2.0])
    xs = [np.array([1.0, 0.0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])]
    expected = 2 * 3 * xs[2] + (2 * xs[0] + 4 * xs[1] + 6 * xs[2]) / 3
    np.testing.assert_allclose(ad.grad(worst_and_mean)(w, xs), expected)
    check_grads(worst_and_mean, (w, xs), order=2, argnums=0)


def multi_task(w, xs, ys):
    losses = []
    for x, y in zip(xs, ys):
        losses.append(np.mean((x @ w - y) ** 2))
    return sum(losses) / len(losses)


def average_norms(vectors):
    norms = [np.linalg.norm(v) for v in vectors]
    return sum(norms, 0.0) / len(norms)


def test_averages_over_lists():
    w = RNG.standard_normal(3)
    xs, ys = [RNG.standard_normal((4, 3)) for _ in range(3)], [RNG.standard_normal(4)
                                                               for _ in range(3)]
    expected = sum(2 * x.T @ (x @ w - y) / 4 for x, y in zip(xs, ys)) / 3
    np.testing.assert_allclose(ad.grad(multi_task)(w, xs, ys), expected)
    check_grads(multi_task, (w, xs, ys), order=2, argnums=0)
    vectors = [np.array([3.0, 4.0]), np.array([1.0, 0.0])]
    assert_tree_close(ad.grad(average_norms)(vectors), [np.array([0.3, 0.4]), np.array([0.5, 0])])
    check_grads(average_norms, (vectors,), order=2)


def first_times_rest(xs):
    first, *rest = xs
    return first * sum(rest)


def slices_of_a_tuple(t):
    head, tail = t[:2], t[2:]
    return head[0] * head[1] + sum(tail)


def test_starred_unpacking_and_slices_of_tuples_and_lists():
    assert_tree_close(ad.grad(first_times_rest)((2.0, 3.0, 4.0)), (7.0, 2.0, 2.0))
    check_grads(first_times_rest, ([2.0, 3.0, 4.0],), order=2)
    assert_tree_close(ad.grad(slices_of_a_tuple)((2.0, 3.0, 4.0, 5.0)), (3.0, 2.0, 1.0, 1.0))
    check_grads(slices_of_a_tuple, ([2.0, 3.0, 4.0, 5.0],), order=2)


def backward_chain(params, x):
    h = x
    for W in reversed(params[1:]):
        h = np.tanh(W @ h)
    return np.sum(params[0] * h)


def chain_by_index(mats, v):
    for i in range(len(mats)):
        v = mats[i] @ v
        if i < len(mats) - 1:
            v = np.tanh(v)
    return np.sum(v)


def even_positions_decay(params):
    total = 0.0
    for i, p in enumerate(params):
        if i % 2 == 0:
            total = total + np.sum(p ** 2)
    return total


def test_walking_a_list_of_arrays_reversed_by_index_and_by_enumerate():
    params = [RNG.standard_normal(3), RNG.standard_normal((3, 3)), RNG.standard_normal((3, 3))]
    x = RNG.standard_normal(3)
    assert ad.value_and_grad(backward_chain)(params, x)[0] == pytest.approx(
        backward_chain(params, x))
    check_grads(backward_chain, (params, x), order=2)
    assert ad.value_and_grad(chain_by_index, argnums=1)(params[1:], x)[0] == pytest.approx(
        chain_by_index(params[1:], x))
    check_grads(chain_by_index, (params[1:], x), order=2)
    params = [np.ones(2), np.ones(2), 2 * np.ones(3)]
    assert_tree_close(ad.grad(even_positions_decay)(params),
                      [2 * np.ones(2), np.zeros(2), 4 * np.ones(3)])


def stacked_sum(a, b):
    return np.sum(np.sum([a, b * 2], axis=0) ** 2)


def test_np_sum_of_a_list_of_arrays_along_the_list():
    a, b = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    assert_tree_close(ad.grad(stacked_sum, argnums=(0, 1))(a, b),
                      (2 * (a + 2 * b), 4 * (a + 2 * b)))
    check_grads(stacked_sum, (a, b), order=2)


# ---- loops: element writes, while, early returns, helpers ---------------------------------

def leaky_squares(x):
    out = np.zeros_like(x)
    for i in range(len(x)):
        if x[i] > 0:
            out[i] = x[i] ** 2
        else:
            out[i] = 0.1 * x[i]
    return np.sum(out)


def piecewise(x):
    out = np.empty_like(x)
    for i, v in enumerate(x):
        if v < -1:
            out[i] = -1.0 - 0.5 * (v + 1) ** 2
        elif v < 1:
            out[i] = v
        else:
            out[i] = 1.0 + np.log(v)
    return out


def test_element_writes_under_if_in_a_loop():
    x = np.array([1.0, -2.0, 3.0, -0.5])
    np.testing.assert_allclose(ad.grad(leaky_squares)(x), np.where(x > 0, 2 * x, 0.1))
    check_grads(leaky_squares, (x,), order=2)
    x = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_allclose(ad.jacobian(piecewise)(x), np.diag([1.0, 1.0, 1.0, 0.5]))
    np.testing.assert_allclose(ad.vjp(piecewise, x)[0], piecewise(x))
    check_grads(piecewise, (x,), order=2)


def conv1d_energy(x, k):
    n, m = len(x), len(k)
    out = np.zeros(n - m + 1)
    for i in range(n - m + 1):
        for j in range(m):
            out[i] += x[i + j] * k[j]
    return np.sum(out ** 2)


def test_a_convolution_written_as_nested_loops():
    x, k = np.array([1.0, 2.0, -1.0, 0.5, 3.0]), np.array([0.5, -1.0])
    out = np.convolve(x, k[::-1], mode="valid")
    assert ad.value_and_grad(conv1d_energy)(x, k)[0] == pytest.approx(np.sum(out ** 2))
    np.testing.assert_allclose(ad.grad(conv1d_energy, argnums=1)(x, k),
                               [np.sum(2 * out * x[:-1]), np.sum(2 * out * x[1:])])
    check_grads(conv1d_energy, (x, k), order=2)


def cumulative_products(x):
    n = len(x)
    out = [0.0] * n
    out[0] = x[0]
    for i in range(1, n):
        out[i] = out[i - 1] * x[i]
    return sum(out)


def test_writes_into_a_list_made_by_repetition():
    x = np.array([1.5, 2.0, 0.5, 3.0])
    assert ad.value_and_grad(cumulative_products)(x)[0] == pytest.approx(cumulative_products(x))
    np.testing.assert_allclose(ad.grad(cumulative_products)(np.array([2.0, 3.0])), [4.0, 2.0])
    check_grads(cumulative_products, (x,), order=2)


def newton_sqrt(a):
    x = a
    while abs(x * x - a) > 1e-10:
        x = 0.5 * (x + a / x)
    return x


def shrink_until_small(x, tol=1e-6, maxiter=50):
    y = x
    it = 0
    while it < maxiter and abs(y) > tol:
        y = 0.5 * y * np.cos(y)
        it += 1
    return y + x * it


def fill_until(x, limit=3.0):
    out = np.zeros_like(x)
    total = 0.0
    i = 0
    while i < len(x) and total < limit:
        out[i] = x[i] ** 2
        total = total + out[i]
        i += 1
    return np.sum(out * x)


def test_while_loops_with_data_dependent_exits():
    value, gradient = ad.value_and_grad(newton_sqrt)(2.0)
    assert value == pytest.approx(math.sqrt(2.0))
    assert gradient == pytest.approx(0.5 / math.sqrt(2.0), rel=1e-7)
    check_grads(newton_sqrt, (2.0,), order=2)
    for x in (0.8, 1e-7):
        assert ad.value_and_grad(shrink_until_small)(x)[0] == pytest.approx(
            shrink_until_small(x))
    check_grads(shrink_until_small, (0.8,), order=2)
    x = np.array([1.0, 1.5, 0.5, 2.0])  # stops after two elements: 1 + 2.25 >= 3
    assert ad.value_and_grad(fill_until)(x)[0] == pytest.approx(fill_until(x))
    np.testing.assert_allclose(ad.grad(fill_until)(x), [3.0, 3 * 2.25, 0.0, 0.0])
    check_grads(fill_until, (x,), order=2)


def huber(r, delta=1.0):
    if abs(r) <= delta:
        return 0.5 * r ** 2
    return delta * (abs(r) - 0.5 * delta)


def running_min_squared(xs):
    best = math.inf
    for v in xs:
        if v < best:
            best = v
    return best ** 2


def skip_negatives(x):
    total = 0.0
    for v in x:
        if v < 0:
            continue
        else:
            pass
        total += v ** 3
    return total


def test_early_returns_running_minimum_and_continue():
    assert ad.grad(huber)(0.5) == pytest.approx(0.5)
    assert ad.grad(huber)(3.0) == pytest.approx(1.0)
    assert ad.grad(huber)(-3.0, 2.0) == pytest.approx(-2.0)
    check_grads(huber, (0.5,), order=2)
    check_grads(huber, (-3.0,), order=2)
    assert_tree_close(ad.grad(running_min_squared)([3.0, -1.0, 2.0]), [0.0, -2.0, 0.0])
    check_grads(running_min_squared, (np.array([3.0, -1.0, 2.0]),), order=2)
    x = np.array([1.0, -2.0, 2.0])
    np.testing.assert_allclose(ad.grad(skip_negatives)(x), [3.0, 0.0, 12.0])
    check_grads(skip_negatives, (x,), order=2)


def square_plus_cube(x):
    def square(v):
        return v * v

    def cube(v):
        return square(v) * v
    return square(x) + cube(x)


def fibonacci_like(a, b, n=10):
    for _ in range(n):
        a, b = b, a + 0.5 * np.sin(b)
    return b


def test_nested_helpers_and_a_swapping_recurrence():
    assert ad.grad(square_plus_cube)(2.0) == pytest.approx(2 * 2.0 + 3 * 4.0)
    assert ad.hessian(square_plus_cube)(2.0) == pytest.approx(2 + 6 * 2.0)
    check_grads(square_plus_cube, (2.0,), order=2)
    assert ad.value_and_grad(fibonacci_like)(0.1, 0.2)[0] == pytest.approx(
        fibonacci_like(0.1, 0.2))
    check_grads(fibonacci_like, (0.1, 0.2), order=2)


# ---- small numerical programs -------------------------------------------------------------

def pendulum(state, g=9.81, length=1.0):
    theta, omega = state
    return omega, -(g / length) * np.sin(theta)


def rk4_step(state, dt):
    def add(s, k, h):
        return tuple([si + h * ki for si, ki in zip(s, k)])
    k1 = pendulum(state)
    k2 = pendulum(add(state, k1, dt / 2))
    k3 = pendulum(add(state, k2, dt / 2))
    k4 = pendulum(add(state, k3, dt))
    return tuple([s + dt / 6 * (a + 2 * b + 2 * c + d)
                  for s, a, b, c, d in zip(state, k1, k2, k3, k4)])


def final_angle(theta0, omega0, dt=0.05, steps=20):
    state = (theta0, omega0)
    for _ in range(steps):
        state = rk4_step(state, dt)
    theta, _ = state
    return theta


def final_angle_by_hand(theta, omega, dt=0.05, steps=20):
    def field(t, o):
        return o, -9.81 * math.sin(t)
    for _ in range(steps):
        k1 = field(theta, omega)
        k2 = field(theta + dt / 2 * k1[0], omega + dt / 2 * k1[1])
        k3 = field(theta + dt / 2 * k2[0], omega + dt / 2 * k2[1])
        k4 = field(theta + dt * k3[0], omega + dt * k3[1])
        theta, omega = (theta + dt / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]),
                        omega + dt / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]))
    return theta


def test_runge_kutta_on_a_state_tuple():
    value = ad.value_and_grad(final_angle, argnums=(0, 1))(0.3, 0.1)[0]
    assert value == pytest.approx(final_angle_by_hand(0.3, 0.1))
    check_grads(final_angle, (0.3, 0.1), order=2)
    jacobian = ad.jacobian(rk4_step)((0.3, 0.1), 0.05)
    assert jacobian[0][0] == pytest.approx(1.0, abs=0.02)  # I + dt * A to first order
    check_grads(rk4_step, ((0.3, 0.1), 0.05), order=2)


def damped_step(state, u):
    pos, vel = state[:2]
    return (pos + 0.1 * vel, vel + 0.1 * (u - 0.1 * vel)) + state[2:]


def rollout(u, state0):
    state = state0
    for _ in range(5):
        state = damped_step(state, u)
    return state[0] ** 2 + sum(state[2:])


def test_a_rollout_carrying_extra_state_in_a_tuple_slice():
    state0 = (0.0, 1.0, 0.5, 0.25)
    assert ad.value_and_grad(rollout)(0.3, state0)[0] == pytest.approx(rollout(0.3, state0))
    check_grads(rollout, (0.3, state0), order=2)


def softmax_cross_entropy(params, batch):
    logits = batch["x"] @ params["W"] + params["b"]
    logits = logits - logits.max(axis=1, keepdims=True)
    logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(batch["y"] * logp, axis=1))


def test_softmax_cross_entropy_over_a_batch_dict():
    params = {"W": RNG.standard_normal((3, 4)), "b": np.zeros(4)}
    batch = {"x": X, "y": np.eye(4)[[0, 1, 2, 3, 0]]}
    grads = ad.grad(softmax_cross_entropy)(params, batch)
    e = np.exp(X @ params["W"])
    residual = e / e.sum(axis=1, keepdims=True) - batch["y"]
    assert_tree_close(grads, {"W": X.T @ residual / 5, "b": residual.mean(axis=0)})
    check_grads(softmax_cross_entropy, (params, batch), order=2, argnums=0)


def gru_cell(params, h, x):
    z = sigmoid(x @ params["Wz"] + h @ params["Uz"] + params["bz"])
    r = sigmoid(x @ params["Wr"] + h @ params["Ur"] + params["br"])
    h_tilde = np.tanh(x @ params["Wh"] + (r * h) @ params["Uh"] + params["bh"])
    return (1 - z) * h + z * h_tilde


def gru_loss(params, xs, h0):
    h = h0
    hs = []
    for x in xs:
        h = gru_cell(params, h, x)
        hs.append(h)
    return np.mean(np.stack(hs) ** 2)


def test_a_gru_cell_with_a_params_dict_over_a_sequence():
    params = {}
    for gate in "zrh":
        params["W" + gate] = RNG.standard_normal((2, 3)) * 0.5
        params["U" + gate] = RNG.standard_normal((3, 3)) * 0.5
        params["b" + gate] = RNG.standard_normal(3) * 0.1
    xs, h0 = RNG.standard_normal((4, 2)), np.zeros(3)
    value, grads = ad.value_and_grad(gru_loss)(params, xs, h0)
    assert value == pytest.approx(gru_loss(params, xs, h0))
    assert set(grads) == set(params)
    check_grads(gru_loss, (params, xs, h0), order=2)
    check_grads(gru_cell, (params, RNG.standard_normal(3), xs[0]), order=2)


def rnn_metrics(params, xs):
    W, U = params["W"], params["U"]
    h = np.zeros(U.shape[0])
    outs = []
    for x in xs:
        h = np.tanh(W @ x + U @ h)
        outs.append(np.sum(h))
    return {"last": outs[-1], "mean": np.mean(np.array(outs)), "peak": max(outs)}


def test_an_rnn_returning_a_dict_of_metrics():
    params = {"W": RNG.standard_normal((3, 2)) * 0.5, "U": RNG.standard_normal((3, 3)) * 0.5}
    xs = [RNG.standard_normal(2) for _ in range(4)]
    jacobian = ad.jacobian(rnn_metrics)(params, xs)
    assert set(jacobian) == {"last", "mean", "peak"} and set(jacobian["last"]) == {"W", "U"}
    assert_tree_close(ad.vjp(rnn_metrics, params, xs)[0], rnn_metrics(params, xs))
    check_grads(rnn_metrics, (params, xs), order=2, argnums=0)


def gaussian_log_likelihood(params, data):
    mu, L = params["mu"], params["L"]
    cov = L @ L.T + 1e-3 * np.eye(len(mu))
    diff = data - mu
    _, logdet = np.linalg.slogdet(cov)
    n, d = data.shape
    quad = np.sum(diff.T * np.linalg.solve(cov, diff.T))
    return -0.5 * (quad + n * logdet + n * d * np.log(2 * np.pi))


def test_gaussian_log_likelihood_with_a_covariance_from_a_dict():
    params = {"mu": np.array([0.1, -0.2]), "L": np.array([[1.0, 0.0], [0.3, 0.8]])}
    data = RNG.standard_normal((6, 2))
    cov = params["L"] @ params["L"].T + 1e-3 * np.eye(2)
    expected = sum(-0.5 * (d - params["mu"]) @ np.linalg.inv(cov) @ (d - params["mu"])
                   - 0.5 * np.log(np.linalg.det(2 * np.pi * cov)) for d in data)
    value, grads = ad.value_and_grad(gaussian_log_likelihood)(params, data)
    assert value == pytest.approx(expected)
    np.testing.assert_allclose(grads["mu"],
                               np.linalg.solve(cov, (data - params["mu"]).sum(axis=0)))
    check_grads(gaussian_log_likelihood, (params, data), order=2)
