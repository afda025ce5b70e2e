from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from collections.abc import Sequence

def first(items: Sequence[int]) -> Optional[int]:
    return items[0] if items else None

class Box:
    value: int

    def __init__(self, value: int) -> None:
        self.value = value

print(first([1]), Box(2).value)
