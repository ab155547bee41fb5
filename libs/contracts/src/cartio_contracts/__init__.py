"""cartio_contracts: the envelope, message models and broker topology shared by every service."""

from cartio_contracts.envelope import Envelope
from cartio_contracts.messages import CART_STATUSES, MESSAGE_TYPES, CartStatus, Message, parse
from cartio_contracts.topology import ExchangeKind, Topology, webhook_binding_key, webhook_routing_key

__all__ = [
    "CART_STATUSES",
    "MESSAGE_TYPES",
    "CartStatus",
    "Envelope",
    "ExchangeKind",
    "Message",
    "Topology",
    "parse",
    "webhook_binding_key",
    "webhook_routing_key",
]
