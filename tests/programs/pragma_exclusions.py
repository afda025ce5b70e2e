def used():
    return 1

def excluded():  # pragma: no cover
    return 2

if False:  # pragma: no cover
    never = 1

try:
    import nonexistent_module_xyz
except ImportError:  # pragma: no cover
    fallback = True

print(used())
