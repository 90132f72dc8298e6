import numpy as np


def norm_hessian(x):
    dx = np.eye(3)
    t = np.linalg.norm(x)
    bx = x / t
    return ((dx - bx * np.sum(dx * bx, axis=1, keepdims=True)) / t).T
