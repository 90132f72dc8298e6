import math
import numpy as np


def pendulum_rk4_grad(theta, y0):
    tape_y = []
    tape = []
    tape_1 = []
    tape_2 = []
    tape_3 = []
    tape_4 = []
    tape_5 = []
    tape_6 = []
    t = theta[0]
    t1 = theta[1]
    y, trips = y0, 0
    for _ in range(20):
        t2 = y[1]
        t3 = math.sin(y[0])
        k1 = np.array([t2, -(t * t3 + t1 * t2)])
        t4 = y + 0.025 * k1
        t5 = t4[1]
        t6 = math.sin(t4[0])
        k2 = np.array([t5, -(t * t6 + t1 * t5)])
        t7 = y + 0.025 * k2
        t8 = t7[1]
        t9 = math.sin(t7[0])
        k3 = np.array([t8, -(t * t9 + t1 * t8)])
        t10 = y + 0.05 * k3
        t11 = t10[1]
        t12 = math.sin(t10[0])
        k4 = np.array([t11, -(t * t12 + t1 * t11)])
        y_1 = y + 0.008333333333333333 * (k1 + 2 * k2 + 2 * k3 + k4)
        tape_y.append(y)
        tape.append(t3)
        tape_1.append(t4)
        tape_2.append(t6)
        tape_3.append(t7)
        tape_4.append(t9)
        tape_5.append(t10)
        tape_6.append(t12)
        y, trips = y_1, trips + 1
    by = np.zeros_like(y)
    by[0] += 1.0
    by0, btheta = by, np.zeros_like(theta)
    for __1 in range(trips):
        t13 = tape_6.pop()
        t14 = tape_5.pop()
        t15 = tape_4.pop()
        t16 = tape_3.pop()
        t17 = tape_2.pop()
        t18 = tape_1.pop()
        t19 = tape.pop()
        y_2 = tape_y.pop()
        bk4 = 0.008333333333333333 * by0
        bk3 = 0.016666666666666666 * by0
        t20 = np.reshape(bk4[1:], ())
        t21 = np.zeros((2,))
        t21[1] += np.reshape(bk4[:1], ()) - t1 * t20
        t21[0] += -(t * t20 * math.cos(t14[0]))
        bk3_1 = bk3 + 0.05 * t21
        t22 = np.reshape(bk3_1[1:], ())
        t23 = np.zeros((2,))
        t23[1] += np.reshape(bk3_1[:1], ()) - t1 * t22
        t23[0] += -(t * t22 * math.cos(t16[0]))
        bk2 = bk3 + 0.025 * t23
        t24 = np.reshape(bk2[1:], ())
        t25 = np.zeros((2,))
        t25[1] += np.reshape(bk2[:1], ()) - t1 * t24
        t25[0] += -(t * t24 * math.cos(t18[0]))
        bk1 = bk4 + 0.025 * t25
        t26 = np.reshape(bk1[1:], ())
        btheta[1] += -(t20 * t14[1] + t22 * t16[1] + t24 * t18[1] + t26 * y_2[1])
        by_1 = by0 + t21 + t23 + t25
        by_1[0] += -(t * t26 * math.cos(y_2[0]))
        btheta[0] += -(t20 * t13 + t22 * t15 + t24 * t17 + t26 * t19)
        by_1[1] += np.reshape(bk1[:1], ()) - t1 * t26
        by0 = by_1
    return btheta
