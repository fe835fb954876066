"""Per-client token buckets, in memory, in one process.

Each client (a key such as its address) has a bucket of at most ``burst`` tokens that fills
again at ``rate`` tokens per second; each request takes one token, or is refused with
:class:`RateExceeded` saying how long until a token is back. Nothing is written anywhere: a
check is a dictionary look-up under a lock, cheap enough for the verification hot path.

The table keeps at most ``max_clients`` buckets; past that, the client seen least recently is
forgotten (it comes back with a full bucket). Each worker process has its own table, so with
N workers one client may get up to N times the rate. Time is an argument: ``clock`` returns
seconds (any origin); a clock that steps back refills nothing.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable

MAX_CLIENTS = 10_000
"""Buckets kept by default (each a key and two floats: about 1 MB at most)."""


class RateExceeded(Exception):
    """The client has no token left; ``retry_after`` is the seconds until one is back."""

    def __init__(self, client: str, retry_after: float) -> None:
        super().__init__(f"{client} is over its rate; a request is allowed in {retry_after:.2f} s")
        self.client = client
        self.retry_after = retry_after

    @property
    def retry_after_seconds(self) -> int:
        """``retry_after`` rounded up to whole seconds (at least 1), for ``Retry-After``."""
        return max(1, math.ceil(self.retry_after))


class TokenBuckets:
    """A token bucket per client: ``burst`` tokens at most, ``rate`` more per second."""

    def __init__(
        self,
        rate: float,
        burst: int,
        clock: Callable[[], float],
        *,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be more than 0 tokens per second, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1 token, got {burst}")
        if max_clients < 1:
            raise ValueError(f"max_clients must be at least 1, got {max_clients}")
        self.rate = float(rate)
        self.burst = burst
        self.max_clients = max_clients
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        """client → (tokens left, when counted), least recently seen first."""
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Take one token for ``client``; raise :class:`RateExceeded` if it has none."""
        now = self._clock()
        with self._lock:
            tokens = self._tokens(client, now)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._forget_oldest()
                return
            self._buckets[client] = (tokens, now)
            self._forget_oldest()
        raise RateExceeded(client, (1 - tokens) / self.rate)

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, client: object) -> bool:
        return client in self._buckets

    def _tokens(self, client: str, now: float) -> float:
        """The client's tokens at ``now``, its bucket taken out of the table (put back last)."""
        found = self._buckets.pop(client, None)
        if found is None:
            return float(self.burst)
        tokens, then = found
        return min(float(self.burst), tokens + max(0.0, now - then) * self.rate)

    def _forget_oldest(self) -> None:
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)


def token_buckets(
    rate: float, burst: int, clock: Callable[[], float], *, max_clients: int = MAX_CLIENTS
) -> TokenBuckets | None:
    """Buckets for ``rate`` and ``burst``, or None (no limit) when either is 0."""
    if rate == 0 or burst == 0:
        return None
    return TokenBuckets(rate, burst, clock, max_clients=max_clients)
