"""Branches taken one way only, both ways, never; jumps out of loops and `with` blocks."""
import contextlib


def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:  # never true below
        return "zero"
    return "positive"


def first_even(values):
    for v in values:
        if v % 2 == 0:
            break
    else:
        return None
    return v


def loop_until(limit):
    total = 0
    while True:
        total += 1
        if total >= limit:
            break
    while total > 100:  # never true
        total -= 1
    return total


def nested_with(path_a, path_b):
    with contextlib.nullcontext(path_a) as a:
        with contextlib.nullcontext(path_b) as b:
            joined = a + b
    return joined


def one_liners(xs):
    out = [x for x in xs if x]
    while xs: xs = xs[1:]
    for x in out: pass
    return out


def pragma(flag):
    if flag:  # pragma: no branch
        return 1
    return 2


def handled(x):
    try:
        if x:
            raise ValueError(x)
    except ValueError:
        return "caught"
    finally:
        x = None
    return "clean"


def gen(n):
    for i in range(n):
        if i % 2:
            yield i


print(classify(-1), classify(5))
print(first_even([1, 3, 4]), first_even([1]))
print(loop_until(3))
print(nested_with("a", "b"))
print(one_liners([0, 1, 2]))
print(pragma(True))
print(handled(1))
print(list(gen(4)))
if __name__ == "__main__":
    print("main")
else:
    print("imported")
