def power_series_grad(x, n):
    tape_k = []
    tape_i = []
    terms, trips = [], 0
    for k in range(n):
        terms.append(x ** k / (k + 1))
        tape_k.append(k)
        trips = trips + 1
    t = len(terms)
    trips_1 = 0
    for i in range(t):
        tape_i.append(i)
        trips_1 = trips_1 + 1
    bterms = [0.0] * len(terms)
    for _ in range(trips_1):
        i_1 = tape_i.pop()
        bterms[i_1] += 1.0
    bx = 0.0
    for __1 in range(trips):
        k_1 = tape_k.pop()
        t1 = bterms[-1]
        bterms.pop()
        bx = bx + t1 / (k_1 + 1) * (k_1 * x ** (k_1 - (k_1 != 0)))
    return bx
