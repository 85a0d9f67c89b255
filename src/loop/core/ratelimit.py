"""Per-credential rate limits (``limits``): in memory by default, in Redis when ``LOOP_REDIS_URL`` is set so
that every server process spends one shared budget.

Each credential has a per-minute and a per-day window (its organisation's plan, or an explicit limit on the
credential). A request spends one unit in each; the first window that is empty answers 429 with
``Retry-After``. Every authenticated response carries ``RateLimit-*`` headers for the tighter window.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass
from typing import Any

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter

from loop.config import Settings
from loop.core.errors import RateLimited

log = structlog.get_logger("loop.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the reported window has room again

    def headers(self) -> dict[str, str]:
        reset_in = max(0, math.ceil(self.reset_at - time.time()))
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(reset_in),
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(math.ceil(self.reset_at)),
        }


class RateLimiter:
    def __init__(self, settings: Settings) -> None:
        self.enabled = settings.rate_limit_enabled
        self.prefix = settings.rate_limit_key_prefix
        self._plans: dict[str, list[RateLimitItem]] = {
            plan: parse_many(getattr(settings, f"rate_limit_{plan}"))
            for plan in ("starter", "trial", "pro", "business")
        }
        self._custom: dict[str, list[RateLimitItem]] = {}
        self.storage: Any
        if settings.redis_url:
            uri = settings.redis_url
            if not uri.startswith("async+"):
                uri = "async+" + uri
            self.storage = RedisStorage(uri, key_prefix=self.prefix, wrap_exceptions=True)
            self.backend = "redis"
        else:
            self.storage = MemoryStorage()
            self.backend = "memory"
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    def limits_for(self, plan: str, override: str | None) -> list[RateLimitItem]:
        if override:
            if override not in self._custom:
                self._custom[override] = parse_many(override)
            return self._custom[override]
        return self._plans.get(plan, self._plans["starter"])

    async def hit(self, key: str, plan: str, override: str | None = None) -> Decision | None:
        """Spend one request of ``key``'s budget; raise 429 when a window is exhausted."""
        if not self.enabled:
            return None
        items = self.limits_for(plan, override)
        try:
            tightest: Decision | None = None
            for item in sorted(items, key=lambda i: i.get_expiry()):
                allowed = await self.strategy.hit(item, key)
                stats = await self.strategy.get_window_stats(item, key)
                decision = Decision(allowed, item.amount, max(0, stats.remaining), stats.reset_time)
                if not allowed:
                    retry_after = max(1, math.ceil(decision.reset_at - time.time()))
                    raise RateLimited(
                        "Rate limit exceeded",
                        headers={**decision.headers(), "Retry-After": str(retry_after)},
                        retry_after=retry_after,
                    )
                if tightest is None or decision.remaining / item.amount < tightest.remaining / tightest.limit:
                    tightest = decision
            return tightest
        except RateLimited:
            raise
        except Exception as exc:  # the limiter's store is down: serve the request rather than fail it
            log.warning("rate_limit_store_unavailable", error=str(exc), backend=self.backend)
            return None

    async def reset(self) -> None:
        await self.storage.reset()

    async def close(self) -> None:
        close = getattr(self.storage, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):  # best effort at shutdown
                await close()
