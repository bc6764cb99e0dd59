"""A sliding-window rate limiter shared by every SSB client of the process.

SSB allows ``maxCallsPerTimeWindow`` calls per ``timeWindow`` seconds **per IP
address** (30 per 60 s in production, read from ``/config``). All clients that
talk to the same host therefore share one :class:`SlidingWindowLimiter`
(:func:`limiter_for`). A call holds a slot from just before it is sent until
its response has arrived; the slot's time is then moved to the arrival of the
response. Since the server sees a request after it was sent and before its
answer arrives, no window of ``window`` seconds on the server's clock can hold
more than ``max_calls`` of our calls, whatever the network delay.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator
from urllib.parse import urlsplit

#: SSB's published limits, used until ``/config`` has been read.
DEFAULT_MAX_CALLS = 30
DEFAULT_WINDOW = 60.0


class SlidingWindowLimiter:
    """At most ``max_calls`` calls in any ``window`` seconds, across threads."""

    def __init__(self, max_calls: int = DEFAULT_MAX_CALLS, window: float = DEFAULT_WINDOW,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._cond = threading.Condition()
        self._done: deque[float] = deque()   # end times of finished calls, oldest first
        self._running = 0                    # calls sent and not yet answered
        self.configure(max_calls, window)

    def configure(self, max_calls: int, window: float) -> None:
        """Adopt new limits (from ``/config``); waiting callers re-check them."""
        if max_calls < 1 or window <= 0:
            raise ValueError(f"rate limit needs max_calls >= 1 and window > 0, got {max_calls}/{window}")
        with self._cond:
            self.max_calls = int(max_calls)
            self.window = float(window)
            self._cond.notify_all()

    def _wait_time(self, now: float) -> float:
        """Seconds until a slot frees (0 if one is free now); caller holds the lock."""
        while self._done and self._done[0] <= now - self.window:
            self._done.popleft()
        if self._running + len(self._done) < self.max_calls:
            return 0.0
        if len(self._done) == 0 or self._running >= self.max_calls:
            return self.window  # woken by a finishing call before this elapses
        return self._done[0] + self.window - now

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one call slot for the duration of a request."""
        with self._cond:
            while (wait := self._wait_time(self._clock())) > 0:
                self._cond.wait(wait)
            self._running += 1
        try:
            yield
        finally:
            with self._cond:
                self._running -= 1
                self._done.append(self._clock())
                self._cond.notify_all()


_LIMITERS: dict[str, SlidingWindowLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(url: str) -> SlidingWindowLimiter:
    """The process-wide limiter for the host serving ``url`` (SSB limits per IP)."""
    host = urlsplit(url).netloc.lower()
    with _LIMITERS_LOCK:
        if host not in _LIMITERS:
            _LIMITERS[host] = SlidingWindowLimiter()
        return _LIMITERS[host]
