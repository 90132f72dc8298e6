def rosenbrock_hessian(x0, x1, dx0, dx1):
    t = 2.0 * x0
    dbx0 = 2.0 * dx0
    dbx1 = 200.0 * (dx1 - dx0 * t)
    dbx0_1 = dbx0 - (dbx1 * t + 200.0 * (x1 - x0 * x0) * dbx0)
    return dbx0_1, dbx1
