"""Tests for adcompile/cache.py: compiled code is cached per function and argument
signature, shared by every transform of the same code, and compiled once when threads
race; what a function reads from outside (closure cells, globals, attributes, helpers)
is read when it is called, and the lowering it was compiled from is used while its
guards hold."""

from __future__ import annotations

import concurrent.futures
import math
import sys
import threading
import types

import numpy as np
import pytest

import adcompile as ad
import adcompile.pipeline
from adcompile.cache import lowered
from adcompile.testing import check_grads


# ---- the compile cache ----------------------------------------------------------------------

@pytest.fixture
def compile_counter(monkeypatch):
    calls = []
    real = adcompile.pipeline.compile_function

    def counting(*args, **kwargs):
        calls.append(args[1] if len(args) > 1 else None)
        return real(*args, **kwargs)
    monkeypatch.setattr(adcompile.pipeline, "compile_function", counting)
    return calls


def cache_probe(x, y):
    return x * y + math.sin(x)


def test_grad_compiles_once_per_signature(compile_counter):
    g = ad.grad(cache_probe)
    g(0.5, 1.0)
    g(0.7, 2.0)
    assert len(compile_counter) == 1
    g(0.5, 3)         # a new signature: y is an int
    g(0.9, 4)
    assert len(compile_counter) == 2


def cache_probe_again(x, y):
    return x * y - math.cos(y)


def test_a_new_grad_of_the_same_function_reuses_the_compiled_code(compile_counter):
    # DESIGN.md: "cached per function and per argument signature", so the common
    # `ad.grad(f)(x)` inside an optimisation loop compiles once (the cache is shared,
    # so this test has a function of its own)
    ad.grad(cache_probe_again)(0.5, 1.0)
    ad.grad(cache_probe_again)(0.7, 2.0)
    assert len(compile_counter) == 1
    ad.hessian(cache_probe_again)(0.5, 1.0)
    ad.hessian(cache_probe_again)(0.7, 2.0)
    assert len(compile_counter) == 2


def cache_probe_cleared(x, y):
    return x * y * y


def test_after_clear_the_code_is_compiled_again(compile_counter):
    g = ad.grad(cache_probe_cleared)
    assert g(0.5, 2.0) == 4.0
    assert ad.grad(cache_probe_cleared)(0.25, 3.0) == 9.0  # found in the shared cache
    g._code.clear()
    assert ad.grad(cache_probe_cleared)(0.5, 3.0) == 9.0
    assert len(compile_counter) == 2


def test_jvp_compiles_once_per_function_and_signature(compile_counter):
    ad.jvp(cache_probe, (0.5, 1.0), (1.0, 0.0))
    ad.jvp(cache_probe, (0.7, 2.0), (0.0, 1.0))
    assert len(compile_counter) == 1


def test_vjp_compiles_once_per_function_and_signature(compile_counter):
    ad.vjp(cache_probe, 0.5, 1.0)[1](1.0)
    ad.vjp(cache_probe, 0.7, 2.0)[1](1.0)
    assert len(compile_counter) == 1


# threads: functions of their own, so that each starts with nothing cached
def threaded_poly(x):
    return x * x * x - 2.0 * x


def threaded_pair(x, y):
    return x * x * y + y


def threaded_loop(x):
    s = 1.0
    for i in range(4):
        s = s * x
    return s


def test_threads_get_right_answers_and_compile_each_function_once(compile_counter):
    n_threads = 8
    start = threading.Barrier(n_threads)

    def work(k):
        x = 0.5 + k  # each thread its own point
        start.wait()
        return (ad.grad(threaded_poly)(x),
                ad.grad(threaded_pair, argnums=(0, 1))(x, 2.0),
                ad.hessian(threaded_pair)(x, 2.0),
                ad.derivative(threaded_loop, order=2)(x),
                ad.jvp(threaded_poly, (x,), (2.0,)))

    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside compilation too
    try:
        with concurrent.futures.ThreadPoolExecutor(n_threads) as pool:
            results = list(pool.map(work, range(n_threads)))
    finally:
        sys.setswitchinterval(switch_interval)
    for k, result in enumerate(results):
        x = 0.5 + k
        assert result == (3.0 * x * x - 2.0, (4.0 * x, x * x + 1.0), 4.0, 12.0 * x * x,
                          (x ** 3 - 2.0 * x, 2.0 * (3.0 * x * x - 2.0)))
    assert sorted(compile_counter) == sorted([
        "threaded_poly_grad", "threaded_pair_grad", "threaded_pair_hessian",
        "threaded_loop_d2", "threaded_poly_jvp"])


# ---- what a function reads from outside is read when it is called ----------------------
# Numbers and arrays read from closures, globals and attributes are inputs of the
# compiled code; functions and other objects are guarded. Values are dyadic, so every
# derivative below is exact.

THIS = sys.modules[__name__]


def cubic_with(a):
    def f(x):
        return a * x ** 3 + x
    return f


def test_closures_from_a_factory_each_use_their_own_value(compile_counter):
    x = 1.5
    for a in (2.0, 3.0, -0.5, 2.0):
        f = cubic_with(a)
        slope, curvature = 3.0 * a * x * x + 1.0, 6.0 * a * x
        assert ad.primal(f)(x) == f(x)
        assert ad.grad(f)(x) == slope
        assert ad.value_and_grad(f)(x) == (f(x), slope)
        assert ad.hessian(f)(x) == curvature
        assert ad.grad(ad.grad(f))(x) == curvature
        assert ad.derivative(f, order=3)(x) == 6.0 * a
        assert ad.jvp(f, (x,), (2.0,)) == (f(x), 2.0 * slope)
        value, pullback = ad.vjp(f, x)
        assert (value, pullback(2.0)) == (f(x), (2.0 * slope,))
    # the captured value is an input: one compilation per transform, not per value
    assert len(compile_counter) == 8


def test_check_grads_of_a_closure_to_order_2():
    check_grads(cubic_with(-1.5), [0.75], order=2)


RATE = 2.0


def uses_rate(x):
    return RATE * x * x


def test_a_global_number_rebound_after_the_first_call(monkeypatch):
    g = ad.grad(uses_rate)
    assert g(1.5) == 6.0
    monkeypatch.setattr(THIS, "RATE", 3.0)
    assert g(1.5) == 9.0
    assert ad.grad(uses_rate)(1.5) == 9.0
    assert ad.hessian(uses_rate)(1.5) == 6.0
    monkeypatch.setattr(THIS, "RATE", 4)  # an int: a new signature
    assert g(1.5) == 12.0


WEIGHTS = np.array([1.0, 2.0])


def weighted_square(x):
    return WEIGHTS * x * x


def test_a_global_array_rebound_or_changed_in_place(monkeypatch):
    jac = ad.jacobian(weighted_square)
    np.testing.assert_array_equal(jac(1.5), [3.0, 6.0])
    monkeypatch.setattr(THIS, "WEIGHTS", np.array([3.0, -1.0]))
    np.testing.assert_array_equal(jac(1.5), [9.0, -3.0])
    WEIGHTS[0] = 0.5
    np.testing.assert_array_equal(jac(1.5), [1.5, -3.0])
    np.testing.assert_array_equal(ad.primal(weighted_square)(2.0), [2.0, -4.0])
    monkeypatch.setattr(THIS, "WEIGHTS", np.array([1.0, 0.0, -2.0]))  # another shape
    np.testing.assert_array_equal(jac(1.5), [3.0, 0.0, -6.0])


def doubled(t):
    return 2.0 * t


def tripled(t):
    return 3.0 * t


STEP = doubled


def through_a_global_helper(x):
    return STEP(x) * x


def test_a_global_helper_function_rebound(monkeypatch, compile_counter):
    g = ad.grad(through_a_global_helper)
    assert g(1.5) == 6.0
    monkeypatch.setattr(THIS, "STEP", tripled)
    assert g(1.5) == 9.0
    assert ad.derivative(through_a_global_helper, order=2)(1.5) == 6.0
    monkeypatch.setattr(THIS, "STEP", doubled)
    assert g(1.5) == 6.0
    assert len(compile_counter) == 3  # back to the first helper: compiled already


OFFSET = 1.0


def shifted(t):
    return t + OFFSET


def scaled_shift(t):
    return 2.0 * shifted(t)


SHIFT = shifted


def through_nested_helpers(x):
    return scaled_shift(x) * x


def test_nested_helpers_read_their_globals_at_call_time(monkeypatch):
    g = ad.grad(through_nested_helpers)
    assert g(1.5) == 4.0 * 1.5 + 2.0
    monkeypatch.setattr(THIS, "OFFSET", -0.5)
    assert g(1.5) == 4.0 * 1.5 - 1.0
    monkeypatch.setattr(THIS, "shifted", tripled)  # the helper's helper, rebound
    assert g(1.5) == 12.0 * 1.5
    assert ad.primal(through_nested_helpers)(1.5) == 6.0 * 2.25


CONFIG = types.SimpleNamespace(scale=2.0, step=doubled)


def configured(x):
    return CONFIG.scale * CONFIG.step(x) * x


def test_attributes_of_a_global_object(monkeypatch):
    g = ad.grad(configured)
    assert g(1.5) == 12.0
    monkeypatch.setattr(CONFIG, "scale", 0.5)
    assert g(1.5) == 3.0
    monkeypatch.setattr(CONFIG, "step", tripled)
    assert g(1.5) == 4.5
    monkeypatch.setattr(THIS, "CONFIG", types.SimpleNamespace(scale=1.0, step=tripled))
    assert g(1.5) == 9.0


SETTINGS = {"scale": 2.0, "optimizer": {"weights": np.array([1.0, 3.0])}, "sizes": (2.0, 5.0)}


def configured_by_items(x):
    weights = SETTINGS["optimizer"]["weights"]
    return SETTINGS["scale"] * np.sum(weights * x ** 2) + SETTINGS["sizes"][1] * x[0]


class Scaled:
    def __init__(self):
        self.options = {"power": 2.0}

    def energy(self, x):
        return x ** self.options["power"]


def test_items_of_a_global_dict_and_of_self_are_read_at_each_call(monkeypatch):
    g = ad.grad(configured_by_items)
    x = np.array([1.0, 2.0])
    np.testing.assert_array_equal(g(x), [2.0 * 2 * 1.0 + 5.0, 2.0 * 2 * 3.0 * 2.0])
    monkeypatch.setitem(SETTINGS, "scale", 1.0)
    SETTINGS["optimizer"]["weights"][0] = 4.0  # in place, inside a nested dict
    try:
        np.testing.assert_array_equal(g(x), [8.0 + 5.0, 12.0])
    finally:
        SETTINGS["optimizer"]["weights"][0] = 1.0
    monkeypatch.setitem(SETTINGS, "optimizer", {"weights": np.array([0.5, 0.5])})
    np.testing.assert_array_equal(g(x), [1.0 + 5.0, 2.0])
    model = Scaled()
    grad_energy = ad.grad(model.energy)
    assert grad_energy(3.0) == 6.0
    model.options["power"] = 3.0
    assert grad_energy(3.0) == 27.0


class Layered:
    def __init__(self, *layers):
        self.layers = list(layers)

    def output(self, x):
        h = x
        for weights in self.layers:
            h = np.tanh(weights @ h)
        return np.sum(h) * len(self.layers)


def central_differences(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(len(x))])


def test_a_list_of_arrays_read_from_self_is_walked_and_read_at_each_call():
    model = Layered(np.array([[1.0, 0.5], [0.0, 2.0]]), np.array([[0.3, -1.0], [1.0, 1.0]]))
    grad_output = ad.grad(model.output)
    x = np.array([0.2, -0.4])
    check_grads(model.output, (x,), order=2)
    for change in (lambda: model.layers.__setitem__(1, np.eye(2)),  # an element replaced
                   lambda: model.layers.append(np.array([[0.5, 0.5], [-0.5, 0.5]])),
                   lambda: None):
        expected = central_differences(model.output, x)
        np.testing.assert_allclose(grad_output(x), expected, rtol=1e-6)
        change()
    assert "layers_0" in grad_output.source  # the items, read as inputs after x


GLOBAL_WEIGHTS = [1.0, 2.0]


def walks_a_global_list(x):
    t = 0.0
    for w in GLOBAL_WEIGHTS:
        t = t + w * x ** 2
    return t


def test_a_global_list_is_walked_and_compiled_again_when_its_length_changes():
    g = ad.grad(walks_a_global_list)
    assert g(2.0) == 12.0
    try:
        GLOBAL_WEIGHTS[0] = 3.0
        assert g(2.0) == 20.0
        GLOBAL_WEIGHTS.append(0.5)
        assert g(2.0) == 22.0
    finally:
        GLOBAL_WEIGHTS[:] = [1.0, 2.0]


PENALTIES = {"l2": 0.1, "scale": 2.0}


def walks_a_global_dict(w):
    t = PENALTIES.get("l2", 0.0) * w * w + PENALTIES.get("missing", 1.0) * w
    for key, value in PENALTIES.items():
        t = t + value * w
    if "scale" in PENALTIES:
        t = t * PENALTIES["scale"]
    return t + len(PENALTIES) + sum(v for v in PENALTIES.values())


def test_a_dict_read_from_outside_is_walked_and_compiled_again_when_its_keys_change():
    g = ad.grad(walks_a_global_dict)
    assert g(1.0) == pytest.approx(2.0 * (0.2 + 1.0 + 2.1))
    try:
        PENALTIES["l2"] = 1.0  # an item changed: read at the call
        assert g(1.0) == pytest.approx(2.0 * (2.0 + 1.0 + 3.0))
        PENALTIES["extra"] = 1.0  # a key added: compiled again
        assert g(1.0) == pytest.approx(2.0 * (2.0 + 1.0 + 4.0))
    finally:
        PENALTIES.clear()
        PENALTIES.update({"l2": 0.1, "scale": 2.0})
    assert g(1.0) == pytest.approx(2.0 * (0.2 + 1.0 + 2.1))


def reads_a_global_dict_by_a_run_time_key(x, k):
    return SETTINGS[k] * x


def test_an_item_read_from_outside_needs_a_key_known_while_compiling():
    with pytest.raises(ad.UnsupportedSyntaxError, match="indexed here only by a key"):
        ad.grad(reads_a_global_dict_by_a_run_time_key)(1.0, 0)


def test_a_closure_value_bound_after_the_first_call():
    def f(x):
        return late * x * x
    g = ad.grad(f)
    with pytest.raises(ad.UnsupportedSyntaxError, match="'late'"):
        g(1.5)
    late = 2.0
    assert g(1.5) == 6.0


def uses_transient(x):
    return TRANSIENT * x  # noqa: F821 - set and deleted by the test


def test_a_global_deleted_after_the_first_call(monkeypatch):
    monkeypatch.setattr(THIS, "TRANSIENT", 2.0, raising=False)
    g = ad.grad(uses_transient)
    assert g(1.5) == 2.0
    monkeypatch.delattr(THIS, "TRANSIENT")
    with pytest.raises(ad.UnsupportedSyntaxError, match="'TRANSIENT' is not defined"):
        g(1.5)


AXIS = 0
ARGNUM = 1


def sums_along_axis(x):
    return np.sum(x, axis=AXIS)


def sums_along(x, axis):
    return np.sum(x, axis=axis)


def sums_along_axis_through_a_helper(x):
    return sums_along(x, AXIS)


def sums_along_axis_through_a_variable(x):
    axis = AXIS
    return np.sum(x, axis=axis)


def product_with_square(x, y):
    return x * y * y


def staged_with_a_global_argnum(x):
    return ad.grad(product_with_square, argnums=ARGNUM)(x, 2.0)


def test_a_global_needed_while_compiling_is_guarded_not_an_input(monkeypatch):
    assert lowered(sums_along_axis).inputs == []
    x = np.arange(6.0).reshape(2, 3)
    sums = [ad.primal(f) for f in (sums_along_axis, sums_along_axis_through_a_helper,
                                   sums_along_axis_through_a_variable)]
    g = ad.primal(staged_with_a_global_argnum)
    assert [f(x).tolist() for f in sums] == [[3.0, 5.0, 7.0]] * 3
    assert g(3.0) == 12.0
    monkeypatch.setattr(THIS, "AXIS", 1)
    monkeypatch.setattr(THIS, "ARGNUM", 0)
    assert [f(x).tolist() for f in sums] == [[3.0, 12.0]] * 3
    assert g(3.0) == 4.0


class FreshEachRead:
    @property
    def pair(self):
        return tuple([1.0, 2.0])


FRESH = FreshEachRead()


def reads_a_fresh_object(x):
    a, b = FRESH.pair
    return a * x + b


def test_an_attribute_that_is_a_new_object_each_read_is_refused():
    with pytest.raises(ad.UnsupportedSyntaxError, match="new object each time"):
        ad.grad(reads_a_fresh_object)(1.5)
