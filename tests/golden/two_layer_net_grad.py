import numpy as np


def two_layer_net_grad(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    out = h @ W2 + b2
    bout = 0.5 * (out - y)
    t = bout @ W2.T * (1.0 - h * h)
    bW1 = X.T @ t
    bb1 = np.sum(t, axis=0)
    bW2 = h.T @ bout
    bb2 = np.sum(bout, axis=0)
    return bW1, bb1, bW2, bb2
