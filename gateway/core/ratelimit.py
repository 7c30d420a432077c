"""Per-client rate limits: a token bucket per organisation, in this process.

Each replica counts on its own, so behind a load balancer with N replicas a client gets up to N times the limit;
a limit for the whole region belongs at the load balancer. The table of buckets is bounded: when full, the
bucket left alone longest goes (it would have refilled anyway).
"""

import math
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    def __init__(self, *, per_minute: int, burst: int, max_clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60
        self._burst = float(max(burst, 1))
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._max = max_clients
        self._clock = clock

    @property
    def enabled(self) -> bool:
        return self._rate > 0

    def take(self, key: str) -> int:
        """0 when the request may go ahead; otherwise the whole seconds until it may (for `Retry-After`)."""
        if not self.enabled:
            return 0
        now = self._clock()
        tokens, at = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - at) * self._rate)
        if len(self._buckets) >= self._max:
            self._buckets.popitem(last=False)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self._rate))
