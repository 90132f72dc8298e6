"""adcompile.ir.types: abstract values, NumPy 2 promotion with weak Python scalars, joins."""

import numpy as np
import pytest

from adcompile.ir.types import (BOOL, FLOAT, INT, NONE, TAPE, ArrayType, ListType,
                                ShapeMismatch, TapeType, TupleType, broadcast, elementwise,
                                join, promote, type_of)

F3 = ArrayType((3,), "float64")


@pytest.mark.parametrize("value, expected", [
    (1.5, FLOAT), (3, INT), (True, BOOL), (None, NONE),
    (np.float64(1.0), ArrayType((), "float64")), (np.int64(2), ArrayType((), "int64")),
    (np.bool_(True), ArrayType((), "bool")), (np.float32(1.0), ArrayType((), "float32")),
    (np.zeros((2, 3)), ArrayType((2, 3), "float64")),
    (np.zeros(4, dtype=np.float32), ArrayType((4,), "float32")),
    (np.arange(3), ArrayType((3,), "int64")),
])
def test_type_of(value, expected):
    assert type_of(value) == expected


def test_type_of_refuses_other_objects():
    with pytest.raises(TypeError, match="str"):
        type_of("text")


def test_type_of_reads_no_data():
    big = np.lib.stride_tricks.as_strided(np.zeros(1), shape=(10 ** 9,), strides=(0,))
    assert type_of(big) == ArrayType((10 ** 9,), "float64")


def test_python_scalars_are_weak_and_print_as_python_types():
    assert FLOAT.weak and INT.weak and BOOL.weak
    assert not FLOAT.is_array and F3.is_array and ArrayType((), "float64").is_array
    assert (str(FLOAT), str(INT), str(BOOL)) == ("float", "int", "bool")
    assert str(F3) == "float64[3]" and str(ArrayType((), "int64")) == "int64[]"
    assert str(TapeType(FLOAT)) == "tape[float]" and str(TAPE) == "tape[?]"
    assert str(TupleType((FLOAT, F3))) == "tuple[float, float64[3]]"
    assert str(ListType(INT)) == "list[int]"


@pytest.mark.parametrize("dtype, is_float", [
    ("float64", True), ("float32", True), ("complex128", True), ("int64", False),
    ("bool", False)])
def test_is_float(dtype, is_float):
    assert ArrayType((3,), dtype).is_float is is_float
    assert ArrayType((), dtype, weak=True).is_float is is_float


def test_types_compare_by_value_hash_and_are_frozen():
    assert ArrayType((3,), "float64") == F3
    assert ArrayType((3,), "float64") != ArrayType((3,), "float32")
    assert ArrayType((3,), "float64") != ArrayType((4,), "float64")
    assert ArrayType((), "float64") != FLOAT
    assert len({FLOAT, ArrayType((), "float64", weak=True), INT}) == 2
    assert TapeType(FLOAT) != TapeType(INT)
    with pytest.raises(Exception):
        FLOAT.dtype = "int64"


def test_aggregates_are_neither_arrays_nor_floats():
    for t in (NONE, TAPE, TupleType((FLOAT,)), ListType(FLOAT)):
        assert not t.is_array
    for t in (NONE, TAPE, TupleType((FLOAT,)), ListType(INT), ListType()):
        assert not t.is_float


def test_a_list_of_floats_carries_derivatives():
    assert ListType(FLOAT).is_float


@pytest.mark.parametrize("types, expected", [
    # NEP 50: a Python scalar takes the array's dtype unless its kind is higher
    ((ArrayType((3,), "float32"), FLOAT), "float32"),
    ((ArrayType((3,), "int8"), INT), "int8"),
    ((ArrayType((3,), "int8"), FLOAT), "float64"),
    ((ArrayType((3,), "float32"), ArrayType((3,), "float64")), "float64"),
    ((ArrayType((3,), "bool"), INT), "int64"),
    ((ArrayType((), "float32"), FLOAT), "float32"),
])
def test_promotion_follows_numpy_2(types, expected):
    got = promote(*types)
    assert got.dtype == expected and not got.weak
    values = [np.ones(t.shape, t.dtype) if not t.weak else {"f": 2.0, "i": 2}[t.kind]
              for t in types]
    assert np.result_type(*values).name == expected  # what NumPy itself does


def test_python_scalars_stay_weak_among_themselves():
    assert promote(INT, FLOAT) == FLOAT and promote(BOOL, INT) == INT
    assert elementwise(INT, INT) == INT


def test_broadcast_and_its_error():
    assert broadcast((2, 1), (3,)) == (2, 3)
    with pytest.raises(ShapeMismatch, match=r"\(3,\) and \(4,\)"):
        broadcast((3,), (4,))


@pytest.mark.parametrize("a, b, expected", [
    (INT, FLOAT, FLOAT), (FLOAT, INT, FLOAT), (BOOL, INT, INT), (BOOL, FLOAT, FLOAT),
    (INT, INT, INT), (None, FLOAT, FLOAT), (FLOAT, None, FLOAT), (NONE, FLOAT, FLOAT),
    (FLOAT, NONE, FLOAT), (FLOAT, F3, F3), (F3, INT, F3),
    (ArrayType((3,), "float32"), ArrayType((3,), "float64"), F3),
    (ArrayType((2, 1), "float64"), ArrayType((3,), "float64"), ArrayType((2, 3), "float64")),
    (ArrayType((3,), "int64"), FLOAT, F3),
    (TapeType(INT), TapeType(FLOAT), TapeType(FLOAT)), (TAPE, TapeType(F3), TapeType(F3)),
    (TupleType((INT, F3)), TupleType((FLOAT, F3)), TupleType((FLOAT, F3))),
    (ListType(INT), ListType(FLOAT), ListType(FLOAT)),
])
def test_join(a, b, expected):
    assert join(a, b) == expected


def test_join_is_symmetric():
    types = [INT, FLOAT, BOOL, F3, ArrayType((2, 1), "float32"), ArrayType((3,), "int64")]
    for a in types:
        for b in types:
            assert join(a, b) == join(b, a), (a, b)


def test_join_of_unrelated_types_is_a_mismatch():
    with pytest.raises(ShapeMismatch):
        join(TupleType((FLOAT,)), FLOAT)
