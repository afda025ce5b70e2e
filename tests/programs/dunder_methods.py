class Vector:
    def __init__(self, *values):
        self.values = list(values)

    def __len__(self):
        return len(self.values)

    def __iter__(self):
        return iter(self.values)

    def __add__(self, other):
        return Vector(*(a + b for a, b in zip(self, other)))

    def __eq__(self, other):
        return self.values == other.values

    def __repr__(self):
        return f"Vector{tuple(self.values)}"

    def __hash__(self):
        return hash(tuple(self.values))

print(Vector(1, 2) + Vector(3, 4), len(Vector(1)))
