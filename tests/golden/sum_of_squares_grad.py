import numpy as np


def sum_of_squares_grad(xs):
    tape_i = []
    tape_v = []
    trips = 0
    for i in range(3):
        v = xs[i]
        tape_i.append(i)
        tape_v.append(v)
        trips = trips + 1
    bxs = np.zeros_like(xs)
    for _ in range(trips):
        v_1 = tape_v.pop()
        i_1 = tape_i.pop()
        bxs[i_1] += 2.0 * v_1
    return bxs
