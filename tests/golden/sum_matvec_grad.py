import numpy as np


def sum_matvec_grad(a, x):
    t = np.broadcast_to(1.0, shape=(2, 1))
    ba = t @ np.reshape(x, (3, 1)).T
    bx = np.reshape(a.T @ t, (3,))
    return ba, bx
