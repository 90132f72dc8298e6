"""A tiny network whose parameters are a dict of arrays: `ad.grad` of the loss gives
a dict with the same keys, so a training step is one line over the dict.

Run: python examples/pytree_mlp.py
"""

import numpy as np

import adcompile as ad


def loss(params, x, y):
    hidden = np.tanh(x @ params["W1"] + params["b1"])
    prediction = hidden @ params["W2"] + params["b2"]
    return np.mean((prediction - y) ** 2)


def train(steps=300, lr=0.1):
    rng = np.random.default_rng(0)
    x = rng.uniform(-2.0, 2.0, (64, 1))
    y = np.sin(x)
    params = {"W1": rng.standard_normal((1, 16)), "b1": np.zeros(16),
              "W2": 0.1 * rng.standard_normal((16, 1)), "b2": np.zeros(1)}
    value_and_grad = ad.value_and_grad(loss)
    losses = []
    for step in range(steps):
        value, grads = value_and_grad(params, x, y)
        params = {name: params[name] - lr * grads[name] for name in params}
        losses.append(value)
        if step % 50 == 0:
            print(f"step {step:3d}  loss {value:.5f}")
    print(f"step {steps:3d}  loss {losses[-1]:.5f}")
    return losses


if __name__ == "__main__":
    losses = train()
    assert losses[-1] < losses[0] / 10, "the loss should fall tenfold"
