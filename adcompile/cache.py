"""The compile caches: lowerings per code, compiled code per transform of that code, the
readers that tell which lowering is valid at a call, and the lock compiling holds.

What a function reads from outside is read at call time (see `frontend.reads`): the
numbers and arrays it reads are passed to the generated code after the arguments, and
their types are part of the cache key; a lowering is used only while its guards hold
(each module, function or other object read is the same object), and the function is
lowered again otherwise. Lowerings and compiled code are shared by every function with
the same code, so the closures a factory makes compile once.

Compiling holds one process-wide lock, so threads calling the same transform compile it
once; a call that finds its code cached takes no lock. What is compiled, and how, is the
pipeline's (`pipeline.compile_transform`), passed in: this module knows only keys.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from .dispatch import fast_key, reader
from .errors import compiler_stage
from .frontend.lower import Lowered, lower

if TYPE_CHECKING:
    from .compiled import Compiled

# code object -> its lowerings, one per state of what it reads that is not an input
_LOWERED: dict[Any, list[Lowered]] = {}
# Held while compiling: by one thread at a time, and again by a transform compiled inside
# another (hence re-entrant).
COMPILE_LOCK = threading.RLock()
# (code, transform, argnums, order) -> {(lowering, argument signature) -> compiled code}
_CACHES: dict[tuple, dict] = {}
# (code, transform, argnums, order) -> the code its last call ran, so that
# `grad(f).source` written after `grad(f)(x)` shows that call's code
_LAST: dict[tuple, "Compiled"] = {}


def lowered(fun, trees: tuple | None = None) -> Lowered:
    """The lowering of `fun` for arguments of structures `trees` (None: all leaves),
    valid for what `fun` reads now; lowered anew if none is."""
    variants = _LOWERED.setdefault(fun.__code__, [])
    lowering = _valid_lowering(variants, fun, trees)
    if lowering is None:
        with COMPILE_LOCK:  # (another thread may have lowered it while this one waited)
            lowering = _valid_lowering(variants, fun, trees)
            if lowering is None:
                with compiler_stage(f"reading the source of {fun.__name__}"):
                    lowering = lower(fun, trees)
                variants.append(lowering)
    return lowering


def _valid_lowering(variants: list[Lowered], fun, trees) -> Lowered | None:
    return next((lowering for lowering in variants
                 if lowering.trees == trees and lowering.valid_for(fun)), None)


class CodeCache:
    """The code compiled for one transform of the user's function `root`, in the cache
    shared by every transform with the same `identity` (code, kind, argnums, order):
    `grad(f)(x)` written afresh in a loop, or `grad(make(a))` for many `a`, compiles
    once. `compile(leaves, inputs, trees)` makes the code missing from it."""

    def __init__(self, root, identity: tuple,
                 compile: Callable[[list, list, tuple | None], Compiled]):
        self._root = root
        self._compile = compile
        cache = _CACHES.get(identity)
        if cache is None:
            with COMPILE_LOCK:  # two threads making the first grad(f) share one cache
                cache = _CACHES.setdefault(identity, {})
        self._compiled: dict[tuple, Compiled] = cache
        self._identity = identity
        # argument structures -> (lowering, function giving its inputs now, or None where
        # a guard fails), for each lowering met
        self._readers: dict[tuple | None, tuple[tuple[Lowered, Callable | None], ...]] = {}

    def prepare(self, values, trees: tuple | None = None) -> tuple[Compiled, Any, Lowered]:
        """The code for arguments whose leaves are `values` (of structures `trees`),
        compiled now if it is not cached; what to call it with (the leaves, then the
        inputs read from outside, now); and the lowering it was compiled from."""
        for lowering, read_inputs in self._readers.get(trees, ()):
            if read_inputs is None:  # it reads nothing
                call_values = values
                break
            inputs = read_inputs()
            if inputs is not None:
                call_values = [*values, *inputs]
                break
        else:
            lowering, inputs = self._read_now(trees)
            call_values = [*values, *inputs]
        compiled = self._compiled.get((lowering, fast_key(call_values)))
        if compiled is None:
            with COMPILE_LOCK:  # the first thread compiles; the others find it cached
                # An input that is no longer a number or an array lowers again, which says
                # where the function uses it.
                lowering, inputs = self._read_now(trees)
                call_values = [*values, *inputs]
                key = (lowering, fast_key(call_values))
                compiled = self._compiled.get(key)
                if compiled is None:
                    compiled = self._compile(values, inputs, trees)
                    self._compiled[key] = compiled
        _LAST[self._identity] = compiled
        return compiled, call_values, lowering

    @property
    def last(self) -> Compiled | None:
        """The code the last call of a transform with this identity found."""
        return _LAST.get(self._identity)

    def clear(self) -> None:
        """Forget the code compiled for this identity, so that the next call compiles
        again (as the fuzzer does under other compiler settings)."""
        self._compiled.clear()
        _LAST.pop(self._identity, None)

    def _read_now(self, trees: tuple | None = None) -> tuple[Lowered, list]:
        """The lowering valid now and its inputs, with a reader for the next calls."""
        lowering = lowered(self._root, trees)
        inputs = [read.fetch(self._root) for read in lowering.inputs]
        known = self._readers.get(trees, ())
        if all(other is not lowering for other, _ in known):
            # replaced whole, so that a call in another thread never sees it grow
            self._readers = {**self._readers,
                             trees: (*known, (lowering, reader(self._root, lowering)))}
        return lowering, inputs
