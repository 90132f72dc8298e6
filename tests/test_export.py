"""adcompile.export: ad.export writes a module that needs only NumPy and the standard
library, and computes what the transform computes."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adcompile as ad

from programs import goldstein, my_sin, sin

SCALE = 3.0
WEIGHTS = np.array([0.5, -2.0, 0.25])


def make_scaled(a):
    def scaled(x):
        return a * SCALE * np.log(x) + np.sum(WEIGHTS * x)
    return scaled


def tanh(x):
    return np.tanh(x)


def bilinear(x, y):
    return x * y + 3.0 * x - y


def weighted(x):
    return np.sum(WEIGHTS * x * x)


# In a fresh interpreter: imports of anything but NumPy and the standard library fail,
# adcompile among them; then each exported module is imported and called.
RUNNER = """
import importlib.abc
import sys

ALLOWED = set(sys.stdlib_module_names) | {"numpy"} | set(sys.argv[2:])  # and the exported


class OnlyNumPyAndTheStandardLibrary(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.partition(".")[0] not in ALLOWED:
            raise ImportError(f"{name} is neither NumPy nor in the standard library")
        return None


sys.meta_path.insert(0, OnlyNumPyAndTheStandardLibrary())
try:
    import adcompile
except ImportError:
    pass
else:
    raise SystemExit("adcompile could be imported")
sys.path.insert(0, sys.argv[1])
import numpy as np
for line in sys.stdin.read().splitlines():
    module, call = line.split(" ", 1)
    value = eval(call, {"np": np, **vars(__import__(module))})
    print(repr(value.tolist() if isinstance(value, np.ndarray) else value))
"""


def _run_exported(directory, calls: list[tuple[str, str]]) -> list[str]:
    modules = sorted({module for module, _ in calls})
    done = subprocess.run([sys.executable, "-I", "-c", RUNNER, str(directory), *modules],
                          input="\n".join(f"{m} {c}" for m, c in calls), text=True,
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_exported_modules_compute_what_the_transforms_compute(tmp_path):
    cases = [  # (module, transform, example arguments, calls of the exported function)
        ("goldstein_grad", ad.grad(goldstein, argnums=(0, 1)), (1.0, 1.0),
         [(1.0, 1.0), (0.25, -1.5)]),
        ("my_sin_grad", ad.grad(my_sin), (0.5,), [(0.5,), (np.pi / 4, 1e-150)]),
        ("sin_d3", ad.derivative(sin, order=3), (0.5,), [(0.5,), (2.0,)]),
        # reads a closure variable and two globals; at 0, math's log raises and NumPy's
        # gives -inf, so its gradient is inf as adcompile's own call gives
        ("scaled_grad", ad.grad(make_scaled(2.0)), (1.0,), [(1.0,), (0.0,)]),
        ("weighted_grad", ad.grad(weighted), (np.ones(3),), [(np.arange(3.0),)]),
        ("tanh", ad.primal(tanh), (0.5,), [(0.5,)]),
        # a Hessian is one program: the matrix, as the call gives it
        ("goldstein_hessian", ad.hessian(goldstein, argnums=(0, 1)), (1.0, 1.0),
         [(0.5, -0.25)]),
    ]
    calls, expected = [], []
    for module, transform, example, arguments in cases:
        assert ad.export(transform, tmp_path / f"{module}.py", *example) == \
            str(tmp_path / f"{module}.py")
        name = module
        for args in arguments:
            text = ", ".join(f"np.array({a.tolist()!r})" if isinstance(a, np.ndarray)
                             else repr(a) for a in args)
            calls.append((module, f"{name}({text})"))
            with np.errstate(divide="ignore"):  # the edge case: NumPy warns
                want = transform(*args)
            expected.append(repr(want.tolist() if isinstance(want, np.ndarray) else want))
    assert "inf" in expected  # the edge case is there
    assert _run_exported(tmp_path, calls) == expected


def test_the_module_says_where_it_came_from_and_what_it_read(tmp_path):
    path = ad.export(ad.grad(make_scaled(2.0)), tmp_path / "scaled.py", 1.0)
    text = open(path).read()
    assert text.startswith(
        '"""grad(scaled, argnums=0) for arguments (float): make_scaled.<locals>.scaled in\n'
        "test_export.py, line 20.\n\n"
        f"Written by adcompile {ad.__version__} (ad.export); needs only NumPy and the "
        "standard library.\n\n"
        "The parameters after scaled's own are what it reads from outside its arguments (the\n"
        "closure variable a, the global SCALE, the global WEIGHTS); their defaults are the values\n"
        "they held when this module was written.\n\"\"\"\n\n"
        "import numpy as np\n\n"
        "const = np.array([0.5, -2.0, 0.25])\n")
    assert "def scaled_grad(x, a=2.0, SCALE=3.0, WEIGHTS=const):\n" in text


def test_a_function_without_numpy_edges_is_its_source_alone(tmp_path):
    g = ad.grad(bilinear, argnums=(0, 1))
    g(1.0, 2.0)
    text = open(ad.export(g, tmp_path / "g.py")).read()
    body = text.split('"""\n\n\n', 1)[1]
    assert body == g.source  # the readable source, as is
    # byte-stable: the same module again, from another transform of the same function
    again = open(ad.export(ad.grad(bilinear, argnums=(0, 1)), tmp_path / "h.py",
                           1.0, 2.0)).read()
    assert again == text


def test_transforms_assembled_at_call_time_are_refused(tmp_path):
    with pytest.raises(ad.AdcompileTypeError, match=r"value_and_grad\(sin, argnums=0\) is "
                       "assembled from its compiled code at call time"):
        ad.export(ad.value_and_grad(sin), tmp_path / "h.py", 1.0)
    assert not (tmp_path / "h.py").exists()


def test_an_input_whose_type_changed_since_the_last_call_needs_examples(tmp_path,
                                                                        monkeypatch):
    g = ad.grad(make_scaled(2.0))
    g(1.0)
    monkeypatch.setattr(sys.modules[__name__], "SCALE", np.ones(3))
    with pytest.raises(ad.AdcompileValueError, match=textwrap.dedent(
            r"SCALE now holds ndarray, not the float the last call was compiled for")):
        ad.export(g, tmp_path / "s.py")
