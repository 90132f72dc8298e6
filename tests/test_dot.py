"""adcompile.ir.dot: the IR as Graphviz DOT, in the seeds' style."""

import re
import shutil
import subprocess

import numpy as np
import pytest

import adcompile as ad
from adcompile.api import specialize
from adcompile.ir.dot import function_to_dot
from adcompile.ir.types import ArrayType, FLOAT, INT

from programs import newton_sqrt, piecewise, taylor_sin


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


NODE = re.compile(r'^\s*(\d+) \[label="((?:[^"\\]|\\.)*)", (.*)\]$')
EDGE = re.compile(r"^\s*(\d+) -> (\d+)( \[style=dashed\])?$")


def _parse(dot):
    lines = dot.splitlines()
    assert lines[0] == "digraph {" and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        if m := NODE.match(line):
            assert m.group(1) not in nodes, f"node {m.group(1)} declared twice"
            nodes[m.group(1)] = (m.group(2), m.group(3))
        elif m := EDGE.match(line):
            edges.append((m.group(1), m.group(2), bool(m.group(3))))
        else:
            assert re.match(r'^\s*(subgraph cluster_\d+ \{|label="\w+"|\})$', line), line
    return nodes, edges


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


CASES = [(poly, [FLOAT, FLOAT]), (piecewise, [FLOAT]), (taylor_sin, [FLOAT]),
         (newton_sqrt, [FLOAT]), (long_loop, [FLOAT]), (quoted_names, [ArrayType((3,), "float64")])]


@pytest.mark.parametrize("fun, types", CASES, ids=[c[0].__name__ for c in CASES])
def test_seed_style_values_orange_ellipses_ops_lightblue_boxes(fun, types):
    nodes, edges = _parse(function_to_dot(specialize(fun, types)))
    kinds = _kinds(nodes)
    assert "value" in kinds.values() and "op" in kinds.values()
    # every edge runs value -> op or op -> value, between declared nodes
    for a, b, _ in edges:
        assert {kinds[a], kinds[b]} == {"value", "op"}, (a, b)
    # every op has an edge out to the values it defines, or is a structured op
    for node, kind in kinds.items():
        if kind == "op":
            assert any(a == node for a, _, _ in edges) or nodes[node][0].startswith("push")


@pytest.mark.parametrize("fun, types", CASES, ids=[c[0].__name__ for c in CASES])
def test_ids_are_numbered_in_order(fun, types):
    nodes, _ = _parse(function_to_dot(specialize(fun, types)))
    assert [int(n) for n in nodes] == list(range(1, len(nodes) + 1))


def test_poly_graph_shape():
    dot = function_to_dot(specialize(poly, [FLOAT, FLOAT]))
    nodes, edges = _parse(dot)
    labels = {node: label for node, (label, _) in nodes.items()}
    by_label = {}
    for node, label in labels.items():
        by_label.setdefault(label, []).append(node)
    x, y = by_label["x"][0], by_label["y"][0]
    mul = [n for n in by_label["mul"] if (x, n, False) in edges and (y, n, False) in edges]
    assert len(mul) == 1
    # the constant is drawn as a value labelled with the number
    assert "3.0" in labels.values()
    assert "const" not in labels.values()


def test_regions_are_clusters_labelled_by_role():
    dot = function_to_dot(specialize(newton_sqrt, [FLOAT]))
    assert re.findall(r'label="(test|body|then|else)"', dot).count("test") == 1
    assert 'label="body"' in dot
    assert '[label="loop while"' in dot
    dot = function_to_dot(specialize(piecewise, [FLOAT]))
    assert dot.count('label="then"') == 2 and dot.count('label="else"') == 2
    # a region's results flow to its op by dashed edges
    assert "[style=dashed]" in dot


def test_verbose_adds_dtype_and_shape():
    plain = function_to_dot(specialize(quoted_names, [ArrayType((3,), "float64")]))
    verbose = function_to_dot(specialize(quoted_names, [ArrayType((3,), "float64")]), verbose=True)
    assert '[label="x", ' in plain
    assert '[label="x: (3,) float64", ' in verbose
    scalar = function_to_dot(specialize(poly, [FLOAT, INT]), verbose=True)
    assert '[label="x: float", ' in scalar and '[label="y: int", ' in scalar
    assert '[label="3.0: float", ' in scalar
    # nothing but labels changes
    strip = lambda text: re.sub(r'label="[^"]*"', "", text)  # noqa: E731
    assert strip(plain) == strip(verbose)


def test_dot_size_does_not_depend_on_the_loop_bound():
    big = function_to_dot(specialize(long_loop, [FLOAT]))
    small = function_to_dot(specialize(short_loop, [FLOAT]))
    assert len(big.splitlines()) == len(small.splitlines())
    # the only difference is the bound's label: "100000" against "10"
    assert len(big) - len(small) == len("100000") - len("10")
    assert big.replace("100000", "10") == small
    assert len(big) < 5000


def test_deterministic_across_two_compilations():
    for fun, types in CASES:
        assert function_to_dot(specialize(fun, types)) == function_to_dot(specialize(fun, types))
    g1, g2 = ad.grad(taylor_sin), ad.grad(taylor_sin)
    g1(0.5)
    g2(0.5)
    assert ad.to_dot(g1) == ad.to_dot(g2)
    assert ad.to_dot(g1, verbose=True) == ad.to_dot(g2, verbose=True)


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz not installed")


@needs_dot
def test_real_dot_accepts_the_output():
    texts = [function_to_dot(specialize(fun, types), verbose=verbose)
             for fun, types in CASES for verbose in (False, True)]
    for fun, x in [(taylor_sin, 0.5), (piecewise, 0.5), (newton_sqrt, 2.0)]:
        for transform in (ad.grad, ad.hessian):
            t = transform(fun)
            t(x)
            texts.append(ad.to_dot(t, verbose=True))
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
