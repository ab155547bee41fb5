"""Exchange, routing-key and queue names, all under one configurable namespace.

Tests and several installs share a broker by choosing different namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The two topic exchanges: raw BigCommerce webhooks, and Cartio's own events and commands.
ExchangeKind = Literal["events", "webhooks"]


def webhook_routing_key(scope: str) -> str:
    """`store/cart/updated` → `bigcommerce.store.cart.updated`."""
    return "bigcommerce." + ".".join(part for part in scope.split("/") if part)


def webhook_binding_key(scope: str) -> str:
    """The binding for a subscription scope: BigCommerce's `store/cart/*` means every cart scope, nested ones
    (`store/cart/lineItem/added`) included, which is AMQP's `#`."""
    key = webhook_routing_key(scope)
    return key[:-1] + "#" if key.endswith(".*") else key


@dataclass(frozen=True)
class Topology:
    namespace: str = "cartio"

    @property
    def webhooks_exchange(self) -> str:
        return f"{self.namespace}.webhooks"

    @property
    def events_exchange(self) -> str:
        return f"{self.namespace}.events"

    def exchange(self, kind: ExchangeKind) -> str:
        return self.webhooks_exchange if kind == "webhooks" else self.events_exchange

    @property
    def unrouted(self) -> str:
        """Exchange and queue that keep messages no consumer is bound for (alternate exchange)."""
        return f"{self.namespace}.unrouted"

    def queue(self, service: str, purpose: str) -> str:
        return f"{self.namespace}.{service}.{purpose}"

    @staticmethod
    def dead(queue: str) -> str:
        return f"{queue}.dead"

    @staticmethod
    def delay(queue: str, attempt: int) -> str:
        """The delay queues' former names (by attempt); kept for reading old deployments' queues."""
        return f"{queue}.delay.{attempt}"

    @staticmethod
    def delay_for(queue: str, seconds: float) -> str:
        """The delay queue of a retry delay, named after its TTL: a TTL is a queue argument RabbitMQ will not
        change on redeclare, so new `CARTIO_RETRY_DELAYS` mean new queues (the old ones empty themselves)."""
        return f"{queue}.delay.{max(1, round(seconds * 1000))}ms"

