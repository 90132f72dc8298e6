def rosenbrock_hessian(x0, x1):
    t = 400.0 * x0
    dbx1 = -t
    dbx0 = 2.0 - (400.0 * (x1 - x0 * x0) - t * (2.0 * x0))
    return (dbx0, dbx1), (dbx1, 200.0)
