def accumulator():
    total = 0
    while True:
        value = yield total
        if value is None:
            break
        total += value
    return total

acc = accumulator()
next(acc)
acc.send(5)
acc.send(7)
try:
    acc.send(None)
except StopIteration as stop:
    final = stop.value
print(final)
