def risky(n):
    try:
        if n == 0:
            raise ValueError("zero")
        result = 10 / n
    except ValueError as err:
        result = str(err)
    except ZeroDivisionError:
        result = "never"
    else:
        result = result * 2
    finally:
        done = True
    return result

def nested():
    try:
        try:
            raise KeyError("k")
        finally:
            x = 1
    except KeyError:
        return "caught"

print(risky(0), risky(2), nested())
