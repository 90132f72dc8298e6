"""Tests for adcompile/pipeline.py: a `TransformSpec` names the generated function and
gives the structure of the result; `compile_transform` compiles afresh each time it is
asked (caching is `cache`'s), checking the arguments first."""

import numpy as np
import pytest

import adcompile as ad
from adcompile.ir.types import FLOAT
from adcompile.pipeline import build_ir, compile_transform, result_tree


def cube(x):
    return x * x * x


def pair_of(x, y):
    return x * y, x + y


def test_the_generated_function_is_named_after_the_function_and_each_transform():
    assert ad.grad(ad.grad(cube)).spec.python_name == "cube_grad_grad"
    assert ad.derivative(ad.primal(cube), order=3).spec.python_name == "cube_d3"
    assert ad.hessian(lambda x: x * x).spec.python_name == "lambda_fn_hessian"


def test_the_result_structure_of_each_transform():
    assert str(result_tree(ad.jacobian(pair_of, argnums=(0, 1)).spec, None)) == \
        "((*, *), (*, *))"
    assert str(result_tree(ad.value_and_grad(cube).spec, None)) == "(*, *)"
    assert str(result_tree(ad.grad(ad.grad(cube)).spec, None)) == "*"


def test_compile_transform_compiles_afresh_each_time():
    spec = ad.grad(cube).spec
    first = compile_transform(spec, [1.5], [], None)
    second = compile_transform(spec, [1.5], [], None)
    assert first is not second and first.source == second.source
    assert first.run(1.5) == 3 * 1.5 ** 2
    assert first.direct and not first.per_direction and first.positions == (0,)


def test_compile_transform_checks_the_arguments_first():
    with pytest.raises(ad.AdcompileTypeError, match="derivatives need float inputs"):
        compile_transform(ad.grad(cube).spec, [np.arange(3)], [], None)


def test_build_ir_of_a_nested_transform_is_the_outer_derivative_of_the_inner():
    ir = build_ir(ad.grad(ad.grad(cube)).spec, [FLOAT])
    assert [p.type for p in ir.params] == [FLOAT] and ir.results[0].type == FLOAT
    assert ad.grad(ad.grad(cube))(1.5) == 6 * 1.5
