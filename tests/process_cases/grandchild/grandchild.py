def deep():
    return "deep"

print(deep())
