"""What a compiled function reads from outside its arguments, and how to read it again.

A function reads closure cells, module globals (and builtins), the instance a bound
method is bound to, attributes of the objects it finds there, the items of the dicts,
lists and tuples it finds there (by constant keys), the array defaults of the helpers it
calls, and the arguments a `functools.partial` it calls binds. Compiled code must never answer with a value that has since
changed, so each such read is one of two things:

- an **input**, when it finds a number or an array: the compiled function takes it as a
  hidden parameter after the user's, read afresh on every call (never folded, never
  differentiated);
- a **guard**, when it finds anything else (a module, a function, a transform): lowering
  inlined or resolved it, so the compiled code is valid only while the read still finds
  the very same object.

A `Read` says where to look. The cells of the function being compiled are named by their
index (`ROOT`), so the same lowering serves every closure a factory makes; everything
else (a helper's cells, a globals dict, an attribute's owner) is the object itself, which
an earlier guard keeps fixed.
"""

from __future__ import annotations

import builtins

import numpy as np

NUMBERS = (int, float, bool, np.number, np.bool_, np.ndarray)  # what becomes an input
_BUILTINS = vars(builtins)


class _Root:
    def __repr__(self) -> str:
        return "<the function being called>"


ROOT = _Root()
MISSING = object()


class Read:
    """One place a function reads: ``cell`` (`base` a cell, or ROOT with `key` the
    index), ``self`` (ROOT: the instance the function being called is bound to), ``global`` (`base` a globals dict, `key` the name; builtins behind it),
    ``attr`` (`base` an object, `key` the attribute), ``item`` (`base` a dict, list or
    tuple, `key` a constant key or index), ``len`` (`base` a list or tuple: its length)
    or ``keys`` (`base` a dict: its keys in order), guards compared by value, ``default`` (`base` an inlined
    helper, `key` the index of an array default) or ``partial`` (`base` a
    functools.partial, `key` the index of a bound argument or the name of a bound
    keyword). `name` is for hints and messages."""

    __slots__ = ("base", "kind", "key", "name")

    def __init__(self, base, kind: str, key, name: str):
        self.base, self.kind, self.key, self.name = base, kind, key, name

    def _identity(self) -> tuple:
        return (id(self.base), self.kind, self.key)  # bases need not be hashable

    def __eq__(self, other) -> bool:
        return isinstance(other, Read) and self._identity() == other._identity()

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        return f"<Read {self.kind} {self.name}>"

    def rebase(self, root) -> "Read":
        """This read as seen from outside `root`: ROOT's cell becomes the cell itself."""
        if self.base is ROOT and self.kind == "self":
            return Read(root, "attr", "__self__", self.name)
        if self.base is ROOT:
            return Read(root.__closure__[self.key], "cell", None, self.name)
        return self

    def fetch(self, root):
        """What the read finds now, for the function `root`; NameError where Python
        itself would raise one."""
        if self.kind == "self":
            return root.__self__
        if self.kind == "cell":
            cell = root.__closure__[self.key] if self.base is ROOT else self.base
            try:
                return cell.cell_contents
            except ValueError:
                raise NameError(f"cannot access free variable {self.name!r}: it has no "
                                "value yet in the enclosing scope") from None
        if self.kind == "global":
            found = self.base.get(self.key, MISSING)
            if found is MISSING:
                found = _BUILTINS.get(self.key, MISSING)
            if found is MISSING:
                raise NameError(f"name {self.key!r} is not defined")
            return found
        if self.kind == "default":
            return self.base.__defaults__[self.key]
        if self.kind == "partial":
            return self.base.args[self.key] if isinstance(self.key, int) else \
                self.base.keywords[self.key]
        if self.kind == "len":
            return len(self.base)
        if self.kind == "keys":
            return tuple(self.base)
        if self.kind == "item":
            try:
                return self.base[self.key]
            except (KeyError, IndexError):
                raise NameError(f"{self.name}: {type(self.base).__name__} has no item "
                                f"{self.key!r}") from None
        return getattr(self.base, self.key)

    def expression(self, root, constant) -> str:
        """Python source reading the same thing for `root`; `constant(obj)` gives the
        name under which the source may refer to an object. It may raise (an empty
        cell, a global since deleted) where `fetch` raises a clear error."""
        if self.kind == "self":
            return f"{constant(root)}.__self__"
        if self.kind == "cell":
            cell = root.__closure__[self.key] if self.base is ROOT else self.base
            return f"{constant(cell)}.cell_contents"
        if self.kind == "global":
            if self.key in self.base or self.key not in _BUILTINS:
                return f"{constant(self.base)}[{self.key!r}]"
            return f"{constant(self.base)}.get({self.key!r}, {constant(_BUILTINS[self.key])})"
        if self.kind == "default":
            return f"{constant(self.base)}.__defaults__[{self.key}]"
        if self.kind == "partial":
            where = "args" if isinstance(self.key, int) else "keywords"
            return f"{constant(self.base)}.{where}[{self.key!r}]"
        if self.kind == "item":
            return f"{constant(self.base)}[{self.key!r}]"
        if self.kind == "len":
            return f"len({constant(self.base)})"
        if self.kind == "keys":
            return f"tuple({constant(self.base)})"
        return f"{constant(self.base)}.{self.key}"


def still_finds(read: Read, found, guarded) -> bool:
    """Whether a guard holds: the read finds the very object it found (a length, the
    same number)."""
    return found == guarded if read.kind in ("len", "keys") else found is guarded


def is_input(obj) -> bool:
    """Whether a read finding `obj` is an input (else a guard)."""
    return isinstance(obj, NUMBERS)
