"""The structured ops (``cond`` and the loop forms) as named views over a plain `Op`.

This module alone knows where a structured op keeps its parts: which input is the
predicate or a bound, which region is the test or the body, which region params are
carried, which body result is the exit flag. Everything else reaches them by name:

- `Cond`: ``predicate``, ``then`` and ``orelse`` (together ``branches``), ``outputs``;
  each branch yields one value per output.
- `Loop`, the interface of every loop form: ``bounds`` (inputs that are not carried),
  ``inits`` (carried inputs), ``regions`` with their ``carried_params`` and
  ``iteration_params`` (fresh each iteration, such as an index), ``body``,
  ``next_values``, ``exit_flag`` (after an iteration whose flag is true the loop stops:
  this is where a data-dependent ``break`` goes) and ``outputs`` (the final carried).
- `RangeLoop` (``for index in range(start, stop, step)``) and `WhileLoop` (a ``test``
  region over the carried values, yielding one truth value ``condition``).

A view holds nothing but its op, so an `Op` stays a plain dataclass that anyone can build
or copy; `structured(op)` gives the view of an op, or None for a primitive. The passes and
transforms see only the `Loop` interface, so a new loop form is one new `Loop` subclass
registered in `_LOOP_FORMS`, plus what is particular to it: its Python spelling in codegen
and the type of its iteration params in inference. The layout in the IR:

- ``cond``: inputs ``[predicate]``, regions ``[then, else]`` without params.
- ``loop kind=range``: inputs ``[start, stop, step, *inits]``, regions ``[body]``, body
  params ``[index, *carried]``.
- ``loop kind=while``: inputs ``[*inits]``, regions ``[test, body]``, both with params
  ``[*carried]``.
- every loop body yields ``[*next_values, exit_flag]``.
"""

from __future__ import annotations

from .nodes import Op, Region, Value


class Cond:
    """``if predicate: then else: orelse``, its branches yielding its outputs."""

    __slots__ = ("op",)
    region_labels = ("then", "else")

    def __init__(self, op: Op):
        self.op = op

    @staticmethod
    def build(b, predicate: Value, then: Region, orelse: Region, loc=None) -> "Cond":
        """Emit, through the builder `b`, a cond with one output per result of `then`."""
        return Cond(b.emit("cond", [predicate], n_out=len(then.results),
                           regions=[then, orelse], loc=loc))

    @property
    def predicate(self) -> Value:
        return self.op.inputs[0]

    @property
    def then(self) -> Region:
        return self.op.regions[0]

    @property
    def orelse(self) -> Region:
        return self.op.regions[1]

    @property
    def branches(self) -> list[Region]:
        return self.op.regions

    @property
    def outputs(self) -> list[Value]:
        return self.op.outputs

    def keep_outputs(self, keep: list[int]) -> None:
        """Keep only the outputs at positions `keep` (in that order), and what yields them."""
        self.op.outputs = [self.op.outputs[k] for k in keep]
        for branch in self.branches:
            branch.results = [branch.results[k] for k in keep]

    def add_output(self, output: Value, yields: list[Value]) -> None:
        """Add `output`, which each branch yields as its entry of `yields`."""
        self.op.outputs.append(output)
        for branch, value in zip(self.branches, yields, strict=True):
            branch.results.append(value)

    def malformed(self) -> str | None:
        """What breaks the layout, for the verifier; None when nothing does."""
        if len(self.op.inputs) != 1 or len(self.op.regions) != 2:
            return "a cond has one predicate and two regions"
        if any(branch.params or len(branch.results) != len(self.outputs)
               for branch in self.branches):
            return "each branch yields one value per output and takes no params"
        return None


class Loop:
    """What every loop form has: carried values, regions over them, a body with an exit."""

    __slots__ = ("op",)
    kind = ""
    n_bounds = 0  # how many inputs come before the carried ones
    region_labels: tuple[str, ...] = ()

    def __init__(self, op: Op):
        self.op = op

    @property
    def bounds(self) -> list[Value]:
        """The inputs that are not carried: they fix how often the loop may run."""
        return self.op.inputs[:self.n_bounds]

    @property
    def inits(self) -> list[Value]:
        """The initial carried values."""
        return self.op.inputs[self.n_bounds:]

    @property
    def outputs(self) -> list[Value]:
        """The final carried values."""
        return self.op.outputs

    @property
    def regions(self) -> list[Region]:
        return self.op.regions

    @property
    def body(self) -> Region:
        return self.op.regions[-1]

    def iteration_params(self, region: Region) -> list[Value]:
        """The params of `region` given afresh to each iteration (an index), not carried."""
        return []

    def carried_params(self, region: Region) -> list[Value]:
        """The params of `region` that hold the carried values, in the order of `inits`."""
        return region.params[len(self.iteration_params(region)):]

    @property
    def next_values(self) -> list[Value]:
        """What the body carries to the next iteration, in the order of `inits`."""
        return self.body.results[:-1]

    @property
    def exit_flag(self) -> Value:
        return self.body.results[-1]

    def like(self, b, bounds: list[Value], inits: list[Value], regions: list[Region],
             loc=None) -> "Loop":
        """Emit, through the builder `b`, a loop of this form over new parts; the regions
        are laid out by `loop_region` and `yield_body`."""
        op = b.emit(self.op.prim, [*bounds, *inits], self.op.params, n_out=len(inits),
                    regions=regions, loc=loc)
        return type(self)(op)

    def keep_carried(self, keep: list[int]) -> None:
        """Keep only the carried values at positions `keep` (in that order)."""
        self.op.inputs = self.bounds + [self.inits[k] for k in keep]
        self.op.outputs = [self.op.outputs[k] for k in keep]
        for region in self.regions:
            carried = self.carried_params(region)
            region.params = self.iteration_params(region) + [carried[k] for k in keep]
        yield_body(self.body, [self.next_values[k] for k in keep], self.exit_flag)

    def add_carried(self, init: Value, hint: str | None, type, loc=None) -> tuple[Value, Value]:
        """Carry one more value of type `type`, from `init`, unchanged by the body until
        `set_next` gives its next value. Returns the body's param for it and the output."""
        self.op.inputs.append(init)
        for region in self.regions:
            region.params.append(Value(hint, loc, type))
        param = self.body.params[-1]
        yield_body(self.body, [*self.next_values, param], self.exit_flag)
        self.op.outputs.append(Value(None, loc, type))
        return param, self.op.outputs[-1]

    def set_next(self, slot: int, value: Value) -> None:
        """Make `value` the body's next value for the carried value at position `slot`."""
        self.body.results[slot] = value

    def malformed(self) -> str | None:
        """What breaks the layout, for the verifier; None when nothing does."""
        if len(self.body.results) != len(self.outputs) + 1:
            return "a loop body yields the carried values and the exit flag"
        return None


class RangeLoop(Loop):
    """``for index in range(start, stop, step)``, carrying values from one trip to the next."""

    __slots__ = ()
    kind = "range"
    n_bounds = 3
    region_labels = ("body",)

    @staticmethod
    def build(b, start: Value, stop: Value, step: Value, inits: list[Value], body: Region,
              loc=None) -> "RangeLoop":
        """Emit a range loop; `body` is laid out by `loop_region([index], carried)` and
        `yield_body`."""
        return RangeLoop(b.emit("loop", [start, stop, step, *inits], {"kind": "range"},
                                n_out=len(inits), regions=[body], loc=loc))

    @property
    def start(self) -> Value:
        return self.op.inputs[0]

    @property
    def stop(self) -> Value:
        return self.op.inputs[1]

    @property
    def step(self) -> Value:
        return self.op.inputs[2]

    @property
    def index(self) -> Value:
        return self.body.params[0]

    def iteration_params(self, region: Region) -> list[Value]:
        return [self.index]

    def malformed(self) -> str | None:
        n = len(self.outputs)
        if len(self.regions) != 1 or len(self.op.inputs) != 3 + n:
            return "a range loop takes start, stop, step and its carried values"
        if len(self.body.params) != 1 + n:
            return "a range body takes the index and carried"
        return super().malformed()


class WhileLoop(Loop):
    """``while test(carried): carried = body(carried)``."""

    __slots__ = ()
    kind = "while"
    region_labels = ("test", "body")

    @staticmethod
    def build(b, inits: list[Value], test: Region, body: Region, loc=None) -> "WhileLoop":
        """Emit a while loop; `test` yields one truth value (`yield_test`), `body` is laid
        out by `yield_body`; both take the carried values as params."""
        return WhileLoop(b.emit("loop", inits, {"kind": "while"}, n_out=len(inits),
                                regions=[test, body], loc=loc))

    @property
    def test(self) -> Region:
        return self.op.regions[0]

    @property
    def condition(self) -> Value:
        """The test's truth value: the loop runs the body while it holds."""
        return self.test.results[0]

    def malformed(self) -> str | None:
        n = len(self.outputs)
        if len(self.regions) != 2 or len(self.op.inputs) != n:
            return "a while loop has a test and a body, and takes its carried values"
        if len(self.test.params) != n or len(self.test.results) != 1:
            return "a while test takes the carried values and yields one truth value"
        if len(self.body.params) != n:
            return "a while body takes the carried values"
        return super().malformed()


_LOOP_FORMS: dict[str, type[Loop]] = {form.kind: form for form in (RangeLoop, WhileLoop)}


class UnknownLoopForm(ValueError):
    """A ``loop`` op whose kind no `Loop` class defines: a bug in whoever built it."""


def is_structured(op: Op) -> bool:
    """Whether `op` owns regions: a cond or a loop of any form."""
    return op.prim in ("cond", "loop")


def structured(op: Op) -> Cond | Loop | None:
    """The view of a structured op; None for any other op."""
    if op.prim == "cond":
        return Cond(op)
    if op.prim == "loop":
        return as_loop(op)
    return None


def as_loop(op: Op) -> Loop | None:
    """The loop view of `op`, in the class of its form; None when `op` is no loop."""
    if op.prim != "loop":
        return None
    form = _LOOP_FORMS.get(op.params.get("kind"))
    if form is None:
        raise UnknownLoopForm(f"a loop of unknown kind {op.params.get('kind')!r}")
    return form(op)


def region_labels(op: Op) -> tuple[str, ...]:
    """What to call each region of `op` in printed IR and drawings; malformed IR prints
    too (for the verifier's reports), its regions all called ``body``."""
    try:
        view = structured(op)
    except UnknownLoopForm:
        view = None
    labels = view.region_labels if view is not None else ()
    return labels if len(labels) == len(op.regions) else ("body",) * len(op.regions)


def as_cond(op: Op) -> Cond | None:
    return Cond(op) if op.prim == "cond" else None


def loop_region(iteration_params: list[Value], carried_params: list[Value]) -> Region:
    """An empty region of a loop taking these params (see `Loop.iteration_params`)."""
    return Region(params=[*iteration_params, *carried_params])


def yield_body(body: Region, next_values: list[Value], exit_flag: Value) -> None:
    """Make a loop body yield `next_values` (one per carried value) and its exit flag."""
    body.results = [*next_values, exit_flag]


def yield_test(test: Region, condition: Value) -> None:
    """Make a while loop's test yield its truth value."""
    test.results = [condition]
