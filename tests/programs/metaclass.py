class Registry(type):
    classes = []

    def __new__(mcs, name, bases, namespace):
        cls = super().__new__(mcs, name, bases, namespace)
        mcs.classes.append(name)
        return cls

class Plugin(metaclass=Registry):
    pass

class Other(Plugin):
    def run(self):
        return "run"

print(Registry.classes)
