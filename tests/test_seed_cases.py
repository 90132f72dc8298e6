"""The 17 seed cases of /work/shared/SEED_CASES.md, one test each, with the numbers and
tolerances given there (exact where the case gives an exact number).

The functions differentiated here are the ones in `examples/`, loaded from their files:
the tests check the code people copy, and that importing an example has no side effects.

Rendering tests use Graphviz's real `dot` when it is on PATH; without it they check that
`ad.plot` raises `ad.GraphvizNotFoundError` naming an install command (never a skip).
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import adcompile as ad

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DOT = shutil.which("dot")
INSTALL_COMMAND = re.compile(r"(apt-get|apt|brew|conda|choco|winget|pip) install")


@functools.lru_cache(maxsize=None)
def example(name: str):
    """The module examples/<name>.py, imported without running its main()."""
    spec = importlib.util.spec_from_file_location(f"adcompile_example_{name}",
                                                  EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_close(got, want, abs_tol=0.0, rel_tol=0.0):
    """|got - want| <= max(abs_tol, rel_tol * |want|), elementwise for tuples."""
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want), (got, want)
        for g, w in zip(got, want):
            assert_close(g, w, abs_tol, rel_tol)
        return
    assert abs(got - want) <= max(abs_tol, rel_tol * abs(want)), \
        f"got {got!r}, want {want!r} (abs_tol={abs_tol}, rel_tol={rel_tol})"


# ---- DOT text, parsed enough to check what the seeds draw ---------------------------

_NODE = re.compile(r'^\s*(\d+) \[(.*)\]\s*$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\s\]]+)')
_EDGE = re.compile(r'^\s*(\d+) -> (\d+)')


def parse_dot(text: str):
    """({node id: {attribute: value}}, [(from id, to id)]) of a DOT text."""
    nodes, edges = {}, []
    for line in text.splitlines():
        if m := _NODE.match(line):
            nodes[m[1]] = {k: v.strip('"') for k, v in _ATTR.findall(m[2])}
        elif m := _EDGE.match(line):
            edges.append((m[1], m[2]))
    return nodes, edges


def is_value(attrs):
    return attrs.get("color") == "orange" and attrs.get("style") == "filled" \
        and attrs.get("shape", "ellipse") == "ellipse"


def is_op(attrs):
    return attrs.get("color") == "lightblue" and attrs.get("style") == "filled" \
        and attrs.get("shape") == "box"


def assert_dot_accepts(text: str):
    """The real `dot` parses and lays out `text` as written, without a warning."""
    done = subprocess.run([DOT, "-Tsvg"], input=text.encode(), capture_output=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr.decode().strip() == "", done.stderr.decode()
    assert b"<svg" in done.stdout


def assert_plot(fun, path: Path, magic: bytes):
    """ad.plot renders `fun` to `path` with dot; without dot it says how to install it."""
    if DOT:
        assert ad.plot(fun, path) == str(path)
        assert path.read_bytes().startswith(magic)
    else:
        with pytest.raises(ad.GraphvizNotFoundError) as err:
            ad.plot(fun, path)
        assert INSTALL_COMMAND.search(str(err.value)), str(err.value)
        assert not path.exists()


PNG = b"\x89PNG\r\n\x1a\n"


# ---- cases 1-3: benchmark gradients -------------------------------------------------

def test_case01_sphere():
    sphere = example("sphere_matyas_goldstein").sphere
    assert ad.grad(sphere, argnums=(0, 1))(1.0, 1.0) == (2.0, 2.0)


def test_case02_matyas():
    matyas = example("sphere_matyas_goldstein").matyas
    assert_close(ad.grad(matyas, argnums=(0, 1))(1.0, 1.0), (0.04, 0.04), abs_tol=1e-12)


def test_case03_goldstein():
    goldstein = example("sphere_matyas_goldstein").goldstein
    assert ad.grad(goldstein, argnums=(0, 1))(1.0, 1.0) == (-5376.0, 8064.0)


# ---- cases 4-5: graphs --------------------------------------------------------------

def test_case04_dot_of_x0_plus_x1():
    f = example("dot_graph").x0_plus_x1
    nodes, edges = parse_dot(ad.to_dot(f))
    values = {attrs["label"]: node for node, attrs in nodes.items() if is_value(attrs)}
    ops = [node for node, attrs in nodes.items() if is_op(attrs)]
    # each value says its name and type
    assert set(values) == {"x0: float", "x1: float", "y: float"}
    assert len(ops) == 1 and len(nodes) == 4, nodes
    op = ops[0]
    assert nodes[op]["label"] == "add"
    assert sorted(edges) == sorted([(values["x0: float"], op), (values["x1: float"], op),
                                    (op, values["y: float"])])

    # on arrays, a value says its shape; verbose adds the dtype, as the seeds' verbose
    for verbose, details in [(False, "(2, 3)"), (True, "(2, 3) float64")]:
        nodes, edges2 = parse_dot(ad.to_dot(f, np.ones((2, 3)), np.ones((2, 3)),
                                            verbose=verbose))
        labels = sorted(a["label"] for a in nodes.values() if is_value(a))
        assert labels == [f"{name}: {details}" for name in ("x0", "x1", "y")]
        assert [a["label"] for a in nodes.values() if is_op(a)] == ["add"]
        assert sorted(edges2) == sorted(edges)


def test_case05_goldstein_graph(tmp_path):
    goldstein = example("goldstein_graph").goldstein
    text = ad.to_dot(goldstein)
    # plain standard DOT: an anonymous digraph (seed 003: a build rejected `digraph g {`)
    assert text.splitlines()[0] == "digraph {"
    assert text.rstrip().endswith("}")
    nodes, edges = parse_dot(text)
    assert {"x: float", "y: float"} <= {a["label"] for a in nodes.values() if is_value(a)}
    assert all(is_value(a) or is_op(a) for a in nodes.values())
    assert all(a in nodes and b in nodes for a, b in edges)
    if DOT:
        assert_dot_accepts(text)
    assert_plot(goldstein, tmp_path / "goldstein.png", PNG)


def test_plot_without_dot_names_an_install_command(tmp_path, monkeypatch):
    """Whatever this machine has: hide `dot`, and ad.plot must say how to install it."""
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    goldstein = example("goldstein_graph").goldstein
    with pytest.raises(ad.GraphvizNotFoundError) as err:
        ad.plot(goldstein, tmp_path / "goldstein.png")
    assert INSTALL_COMMAND.search(str(err.value)), str(err.value)
    assert not (tmp_path / "goldstein.png").exists()


# ---- cases 6-8: sin, and sin as a Taylor series -------------------------------------

def test_case06_sin():
    sin = example("sin").sin
    value, slope = ad.value_and_grad(sin)(np.pi / 4)
    # The seed prints 0.7071067811865476 for the value. sin of the float pi/4 rounds
    # correctly to 0.7071067811865475, one ulp below (the seed's NumPy build was off by
    # one ulp): accept the seed's number to within one ulp, and demand NumPy's exactly.
    assert abs(value - 0.7071067811865476) <= np.spacing(0.7071067811865476)
    assert value == np.sin(np.pi / 4)
    assert slope == 0.7071067811865476
    assert type(value) is float and type(slope) is float


def test_case07_my_sin():
    my_sin = example("my_sin").my_sin
    value, slope = ad.value_and_grad(my_sin)(np.pi / 4)
    assert_close(value, 0.7071064695751781, abs_tol=1e-12)
    assert_close(slope, 0.7071032148228457, abs_tol=1e-12)
    assert ad.grad(my_sin)(np.pi / 4, 0.0001) == slope


def test_case08_my_sin_fine_threshold_and_its_graph():
    m = example("my_sin")
    value, slope = ad.value_and_grad(m.my_sin)(np.pi / 4, 1e-150)
    assert_close(value, math.sin(np.pi / 4), abs_tol=1e-15)
    assert_close(slope, math.cos(np.pi / 4), abs_tol=1e-15)
    assert_close(ad.grad(m.my_sin_fine)(np.pi / 4), math.cos(np.pi / 4), abs_tol=1e-15)

    # The graph shows the loop once (one cluster), not 5 or 90 unrolled copies: it is
    # the same size for both thresholds ("0.0001" and "1e-150" even have equal length).
    coarse, fine = ad.to_dot(m.my_sin_coarse), ad.to_dot(m.my_sin_fine)
    assert len(coarse) == len(fine)
    assert coarse.count("\n") == fine.count("\n")
    for text in (coarse, fine):
        nodes, _ = parse_dot(text)
        assert text.count("subgraph cluster") == 1
        assert [a["label"] for a in nodes.values()].count("factorial") == 1
        assert len(nodes) < 60
    # the same holds for the gradient programs
    assert len(ad.to_dot(ad.grad(m.my_sin_coarse))) == len(ad.to_dot(ad.grad(m.my_sin_fine)))
    if DOT:
        assert_dot_accepts(fine)
        assert_dot_accepts(ad.to_dot(ad.grad(m.my_sin_fine)))


# ---- cases 9-11: Rosenbrock ---------------------------------------------------------

def test_case09_rosenbrock():
    rosenbrock = example("rosenbrock").rosenbrock
    assert ad.grad(rosenbrock, argnums=(0, 1))(0.0, 2.0) == (-2.0, 400.0)


def test_case10_gradient_descent():
    m = example("gradient_descent")
    after_1000 = m.gradient_descent(0.0, 2.0, lr=0.001, iters=1000)
    assert_close(after_1000, (0.68371, 0.46595), abs_tol=1e-5)
    after_50000 = m.gradient_descent(*after_1000, lr=0.001, iters=49000)
    assert_close(after_50000, (0.99999999937, 0.99999999874), abs_tol=1e-9)

    # the loop compiled as a whole, grad inlined into it, gives the same numbers
    descend = ad.primal(m.descend)
    assert descend(0.0, 2.0, 0.001, 1000) == after_1000
    assert descend(0.0, 2.0, 0.001, 50000) == after_50000


def test_case11_newton_rosenbrock():
    m = example("newton_rosenbrock")
    assert ad.hessian(m.rosenbrock, argnums=(0, 1))(0.0, 2.0) == ((-798.0, 0.0), (0.0, 200.0))
    path = m.newton(0.0, 2.0, steps=6)
    assert len(path) == 7
    errors = [float(np.max(np.abs(p - 1.0))) for p in path]
    assert min(errors) <= 1e-12, errors
    assert errors[-1] <= 1e-12, errors


# ---- cases 12-13: second derivatives, Newton in one dimension -----------------------

def test_case12_second_derivative_has_no_accumulation_trap():
    f = example("second_derivative").f
    df, d2f = ad.grad(f), ad.grad(ad.grad(f))
    assert df(2.0) == 24.0
    assert d2f(2.0) == 44.0                # not 68: there is no tape to forget to clear
    assert df(2.0) == 24.0 and d2f(2.0) == 44.0
    assert ad.derivative(f, order=2)(2.0) == 44.0
    assert ad.derivative(f, order=1)(2.0) == 24.0


def test_case13_newton_1d():
    m = example("newton_1d")
    expected = [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
                1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0]
    xs = m.newton(2.0, iters=10)
    assert_close(xs[:8], expected, abs_tol=1e-15)
    assert xs[8:] == [1.0, 1.0]


# ---- cases 14-16: higher derivatives ------------------------------------------------

def test_case14_sin_higher_derivatives():
    sin = example("sin_higher").sin
    expected = {2: -0.8414709848078965, 3: -0.5403023058681398, 4: 0.8414709848078965}
    for order, want in expected.items():
        assert_close(ad.derivative(sin, order=order)(1.0), want, rel_tol=1e-15)
    assert_close(ad.grad(ad.grad(sin))(1.0), expected[2], rel_tol=1e-15)
    assert_close(ad.grad(ad.grad(ad.grad(sin)))(1.0), expected[3], rel_tol=1e-15)
    assert_close(ad.grad(ad.grad(ad.grad(ad.grad(sin))))(1.0), expected[4], rel_tol=1e-15)


def test_case15_derivatives_of_sin_on_an_array():
    sin = example("sin_plot").sin
    xs = np.linspace(-7, 7, 200)
    references = [np.sin(xs), np.cos(xs), -np.sin(xs), -np.cos(xs)]
    for order, want in enumerate(references):
        got = ad.derivative(sin, order=order)(xs)     # one call for all 200 points
        assert isinstance(got, np.ndarray) and got.shape == (200,)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)


@functools.lru_cache(maxsize=None)
def _tanh_derivatives_at_1() -> tuple[float, ...]:
    """d^k/dx^k tanh(x) at x = 1, k = 1..8, from sympy (or its numbers, if it is absent)."""
    try:
        import sympy
    except ImportError:  # computed with sympy, as below
        return (0.4199743416140261, -0.6397000084492245, 0.6216266807712962,
                0.6650910447505016, -5.55689355847372, 13.624075441312105,
                12.288367894320364, -277.062135603031)
    import mpmath  # sympy's own dependency; evaluates the closed forms to 40 digits
    x = sympy.Symbol("x")
    derivative, values = sympy.tanh(x), []
    with mpmath.workdps(40):
        for _ in range(8):
            derivative = sympy.diff(derivative, x)
            values.append(float(sympy.lambdify(x, derivative, "mpmath")(mpmath.mpf(1))))
    return tuple(values)


def test_case16_tanh_orders_1_to_8(tmp_path):
    tanh = example("tanh_orders").tanh
    sizes = []
    for order, want in enumerate(_tanh_derivatives_at_1(), start=1):
        d = ad.derivative(tanh, order=order)
        assert_close(d(1.0), want, rel_tol=1e-12)
        text = ad.to_dot(d)
        nodes, edges = parse_dot(text)
        assert nodes and all(is_value(a) or is_op(a) for a in nodes.values())
        sizes.append((len(nodes), len(edges)))
        assert_plot(d, tmp_path / f"tanh_d{order}.svg", b"<")
    print("tanh derivative graphs (nodes, edges), order 1..8:", sizes)
    # the example's closed form agrees with sympy's too
    closed_form = example("tanh_orders").tanh_derivative_closed_form
    for order, want in enumerate(_tanh_derivatives_at_1(), start=1):
        assert_close(closed_form(order, 1.0), want, rel_tol=1e-12)


# ---- case 17: double backprop -------------------------------------------------------

def test_case17_double_backprop():
    z_of = example("double_backprop").z_of
    assert ad.primal(z_of)(2.0) == 68.0
    assert ad.grad(z_of)(2.0) == 100.0
