"""adcompile.backend.module: a compiled function as a standalone module's text."""

import numpy as np

from adcompile.pipeline import for_codegen, specialize
from adcompile.backend.codegen import to_source
from adcompile.backend.module import module_source
from adcompile.ir.types import FLOAT


def cube(x):
    return x * x * x


def logged(x):
    return np.log(x)


def _run(text: str) -> dict:
    namespace: dict = {}
    exec(compile(text, "<module>", "exec"), namespace)
    return namespace


def test_arithmetic_alone_is_the_source_under_the_docstring():
    fn = for_codegen(specialize(cube, [FLOAT]))
    text = module_source(fn, "cube", "Cube.", {})
    assert text == '"""Cube.\n"""\n\n\n' + to_source(fn, "cube")[0]


def test_defaults_are_written_arrays_exactly_in_their_dtype():
    fn = for_codegen(specialize(cube, [FLOAT]))
    weights = np.array([0.1, 1 / 3], dtype=np.float32)
    text = module_source(fn, "cube", "Cube.", {0: weights})
    assert "const = np.array(" in text and "dtype=np.float32)" in text
    default = _run(text)["cube"].__defaults__[0]
    assert default.dtype == np.float32 and default.tobytes() == weights.tobytes()


def test_numpy_edges_run_the_faithful_spelling_where_math_raises():
    fn = for_codegen(specialize(logged, [FLOAT]))
    namespace = _run(module_source(fn, "logged", "Log.", {}))
    assert namespace["logged"](1.0) == 0.0
    with np.errstate(divide="ignore"):
        assert namespace["logged"](0.0) == -np.inf  # math.log(0.0) raises
    assert {"logged_math", "logged_numpy"} <= set(namespace)
