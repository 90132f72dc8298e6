def matyas_grad(x, y):
    t = 0.26 * y
    t1 = 0.26 * x
    return t1 - 0.48 * y + t1, t - 0.48 * x + t
