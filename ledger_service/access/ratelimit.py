"""Per-caller request rate limits (token buckets), so one client cannot starve the rest.

Buckets live in each API process: with N workers the service-wide allowance
is N times the setting. That is deliberate: no shared state, no extra round
trip per request, and a caller that spreads over workers still cannot exceed
N times its share.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict

from ledger_service.core.errors import LedgerError

MAX_TRACKED = 100_000


class RateLimited(LedgerError):
    code, status = "rate_limited", 429


class RateLimiter:
    def __init__(self, per_second: float, burst: int) -> None:
        self.rate = per_second
        self.burst = max(1, burst)
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, who: str, cost: float = 1.0) -> None:
        """Take ``cost`` tokens from who's bucket or raise RateLimited with a retry hint."""
        if not self.enabled:
            return
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.pop(who, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - stamp) * self.rate)
            if tokens < cost:
                self._buckets[who] = (tokens, now)
                wait = math.ceil((cost - tokens) / self.rate)
                raise RateLimited(f"too many requests; retry in {wait} s", retry_after=wait)
            self._buckets[who] = (tokens - cost, now)
            while len(self._buckets) > MAX_TRACKED:
                self._buckets.popitem(last=False)
