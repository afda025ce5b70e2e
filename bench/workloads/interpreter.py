"""A small stack-machine interpreter running a loop program."""
import os

SCALE = float(os.environ.get("BENCH_SCALE", "1"))


def run(program, steps_limit):
    stack = []
    variables = {}
    pc = 0
    steps = 0
    while pc < len(program) and steps < steps_limit:
        op, arg = program[pc]
        steps += 1
        if op == "push":
            stack.append(arg)
        elif op == "load":
            stack.append(variables.get(arg, 0))
        elif op == "store":
            variables[arg] = stack.pop()
        elif op == "add":
            b = stack.pop()
            a = stack.pop()
            stack.append(a + b)
        elif op == "lt":
            b = stack.pop()
            a = stack.pop()
            stack.append(1 if a < b else 0)
        elif op == "jump_if_zero":
            if stack.pop() == 0:
                pc = arg
                continue
        elif op == "jump":
            pc = arg
            continue
        pc += 1
    return variables


PROGRAM = [
    ("push", 0), ("store", "i"), ("push", 0), ("store", "acc"),
    ("load", "i"), ("push", 10**9), ("lt", None), ("jump_if_zero", 17),
    ("load", "acc"), ("load", "i"), ("add", None), ("store", "acc"),
    ("load", "i"), ("push", 1), ("add", None), ("store", "i"),
    ("jump", 4),
]
print(run(PROGRAM, int(15_000_000 * SCALE))["i"])
