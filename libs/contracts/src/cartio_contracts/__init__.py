"""cartio_contracts: the envelope, message models and broker topology shared by every service."""

from cartio_contracts.envelope import Envelope
from cartio_contracts.messages import MESSAGE_TYPES, Message, parse
from cartio_contracts.topology import Topology, webhook_routing_key

__all__ = ["MESSAGE_TYPES", "Envelope", "Message", "Topology", "parse", "webhook_routing_key"]
