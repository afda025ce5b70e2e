def f(flag):
    try:
        if flag:
            return "early"
        value = "late"
    finally:
        cleanup = True
    return value

print(f(True), f(False))
