"""The default cache without Redis: Django's LocMemCache, bounded in bytes as well as in
entries, and keeping a kept page's bytes as they are.

LocMemCache pickles every value on the way in and unpickles it on the way out, so a page of
a third of a megabyte was copied for every request that was answered from it, and its
``MAX_ENTRIES`` (300 by default) counts entries, not bytes: 300 kept threads of a megabyte
each would have been 300 MB in every worker. Here:

- a value that cannot be changed in place (bytes, str, numbers, and tuples of them: a kept
  page is a tuple of bytes) is stored as it is and handed back as it is; anything else is
  pickled as before, so no caller can change what another will get;
- ``OPTIONS["MAX_BYTES"]`` bounds the values' total size (a pickled value by its pickle, a
  kept one by its bytes); past it, or past ``MAX_ENTRIES``, the least recently used entries
  go first, until the new one fits. A value larger than the whole budget is not kept.
"""

from __future__ import annotations

import pickle
import time
from collections import OrderedDict
from threading import Lock
from typing import Any

from django.core.cache.backends import locmem
from django.core.cache.backends.base import DEFAULT_TIMEOUT

DEFAULT_MAX_BYTES = 64 * 1024 * 1024

# Per cache name, like LocMemCache's own stores: what each entry counts against MAX_BYTES.
_sizes: dict[str, dict[str, int]] = {}


class _Kept:
    """A value kept as it is (not pickled): it cannot be changed, so it can be shared."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _immutable_size(value: object) -> int | None:
    """The bytes an immutable value holds, or None if it could be changed in place."""
    if isinstance(value, (bytes, str)):
        return len(value)
    if value is None or isinstance(value, (bool, int, float)):
        return 8
    if isinstance(value, tuple):
        total = 0
        for item in value:
            size = _immutable_size(item)
            if size is None:
                return None
            total += size + 8
        return total
    return None


class LocMemCache(locmem.LocMemCache):
    """Django's, keeping immutable values as they are and bounded in bytes (see above)."""

    # LocMemCache's own state, which the stubs do not declare.
    _cache: OrderedDict[str, object]
    _expire_info: dict[str, float | None]
    _lock: Lock

    def __init__(self, name: str, params: dict[str, Any]) -> None:
        super().__init__(name, params)
        options = params.get("OPTIONS", {})
        self._max_bytes = int(options.get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self._sizes = _sizes.setdefault(name, {})

    @property
    def total_bytes(self) -> int:
        """What the kept values add up to, as counted against ``MAX_BYTES``."""
        with self._lock:
            return sum(self._sizes.values())

    def _store(self, value: object) -> tuple[object, int]:
        size = _immutable_size(value)
        if size is not None:
            return _Kept(value), size
        pickled = pickle.dumps(value, self.pickle_protocol)
        return pickled, len(pickled)

    @staticmethod
    def _load(stored: object) -> Any:
        if isinstance(stored, _Kept):
            return stored.value
        assert isinstance(stored, bytes)
        return pickle.loads(stored)  # noqa: S301 - only ever what this process stored

    def add(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        key = self.make_and_validate_key(key, version=version)
        stored = self._store(value)
        with self._lock:
            if self._has_expired(key):
                self._put(key, *stored, timeout)
                return True
            return False

    def set(
        self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        key = self.make_and_validate_key(key, version=version)
        stored = self._store(value)
        with self._lock:
            self._put(key, *stored, timeout)

    def get(self, key: str, default: Any = None, version: Any = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            stored = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return self._load(stored)

    def incr(self, key: str, delta: int = 1, version: Any = None) -> int:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._load(self._cache[key]) + delta
            stored, size = self._store(value)
            self._cache[key] = stored
            self._sizes[key] = size
            self._cache.move_to_end(key, last=False)
        return value

    def _put(self, key: str, stored: object, size: int, timeout: Any) -> None:
        self._delete(key)
        if size > self._max_bytes:
            return  # larger than the whole budget: not kept
        used = sum(self._sizes.values())
        # The least recently used entry is the last (LocMemCache moves each read to the front).
        while self._cache and (
            len(self._cache) >= self._max_entries or used + size > self._max_bytes
        ):
            old, _ = self._cache.popitem()
            self._expire_info.pop(old, None)
            used -= self._sizes.pop(old, 0)
        self._cache[key] = stored
        self._cache.move_to_end(key, last=False)
        self._expire_info[key] = self.get_backend_timeout(timeout)
        self._sizes[key] = size

    def _has_expired(self, key: str) -> bool:
        expires = self._expire_info.get(key, -1)
        return expires is not None and expires <= time.time()

    def _delete(self, key: str) -> bool:
        self._sizes.pop(key, None)
        self._expire_info.pop(key, None)
        return self._cache.pop(key, None) is not None

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._expire_info.clear()
            self._sizes.clear()
