import math


def tanh_d1(x):
    t = math.tanh(x)
    return 1.0 - t * t


import math


def tanh_d2(x):
    t = math.tanh(x)
    return -2.0 * (t * (1.0 - t * t))


import math


def tanh_d3(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    return 4.0 * (t * (t * t1)) - 2.0 * (t1 * t1)


import math


def tanh_d4(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    t2 = t * t1
    return -4.0 * (t * (2.0 * (t * t2) - t1 * t1)) + 12.0 * (t1 * t2)


import math


def tanh_d5(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    t2 = t * t1
    t3 = 2.0 * (t * t2) - t1 * t1
    return 8.0 * (t * (t * t3 - 3.0 * (t1 * t2))) - 16.0 * (t1 * t3) - 24.0 * (t2 * t2)


import math


def tanh_d6(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    t2 = t * t1
    t3 = 2.0 * (t * t2) - t1 * t1
    t4 = t * t3 - 3.0 * (t1 * t2)
    return -16.0 * (t * (t * t4 - 2.0 * (t1 * t3) - 3.0 * (t2 * t2))) + 40.0 * (t1 * t4) + 80.0 * (t2 * t3)


import math


def tanh_d7(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    t2 = t * t1
    t3 = 2.0 * (t * t2) - t1 * t1
    t4 = t * t3 - 3.0 * (t1 * t2)
    t5 = t * t4 - 2.0 * (t1 * t3) - 3.0 * (t2 * t2)
    return 16.0 * (t * (2.0 * (t * t5) - 5.0 * (t1 * t4) - 10.0 * (t2 * t3))) - 96.0 * (t1 * t5) - 240.0 * (t2 * t4) - 80.0 * (t3 * t3)


import math


def tanh_d8(x):
    t = math.tanh(x)
    t1 = 1.0 - t * t
    t2 = t * t1
    t3 = 2.0 * (t * t2) - t1 * t1
    t4 = t * t3 - 3.0 * (t1 * t2)
    t5 = t * t4 - 2.0 * (t1 * t3) - 3.0 * (t2 * t2)
    t6 = 2.0 * (t * t5) - 5.0 * (t1 * t4) - 10.0 * (t2 * t3)
    return -32.0 * (t * (t * t6 - 6.0 * (t1 * t5) - 15.0 * (t2 * t4) - 5.0 * (t3 * t3))) + 112.0 * (t1 * t6) + 672.0 * (t2 * t5) + 560.0 * (t3 * t4)
