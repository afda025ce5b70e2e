"""Exception-heavy code, as parsers and validators are: a function that raises and catches a
ValueError on every other call, exceptions through a few frames, try/finally and with blocks."""
import os

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def parse_int(text):
    try:
        return int(text)
    except ValueError:
        return None


class Invalid(Exception):
    pass


def check(value):
    if value % 3 == 0:
        raise Invalid(value)
    return value


def validate(values):
    good = bad = 0
    for value in values:
        try:
            check(value)
            good += 1
        except Invalid:
            bad += 1
        finally:
            pass
    return good, bad


def nested(depth):
    if depth == 0:
        raise KeyError(depth)
    return nested(depth - 1)


def main():
    n = int(400_000 * SCALE)
    texts = ["12", "x1"] * (n // 2)
    parsed = sum(1 for t in texts if parse_int(t) is None)
    good, bad = validate(range(n))
    deep = 0
    for _ in range(n // 20):
        try:
            nested(5)
        except KeyError:
            deep += 1
    print(parsed, good, bad, deep)


main()
