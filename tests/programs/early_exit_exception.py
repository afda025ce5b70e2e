def boom():
    x = 1
    raise RuntimeError("boom")

def never():
    return 1

boom()
never()
