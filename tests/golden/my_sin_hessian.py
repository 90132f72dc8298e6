import math


def my_sin_hessian(x, threshold=0.0001):
    tape = []
    tape_c = []
    trips = 0
    for i in range(100000):
        t1 = 2 * i + 1
        c = (-1) ** i / math.factorial(t1)
        t = c * x ** t1
        tape.append(t1)
        tape_c.append(c)
        trips = trips + 1
        if abs(t) < threshold:
            break
    dbx = 0.0
    for _ in range(trips):
        c_1 = tape_c.pop()
        t2 = tape.pop()
        t3 = t2 - (t2 != 0)
        dbx = dbx + c_1 * (t2 * (t3 * x ** (t3 - (t3 != 0))))
    return dbx
