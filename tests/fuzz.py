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
import importlib.util
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
from adcompile import api
from adcompile.errors import UnsupportedSyntaxError
from adcompile.backend.spellings import evaluate
from adcompile.ir.structured import RangeLoop, WhileLoop, as_cond, as_loop
from adcompile.ir.verify import IRError, verify
from adcompile.passes import driver

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

    def __post_init__(self):
        self.name = self.name or f"fuzz_{self.seed}_{self.index}"


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


class _Generator:
    """Writes one random program; `features` records the constructs it used."""

    def __init__(self, rng: random.Random, size: int):
        self.rng = rng
        self.size = size  # the most statements `f` has (its helpers a third of that)
        self.features: set[str] = set()
        self.counter = 0
        self.helpers: list[_Helper] = []
        self.budget = 0  # statements left to write in the current function

    def use(self, feature: str) -> None:
        assert feature in FEATURES, feature
        self.features.add(feature)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, weighted: dict):
        return self.rng.choices(list(weighted), weights=list(weighted.values()))[0]

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


SIZE = 12


def generate(seed: int, index: int, size: int = SIZE) -> Program:
    """Program `index` of `seed`: the same program on every run and machine."""
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


def _flat(value) -> np.ndarray:
    if isinstance(value, tuple):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=float))


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
    """The point for the user's parameters; fixed values for tangents and cotangents."""
    extra = [0.6, -0.4, 1.1, 0.3, -0.8, 0.9]
    return [point[k] if k < len(point) else extra[k % len(extra)]
            for k in range(len(fn.params))]


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

    saved_optimize, saved_strength = api.optimize, api.reduce_strength
    api.optimize, api.reduce_strength = optimize, reduce_strength
    try:
        yield
    finally:
        api.optimize, api.reduce_strength = saved_optimize, saved_strength


def _verified(fn, after: str) -> None:
    try:
        verify(fn)
    except IRError as exc:
        raise IRError(f"after {after}: {exc}") from exc


# -- the checks at a point ---------------------------------------------------------------

class _PointChecker:
    """The checks at one point; each comparison is counted in `checks` by kind, and a
    failing one raises `_Failed`."""

    def __init__(self, f, program: Program, point: list, value, rng: np.random.Generator,
                 passes: bool, checks: Counter, modules):
        self.f = f
        self.name = program.name
        self.modules = modules
        self.point = point
        self.value = value
        self.floats = [k for k, name in enumerate(program.params)
                       if name not in program.int_params]
        self.returns_tuple = program.returns_tuple
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

    def run(self) -> None:
        f, point, P = self.f, self.point, self.floats
        primal = self.adcompile("primal", lambda: ad.primal(f)(*point))
        self.same("primal", primal, self.value, "compiled primal against Python", 1e-12)

        direction = [float(self.rng.standard_normal()) if k in P else None
                     for k in range(len(point))]
        if not fd.no_kink_along(lambda t: _flat(f(*fd.moved(point, direction, t))), self.h):
            raise _Skip("f not smooth")
        tangents = [d if d is not None else 0 for d in direction]
        value, tangent = self.adcompile("jvp", lambda: ad.jvp(f, point, tangents))
        self.same("jvp", value, self.value, "jvp's value against Python", 1e-12)
        self.against_differences("jvp", tangent, f, direction, self.value)
        if self.returns_tuple:
            self.tuple_result(direction, tangent)
            return

        grad = self.adcompile("grad", lambda: ad.grad(f, argnums=tuple(P))(*point))
        for position, g in zip(P, grad):
            self.against_differences("grad", g, f, fd.unit(len(point), position), self.value)
        along = sum(g * direction[p] for p, g in zip(P, grad))
        self.same("forward-vs-reverse", tangent, along, "jvp against gradient . tangent")
        self.second_order(grad)

    def tuple_result(self, direction, tangent) -> None:
        """A function returning a tuple: vjp against jvp (the dot-product test), and the
        Jacobian against jvp."""
        f, point, P = self.f, self.point, self.floats
        cotangent = tuple(float(c) for c in self.rng.standard_normal(len(self.value)))
        pulled = self.adcompile("vjp", lambda: ad.vjp(f, *point)[1](cotangent))
        self.same("forward-vs-reverse", sum(pulled[p] * direction[p] for p in P),
                  float(np.dot(cotangent, tangent)), "<vjp, tangent> against <cotangent, jvp>")
        jacobian = self.adcompile("jacobian",
                                  lambda: ad.jacobian(f, argnums=tuple(P))(*point))
        along = tuple(sum(row[k] * direction[p] for k, p in enumerate(P)) for row in jacobian)
        self.same("jacobian", along, tangent, "jacobian . tangent against jvp")

    def second_order(self, grad) -> None:
        f, point, P = self.f, self.point, self.floats
        gradient = ad.grad(f, argnums=tuple(P))
        if not fd.locally_smooth(gradient, point, {p: self.h for p in P}):
            raise _Skip("gradient not smooth")
        hessian = self.adcompile("hessian",
                                 lambda: ad.hessian(f, argnums=tuple(P))(*point))
        for column, position in enumerate(P):
            got = tuple(row[column] for row in hessian)
            self.against_differences("hessian", got, gradient,
                                     fd.unit(len(point), position), grad)
        i, j = (int(k) for k in self.rng.integers(len(P), size=2))
        twice = self.adcompile("grad-of-grad", lambda: ad.grad(
            ad.grad(f, argnums=P[i]), argnums=P[j])(*point))
        self.same("grad-of-grad", twice, hessian[i][j],
                  f"grad(grad(f, {P[i]}), {P[j]}) against the Hessian")
        second = self.adcompile("derivative", lambda: ad.derivative(f, order=2)(*point))
        self.same("derivative", second, hessian[0][0],
                  "derivative(f, order=2) against the Hessian")
        self.generated_source(hessian[0][0])

    def generated_source(self, second) -> None:
        """The gradient's generated source, saved to a file and imported, computes the
        gradient, and differentiates again to the second derivative."""
        gradient = ad.grad(self.f)
        expected = gradient(*self.point)
        compiled, _ = gradient.prepare(list(self.point))
        module = self.modules.load(f"{self.name}_grad", compiled.source)
        # the arrays the source reads by name come with it (a 0-d one can be among them)
        for name, value in compiled.function.__globals__.items():
            if isinstance(value, np.ndarray) and not hasattr(module, name):
                setattr(module, name, value)
        saved = getattr(module, f"{self.f.__name__}_grad")
        got = self.adcompile("generated-source", lambda: saved(*self.point))
        self.same("generated-source", got, expected,
                  "the saved gradient source against the gradient", 0.0)
        again = self.adcompile("generated-source", lambda: ad.grad(saved)(*self.point))
        self.same("generated-source", again, second,
                  "grad of the saved gradient source against the Hessian")


class _Skip(Exception):
    """The point is no good for checking (a kink nearby, an overflow...)."""


class _Unsure(_Skip):
    def __init__(self, kind: str):
        super().__init__(f"{kind}: finite differences unsure")


def _draw_point(program: Program, rng: np.random.Generator) -> list:
    return [int(rng.integers(0, 5)) if name in program.int_params
            else float(rng.uniform(-2.0, 2.0)) for name in program.params]


def _original_value(f, point, returns_tuple: bool):
    # NumPy's inf and nan on the way (np.sin(inf)) are skipped too: the compiled code
    # calls math there, which raises (the edges of the domain are tested elsewhere)
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            value = f(*point)
    except (ArithmeticError, ValueError):
        raise _Skip("f raises") from None
    except Exception:  # the generator wrote a program that is not Python
        raise _Failed("invalid-program", traceback.format_exc(limit=-4)) from None
    numbers = value if returns_tuple else [value]
    if isinstance(value, tuple) != returns_tuple or not all(
            isinstance(v, (int, float, np.number)) for v in numbers):
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
            value = _original_value(f, point, program.returns_tuple)
            floats = [k for k, name in enumerate(program.params)
                      if name not in program.int_params]
            if not fd.locally_smooth(f, point, {p: fd.step(point) for p in floats}):
                raise _Skip("f not smooth")
            _PointChecker(f, program, point, value, rng, passes, outcome.checks,
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
        for key in [k for k in api._CACHES if file_of(k) in files]:
            del api._CACHES[key]
        for code in [c for c in api._LOWERED if c.co_filename in files]:
            del api._LOWERED[code]
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
        out: Path | None = None, progress=None, size: int = SIZE) -> Summary:
    """Check programs `first` .. `first + count - 1` of `seed`; write failing ones to
    `out` (when given), each with a shrunk copy."""
    summary = Summary()
    with tempfile.TemporaryDirectory(prefix="adcompile-fuzz-") as tmp:
        try:
            for index in range(first, first + count):
                program = generate(seed, index, size)
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
                                passes)
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
                passes: bool) -> Outcome | None:
    try:
        compile(source, name, "exec")
    except SyntaxError:
        return None
    candidate = Program(program.seed, program.index, source, program.params,
                        program.int_params, program.returns_tuple, program.features, name,
                        program.size)
    return run_one(candidate, directory, points, passes)


def write_failure(outcome: Outcome, out: Path, suffix: str = "") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    program = outcome.program
    kinds = "-".join(sorted({f.kind for f in outcome.failures}))
    path = out / f"fuzz_{program.seed}_{program.index}_{kinds}{suffix}.py"
    header = [f"# adcompile fuzzer: seed {program.seed}, program {program.index}",
              f"# rerun: python tests/fuzz.py --seed {program.seed} --first "
              f"{program.index} --count 1 --size {program.size}"]
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
                  args.out, progress, args.size)
    last = args.first + summary.programs - 1
    print(f"seed {args.seed}, programs {args.first}..{last}, size {args.size}" +
          (" (interrupted)" if summary.interrupted else ""))
    print(summary.report())
    if summary.failing:
        print(f"failing programs written to {args.out}/")
    return 1 if summary.failing else 0


if __name__ == "__main__":
    sys.exit(main())
