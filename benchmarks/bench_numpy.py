"""Gradients of NumPy programs: adcompile vs hand-written NumPy vs peers.

Run from the repo root:  python benchmarks/bench_numpy.py

Two losses, each written once for any array namespace `xp` (NumPy for adcompile,
autograd.numpy, torch, jax.numpy for the peers):

- the N-dimensional Rosenbrock function at n = 1,000,000,
  ``sum(100 * (x[1:] - x[:-1]**2)**2 + (1 - x[:-1])**2)``; target: ``ad.grad(f)(x)``
  within 1.3x of its gradient written by hand in NumPy with slices;
- the softmax cross-entropy of a two-layer network (tanh hidden layer) on a batch of 512
  examples, 64 inputs, 128 hidden units, 10 classes; the gradient with respect to the
  four parameter arrays; target: within 1.5x of backpropagation written by hand.

Rows: the plain loss (for scale), the hand-written gradient (the baseline, 1.00),
``ad.grad`` as users call it, the generated code alone (``.source`` executed), and every
installed peer: autograd, torch (eager; ``torch.from_numpy`` in, ``.numpy()`` out),
``jax.jit(jax.grad)`` with x64. Every gradient is checked against the hand-written one
(to 1e-9, relative to its largest entry) before anything is timed. glibc's malloc is
asked to keep freed memory (see `_common.keep_freed_memory`): otherwise whether a row's
8 MB temporaries come with page faults depends on the rows before it.
"""

from __future__ import annotations

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (ensure_repo_on_path, keep_freed_memory, load_peer,  # noqa: E402
                     machine_line, peer_version, table, time_with)

ensure_repo_on_path()
import adcompile as ad  # noqa: E402

REPEAT = 101


# ---- the losses, for any array namespace xp -------------------------------------------

def rosenbrock_in(xp):
    def rosenbrock(x):
        return xp.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    return rosenbrock


def two_layer_loss_in(xp):
    def two_layer_loss(W1, b1, W2, b2, X, Y):
        H = xp.tanh(X @ W1 + b1)
        Z = H @ W2 + b2
        # amax, not max: torch.max with an axis returns (values, indices)
        shifted = Z - xp.amax(Z, axis=1, keepdims=True)
        log_softmax = shifted - xp.log(xp.sum(xp.exp(shifted), axis=1, keepdims=True))
        return -xp.sum(Y * log_softmax) / X.shape[0]
    return two_layer_loss


# ---- the same gradients, by hand ------------------------------------------------------

def rosenbrock_grad_by_hand(x):
    head, tail = x[:-1], x[1:]
    r = tail - head * head
    g = np.zeros_like(x)
    g[:-1] = -400.0 * head * r - 2.0 * (1.0 - head)
    g[1:] += 200.0 * r
    return g


def two_layer_grad_by_hand(W1, b1, W2, b2, X, Y):
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    E = np.exp(Z - np.max(Z, axis=1, keepdims=True))
    dZ = (E / np.sum(E, axis=1, keepdims=True) - Y) / X.shape[0]  # rows of Y sum to 1
    dA = (dZ @ W2.T) * (1.0 - H * H)
    return X.T @ dA, np.sum(dA, axis=0), H.T @ dZ, np.sum(dZ, axis=0)


def rosenbrock_case(rng):
    x = rng.uniform(-2.0, 2.0, 1_000_000)
    return "Rosenbrock, n = 1,000,000", rosenbrock_in, rosenbrock_grad_by_hand, (x,), 1, 1.3


def two_layer_case(rng):
    n, inputs, hidden, classes = 512, 64, 128, 10
    X = rng.standard_normal((n, inputs))
    Y = np.eye(classes)[rng.integers(0, classes, n)]
    W1 = rng.standard_normal((inputs, hidden)) / np.sqrt(inputs)
    W2 = rng.standard_normal((hidden, classes)) / np.sqrt(hidden)
    args = (W1, rng.standard_normal(hidden) * 0.1, W2, rng.standard_normal(classes) * 0.1,
            X, Y)
    return ("two-layer network loss, batch 512, 64-128-10", two_layer_loss_in,
            two_layer_grad_by_hand, args, 4, 1.5)


# ---- one gradient per competitor, each args -> tuple of NumPy arrays -------------------

def adcompile_impls(loss_in, wrt, args):
    f = loss_in(np)
    g = ad.grad(f, argnums=tuple(range(wrt)))
    g(*args)  # compile for these shapes outside the timing; .source is then theirs
    impls = [("adcompile ad.grad", g)]
    namespace: dict = {}
    exec(g.source, namespace)
    impls.append(("adcompile generated code only", namespace[f"{f.__name__}_grad"]))
    return g, impls


def peer_impls(loss_in, wrt, args, peers):
    argnums = tuple(range(wrt))
    impls = []
    autograd = peers.get("autograd")
    if autograd:
        impls.append(("autograd", autograd.grad(loss_in(autograd.numpy), argnum=argnums)))
    torch = peers.get("torch")
    if torch:
        f = loss_in(torch)

        def torch_grad(*arrays):
            tensors = [torch.from_numpy(a) for a in arrays]
            for t in tensors[:wrt]:
                t.requires_grad_()
            grads = torch.autograd.grad(f(*tensors), tensors[:wrt])
            return tuple(g.numpy() for g in grads)
        impls.append(("torch (eager)", torch_grad))
    jax = peers.get("jax")
    if jax:
        jg = jax.jit(jax.grad(loss_in(jax.numpy), argnums=argnums))
        jax.block_until_ready(jg(*args))  # trace and compile outside the timing
        impls.append(("jax.jit(jax.grad) x64", lambda *a: jax.block_until_ready(jg(*a))))
    return impls


def as_tuple(result, wrt):
    return (result,) if wrt == 1 and not isinstance(result, tuple) else tuple(result)


def agrees(got, want) -> bool:
    return all(np.shape(a) == np.shape(b) and
               np.allclose(np.asarray(a), b, rtol=1e-9, atol=1e-9 * np.max(np.abs(b)))
               for a, b in zip(got, want))


def main() -> None:
    print("== bench_numpy: gradients of NumPy losses ==")
    print(machine_line())
    print(keep_freed_memory())
    peers = {name: load_peer(name) for name in ("autograd", "torch", "jax")}
    peers = {k: v for k, v in peers.items() if v is not None}
    if peers:
        print("peers: " + ", ".join(f"{k} {peer_version(k)}" for k in peers))
    rng = np.random.default_rng(0)
    verdicts = []
    for name, loss_in, by_hand, args, wrt, target in (rosenbrock_case(rng),
                                                      two_layer_case(rng)):
        g, impls = adcompile_impls(loss_in, wrt, args)
        impls += peer_impls(loss_in, wrt, args, peers)
        want = by_hand(*args)
        want = as_tuple(want, wrt)
        checked = []
        for label, impl in impls:
            got = as_tuple(impl(*args), wrt)
            ok = agrees(got, want)
            assert ok or not label.startswith("adcompile"), f"{label} gradient of {name} wrong"
            if ok:
                checked.append((label, impl))
            else:
                print(f"  {label} left out of the {name} table: its gradient differs")
        f = loss_in(np)
        times = time_with({"plain loss (no gradient)": f, "hand-written gradient": by_hand,
                           **dict(checked)}, args, REPEAT)
        base = times["hand-written gradient"]
        rows = [[label, t * 1e3, t / base] for label, t in times.items()]
        print()
        print(table(["implementation", "ms/call", "x hand-written"], rows,
                    title=f"{name} (min of {REPEAT} interleaved repeats)"))
        print(f"generated gradient:\n{g.source}")
        ratio = times["adcompile ad.grad"] / base
        verdicts.append(f"target ad.grad within {target}x of hand-written, {name}: "
                        f"{ratio:.2f}x -> {'met' if ratio <= target else 'NOT met'}")
    print("\n".join(verdicts))


if __name__ == "__main__":
    main()
