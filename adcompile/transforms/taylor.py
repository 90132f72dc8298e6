"""Taylor mode: the n-th derivative of a scalar function in one pass, without swell.

Applying forward mode n times multiplies the program by a constant factor at each order
(the product rule doubles terms), which is exponential in n. Taylor mode instead pushes
a truncated power series through the program: each value x becomes its coefficients
x_0 .. x_n of x(t) = x_0 + x_1 t + ... for the input moving as x + t. The n-th derivative
is n! * y_n. Most rules cost O(n^2) (the product of two series is a Cauchy product) and
a power O(n^3) (its binomial series), so the program grows polynomially with n, never
exponentially.

The rules come from the registry: linear ops map each coefficient with their jvp; mul,
div and pow have series rules, giving coefficient k from the ones below it; an
elementwise function f of one argument gets its series from the ODE y' = f'(x) x', where
f'(x) is the registry's derivative expression, itself expanded as a series, order by
order, together with y (sin's needs cos's, whose needs sin's: the same node, found again
by its key). Branches and loops carry all the coefficients of their values.

Programs this does not cover (tapes, a power whose base and exponent both move) raise
`TaylorUnsupported`; `derivative` then applies forward mode n times instead.

The constant factors the series bring (1/k, j/k, n!) are kept exact, as fractions, by
`_ExactFactors`, the builder every rule here emits through: it knows which values are an
exact factor times another (``(1/6) * e``, ``-e``) and multiplies the factors out, so
each term gets one float constant at the end: ``derivative(sin, order=3)`` is
``-cos(x)``, not ``-(6.0 * (0.16666666666666666 * cos(x)))``. It never folds a
multiplication by 0 or cancels ``e - e``, which would change what inf and nan give.
"""

from __future__ import annotations

import math
from fractions import Fraction

from ..ir.infer import infer_op
from ..ir.nodes import Function, Op, Region, Value
from ..ir.primitives import result_type
from ..ir.structured import Cond, Loop, loop_region, yield_body
from ..rules import DiffBuilder, rule_for
from .activity import active_values
from .visitor import OpVisitor

Series = list  # [x_0 (a Value), x_1 .. x_n (Value or None for zero)]


class TaylorUnsupported(Exception):
    """The program uses something Taylor mode has no rule for."""


def nth_derivative(fn: Function, order: int) -> Function:
    """IR of d^order f / dx^order for the first parameter x of `fn`."""
    return _Taylor(fn, order).run()


class _Taylor(OpVisitor):
    def __init__(self, fn: Function, order: int):
        self.fn = fn
        self.n = order
        self.series: dict[Value, Series] = {}
        self.active = active_values(fn, fn.params[:1])

    def zero_series(self, primal: Value) -> Series:
        return [primal] + [None] * self.n

    def run(self) -> Function:
        fn = self.fn
        params = [Value(p.hint, p.loc, p.type, p.strong_name) for p in fn.params]
        body = Region(params=params)
        b = _ExactFactors(body, fn.loc)
        for old, new in zip(fn.params, params):
            self.series[old] = self.zero_series(new)
        first = params[0]
        seed = b.exact(Fraction(1)) if not first.type.is_array else \
            b.apply("ones_like", first)
        self.series[fn.params[0]][1] = seed
        self.region(fn.body, b)
        result = self.series[fn.results[0]]
        top = result[self.n]
        if top is None:
            out = b.zeros(result[0])
        else:
            out = b.distributed(b.mul(b.exact(Fraction(math.factorial(self.n))), top))
        body.results = [out]
        return Function(fn.name, body, list(fn.param_names), dict(fn.defaults), False, fn.loc)

    # ---- ops ------------------------------------------------------------------------
    def primitive(self, op: Op, b: DiffBuilder) -> None:
        if op.prim in ("push", "pop", "tape_new"):
            raise TaylorUnsupported("tapes")
        inputs = [self.series[v] for v in op.inputs]
        b.loc = op.loc
        new = b.emit(op.prim, [s[0] for s in inputs], op.params, n_out=1, loc=op.loc)
        new.output.hint, new.output.strong_name = op.output.hint, op.output.strong_name
        out = self.zero_series(new.output)
        self.series[op.output] = out
        moving = any(c is not None for s in inputs for c in s[1:])
        rule = rule_for(op.prim)
        if op.prim == "const" or not moving or (rule is not None and rule.zero) or \
                not new.output.type.is_float:
            return
        if rule is None:
            raise TaylorUnsupported(op.prim)
        with b.derivative_rule():
            self.coefficients(op, rule, inputs, out, b)

    def coefficients(self, op: Op, rule, inputs: list, out: Series, b: DiffBuilder) -> None:
        """Fill in coefficients 1..n of `out`, the series of `op`'s result."""
        if rule.linear:
            for k in range(1, self.n + 1):
                out[k] = _linear_coefficient(b, rule, inputs, out[0], k, op.params)
        elif rule.taylor is not None:
            memo: dict = {}
            for k in range(1, self.n + 1):
                out[k] = rule.taylor(b, inputs, out, k, memo, **op.params)
                if out[k] is NotImplemented:
                    raise TaylorUnsupported(f"{op.prim} of these operands")
        elif rule.derivative is not None:
            out[1:] = _ElementarySeries(b, self.n).solve(op.prim, inputs[0], out[0])
        else:
            raise TaylorUnsupported(op.prim)

    def _pack(self, values: list[Value], moving: list[bool], b: DiffBuilder) -> list[Value]:
        """Primal values, then the coefficients 1..n of each moving one (zeros for None)."""
        flat = [self.series[v][0] for v in values]
        for v, is_moving in zip(values, moving):
            if is_moving:
                s = self.series[v]
                flat += [c if c is not None else b.zeros(s[0]) for c in s[1:]]
        return flat

    def _unpack(self, values: list[Value], moving: list[bool], flat: list[Value]) -> None:
        n = len(values)
        rest = flat[n:]
        for k, (v, is_moving) in enumerate(zip(values, moving)):
            series = self.zero_series(flat[k])
            if is_moving:
                series[1:], rest = rest[:self.n], rest[self.n:]
            self.series[v] = series

    def cond(self, cond: Cond, b: DiffBuilder) -> None:
        moving = [out in self.active for out in cond.outputs]
        branches = []
        for branch in cond.branches:
            region = Region()
            with b.into(region):
                self.region(branch, b)
                region.results = self._pack(branch.results, moving, b)
            branches.append(region)
        new = Cond.build(b, self.series[cond.predicate][0], *branches, loc=cond.op.loc)
        infer_op(new.op)
        self._name(cond.outputs, moving, new.outputs)
        self._unpack(cond.outputs, moving, new.outputs)

    def _name(self, olds: list[Value], moving: list[bool], news: list[Value]) -> None:
        for old, new in zip(olds, news):
            new.hint, new.strong_name = old.hint, old.strong_name
        rest = news[len(olds):]
        for old, is_moving in zip(olds, moving):
            if is_moving:
                for k in range(self.n):
                    rest[k].hint = f"{old.hint}_{k + 1}" if old.hint else None
                rest = rest[self.n:]

    def loop(self, loop: Loop, b: DiffBuilder) -> None:
        moving = [out in self.active for out in loop.outputs]
        regions = []
        for region in loop.regions:
            carried_params = loop.carried_params(region)
            new_params = [Value(p.hint, p.loc, p.type, p.strong_name) for p in carried_params]
            coefficient_params = []
            for p, is_moving in zip(carried_params, moving):
                if is_moving:
                    coefficient_params += [Value(f"{p.hint}_{k + 1}" if p.hint else None,
                                                 p.loc, p.type) for k in range(self.n)]
            self._unpack(carried_params, moving, new_params + coefficient_params)
            iteration = []
            for p in loop.iteration_params(region):  # an index: the same in every series
                iteration.append(Value(p.hint, p.loc, p.type, p.strong_name))
                self.series[p] = self.zero_series(iteration[-1])
            new_region = loop_region(iteration, new_params + coefficient_params)
            with b.into(new_region):
                self.region(region, b)
                if region is loop.body:
                    yield_body(new_region, self._pack(loop.next_values, moving, b),
                               self.series[loop.exit_flag][0])
                else:
                    new_region.results = [self.series[v][0] for v in region.results]
            regions.append(new_region)
        new = loop.like(b, [self.series[v][0] for v in loop.bounds],
                        self._pack(loop.inits, moving, b), regions, loc=loop.op.loc)
        infer_op(new.op)
        self._name(loop.outputs, moving, new.outputs)
        self._unpack(loop.outputs, moving, new.outputs)


class _ExactFactors(DiffBuilder):
    """A builder that keeps exact constant factors apart from what they multiply.

    `factors` maps a value it made to ``(F, core)``: the value is the fraction F times
    `core` (None for the constant F itself). `forms` maps a sum it made to its terms,
    ``[(F, core), ...]``. mul, neg and div multiply the factors of their operands out
    (``(1/6) * (6 * e)`` is e); add and sub merge the terms of their operands, a core
    found twice becoming one term (``a + a`` is ``2 * a``). A sum is emitted with the
    factor its terms share taken out (``(1/3) * (2 * a - b)``), so that the factor goes
    on out through the products that use it; each term of the result gets one float
    constant (`distributed`).
    """

    def __init__(self, region, loc=None):
        super().__init__(region, loc)
        self.factors: dict[Value, tuple[Fraction, Value | None]] = {}
        self.forms: dict[Value, list[tuple[Fraction, Value | None]]] = {}
        # (region, operands) -> their product, so that a_j * c_i and c_i * a_j are one
        # value, which a sum then finds twice
        self.products: dict[tuple, Value] = {}

    def exact(self, number: Fraction) -> Value:
        value = super().exact(number)
        self.factors[value] = (number, None)
        return value

    def split(self, value: Value) -> tuple[Fraction, Value | None]:
        return self.factors.get(value, (Fraction(1), value))

    def terms(self, value: Value) -> list[tuple[Fraction, Value | None]]:
        return self.forms.get(value) or [self.split(value)]

    def scaled(self, factor: Fraction, core: Value | None) -> Value:
        """`factor` times `core`, as one value."""
        if core is None:
            return self.exact(factor)
        if factor == 1:
            return core
        if factor == -1:
            value = super().apply("neg", core)
        else:
            value = super().apply("mul", self.exact(factor), core)
        self.factors[value] = (factor, core)
        if core in self.forms:
            self.forms[value] = [(factor * f, c) for f, c in self.forms[core]]
        return value

    def distributed(self, value: Value) -> Value:
        """`value`, a sum written with one constant per term rather than a shared one."""
        terms = self.forms.get(value)
        return value if terms is None else self._sum(terms)

    def apply(self, prim: str, *inputs: Value, hint: str | None = None, **params) -> Value:
        fold = getattr(self, f"_fold_{prim}", None)
        if fold is not None and not params and hint is None:
            folded = fold(*inputs)
            # A fold must not change the type: 1 * x is x only where x has the product's
            # type (not for a Python float x times a NumPy 1.0).
            if folded is not None and folded.type == result_type(
                    prim, [v.type for v in inputs]):
                return folded
        return super().apply(prim, *inputs, hint=hint, **params)

    def _fold_mul(self, a: Value, c: Value) -> Value:
        (fa, ea), (fc, ec) = self.split(a), self.split(c)
        if ea is not None and ec is not None:
            key = (id(self.region), *sorted((ea, ec), key=id))
            if key not in self.products:
                self.products[key] = super().apply("mul", ea, ec)
            core = self.products[key]
        else:
            core = ea if ec is None else ec
        return self.scaled(fa * fc, core)

    def _fold_neg(self, a: Value) -> Value:
        factor, core = self.split(a)
        return self.scaled(-factor, core)

    def _fold_as_numpy(self, a: Value, prim: str = "as_numpy") -> Value | None:
        if a not in self.factors:
            return None
        factor, core = self.factors[a]
        if core is None:  # the constant, cast: still the factor
            value = super().apply(prim, a)
            self.factors[value] = (factor, None)
            return value
        return self.scaled(factor, super().apply(prim, core))

    def _fold_as_python(self, a: Value) -> Value | None:
        return self._fold_as_numpy(a, "as_python")

    def _fold_div(self, a: Value, c: Value) -> Value | None:
        (fa, ea), (fc, ec) = self.split(a), self.split(c)
        if ea is None or (fa == 1 and fc == 1):
            return None
        return self.scaled(fa / fc, ea if ec is None else super().apply("div", ea, ec))

    def _fold_add(self, a: Value, c: Value, sign: int = 1) -> Value:
        merged: list[tuple[Fraction, Value | None]] = []
        for factor, core in self.terms(a) + [(sign * f, c) for f, c in self.terms(c)]:
            same = next((k for k, (f, other) in enumerate(merged) if other is core), None)
            # never e - e to nothing: it is nan where e is inf
            if same is not None and merged[same][0] + factor != 0:
                merged[same] = (merged[same][0] + factor, core)
            else:
                merged.append((factor, core))
        if len(merged) == 1:
            return self.scaled(*merged[0])
        shared = _shared_factor([f for f, _ in merged])
        inner = self._sum([(f / shared, core) for f, core in merged])
        return self.scaled(shared, inner)

    def _fold_sub(self, a: Value, c: Value) -> Value:
        return self._fold_add(a, c, sign=-1)

    def _sum(self, terms: list[tuple[Fraction, Value | None]]) -> Value:
        """The terms added up, each its factor times its core, the first positive."""
        total = self.scaled(*terms[0])
        for factor, core in terms[1:]:
            term = self.scaled(abs(factor), core)
            total = super().apply("add" if factor > 0 else "sub", total, term)
        self.forms[total] = terms
        return total


def _shared_factor(factors: list[Fraction]) -> Fraction:
    """The largest fraction dividing every factor, with the sign of the first."""
    numerator = math.gcd(*(f.numerator for f in factors))
    denominator = math.lcm(*(f.denominator for f in factors))
    return Fraction(numerator, denominator) * (1 if factors[0] > 0 else -1)


class _ElementarySeries:
    """The series of y = f(x) from y' = f'(x) x', with f'(x) expanded alongside y.

    The derivative expression (from the registry) is translated into nodes of a small
    system over x and y; a node for another elementary function gets its own derivative
    expression in turn, until every node is known (sin -> cos -> sin). Then coefficient
    k of every node is computed from coefficients below k, for k = 1 .. n.
    """

    def __init__(self, b: DiffBuilder, n: int):
        self.b = b
        self.n = n
        self.nodes: list[dict] = []
        self.by_key: dict[tuple, int] = {}

    def node(self, prim: str, inputs: tuple, params: dict, series: Series | None = None) -> int:
        key = (prim, inputs, tuple(sorted((k, repr(v)) for k, v in params.items())))
        if key in self.by_key:
            return self.by_key[key]
        index = len(self.nodes)
        self.nodes.append({"prim": prim, "inputs": inputs, "params": params,
                           "series": series, "derivative": None, "index": index,
                           "memo": {}})
        self.by_key[key] = index
        return index

    def solve(self, prim: str, x: Series, y0: Value) -> list:
        x_node = self.node("input", (), {"id": id(x)}, list(x))
        y_node = self.node(prim, (x_node,), {}, [y0] + [None] * self.n)
        self.expand(y_node)
        for k in range(1, self.n + 1):
            for node in self.nodes:
                if node["prim"] != "input":
                    node["series"][k] = self.coefficient(node, k)
        return self.nodes[y_node]["series"][1:]

    def expand(self, index: int) -> None:
        """Give an elementary node its derivative expression, as nodes."""
        pending = [index]
        while pending:
            node = self.nodes[pending.pop()]
            rule = rule_for(node["prim"])
            if rule is None or rule.derivative is None or node["derivative"] is not None:
                continue
            scratch = Region()
            x_placeholder, y_placeholder = Value("x"), Value("y")
            x_series = self.nodes[node["inputs"][0]]["series"]
            x_placeholder.type = x_series[0].type
            y_placeholder.type = node["series"][0].type
            builder = DiffBuilder(scratch)
            result = rule.derivative(builder, x_placeholder, y_placeholder)
            names = {x_placeholder: node["inputs"][0], y_placeholder: node["index"]}
            for op in scratch.ops:
                inputs = tuple(names[v] for v in op.inputs)
                primal = None
                if op.prim == "const":
                    primal = self.b.const(op.params["value"])
                else:
                    primal = self.b.apply(op.prim, *[self.nodes[i]["series"][0] for i in inputs],
                                          **op.params)
                before = len(self.nodes)
                target = self.node(op.prim, inputs, op.params, [primal] + [None] * self.n)
                names[op.output] = target
                if len(self.nodes) > before and rule_for(op.prim) is not None and \
                        rule_for(op.prim).derivative is not None:
                    pending.append(target)
            node["derivative"] = names[result]

    def coefficient(self, node: dict, k: int):
        b = self.b
        prim = node["prim"]
        series = [self.nodes[i]["series"] for i in node["inputs"]]
        own = node["series"]
        if prim == "const":
            return None
        rule = rule_for(prim)
        if rule is not None and rule.zero:
            return None
        if rule is not None and rule.derivative is not None:
            # y_k = (1/k) * sum over j = 1..k of j * x_j * f'_(k-j)
            x = series[0]
            derivative = self.nodes[node["derivative"]]["series"]
            terms = []
            for j in range(1, k + 1):
                if x[j] is None or derivative[k - j] is None:
                    continue
                terms.append(b.mul(b.exact(Fraction(j, k)), b.mul(x[j], derivative[k - j])))
            total = None
            for term in terms:
                total = b.add(total, term)
            return total
        if rule is not None and rule.linear:
            return _linear_coefficient(b, rule, series, own[0], k, node["params"])
        if rule is not None and rule.taylor is not None:
            coefficient = rule.taylor(b, series, own, k, node["memo"], **node["params"])
            if coefficient is not NotImplemented:
                return coefficient
        raise TaylorUnsupported(prim)


def _linear_coefficient(b: DiffBuilder, rule, inputs: list[Series], out: Value, k: int,
                        params: dict):
    """Coefficient k of a linear op's result: its jvp applied to the inputs' coefficient
    k, which is zero when they all are (a jvp is only ever called with some tangent)."""
    if all(s[k] is None for s in inputs):
        return None
    return rule.jvp(b, [s[0] for s in inputs], [s[k] for s in inputs], out, **params)
