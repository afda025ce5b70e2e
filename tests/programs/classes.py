class Base:
    attr = 1

    def __init__(self, value):
        self.value = value

    def describe(self):
        return f"{type(self).__name__}({self.value})"

    @property
    def doubled(self):
        return self.value * 2

    @staticmethod
    def never():
        return "never"


class Child(Base):
    def describe(self):
        text = super().describe()
        return text.upper()


c = Child(3)
print(c.describe(), c.doubled)
