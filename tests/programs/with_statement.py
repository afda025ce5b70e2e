import contextlib

@contextlib.contextmanager
def managed():
    print("enter")
    try:
        yield 1
    finally:
        print("exit")

with managed() as a, managed() as b:
    total = a + b
with open(__file__) as f:
    first = f.readline()
print(total, bool(first))
