def rosenbrock_hessian(x0, x1, dx0, dx1):
    dbx1 = 200.0 * (dx1 - 2.0 * (dx0 * x0))
    t = dbx1 * x0 + 200.0 * (x1 - x0 * x0) * dx0
    return 2.0 * dx0 - t - t, dbx1
