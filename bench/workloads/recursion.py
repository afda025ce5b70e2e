"""Deep and wide recursion: function-call heavy."""
import os

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def ackermann(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ackermann(m - 1, 1)
    return ackermann(m - 1, ackermann(m, n - 1))


total = 0
for _ in range(max(1, int(80 * SCALE))):
    total += fib(22) + ackermann(2, 150)
print(total)
