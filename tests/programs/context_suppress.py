import contextlib

with contextlib.suppress(KeyError):
    {}["missing"]
    never = True
after = True
print(after)
