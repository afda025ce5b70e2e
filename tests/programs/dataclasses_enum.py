import dataclasses
import enum

@dataclasses.dataclass
class Point:
    x: int
    y: int = 0

    def norm(self):
        return (self.x ** 2 + self.y ** 2) ** 0.5

class Color(enum.Enum):
    RED = 1
    GREEN = 2

    def describe(self):
        return self.name.lower()

print(Point(3, 4).norm(), Color.RED.describe())
