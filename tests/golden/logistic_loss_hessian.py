import numpy as np


def logistic_loss_hessian(w, X, y):
    z = X @ w
    t = np.exp(-(y * z))
    t1 = 1.0 + t
    t2 = 1.0 / t1 * (y * X.T * t)
    return (-(y * (t2 / t1 * t - t2)) @ X).T
