data = [1, 2, 3, 4, 5]
evens = [x for x in data if x % 2 == 0]
pairs = {x: x * x for x in data}
unique = {x % 3 for x in data}
nested = [
    (a, b)
    for a in range(3)
    for b in range(a)
    if a != b
]
empty = [x for x in [] if x]
print(evens, pairs, unique, nested, empty)
