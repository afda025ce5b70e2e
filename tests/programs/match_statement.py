def classify(value):
    match value:
        case 0:
            return "zero"
        case int(n) if n < 0:
            return "negative"
        case [x, y]:
            return f"pair {x} {y}"
        case {"key": v}:
            return f"mapping {v}"
        case str() | bytes():
            return "text"
        case _:
            return "other"

for v in [0, -1, [1, 2], {"key": 3}, 2.5]:
    print(classify(v))
