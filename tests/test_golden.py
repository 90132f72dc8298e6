"""Golden generated code: the whole pipeline's output, pinned byte for byte.

Each case writes tests/golden/<case>.py (the generated source) and <case>.ir (the
printed IR), for Python floats unless the case calls it with arrays first. Set
ADCOMPILE_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then read the diff.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import adcompile as ad
import programs as cases

GOLDEN = pathlib.Path(__file__).parent / "golden"
UPDATE = os.environ.get("ADCOMPILE_UPDATE_GOLDEN") == "1"

CASES = {
    "sphere_grad": lambda: ad.grad(cases.sphere, argnums=(0, 1)),
    "matyas_grad": lambda: ad.grad(cases.matyas, argnums=(0, 1)),
    "goldstein_grad": lambda: ad.grad(cases.goldstein, argnums=(0, 1)),
    "rosenbrock_grad": lambda: ad.grad(cases.rosenbrock, argnums=(0, 1)),
    "sin_derivative2": lambda: ad.derivative(cases.sin, order=2),
    "rosenbrock_hessian": lambda: ad.hessian(cases.rosenbrock, argnums=(0, 1)),
    "my_sin_grad": lambda: ad.grad(cases.my_sin),
    "my_sin_hessian": lambda: ad.hessian(cases.my_sin),
    "sum_squares_grad": lambda: _called(ad.grad(cases.sum_squares), np.ones(3)),
    "sum_matvec_grad": lambda: _called(ad.grad(cases.sum_matvec, argnums=(0, 1)),
                                       np.ones((2, 3)), np.ones(3)),
    # array functions as people write them: products with transposes and outer products,
    # no reshapes to matrices and back, no product with the identity a Hessian is seeded with
    "least_squares_grad": lambda: _called(ad.grad(cases.least_squares, argnums=1),
                                          np.ones((4, 3)), np.ones(3), np.ones(4)),
    "logistic_loss_hessian": lambda: _called(ad.hessian(cases.logistic_loss),
                                             np.ones(3), np.ones((4, 3)), np.ones(4)),
    "softmax_cross_entropy_grad": lambda: _called(ad.grad(cases.softmax_cross_entropy),
                                                  np.ones((3, 2)), np.ones((4, 3)),
                                                  np.ones((4, 2))),
    "two_layer_net_grad": lambda: _called(ad.grad(cases.two_layer_net, argnums=(0, 1, 2, 3)),
                                          np.ones((3, 5)), np.ones(5), np.ones((5, 1)),
                                          np.ones(1), np.ones((4, 3)), np.ones((4, 1))),
    "quadratic_form_hessian": lambda: _called(ad.hessian(cases.quadratic_form),
                                              np.ones(3), np.ones((3, 3))),
    "norm_hessian": lambda: _called(ad.hessian(cases.norm), np.ones(3)),
    "sum_of_squares_grad": lambda: _called(ad.grad(cases.sum_of_squares), np.ones(3)),
    "power_series_grad": lambda: _called(ad.grad(cases.power_series), 0.5, 4),
    "pendulum_rk4_grad": lambda: _called(ad.grad(cases.pendulum_rk4),
                                         np.array([9.81, 0.3]), np.array([1.0, 0.0])),
}


# The derivatives of these of orders 1 to 8 are pinned together, one file each.
ORDERS = {"sin": cases.sin, "tanh": cases.tanh}


def _called(transformed, *args):
    """`transformed` once called with `args`: its source and IR are for their types."""
    transformed(*args)
    return transformed


def _check(path: pathlib.Path, text: str) -> None:
    if UPDATE or not path.exists():
        path.write_text(text)
    assert text == path.read_text(), f"{path.name} changed; rerun with ADCOMPILE_UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_source_is_pinned(case):
    _check(GOLDEN / f"{case}.py", CASES[case]().source)


@pytest.mark.parametrize("case", sorted(CASES))
def test_printed_ir_is_pinned(case):
    _check(GOLDEN / f"{case}.ir", str(CASES[case]().ir) + "\n")


@pytest.mark.parametrize("name", sorted(ORDERS))
def test_derivatives_of_orders_1_to_8_are_pinned(name):
    text = "\n\n".join(ad.derivative(ORDERS[name], order=n).source for n in range(1, 9))
    _check(GOLDEN / f"{name}_derivatives_1_to_8.py", text)


def test_goldstein_gradient_reads_like_hand_written_code():
    source = CASES["goldstein_grad"]().source
    assert len(source.splitlines()) <= 50
    assert "sum_to" not in source and "np." not in source  # no helper calls on scalar code


def test_output_is_the_same_in_a_fresh_interpreter():
    """Names and order do not depend on ids, hashes or anything else that varies by run."""
    script = ("import sys; sys.path.insert(0, %r); import adcompile as ad; import programs as c; "
              "print(ad.grad(c.goldstein, argnums=(0, 1)).source); print(ad.grad(c.my_sin).ir)"
              % str(pathlib.Path(__file__).parent))
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2")]
    assert runs[0] == runs[1]
