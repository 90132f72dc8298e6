"""adcompile.cli: print the generated source, the IR or the DOT of a transform; a bad
invocation is one line and exit status 2, an error while compiling exit status 1."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adcompile.cache
import adcompile.pipeline
from adcompile.cli import main

MODULE = textwrap.dedent("""\
    import math

    import numpy as np


    def rosen(x, y):
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


    def wave(x):
        return math.sin(x) * x


    def guarded(x):
        try:
            return x
        except ValueError:
            return 0.0


    def tail_energy(x, scale):
        return np.sum(x[1:] ** 2) * scale


    def head_energy(x):  # compiled by no other test, so no earlier call's types show
        return np.sum(x[:-1] ** 2)


    SCALE = 2.0
""")


@pytest.fixture
def script(tmp_path, request):
    # a file name of its own for each test: the CLI imports it as a module of that name
    path = tmp_path / f"cli_case_{request.node.name}.py"
    path.write_text(MODULE)
    return path


def _run(capsys, *argv):
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_grad_prints_the_generated_source(script, capsys):
    out = _run(capsys, "grad", f"{script}:rosen", "--argnums", "0,1")
    assert out.startswith("def rosen_grad(x, y):\n")
    assert "return " in out
    namespace = {}
    exec(out, namespace)
    bx, by = namespace["rosen_grad"](1.0, 1.0)
    assert (bx, by) == (0.0, 0.0)
    bx, by = namespace["rosen_grad"](0.5, 0.5)
    assert bx == pytest.approx(-2 * 0.5 - 400 * 0.5 * (0.5 - 0.25))
    assert by == pytest.approx(200 * (0.5 - 0.25))


def test_single_argnum_gives_one_gradient(script, capsys):
    out = _run(capsys, "grad", f"{script}:rosen", "--argnums", "1")
    namespace = {}
    exec(out, namespace)
    assert namespace["rosen_grad"](0.5, 0.5) == pytest.approx(50.0)


def test_default_argnums_is_zero(script, capsys):
    out = _run(capsys, "grad", f"{script}:wave")
    assert out.startswith("import math\n")
    assert "def wave_grad(x):" in out


def test_show_ir(script, capsys):
    out = _run(capsys, "grad", f"{script}:wave", "--show", "ir")
    assert out.startswith("def wave(x: float):\n")
    assert " = cos x" in out and out.rstrip().splitlines()[-1].startswith("  return ")


def test_show_dot(script, capsys):
    out = _run(capsys, "primal", f"{script}:wave", "--show", "dot")
    assert out.startswith("digraph {\n") and out.endswith("}\n")
    assert '[label="sin", color=lightblue, style=filled, shape=box]' in out


def test_derivative_order(script, capsys):
    out = _run(capsys, "derivative", f"{script}:wave", "--order", "2")
    assert "def wave_d2(x):" in out
    namespace = {}
    exec(out, namespace)
    import math
    x = 0.3
    assert namespace["wave_d2"](x) == pytest.approx(2 * math.cos(x) - x * math.sin(x))


def test_example_arguments_give_the_types(script, capsys):
    out = _run(capsys, "grad", f"{script}:tail_energy", "--args", "np.zeros(3), 1.0")
    assert "bx[1:] += " in out
    namespace = {}
    exec(out, namespace)
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(namespace["tail_energy_grad"](x, 2.0), [0.0, 8.0, 12.0])
    ir = _run(capsys, "grad", f"{script}:tail_energy", "--args", "np.zeros(3), 1.0",
              "--show", "ir")
    assert ir.startswith("def tail_energy(x: float64[3], scale: float):")
    dot = _run(capsys, "primal", f"{script}:tail_energy", "--args", "np.zeros((2,)), 1.0",
               "--show", "dot")
    assert '"x: (2,)"' in dot


def test_an_array_function_without_example_arguments_says_how_to_give_them(script, capsys):
    assert main(["grad", f"{script}:head_energy"]) == 1
    err = capsys.readouterr().err
    assert "depends on the types of its arguments" in err
    assert "a Python number cannot be indexed" in err
    assert err.rstrip().endswith('--args "np.zeros(3)"')


def test_a_module_path_on_sys_path(script, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(script.parent))
    out = _run(capsys, "primal", f"{script.stem}:rosen")
    assert out.startswith("def rosen(x, y):")


# ---- a bad invocation: one line on stderr, exit status 2 ---------------------------------

BAD_INVOCATIONS = {
    "no function in the target": (["grad", "{script}"], ["FILE.py:FUNCTION", "{script}"]),
    "a missing file": (["grad", "{dir}/absent.py:wave"], ["no such file", "absent.py"]),
    "a missing module": (["grad", "adcompile_absent_module:wave"],
                         ["cannot import adcompile_absent_module", "ModuleNotFoundError"]),
    "a missing function": (["grad", "{script}:absent"],
                           ["has no function 'absent'",
                            "it defines guarded, head_energy, rosen, tail_energy, wave"]),
    "not a function": (["grad", "{script}:SCALE"], ["grad expects a function", "2.0"]),
    "a builtin": (["grad", "math:gamma"], ["'gamma' is not a Python function with source"]),
    "argnums not numbers": (["grad", "{script}:rosen", "--argnums", "a,b"],
                            ["--argnums", "such as 0 or 0,1", "'a,b'"]),
    "argnums empty": (["grad", "{script}:rosen", "--argnums", ""], ["--argnums", "''"]),
    "argnums out of range": (["grad", "{script}:rosen", "--argnums", "0,2"],
                             ["grad(rosen, argnums=(0, 2))", "position 2 is out of range"]),
    "argnums twice": (["hessian", "{script}:rosen", "--argnums", "1,1"],
                      ["position 1 more than once"]),
    "order not a number": (["derivative", "{script}:wave", "--order", "two"],
                           ["--order", "invalid int value: 'two'"]),
    "order negative": (["derivative", "{script}:wave", "--order", "-1"],
                       ["derivative(wave, order=-1)", "order must be 0 or more"]),
    "example arguments not Python": (["grad", "{script}:wave", "--args", "np.zeros(3"],
                                     ["--args 'np.zeros(3'", "SyntaxError"]),
    "an unknown transform": (["integrate", "{script}:wave"], ["invalid choice: 'integrate'"]),
    "no target": (["grad"], ["the following arguments are required: function"]),
}


@pytest.mark.parametrize("invocation", BAD_INVOCATIONS.values(), ids=BAD_INVOCATIONS.keys())
def test_a_bad_invocation_is_one_line_and_status_2(invocation, script, capsys):
    argv, fragments = invocation
    fill = {"script": script, "dir": script.parent}
    assert main([arg.format(**fill) for arg in argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.endswith("\n") and err.count("\n") == 1
    assert err.startswith("adcompile: error: ")
    for fragment in fragments:
        assert fragment.format(**fill) in err


def test_a_module_that_fails_to_import_is_a_bad_invocation(tmp_path, capsys):
    broken = tmp_path / "cli_broken_module.py"
    broken.write_text("import math\nraise RuntimeError('half-written module')\n")
    assert main(["grad", f"{broken}:f"]) == 2
    err = capsys.readouterr().err
    assert err == (f"adcompile: error: cannot import {broken}: RuntimeError: "
                   "half-written module\n")
    assert "cli_broken_module" not in sys.modules


# ---- an error while compiling: printed readably, exit status 1 ------------------------------

def test_unsupported_syntax_is_printed_without_a_traceback(script, capsys):
    assert main(["grad", f"{script}:guarded"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"adcompile: {script}:15:5: try/except is not supported",
        "        try:",
        "        ^",
        "hint: remove the try block: a derivative cannot flow through an exception handler; "
        "check the condition with `if` instead"]


def test_an_internal_error_names_the_stage_and_shows_its_traceback(script, capsys,
                                                                   monkeypatch):
    def fails(*args, **kwargs):
        raise KeyError(".value")
    monkeypatch.setattr(adcompile.pipeline, "reverse", fails)
    monkeypatch.setattr(adcompile.cache, "_CACHES", {})
    monkeypatch.setattr(adcompile.cache, "_LAST", {})
    assert main(["grad", f"{script}:wave"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("adcompile: internal compiler error while differentiating "
                          "grad(wave, argnums=0) in reverse mode for arguments (float): "
                          "KeyError: '.value'\nThis is a bug in adcompile")
    # the compiler's own traceback, for the report, ends where it failed
    assert "Traceback (most recent call last)" in err
    assert err.rstrip().endswith("KeyError: '.value'")


def test_python_dash_m(script):
    done = subprocess.run([sys.executable, "-m", "adcompile", "grad", f"{script}:wave"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "def wave_grad(x):" in done.stdout


def test_python_dash_m_exits_with_status_2_on_a_bad_invocation(script):
    done = subprocess.run([sys.executable, "-m", "adcompile", "grad", f"{script}:absent"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == ("adcompile: error: " f"{script} has no function 'absent'; it "
                           "defines guarded, head_energy, rosen, tail_energy, wave\n")
