"""A cache bounded by the memory its entries take, not by how many there are.

A count bound lets memory grow with the size of what is cached: 100,000 distinct
256-character queries grew the engine from 49 to 159 MB under the old count-bounded caches.
Each entry's size is estimated once, when it is stored; past the budget the oldest entries
are dropped first.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_BUDGET_BYTES = 8 * 1024 * 1024
# What holding one entry costs beyond its key and value: the (value, size) pair, the size,
# and the dict's slot for it (amortised, with the dict's spare room).
ENTRY_OVERHEAD_BYTES = sys.getsizeof((None, 0)) + sys.getsizeof(2**40) + 3 * 8 * 3


def approx_size(value: object) -> int:
    """Bytes taken by `value` and what it holds (strings, numbers, tuples, dataclasses…).

    Shared objects are counted each time they appear, so the estimate errs on the high side.
    """
    size = sys.getsizeof(value)
    if isinstance(value, str | bytes | int | float | bool) or value is None:
        return size
    if isinstance(value, tuple | list | set | frozenset):
        return size + sum(approx_size(item) for item in value)
    if isinstance(value, dict):
        return size + sum(approx_size(k) + approx_size(v) for k, v in value.items())
    if dataclasses.is_dataclass(value):
        return size + sum(approx_size(getattr(value, f.name)) for f in dataclasses.fields(value))
    return size


class ByteBoundedCache(Generic[K, V]):
    """A dict-like cache holding at most about `budget_bytes` of keys and values."""

    def __init__(self, budget_bytes: int | None = None) -> None:
        budget_bytes = DEFAULT_BUDGET_BYTES if budget_bytes is None else budget_bytes
        if budget_bytes <= 0:
            raise ValueError("the cache needs a positive budget")
        self.budget_bytes = budget_bytes
        self._items: dict[K, tuple[V, int]] = {}
        self.size_bytes = 0

    def get(self, key: K) -> V | None:
        found = self._items.get(key)
        return found[0] if found is not None else None

    def put(self, key: K, value: V) -> V:
        """Store `value` (dropping the oldest entries past the budget) and return it."""
        size = approx_size(key) + approx_size(value) + ENTRY_OVERHEAD_BYTES
        if size > self.budget_bytes:
            return value  # larger than the whole cache: not kept
        old = self._items.pop(key, None)
        if old is not None:
            self.size_bytes -= old[1]
        while self._items and self.size_bytes + size > self.budget_bytes:
            _, (_, dropped) = _pop_oldest(self._items)
            self.size_bytes -= dropped
        self._items[key] = (value, size)
        self.size_bytes += size
        return value

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items


def _pop_oldest(items: dict[K, tuple[V, int]]) -> tuple[K, tuple[V, int]]:
    key = next(iter(items))
    return key, items.pop(key)
