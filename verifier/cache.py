"""Where fetched bodies are kept: an in-memory LRU, optionally backed by a database table so
the cache survives restarts (and verification can go on offline after one)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from verifier.models import FetchCacheEntry

__all__ = ["CacheEntry", "CacheStore", "LayeredCache", "MemoryCache", "SqlCache"]


@dataclass(frozen=True)
class CacheEntry:
    """A fetched body, when it was fetched, for how long it is fresh, and its ETag."""

    url: str
    body: bytes
    etag: str | None
    fetched_at: datetime
    max_age: float

    def age(self, now: datetime) -> float:
        return max((now - self.fetched_at).total_seconds(), 0.0)


class CacheStore(Protocol):
    def get(self, url: str) -> CacheEntry | None: ...

    def put(self, entry: CacheEntry) -> None: ...


class MemoryCache:
    """A thread-safe LRU bounded by entry count and total body bytes."""

    def __init__(self, max_entries: int = 1024, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, CacheEntry] = OrderedDict()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, url: str) -> CacheEntry | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is not None:
                self._entries.move_to_end(url)
            return entry

    def put(self, entry: CacheEntry) -> None:
        if len(entry.body) > self._max_bytes:
            return
        with self._lock:
            old = self._entries.pop(entry.url, None)
            self._bytes -= len(old.body) if old else 0
            self._entries[entry.url] = entry
            self._bytes += len(entry.body)
            while len(self._entries) > self._max_entries or self._bytes > self._max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= len(dropped.body)


class SqlCache:
    """Cache entries in the ``verifier_fetch_cache`` table. A database that cannot be read or
    written is treated as an empty cache (``on_error`` hears why): caching is an optimization."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._on_error = on_error

    def get(self, url: str) -> CacheEntry | None:
        try:
            with self._sessions() as session:
                row = session.get(FetchCacheEntry, url)
                if row is None:
                    return None
                fetched = row.fetched_at
                fetched = fetched.replace(tzinfo=UTC) if fetched.tzinfo is None else fetched
                return CacheEntry(row.url, bytes(row.body), row.etag, fetched, row.max_age)
        except SQLAlchemyError as exc:
            self._failed(exc)
            return None

    def put(self, entry: CacheEntry) -> None:
        try:
            with self._sessions() as session, session.begin():
                session.execute(delete(FetchCacheEntry).where(FetchCacheEntry.url == entry.url))
                session.add(
                    FetchCacheEntry(
                        url=entry.url,
                        body=entry.body,
                        etag=entry.etag,
                        fetched_at=entry.fetched_at,
                        max_age=entry.max_age,
                    )
                )
        except SQLAlchemyError as exc:
            self._failed(exc)

    def urls(self) -> list[str]:
        with self._sessions() as session:
            return list(session.scalars(select(FetchCacheEntry.url)))

    def _failed(self, exc: Exception) -> None:
        if self._on_error is not None:
            self._on_error(exc)


class LayeredCache:
    """Memory first, then the persistent store (whose hits are copied into memory)."""

    def __init__(self, memory: MemoryCache, persistent: CacheStore | None = None) -> None:
        self._memory = memory
        self._persistent = persistent

    def get(self, url: str) -> CacheEntry | None:
        entry = self._memory.get(url)
        if entry is None and self._persistent is not None:
            entry = self._persistent.get(url)
            if entry is not None:
                self._memory.put(entry)
        return entry

    def put(self, entry: CacheEntry) -> None:
        self._memory.put(entry)
        if self._persistent is not None:
            self._persistent.put(entry)
