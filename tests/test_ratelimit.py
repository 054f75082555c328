"""The per-user sliding-window limiter, on a fake clock."""

from __future__ import annotations

import pytest

from bot.telegram.ratelimit import UserRateLimiter, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(
    limit: int = 3, window: float = 10.0, **kwargs: int
) -> tuple[UserRateLimiter, FakeClock]:
    clock = FakeClock()
    return UserRateLimiter(limit, window, clock=clock, **kwargs), clock


def test_allows_up_to_the_limit_then_warns_once_then_drops() -> None:
    rl, _ = limiter(limit=3)
    verdicts = [rl.check(1) for _ in range(6)]
    assert verdicts == [Verdict.ALLOW] * 3 + [Verdict.WARN] + [Verdict.DROP] * 2


def test_one_users_flood_does_not_limit_another_user() -> None:
    rl, _ = limiter(limit=2)
    for _ in range(50):
        rl.check(1)
    assert rl.check(2) is Verdict.ALLOW
    assert rl.check(2) is Verdict.ALLOW


def test_window_slides_and_the_notice_comes_again_after_recovery() -> None:
    rl, clock = limiter(limit=2, window=10)
    assert rl.check(1) is Verdict.ALLOW  # t=1000
    clock.now += 6
    assert rl.check(1) is Verdict.ALLOW  # t=1006
    assert rl.check(1) is Verdict.WARN
    clock.now += 4.5  # t=1010.5: the first request slid out
    assert rl.check(1) is Verdict.ALLOW
    assert rl.check(1) is Verdict.WARN  # a new burst gets a new notice
    assert rl.check(1) is Verdict.DROP


def test_dropped_requests_do_not_extend_the_block() -> None:
    rl, clock = limiter(limit=1, window=10)
    assert rl.check(1) is Verdict.ALLOW
    for _ in range(9):
        clock.now += 1
        assert rl.check(1) is not Verdict.ALLOW
    clock.now += 1  # 10 s after the only accepted request
    assert rl.check(1) is Verdict.ALLOW


def test_idle_users_are_forgotten() -> None:
    rl, clock = limiter(limit=5, window=10, sweep_every=100)
    for user in range(99):
        rl.check(user)
    assert rl.tracked_users() == 99
    clock.now += 11
    rl.check(1000)  # the 100th check sweeps
    assert rl.tracked_users() == 1


@pytest.mark.parametrize(("limit", "window"), [(0, 10.0), (1, 0.0), (1, -1.0)])
def test_nonsense_limits_are_refused(limit: int, window: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        UserRateLimiter(limit, window)
