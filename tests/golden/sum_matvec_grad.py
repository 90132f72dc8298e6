import numpy as np


def sum_matvec_grad(a, x):
    t = np.ones((2,))
    ba = t[:, None] * x
    bx = t @ a
    return ba, bx
