"""Moved to `cartio_platform.testing.system` (services may import it); kept for the benchmarks and older tests."""

from cartio_platform.testing.system import SERVICE_TOKEN, SERVICES, WEBHOOK_KEY, Merchant, Service, System

__all__ = ["SERVICES", "SERVICE_TOKEN", "WEBHOOK_KEY", "Merchant", "Service", "System"]
