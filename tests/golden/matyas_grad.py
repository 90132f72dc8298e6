def matyas_grad(x, y):
    bx = 0.52 * x - 0.48 * y
    by = 0.52 * y - 0.48 * x
    return bx, by
