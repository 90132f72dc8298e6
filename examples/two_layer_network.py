"""A two-layer network trained by gradient descent on a synthetic classification set.

Three classes of 2-d points, each a noisy arm of a spiral (made with NumPy, fixed seed);
the network is tanh(X @ W1 + b1) @ W2 + b2 with softmax cross-entropy as the loss. One
`ad.grad` with `argnums=(0, 1, 2, 3)` gives the gradients of all four parameter arrays
in one generated function (printed at the end: it is the backpropagation one would
write by hand). The loss falls and the accuracy on the training set rises.

Run: python examples/two_layer_network.py
"""

import numpy as np

import adcompile as ad

CLASSES, PER_CLASS, HIDDEN = 3, 100, 32
STEPS, RATE = 2000, 0.5  # larger steps make the loss oscillate


def spirals(rng):
    """Inputs X (300 x 2) and one-hot labels Y (300 x 3): three interleaved spiral arms."""
    radius = np.tile(np.linspace(0.1, 1.0, PER_CLASS), CLASSES)
    label = np.repeat(np.arange(CLASSES), PER_CLASS)
    angle = radius * 6.0 + label * (2 * np.pi / CLASSES) + \
        rng.normal(0.0, 0.25, CLASSES * PER_CLASS)
    X = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return X, np.eye(CLASSES)[label]


def loss(W1, b1, W2, b2, X, Y):
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    shifted = Z - np.max(Z, axis=1, keepdims=True)  # so that exp cannot overflow
    log_p = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.sum(Y * log_p) / X.shape[0]


def accuracy(W1, b1, W2, b2, X, Y):
    scores = np.tanh(X @ W1 + b1) @ W2 + b2
    return np.mean(np.argmax(scores, axis=1) == np.argmax(Y, axis=1))


def main():
    rng = np.random.default_rng(0)
    X, Y = spirals(rng)
    params = [rng.normal(0.0, 1.0, (2, HIDDEN)), np.zeros(HIDDEN),
              rng.normal(0.0, 1.0 / np.sqrt(HIDDEN), (HIDDEN, CLASSES)), np.zeros(CLASSES)]
    grad = ad.grad(loss, argnums=(0, 1, 2, 3))
    print(f"{len(X)} points in {CLASSES} classes, {HIDDEN} hidden units")
    print(" step     loss  accuracy")
    for step in range(STEPS + 1):
        if step % (STEPS // 10) == 0:
            print(f"{step:5d}  {loss(*params, X, Y):7.4f}  {accuracy(*params, X, Y):8.2f}")
        if step < STEPS:
            params = [p - RATE * g for p, g in zip(params, grad(*params, X, Y))]
    print("\nThe generated gradient:\n")
    print(grad.source)


if __name__ == "__main__":
    main()
