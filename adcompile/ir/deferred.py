"""Parameters known only once the function is typed: ``x[:len(x) - 1]``,
``np.zeros(x.shape[0] - 1)``, ``np.zeros(3, dtype=x.dtype)``.

The frontend lowers a function once, without types, but compiles it per type signature,
so a parameter computed from shapes and dtypes is a constant of each compiled program.
The frontend enters such a parameter as a `Deferred` marker (anywhere in the params,
inside a tuple or a `Slice` too) and gives the value it stands for as an extra input of
the op, after its own; type inference (`adcompile.ir.infer`) puts the value in place of
the marker from the types and drops the extra inputs, so no later stage sees either. A
value that depends on data, not only on types, is an error at the user's line.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, is_dataclass, replace

from ..errors import Loc


@dataclass(frozen=True)
class Deferred:
    """The `position`-th extra input of its op, as a parameter: its value as an int
    (``fact`` None), or the ``"shape"`` or ``"dtype"`` of the array it is. `what` names the
    parameter, and `loc` is where it is written, for an error message, with `hint` where
    the usual one (compute it from shapes) does not say enough."""

    position: int
    fact: str | None
    what: str
    loc: Loc | None = None
    hint: str | None = None

    def __repr__(self) -> str:
        return f"<deferred {self.fact or 'int'} {self.position}>"


def deferred_count(params: dict) -> int:
    """How many extra inputs the op takes for its deferred parameters."""
    return len({d.position for d in _markers(params.values())})


def resolve_deferred(params: dict, value_of) -> dict:
    """`params` with each marker replaced by ``value_of(marker)``."""
    return {name: _replaced(param, value_of) for name, param in params.items()}


def _markers(params):
    for param in params:
        if isinstance(param, Deferred):
            yield param
        elif isinstance(param, tuple):
            yield from _markers(param)
        elif is_dataclass(param) and not isinstance(param, type):
            yield from _markers(getattr(param, f.name) for f in fields(param))


def _replaced(param, value_of):
    if isinstance(param, Deferred):
        return value_of(param)
    if isinstance(param, tuple):
        return tuple(_replaced(p, value_of) for p in param)
    if is_dataclass(param) and not isinstance(param, type):
        return replace(param, **{f.name: _replaced(getattr(param, f.name), value_of)
                                 for f in fields(param)})
    return param
