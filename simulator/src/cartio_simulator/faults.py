"""Faults injected on request: API errors and latency, a lower rate limit, failing webhook deliveries."""

from __future__ import annotations

import random

from pydantic import BaseModel, ConfigDict, Field


class Faults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_error_rate: float | None = Field(default=None, ge=0, le=1)
    # This share of API calls answered 429 as if the store's quota were spent (X-Retry-After: 1), not carried out:
    # other apps of the store using the shared quota, which no rate header announced.
    api_throttle_rate: float | None = Field(default=None, ge=0, le=1)
    api_latency_ms: int | None = Field(default=None, ge=0, le=60000)
    rate_limit_per_30s: int | None = Field(default=None, ge=1)
    webhook_failure_rate: float | None = Field(default=None, ge=0, le=1)
    # The store carries the request out, but the answer is lost on the way (504 from the edge), as when a
    # connection drops after BigCommerce has acted: the client cannot know whether it happened.
    api_lost_response_rate: float | None = Field(default=None, ge=0, le=1)
    # Limit the API faults above to request paths containing one of these (e.g. "/orders"); empty: all.
    api_fault_paths: list[str] = Field(default_factory=list, max_length=20)

    def applies_to(self, path: str) -> bool:
        return not self.api_fault_paths or any(part in path for part in self.api_fault_paths)

    def api_error(self, rng: random.Random, path: str = "") -> bool:
        return bool(self.api_error_rate) and self.applies_to(path) and rng.random() < (self.api_error_rate or 0)

    def throttled(self, rng: random.Random, path: str = "") -> bool:
        rate = self.api_throttle_rate or 0
        return bool(rate) and self.applies_to(path) and rng.random() < rate

    def lost_response(self, rng: random.Random, path: str = "") -> bool:
        rate = self.api_lost_response_rate or 0
        return bool(rate) and self.applies_to(path) and rng.random() < rate

    def webhook_failure(self, rng: random.Random) -> bool:
        return bool(self.webhook_failure_rate) and rng.random() < (self.webhook_failure_rate or 0)
