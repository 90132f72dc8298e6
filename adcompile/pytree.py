"""Containers as values (pytrees), as JAX has them: nested tuples, lists, dicts and
NamedTuples whose leaves are numbers and arrays.

A container is taken apart into its leaves, in a fixed order, and a `Tree` describing
its structure (the kind of each node, a dict's keys in sorted order, a NamedTuple's
class); `unflatten` puts leaves back into the same structure. None is a node without
leaves, as in JAX, and so is a string (`activation="tanh"`): a value known while
compiling, part of the structure, so each string compiles once. Compiled code computes on leaves only: the API flattens arguments and
rebuilds results, the frontend binds a parameter to the same structure of IR values, and
the structure is part of the compile cache key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator


@dataclass(frozen=True)
class Tree:
    """The structure of a value: `node` is None for a leaf, else tuple, list, dict,
    type(None), str or a NamedTuple class; `keys` are a dict's keys (sorted), a
    NamedTuple's fields or a string's value; `children` the trees of the elements, in that
    order."""

    node: type | None = None
    keys: tuple = ()
    children: tuple = ()
    size: int = field(default=1, compare=False)  # the number of leaves

    @property
    def is_leaf(self) -> bool:
        return self.node is None

    @property
    def is_tuple_nest(self) -> bool:
        """Whether this is a leaf, or plain tuples of such: what generated code returns
        as it is (see `nesting`)."""
        return self.is_leaf or self.node is tuple and all(c.is_tuple_nest
                                                          for c in self.children)

    def __str__(self) -> str:
        if self.is_leaf:
            return "*"
        if self.node is type(None):
            return "None"
        if self.node is str:
            return repr(self.keys[0])
        if self.node is dict:
            return "{" + ", ".join(f"{k!r}: {c}" for k, c in zip(self.keys, self.children)) + "}"
        inner = ", ".join(map(str, self.children))
        if self.node is list:
            return f"[{inner}]"
        if self.node is tuple:
            return f"({inner}{',' if len(self.children) == 1 else ''})"
        return f"{self.node.__name__}({inner})"


LEAF = Tree()


def _node(node: type, keys: tuple, children: tuple) -> Tree:
    return Tree(node, keys, children, sum(c.size for c in children))


def is_namedtuple_class(cls) -> bool:
    return isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_fields")


def is_container(value) -> bool:
    return isinstance(value, (tuple, list, dict, str)) or value is None


def sorted_keys(mapping: dict) -> list:
    """A dict's keys in JAX's order: sorted (by type name, then repr, where they do not
    compare)."""
    try:
        return sorted(mapping)
    except TypeError:
        return sorted(mapping, key=lambda k: (type(k).__name__, repr(k)))


def flatten(value, is_leaf: Callable[[object], bool] | None = None) -> tuple[list, Tree]:
    """The leaves of `value` in order, and its structure. `is_leaf(v)` may stop the
    descent at a value that would otherwise be taken apart."""
    leaves: list = []
    return leaves, _flatten(value, leaves, is_leaf)


def _flatten(value, leaves: list, is_leaf) -> Tree:
    if is_leaf is not None and is_leaf(value):
        leaves.append(value)
        return LEAF
    if value is None:
        return _node(type(None), (), ())
    if isinstance(value, str):
        return _node(str, (value,), ())
    if isinstance(value, dict):
        keys = tuple(sorted_keys(value))
        return _node(dict, keys, tuple(_flatten(value[k], leaves, is_leaf) for k in keys))
    if isinstance(value, (tuple, list)):
        cls = type(value)
        if is_namedtuple_class(cls):
            keys = tuple(cls._fields)
        elif cls in (tuple, list):
            keys = ()
        else:  # a subclass of tuple or list that is not a NamedTuple: a leaf, refused later
            leaves.append(value)
            return LEAF
        return _node(cls, keys, tuple(_flatten(v, leaves, is_leaf) for v in value))
    leaves.append(value)
    return LEAF


def _nothing(value) -> None:
    return None


def unflatten(tree: Tree, leaves, constant: Callable[[object], object] = _nothing):
    """The value of structure `tree` with these leaves (an iterable, consumed in order);
    a None or string node becomes `constant` of its value (by default None: a gradient
    has nothing there)."""
    return _build(tree, iter(leaves), constant)


def _build(tree: Tree, leaves: Iterator, constant):
    if tree.is_leaf:
        return next(leaves)
    if tree.node is type(None):
        return constant(None)
    if tree.node is str:
        return constant(tree.keys[0])
    children = [_build(c, leaves, constant) for c in tree.children]
    if tree.node is dict:
        return dict(zip(tree.keys, children))
    if tree.node is tuple or tree.node is list:
        return tree.node(children)
    return tree.node._make(children)


def leaf_paths(tree: Tree, root: str) -> list[str]:
    """How a user reaches each leaf from the name `root`, as Python writes it:
    ``params['w']``, ``layers[0].b``."""
    return _walk(tree, root, path_step)


def path_step(tree: Tree, k: int) -> str:
    """How Python reaches child `k` of a node: ``['w']``, ``.b`` or ``[0]``."""
    if tree.node is dict:
        return f"[{tree.keys[k]!r}]"
    return f".{tree.keys[k]}" if tree.keys else f"[{k}]"


def leaf_names(tree: Tree, root: str) -> list[str]:
    """Python names for the leaves, for the parameters of generated code: ``params_w``,
    ``layers_0_b``."""
    def step(tree: Tree, k: int) -> str:
        key = tree.keys[k] if tree.keys else k
        return "_" + "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in str(key))
    return _walk(tree, root, step)


def _walk(tree: Tree, prefix: str, step) -> list[str]:
    """`prefix` extended by ``step(node, k)`` along the way to each leaf."""
    if tree.is_leaf:
        return [prefix]
    return [leaf for k, child in enumerate(tree.children)
            for leaf in _walk(child, prefix + step(tree, k), step)]


def tuple_of(trees) -> Tree:
    trees = tuple(trees)
    return _node(tuple, (), trees)


def compose(outer: Tree, inner: Tree) -> Tree:
    """`outer` with each leaf replaced by `inner`: a Jacobian's structure (outer: the
    output's, inner: the input's), whose leaves are in row-major order."""
    if outer.is_leaf:
        return inner
    return _node(outer.node, outer.keys, tuple(compose(c, inner) for c in outer.children))


def nesting(tree: Tree, start: int = 0):
    """For a tree of plain tuples, the nested tuple of leaf positions codegen returns
    (see `Function.result_nesting`)."""
    if tree.is_leaf:
        return start
    out = []
    for child in tree.children:
        out.append(nesting(child, start))
        start += child.size
    return tuple(out)
