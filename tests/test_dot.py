"""adcompile.ir.dot: the IR as Graphviz DOT, in the seeds' style."""

import re
import shutil
import subprocess

import numpy as np
import pytest

import adcompile as ad
from adcompile.pipeline import specialize
from adcompile.ir.dot import function_to_dot
from adcompile.ir.types import ArrayType, FLOAT, INT

from programs import my_sin, newton_sqrt, piecewise, taylor_sin


def poly(x, y):
    t = x * y + 3.0
    return t * t - y


def long_loop(x):
    s = 0.0
    for i in range(100000):
        s = s + x * 1e-5
    return s


def short_loop(x):
    s = 0.0
    for i in range(10):
        s = s + x * 1e-5
    return s


def quoted_names(x):
    return np.sin(x) * x


def operands(x, y):
    return (x - y) / (y ** x) + x * y


def linear(x):
    return 2.0 * x


NODE = re.compile(r'^\s*(\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\]$')
EDGE = re.compile(r'^\s*(\d+) -> (\d+)(?: \[(?:label="([^"]*)")?(?:, )?(style=dashed)?\])?$')
CLUSTER_LINE = re.compile(r'^\s*(subgraph cluster_\d+ \{|label="((?:[^"\\]|\\.)*)"|\})$')


def _parse(dot):
    """({node: (label, attributes)}, [(tail, head, edge label or None, dashed)], titles)"""
    lines = dot.splitlines()
    assert lines[0] == "digraph {" and lines[-1] == "}"
    nodes, edges, titles = {}, [], []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = (m.group(2), m.group(3))
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2), m.group(3), bool(m.group(4))))
        else:
            m = CLUSTER_LINE.match(line)
            assert m, line
            if m.group(2) is not None:
                titles.append(m.group(2))
    return nodes, edges, titles


def _kinds(nodes):
    kinds = {}
    for node, (_, attrs) in nodes.items():
        if attrs == "color=orange, style=filled":
            kinds[node] = "value"
        elif attrs == "color=lightblue, style=filled, shape=box":
            kinds[node] = "op"
        else:
            raise AssertionError(f"node {node} has attributes {attrs!r}")
    return kinds


def _by_label(nodes):
    found = {}
    for node, (label, _) in nodes.items():
        found.setdefault(label, []).append(node)
    return found


CASES = [(poly, [FLOAT, FLOAT]), (piecewise, [FLOAT]), (taylor_sin, [FLOAT]),
         (newton_sqrt, [FLOAT]), (long_loop, [FLOAT]), (quoted_names, [ArrayType((3,), "float64")])]


def _graphs():
    """The DOT of each case, of its gradient and of its Hessian, with an id for each."""
    for fun, types in CASES:
        yield fun.__name__, function_to_dot(specialize(fun, types))
    for fun, x in [(taylor_sin, 0.5), (piecewise, 0.5), (newton_sqrt, 2.0), (my_sin, 0.5)]:
        for transform in (ad.grad, ad.hessian):
            yield f"{transform.__name__}({fun.__name__})", ad.to_dot(transform(fun), x)


GRAPHS = dict(_graphs())


@pytest.mark.parametrize("name", GRAPHS)
def test_seed_style_values_orange_ellipses_ops_lightblue_boxes(name):
    nodes, edges, _ = _parse(GRAPHS[name])
    kinds = _kinds(nodes)
    assert "value" in kinds.values() and "op" in kinds.values()
    # every edge runs value -> op or op -> value, between declared nodes
    for a, b, _, _ in edges:
        assert {kinds[a], kinds[b]} == {"value", "op"}, (a, b)
    # every op has an edge out to the values it defines, or only an effect (push)
    for node, kind in kinds.items():
        if kind == "op":
            assert any(a == node for a, _, _, _ in edges) or nodes[node][0] == "push"


@pytest.mark.parametrize("name", GRAPHS)
def test_no_orphan_nodes_and_one_label_per_value(name):
    nodes, edges, _ = _parse(GRAPHS[name])
    connected = {a for a, _, _, _ in edges} | {b for _, b, _, _ in edges}
    assert set(nodes) == connected
    # values are labelled with the printer's unique names; only constants, drawn at
    # each use, repeat a label
    for label, found in _by_label(nodes).items():
        if len(found) > 1 and _kinds(nodes)[found[0]] == "value":
            assert re.fullmatch(r"-?[\d.e+-]+|True|False", label), label


@pytest.mark.parametrize("fun, types", CASES, ids=[c[0].__name__ for c in CASES])
def test_ids_are_numbered_in_order(fun, types):
    nodes, _, _ = _parse(function_to_dot(specialize(fun, types)))
    assert [int(n) for n in nodes] == list(range(1, len(nodes) + 1))


def test_poly_graph_shape():
    nodes, edges, _ = _parse(function_to_dot(specialize(poly, [FLOAT, FLOAT])))
    by_label = _by_label(nodes)
    x, y = by_label["x: float"][0], by_label["y: float"][0]
    mul = [n for n in by_label["mul"] if (x, n, None, False) in edges
           and (y, n, None, False) in edges]
    assert len(mul) == 1
    # the constant is drawn as a value labelled with the number
    assert "3.0" in by_label
    assert "const" not in by_label
    # t * t - y: y is the second operand of the subtraction
    (sub,) = by_label["sub"]
    assert (y, sub, "2", False) in edges
    assert [label for _, head, label, _ in edges if head == sub] == ["1", "2"]


def test_operand_positions_mark_the_operations_that_cannot_swap_them():
    nodes, edges, _ = _parse(function_to_dot(specialize(operands, [FLOAT, FLOAT])))
    by_label = _by_label(nodes)
    x, y = by_label["x: float"][0], by_label["y: float"][0]
    into = lambda op: sorted((tail, label) for tail, head, label, _ in edges  # noqa: E731
                             if head == by_label[op][0])
    # y ** x: y is the base, x the exponent
    assert into("pow") == sorted([(y, "1"), (x, "2")])
    assert sorted(label for _, label in into("sub")) == ["1", "2"]
    assert sorted(label for _, label in into("div")) == ["1", "2"]
    assert into("mul") == sorted([(x, None), (y, None)])
    assert [label for _, label in into("add")] == [None, None]


def test_regions_are_clusters_titled_by_role():
    dot = function_to_dot(specialize(newton_sqrt, [FLOAT]))
    nodes, edges, titles = _parse(dot)
    assert titles == ["test", "then", "else", "body\\ncarries y.2, n.3"]
    (loop,) = _by_label(nodes)["while"]
    # the test's truth value and the body's exit flag flow back by labelled dashed edges
    assert {label for _, head, label, dashed in edges if head == loop and dashed} >= {
        "while", "exit"}
    _, _, titles = _parse(function_to_dot(specialize(piecewise, [FLOAT])))
    assert titles.count("then") == 2 and titles.count("else") == 2
    assert "if" in _by_label(_parse(function_to_dot(specialize(piecewise, [FLOAT])))[0])


def test_a_range_loop_shows_its_range_and_what_it_carries():
    nodes, edges, titles = _parse(function_to_dot(specialize(long_loop, [FLOAT])))
    (loop,) = _by_label(nodes)["for i in range(100000)"]
    assert titles == ["body\\ncarries s.2"]
    # the constant bounds are in the label; the carried value's start is an edge
    into = [(nodes[tail][0], label) for tail, head, label, dashed in edges
            if head == loop and not dashed]
    assert into == [("0.0", "s.2")]
    back = sorted(label for _, head, label, dashed in edges if head == loop and dashed)
    assert back == ["exit", "s.2"]


def test_gradient_loops_are_titled_forward_and_reverse_sweep():
    nodes, edges, titles = _parse(GRAPHS["grad(my_sin)"])
    assert titles == ["forward sweep\\ncarries trip", "reverse sweep\\ncarries bx.1"]
    by_label = _by_label(nodes)
    (reverse,) = by_label["for _ in range(trips)"]
    # a bound that is a value arrives by an edge saying which bound it is
    assert (by_label["trips: int"][0], reverse, "stop", False) in edges
    # the reverse sweep's unused index is not drawn
    assert not any(label.startswith("_") for label in by_label)
    # forward over reverse: the copies keep their titles
    _, _, titles = _parse(GRAPHS["hessian(my_sin)"])
    assert [t.split("\\n")[0] for t in titles] == ["forward sweep", "reverse sweep"]


def test_a_constant_result_is_drawn():
    nodes, edges, _ = _parse(ad.to_dot(ad.grad(linear), 1.0))
    assert [label for label, _ in nodes.values()] == ["2.0"] and edges == []


def test_values_show_their_type_and_verbose_adds_the_dtype():
    array = [ArrayType((3,), "float64")]
    plain = function_to_dot(specialize(quoted_names, array))
    verbose = function_to_dot(specialize(quoted_names, array), verbose=True)
    assert '[label="x: (3,)", ' in plain
    assert '[label="x: (3,) float64", ' in verbose
    scalar = function_to_dot(specialize(poly, [FLOAT, INT]))
    assert '[label="x: float", ' in scalar and '[label="y: int", ' in scalar
    assert '[label="3.0", ' in scalar
    assert '[label="3.0: float", ' in function_to_dot(specialize(poly, [FLOAT, INT]),
                                                      verbose=True)
    # nothing but labels changes
    strip = lambda text: re.sub(r'label="[^"]*"', "", text)  # noqa: E731
    assert strip(plain) == strip(verbose)


def total(x):
    return np.sum(x * x)


def test_to_dot_draws_the_version_for_the_example_arguments():
    g = ad.grad(total)
    on_floats = ad.to_dot(g, 0.5)
    on_arrays = ad.to_dot(g, np.ones((2, 3)), verbose=True)
    assert '[label="x: float", ' in on_floats
    assert '[label="x: (2, 3) float64", ' in on_arrays
    # without arguments: the last version drawn or called
    assert ad.to_dot(g, verbose=True) == on_arrays
    with pytest.raises(ad.AdcompileTypeError, match="total"):
        ad.to_dot(g, 1.0, 2.0)


def test_dot_size_does_not_depend_on_the_loop_bound():
    big = function_to_dot(specialize(long_loop, [FLOAT]))
    small = function_to_dot(specialize(short_loop, [FLOAT]))
    assert len(big.splitlines()) == len(small.splitlines())
    # the only difference is the bound in the loop's label: "100000" against "10"
    assert big.replace("100000", "10") == small
    assert len(big) < 5000


def test_deterministic_across_two_compilations():
    for fun, types in CASES:
        assert function_to_dot(specialize(fun, types)) == function_to_dot(specialize(fun, types))
    g1, g2 = ad.grad(taylor_sin), ad.grad(taylor_sin)
    assert ad.to_dot(g1, 0.5) == ad.to_dot(g2, 0.5)
    assert ad.to_dot(g1, 0.5, verbose=True) == ad.to_dot(g2, 0.5, verbose=True)


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


@needs_dot
def test_real_dot_accepts_the_output():
    texts = list(GRAPHS.values()) + [function_to_dot(specialize(fun, types), verbose=True)
                                     for fun, types in CASES]
    # one `dot` process for all graphs: a file of several graphs is valid DOT
    done = subprocess.run(["dot", "-Tsvg"], input="\n".join(texts).encode(),
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.count(b"<svg") == len(texts)
    assert not done.stderr.strip(), done.stderr.decode()


def summed(x):
    return np.sum(x * x, axis=0, keepdims=True)


def test_operations_are_labelled_with_their_parameters():
    dot = function_to_dot(specialize(summed, [ArrayType((2, 3), "float64")]))
    assert 'label="sum axis=(0,) keepdims=True"' in dot


def numpy_scalar(x):
    return np.tanh(x)


def test_a_numpy_scalar_is_labelled_with_its_dtype():
    nodes, _, _ = _parse(function_to_dot(specialize(numpy_scalar, [FLOAT])))
    values = [label for label, attrs in nodes.values() if "shape=box" not in attrs]
    assert values == ["x: float", "%0: float64", "%1: float64"]
