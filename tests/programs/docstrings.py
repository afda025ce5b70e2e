"""Module docstring
spanning lines."""

def documented():
    """Function docstring."""
    return 1

class Documented:
    """Class docstring."""

    def method(self):
        """Method docstring."""
        return 2

print(documented(), Documented().method())
