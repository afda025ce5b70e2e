def nothing():
    pass

class Empty:
    pass

def only_docstring():
    """Just a docstring."""

nothing()
only_docstring()
print(type(Empty()).__name__)
