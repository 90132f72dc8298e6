"""Array constants as Python text, for the module-level lines above a generated function
(and `ad.export`'s module), so that the source runs on its own.

An array whose values follow a regular pattern is written as the short NumPy expression
that makes it: one value everywhere (``np.zeros((3, 4))``), a run of evenly spaced ints
(``np.arange(1, 12)``), a few such runs joined (``np.r_[0:12, 0:11, 1:12]``), the ints
from 0 repeating with a period (``np.arange(12) % 3``), columns of an identity
(``np.eye(3)[:, np.arange(12) % 3]``). Any other array is a literal, ``np.array([...])``,
with its dtype where the values alone would not give it. The text reads back to the
same values, bit for bit, and the same dtype.
"""

from __future__ import annotations

import math

import numpy as np

from .spellings import ARRAY_NAMESPACE

NP = ARRAY_NAMESPACE[1]
# More runs than this, and the joined ranges are no easier to read than the values.
MOST_RUNS = 4
# A run shorter than this is as brief in values.
SHORTEST_RUN = 3
# Fewer whole periods than this, and the joined ranges read better.
FEWEST_PERIODS = 3
# Fewer elements than this, and the values say it as briefly as an expression.
FEWEST_FILLED = 4


def assignments(constants: dict[str, np.ndarray]) -> str:
    """One line ``name = <array>`` for each constant; one without a pattern of its own
    may be the remainders of another (the colours of a column colouring, ``columns %
    3``), written after the others."""
    patterns = {name: _pattern_text(value) for name, value in constants.items()}
    derived = {name: _remainders(constants[name], {other: constants[other] for other, text
                                                   in patterns.items() if text})
               for name, text in patterns.items() if text is None}
    lines = [f"{name} = {text or _literal(constants[name])}\n"
             for name, text in patterns.items() if not derived.get(name)]
    lines += [f"{name} = {text}\n" for name, text in derived.items() if text]
    return "".join(lines)


def _remainders(value: np.ndarray, others: dict[str, np.ndarray]) -> str | None:
    if not _int_vector(value) or value.min() < 0:
        return None
    period = int(value.max()) + 1
    for name, other in others.items():
        if period > 1 and other.shape == value.shape and other.dtype == value.dtype \
                and (other % period == value).all():
            return f"{name} % {period}"
    return None


def array_text(value: np.ndarray) -> str:
    return _pattern_text(value) or _literal(value)


def _pattern_text(value: np.ndarray) -> str | None:
    for writer in (_filled, _periodic, _ranges, _identity_columns):
        text = writer(value)
        if text is not None:
            return text
    return None


def _dtype_argument(value: np.ndarray, natural: str) -> str:
    """``, dtype=np.float32`` unless the expression gives `value`'s dtype by itself."""
    return "" if value.dtype.name == natural else f", dtype={NP}.{value.dtype.name}"


def _shape_text(shape: tuple) -> str:
    return f"({shape[0]},)" if len(shape) == 1 else repr(tuple(shape))


def _filled(value: np.ndarray) -> str | None:
    if value.size < FEWEST_FILLED or value.dtype.kind not in "biuf":
        return None
    first = value.flat[0]
    if not (value == first).all() or (value.dtype.kind == "f" and not math.isfinite(first)):
        return None
    shape = _shape_text(value.shape)
    dtype = _dtype_argument(value, "float64")
    if first == 0 and value.dtype.kind != "b":
        return f"{NP}.zeros({shape}{dtype})"
    if first == 1 and value.dtype.kind != "b":
        return f"{NP}.ones({shape}{dtype})"
    return f"{NP}.full({shape}, {first.item()!r}{dtype})"


def _int_vector(value: np.ndarray) -> bool:
    return value.ndim == 1 and value.dtype.name == "int64" and value.size >= FEWEST_FILLED


def _runs(values: list[int]) -> list[tuple[int, int, int]]:
    """`values` as maximal runs (start, step, length) of evenly spaced ints."""
    runs, k = [], 0
    while k < len(values):
        if k + 1 == len(values):
            runs.append((values[k], 1, 1))
            break
        step, end = values[k + 1] - values[k], k + 1
        while end + 1 < len(values) and values[end + 1] - values[end] == step:
            end += 1
        runs.append((values[k], step, end - k + 1))
        k = end + 1
    return runs


def _ranges(value: np.ndarray) -> str | None:
    if not _int_vector(value):
        return None
    runs = _runs(value.tolist())
    if len(runs) > MOST_RUNS or any(length < SHORTEST_RUN or not step
                                    for _, step, length in runs):
        return None
    if len(runs) == 1:
        start, step, length = runs[0]
        stop = start + step * length
        bounds = [str(stop)] if start == 0 and step == 1 else [str(start), str(stop)]
        return f"{NP}.arange({', '.join(bounds + ([str(step)] if step != 1 else []))})"
    parts = [f"{start}:{start + step * length}" + (f":{step}" if step != 1 else "")
             for start, step, length in runs]
    return f"{NP}.r_[{', '.join(parts)}]"


def _periodic(value: np.ndarray) -> str | None:
    if not _int_vector(value):
        return None
    restarts = np.flatnonzero(value == 0)
    if restarts.size < 2 or restarts[0] != 0:
        return None
    period = int(restarts[1])
    if value.size < FEWEST_PERIODS * period or not (value == np.arange(value.size) % period).all():
        return None
    return f"{NP}.arange({value.size}) % {period}"


def _identity_columns(value: np.ndarray) -> str | None:
    """A float array whose every column (over the axes after the first) is a column of
    the identity: the identity's columns picked by an index."""
    if value.dtype.name != "float64" or value.ndim < 2:
        return None
    columns = value.reshape(value.shape[0], -1)
    if not ((columns == 0) | (columns == 1)).all() or not (columns.sum(axis=0) == 1).all():
        return None
    picked = np.argmax(columns, axis=0)
    identity = f"{NP}.eye({value.shape[0]})"
    text = identity if np.array_equal(picked, np.arange(value.shape[0])) else \
        f"{identity}[:, {array_text(picked)}]"
    if value.ndim > 2:
        text = f"{NP}.reshape({text}, {_shape_text(value.shape)})"
    return text


def _literal(value: np.ndarray) -> str:
    natural = {"f": "float64", "i": "int64", "b": "bool", "c": "complex128"}
    plain = value.size and value.dtype.name == natural.get(value.dtype.kind)
    dtype = "" if plain else f", dtype={NP}.{value.dtype.name}"
    return f"{NP}.array({_elements(value.tolist())}{dtype})"


def _elements(values) -> str:
    """Nested lists as Python text: repr, but NaN and the infinities as NumPy names."""
    if isinstance(values, list):
        return f"[{', '.join(_elements(v) for v in values)}]"
    if isinstance(values, float) and not math.isfinite(values):
        return f"{NP}.nan" if math.isnan(values) else ("-" if values < 0 else "") + f"{NP}.inf"
    return repr(values)
