"""The verifier's per-client token buckets (verifier/ratelimit.py), on a clock moved by hand."""

from __future__ import annotations

import pytest

from verifier.ratelimit import RateExceeded, TokenBuckets, token_buckets


class Seconds:
    """A clock in seconds that the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _allowed(buckets: TokenBuckets, client: str, times: int) -> int:
    """How many of ``times`` requests at once ``client`` is allowed."""
    allowed = 0
    for _ in range(times):
        try:
            buckets.take(client)
        except RateExceeded:
            continue
        allowed += 1
    return allowed


def test_a_new_client_gets_its_burst_at_once_then_is_refused() -> None:
    buckets = TokenBuckets(rate=2, burst=5, clock=Seconds())
    assert _allowed(buckets, "10.0.0.1", 5) == 5
    with pytest.raises(RateExceeded) as refused:
        buckets.take("10.0.0.1")
    assert refused.value.retry_after == pytest.approx(0.5)
    assert refused.value.retry_after_seconds == 1
    assert "10.0.0.1" in str(refused.value)


def test_tokens_come_back_at_the_rate() -> None:
    clock = Seconds()
    buckets = TokenBuckets(rate=2, burst=5, clock=clock)
    assert _allowed(buckets, "a", 5) == 5
    clock.now += 0.49
    assert _allowed(buckets, "a", 1) == 0
    clock.now += 0.01  # 0.5 s since the bucket emptied: one token back
    assert _allowed(buckets, "a", 2) == 1
    clock.now += 3.0  # six tokens' worth
    assert _allowed(buckets, "a", 10) == 5, "the bucket holds no more than the burst"


def test_a_refused_request_takes_no_token() -> None:
    clock = Seconds()
    buckets = TokenBuckets(rate=1, burst=1, clock=clock)
    buckets.take("a")
    for _ in range(50):
        with pytest.raises(RateExceeded):
            buckets.take("a")
    clock.now += 1.0
    buckets.take("a")  # refusals did not push the next token further away


def test_retry_after_says_when_the_next_token_is_back() -> None:
    clock = Seconds()
    buckets = TokenBuckets(rate=0.1, burst=1, clock=clock)
    buckets.take("a")
    clock.now += 2.5
    with pytest.raises(RateExceeded) as refused:
        buckets.take("a")
    assert refused.value.retry_after == pytest.approx(7.5)
    assert refused.value.retry_after_seconds == 8


def test_clients_have_separate_buckets() -> None:
    buckets = TokenBuckets(rate=1, burst=3, clock=Seconds())
    assert _allowed(buckets, "a", 10) == 3
    assert _allowed(buckets, "b", 10) == 3
    assert _allowed(buckets, "c", 1) == 1


def test_a_clock_that_steps_back_refills_nothing() -> None:
    clock = Seconds()
    buckets = TokenBuckets(rate=1, burst=2, clock=clock)
    assert _allowed(buckets, "a", 2) == 2
    clock.now -= 3600
    assert _allowed(buckets, "a", 1) == 0
    clock.now += 1
    assert _allowed(buckets, "a", 1) == 1


def test_the_table_keeps_at_most_max_clients_forgetting_the_least_recently_seen() -> None:
    buckets = TokenBuckets(rate=1, burst=2, clock=Seconds(), max_clients=3)
    for client in ("a", "b", "c"):
        assert _allowed(buckets, client, 2) == 2
    assert _allowed(buckets, "a", 1) == 0  # "a" seen again: now "b" is the oldest
    assert _allowed(buckets, "d", 1) == 1
    assert len(buckets) == 3
    assert "b" not in buckets
    assert all(client in buckets for client in ("a", "c", "d"))
    assert _allowed(buckets, "b", 2) == 2, "a forgotten client comes back with a full bucket"
    assert "c" not in buckets


def test_many_clients_never_grow_the_table_past_its_cap() -> None:
    buckets = TokenBuckets(rate=1, burst=1, clock=Seconds(), max_clients=100)
    for index in range(5000):
        buckets.take(f"10.{index // 256}.{index % 256}.1")
    assert len(buckets) == 100


@pytest.mark.parametrize(
    ("rate", "burst", "max_clients", "message"),
    [
        (0, 1, 10, "rate must be more than 0"),
        (-1, 1, 10, "rate must be more than 0"),
        (1, 0, 10, "burst must be at least 1"),
        (1, 1, 0, "max_clients must be at least 1"),
    ],
)
def test_impossible_settings_are_refused(
    rate: float, burst: int, max_clients: int, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        TokenBuckets(rate, burst, Seconds(), max_clients=max_clients)


def test_a_rate_or_burst_of_zero_means_no_limit() -> None:
    assert token_buckets(0, 100, Seconds()) is None
    assert token_buckets(20, 0, Seconds()) is None
    buckets = token_buckets(20, 100, Seconds(), max_clients=7)
    assert buckets is not None
    assert (buckets.rate, buckets.burst, buckets.max_clients) == (20.0, 100, 7)
