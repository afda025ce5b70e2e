def nested(a, b, c):
    if a:
        if b:
            if c:
                return 1
            else:
                return 2
        else:
            for i in range(2):
                if i:
                    return 3
    return 4

print(nested(1, 1, 1), nested(1, 1, 0), nested(1, 0, 0), nested(0, 0, 0))
