"""adcompile.ir.printer: the IR as text, one op per line, regions indented, stable."""

import math
import re

import adcompile as ad
from adcompile.cache import lowered
from adcompile.pipeline import specialize
from adcompile.ir.builder import Builder
from adcompile.ir.nodes import Function, Region, Value
from adcompile.ir.types import FLOAT, INT, ArrayType
from adcompile.ir.printer import format_function, value_names

from irkit import make
from programs import goldstein_terms


def small(x, y):
    return math.sin(x * y) + x * x * y


def branches_and_loops(x, y):
    s = 0.0
    for i in range(5):
        if x > y:
            s = s + math.sin(x * i)
        elif x < 0.0:
            s = s - y
        else:
            s = s * 0.5
            if s > 10.0:
                break
    k = 0
    while k < 4 and s < 100.0:
        s = s + math.exp(x) * y
        k = k + 1
    return s


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def test_same_function_prints_the_same_from_two_compilations():
    for fun, kinds in [(small, ("grad", "hessian")),
                       (branches_and_loops, ("grad", "hessian"))]:
        for kind in kinds:
            texts = set()
            for _ in range(2):
                t = getattr(ad, kind)(fun, argnums=(0, 1))
                t(0.3, 0.7)
                texts.add(str(t.ir))
            assert len(texts) == 1, kind


def test_specialized_ir_prints_the_same_twice():
    a = format_function(specialize(branches_and_loops, [FLOAT, FLOAT]))
    b = format_function(specialize(branches_and_loops, [FLOAT, FLOAT]))
    assert a == b


def test_header_names_params_with_their_types_and_return_line():
    text = format_function(specialize(goldstein_terms, [FLOAT, INT]))
    lines = text.splitlines()
    assert lines[0] == "def goldstein_terms(x: float, y: int):"
    assert re.fullmatch(r"  return \S+", lines[-1])


def test_regions_are_indented_under_their_op():
    text = format_function(specialize(branches_and_loops, [FLOAT, FLOAT]))
    lines = text.splitlines()
    assert all(_indent(line) % 2 == 0 for line in lines)
    headers = [k for k, line in enumerate(lines)
               if re.match(r"\s*(then|else|body|test)\(.*\):$", line)]
    assert {lines[k].strip().split("(")[0] for k in headers} == {"then", "else", "body", "test"}
    for k in headers:
        owner = lines[k - 1] if not lines[k].strip().startswith("else") else None
        depth = _indent(lines[k])
        # the region's ops are two deeper than its header, up to its yield
        j = k + 1
        while not lines[j].strip().startswith("yield") or _indent(lines[j]) != depth + 2:
            assert _indent(lines[j]) >= depth + 2, (lines[k], lines[j])
            j += 1
        if owner is not None and lines[k].strip().startswith(("then", "test")):
            assert _indent(owner) == depth - 2
            assert re.search(r"= (cond|loop)\b", owner)


def test_loop_header_lists_the_index_and_carried_values_with_types():
    text = format_function(specialize(branches_and_loops, [FLOAT, FLOAT]))
    assert re.search(r"^    body\(i: int, s(\.\d+)?: float\):$", text, re.M)
    assert "loop kind='range'" in text and "loop kind='while'" in text


def test_names_come_from_hints_with_suffixes_and_percent_for_anonymous():
    x = Value("x", type=FLOAT)
    body = Region(params=[x])
    b = Builder(body)
    x1 = b.apply("sin", x, hint="x")
    x2 = b.apply("cos", x1, hint="x")
    anon = b.apply("mul", x2, x1)
    anon2 = b.apply("neg", anon)
    body.results = [anon2]
    text = format_function(Function("f", body, ["x"]))
    assert text.splitlines() == [
        "def f(x: float):",
        "  x.1: float = sin x",
        "  x.2: float = cos x.1",
        "  %0: float = mul x.2 x.1",
        "  %1: float = neg %0",
        "  return %1",
    ]


def test_op_params_print_sorted_and_untyped_values_without_a_type():
    x = Value("x")
    body = Region(params=[x])
    b = Builder(body)
    y = b.emit("neg", [x], {"zeta": 1, "alpha": "a"}).output
    body.results = [y, x]
    text = format_function(Function("f", body, ["x"], returns_tuple=True))
    assert text.splitlines() == [
        "def f(x: ?):",
        "  %0 = neg alpha='a' zeta=1 x",
        "  return (%0, x)",
    ]


def test_printing_does_not_change_the_ir():
    fn = specialize(branches_and_loops, [FLOAT, FLOAT])
    hints = [v.hint for v in fn.params]
    first = format_function(fn)
    assert format_function(fn) == first
    assert [v.hint for v in fn.params] == hints


def inner(x):
    return x * x


def stages_a_grad(x):
    return ad.grad(inner)(x) + x


def test_a_staged_transform_prints_as_its_repr():
    text = format_function(lowered(stages_a_grad).function)
    assert "apply callee=<adcompile grad(inner, argnums=0)> x" in text


def test_parameters_print_sorted_after_the_primitive():
    fn = make(lambda b, x: b.apply("sum", x, keepdims=True, axis=-1),
              ArrayType((2, 3), "float64"))
    assert "= sum axis=(1,) keepdims=True x" in format_function(fn)


def test_value_names_are_the_names_the_text_gives():
    fn = specialize(branches_and_loops, [FLOAT, FLOAT])
    names = value_names(fn)
    text = format_function(fn)
    defined = re.findall(r"([\w.%]+): \w+", text)  # every name the text types
    assert sorted(set(defined)) == sorted(names.values())
    assert len(set(names.values())) == len(names)  # one name per value
