def count(n):
    i = 0
    while i < n:
        yield i
        i += 1
    return "done"

def delegate():
    result = yield from count(3)
    yield result

print(list(delegate()))
gen = count(10)
next(gen)
gen.close()
squares = (x * x for x in range(4))
print(sum(squares))
