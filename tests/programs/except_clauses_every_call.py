# Code that raises and catches on every other call, through several except clauses, some of
# which do not match (3.12/3.13 disable an except clause's test at its first run).
def parse(text):
    if text.isdigit():
        return int(text)
    raise ValueError(text)


def convert(items):
    out = []
    for item in items:
        try:
            out.append(parse(item))
        except TypeError:
            out.append(None)
        except (KeyError, ValueError) as err:
            out.append(str(err))
        except Exception:
            raise
    return out


def deep(n):
    try:
        if n == 0:
            raise LookupError(n)
        return deep(n - 1)
    except KeyError:
        return "never"


def outer(n):
    try:
        return deep(n)
    except LookupError:
        return "caught"


for _ in range(50):
    convert(["1", "x", "2", "y"])
    outer(3)
try:
    convert([object()])
except AttributeError:
    pass
