"""Tight arithmetic loops."""
import os

N = int(8_000_000 * float(os.environ.get("BENCH_SCALE", "1")))


def collatz_steps(limit):
    longest = 0
    for start in range(1, limit):
        n = start
        steps = 0
        while n != 1 and steps < 30:
            if n % 2 == 0:
                n //= 2
            else:
                n = 3 * n + 1
            steps += 1
        if steps > longest:
            longest = steps
    return longest


print(collatz_steps(N // 10))
