"""Forward mode (JVP): IR of f -> IR computing f and its tangent along the inputs' tangents.

Each op is copied, then its JVP rule emits the tangent of its output from the tangents
of its inputs. A zero tangent is ``None`` and costs nothing. A ``cond`` carries tangents
out of its branches as extra results; a ``loop`` carries them as extra carried values
(found by iterating to a fixed point, since a tangent can appear in a later iteration).
The tape ops have effect rules that give each tape a tangent tape, so forward mode runs
over reverse-mode programs: that is how Hessians (forward over reverse) go through loops.
"""

from __future__ import annotations

from ..errors import NonDifferentiableError
from ..ir.infer import infer_op
from ..ir.nodes import Function, Op, Region, Value
from ..ir.structured import Cond, Loop, loop_region, yield_body
from ..rules import DiffBuilder, rule_for
from .visitor import OpVisitor


def tangent_hint(hint: str | None) -> str | None:
    return None if hint is None else "d" + hint


def forward(fn: Function, wrt: list[int], *, seed_ones: bool, with_value: bool) -> Function:
    """The forward-mode derivative of `fn` along the parameters `wrt`.

    With `seed_ones` the tangent of each parameter in `wrt` is one (an elementwise
    derivative: the new function takes f's parameters); otherwise the new function takes
    one tangent parameter per entry of `wrt` after f's parameters. It returns f's results
    (when `with_value`) followed by the tangent of each result.
    """
    return _Forward(fn).run(wrt, seed_ones, with_value)


class _Forward(OpVisitor):
    def __init__(self, fn: Function):
        self.fn = fn
        self.vmap: dict[Value, Value] = {}
        self.tmap: dict[Value, Value] = {}
        self.tapes_with_tangents: set[Value] = set()

    def run(self, wrt: list[int], seed_ones: bool, with_value: bool) -> Function:
        fn = self.fn
        body = Region(params=[self._fresh(p) for p in fn.params])
        b = DiffBuilder(body, fn.loc)
        names = list(fn.param_names)
        for i in wrt:
            param, new = fn.params[i], self.vmap[fn.params[i]]
            if seed_ones:
                self.tmap[param] = b.const(1.0) if not new.type.is_array else \
                    b.apply("ones_like", new)
            else:
                tangent = Value(tangent_hint(param.hint), param.loc, new.type)
                body.params.append(tangent)
                names.append(tangent.hint)
                self.tmap[param] = tangent
        self.region(fn.body, b)
        results = [self.vmap[r] for r in fn.results] if with_value else []
        for r in fn.results:
            results.append(self.tmap.get(r) or b.zeros(self.vmap[r]))
        body.results = results
        returns_tuple = with_value or fn.returns_tuple
        return Function(fn.name, body, names, dict(fn.defaults), returns_tuple, fn.loc)

    def _fresh(self, old: Value) -> Value:
        new = Value(old.hint, old.loc, old.type, old.strong_name)
        self.vmap[old] = new
        return new

    def primitive(self, op: Op, b: DiffBuilder) -> None:
        primals = [self.vmap[v] for v in op.inputs]
        tangents = [self.tmap.get(v) for v in op.inputs]
        rule = rule_for(op.prim)
        b.loc = op.loc
        if rule is not None and rule.effect_jvp is not None:
            outs, touts = rule.effect_jvp(b, primals, tangents, op, self.tapes_with_tangents)
            for old, new, tangent in zip(op.outputs, outs, touts):
                self._bind(old, new, tangent)
            return
        new = b.emit(op.prim, primals, op.params, n_out=len(op.outputs), loc=op.loc)
        for old, out in zip(op.outputs, new.outputs):
            out.hint, out.strong_name = old.hint, old.strong_name
            self.vmap[old] = out
        if all(t is None for t in tangents) or (rule is not None and rule.zero):
            return
        if not new.output.type.is_float:
            return
        if rule is None or rule.jvp is None:
            raise NonDifferentiableError(f"no forward-mode rule for {op.prim!r}", op.loc)
        with b.derivative_rule():
            tangent = rule.jvp(b, primals, tangents, new.output, **op.params)
        self._bind(op.output, new.output, tangent)

    def _bind(self, old: Value, new: Value, tangent: Value | None) -> None:
        self.vmap[old] = new
        if tangent is not None:
            if tangent.hint is None or tangent.hint == new.hint:
                tangent.hint = tangent_hint(old.hint)
            self.tmap[old] = tangent

    def _tangent_param(self, param: Value) -> Value:
        tangent = Value(tangent_hint(param.hint), param.loc, self.vmap[param].type)
        self.tmap[param] = tangent
        return tangent

    def cond(self, cond: Cond, b: DiffBuilder) -> None:
        branches = []
        for branch in cond.branches:
            new = Region()
            with b.into(new):
                self.region(branch, b)
            new.results = [self.vmap[v] for v in branch.results]
            branches.append(new)
        with_tangent = [k for k in range(len(cond.outputs))
                        if any(branch.results[k] in self.tmap for branch in cond.branches)]
        for branch, new in zip(cond.branches, branches):
            with b.into(new):
                new.results += [self._tangent_or_zeros(branch.results[k], b)
                                for k in with_tangent]
        new = Cond.build(b, self.vmap[cond.predicate], *branches, loc=cond.op.loc)
        infer_op(new.op)
        n = len(cond.outputs)
        for old, out in zip(cond.outputs, new.outputs):
            out.hint, out.strong_name = old.hint, old.strong_name
            self.vmap[old] = out
        for k, out in zip(with_tangent, new.outputs[n:]):
            out.hint = tangent_hint(cond.outputs[k].hint)
            self.tmap[cond.outputs[k]] = out

    def _tangent_or_zeros(self, value: Value, b: DiffBuilder) -> Value:
        return self.tmap.get(value) or b.zeros(self.vmap[value])

    def loop(self, loop: Loop, b: DiffBuilder) -> None:
        inits = loop.inits
        n = len(inits)
        carried = [k for k, v in enumerate(inits) if v in self.tmap]
        while True:
            saved = (dict(self.vmap), dict(self.tmap))
            regions = [self._loop_region(loop, region, b, carried) for region in loop.regions]
            produced = [k for k in range(n) if loop.next_values[k] in self.tmap]
            widened = sorted(set(carried) | set(produced))
            if widened == carried:
                break
            self.vmap, self.tmap = saved
            carried = widened
        tangent_inits = [self._tangent_or_zeros(inits[k], b) for k in carried]
        new = loop.like(b, [self.vmap[v] for v in loop.bounds],
                        [self.vmap[v] for v in inits] + tangent_inits, regions, loc=loop.op.loc)
        infer_op(new.op)
        for old, out in zip(loop.outputs, new.outputs):
            out.hint, out.strong_name = old.hint, old.strong_name
            self.vmap[old] = out
        for k, out in zip(carried, new.outputs[n:]):
            out.hint = tangent_hint(loop.outputs[k].hint)
            self.tmap[loop.outputs[k]] = out

    def _loop_region(self, loop: Loop, region: Region, b: DiffBuilder,
                     carried: list[int]) -> Region:
        """Transform one region of `loop`; it takes and (if the body) yields the tangents
        of the carried values at the positions `carried` after the values themselves."""
        params = loop.carried_params(region)
        iteration = [self._fresh(p) for p in loop.iteration_params(region)]
        values = [self._fresh(p) for p in params]
        tangents = [self._tangent_param(params[k]) for k in carried]
        new = loop_region(iteration, values + tangents)
        with b.into(new):
            self.region(region, b)
            if region is loop.body:
                next_values = loop.next_values
                yield_body(new, [self.vmap[v] for v in next_values] +
                           [self._tangent_or_zeros(next_values[k], b) for k in carried],
                           self.vmap[loop.exit_flag])
            else:
                new.results = [self.vmap[v] for v in region.results]
        return new
