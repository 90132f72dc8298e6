"""adcompile.cli: print the generated source, the IR or the DOT of a transform."""

import subprocess
import sys
import textwrap

import pytest

from adcompile.cli import main

MODULE = textwrap.dedent("""\
    import math


    def rosen(x, y):
        return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


    def wave(x):
        return math.sin(x) * x
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


def test_a_module_path_on_sys_path(script, capsys, monkeypatch):
    monkeypatch.syspath_prepend(str(script.parent))
    out = _run(capsys, "primal", f"{script.stem}:rosen")
    assert out.startswith("def rosen(x, y):")


def test_target_without_a_function_is_refused(script):
    with pytest.raises(SystemExit) as info:
        main(["grad", str(script)])
    assert "FILE.py:FUNCTION" in str(info.value)


def test_unknown_transform_is_refused(script, capsys):
    with pytest.raises(SystemExit):
        main(["integrate", f"{script}:wave"])
    assert "invalid choice" in capsys.readouterr().err


def test_python_dash_m(script):
    done = subprocess.run([sys.executable, "-m", "adcompile", "grad", f"{script}:wave"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "def wave_grad(x):" in done.stdout
