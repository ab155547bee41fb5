"""Faults injected on request: API errors and latency, a lower rate limit, failing webhook deliveries."""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_error_rate: float | None = Field(default=None, ge=0, le=1)
    api_latency_ms: int | None = Field(default=None, ge=0, le=60000)
    rate_limit_per_30s: int | None = Field(default=None, ge=1)
    webhook_failure_rate: float | None = Field(default=None, ge=0, le=1)

    def api_error(self, rng: random.Random) -> bool:
        return bool(self.api_error_rate) and rng.random() < (self.api_error_rate or 0)

    def webhook_failure(self, rng: random.Random) -> bool:
        return bool(self.webhook_failure_rate) and rng.random() < (self.webhook_failure_rate or 0)
