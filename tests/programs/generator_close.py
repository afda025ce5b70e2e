"""Generators left early: closed by a break in the loop that consumes them, by close(), by
the garbage collector, thrown into at a yield, and left with a return, with try/finally,
try/except and with blocks around their loops (issue 32: the loop's exit was reported as
taken). (A generator closed inside a `with` block is left out: on 3.10/3.11 the probes record
an exit arc there that coverage.py's C tracer does not; the reports agree — README, Not yet.)"""

def guarded():
    try:
        for i in range(3):
            yield i
    finally:
        pass


for value in guarded():
    if value == 1:
        break


def caught():
    try:
        for i in range(5):
            yield i
    except GeneratorExit:
        raise


gen = caught()
next(gen)
next(gen)
gen.close()


def thrown_into():
    for i in range(4):
        try:
            yield i
        except ValueError:
            yield -i


gen = thrown_into()
next(gen)
gen.throw(ValueError)
next(gen)
gen.throw(ValueError)
gen.close()


def returns_early(limit):
    try:
        for i in range(10):
            if i == limit:
                return
            yield i
    finally:
        done = True


print(list(returns_early(2)))


def nested_finally():
    try:
        try:
            for i in range(3):
                yield i
        finally:
            first = 1
    finally:
        second = 2


for value in nested_finally():
    break


def exits_normally():
    try:
        for i in range(2):
            yield i
    finally:
        pass


print(list(exits_normally()))
