counter = 0

def increment():
    global counter
    counter += 1

def outer():
    value = 0
    def inner():
        nonlocal value
        value += 1
        return value
    inner()
    return inner()

increment()
print(counter, outer())
