"""IR -> Python source. The only module that imports astor.

Names: every value gets a Python name from its hint (the user's ``x``, ``dx``, ``bx``;
``t`` for a temporary), made unique with a numeric suffix, in program order, so the text
is the same from run to run. A loop's carried values, its results and, when nothing else
reads it, its initial value share one name; so do a cond's results across its branches.

Expressions: a pure value read once, in the region that defines it, is written into the
expression that reads it instead of getting a line of its own, unless the user named it.
Constants are written as literals; an array (but a 0-d one) is read by name, defined
above the function (`adcompile.backend.arrays`), so the source runs on its own. A value
read more than once gets a line.

Scalars call `math` (``math.sin``), arrays call NumPy (``np.sin``): each primitive's
spelling per target is in `adcompile.backend.spellings`.

Index updates are functional in the IR (a new array) and statements here. An update
writes into its operand in place (``bx[i] += g``) when the operand is owned: read by the
update alone, and made in this call by an op that returns a new array (`RETURNS_NEW_ARRAY`), or a
loop's carried value whose initial and next values are both owned (the adjoint a reverse
sweep accumulates, element by element), copied once before the loop when its initial
value is not owned; otherwise it updates a copy. Never in place: the function's
arguments, constants, views (an index, a reshape), values a branch or a loop returns. Conservative on purpose: a missed chance costs a copy, a wrong one a wrong
answer. The tape is a list: ``tape = []``, ``tape.append(v)``,
``v = tape.pop()``, one list for each value the reverse sweep reads.

Lists (``xs.append(v)``, ``xs[i] = v``, ``xs.pop()``) are updated the same way, with two
more chances, so that a loop appending under an ``if`` (a comprehension's filter) costs
O(1) per element: reads of an element or of the length written on lines before the update
do not count against it (``bv = bxs[-1]``, then ``bxs.pop()``), nor does another branch of
an enclosing ``if`` passing the list on unchanged; and a branch's result is the loop's own
list when each branch yields a list it alone held.
"""

from __future__ import annotations

import ast
import builtins
import keyword

try:
    import astor
except ImportError:  # pragma: no cover - astor 0.8 predates Python 3.14's ast
    astor = None
import numpy as np

from ..ir.nodes import Function, Op, Region, Value
from ..ir.structured import Cond, Loop, RangeLoop, WhileLoop, as_cond, as_loop
from ..ir.primitives import PRIMITIVES, RETURNS_NEW_ARRAY, is_basic_index
from ..ir.types import ListType
from . import arrays, spellings

_LIST_READS = ("list_get", "list_len")
_NAMESPACES = (spellings.SCALAR_NAMESPACE, spellings.ARRAY_NAMESPACE)

_RESERVED = {*(alias for _, alias in _NAMESPACES), *dir(builtins)}


def to_source(fn: Function, name: str | None = None,
              target: str = spellings.FAST) -> tuple[str, dict]:
    """The Python source of `fn`, and the constants (arrays) it reads by name; `target`
    chooses how scalars are computed (see `adcompile.backend.spellings`)."""
    return _Codegen(fn, name or fn.name, target).module()


class _Codegen:
    def __init__(self, fn: Function, name: str, target: str):
        self.fn = fn
        self.function_name = name
        self.target = target
        self.names: dict[Value, str] = {}
        self.taken: set[str] = set()
        self.constants: dict[str, object] = {}
        self.defs: dict[Value, Op] = {}
        self.def_region: dict[Value, Region] = {}
        self.uses: dict[Value, int] = {}
        self.use_region: dict[Value, Region] = {}
        self.user: dict[Value, Op] = {}  # the op reading a value (the last, if several)
        self._readers: dict[Value, list[Op]] = {}
        self._enclosing: dict[Op, Op] = {}  # op in a nested region -> the op owning it
        self._owned_params: set[Value] = set()  # carried arrays the loop updates in place
        self._op_region: dict[Op, Region] = {}  # the region each op is in
        self._region_owner: dict[int, Op] = {}  # id of a nested region -> the op owning it
        self._index(fn.body)
        self.user_names = self._collect_user_names()

    # ---- analysis -------------------------------------------------------------------
    def _index(self, region: Region, parent: Op | None = None) -> None:
        for param in region.params:
            self.def_region[param] = region
        for op in region.ops:
            self._op_region[op] = region
            if parent is not None:
                self._enclosing[op] = parent
            for value in op.inputs:
                self._use(value, region)
                self.user[value] = op
                self._readers.setdefault(value, []).append(op)
            for out in op.outputs:
                self.defs[out] = op
                self.def_region[out] = region
            for inner in op.regions:
                self._region_owner[id(inner)] = op
                self._index(inner, op)
        for value in region.results:
            self._use(value, region)

    def _collect_user_names(self) -> set[str]:
        names = {_identifier(v.hint) for v in self.def_region if v.strong_name and v.hint}
        return names | set(self.fn.param_names)

    def _use(self, value: Value, region: Region) -> None:
        self.uses[value] = self.uses.get(value, 0) + 1
        self.use_region[value] = region

    def is_literal(self, value: Value) -> bool:
        op = self.defs.get(value)
        return op is not None and op.prim == "const" and \
            not _read_by_name(op.params["value"])

    def _assigned(self, value: Value) -> bool:
        """Whether `value` is a parameter or has a line of its own (an array constant
        has a name but no line: it is read from the generated function's globals)."""
        op = self.defs.get(value)
        return op is None or op.prim != "const" and not self.is_inlined(value)

    def is_inlined(self, value: Value) -> bool:
        op = self.defs.get(value)
        if op is None or self.is_literal(value):
            return op is not None
        if op.prim in ("check_bound", "check_window"):
            return False
        if op.prim in _LIST_READS and self.uses.get(op.inputs[0], 0) > 1 or \
                self._element_before_update(op):
            return False  # read where it is made: an update of it may come after
        return (op.prim in PRIMITIVES and PRIMITIVES[op.prim].pure and not op.regions
                and not spellings.is_statement(op.prim) and len(op.outputs) == 1 and self.uses.get(value, 0) == 1
                and self.use_region.get(value) is self.def_region[value]
                and not value.strong_name)

    # ---- names ----------------------------------------------------------------------
    def fresh(self, hint: str | None) -> str:
        base = _identifier(hint)
        candidate, n = base, 0
        # A temporary never takes a name the user wrote, so `t` stays the user's `t`.
        avoid = self.user_names if hint is None else ()
        while candidate in self.taken or candidate in _RESERVED or candidate in avoid or \
                keyword.iskeyword(candidate):
            n += 1
            candidate = f"{base}{n}" if base == "t" else f"{base}_{n}"
        self.taken.add(candidate)
        return candidate

    def name(self, value: Value) -> str:
        if value not in self.names:
            self.names[value] = self.fresh(value.hint)
        return self.names[value]

    def share(self, values: list[Value], name: str) -> None:
        for value in values:
            self.names.setdefault(value, name)

    # ---- expressions ----------------------------------------------------------------
    def expr(self, value: Value) -> ast.expr:
        if self.is_inlined(value):
            return self.op_expr(self.defs[value])
        return ast.Name(self.name(value), ast.Load())

    def op_expr(self, op: Op) -> ast.expr:
        if op.prim == "const":
            return self.literal(op.params["value"])
        if op.prim == "pop":
            return self.method(op.inputs[0], "pop", [])
        args = [self.expr(v) for v in op.inputs]
        out = op.output.type
        if spellings.is_float_arithmetic(op.prim) and out.dtype == "float64" and \
                spellings.computes_as_python(out, self.target):
            # `2.0 * x`, not `2 * x`: the same value, but CPython's float-with-float path
            # is faster than float-with-int.
            args = [self.literal(float(self.defs[v].params["value"]))
                    if self._is_int_literal(v) else arg for v, arg in zip(op.inputs, args)]
        types = [v.type for v in op.inputs]
        if op.derived and self.target == spellings.FAITHFUL and types and \
                all(spellings.computes_as_python(t) for t in types):
            # A derivative rule's op on Python scalars computes as NumPy does: where the
            # user's code does not raise, its derivative gives inf or nan, not an error.
            args = [spellings.expression("as_numpy", [arg], [t], {})
                    for arg, t in zip(args, types)]
            types = [spellings.as_numpy_type(t) for t in types]
        return spellings.expression(op.prim, args, types, op.params, self.target)

    def method(self, target: Value, method: str, args: list[ast.expr]) -> ast.expr:
        callee = ast.Attribute(ast.Name(self.name(target), ast.Load()), method, ast.Load())
        return ast.Call(callee, args, [])

    def literal(self, value) -> ast.expr:
        if isinstance(value, np.ndarray) and not _read_by_name(value):
            return spellings.literal(value[()])
        if isinstance(value, np.ndarray):
            name = self.fresh("const")
            self.constants[name] = value
            return ast.Name(name, ast.Load())
        return spellings.literal(value)

    # ---- statements -----------------------------------------------------------------
    def assign(self, targets: list[Value], sources: list[ast.expr]) -> list[ast.stmt]:
        """`a, b = x, y`, leaving out the pairs that are already the same name."""
        pairs = [(t, s) for t, s in zip(targets, sources)
                 if not (isinstance(s, ast.Name) and s.id == self.name(t))]
        if not pairs:
            return []
        if len(pairs) == 1:
            return [ast.Assign([ast.Name(self.name(pairs[0][0]), ast.Store())], pairs[0][1])]
        target = ast.Tuple([ast.Name(self.name(t), ast.Store()) for t, _ in pairs], ast.Store())
        return [ast.Assign([target], ast.Tuple([s for _, s in pairs], ast.Load()))]

    def block(self, region: Region) -> list[ast.stmt]:
        body: list[ast.stmt] = []
        for op in region.ops:
            body.extend(self.statement(op))
        return body

    def statement(self, op: Op) -> list[ast.stmt]:
        if (cond := as_cond(op)) is not None:
            return self.cond(cond)
        if (loop := as_loop(op)) is not None:
            return self.loop(loop)
        if op.prim == "tape_new":
            return [ast.Assign([ast.Name(self.name(op.output), ast.Store())],
                               ast.List([], ast.Load()))]
        if op.prim == "push":
            return [ast.Expr(self.method(op.inputs[0], "append", [self.expr(op.inputs[1])]))]
        if spellings.is_statement(op.prim):
            return self.update(op)
        if op.prim == "const" and _read_by_name(op.params["value"]):
            # read from the namespace the code runs in, under the value's own name
            if op.output not in self.names:
                self.names[op.output] = self.fresh(op.output.hint or "const")
            self.constants[self.names[op.output]] = op.params["value"]
            return []
        if op.prim == "check_bound":
            return self.check_bound(op)
        if op.prim == "check_window":
            return self.check_window(op)
        if self.is_inlined(op.output):
            return []
        value = self.op_expr(op)
        if self._element_before_update(op) and op.output.type.shape != ():
            value = spellings.copied(value)  # a view, kept apart from the update after it
        return [ast.Assign([ast.Name(self.name(op.output), ast.Store())], value)]

    def update(self, op: Op) -> list[ast.stmt]:
        """An index update: in place when its operand is owned, else on a copy."""
        base, out = op.inputs[0], op.output
        args = [self.expr(v) for v in op.inputs]
        types = [v.type for v in op.inputs]
        if self.owned(base, op) and not self.is_inlined(base):
            # Written under the operand's name, then passed on: each line's array has
            # one name while it is written into, as the frontend asks of its input.
            self.names.setdefault(out, self.name(base))
            target, stmts = self.name(base), []
        else:
            target = self.name(out)
            stmts = self.assign([out], [args[0] if self.owned(base, op)
                                        else spellings.copied(args[0])])
        stmts += spellings.spelling(op.prim, types, self.target).statements(
            target, args, types, op.params)
        if self.name(out) != target:
            stmts += [ast.Assign([ast.Name(self.name(out), ast.Store())],
                                 ast.Name(target, ast.Load()))]
        return stmts

    def check_bound(self, op: Op) -> list[ast.stmt]:
        check = spellings.spelling(op.prim, [op.inputs[0].type], self.target)
        return check.statements(self.expr(op.inputs[0]), op.params) + \
            self.assign([op.output], [self.expr(op.inputs[0])])

    def check_window(self, op: Op) -> list[ast.stmt]:
        """The start of a window checked; read under the start's name where nothing
        rebinds that name while the checked value is read (a range loop's index): ``i``,
        not a copy of it. A while loop's ``i = i + 2`` may come before the window's
        reads, which the check's own name keeps apart."""
        start = self.expr(op.inputs[0])
        owner = self._region_owner.get(id(self.def_region.get(op.inputs[0])))
        loop = as_loop(owner) if owner is not None else None
        if isinstance(loop, RangeLoop) and op.inputs[0] is loop.index:
            self.names.setdefault(op.output, start.id)
        check = spellings.spelling(op.prim, [op.inputs[0].type], self.target)
        return check.statements(start, op.params) + self.assign([op.output], [start])

    def owned(self, value: Value, reader: Op) -> bool:
        """Whether `reader` may write into `value`: nothing else reads it, and it is an
        array made in this call that no other value holds (see the module docstring)."""
        if self._writable_uses(value, reader) != 1 or value.type is None or \
                getattr(value.type, "shape", None) == ():
            return False
        return self._fresh(value)

    def _fresh(self, value: Value) -> bool:
        """Whether `value` holds an array (or list) made in this call that no other value
        holds: made by an op that returns a new one, an owned carried value or what the
        loop carrying it in place gives, or (a list) a cond's result that is such a value
        in each branch, which the cond alone held."""
        op = self.defs.get(value)
        if op is None:
            return value in self._owned_params
        loop = as_loop(op)
        if loop is not None:  # carried in place: the loop's own, copied before if need be
            return loop.carried_params(loop.body)[op.outputs.index(value)] in \
                self._owned_params
        cond = as_cond(op)
        if cond is None:
            return op.prim in RETURNS_NEW_ARRAY
        position = op.outputs.index(value)
        return all(self._fresh(branch.results[position]) and
                   self._only_in(branch.results[position], op) and
                   self._passed_on_under_its_name(branch.results[position], value, op)
                   for branch in cond.branches)

    def _passed_on_under_its_name(self, given: Value, result: Value, cond_op: Op) -> bool:
        """Whether the array a branch gives as the cond's `result`, when made before the
        cond, is written under the result's name: the frontend, reading this code again,
        owns the array an `if` passes on unchanged only under one name (not
        ``bx_1 = bx``)."""
        return isinstance(result.type, ListType) or self._inside_region(given, cond_op) or \
            given in self.names and self.names[given] == self.names.get(result)

    def _only_in(self, value: Value, cond_op: Op) -> bool:
        """Whether every use of `value` is inside the cond `cond_op` (its reads, and its
        branches yielding it, each once at most: two results would hold it), or in the
        other branches of the `if`s around it."""
        inside = [reader for reader in self._readers.get(value, [])
                  if self._inside(reader, cond_op)]
        yields = [branch.results.count(value) for branch in cond_op.regions]
        return max(yields) <= 1 and self.uses.get(value, 0) == len(inside) + sum(yields) + \
            self._alternative_uses(value, cond_op) and \
            all(self._leaves_alone(value, reader) for reader in inside)

    def _leaves_alone(self, value: Value, reader: Op) -> bool:
        """Whether what `reader` makes of `value` shares none of its memory: an element
        or the length of a list, a new array, a scalar (an array's view, ``x[1:]``, would
        see a later write into `value`)."""
        return isinstance(value.type, ListType) or reader.prim in RETURNS_NEW_ARRAY or \
            not reader.regions and all(getattr(out.type, "shape", None) == ()
                                       for out in reader.outputs)

    def _inside(self, op: Op, outer: Op) -> bool:
        while op in self._enclosing:
            op = self._enclosing[op]
            if op is outer:
                return True
        return False

    def _writable_uses(self, value: Value, writer: Op) -> int:
        """The uses of `value`, not counting reads of a list's element or length written
        on lines of their own before `writer`, in its region or in a loop or an `if`
        before it there: the update comes after them (``bv = bxs[-1]`` then
        ``bxs.pop()``)."""
        region = self.def_region.get(writer.outputs[0]) if writer.outputs else None
        ops = region.ops if region is not None else []
        position = {op: k for k, op in enumerate(ops)}

        def before_writer(reader: Op) -> bool:
            while reader not in position and reader in self._enclosing:
                reader = self._enclosing[reader]
            return writer in position and position.get(reader, len(ops)) < position[writer]
        earlier = [reader for reader in self._readers.get(value, [])
                   if (reader.prim in _LIST_READS or self._element_before_update(reader))
                   and before_writer(reader)]
        return self.uses.get(value, 0) - len(earlier) - self._alternative_uses(value, writer)

    def _alternative_uses(self, value: Value, op: Op) -> int:
        """The uses of `value` in the other branches of the `if`s around `op`, which run
        instead of it: each branch's, unless it keeps a view that a later write would
        change (its own update into the array, instead of op's, keeps none)."""
        alternatives = 0
        while op in self._enclosing:
            parent = self._enclosing[op]
            if as_cond(parent) is not None and not self._inside_region(value, parent):
                alternatives += sum(
                    _uses_within(value, branch) for branch in parent.regions
                    if op not in branch.ops and all(
                        self._leaves_alone(value, reader) or
                        spellings.is_statement(reader.prim) and reader.inputs[0] is value
                        for reader in self._readers.get(value, [])
                        if self._in_region(reader, branch)))
            op = parent
        return alternatives

    def _element_before_update(self, read: Op) -> bool:
        """Whether `read` takes elements of an array that an index update after it in its
        region writes into (``g = bx[i]``, then ``bx[i] = 0.0``): a scalar, a copy, or a
        view that codegen copies (``g = bx[i:i + 2].copy()``, costing the view's size,
        not the array's). Not an integer array's selection: a copy already, but one that
        lowering the generated code again could not tell from a view."""
        if read.prim != "index" or read.outputs[0].type.shape != () and not \
                is_basic_index(read.params["index"], [v.type for v in read.inputs[1:]]):
            return False
        region = self._op_region.get(read)
        return any(writer.prim == "index_update" and writer.inputs[0] is read.inputs[0]
                   and self._op_region.get(writer) is region
                   for writer in self._readers.get(read.inputs[0], []))

    def _in_region(self, op: Op, region: Region) -> bool:
        """Whether `op` is in `region`, at any depth."""
        while self._op_region.get(op) is not region and op in self._enclosing:
            op = self._enclosing[op]
        return self._op_region.get(op) is region

    def _inside_region(self, value: Value, op: Op) -> bool:
        """Whether `value` is defined inside one of `op`'s regions, at any depth."""
        region = self.def_region.get(value)
        while region is not None:
            owner = self._region_owner.get(id(region))
            if owner is op:
                return True
            region = self._op_region.get(owner) if owner is not None else None
        return False

    def _updated_in_place(self, loop: Loop, k: int) -> bool:
        """Whether the body's one use of carried value `k` is an update into it, and the
        body carries on an array it owns: then the carried array is updated in place
        (after a copy before the loop when the initial array is not owned)."""
        param = loop.carried_params(loop.body)[k]
        reader = self.user.get(param)
        if not (reader is not None and (reader in loop.body.ops or
                                        self._inside(reader, loop.op)) and
                spellings.is_statement(reader.prim) and reader.inputs[0] is param and
                self._writable_uses(param, reader) == 1 and
                getattr(param.type, "shape", None) != ()):
            return False
        # what the body carries on is fresh when the parameter is (a branch passes it on)
        assumed = param not in self._owned_params
        self._owned_params.add(param)
        fresh = self.owned(loop.next_values[k], loop.op)
        if assumed and not fresh:
            self._owned_params.discard(param)
        return fresh

    def cond(self, cond: Cond) -> list[ast.stmt]:
        for k, out in enumerate(cond.outputs):
            name = self.name(out)
            for branch in cond.branches:
                result = branch.results[k]
                # (an array constant has a name but no line: the branch assigns it)
                if self.defs.get(result) is not None and self.def_region[result] is branch \
                        and self._assigned(result) and result not in self.names \
                        and self.uses[result] == 1:
                    self.names[result] = name
        branches = []
        for branch in cond.branches:
            stmts = self.block(branch)
            stmts += self.assign(cond.outputs, [self.expr(v) for v in branch.results])
            branches.append(stmts or [ast.Pass()])
        return [ast.If(self.expr(cond.predicate), branches[0],
                       [] if branches[1] == [ast.Pass()] and not cond.outputs else branches[1])]

    def loop(self, loop: Loop) -> list[ast.stmt]:
        body = loop.body
        inits = loop.inits
        params = loop.carried_params(body)
        for k, out in enumerate(loop.outputs):
            init = inits[k]
            only_for_the_loop = self.uses[init] == 1 and not self.is_literal(init) and \
                self.def_region.get(init) is self.def_region[out]
            if out in self.names:
                name = self.names[out]
            elif only_for_the_loop and init in self.names and self._assigned(init) and (
                    init.hint == out.hint or isinstance(init.type, ListType) and
                    self._updated_in_place(loop, k)):
                # a parameter or a named value the loop alone reads carries on under its
                # name: `out[i] = ...` in the loop, never `out_1 = out` before it (which,
                # read back, would be a write into an array another name holds); so does
                # a list the loop updates in place, whatever its name
                name = self.names[init]
            else:
                name = self.fresh(out.hint)
            self.names[out] = name
            group = [params[k]]
            group += [loop.carried_params(region)[k] for region in loop.regions
                      if region is not body]
            if only_for_the_loop and init not in self.names:
                group.append(init)
            self.share(group, name)
        self._name_updates_in_place(body, params, loop.outputs)
        starts = []
        for k, (init, out) in enumerate(zip(inits, loop.outputs)):
            start = self.expr(init)
            if self._updated_in_place(loop, k):
                self._owned_params.add(params[k])
                # An initial array under a name of its own would be held by two names
                # while the loop writes into it, which the frontend refuses to compile.
                if not self.owned(init, loop.op) or (
                        not self.is_inlined(init) and self.name(init) != self.name(out)):
                    start = spellings.copied(start)
            starts.append(start)
        before = self.assign(loop.outputs, starts)
        stmts = self.block(body)
        exit_flag = loop.exit_flag
        carried_params = set(params)
        exit_expr = None
        if not (self.is_literal(exit_flag) and self.defs[exit_flag].params["value"] is False):
            if self.is_inlined(exit_flag) and self._reads(exit_flag) & carried_params:
                self.names.pop(exit_flag, None)
                stmts.append(ast.Assign([ast.Name(self.name(exit_flag), ast.Store())],
                                        self.op_expr(self.defs[exit_flag])))
                exit_expr = ast.Name(self.name(exit_flag), ast.Load())
            else:
                exit_expr = self.expr(exit_flag)
        stmts += self.assign(loop.outputs, [self.expr(v) for v in loop.next_values])
        if exit_expr is not None:
            stmts.append(ast.If(exit_expr, [ast.Break()], []))
        if isinstance(loop, RangeLoop):
            return before + [self._for(loop, stmts)]
        return before + self._while(loop, stmts)

    def _for(self, loop: RangeLoop, stmts: list[ast.stmt]) -> ast.For:
        index = loop.index
        target = self.name(index) if self.uses.get(index) else self.fresh("_")
        start, stop, step = loop.start, loop.stop, loop.step
        args = [self.expr(stop)]
        if not (self._is_const(start, 0) and self._is_const(step, 1)):
            args.insert(0, self.expr(start))
            if not self._is_const(step, 1):
                args.append(self.expr(step))
        return ast.For(ast.Name(target, ast.Store()),
                       ast.Call(ast.Name("range", ast.Load()), args, []),
                       stmts or [ast.Pass()], [], None)

    def _while(self, loop: WhileLoop, stmts: list[ast.stmt]) -> list[ast.stmt]:
        test_stmts = self.block(loop.test)
        if not test_stmts:
            return [ast.While(self.expr(loop.condition), stmts or [ast.Pass()], [])]
        leave = ast.If(ast.UnaryOp(ast.Not(), self.expr(loop.condition)), [ast.Break()], [])
        return [ast.While(ast.Constant(True), test_stmts + [leave] + stmts, [])]

    def _name_updates_in_place(self, body: Region, params: list[Value],
                               outputs: list[Value]) -> None:
        """Let `y = y + t` assign the carried name directly when nothing reads the old
        `y` after that line (an inlined expression is read where it is written); so does
        an `if` giving the new `y` when, in each branch, nothing reads the old `y` after
        the line making the new one (``if c: y[i] += g``, with no ``y_1 = y``)."""
        position = {op: i for i, op in enumerate(body.ops)}
        for k, result in enumerate(body.results[:-1]):
            op = self.defs.get(result)
            if op is None or op not in position or result in self.names or \
                    self.is_inlined(result) or self.uses[result] != 1:
                continue
            cond = as_cond(op)
            param = params[k]
            # an inner loop carrying the old value on may carry it under its name
            old = _carried_on(param, body.ops[:position[op]])
            if len(op.outputs) != 1 and (cond is None or not self._branches_replace(
                    cond, op.outputs.index(result), old)):
                continue
            readers = [reader for value in old for reader in self._readers.get(value, [])]
            # a loop's carried values take its result's name from its first iteration on,
            # so a read of the old value inside that loop comes after the update too
            last = position[op] - (as_loop(op) is not None)
            if any(value in body.results for value in old) or \
                    any(self._line(r, body, position) > last for r in readers) or \
                    any(_yields(later, value) for later in body.ops[last + 1:] for value in old):
                continue
            self.names[result] = self.name(outputs[k])
            if cond is not None:
                self._name_nested_results(cond, op.outputs.index(result), self.names[result])

    def _name_nested_results(self, cond: Cond, k: int, name: str) -> None:
        """Give result `k` of the `if`s nested in `cond`'s branches that make its result
        `k` the name `name` now, as `cond` will, so that a loop deciding whether it
        updates its carried array in place sees that name passed on (`_fresh`)."""
        for branch in cond.branches:
            result = branch.results[k]
            op = self.defs.get(result)
            inner = as_cond(op) if op is not None and op in branch.ops else None
            if inner is not None and result not in self.names and self.uses[result] == 1:
                self.names[result] = name
                self._name_nested_results(inner, op.outputs.index(result), name)

    def _line(self, op: Op, region: Region, position: dict[Op, int]) -> int:
        """Where in `region` (of op positions `position`) `op` is read: the line of its
        top-level op, or of the expression it is written into (the end when unknown)."""
        while op not in position:  # inside a nested region: its top-level op
            op = self._enclosing[op]
        out = op.outputs[0] if len(op.outputs) == 1 else None
        if out is not None and self.is_inlined(out):
            reader = self.user.get(out)
            return self._line(reader, region, position) if reader is not None and \
                self.use_region[out] is region else len(region.ops)
        return position[op]

    def _branches_replace(self, cond: Cond, k: int, old: list[Value]) -> bool:
        """Whether the name the values `old` are written under may hold the cond's result
        `k` from the line each branch makes it on: no branch reads them after that line
        or yields one as another result. A nested `if` making it must pass the same test,
        and a loop making it reads the name as its own from its first iteration on."""
        for branch in cond.branches:
            if any(result in old for j, result in enumerate(branch.results) if j != k):
                return False
            made = self.defs.get(branch.results[k])
            position = {op: i for i, op in enumerate(branch.ops)}
            if made not in position:
                continue
            inner = as_cond(made)
            if inner is not None and not self._branches_replace(
                    inner, made.outputs.index(branch.results[k]), old):
                return False
            last = position[made] - (as_loop(made) is not None)
            if any(self._line(reader, branch, position) > last
                   for value in old for reader in self._readers.get(value, [])
                   if reader is not made and self._in_region(reader, branch)):
                return False
        return True

    def _reads(self, value: Value) -> set[Value]:
        """The named values an inlined expression reads."""
        if not self.is_inlined(value):
            return {value}
        found: set[Value] = set()
        for v in self.defs[value].inputs:
            found |= self._reads(v)
        return found

    def _is_int_literal(self, value: Value) -> bool:
        op = self.defs.get(value)
        return op is not None and op.prim == "const" and type(op.params["value"]) is int \
            and abs(op.params["value"]) < 2 ** 53

    def _is_const(self, value: Value, number) -> bool:
        op = self.defs.get(value)
        return op is not None and op.prim == "const" and op.params["value"] == number and \
            not isinstance(op.params["value"], bool)

    # ---- the module -----------------------------------------------------------------
    def module(self) -> tuple[str, dict]:
        fn = self.fn
        for param, pname in zip(fn.params, fn.param_names):
            # The user's names stay; a transform's added parameter that clashes
            # (the tangent `dx` of a function that already has a `dx`) gets a suffix.
            self.names[param] = self.fresh(pname) if pname in self.taken else pname
            self.taken.add(self.names[param])
        self.taken.add(self.function_name)
        body = self.block(fn.body)
        if len(fn.results) > 1:
            # `bx = ...; by = ...; return bx, by` reads better than one long tuple.
            for result in fn.results:
                if self.is_inlined(result) and not self.is_literal(result):
                    body.append(ast.Assign([ast.Name(self.fresh(result.hint), ast.Store())],
                                           self.op_expr(self.defs[result])))
                    self.names[result] = body[-1].targets[0].id
                    self.defs.pop(result)
        results = [self.expr(v) for v in fn.results]
        value = _nested(fn.result_nesting, results) if fn.result_nesting is not None else \
            ast.Tuple(results, ast.Load()) if fn.returns_tuple else results[0]
        body.append(ast.Return(value))
        defaults = []  # Python takes defaults only for a final run of parameters
        for k, pname in enumerate(fn.param_names):
            has_default = pname in fn.defaults and self.names[fn.params[k]] == pname
            defaults = defaults + [self.literal(fn.defaults[pname])] if has_default else []
        args = ast.arguments(posonlyargs=[],
                             args=[ast.arg(self.names[p], None) for p in fn.params],
                             vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
                             defaults=defaults)
        function = ast.FunctionDef(self.function_name, args, body, [], None)
        called = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
        if self.constants:
            called.add(arrays.NP)
        imports = [ast.Import([ast.alias(module, None if alias == module else alias)])
                   for module, alias in _NAMESPACES if alias in called]
        head = "".join(_to_text(ast.Module([i], [])) for i in imports)
        parts = [head, arrays.assignments(self.constants)]
        definition = _to_text(ast.Module([function], [])).lstrip("\n")
        source = "\n".join(part for part in parts if part) + "\n\n" * any(parts) + definition
        return source, dict(self.constants)


def _nested(nesting, results: list) -> ast.expr:
    if isinstance(nesting, tuple):
        return ast.Tuple([_nested(inner, results) for inner in nesting], ast.Load())
    return results[nesting]


def _to_text(module: ast.Module) -> str:
    # astor's own line wrapping breaks lines before closing parentheses; one expression
    # per line, unwrapped, reads better.
    if astor is None:  # astor gone from a future Python: the standard library's printer
        return ast.unparse(ast.fix_missing_locations(module)) + "\n"
    return astor.to_source(module, pretty_source="".join)


def _identifier(hint: str | None) -> str:
    if not hint:
        return "t"
    cleaned = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in hint)
    if cleaned[0].isdigit():
        cleaned = "_" + cleaned
    return cleaned


def _uses_within(value: Value, region: Region) -> int:
    """How many times `region` reads `value`, its nested regions and results included."""
    return region.results.count(value) + sum(
        op.inputs.count(value) + sum(_uses_within(value, inner) for inner in op.regions)
        for op in region.ops)


def _carried_on(value: Value, ops: list[Op]) -> list[Value]:
    """`value` and the results of the loops among `ops` that carry it on, and theirs: the
    values that may be written under its name."""
    found = [value]
    for op in ops:
        loop = as_loop(op)
        if loop is not None:
            found += [out for init, out in zip(loop.inits, loop.outputs) if init in found]
    return found


def _yields(op: Op, value: Value) -> bool:
    """Whether a region of `op`, or of an op inside it, yields `value` (a read that is
    no op's input: `if c: y = value`)."""
    return any(value in region.results or any(_yields(inner, value) for inner in region.ops)
               for region in op.regions)


def _read_by_name(constant) -> bool:
    """Whether a constant is read from the namespace the code runs in: an array, but not
    a 0-d one, which is written as a NumPy scalar of its dtype (np.float64(2.0)) that
    computes as the 0-d array does, so the saved source needs nothing passed in."""
    return isinstance(constant, np.ndarray) and constant.ndim > 0
