"""A differential fuzzer: random programs over the grammar adcompile compiles, each
checked against Python itself, against finite differences, and mode against mode.

    python tests/fuzz.py --seed 1 --count 10000 [--first 0] [--out fuzz-failures]

prints a summary (programs, comparisons made, points skipped, failures by kind, the
constructs the programs used) and writes each failing program, with what failed, to a
file in `--out`. Program `index` of `seed` is the same program on every run, so
``--first index --count 1`` reruns one. tests/test_fuzz.py runs a fixed seed in the
suite; this module is not a test module itself.

A program is a module of Python source (helpers, then `f`), written to a file and
imported, since adcompile reads source from files. Its grammar: arithmetic and `**`,
`math` and NumPy elementwise calls, `abs`/`max`/`min`/`floor`/`sign`, if/elif/else,
conditional expressions, `and`/`or`/`not`, bool variables, helper functions (returning
a value or a pair, with defaults and keyword arguments), `ad.grad` and `ad.derivative`
of a helper called inside `f`, tuple assignment and indexing, augmented assignment,
`for` over `range` and `while` loops with `break` and `continue`, nested loops, early
returns, int arguments, ints that become floats, and results that are a float or a
pair. Calls stay inside their domains by construction (`log(1 + e ** 2)`), and so do
powers with a float exponent (their base is never 0: a known bug in derivative mode).

At each point where `f` is finite and moderate, where its NumPy calls see no inf or nan,
and where it is smooth (no branch tie, kink or jump within a few finite-difference steps
along any argument or the tangent direction):

- every transform's IR passes the verifier, after the transform and after every pass,
  and every pass keeps the values of the IR it rewrote (`interpret` runs both);
- the compiled primal equals `f`;
- `jvp` and `grad` match finite differences of `f`, and `jvp` matches `grad` (forward
  against reverse mode); for a pair, `vjp` matches `jvp` (the dot-product test) and so
  does `jacobian`;
- the Hessian matches finite differences of the compiled gradient (where that gradient
  is smooth too), and grad-of-grad and `derivative(order=2)` match the Hessian.

A finite difference that disagrees with adcompile counts as a failure only when a
second, smaller step agrees with the first, and the derivative is moderate (below
MAX_VALUE): otherwise the difference itself is unsure and the point is skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib.util
import inspect
import random
import signal
import sys
import tempfile
import threading
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import adcompile as ad
from adcompile import cache, pipeline
from adcompile.errors import UnsupportedSyntaxError
from adcompile.backend.spellings import evaluate
from adcompile.ir.structured import RangeLoop, WhileLoop, as_cond, as_loop
from adcompile.ir.types import ArrayType
from adcompile.ir.verify import IRError, verify
from adcompile.passes import driver
from adcompile.transforms import jacobian as jacobian_transform

import fd

# ---- the generator ---------------------------------------------------------------------

FLOAT_PARAMS = ("x", "y", "z")
INT_PARAMS = ("n", "m")
LOOP_INDICES = ("i", "j", "l")
FLOAT_CONSTANTS = ("0.5", "1.5", "2.0", "0.25", "3.0", "0.7", "1.0", "-1.5", "0.1", "1e-3")

# Unary functions whose argument is kept inside their domain by the wrapper around it:
# (feature, template); `{m}` is `math` or `np`, `{a}` the argument.
SAFE_CALLS = [
    ("trig", "{m}.sin({a})"), ("trig", "{m}.cos({a})"), ("trig", "math.atan({a})"),
    ("trig", "np.arctan({a})"), ("trig", "{m}.tan(0.6 * {m}.tanh({a}))"),
    ("trig", "math.asin(0.8 * math.tanh({a}))"), ("trig", "np.arcsin(0.5 * np.sin({a}))"),
    ("trig", "math.acos(0.7 * math.sin({a}))"), ("trig", "np.arccos(0.9 * np.tanh({a}))"),
    ("hyperbolic", "{m}.tanh({a})"), ("hyperbolic", "{m}.sinh({m}.sin({a}))"),
    ("hyperbolic", "{m}.cosh({m}.tanh({a}))"),
    ("exp", "{m}.exp({m}.sin({a}))"), ("exp", "np.exp(-({a}) ** 2)"),
    ("exp", "{m}.expm1(0.5 * {m}.tanh({a}))"),
    ("log", "{m}.log(1.0 + ({a}) ** 2)"), ("log", "{m}.log1p(({a}) ** 2)"),
    ("log", "{m}.log2(2.0 + {m}.cos({a}))"), ("log", "{m}.log10(1.5 + {m}.sin({a}))"),
    ("sqrt", "{m}.sqrt(1.0 + ({a}) ** 2)"), ("sqrt", "np.sqrt(0.5 + np.tanh({a}) ** 2)"),
    ("float-power", "(1.0 + ({a}) ** 2) ** 0.5"),
    ("float-power", "(2.0 + {m}.cos({a})) ** 1.5"),
    ("float-power", "(1.0 + ({a}) ** 2) ** -0.5"),
    ("float-power", "math.pow(1.5 + {m}.sin({a}), 2.5)"),
    ("float-power", "np.power(1.0 + ({a}) ** 2, -1.5)"),
    ("numpy-arithmetic", "np.square({a})"), ("numpy-arithmetic", "np.negative({a})"),
    ("numpy-arithmetic", "pow({a}, 3)"), ("numpy-arithmetic", "np.divide({a}, 2.5)"),
]
# Functions of two arguments, each safe everywhere.
BINARY_CALLS = [
    ("numpy-arithmetic", "np.add({a}, {b})"), ("numpy-arithmetic", "np.subtract({a}, {b})"),
    ("numpy-arithmetic", "np.multiply({a}, {b})"),
    ("float-power", "(1.5 + {m}.sin({a})) ** {b}"),
    ("float-power", "(1.0 + ({a}) ** 2) ** (0.5 * {m}.tanh({b}))"),
]
# Functions with kinks or jumps: the points are checked for smoothness around them.
KINKED_CALLS = [
    ("abs", "abs({a})"), ("abs", "np.abs({a})"), ("abs", "math.fabs({a})"),
    ("max-min", "max({a}, {b})"), ("max-min", "min({a}, {b})"),
    ("max-min", "np.maximum({a}, {b})"), ("max-min", "np.minimum({a}, {b})"),
    ("floor", "{m}.floor({a})"), ("floor", "{m}.ceil({a})"), ("floor", "np.sign({a})"),
    ("floor", "({a}) % 1.5"), ("floor", "({a}) // 2.0"), ("floor", "float(int({a}))"),
]


FEATURES = {feature for table in (SAFE_CALLS, BINARY_CALLS, KINKED_CALLS)
            for feature, _ in table} | {
    "math", "numpy", "power", "helper", "keyword-argument", "inner-transform", "tuple",
    "tuple-result", "alias", "parameter-reassigned", "augmented-assignment", "int-to-float",
    "int-argument", "int-arithmetic", "int-in-float", "bool-variable", "bool-op",
    "chained-comparison", "conditional-expression", "if", "elif", "pass", "early-return",
    "for", "while", "nested-loop", "data-dependent-loop", "break", "continue",
    "bound-in-every-branch"}


@dataclass
class Program:
    seed: int
    index: int
    source: str
    params: list[str]
    int_params: set[str]
    returns_tuple: bool
    features: set[str]
    name: str = ""   # of its module; by default fuzz_<seed>_<index>
    size: int = 0    # the `size` it was generated with, if it was
    # an array program's: each parameter's shape (() for a float argument)
    shapes: dict[str, tuple] | None = None
    returns_array: bool = False  # an array program whose result is not a scalar

    def __post_init__(self):
        self.name = self.name or self.label

    @property
    def label(self) -> str:
        """fuzz_<seed>_<index>, or fuzz_arrays_<seed>_<index>."""
        return f"fuzz_{'arrays_' if self.shapes is not None else ''}{self.seed}_{self.index}"

    @property
    def vector_result(self) -> bool:
        """Whether `f` returns more than one number: a tuple or an array."""
        return self.returns_tuple or self.returns_array


@dataclass
class _Helper:
    name: str
    results: int       # 1, or 2 for a pair
    defaults: int      # how many of its parameters have defaults


@dataclass
class _Scope:
    floats: list[str]
    ints: list[str]
    tuples: list[str] = field(default_factory=list)   # pairs
    bools: list[str] = field(default_factory=list)
    loop_depth: int = 0

    def copy(self) -> "_Scope":
        return _Scope(list(self.floats), list(self.ints), list(self.tuples), list(self.bools),
                      self.loop_depth)


class _Writer:
    """What both generators share: random choices, fresh names, the features used."""

    known_features: set[str] = set()

    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        self.size = size  # the most statements `f` has
        self.features: set[str] = set()
        self.counter = 0

    def use(self, feature: str) -> None:
        assert feature in self.known_features, feature
        self.features.add(feature)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: dict):
        return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]


class _Generator(_Writer):
    """Writes one random scalar program; `features` records the constructs it used."""

    known_features = FEATURES

    def __init__(self, rng: random.Random, size: int):
        super().__init__(rng, size)  # helpers have a third of `size`
        self.helpers: list[_Helper] = []
        self.budget = 0  # statements left to write in the current function

    # -- a program ---------------------------------------------------------------------
    def program(self):
        lines = ["import math", "", "import numpy as np", "", "import adcompile as ad", ""]
        for _ in range(self.rng.choice([0, 0, 1, 1, 2, 3])):
            lines += ["", *self.helper(), ""]
        n_floats = self.rng.choice([1, 2, 2, 3])
        n_ints = self.rng.choice([0, 0, 1, 1, 2])
        params = list(FLOAT_PARAMS[:n_floats])
        for name in INT_PARAMS[:n_ints]:
            params.insert(self.rng.randint(1, len(params)), name)  # never first
        if n_ints:
            self.use("int-argument")
        scope = _Scope([p for p in params if p in FLOAT_PARAMS],
                       [p for p in params if p in INT_PARAMS])
        returns_tuple = self.chance(0.15)
        if returns_tuple:
            self.use("tuple-result")
        self.budget = self.rng.randint(2, self.size)
        body = self.block(scope, depth=0, may_return=returns_tuple and "pair" or "value")
        body.append(f"return {self.result(scope, returns_tuple)}")
        lines += ["", f"def f({', '.join(params)}):", *_indent(body)]
        return "\n".join(lines) + "\n", params, set(INT_PARAMS[:n_ints]), returns_tuple

    def helper(self) -> list[str]:
        self.use("helper")
        helper = _Helper(f"helper{len(self.helpers)}", 2 if self.chance(0.3) else 1,
                         self.rng.choice([0, 0, 0, 1]))
        params = ["a", "b"] + (["c=0.5"] if helper.defaults else [])
        scope = _Scope(["a", "b"] + (["c"] if helper.defaults else []), [])
        self.budget = self.rng.randint(0, self.size // 3)
        body = self.block(scope, depth=1,
                          may_return="pair" if helper.results == 2 else "value")
        if helper.results == 2:
            self.use("tuple")
        body.append(f"return {self.result(scope, helper.results == 2)}")
        self.helpers.append(helper)
        return [f"def {helper.name}({', '.join(params)}):", *_indent(body)]

    def result(self, scope: _Scope, pair: bool) -> str:
        if pair:
            return f"{self.result(scope, False)}, {self.fexpr(scope, 2)}"
        # most floats in scope have a say, so that most derivatives are not zero
        terms = [self.fexpr(scope, 2)]
        terms += [f"{self.constant()} * {v}" for v in self.rng.sample(
            scope.floats, min(len(scope.floats), 2))]
        return " + ".join(terms)

    # -- statements --------------------------------------------------------------------
    def block(self, scope: _Scope, depth: int, may_return, in_loop=False) -> list[str]:
        """At least one statement. `may_return` is None, "value" or "pair": what a
        return may give here (never inside a loop)."""
        lines: list[str] = []
        first = True
        while first or (self.budget > 0 and self.chance(0.7)):
            first = False
            self.budget -= 1
            lines += self.statement(scope, depth, may_return, in_loop)
        return lines

    def statement(self, scope: _Scope, depth: int, may_return, in_loop: bool):
        kinds = {"assign": 8, "augassign": 3, "tuple": 2, "flag": 1, "accumulator": 1}
        if depth < 4:
            kinds.update({"if": 6, "for": 4, "while": 2})
        if self.helpers:
            kinds["helper"] = 2
            kinds["inner_transform"] = 1
        if scope.tuples:
            kinds["index"] = 2
        if scope.ints:
            kinds["int"] = 1
        return getattr(self, f"stmt_{self.pick(kinds)}")(scope, depth, may_return, in_loop)

    def target(self, scope: _Scope) -> str:
        """A float variable to assign: an existing one (carried through loops) or new;
        rarely a parameter."""
        existing = [v for v in scope.floats if v not in FLOAT_PARAMS]
        if existing and self.chance(0.6):
            return self.rng.choice(existing)
        if self.chance(0.05):
            self.use("parameter-reassigned")
            return self.rng.choice(scope.floats)
        return self.fresh("v")

    def bind(self, scope: _Scope, *names: str) -> None:
        for name in names:
            if name not in scope.floats:
                scope.floats.append(name)

    def two_targets(self, scope: _Scope) -> tuple[str, str]:
        a, b = self.target(scope), self.target(scope)
        return (a, b) if a != b else (a, self.fresh("v"))

    def stmt_assign(self, scope, depth, may_return, in_loop):
        name = self.target(scope)
        if self.chance(0.1):
            self.use("alias")
            value = self.rng.choice(scope.floats)
        else:
            value = self.fexpr(scope, self.rng.randint(1, 3))
        self.bind(scope, name)
        return [f"{name} = {value}"]

    def stmt_accumulator(self, scope, depth, may_return, in_loop):
        # an int that becomes a float when a loop adds to it, as in `y = 0; y = y + t`
        self.use("int-to-float")
        name = self.fresh("s")
        self.bind(scope, name)
        return [f"{name} = {self.rng.choice(['0', '1', '2'])}"]

    def stmt_flag(self, scope, depth, may_return, in_loop):
        self.use("bool-variable")
        name = self.fresh("b")
        line = f"{name} = {self.cond(scope)}"
        scope.bools.append(name)
        return [line]

    def stmt_augassign(self, scope, depth, may_return, in_loop):
        self.use("augmented-assignment")
        name = self.rng.choice(scope.floats)
        op = self.rng.choice(["+=", "-=", "*=", "/="])
        value = self.fexpr(scope, self.rng.randint(0, 2))
        if op == "/=":
            value = f"(1.5 + {self.module()}.cos({value}))"
        return [f"{name} {op} {value}"]

    def stmt_tuple(self, scope, depth, may_return, in_loop):
        self.use("tuple")
        if len(scope.floats) >= 3 and self.chance(0.1):
            a, b, c = self.rng.sample(scope.floats, 3)
            return [f"{a}, {b}, {c} = {b}, {c}, {a}"]
        if len(scope.floats) >= 2 and self.chance(0.25):
            a, b = self.rng.sample(scope.floats, 2)
            return [f"{a}, {b} = {b}, {a}"]
        if scope.tuples and self.chance(0.3):  # a pair rebuilt from itself: carried in loops
            t = self.rng.choice(scope.tuples)
            return [f"{t} = {t}[1], {t}[0] * {self.fexpr(scope, 1)}"]
        if self.chance(0.4):
            name = self.fresh("t")
            line = f"{name} = {self.fexpr(scope, 1)}, {self.fexpr(scope, 2)}"
            scope.tuples.append(name)
            return [line]
        a, b = self.two_targets(scope)
        line = f"{a}, {b} = {self.fexpr(scope, 2)}, {self.fexpr(scope, 1)}"
        self.bind(scope, a, b)
        return [line]

    def stmt_index(self, scope, depth, may_return, in_loop):
        name = self.rng.choice(scope.tuples)
        target = self.target(scope)
        line = f"{target} = {name}[{self.rng.randrange(-2, 2)}] * {self.constant()}"
        self.bind(scope, target)
        return [line]

    def call_helper(self, scope, helper: _Helper) -> str:
        args = [self.fexpr(scope, 1), self.fexpr(scope, 1)]
        if helper.defaults and self.chance(0.5):
            self.use("keyword-argument")
            args.append(f"c={self.fexpr(scope, 1)}")
        elif self.chance(0.15):
            self.use("keyword-argument")
            args[1] = f"b={args[1]}"
        return f"{helper.name}({', '.join(args)})"

    def stmt_helper(self, scope, depth, may_return, in_loop):
        helper = self.rng.choice(self.helpers)
        call = self.call_helper(scope, helper)
        if helper.results == 1:
            target = self.target(scope)
            self.bind(scope, target)
            return [f"{target} = {call}"]
        if self.chance(0.3):
            target = self.target(scope)
            self.bind(scope, target)
            return [f"{target} = {call}[{self.rng.randrange(-2, 2)}]"]
        a, b = self.two_targets(scope)
        self.bind(scope, a, b)
        return [f"{a}, {b} = {call}"]

    def stmt_inner_transform(self, scope, depth, may_return, in_loop):
        """A derivative taken inside the program: `ad.grad(helper)(...)`, compiled too."""
        helpers = [h for h in self.helpers if h.results == 1]
        if not helpers:
            return self.stmt_assign(scope, depth, may_return, in_loop)
        self.use("inner-transform")
        helper = self.rng.choice(helpers)
        # float(): a float variable may still hold an int here (`s = 0`)
        args = f"float({self.fexpr(scope, 1)}), float({self.fexpr(scope, 1)})"
        transform = self.rng.choice(["ad.grad({})", "ad.grad({}, argnums=1)",
                                     "ad.derivative({}, order=2)",
                                     "ad.grad({}, argnums=(0, 1))", "ad.value_and_grad({})"])
        call = f"{transform.format(helper.name)}({args})"
        if "(0, 1)" in transform or "value_and" in transform:  # a pair
            if self.chance(0.5):
                a, b = self.two_targets(scope)
                self.bind(scope, a, b)
                return [f"{a}, {b} = {call}"]
            target = self.target(scope)
            self.bind(scope, target)
            return [f"{target} = {call}[{self.rng.randrange(-2, 2)}]"]
        target = self.target(scope)
        self.bind(scope, target)
        return [f"{target} = {call}"]

    def stmt_int(self, scope, depth, may_return, in_loop):
        self.use("int-arithmetic")
        # counters and loop indices are left alone, so that every loop ends
        mine = [v for v in scope.ints if v.startswith("k")]
        if mine and in_loop and self.chance(0.3):
            return [f"{self.rng.choice(mine)} += {self.iexpr(scope)}"]
        name = self.fresh("k")
        line = f"{name} = {self.iexpr(scope)}"
        scope.ints.append(name)
        return [line]

    def stmt_if(self, scope, depth, may_return, in_loop):
        self.use("if")
        lines = [f"if {self.cond(scope)}:"]
        branches = [self.branch(scope, depth, may_return, in_loop)]
        lines += _indent(branches[-1][0])
        for _ in range(self.rng.choice([0, 0, 1, 2])):
            self.use("elif")
            lines += [f"elif {self.cond(scope)}:"]
            branches.append(self.branch(scope, depth, may_return, in_loop))
            lines += _indent(branches[-1][0])
        if self.chance(0.6):
            branches.append(self.branch(scope, depth, may_return, in_loop))
            lines += ["else:", *_indent(branches[-1][0])]
            # a variable every branch that goes on to the next statement binds is bound
            # after the `if` (a branch that breaks, continues or returns does not count)
            through = [inner for _, inner in branches if inner is not None]
            if through:
                bound = set.intersection(*(set(inner.floats) for inner in through))
                new = [v for v in through[0].floats if v in bound - set(scope.floats)]
                if new:
                    self.use("bound-in-every-branch")
                    self.bind(scope, *new)
        return lines

    def branch(self, scope, depth, may_return, in_loop) -> tuple[list[str], _Scope | None]:
        """The branch's lines, and its scope at the end (None if it does not fall
        through to what follows)."""
        inner = scope.copy()
        if self.chance(0.05):
            self.use("pass")
            lines = ["pass"]
        else:
            lines = self.block(inner, depth + 1, may_return, in_loop)
        if in_loop and self.chance(0.35):
            word = self.rng.choice(["break", "continue"])
            self.use(word)
            return [*lines, word], None
        if may_return and self.chance(0.2):
            self.use("early-return")
            return [*lines, f"return {self.result(inner, may_return == 'pair')}"], None
        return lines, inner

    def loop_body(self, inner: _Scope, depth: int) -> list[str]:
        body = self.block(inner, depth + 1, may_return=None, in_loop=True)
        if self.chance(0.05):  # an unconditional break or continue ends the body
            word = self.rng.choice(["break", "continue"])
            self.use(word)
            body.append(word)
        return body

    def stmt_for(self, scope, depth, may_return, in_loop):
        self.use("for")
        if scope.loop_depth:
            self.use("nested-loop")
        index = LOOP_INDICES[scope.loop_depth % len(LOOP_INDICES)]
        if index in scope.ints:  # a fourth level reuses no index still in use
            index = self.fresh("i")
        ints = scope.ints
        bounds = self.rng.choice([
            str(self.rng.randint(1, 5)), f"{self.rng.randint(0, 2)}, {self.rng.randint(2, 6)}",
            f"0, {self.rng.randint(3, 7)}, 2", f"{self.rng.randint(3, 5)}, 0, -1",
            *[f"{v} + 1" for v in ints], *[f"1, {v} + 2" for v in ints],
            *[f"{v}, -1, -1" for v in ints], *[f"{v} // 2 + 1" for v in ints]])
        inner = scope.copy()
        inner.ints.append(index)
        inner.loop_depth += 1
        return [f"for {index} in range({bounds}):", *_indent(self.loop_body(inner, depth))]

    def stmt_while(self, scope, depth, may_return, in_loop):
        self.use("while")
        if scope.loop_depth:
            self.use("nested-loop")
        counter = self.fresh("c")
        limit = self.rng.choice([str(self.rng.randint(1, 5)), *[
            f"{v} + 1" for v in scope.ints if not v.startswith("k")]])  # k: may grow
        test = f"{counter} < {limit}"
        if self.chance(0.5):
            self.use("data-dependent-loop")
            test += f" and {self.cond(scope, depth=1)}"
        inner = scope.copy()
        inner.ints.append(counter)
        inner.loop_depth += 1
        # the counter goes up first, so neither `continue` nor the body can skip it
        body = [f"{counter} += 1", *self.loop_body(inner, depth)]
        scope.ints.append(counter)
        return [f"{counter} = 0", f"while {test}:", *_indent(body)]

    # -- expressions -------------------------------------------------------------------
    def constant(self) -> str:
        return self.rng.choice(FLOAT_CONSTANTS)

    def module(self) -> str:
        m = self.rng.choice(["math", "np"])
        self.use("numpy" if m == "np" else "math")
        return m

    def leaf(self, scope: _Scope) -> str:
        r = self.rng.random()
        if r < 0.7 and scope.floats:
            return self.rng.choice(scope.floats)
        if r < 0.85 and scope.ints:
            self.use("int-in-float")
            return self.rng.choice([f"{self.constant()} * {self.rng.choice(scope.ints)}",
                                    f"float({self.rng.choice(scope.ints)})"])
        return self.constant()

    def fexpr(self, scope: _Scope, depth: int) -> str:
        """A float expression; `depth` bounds its nesting."""
        if depth <= 0:
            return self.leaf(scope)
        sub = lambda: self.fexpr(scope, depth - 1)
        kind = self.pick({"binary": 10, "call": 6, "call2": 1, "kink": 2, "power": 2,
                          "unary": 2, "ifexp": 2, "helper": 2, "leaf": 2})
        if kind == "binary":
            op = self.rng.choice(["+", "-", "*", "*", "/"])
            if op == "/":
                divisor = self.rng.choice(["(1.0 + ({}) ** 2)", "(2.0 + {m}.cos({}))",
                                           "{c}"])
                return f"({sub()} / {divisor.format(sub(), m=self.module(), c='2.5')})"
            return f"({sub()} {op} {sub()})"
        if kind in ("call", "call2", "kink"):
            table = {"call": SAFE_CALLS, "call2": BINARY_CALLS, "kink": KINKED_CALLS}[kind]
            feature, template = self.rng.choice(table)
            self.use(feature)
            m = self.module() if "{m}" in template else None
            return template.format(m=m, a=sub(), b=sub())
        if kind == "power":
            self.use("power")
            if scope.ints and self.chance(0.3):  # a base away from zero: see the module doc
                return f"(1.0 + 0.1 * ({sub()}) ** 2) ** {self.rng.choice(scope.ints)}"
            return f"({sub()}) ** {self.rng.choice([2, 2, 3])}"
        if kind == "unary":
            return self.rng.choice(["-", "-", "+"]) + sub()
        if kind == "ifexp":
            self.use("conditional-expression")
            return f"({sub()} if {self.cond(scope, depth=1)} else {sub()})"
        if kind == "helper" and any(h.results == 1 for h in self.helpers):
            self.use("helper")
            return self.call_helper(scope, self.rng.choice(
                [h for h in self.helpers if h.results == 1]))
        return self.leaf(scope)

    def iexpr(self, scope: _Scope) -> str:
        a = self.rng.choice(scope.ints)
        return self.rng.choice([a, f"{a} + 1", f"{a} * 2", f"{a} % 2", f"{a} // 2",
                                f"max({a}, 1)", f"abs({a} - 2)",
                                f"{a} - {self.rng.choice(scope.ints)}"])

    def cond(self, scope: _Scope, depth: int = 2) -> str:
        r = self.rng.random()
        if depth > 1 and r < 0.25:
            self.use("bool-op")
            if self.chance(0.3):
                return f"not ({self.cond(scope, depth - 1)})"
            word = self.rng.choice(["and", "or"])
            return f"({self.cond(scope, depth - 1)} {word} {self.cond(scope, depth - 1)})"
        if scope.bools and r < 0.35:
            return self.rng.choice(["", "not "]) + self.rng.choice(scope.bools)
        if scope.ints and r < 0.45:
            a = self.rng.choice(scope.ints)
            return self.rng.choice([f"{a} > {self.rng.randint(0, 3)}", f"{a} % 2 == 0",
                                    f"{a} != 1", f"{a} <= {self.rng.choice(scope.ints)}"])
        a = self.fexpr(scope, 1)
        op = self.rng.choice(["<", "<=", ">", ">="])
        if r < 0.55:
            self.use("chained-comparison")
            return f"-1.0 {op} {a} {op} 1.0" if op[0] == "<" else f"1.0 {op} {a} {op} -1.0"
        other = self.fexpr(scope, self.rng.randint(0, 1)) if self.chance(0.5) else \
            self.constant()
        return f"{a} {op} {other}"


def _indent(lines: list[str]) -> list[str]:
    return ["    " + line for line in lines]


# ---- the array generator ---------------------------------------------------------------

ARRAY_PARAMS = ("x", "y", "z")
# shape () is a Python float argument; the others are float64 arrays
ARGUMENT_SHAPES = [(), (1,), (3,), (4,), (2, 3), (3, 1), (1, 3), (3, 3), (2, 2), (2, 1, 3)]
MAX_ELEMENTS = 36  # larger intermediate arrays are not written
MAX_NDIM = 3

# Elementwise functions on arrays: the scalar grammar's, spelled with NumPy, and more.
ARRAY_CALLS = [(feature, template.replace("{m}", "np")) for feature, template in SAFE_CALLS
               if "math." not in template] + [
    ("inverse-hyperbolic", "np.arcsinh({a})"),
    ("inverse-hyperbolic", "np.arccosh(1.5 + ({a}) ** 2)"),
    ("inverse-hyperbolic", "np.arctanh(0.5 * np.tanh({a}))"),
    ("exp", "np.exp2(np.sin({a}))"), ("numpy-arithmetic", "np.reciprocal(2.0 + np.cos({a}))"),
    ("numpy-arithmetic", "np.deg2rad({a})"), ("float-power", "({a}) ** 2"),
    ("float-power", "({a}) ** 3")]
ARRAY_BINARY_CALLS = [(feature, template.replace("{m}", "np"))
                      for feature, template in BINARY_CALLS] + [
    ("two-argument", "np.arctan2({a}, 2.0 + np.cos({b}))"),
    ("two-argument", "np.hypot({a}, 1.0 + ({b}) ** 2)"),
    ("two-argument", "np.logaddexp({a}, {b})"), ("two-argument", "np.logaddexp2({a}, {b})"),
    ("numpy-arithmetic", "({a}) / (1.0 + ({b}) ** 2)"),
    ("numpy-arithmetic", "({a}) / (2.0 + np.cos({b}))")]
ARRAY_KINKED_CALLS = [
    ("abs", "abs({a})"), ("abs", "np.abs({a})"), ("max-min", "np.maximum({a}, {b})"),
    ("max-min", "np.minimum({a}, {b})"), ("max-min", "np.fmax({a}, {b})"),
    ("max-min", "np.fmin({a}, {b})"), ("clip", "np.clip({a}, -1.0, 1.0)"),
    ("clip", "np.clip({a}, None, 0.5)"), ("where", "np.where({a} > {b}, {a}, {b})"),
    ("where", "np.where({a} > 0.0, np.sin({b}), ({a}) ** 2)"),
    ("floor", "np.floor({a})"), ("floor", "np.sign({a})"), ("floor", "np.round({a}, 1)"),
    ("floor", "({a}) % 1.5")]

ARRAY_FEATURES = {feature for table in (ARRAY_CALLS, ARRAY_BINARY_CALLS, ARRAY_KINKED_CALLS)
                  for feature, _ in table} | {
    "scalar-argument", "size-1-axis", "broadcasting", "reduction", "keepdims",
    "reduction-method", "cumsum", "norm", "index-int", "index-slice", "index-negative-step",
    "index-none", "index-ellipsis", "index-list", "index-mask", "index-global-array",
    "reshape", "transpose", "swapaxes", "flip", "roll", "tile", "repeat", "pad", "diag",
    "triangle", "expand-squeeze", "ravel", "broadcast-to", "concatenate", "stack", "split",
    "array-literal", "matmul", "dot", "einsum", "outer", "tensordot", "kron", "cross",
    "trace", "linalg", "write", "augmented-write", "loop-accumulate", "loop-write",
    "loop-recurrence", "loop-over-rows", "if", "augmented-assignment", "scalar-index-result",
    "array-result"}


class _ArrayGenerator(_Writer):
    """Writes one random program over arrays: its arguments have small shapes, and every
    expression's shape is known as it is written (from running it on stand-in arrays of
    the shapes, so that only programs NumPy runs are written). `features` records the
    constructs it used."""

    def __init__(self, rng: random.Random, size: int):
        super().__init__(rng, size)
        self.globals: dict[str, np.ndarray] = {}   # int index arrays the program reads
        self.env: dict = {"np": np}                # stand-in values, to learn shapes
        self.scope: dict[str, tuple] = {}          # expression -> shape, to use as operands
        self.recent: list[str] = []                # names assigned, latest last

    known_features = ARRAY_FEATURES

    # -- shapes, from stand-ins ----------------------------------------------------------
    def shape_of(self, text: str, env=None):
        """The shape of expression `text`, or None where NumPy refuses it or it is too big
        or not a float."""
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                value = eval(text, dict(env or self.env))
        except Exception:
            return None
        if isinstance(value, float):
            return ()
        if not isinstance(value, (np.ndarray, np.floating)) or value.dtype.kind != "f" or \
                value.size > MAX_ELEMENTS or value.ndim > MAX_NDIM or value.size == 0:
            return None
        return value.shape

    def runs(self, lines: list[str]) -> bool:
        """Whether `lines` run on the stand-ins (which they then update)."""
        trial = dict(self.env)
        trial = {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in trial.items()}
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                exec("\n".join(lines), trial)
        except Exception:
            return False
        for name, value in trial.items():
            if name in ("np", "__builtins__") or name in self.globals:
                continue
            if isinstance(value, np.ndarray) and (value.size > MAX_ELEMENTS or
                                                  value.dtype.kind != "f"):
                return False
        self.env = trial
        return True

    def shared(self, name: str) -> bool:
        """Whether another name's stand-in shares memory with `name`'s (a view, an
        alias)."""
        value = self.env[name]
        return any(isinstance(other, np.ndarray) and np.may_share_memory(value, other)
                   for key, other in self.env.items() if key != name)

    def bind(self, name: str) -> None:
        value = self.env[name]
        self.scope[name] = np.shape(value)
        self.recent = [r for r in self.recent if r != name] + [name]

    # -- a program -----------------------------------------------------------------------
    def program(self):
        n = self.rng.choice([1, 2, 2, 3, 3])
        params = list(ARRAY_PARAMS[:n])
        shapes = {p: self.rng.choice(ARGUMENT_SHAPES) for p in params}
        if all(s == () for s in shapes.values()):
            shapes[params[0]] = self.rng.choice(ARGUMENT_SHAPES[1:])
        for p, shape in shapes.items():
            if shape == ():
                self.use("scalar-argument")
            if 1 in shape:
                self.use("size-1-axis")
            self.env[p] = 0.5 if shape == () else np.full(shape, 0.5)
            self.bind(p)
        returns_array = self.chance(0.25)
        body: list[str] = []
        for _ in range(self.rng.randint(1, self.size)):
            body += self.statement()
        body.append(f"return {self.result(returns_array)}")
        lines = ["import numpy as np", ""]
        for name, value in self.globals.items():
            lines.append(f"{name} = np.array({value.tolist()})")
        lines += ["", "", f"def f({', '.join(params)}):", *_indent(body)]
        return "\n".join(lines) + "\n", params, shapes, returns_array

    def result(self, returns_array: bool) -> str:
        terms = []
        arrays = [v for v in reversed(self.recent) if self.scope[v]]
        if returns_array and arrays:
            self.use("array-result")
            last = arrays[0]
            terms.append(last)
            for p in self.rng.sample(list(ARRAY_PARAMS), 3):
                if p in self.scope and self.chance(0.5):
                    terms.append(f"{self.constant()} * np.sum({p})")
            return " + ".join(terms)
        # the last name, and others likely, so that little of the program is dead
        names = [self.recent[-1]] + [v for v in self.recent[:-1] if self.chance(0.4)]
        for name in names:
            shape = self.scope[name]
            if shape and self.chance(0.2):
                self.use("scalar-index-result")
                index = ", ".join(str(self.rng.randrange(-n, n)) for n in shape)
                terms.append(f"{name}[{index}]")
            else:
                terms.append(f"np.{self.rng.choice(['sum', 'sum', 'mean'])}({name})")
        for p in self.rng.sample(list(ARRAY_PARAMS), 3):
            if p in self.scope and p not in names and self.chance(0.5):
                terms.append(f"{self.constant()} * np.sum(np.sin({p}))")
        return " + ".join(terms)

    def constant(self) -> str:
        return self.rng.choice(FLOAT_CONSTANTS[:-1])

    # -- statements ----------------------------------------------------------------------
    def statement(self) -> list[str]:
        kinds = {"assign": 10, "augassign": 2, "write": 3, "loop_accumulate": 2,
                 "loop_write": 2, "loop_rows": 1, "if": 2, "linalg": 2, "split": 1}
        for _ in range(20):
            lines = getattr(self, f"stmt_{self.pick(kinds)}")()
            if lines:
                return lines
        return self.stmt_assign()

    def stmt_assign(self) -> list[str]:
        name = self.fresh("v")
        for _ in range(20):
            text, shape = self.expr(self.rng.randint(1, 2))
            if self.runs([f"{name} = {text}"]):
                self.bind(name)
                return [f"{name} = {text}"]
        text = self.call(self.operand())
        assert self.runs([f"{name} = {text}"]), text
        self.bind(name)
        return [f"{name} = {text}"]

    def stmt_augassign(self):
        names = [v for v in self.recent if v not in ARRAY_PARAMS]
        if not names:
            return None
        name = self.rng.choice(names)
        text, _ = self.expr(1)
        line = f"{name} {self.rng.choice(['+=', '-=', '*='])} {text}"
        # in place in NumPy: into an array that no other name holds, as the README says
        if np.shape(self.env[name]) == () or self.shared(name) or not self.runs([line]):
            return None
        self.use("augmented-assignment")
        self.bind(name)
        return [line]

    def created(self, base: str) -> str:
        """A new array, shaped as `base`, that nothing else holds."""
        shape = self.scope[base]
        return self.rng.choice([f"np.zeros_like({base})", f"np.zeros({shape})",
                                f"{base}.copy()", f"np.ones_like({base})", f"{base} * 1.0",
                                f"np.full({shape}, 0.5)"])

    def stmt_write(self):
        """`out = <a new array>; out[...] = ...`: writes into an array the program made."""
        base = self.operand(min_ndim=1)
        name = self.fresh("out")
        lines = [f"{name} = {self.created(base)}"]
        if not self.runs(lines):
            return None
        self.bind(name)
        for _ in range(self.rng.randint(1, 3)):
            for _ in range(10):
                index = self.index(self.scope[base], write=True)
                region = self.shape_of(f"{name}[{index}]")
                if region is None:
                    continue
                value = self.expr_shaped(region)
                if value is None:
                    continue
                op = self.rng.choice(["=", "=", "+="])
                line = f"{name}[{index}] {op} {value}"
                if self.runs([line]):
                    self.use("write" if op == "=" else "augmented-write")
                    lines.append(line)
                    break
        return lines if len(lines) > 1 else None

    def loop_scope(self, over: str, index: str = "i") -> dict:
        """The operands inside `for i in range(len(over))`: `over[i]` among them."""
        inner = dict(self.scope)
        inner[f"{over}[{index}]"] = self.scope[over][1:]
        return inner

    def with_scope(self, scope: dict, env_extra: dict, build):
        """`build()` with more operands, the new ones the likeliest."""
        saved = self.scope, self.env, self.recent
        self.scope, self.env = scope, {**self.env, **env_extra}
        self.recent = [*self.recent, *(v for v in scope if v not in saved[0])]
        try:
            return build()
        finally:  # the index arrays it made stay
            self.scope, self.env, self.recent = saved
            self.env = {**self.env, **self.globals}

    def stmt_loop_accumulate(self):
        over = self.operand(min_ndim=1)
        acc = self.fresh("acc")
        inner = self.loop_scope(over)
        target = () if self.chance(0.6) else self.scope[over][1:]
        value = self.with_scope(inner, {"i": 0}, lambda: self.expr_shaped(target, 2))
        if value is None:
            return None
        start = "0.0" if target == () else f"np.zeros({target})"
        lines = [f"{acc} = {start}", f"for i in range(len({over})):",
                 f"    {acc} = {acc} + {value}"]
        if not self.runs(lines):
            return None
        self.use("loop-accumulate")
        self.bind(acc)
        return lines

    def stmt_loop_write(self):
        over = self.operand(min_ndim=1)
        out = self.fresh("out")
        inner = self.loop_scope(over)
        row = self.scope[over][1:]
        if self.scope[over][0] > 1 and self.chance(0.4):  # each from the one before
            inner[f"{out}[i - 1]"] = row
            self.env[out] = self.env[over].copy()
            value = self.with_scope(inner, {"i": 1}, lambda: self.expr_shaped(row, 1))
            del self.env[out]
            if value is None:
                return None
            lines = [f"{out} = {over}.copy()", f"for i in range(1, len({over})):",
                     f"    {out}[i] = 0.5 * {out}[i - 1] + {value}"]
            feature = "loop-recurrence"
        else:
            value = self.with_scope(inner, {"i": 0}, lambda: self.expr_shaped(row, 2))
            if value is None:
                return None
            lines = [f"{out} = np.zeros({self.scope[over]})", f"for i in range(len({over})):",
                     f"    {out}[i] = {value}"]
            feature = "loop-write"
        if not self.runs(lines):
            return None
        self.use(feature)
        self.bind(out)
        return lines

    def stmt_loop_rows(self):
        over = self.operand(min_ndim=2)
        if over is None:
            return None
        acc = self.fresh("acc")
        inner = dict(self.scope)
        inner["row"] = self.scope[over][1:]
        value = self.with_scope(inner, {"row": self.env[over][0]},
                                lambda: self.expr_shaped((), 2))
        if value is None:
            return None
        lines = [f"{acc} = 0.0", f"for row in {over}:", f"    {acc} = {acc} + {value}"]
        if not self.runs(lines):
            return None
        self.use("loop-over-rows")
        self.bind(acc)
        return lines

    def stmt_if(self):
        test = self.operand()
        shape = self.scope[test]
        condition = f"np.sum({test}) > {self.rng.choice(['0.0', '0.5', '-1.0'])}" if shape \
            else f"{test} > 0.0"
        name = self.fresh("v")
        then, then_shape = self.expr(1)
        orelse = self.expr_shaped(then_shape, 1, exact=True)
        if orelse is None:
            return None
        lines = [f"if {condition}:", f"    {name} = {then}", "else:",
                 f"    {name} = {orelse}"]
        if not self.runs(lines):
            return None
        self.use("if")
        self.bind(name)
        return lines

    def stmt_linalg(self):
        """A function of linear algebra, of a matrix made well conditioned."""
        base = self.operand(min_ndim=1, max_ndim=2)
        if base is None:
            return None
        n = self.scope[base][0]
        if n > 4:
            return None
        matrix = self.fresh("m")
        made = f"{base} @ {base}.T" if len(self.scope[base]) == 2 else \
            f"np.outer({base}, {base})"
        # distinct diagonal entries keep eigenvalues apart (eigh's derivative needs them)
        distinct = [float(k) for k in range(2, n + 2)]
        lines = [f"{matrix} = {made} + np.diag(np.array({distinct}))"]
        name = self.fresh("v")
        vector = self.operand_shaped((n,)) or f"np.sin({matrix}[0])"
        choices = [f"{name} = np.linalg.inv({matrix})",
                   f"{name} = 0.1 * np.linalg.det({matrix})",
                   f"_, {name} = np.linalg.slogdet({matrix})",
                   f"{name} = np.linalg.solve({matrix}, {vector})",
                   f"{name} = np.linalg.cholesky({matrix})",
                   f"{name}, _ = np.linalg.eigh({matrix})",
                   f"_, {name} = np.linalg.eigh({matrix})\n{name} = {name} ** 2"]
        if len(self.scope[base]) == 2:
            choices.append(f"{name} = np.linalg.pinv({base})")
        lines += self.rng.choice(choices).split("\n")
        if not self.runs(lines):
            return None
        self.use("linalg")
        self.bind(name)
        return lines

    def stmt_split(self):
        base = self.operand(min_ndim=1)
        axis = self.rng.randrange(len(self.scope[base]))
        if self.scope[base][axis] % 2:
            return None
        a, b = self.fresh("p"), self.fresh("p")
        line = f"{a}, {b} = np.split({base}, 2, axis={axis})"
        if not self.runs([line]):
            return None
        self.use("split")
        self.bind(a)
        self.bind(b)
        return [line]

    # -- operands and expressions --------------------------------------------------------
    def operand(self, min_ndim: int = 0, max_ndim: int = MAX_NDIM):
        """An expression in scope of rank in the bounds (None if there is none), the
        latest assigned names likelier."""
        fits = [v for v, s in self.scope.items() if min_ndim <= len(s) <= max_ndim]
        if not fits:
            return None
        recent = [v for v in self.recent[-3:] if v in fits]
        if recent and self.chance(0.5):
            return self.rng.choice(recent)
        return self.rng.choice(fits)

    def operand_shaped(self, shape: tuple):
        fits = [v for v, s in self.scope.items() if s == shape]
        return self.rng.choice(fits) if fits else None

    def expr_shaped(self, shape: tuple, depth: int = 1, exact: bool = False):
        """An expression of exactly `shape`, or (unless `exact`) one that broadcasts to
        it, or None."""
        for _ in range(12):
            text, got = self.expr(depth)
            if got == shape:
                return text
            if not exact and _broadcasts(got, shape) and \
                    np.broadcast_shapes(got, shape) == shape:
                return text
            if shape == () and self.chance(0.5):
                self.use("reduction")
                return f"np.sum({text})"
        return None

    def expr(self, depth: int):
        """An expression and its shape; `depth` bounds its nesting."""
        if depth <= 0:
            text = self.operand()
            return text, self.scope[text]
        kind = self.pick({"binary": 8, "call": 6, "call2": 2, "kink": 2, "reduce": 4,
                          "index": 4, "shape": 5, "product": 3, "join": 2, "leaf": 1})
        for _ in range(10):
            a, _ = self.expr(depth - 1)
            text = getattr(self, f"expr_{kind}")(a, depth)
            shape = None if text is None else self.shape_of(text)
            if shape is not None:
                return text, shape
        text = self.operand()
        return text, self.scope[text]

    def partner(self, a: str, depth: int) -> str:
        """A second operand for `a`: an expression whose shape broadcasts with a's."""
        shape_a = self.shape_of(a)
        for _ in range(6):
            b, shape_b = self.expr(depth - 1) if self.chance(0.5) else (self.constant(), ())
            if shape_b is not None and _broadcasts(shape_a, shape_b):
                if shape_a != shape_b and shape_a and shape_b:
                    self.use("broadcasting")
                return b
        return self.constant()

    def expr_leaf(self, a, depth):
        return a

    def expr_binary(self, a, depth):
        b = self.partner(a, depth)
        if self.chance(0.5):
            a, b = b, a
        op = self.rng.choice(["+", "-", "*", "*"])
        return f"({a} {op} {b})"

    def call(self, a):
        feature, template = self.rng.choice(ARRAY_CALLS)
        self.use(feature)
        return template.format(a=a)

    def expr_call(self, a, depth):
        return self.call(a)

    def expr_call2(self, a, depth):
        feature, template = self.rng.choice(ARRAY_BINARY_CALLS)
        self.use(feature)
        return template.format(a=a, b=self.partner(a, depth))

    def expr_kink(self, a, depth):
        feature, template = self.rng.choice(ARRAY_KINKED_CALLS)
        self.use(feature)
        return template.format(a=a, b=self.partner(a, depth))

    def axis(self, ndim: int, tuples: bool = True):
        """An `axis=` value for rank `ndim`: None, an int (negative too) or a tuple."""
        if ndim == 0:
            return None
        r = self.rng.random()
        if r < 0.2:
            return None
        if r < 0.8 or ndim < 2 or not tuples:
            return self.rng.randrange(-ndim, ndim)
        return tuple(sorted(self.rng.sample(range(ndim), 2)))

    def expr_reduce(self, a, depth):
        shape = self.shape_of(a)
        ndim = len(shape)
        axis = self.axis(ndim)
        keepdims = ndim > 0 and self.chance(0.3)
        extra = (f", axis={axis}" if axis is not None else "") + \
            (", keepdims=True" if keepdims else "")
        if keepdims:
            self.use("keepdims")
        kind = self.pick({"sum": 4, "mean": 2, "max": 2, "min": 1, "prod": 1, "var": 1,
                          "std": 1, "cumsum": 1, "norm": 1})
        if kind == "cumsum":
            self.use("cumsum")
            return f"np.cumsum({a}{f', axis={self.axis(ndim, False)}' if ndim else ''})"
        if kind in ("std", "norm"):
            # their derivatives at a constant (at zero) are nan, as documented: only on
            # an argument, over more than one element
            params = [p for p in ARRAY_PARAMS if p in self.scope and len(self.scope[p]) and
                      self.scope[p] == shape]
            if not params or _reduced_size(shape, axis) < 2:
                return None
            a = self.rng.choice(params)
            if kind == "norm":
                self.use("norm")
                return f"np.linalg.norm({a}{extra})"
        self.use("reduction")
        if ndim and _is_name(a) and self.chance(0.25):
            self.use("reduction-method")
            return f"{a}.{kind}({extra[2:]})"
        return f"np.{kind}({a}{extra})"

    def index(self, shape: tuple, write: bool = False) -> str:
        """An index into an array of `shape`: per axis an int, a slice, a list or mask
        (on reads), sometimes None or `...`."""
        items = []
        arrays = 0
        for n in shape[:self.rng.randint(1, len(shape))]:
            r = self.rng.random()
            if r < 0.3:
                self.use("index-int")
                items.append(str(self.rng.randrange(-n, n)))
            elif r < 0.75:
                self.use("index-slice")
                start = self.rng.choice(["", "", "1", "-2", "0"])
                stop = self.rng.choice(["", "", "-1", str(n)])
                step = self.rng.choice(["", "", "2", "-1"])
                if step == "-1":
                    self.use("index-negative-step")
                    start, stop = "", ""
                items.append(f"{start}:{stop}" + (f":{step}" if step else ""))
            elif arrays == 0:
                arrays += 1
                positions = list(range(n))
                picked = self.rng.sample(positions, self.rng.randint(1, n)) if write else \
                    [self.rng.randrange(n) for _ in range(self.rng.randint(1, 3))]
                kind = self.rng.choice(["list", "mask", "global"])
                if kind == "mask" and not write:
                    self.use("index-mask")
                    mask = [self.chance(0.6) for _ in range(n)]
                    mask[self.rng.randrange(n)] = True
                    items.append(repr(mask))
                elif kind == "global" and not write:
                    self.use("index-global-array")
                    name = f"IDX{len(self.globals)}"
                    self.globals[name] = np.array(picked)
                    self.env[name] = self.globals[name]
                    items.append(name)
                else:
                    self.use("index-list")
                    items.append(repr(picked))
            else:
                items.append(":")
        if not write and self.chance(0.15):
            self.use("index-none")
            items.insert(self.rng.randrange(len(items) + 1), "None")
        if self.chance(0.1) and len(items) < len(shape):
            self.use("index-ellipsis")
            items.insert(0, "...")
        return ", ".join(items)

    def expr_index(self, a, depth):
        shape = self.shape_of(a)
        if not shape:
            return None
        if not _is_name(a):
            a = f"({a})"
        return f"{a}[{self.index(shape)}]"

    def expr_shape(self, a, depth):
        shape = self.shape_of(a)
        ndim = len(shape)
        if ndim == 0:
            return None
        size = int(np.prod(shape))
        method = _is_name(a)
        kind = self.rng.choice(["reshape", "transpose", "swapaxes", "flip", "roll", "tile",
                                "repeat", "pad", "diag", "triangle", "expand-squeeze",
                                "ravel", "broadcast-to"])
        self.use(kind)
        axis = self.rng.randrange(-ndim, ndim)
        if kind == "reshape":
            factors = [d for d in range(1, size + 1) if size % d == 0]
            d = self.rng.choice(factors)
            new = self.rng.choice([(-1,), (d, size // d), (d, -1), (size // d, 1, d)])
            return f"{a}.reshape{new}" if method and len(new) > 1 and self.chance(0.5) \
                else f"np.reshape({a}, {new})"
        if kind == "transpose":
            perm = tuple(self.rng.sample(range(ndim), ndim))
            return self.rng.choice([f"np.transpose({a})", f"np.transpose({a}, {perm})"] +
                                   ([f"{a}.T", f"{a}.transpose{perm}"] if method and
                                    ndim > 1 else []))
        if kind == "swapaxes":
            return self.rng.choice([f"np.swapaxes({a}, 0, {axis})",
                                    f"np.moveaxis({a}, {axis}, 0)"])
        if kind == "flip":
            return self.rng.choice([f"np.flip({a})", f"np.flip({a}, axis={axis})"])
        if kind == "roll":
            shift = self.rng.choice([1, -1, 2])
            return self.rng.choice([f"np.roll({a}, {shift})",
                                    f"np.roll({a}, {shift}, axis={axis})"])
        if kind == "tile":
            return f"np.tile({a}, {self.rng.choice(['2', '(2, 1)', '(1, 2)'])})"
        if kind == "repeat":
            return self.rng.choice([f"np.repeat({a}, 2)", f"np.repeat({a}, 2, axis={axis})"])
        if kind == "pad":
            width = self.rng.choice(["1", "(1, 0)", str(((1, 0),) * ndim)])
            return f"np.pad({a}, {width})"
        if kind == "diag":
            if ndim == 1:
                return self.rng.choice([f"np.diag({a})", f"np.diag({a}, k=1)"])
            if ndim == 2:
                return self.rng.choice([f"np.diag({a})", f"np.diagonal({a})",
                                        f"np.diag({a}, k=-1)"])
            return f"np.diagonal({a}, axis1=1, axis2=2)"
        if kind == "triangle":
            if ndim < 2:
                return None
            return f"np.{self.rng.choice(['triu', 'tril'])}({a}, {self.rng.choice([0, 1, -1])})"
        if kind == "expand-squeeze":
            if 1 in shape and self.chance(0.6):
                return f"np.squeeze({a})"
            return f"np.expand_dims({a}, {self.rng.randrange(-ndim - 1, ndim + 1)})"
        if kind == "ravel":
            return self.rng.choice([f"np.ravel({a})", f"np.atleast_2d({a})"] +
                                   ([f"{a}.flatten()", f"{a}.ravel()"] if method else []))
        return f"np.broadcast_to({a}, {(2,) + shape})"

    def expr_product(self, a, depth):
        shape = self.shape_of(a)
        ndim = len(shape)
        if ndim == 0:
            return None
        kind = self.rng.choice(["matmul", "dot", "einsum", "outer", "tensordot", "kron",
                                "cross", "trace"])
        others = [v for v in self.scope if self.scope[v]] + [a]
        b = self.rng.choice(others)
        shape_b = self.shape_of(b)
        self.use(kind)
        if kind == "matmul":
            fits = [v for v in others if self.shape_of(f"{a} @ {v}") is not None]
            return f"{a} @ {self.rng.choice(fits)}" if fits else f"{a} @ np.transpose({a})"
        if kind == "dot":
            fits = [v for v in others if self.shape_of(f"np.dot({a}, {v})") is not None]
            return f"np.dot({a}, {self.rng.choice(fits)})" if fits else \
                f"np.inner({a}, {a})"
        if kind == "einsum":
            return self.einsum(a, shape, b, shape_b)
        if kind == "outer":
            return f"np.outer({a}, {b})" if ndim == 1 and len(shape_b) == 1 else \
                f"np.outer(np.ravel({a}), np.ravel({b}))"
        if kind == "tensordot":
            return f"np.tensordot({a}, {b}, axes={self.rng.choice([0, 1])})"
        if kind == "kron":
            return f"np.kron({a}, {b})"
        if kind == "cross":
            return f"np.cross({a}, {b})" if shape[-1] == shape_b[-1] == 3 else None
        return f"np.trace({a})" if ndim >= 2 else None

    def einsum(self, a, shape_a, b, shape_b):
        """einsum of a and b contracting one pair of equal axes, explicit or implicit."""
        labels_a = "ijk"[:len(shape_a)]
        labels_b = list("lmn"[:len(shape_b)])
        pairs = [(p, q) for p in range(len(shape_a)) for q in range(len(shape_b))
                 if shape_a[p] == shape_b[q]]
        if pairs:
            p, q = self.rng.choice(pairs)
            labels_b[q] = labels_a[p]
        labels_b = "".join(labels_b)
        inputs = f"{labels_a},{labels_b}"
        if self.chance(0.3):
            return f"np.einsum('{inputs}', {a}, {b})"
        out = [c for c in labels_a + labels_b if (labels_a + labels_b).count(c) == 1]
        self.rng.shuffle(out)
        return f"np.einsum('{inputs}->{''.join(out)}', {a}, {b})"

    def expr_join(self, a, depth):
        shape = self.shape_of(a)
        others = [v for v in self.scope if self.scope[v] == shape]
        b = self.rng.choice(others) if others and self.chance(0.7) else f"np.sin({a})"
        if shape == ():
            self.use("array-literal")
            return f"np.array([{a}, {b}, 1.0])"
        kind = self.rng.choice(["concatenate", "stack", "array-literal"])
        self.use(kind)
        axis = self.rng.randrange(-len(shape), len(shape))
        if kind == "concatenate":
            fits = [v for v in self.scope if self.scope[v] and self.shape_of(
                f"np.concatenate([{a}, {v}], axis={axis})") is not None]
            c = self.rng.choice(fits) if fits else b
            return self.rng.choice([f"np.concatenate([{a}, {c}], axis={axis})",
                                    f"np.concatenate(({a}, {b}), axis=None)",
                                    f"np.hstack([{a}, {c}])", f"np.vstack([{a}, {c}])"])
        if kind == "stack":
            return f"np.stack([{a}, {b}], axis={self.rng.randrange(len(shape) + 1)})"
        return f"np.array([{a}, {b}])"


def _broadcasts(a: tuple | None, b: tuple | None) -> bool:
    if a is None or b is None:
        return False
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _reduced_size(shape: tuple, axis) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[k] for k in axes]))


def _is_name(text: str) -> bool:
    return text.isidentifier()


SIZE = 12


def generate(seed: int, index: int, size: int = SIZE, arrays: bool = False) -> Program:
    """Program `index` of `seed`: the same program on every run and machine; with
    `arrays`, a program over arrays."""
    if arrays:
        generator = _ArrayGenerator(random.Random(f"arrays:{seed}:{index}:{size}"), size)
        source, params, shapes, returns_array = generator.program()
        return Program(seed, index, source, params, set(), False, generator.features,
                       size=size, shapes=shapes, returns_array=returns_array)
    generator = _Generator(random.Random(f"{seed}:{index}:{size}"), size)
    source, params, int_params, returns_tuple = generator.program()
    return Program(seed, index, source, params, int_params, returns_tuple, generator.features,
                   size=size)


# ---- checking one program --------------------------------------------------------------

MAX_VALUE = 1e6        # points where |f| or a derivative is larger are skipped
FD_RTOL = 1e-5         # adcompile against finite differences
MODE_RTOL = 1e-8       # adcompile against itself: one mode against another
PASS_RTOL = 1e-9       # the IR before a pass against the IR after it
POINT_TRIES = 6       # points drawn to find one where f is finite and smooth
DENSE = 10 ** 9        # a `jacobian.COMPRESSION` no sparsity pattern reaches


@dataclass
class Failure:
    kind: str
    detail: str

    @property
    def signature(self) -> str:
        """The kind, and for a crash the exception: what shrinking must keep."""
        if self.kind != "crash":
            return self.kind
        return f"{self.kind}: {self.detail.splitlines()[-1].split(':')[0]}"


@dataclass
class Outcome:
    """What checking one program found."""

    program: Program
    points: int = 0                    # points checked
    skipped: Counter = field(default_factory=Counter)   # reason -> points skipped
    checks: Counter = field(default_factory=Counter)    # kind -> comparisons that passed
    failures: list[Failure] = field(default_factory=list)


class _PassChanged(AssertionError):
    """A pass changed what the IR computes."""


# what a check inside adcompile raises -> the kind of failure it is
_KINDS = {UnsupportedSyntaxError: "unsupported", IRError: "verify", _PassChanged: "pass"}


class _Failed(Exception):
    def __init__(self, kind: str, detail: str):
        super().__init__(detail)
        self.kind = kind


def _close(a, b, rtol: float, atol: float) -> bool:
    a, b = _flat(a), _flat(b)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=atol,
                                                   equal_nan=True))


_flat = fd.flat


def _scale(*values) -> float:
    return max([1.0] + [float(np.max(np.abs(_flat(v)), initial=0.0)) for v in values])


# -- every pass, checked -----------------------------------------------------------------

def interpret(fn, inputs: list):
    """Run the IR itself on `inputs`, op by op, as codegen's output would run."""
    return _interpret_region(fn.body, list(inputs), {})


def _interpret_region(region, params: list, env: dict) -> list:
    env.update(zip(region.params, params))
    for op in region.ops:
        outputs = _interpret_op(op, [env[v] for v in op.inputs], env)
        env.update(zip(op.outputs, outputs))
    return [env[v] for v in region.results]


def _interpret_op(op, args: list, env: dict) -> list:
    if op.prim == "const":
        return [_as_generated(op.params["value"], op)]
    if op.prim == "cond":
        cond = as_cond(op)
        return _interpret_region(cond.then if args[0] else cond.orelse, [], env)
    loop = as_loop(op)
    if isinstance(loop, RangeLoop):
        carried = [env[v] for v in loop.inits]
        for index in range(env[loop.start], env[loop.stop], env[loop.step]):
            *carried, stop = _interpret_region(loop.body, [index, *carried], env)
            if stop:
                break
        return carried
    if isinstance(loop, WhileLoop):
        carried = [env[v] for v in loop.inits]
        while _interpret_region(loop.test, carried, env)[0]:
            *carried, stop = _interpret_region(loop.body, carried, env)
            if stop:
                break
        return carried
    if op.prim == "tape_new":
        return [[]]
    if op.prim == "push":
        args[0].append(args[1])
        return []
    if op.prim == "pop":
        return [args[0].pop()]
    return [_as_generated(evaluate(op.prim, args, [v.type for v in op.inputs], op.params), op)]


def _as_generated(value, op):
    """A NumPy scalar where the type is a Python scalar's becomes the Python scalar, as
    the generated code holds it (`-` of a NumPy bool raises; of a Python bool, it does
    not)."""
    if isinstance(value, np.generic) and op.outputs[0].type.weak:
        return value.item()
    return value


def _run_ir(fn, inputs: list):
    """What the IR computes on `inputs`: its results, or the type of what it raised."""
    try:
        return tuple(interpret(fn, inputs))
    # IR before optimizing may compute what is then thrown away: log(-1) * 0, the
    # negation of a mask (a TypeError in NumPy)
    except (ArithmeticError, ValueError, TypeError) as exc:
        return type(exc)


def _probe_inputs(fn, point: list) -> list:
    """The point for the user's parameters; fixed values for tangents, cotangents and
    what the function reads from outside, arrays of their types where they are arrays
    (zeros for an integer array: an index valid on any axis)."""
    extra = [0.6, -0.4, 1.1, 0.3, -0.8, 0.9]
    inputs = []
    for k, param in enumerate(fn.params):
        t = param.type
        if k < len(point):
            inputs.append(point[k])
        elif isinstance(t, ArrayType) and t.is_array:
            fill = extra[k % len(extra)] if t.is_float else 0
            inputs.append(np.full(t.shape, fill, dtype=t.dtype))
        else:
            inputs.append(extra[k % len(extra)])
    return inputs


def _same(before, after) -> bool:
    if isinstance(before, type):  # raised before: the pass may have removed dead code
        return True
    if isinstance(after, type):
        return False
    b, a = _flat(before), _flat(after)
    if a.shape != b.shape:
        return False
    finite = np.isfinite(b)  # `x * 0 -> 0` may turn a nan or inf into 0, on purpose
    return bool(np.allclose(a[finite], b[finite], rtol=PASS_RTOL,
                            atol=PASS_RTOL * _scale(b[finite])))


@contextlib.contextmanager
def checked_passes(point: list, checks: Counter):
    """Within it, adcompile verifies the IR after each transform and every pass, and runs
    it at `point` to check that each pass kept its values (raising `IRError` or
    `_PassChanged`); `checks` counts the passes checked."""
    def optimize(fn):
        inputs = _probe_inputs(fn, point)
        _verified(fn, "the transform")
        before = _run_ir(fn, inputs)
        for _ in range(driver.MAX_ROUNDS):
            changed = False
            for run in driver.PASSES:
                if run(fn):
                    changed = True
                    before = checked(fn, run.__name__, inputs, before)
            if not changed:
                break
        return fn

    def reduce_strength(fn):
        inputs = _probe_inputs(fn, point)
        before = _run_ir(fn, inputs)
        reduced = saved_strength(fn)
        checked(reduced, "reduce_strength", inputs, before)
        return reduced

    def checked(fn, name: str, inputs: list, before):
        _verified(fn, name)
        after = _run_ir(fn, inputs)
        if not _same(before, after):
            raise _PassChanged(f"{name} changed the values of {fn.name} at {inputs}: "
                               f"{before} -> {after}")
        checks["pass"] += 1
        return after

    saved_optimize, saved_strength = pipeline.optimize, pipeline.reduce_strength
    pipeline.optimize, pipeline.reduce_strength = optimize, reduce_strength
    try:
        yield
    finally:
        pipeline.optimize, pipeline.reduce_strength = saved_optimize, saved_strength


def _verified(fn, after: str) -> None:
    try:
        verify(fn)
    except IRError as exc:
        raise IRError(f"after {after}: {exc}") from exc


# -- the checks at a point ---------------------------------------------------------------

class _PointChecker:
    """The checks at one point; each comparison is counted in `checks` by kind, and a
    failing one raises `_Failed`. `basis` gives, for each float position, the direction
    along which the derivative in that argument is checked: 1 for a float, a random
    array for an array."""

    def __init__(self, f, program: Program, point: list, value, basis: dict,
                 rng: np.random.Generator, passes: bool, checks: Counter, modules):
        self.f = f
        self.name = program.name
        self.modules = modules
        self.point = point
        self.value = value
        self.basis = basis
        self.floats = list(basis)
        self.program = program
        self.arrays = program.shapes is not None
        self.h = fd.step(point)
        self.rng = rng
        self.passes = passes
        self.checks = checks

    def adcompile(self, what: str, call):
        """Run an adcompile call, turning what it raises into a failure of kind `what`."""
        context = checked_passes(self.point, self.checks) if self.passes else \
            contextlib.nullcontext()
        try:
            with context:
                return call()
        except Exception as exc:
            cause = exc  # adcompile wraps a failure inside the compiler: find the check's
            while cause is not None and not isinstance(cause, tuple(_KINDS)):
                cause = cause.__cause__
            if cause is None:
                raise _Failed("crash", f"{what}:\n{traceback.format_exc(limit=-6)}") from None
            kind = next(k for cls, k in _KINDS.items() if isinstance(cause, cls))
            raise _Failed(kind, f"{what}: {cause}") from None

    def whole_matrix(self, kind: str, transform, compression: int):
        """An array program's Jacobian or Hessian, compiled afresh with
        `jacobian.COMPRESSION` at `compression`: `DENSE` for one direction per element,
        1 for compressed columns wherever a sparsity pattern is found."""
        saved = jacobian_transform.COMPRESSION
        jacobian_transform.COMPRESSION = compression
        transform._code.clear()
        try:
            return self.adcompile(kind, lambda: transform(*self.point))
        finally:
            jacobian_transform.COMPRESSION = saved
            transform._code.clear()

    def expect(self, kind: str, ok: bool, message: str) -> None:
        if not ok:
            raise _Failed(kind, message)
        self.checks[kind] += 1

    def same(self, kind: str, got, expected, what: str, rtol: float = MODE_RTOL) -> None:
        """adcompile against adcompile (or Python): equal but for rounding."""
        self.expect(kind, _close(got, expected, rtol, rtol * _scale(got, expected)),
                    f"{what}: {got!r} != {expected!r}")

    def against_differences(self, kind: str, got, fn, direction, base_value) -> None:
        """`got` against finite differences of `fn` along `direction`, at two steps."""
        atol = 1e-8 * _scale(base_value) / self.h
        estimates = []
        for h in (self.h, self.h / 4):
            estimate = fd.directional_difference(fn, self.point, direction, h)
            if _close(got, estimate, FD_RTOL, atol * self.h / h):
                self.checks[kind] += 1
                return
            estimates.append(estimate)
        if _scale(got, *estimates) > MAX_VALUE:
            # so steep that f is noise at the step (sin of a huge value), though the
            # differences at two steps may still agree
            raise _Skip("derivative too large")
        self.expect(kind, not _close(estimates[0], estimates[1], FD_RTOL, atol * 4),
                    f"adcompile {_flat(got)} != finite differences {estimates[0]} (step "
                    f"{self.h}) and {estimates[1]} (step {self.h / 4})")
        raise _Unsure(kind)

    def random_like(self, value):
        if isinstance(value, np.ndarray):
            return self.rng.standard_normal(value.shape)
        return float(self.rng.standard_normal())

    def run(self) -> None:
        f, point, P = self.f, self.point, self.floats
        primal = self.adcompile("primal", lambda: ad.primal(f)(*point))
        self.same("primal", primal, self.value, "compiled primal against Python", 1e-12)

        direction = [self.random_like(point[k]) if k in P else None
                     for k in range(len(point))]
        if not fd.no_kink_along(lambda t: _flat(f(*fd.moved(point, direction, t))), self.h):
            raise _Skip("f not smooth")
        tangents = [d if d is not None else 0 for d in direction]
        value, tangent = self.adcompile("jvp", lambda: ad.jvp(f, point, tangents))
        self.same("jvp", value, self.value, "jvp's value against Python", 1e-12)
        self.against_differences("jvp", tangent, f, direction, self.value)
        if self.program.vector_result:
            self.vector_result(direction, tangent)
            return

        grad = self.adcompile("grad", lambda: ad.grad(f, argnums=tuple(P))(*point))
        for position, g in zip(P, grad):
            self.against_differences("grad", _along(g, self.basis[position][position]), f,
                                     self.basis[position], self.value)
        along = sum(_along(g, direction[p]) for p, g in zip(P, grad))
        self.same("forward-vs-reverse", tangent, along, "jvp against gradient . tangent")
        self.second_order(grad, direction)

    def vector_result(self, direction, tangent) -> None:
        """A function returning a tuple or an array: vjp against jvp (the dot-product
        test), and the Jacobian (an array program's: dense and compressed) against jvp."""
        f, point, P = self.f, self.point, self.floats
        if self.program.returns_tuple:
            cotangent = tuple(float(c) for c in self.rng.standard_normal(len(self.value)))
        else:
            cotangent = self.rng.standard_normal(np.shape(self.value))
        pulled = self.adcompile("vjp", lambda: ad.vjp(f, *point)[1](cotangent))
        self.same("forward-vs-reverse", sum(_along(pulled[p], direction[p]) for p in P),
                  float(np.dot(_flat(cotangent), _flat(tangent))),
                  "<vjp, tangent> against <cotangent, jvp>")
        transform = ad.jacobian(f, argnums=tuple(P))
        if not self.arrays:
            jacobian = self.adcompile("jacobian", lambda: transform(*point))
        else:
            jacobian = self.whole_matrix("jacobian", transform, DENSE)
            compressed = self.whole_matrix("sparse-jacobian", transform, 1)
            self.same("sparse-jacobian", compressed, jacobian,
                      "the compressed Jacobian against the dense one")
        rows = jacobian if self.program.returns_tuple else (jacobian,)
        along = tuple(sum(_along(row[k], direction[p]) for k, p in enumerate(P))
                      for row in rows)
        self.same("jacobian", along, tangent, "jacobian . tangent against jvp")

    def second_order(self, grad, direction) -> None:
        f, point, P = self.f, self.point, self.floats
        gradient = ad.grad(f, argnums=tuple(P))
        if not all(fd.no_kink_along(_line(gradient, point, self.basis[p]), self.h)
                   for p in P):
            raise _Skip("gradient not smooth")
        transform = ad.hessian(f, argnums=tuple(P))
        if not self.arrays:
            hessian = self.adcompile("hessian", lambda: transform(*point))
        else:
            hessian = self.whole_matrix("hessian", transform, DENSE)
        for column, position in enumerate(P):
            got = tuple(_along(row[column], self.basis[position][position])
                        for row in hessian)
            self.against_differences("hessian", got, gradient, self.basis[position], grad)
        i, j = (int(k) for k in self.rng.integers(len(P), size=2))
        if not self.arrays:
            twice = self.adcompile("grad-of-grad", lambda: ad.grad(
                ad.grad(f, argnums=P[i]), argnums=P[j])(*point))
            self.same("grad-of-grad", twice, hessian[i][j],
                      f"grad(grad(f, {P[i]}), {P[j]}) against the Hessian")
            second = self.adcompile("derivative", lambda: ad.derivative(f, order=2)(*point))
            self.same("derivative", second, hessian[0][0],
                      "derivative(f, order=2) against the Hessian")
            self.generated_source(lambda saved: ad.grad(saved)(*self.point), hessian[0][0])
            return
        compressed = self.whole_matrix("sparse-hessian", transform, 1)
        self.same("sparse-hessian", compressed, hessian,
                  "the compressed Hessian against the dense one")
        # reverse over reverse: a vjp of the gradient in argument P[i]
        w = self.random_like(point[P[i]])
        pulled = self.adcompile("grad-of-grad", lambda: ad.vjp(
            ad.grad(f, argnums=P[i]), *point)[1](w))
        self.same("grad-of-grad", pulled[P[j]], np.tensordot(w, hessian[i][j], np.ndim(w)),
                  f"vjp(grad(f, {P[i]}))(w)[{P[j]}] against w . the Hessian")
        tangents = [d if d is not None else 0 for d in direction]
        self.generated_source(
            lambda saved: ad.jvp(saved, self.point, tangents)[1],
            sum(_along(hessian[P.index(0)][k], direction[p]) for k, p in enumerate(P)))

    def generated_source(self, differentiate, expected_again) -> None:
        """The gradient's generated source, saved to a file and imported, computes the
        gradient, and `differentiate(saved)` differentiates it again to
        `expected_again`."""
        gradient = ad.grad(self.f)
        expected = gradient(*self.point)
        compiled, _ = gradient.prepare(list(self.point))
        module = self.modules.load(f"{self.name}_grad", compiled.source)
        # the arrays the source reads by name come with it (a 0-d one can be among them)
        for name, value in compiled.function.__globals__.items():
            if isinstance(value, np.ndarray) and not hasattr(module, name):
                setattr(module, name, value)
        saved = getattr(module, f"{self.f.__name__}_grad")
        # what f reads from outside (an index array) follows its arguments
        outside = [self.f.__globals__[name] for name in
                   list(inspect.signature(saved).parameters)[len(self.point):]]
        got = self.adcompile("generated-source", lambda: saved(*self.point, *outside))
        self.same("generated-source", got, expected,
                  "the saved gradient source against the gradient", 0.0)
        if outside:
            return
        again = self.adcompile("generated-source", lambda: differentiate(saved))
        self.same("generated-source", again, expected_again,
                  "the derivative of the saved gradient source against the Hessian")


def _along(block, direction):
    """`block`'s trailing axes, those of an argument, contracted with `direction`."""
    return np.tensordot(block, direction, np.ndim(direction))


def _line(fn, point, direction):
    """`fn` along the line through `point` in `direction`, flattened."""
    return lambda t: _flat(fn(*fd.moved(point, direction, t)))


class _Skip(Exception):
    """The point is no good for checking (a kink nearby, an overflow...)."""


class _Unsure(_Skip):
    def __init__(self, kind: str):
        super().__init__(f"{kind}: finite differences unsure")


def _draw_point(program: Program, rng: np.random.Generator) -> list:
    if program.shapes is not None:
        return [float(rng.uniform(-2.0, 2.0)) if shape == () else
                rng.uniform(-2.0, 2.0, size=shape) for shape in program.shapes.values()]
    return [int(rng.integers(0, 5)) if name in program.int_params
            else float(rng.uniform(-2.0, 2.0)) for name in program.params]


def _basis(program: Program, point: list, rng: np.random.Generator) -> dict:
    """For each float argument, the direction moving it alone along which its derivative
    is checked: by 1 for a float, by a random array for an array."""
    return {k: [None] * k + [rng.standard_normal(value.shape) if isinstance(
                value, np.ndarray) else 1.0] + [None] * (len(point) - k - 1)
            for k, (name, value) in enumerate(zip(program.params, point))
            if name not in program.int_params}


def _original_value(f, point, program: Program):
    # NumPy's inf and nan on the way (np.sin(inf)) are skipped too: the compiled code
    # calls math there, which raises (the edges of the domain are tested elsewhere)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = f(*point)
    except (ArithmeticError, ValueError):
        raise _Skip("f raises") from None
    except Exception:  # the generator wrote a program that is not Python
        raise _Failed("invalid-program", traceback.format_exc(limit=-4)) from None
    if program.returns_array:
        valid = isinstance(value, np.ndarray) and value.ndim and value.dtype.kind == "f"
    else:
        numbers = value if program.returns_tuple else [value]
        valid = isinstance(value, tuple) == program.returns_tuple and all(
            isinstance(v, (int, float, np.number)) for v in numbers)
    if not valid:
        raise _Failed("invalid-program", f"f returned {value!r}")
    if not np.all(np.isfinite(value)) or np.max(np.abs(value)) > MAX_VALUE:
        raise _Skip("f too large")
    return value


def check_program(program: Program, f, modules: _Modules, points: int = 1,
                  passes: bool = True) -> Outcome:
    """Check `f` (the program's function, imported) at `points` good points; generated
    source is imported through `modules`."""
    outcome = Outcome(program)
    rng = np.random.default_rng([program.seed, program.index])
    for _ in range(points * POINT_TRIES):
        if outcome.points >= points or outcome.failures:
            break
        point = _draw_point(program, rng)
        try:
            value = _original_value(f, point, program)
            basis = _basis(program, point, rng)
            if not all(fd.no_kink_along(_line(f, point, direction), fd.step(point))
                       for direction in basis.values()):
                raise _Skip("f not smooth")
            _PointChecker(f, program, point, value, basis, rng, passes, outcome.checks,
                          modules).run()
            outcome.points += 1
        except _Skip as skip:
            outcome.skipped[str(skip)] += 1
        except (ArithmeticError, ValueError):  # f overflows at a point the differences need
            outcome.skipped["f raises nearby"] += 1
        except _Failed as failure:
            outcome.failures.append(Failure(failure.kind, f"at {point}: {failure}"))
    return outcome


# ---- running many ----------------------------------------------------------------------

class _Timeout(BaseException):
    """Not an Exception, so that no handler of the checks takes it for a failure."""


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Raise `_Timeout` in the main thread after `seconds` (no limit elsewhere)."""
    if not hasattr(signal, "setitimer") or \
            threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _Modules:
    """Source written to files in `directory` and imported; `forget` drops them from
    sys.modules and their entries from adcompile's compile caches, so that memory stays
    flat over thousands of programs."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.loaded: list = []

    def load(self, name: str, source: str):
        path = self.directory / f"{name}.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        self.loaded.append(module)
        spec.loader.exec_module(module)
        return module

    def forget(self) -> None:
        names = {module.__name__ for module in self.loaded}
        files = {module.__file__ for module in self.loaded}

        def file_of(identity):  # (code or the identity of an inner transform, kind, ...)
            while isinstance(identity, tuple):
                identity = identity[0]
            return getattr(identity, "co_filename", None)
        for key in [k for k in cache._CACHES if file_of(k) in files]:
            del cache._CACHES[key]
        for code in [c for c in cache._LOWERED if c.co_filename in files]:
            del cache._LOWERED[code]
        for name in names:
            sys.modules.pop(name, None)
        self.loaded.clear()


def run_one(program: Program, directory: Path, points: int = 1, passes: bool = True,
            seconds: float = 600.0) -> Outcome:
    modules = _Modules(directory)
    try:
        try:
            f = modules.load(program.name, program.source).f
        except Exception:  # the shrinker tries programs that are no longer whole
            outcome = Outcome(program)
            outcome.failures.append(Failure("invalid-program", traceback.format_exc(-1)))
            return outcome
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            with _time_limit(seconds):
                return check_program(program, f, modules, points, passes)
    except _Timeout:
        outcome = Outcome(program)
        outcome.failures.append(Failure("hang", f"no answer in {seconds} s"))
        return outcome
    finally:
        modules.forget()


@dataclass
class Summary:
    programs: int = 0
    points: int = 0
    skipped: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    features: Counter = field(default_factory=Counter)
    checks: Counter = field(default_factory=Counter)
    failing: list[Outcome] = field(default_factory=list)
    interrupted: bool = False

    def add(self, outcome: Outcome) -> None:
        self.programs += 1
        self.points += outcome.points
        self.skipped += outcome.skipped
        self.checks += outcome.checks
        self.features.update(outcome.program.features)
        if not outcome.points and not outcome.failures:
            self.skipped["no good point"] += 1
        for failure in outcome.failures:
            self.failures[failure.kind] += 1
        if outcome.failures:
            self.failing.append(outcome)

    def report(self) -> str:
        lines = [f"{self.programs} programs, {self.points} points checked, "
                 f"{sum(self.failures.values())} failures"]
        if self.failures:
            lines.append("failures by kind: " + ", ".join(
                f"{kind} {count}" for kind, count in self.failures.most_common()))
        lines.append("comparisons that passed: " + ", ".join(
            f"{kind} {count}" for kind, count in sorted(self.checks.items())))
        lines.append("points skipped: " + (", ".join(
            f"{reason} {count}" for reason, count in self.skipped.most_common()) or "none"))
        lines.append("programs using each feature: " + ", ".join(
            f"{name} {count}" for name, count in sorted(self.features.items())))
        return "\n".join(lines)


def run(seed: int, count: int, first: int = 0, points: int = 1, passes: bool = True,
        out: Path | None = None, progress=None, size: int = SIZE,
        arrays: bool = False) -> Summary:
    """Check programs `first` .. `first + count - 1` of `seed` (array programs with
    `arrays`); write failing ones to `out` (when given), each with a shrunk copy."""
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="adcompile-fuzz-") as tmp:
        try:
            for index in range(first, first + count):
                program = generate(seed, index, size, arrays)
                outcome = run_one(program, Path(tmp), points, passes)
                summary.add(outcome)
                if outcome.failures and out is not None:
                    write_failure(outcome, out)
                    write_failure(shrink(outcome, Path(tmp), points, passes), out, "_shrunk")
                if progress is not None:
                    progress(index, outcome)
        except KeyboardInterrupt:  # a long run stopped early still reports what it did
            summary.interrupted = True
    return summary


# ---- shrinking -------------------------------------------------------------------------

def shrink(outcome: Outcome, directory: Path, points: int = 1, passes: bool = True,
           ) -> Outcome:
    """A smaller program that fails the same way: each line, with the block it heads, is
    deleted in turn, last first, and the deletion kept while the first failure's
    signature remains; again until no line can go."""
    signature = outcome.failures[0].signature
    # deleting a loop's counter update can make a program that never ends
    seconds = 600.0 if outcome.failures[0].kind == "hang" else 20.0
    best = outcome
    lines = outcome.program.source.splitlines()
    tries = 0
    shrinking = True
    while shrinking:
        shrinking = False
        for k in reversed(range(len(lines))):
            candidate = lines[:k] + lines[_block_end(lines, k):]
            tries += 1
            trial = _try_source(best.program, "\n".join(candidate) + "\n",
                                f"{outcome.program.name}_shrink{tries}", directory, points,
                                passes, seconds)
            if trial is not None and any(f.signature == signature for f in trial.failures):
                lines, best, shrinking = candidate, trial, True
    return best


def _block_end(lines: list[str], k: int) -> int:
    """The end of line k and of the lines indented under it."""
    if not lines[k].strip():
        return k + 1
    indent = len(lines[k]) - len(lines[k].lstrip())
    end = k + 1
    while end < len(lines) and (not lines[end].strip() or
                                len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    return end


def _try_source(program: Program, source: str, name: str, directory: Path, points: int,
                passes: bool, seconds: float) -> Outcome | None:
    try:
        compile(source, name, "exec")
    except SyntaxError:
        return None
    candidate = dataclasses.replace(program, source=source, name=name)
    return run_one(candidate, directory, points, passes, seconds)


def write_failure(outcome: Outcome, out: Path, suffix: str = "") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    program = outcome.program
    kinds = "-".join(sorted({f.kind for f in outcome.failures}))
    path = out / f"{program.label}_{kinds}{suffix}.py"
    header = [f"# adcompile fuzzer: seed {program.seed}, program {program.index}",
              f"# rerun: python tests/fuzz.py --seed {program.seed} --first "
              f"{program.index} --count 1 --size {program.size}" +
              (" --arrays" if program.shapes is not None else "")]
    for failure in outcome.failures:
        header += [f"# {failure.kind}: " + line for line in failure.detail.splitlines()]
    path.write_text("\n".join(header) + "\n\n" + program.source)
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--first", type=int, default=0, help="index of the first program")
    parser.add_argument("--points", type=int, default=1, help="good points per program")
    parser.add_argument("--size", type=int, default=SIZE,
                        help="the most statements a program's `f` has")
    parser.add_argument("--arrays", action="store_true",
                        help="programs over arrays (array arguments of small shapes)")
    parser.add_argument("--no-pass-check", action="store_true",
                        help="skip running the IR before and after every pass (faster)")
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"),
                        help="where failing programs are written")
    parser.add_argument("--show", action="store_true", help="print each program's source")
    args = parser.parse_args(argv)

    def progress(index, outcome):
        if args.show:
            print(f"---- program {index}\n{outcome.program.source}")
        for failure in outcome.failures:
            print(f"program {index}: {failure.kind}: {failure.detail.splitlines()[0]}")
        done = index - args.first + 1
        if done % 500 == 0:
            print(f"... {done} programs", flush=True)

    summary = run(args.seed, args.count, args.first, args.points, not args.no_pass_check,
                  args.out, progress, args.size, args.arrays)
    last = args.first + summary.programs - 1
    print(f"seed {args.seed}, {'array ' if args.arrays else ''}programs "
          f"{args.first}..{last}, size {args.size}" +
          (" (interrupted)" if summary.interrupted else ""))
    print(summary.report())
    if summary.failing:
        print(f"failing programs written to {args.out}/")
    return 1 if summary.failing else 0


if __name__ == "__main__":
    sys.exit(main())
