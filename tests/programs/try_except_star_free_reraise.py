def handler():
    try:
        int("x")
    except ValueError:
        try:
            raise
        except ValueError:
            return "reraised"

print(handler())
