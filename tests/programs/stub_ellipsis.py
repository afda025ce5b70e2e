from typing import Protocol

class Greeter(Protocol):
    def greet(self, name: str) -> str: ...

    def other(self) -> None:
        ...

class Impl:
    def greet(self, name):
        return name

print(Impl().greet("x"))
