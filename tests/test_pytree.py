"""Tests for adcompile/pytree.py: taking containers apart into leaves and back."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pytest

from adcompile.pytree import (LEAF, compose, flatten, leaf_names, leaf_paths, nesting,
                              tuple_of, unflatten)


class Layer(NamedTuple):
    w: object
    b: object


NESTED = {"layers": [Layer(1.0, 2.0), Layer(np.ones(2), 3.0)], "scale": (4.0,),
          "extra": None}


def test_leaves_come_in_sorted_key_order_and_go_back_into_the_same_structure():
    leaves, tree = flatten(NESTED)
    assert leaves[:2] == [1.0, 2.0] and leaves[3:] == [3.0, 4.0]  # extra: no leaves
    assert tree.size == 5
    rebuilt = unflatten(tree, leaves)
    assert list(rebuilt) == ["extra", "layers", "scale"]
    assert type(rebuilt["layers"][1]) is Layer and rebuilt["layers"][1].b == 3.0
    assert rebuilt["extra"] is None and rebuilt["scale"] == (4.0,)
    assert isinstance(rebuilt["layers"], list)


def test_structures_compare_by_kind_keys_and_children():
    assert flatten({"a": 1.0, "b": 2.0})[1] == flatten({"b": 5.0, "a": 6.0})[1]
    assert flatten((1.0, 2.0))[1] != flatten([1.0, 2.0])[1]
    assert flatten(Layer(1.0, 2.0))[1] != flatten((1.0, 2.0))[1]
    assert flatten({"a": 1.0})[1] != flatten({"b": 1.0})[1]
    assert flatten(2.0)[1] == LEAF


def test_a_string_is_part_of_the_structure_with_no_leaves():
    leaves, tree = flatten({"w": 1.0, "mode": "fast"})
    assert leaves == [1.0] and tree.size == 1
    assert tree != flatten({"w": 1.0, "mode": "slow"})[1]  # each string compiles once
    assert str(tree) == "{'mode': 'fast', 'w': *}"
    assert unflatten(tree, [2.0]) == {"mode": None, "w": 2.0}  # a gradient has none there
    assert unflatten(tree, [2.0], constant=lambda v: v) == {"mode": "fast", "w": 2.0}


def test_paths_and_names_say_how_the_user_reaches_each_leaf():
    tree = flatten(NESTED)[1]
    assert leaf_paths(tree, "p") == ["p['layers'][0].w", "p['layers'][0].b",
                                     "p['layers'][1].w", "p['layers'][1].b",
                                     "p['scale'][0]"]
    assert leaf_names(tree, "p") == ["p_layers_0_w", "p_layers_0_b", "p_layers_1_w",
                                     "p_layers_1_b", "p_scale_0"]
    assert str(flatten({"a": (1.0, None)})[1]) == "{'a': (*, None)}"


def test_a_jacobians_structure_puts_the_inputs_in_place_of_each_output_leaf():
    outputs = flatten({"u": 1.0, "v": (1.0, 1.0)})[1]
    inputs = flatten((1.0, 1.0))[1]
    composed = compose(outputs, inputs)
    assert composed.size == 6
    assert unflatten(composed, range(6)) == {"u": (0, 1), "v": ((2, 3), (4, 5))}


def test_plain_tuples_give_the_nesting_codegen_returns():
    tree = tuple_of([tuple_of([LEAF, LEAF]), LEAF])
    assert tree.is_tuple_nest and nesting(tree) == ((0, 1), 2)
    assert not flatten([1.0])[1].is_tuple_nest


def test_a_subclass_of_tuple_that_is_not_a_namedtuple_is_a_leaf():
    class Pair(tuple):
        pass
    leaves, tree = flatten(Pair((1.0, 2.0)))
    assert tree == LEAF and len(leaves) == 1


@pytest.mark.parametrize("keys", [[2, "a", 1], [(1, 2), "b"]])
def test_keys_that_do_not_compare_still_have_one_order(keys):
    mapping = dict.fromkeys(keys, 1.0)
    reordered = dict.fromkeys(reversed(keys), 1.0)
    assert flatten(mapping)[1] == flatten(reordered)[1]
