import numpy as np


def sum_matvec_grad(a, x):
    t = np.broadcast_to(1.0, shape=(2,))
    ba = t[:, None] * x
    bx = t @ a
    return ba, bx
