"""Tests for adcompile/arguments.py: flattening a call's arguments, finding what argnums
selects (including elements of *args), and naming leaves in messages."""

from __future__ import annotations

import inspect

import pytest

import adcompile as ad
from adcompile.arguments import (call_with, flatten_arguments, leaf_descriptions,
                                 selected_arguments, unflatten_arguments)


def model(params, x, *rest, scale=1.0, **options):
    return params, x, rest, scale, options


SIGNATURE = inspect.signature(model)


def test_a_call_of_leaves_only_keeps_the_fast_form():
    values = [1.0, 2.0]
    leaves, trees = flatten_arguments(values)
    assert leaves is values and trees is None


def test_arguments_flatten_and_unflatten_and_call_the_function_the_same_way():
    bound = [{"w": 1.0, "b": 2.0}, 3.0, (4.0, 5.0), 6.0, {"mode": 7}]
    leaves, trees = flatten_arguments(bound)
    assert leaves == [2.0, 1.0, 3.0, 4.0, 5.0, 6.0, 7]
    values = unflatten_arguments(SIGNATURE, trees, leaves)
    assert values == bound
    assert call_with(model, SIGNATURE, values) == (
        {"w": 1.0, "b": 2.0}, 3.0, (4.0, 5.0), 6.0, {"mode": 7})


def test_argnums_past_the_named_parameters_select_elements_of_star_args():
    bound = [{"w": 1.0, "b": 2.0}, 3.0, (4.0, (5.0, 6.0)), 1.0, {}]
    _, trees = flatten_arguments(bound)
    selected = selected_arguments("grad(model)", SIGNATURE, trees, (0, 3))
    assert [(s.name, s.start, s.tree.size) for s in selected] == [("params", 0, 2),
                                                                  ("rest[1]", 4, 2)]
    with pytest.raises(ad.AdcompileTypeError, match="position 4 is out of range: the "
                       "call passed 4 positional arguments"):
        selected_arguments("grad(model)", SIGNATURE, trees, (4,))


def test_leaves_are_named_by_their_path():
    _, trees = flatten_arguments([{"w": 1.0}, 3.0, (), 1.0, {"n": 2}])
    assert leaf_descriptions(SIGNATURE, trees) == [
        "argument 'params' at params['w']", "argument 'x'", "argument 'scale'",
        "argument 'options' at options['n']"]
