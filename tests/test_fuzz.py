"""Tests for tests/fuzz.py, the differential fuzzer: a fixed-seed run of a few hundred
random programs, which must pass every check; and the fuzzer's own parts, each shown to
catch what it is there to catch (a wrong derivative rule, a pass that changes values, a
pass that breaks the IR), and to skip what it cannot judge (a point next to a jump).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import time

import numpy as np
import pytest

import adcompile as ad
from adcompile.ir.nodes import walk_ops
from adcompile.passes import driver
from adcompile.rules import registry

import fuzz
from programs import my_sin, newton_sqrt, taylor_sin

SEED = 11
COUNT = 120   # small programs (SIZE statements at most): about 12 s on one core
SIZE = 4


def describe(outcome: fuzz.Outcome) -> str:
    failures = "\n".join(f"{f.kind}: {f.detail}" for f in outcome.failures)
    return f"program {outcome.program.index} of seed {outcome.program.seed}:\n" \
           f"{failures}\n{outcome.program.source}"


def test_fixed_seed_programs_pass_every_check(tmp_path):
    summary = fuzz.run(SEED, COUNT, out=tmp_path, size=SIZE)
    assert not summary.failing, "\n\n".join(describe(o) for o in summary.failing[:3])
    # and the run tested something: nearly every program was checked at a point, with
    # every kind of comparison, and the programs used every construct of the grammar
    assert summary.points >= 0.95 * COUNT
    assert set(summary.checks) == {"primal", "jvp", "grad", "forward-vs-reverse", "hessian",
                                   "grad-of-grad", "derivative", "jacobian", "pass",
                                   "generated-source"}
    assert set(summary.features) == fuzz.FEATURES


ARRAY_SEED = 12
ARRAY_COUNT = 40  # small array programs: about 5 s on one core


def test_fixed_seed_array_programs_pass_every_check(tmp_path):
    summary = fuzz.run(ARRAY_SEED, ARRAY_COUNT, out=tmp_path, size=SIZE, arrays=True)
    assert not summary.failing, "\n\n".join(describe(o) for o in summary.failing[:3])
    assert summary.points >= 0.9 * ARRAY_COUNT
    assert set(summary.checks) == {"primal", "jvp", "grad", "forward-vs-reverse", "hessian",
                                   "sparse-hessian", "grad-of-grad", "jacobian",
                                   "sparse-jacobian", "pass", "generated-source"}
    assert len(summary.features) >= 0.8 * len(fuzz.ARRAY_FEATURES)


def test_an_array_program_has_arguments_of_its_shapes():
    program = fuzz.generate(5, 7, arrays=True)
    assert fuzz.generate(5, 7, arrays=True).source == program.source
    assert program.source != fuzz.generate(5, 7).source
    assert program.name == "fuzz_arrays_5_7" and set(program.shapes) == set(program.params)
    point = fuzz._draw_point(program, np.random.default_rng(0))
    assert [np.shape(v) for v in point] == list(program.shapes.values())
    assert all(isinstance(v, float) for v, s in zip(point, program.shapes.values()) if s == ())


WRONG_TRANSPOSE = """
import numpy as np


def f(x):
    return np.sum(np.sin(x.T) * np.arange(6.0).reshape(3, 2))
"""


def test_a_wrong_array_rule_is_caught(tmp_path, monkeypatch):
    # transpose's reverse rule off by a factor: forward mode stays right
    rule = registry.RULES["transpose"]

    def off_by_a_bit(b, primals, out, g, **params):
        return [b.mul(r, b.const(1.001)) for r in rule.vjp(b, primals, out, g, **params)]
    monkeypatch.setitem(registry.RULES, "transpose", dataclasses.replace(rule, vjp=off_by_a_bit))
    program = fuzz.Program(0, 0, WRONG_TRANSPOSE, ["x"], set(), False, set(),
                           shapes={"x": (2, 3)})
    outcome = fuzz.run_one(program, tmp_path)
    assert [f.kind for f in outcome.failures] == ["grad"]


def test_a_program_is_a_function_of_its_seed_and_index():
    first = fuzz.generate(5, 7)
    assert fuzz.generate(5, 7).source == first.source
    assert fuzz.generate(5, 8).source != first.source
    assert fuzz.generate(6, 7).source != first.source
    assert fuzz.generate(5, 7, size=3).source != first.source
    assert first.name == "fuzz_5_7"
    assert "def f(" in first.source and first.params[0] == "x"  # derivative(): a float


def handwritten(source: str, params: list[str], int_params=(), returns_tuple=False):
    return fuzz.Program(0, 0, source, params, set(int_params), returns_tuple, set())


SINE = """
import math


def f(x, y, n):
    s = 0.0
    for i in range(n):
        s = s + math.sin(x * y) * i
    return s + math.sin(y)
"""


def test_a_handwritten_program_is_checked_in_every_mode(tmp_path):
    outcome = fuzz.run_one(handwritten(SINE, ["x", "y", "n"], ["n"]), tmp_path, points=2)
    assert not outcome.failures
    assert outcome.points == 2
    assert {"primal", "jvp", "grad", "hessian", "grad-of-grad", "derivative",
            "generated-source", "pass"} <= set(outcome.checks)


def test_a_wrong_derivative_rule_is_caught(tmp_path, monkeypatch):
    monkeypatch.delitem(registry.RULES, "sin")
    registry.defunary("sin", lambda b, x, out: b.call("mul", b.call("cos", x), b.const(1.001)))
    outcome = fuzz.run_one(handwritten(SINE, ["x", "y", "n"], ["n"]), tmp_path)
    assert [f.kind for f in outcome.failures] == ["jvp"]
    assert "finite differences" in outcome.failures[0].detail


LINEAR = """
def f(x):
    return 2.0 * x + 1.0
"""


def test_a_pass_that_changes_values_is_caught(tmp_path, monkeypatch):
    def off_by_a_bit(fn):
        changed = False
        for op in walk_ops(fn.body):
            if op.prim == "const" and op.params["value"] == 1.0:
                op.params["value"], changed = 1.5, True
        return changed

    monkeypatch.setattr(driver, "PASSES", (*driver.PASSES, off_by_a_bit))
    outcome = fuzz.run_one(handwritten(LINEAR, ["x"]), tmp_path)
    assert [f.kind for f in outcome.failures] == ["pass"]
    assert "off_by_a_bit changed the values of f" in outcome.failures[0].detail


def test_a_pass_that_breaks_the_ir_is_caught(tmp_path, monkeypatch):
    def defines_twice(fn):
        ops = fn.body.ops
        if len(ops) < 2 or ops[-1] is ops[0]:
            return False
        ops.append(ops[0])
        return True

    monkeypatch.setattr(driver, "PASSES", (*driver.PASSES, defines_twice))
    outcome = fuzz.run_one(handwritten(LINEAR, ["x"]), tmp_path)
    assert [f.kind for f in outcome.failures] == ["verify"]
    assert "after defines_twice" in outcome.failures[0].detail


def test_a_point_next_to_a_jump_is_skipped_not_failed(tmp_path):
    # a jump every 1/300: one lies within a few steps (1e-3) of every point
    jumps = "import math\n\n\ndef f(x):\n    return x + math.floor(x * 300.0)\n"
    outcome = fuzz.run_one(handwritten(jumps, ["x"]), tmp_path)
    assert not outcome.failures and outcome.points == 0
    assert outcome.skipped["f not smooth"] == fuzz.POINT_TRIES


def test_a_program_the_generator_got_wrong_is_reported_as_such(tmp_path):
    outcome = fuzz.run_one(handwritten("def f(x):\n    return x + None\n", ["x"]), tmp_path)
    assert [f.kind for f in outcome.failures] == ["invalid-program"]


@pytest.mark.parametrize("fun, args", [(my_sin, [0.7, 1e-4]), (taylor_sin, [0.4]),
                                       (newton_sqrt, [2.0])], ids=lambda v: str(v)[:20])
def test_interpret_runs_the_ir_as_the_generated_code_does(fun, args):
    # tapes, range loops with a break, while loops, conds: the IR of a gradient has them
    for transform in (ad.primal(fun), ad.grad(fun)):
        expected = transform(*args)
        assert fuzz.interpret(transform.ir.function, args) == [expected]


def test_a_failing_program_is_written_with_what_failed(tmp_path):
    program = handwritten(LINEAR, ["x"])
    outcome = fuzz.Outcome(program, failures=[fuzz.Failure("grad", "at [0.5]: 2.0 != 3.0")])
    path = fuzz.write_failure(outcome, tmp_path)
    assert path.name == "fuzz_0_0_grad.py"
    text = path.read_text()
    assert "# grad: at [0.5]: 2.0 != 3.0" in text
    assert "--seed 0 --first 0 --count 1" in text
    spec = importlib.util.spec_from_file_location("written", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.f(1.0) == 3.0


def test_a_hang_is_cut_short(tmp_path, monkeypatch):
    def never_answers(*args, **kwargs):
        time.sleep(5)
    monkeypatch.setattr(fuzz, "check_program", never_answers)
    started = time.perf_counter()
    outcome = fuzz.run_one(handwritten(LINEAR, ["x"]), tmp_path, seconds=0.2)
    assert time.perf_counter() - started < 2
    assert [f.kind for f in outcome.failures] == ["hang"]


def test_the_command_line_prints_a_summary(tmp_path, capsys):
    assert fuzz.main(["--seed", "4", "--count", "3", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "seed 4, programs 0..2, size 12" in out
    assert "3 programs, 3 points checked, 0 failures" in out
    assert not list(tmp_path.iterdir())


DEAD_CODE = """
import math


def f(x, y):
    a = x * y
    b = a + 1.0
    if b > 100.0:
        b = b * 2.0
    c = math.sin(x)
    for i in range(3):
        a = a + 0.5
    return c + y
"""


def test_a_failing_program_is_shrunk_to_what_fails(tmp_path, monkeypatch):
    monkeypatch.delitem(registry.RULES, "sin")
    registry.defunary("sin", lambda b, x, out: b.call("mul", b.call("cos", x), b.const(1.001)))
    outcome = fuzz.run_one(handwritten(DEAD_CODE, ["x", "y"]), tmp_path)
    shrunk = fuzz.shrink(outcome, tmp_path)
    assert shrunk.program.source == \
        "import math\ndef f(x, y):\n    c = math.sin(x)\n    return c + y\n"
    assert [f.kind for f in shrunk.failures] == ["jvp"]


def test_a_run_stopped_early_reports_what_it_did(tmp_path, monkeypatch):
    checked = []

    def stopped_on_the_third(program, directory, points, passes):
        if len(checked) == 2:
            raise KeyboardInterrupt
        checked.append(program.index)
        return fuzz.Outcome(program, points=1)

    monkeypatch.setattr(fuzz, "run_one", stopped_on_the_third)
    summary = fuzz.run(4, 10, out=tmp_path)
    assert summary.interrupted and summary.programs == 2 and checked == [0, 1]
